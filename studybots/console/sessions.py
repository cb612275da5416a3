"""Server-side sessions and their CSRF tokens.

A session is a random 32-byte token in a cookie (HttpOnly, SameSite=Strict,
Secure, path /toimitus/; web.py sets it); the database keeps only its
SHA-256, so a copy of the table signs nobody in. A session ends after
`idle` without a request and after `absolute` in any case, when its account
is disabled or gets a new password, and at logout (the row is deleted).

CSRF: the synchronizer token of a session is an HMAC of its token, so it is
tied to the session, needs no storage, and cannot be computed from the
table. The sign-in form, before any session, uses a double-submit token: a
random cookie whose value the form repeats.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from studybots.console import accounts, model

__all__ = [
    "Timeouts",
    "create",
    "csrf_matches",
    "csrf_token",
    "delete",
    "lookup",
    "new_token",
    "purge",
    "token_hash",
]

TOKEN_BYTES = 32


@dataclass(frozen=True)
class Timeouts:
    idle: dt.timedelta = dt.timedelta(minutes=30)
    absolute: dt.timedelta = dt.timedelta(hours=8)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def csrf_token(token: str) -> str:
    """The session's CSRF token (for its forms)."""
    return hmac.new(token.encode("utf-8"), b"studybots-console-csrf", hashlib.sha256).hexdigest()


def csrf_matches(expected: str, submitted: str | None) -> bool:
    if not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), submitted.encode("utf-8"))


def create(engine: sa.engine.Engine, account_id: int, now: dt.datetime | None = None) -> str:
    """A new session of the account; returns its token (for the cookie only)."""
    now = now or model.now()
    token = new_token()
    with engine.begin() as connection:
        connection.execute(
            sa.insert(model.session).values(
                token_hash=token_hash(token), account_id=account_id, created=now, last_seen=now
            )
        )
    return token


def lookup(
    engine: sa.engine.Engine,
    token: str | None,
    timeouts: Timeouts = Timeouts(),
    now: dt.datetime | None = None,
) -> accounts.Account | None:
    """The signed-in account of a token, or None (no such session, expired,
    or the account is disabled: such a session is deleted)."""
    if not token or len(token) > 200:
        return None
    now = now or model.now()
    key = token_hash(token)
    with engine.begin() as connection:
        row = (
            connection.execute(sa.select(model.session).where(model.session.c.token_hash == key))
            .mappings()
            .first()
        )
        if row is None:
            return None
        account = accounts.by_id(connection, row["account_id"])
        expired = (
            now - model.as_utc(row["last_seen"]) > timeouts.idle
            or now - model.as_utc(row["created"]) > timeouts.absolute
        )
        if expired or account is None or account.disabled is not None:
            connection.execute(sa.delete(model.session).where(model.session.c.token_hash == key))
            return None
        connection.execute(
            sa.update(model.session).where(model.session.c.token_hash == key).values(last_seen=now)
        )
        return account


def delete(engine: sa.engine.Engine, token: str | None) -> None:
    if not token:
        return
    with engine.begin() as connection:
        connection.execute(
            sa.delete(model.session).where(model.session.c.token_hash == token_hash(token))
        )


def purge(
    engine: sa.engine.Engine, timeouts: Timeouts = Timeouts(), now: dt.datetime | None = None
) -> int:
    """Delete every expired session; returns how many."""
    now = now or model.now()
    with engine.begin() as connection:
        deleted: int = connection.execute(
            sa.delete(model.session).where(
                sa.or_(
                    model.session.c.last_seen < now - timeouts.idle,
                    model.session.c.created < now - timeouts.absolute,
                )
            )
        ).rowcount
        return deleted
