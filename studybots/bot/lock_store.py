"""A conversation lock store in SQL, shared by all worker processes of a bot.

Rasa serialises the messages of one conversation with ticket locks. Its
default lock store lives in one process's memory, which limits a bot to one
Sanic worker; Redis is the usual answer, but the embedded profile must run
without extra services. This store keeps the locks in the bot's own SQL
database (SQLite by default, PostgreSQL in production), so a bot can run
several workers (BOT_WORKERS) on a multi-core machine.

Configure in endpoints.yml:
    lock_store:
      type: studybots.bot.lock_store.SQLLockStore
      url: ${STUDYBOTS_TRACKER_URL}
"""

from __future__ import annotations

import json
import urllib.parse

import sqlalchemy as sa
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from studybots.core import db

_metadata = sa.MetaData()
locks = sa.Table(
    "conversation_locks",
    _metadata,
    sa.Column("conversation_id", sa.String(255), primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
)


class SQLLockStore(LockStore):  # type: ignore[misc]  # Rasa is untyped
    def __init__(self, endpoint_config: EndpointConfig | None = None, url: str | None = None):
        url = url or (endpoint_config.url if endpoint_config else None) or "sqlite:///locks.db"
        self.engine = db.engine(url)
        db.create_tables(self.engine, _metadata)
        super().__init__()

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        with self.engine.connect() as connection:
            data = connection.execute(
                sa.select(locks.c.data).where(locks.c.conversation_id == conversation_id)
            ).scalar_one_or_none()
        return TicketLock.from_dict(json.loads(data)) if data else None

    def delete_lock(self, conversation_id: str) -> None:
        with self.engine.begin() as connection:
            result = connection.execute(
                sa.delete(locks).where(locks.c.conversation_id == conversation_id)
            )
        self._log_deletion(conversation_id, result.rowcount > 0)

    def save_lock(self, lock: TicketLock) -> None:
        data = lock.dumps()
        with self.engine.begin() as connection:
            updated = connection.execute(
                sa.update(locks)
                .where(locks.c.conversation_id == lock.conversation_id)
                .values(data=data)
            ).rowcount
            if not updated:
                try:
                    with connection.begin_nested():
                        connection.execute(
                            sa.insert(locks).values(conversation_id=lock.conversation_id, data=data)
                        )
                except sa.exc.IntegrityError:  # another worker inserted it first
                    connection.execute(
                        sa.update(locks)
                        .where(locks.c.conversation_id == lock.conversation_id)
                        .values(data=data)
                    )


class RedisUrlLockStore(RedisLockStore):  # type: ignore[misc]  # Rasa is untyped
    """Rasa's Redis lock store, configured by one URL (the production profile).

    endpoints.production.yml:
        lock_store:
          type: studybots.bot.lock_store.RedisUrlLockStore
          url: ${STUDYBOTS_LOCK_URL}        # redis://[:password@]host:port/db
          key_prefix: ${STUDYBOTS_BOT}

    One URL keeps the password in one environment variable.
    """

    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        url: str | None = None,
        key_prefix: str | None = None,
    ) -> None:
        url = url or (endpoint_config.url if endpoint_config else None) or ""
        if endpoint_config is not None:
            key_prefix = key_prefix or endpoint_config.kwargs.get("key_prefix")
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("redis", "rediss"):
            raise ValueError(f"lock store URL must be redis://host:port/db, not {url!r}")
        super().__init__(
            host=parts.hostname or "localhost",
            port=parts.port or 6379,
            db=int((parts.path or "/0").lstrip("/") or 0),
            username=urllib.parse.unquote(parts.username) if parts.username else None,
            password=urllib.parse.unquote(parts.password) if parts.password else None,
            use_ssl=parts.scheme == "rediss",
            key_prefix=key_prefix,
        )
        self.red.ping()  # fail at start-up, not at the first message
