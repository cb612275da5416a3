"""Rate limits for the public channels: so many messages per minute per
conversation (sender id) and per client address.

A token bucket per sender and per address: a bucket holds at most N tokens
(N = messages per minute), refills at N per minute, and every message takes
one. A student can send N messages in a burst and then one every 60/N
seconds; a script that floods one conversation, or many conversations from
one address, gets 429 after N.

The buckets live in SQL, in the bot's own database (the tracker and lock
store, STUDYBOTS_TRACKER_URL), so the limit holds across all Sanic workers
(and replicas) of a bot: per-process counters would let each of the
BOT_WORKERS workers accept N, and which worker gets a request is up to the
kernel. One check is one short write transaction (an UPDATE per bucket,
an INSERT for a new one); the buckets are keyed by a keyed hash of the sender
id or address (studybots.privacy.scrub.pseudonym), never the id or address itself,
and rows of idle buckets are deleted after a minute (a full bucket and no row
mean the same).

Settings (environment, read when a bot starts):
    STUDYBOTS_RATE_LIMIT_SENDER   messages per minute per conversation (30; 0 = off)
    STUDYBOTS_RATE_LIMIT_IP       messages per minute per client address (300; 0 = off);
                                  IPv6 clients count per /64 network
    STUDYBOTS_RATE_LIMIT_URL      the database (default: STUDYBOTS_TRACKER_URL)

Behind a reverse proxy every request comes from the proxy's address: tell
Sanic to trust the proxy's header (SANIC_PROXIES_COUNT=1 or
SANIC_REAL_IP_HEADER=X-Real-IP), otherwise the address limit applies to all
students together.

Use from a channel (Sanic request handler):

    from studybots.bot.channels import limits

    decision = await limits.shared().acheck(sender=sender_id,
                                            ip=limits.client_address(request))
    if not decision.allowed:
        return limits.too_many_requests(decision)      # 429, Finnish + English

A channel that is not HTTP (Socket.IO, Slack) sends `decision.message(lang)`
back to the user instead, in the language. If the database cannot be
reached the message is let through (and a warning logged): the limiter must
not take the bot down with it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import math
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from studybots.bot.channels import replies
from studybots.core import db
from studybots.privacy.pseudonyms import load_key, pseudonym

logger = logging.getLogger(__name__)

SENDER_ENV = "STUDYBOTS_RATE_LIMIT_SENDER"
IP_ENV = "STUDYBOTS_RATE_LIMIT_IP"
URL_ENV = "STUDYBOTS_RATE_LIMIT_URL"
DEFAULT_PER_MINUTE = {"sender": 30.0, "ip": 300.0}
# Buckets refill completely within a minute, so a row untouched for this long
# is the same as no row.
IDLE_SECONDS = 60.0
PRUNE_EVERY_SECONDS = 60.0

_metadata = sa.MetaData()
buckets = sa.Table(
    "rate_limit_buckets",
    _metadata,
    sa.Column("bucket", sa.String(64), primary_key=True),
    sa.Column("tokens", sa.Float, nullable=False),
    sa.Column("updated", sa.Float, nullable=False, index=True),
)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: str | None = None  # which limit refused: "sender" or "ip"
    retry_after: float = 0.0  # seconds until one more message is allowed

    @property
    def retry_after_seconds(self) -> int:
        return max(1, math.ceil(self.retry_after))

    def message(self, lang: str = replies.DEFAULT) -> str:
        """The refusal in the student's language (fi, sv or en)."""
        return replies.reply("rate_limited", lang, seconds=self.retry_after_seconds)

    @property
    def message_fi(self) -> str:
        return self.message("fi")

    @property
    def message_en(self) -> str:
        return self.message("en")


ALLOWED = Decision(True)


def per_minute_from_env(environ: Mapping[str, str] | None = None) -> dict[str, float]:
    """The configured limits; a bad value stops the bot with a clear message."""
    environ = os.environ if environ is None else environ
    limits = {}
    for kind, name in (("sender", SENDER_ENV), ("ip", IP_ENV)):
        raw = environ.get(name, "").strip()
        try:
            value = float(raw) if raw else DEFAULT_PER_MINUTE[kind]
        except ValueError:
            raise ValueError(
                f"{name} must be a number of messages per minute (0 = off), not {raw!r}"
            ) from None
        if value < 0 or math.isnan(value) or math.isinf(value):
            raise ValueError(f"{name} must be a number >= 0 (0 = off), not {raw!r}")
        if value > 0:
            limits[kind] = value
    return limits


def client_address(request: Any) -> str:
    """The client's address of a Sanic request: the proxy's forwarded address
    when Sanic is told to trust one (see the module docstring), else the peer.
    IPv6 addresses are reduced to their /64 network, since one client
    usually holds a whole /64."""
    address = (getattr(request, "remote_addr", "") or getattr(request, "ip", "") or "").strip()
    try:
        parsed = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return address or "unknown"
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


class RateLimiter:
    """Token buckets in SQL. `per_minute` maps a kind ("sender", "ip") to its
    limit; kinds not in it are not limited."""

    def __init__(
        self, url: str, per_minute: dict[str, float], key: bytes | None = None, clock=time.time
    ) -> None:
        self.per_minute = {kind: float(n) for kind, n in per_minute.items() if n and n > 0}
        self.url = url
        self.key = key
        self.clock = clock
        self.engine = db.engine(url)  # in memory: one database for every thread
        db.create_tables(self.engine, _metadata)
        self._last_prune = 0.0
        self._prune_lock = threading.Lock()

    @classmethod
    def from_env(cls) -> RateLimiter:
        from studybots.core.settings import load_settings

        url = (
            os.environ.get(URL_ENV) or os.environ.get("STUDYBOTS_TRACKER_URL") or "sqlite://"
        )  # no database configured: this process only
        return cls(url, per_minute_from_env(), key=load_key(load_settings().var_dir / "log.key"))

    def _bucket(self, kind: str, value: str) -> str:
        if self.key is None:
            from studybots.core.settings import load_settings

            self.key = load_key(load_settings().var_dir / "log.key")
        return f"{kind}:{pseudonym(f'ratelimit:{kind}:{value}', self.key)}"

    def check(self, **identities: str | None) -> Decision:
        """Take one token from the bucket of each identity (sender=..., ip=...).
        Either every bucket has a token and each loses one, or none changes
        and the answer names the limit that refused."""
        wanted = sorted(
            (kind, str(value))
            for kind, value in identities.items()
            if value is not None and kind in self.per_minute
        )
        if not wanted:
            return ALLOWED
        now = self.clock()
        try:
            decision = self._take(wanted, now)
        except sa.exc.SQLAlchemyError as exc:
            logger.warning("rate limit not checked (database unavailable): %s", type(exc).__name__)
            return ALLOWED
        self._maybe_prune(now)
        return decision

    async def acheck(self, **identities: str | None) -> Decision:
        """`check` in a worker thread, so a slow database does not block the
        event loop."""
        return await asyncio.get_running_loop().run_in_executor(
            None, lambda: self.check(**identities)
        )

    def _take(self, wanted: list[tuple[str, str]], now: float) -> Decision:
        with self.engine.connect() as connection:
            transaction = connection.begin()
            try:
                for kind, value in wanted:
                    bucket = self._bucket(kind, value)
                    rate = self.per_minute[kind] / 60.0
                    capacity = self.per_minute[kind]
                    if not self._take_one(connection, bucket, rate, capacity, now):
                        retry_after = self._retry_after(connection, bucket, rate, now)
                        transaction.rollback()
                        return Decision(False, kind, retry_after)
                transaction.commit()
            except BaseException:
                if transaction.is_active:
                    transaction.rollback()
                raise
        return ALLOWED

    @staticmethod
    def _take_one(
        connection: sa.engine.Connection, bucket: str, rate: float, capacity: float, now: float
    ) -> bool:
        elapsed = sa.literal(now) - buckets.c.updated
        refilled = buckets.c.tokens + sa.case((elapsed > 0, elapsed), else_=0.0) * rate
        capped = sa.case((refilled > capacity, capacity), else_=refilled)
        update = (
            sa.update(buckets)
            .where(buckets.c.bucket == bucket, refilled >= 1.0)
            .values(tokens=capped - 1.0, updated=now)
        )
        if connection.execute(update).rowcount:
            return True
        # No row, or an empty bucket. A new bucket starts full. Another worker
        # may insert it at the same moment: then ours inserts nothing (on
        # PostgreSQL it waits for theirs to commit) and the UPDATE below, a new
        # statement that sees their row, takes from it. (Asking "does the row
        # exist?" instead would see a row committed after our UPDATE ran and
        # refuse a message while the bucket is full: 429s when many students
        # start at once from one address.)
        connection.execute(_insert_ignoring_conflict(connection, bucket, capacity, now))
        return bool(connection.execute(update).rowcount)

    @staticmethod
    def _retry_after(
        connection: sa.engine.Connection, bucket: str, rate: float, now: float
    ) -> float:
        row = connection.execute(
            sa.select(buckets.c.tokens, buckets.c.updated).where(buckets.c.bucket == bucket)
        ).first()
        if row is None:
            return 0.0
        tokens = row.tokens + max(0.0, now - row.updated) * rate
        return max(0.0, (1.0 - tokens) / rate)

    def _maybe_prune(self, now: float) -> None:
        if now - self._last_prune < PRUNE_EVERY_SECONDS or not self._prune_lock.acquire(False):
            return
        try:
            self._last_prune = now
            with self.engine.begin() as connection:
                connection.execute(sa.delete(buckets).where(buckets.c.updated < now - IDLE_SECONDS))
        except sa.exc.SQLAlchemyError as exc:
            logger.info("rate limit buckets not pruned: %s", type(exc).__name__)
        finally:
            self._prune_lock.release()


def _insert_ignoring_conflict(
    connection: sa.engine.Connection, bucket: str, capacity: float, now: float
) -> Any:
    values = {"bucket": bucket, "tokens": capacity, "updated": now}
    dialect = connection.dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert

        return insert(buckets).values(**values).on_conflict_do_nothing()
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert

        return insert(buckets).values(**values).on_conflict_do_nothing()
    if dialect in ("mysql", "mariadb"):
        return sa.insert(buckets).values(**values).prefix_with("IGNORE")
    raise ValueError(
        f"rate limits: unsupported database {dialect!r} (use SQLite, PostgreSQL or MySQL)"
    )


_shared: tuple[int, RateLimiter] | None = None
_shared_lock = threading.Lock()


def shared() -> RateLimiter:
    """This process's limiter, configured from the environment. Created on
    first use in each worker (after Sanic forks), never shared across a fork."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared[0] != os.getpid():
            _shared = (os.getpid(), RateLimiter.from_env())
        return _shared[1]


def too_many_requests(decision: Decision) -> Any:
    """A Sanic 429 response in the channels' error format (Finnish and English)."""
    from sanic import response

    return response.json(
        {
            "error": "rate_limited",
            "message": decision.message_fi,
            "message_en": decision.message_en,
            "retry_after": decision.retry_after_seconds,
        },
        status=429,
        headers={"Retry-After": str(decision.retry_after_seconds)},
    )
