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

Privacy: both stores here (SQL and Redis) keep a lock under a keyed
pseudonym of the conversation id (studybots.privacy.at_rest.lock_key), and
the stored lock names that pseudonym too; the conversation id itself is
only in memory.
"""

from __future__ import annotations

import json
import urllib.parse

import sqlalchemy as sa
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from studybots.core import db
from studybots.core.settings import load_settings
from studybots.privacy import at_rest
from studybots.privacy.pseudonyms import load_key

_metadata = sa.MetaData()
locks = sa.Table(
    "conversation_locks",
    _metadata,
    sa.Column("conversation_id", sa.String(255), primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
)


class ExpiringTicketLock(TicketLock):  # type: ignore[misc]  # Rasa is untyped
    """Rasa's ticket lock, with a waiting ticket that expired still served.

    Rasa serves ticket n when it is the first in the queue. A ticket expires
    after TICKET_LOCK_LIFETIME, so that a process killed while holding the
    lock blocks its conversation only that long; but the waiting message's own
    ticket expires too, and when both went in the same one-second poll the
    queue was empty, "the first" was 0, and the message waited for ever (the
    chaos benchmark: the next message of a student whose reply died with a
    replica hung until nginx gave up after 60 s). Here a ticket is served
    when no earlier ticket is still alive, whether or not its own is."""

    def is_locked(self, ticket_number: int) -> bool:
        return any(t.number < ticket_number and not t.has_expired() for t in self.tickets)


class PseudonymousLocks(LockStore):  # type: ignore[misc]  # Rasa is untyped
    """Rasa's lock store calls, with the storage keyed by pseudonyms.

    Rasa asks for locks by conversation id and saves the `TicketLock`s it
    got back. The storage methods (`_get`, `_save`, `_delete`) only ever see
    the pseudonym; the lock handed to Rasa carries the real id again.
    """

    key: bytes = b""

    def _load_key(self, key: bytes | None) -> None:
        self.key = key or load_key(load_settings().var_dir / "log.key")

    def stored_id(self, conversation_id: str) -> str:
        return at_rest.lock_key(conversation_id, self.key)

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        stored = self._get(self.stored_id(conversation_id))
        if stored is None:
            return None
        return ExpiringTicketLock(conversation_id, stored.tickets)

    def delete_lock(self, conversation_id: str) -> None:
        self._delete(self.stored_id(conversation_id))

    def save_lock(self, lock: TicketLock) -> None:
        stored = TicketLock(self.stored_id(lock.conversation_id), lock.tickets)
        self._save(stored)

    def _get(self, stored_id: str) -> TicketLock | None:
        raise NotImplementedError

    def _delete(self, stored_id: str) -> None:
        raise NotImplementedError

    def _save(self, lock: TicketLock) -> None:
        raise NotImplementedError


class SQLLockStore(PseudonymousLocks):
    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        url: str | None = None,
        key: bytes | None = None,
    ):
        url = url or (endpoint_config.url if endpoint_config else None) or "sqlite:///locks.db"
        self._load_key(key)
        self.engine = db.engine(url)
        db.create_tables(self.engine, _metadata)
        super().__init__()

    def _get(self, conversation_id: str) -> TicketLock | None:
        with self.engine.connect() as connection:
            data = connection.execute(
                sa.select(locks.c.data).where(locks.c.conversation_id == conversation_id)
            ).scalar_one_or_none()
        return TicketLock.from_dict(json.loads(data)) if data else None

    def _delete(self, conversation_id: str) -> None:
        with self.engine.begin() as connection:
            result = connection.execute(
                sa.delete(locks).where(locks.c.conversation_id == conversation_id)
            )
        self._log_deletion(conversation_id, result.rowcount > 0)

    def _save(self, lock: TicketLock) -> None:
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


class RedisUrlLockStore(PseudonymousLocks, RedisLockStore):  # type: ignore[misc]  # Rasa is untyped
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
        key: bytes | None = None,
    ) -> None:
        self._load_key(key)
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

    def _get(self, stored_id: str) -> TicketLock | None:
        return RedisLockStore.get_lock(self, stored_id)

    def _delete(self, stored_id: str) -> None:
        RedisLockStore.delete_lock(self, stored_id)

    def _save(self, lock: TicketLock) -> None:
        RedisLockStore.save_lock(self, lock)
