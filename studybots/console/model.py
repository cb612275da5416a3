"""The console's tables (SQLAlchemy 2.0 style on 1.4), created by `ensure_schema`
through the project's one engine factory (studybots/core/db.py).

console_account: one row per account: its name, roles (space-separated, in
roles.ROLES order), scrypt hash (none for an account that signs in only
through OpenID Connect), failed sign-ins since the last good one and the time
a lock ends, when it was created and disabled.
console_session: one row per signed-in browser: the SHA-256 of its token
(never the token), the account, when it started and was last used.
console_oidc_flow: an OpenID Connect sign-in under way (state hash, nonce,
PKCE verifier), for ten minutes at most.
console_audit: every action, with the account, the time (UTC) and a short
detail. Nothing about students.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from studybots.core import db

metadata = sa.MetaData()

account = sa.Table(
    "console_account",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("roles", sa.String(200), nullable=False, default=""),
    sa.Column("password_hash", sa.String(300)),
    sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", sa.DateTime(timezone=True)),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("disabled", sa.DateTime(timezone=True)),
)

session = sa.Table(
    "console_session",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "account_id",
        sa.Integer,
        sa.ForeignKey("console_account.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
)

oidc_flow = sa.Table(
    "console_oidc_flow",
    metadata,
    sa.Column("state_hash", sa.String(64), primary_key=True),
    sa.Column("nonce", sa.String(100), nullable=False),
    sa.Column("verifier", sa.String(200), nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
)

audit = sa.Table(
    "console_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("time", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("account", sa.String(200)),  # who did it; None: not signed in
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("detail", sa.String(500), nullable=False, default=""),
)


def make_engine(url: str) -> sa.engine.Engine:
    return db.engine(url, durable=True, connect_timeout=5)


def ensure_schema(engine: sa.engine.Engine) -> None:
    db.create_tables(engine, metadata)


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def as_utc(value: dt.datetime) -> dt.datetime:
    """A stored time in UTC (SQLite gives back times without a zone: they are UTC)."""
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value
