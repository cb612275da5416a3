"""The `message_log` table (SQLAlchemy 2.0 style on 1.4).

One row per user message: when, which bot and channel, a pseudonymous
conversation id (a keyed hash, never the sender id), the scrubbed text, what
the NLU understood, what the bot did with it, the language of the reply, and
the student's feedback. Tables and columns are created by `ensure_schema`
(core.db.create_tables: a column a newer version added is added to an older
table).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from studybots.core import db

metadata = sa.MetaData()

message_log = sa.Table(
    "message_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(32), nullable=False, unique=True),  # idempotent retries
    sa.Column("time", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("bot", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("conversation", sa.String(32), nullable=False, index=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("intent", sa.String(100)),
    sa.Column("confidence", sa.Float),
    sa.Column("candidates", sa.Text, nullable=False, default="[]"),  # JSON: top guesses
    # answer | suggest | out_of_scope | services | no_answer | smalltalk | fallback | feedback
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("answer_ref", sa.Text, nullable=False, default=""),  # term id, need id, ...
    sa.Column("feedback", sa.String(8)),  # up | down
    # The language the bot answered in (fi | sv | en): the student's, as far as
    # the bot could tell. Added after the first release: nullable.
    sa.Column("lang", sa.String(8)),
)

# Editors' decisions on grouped questions of the review inbox.
review_status = sa.Table(
    "review_status",
    metadata,
    sa.Column("key", sa.String(40), primary_key=True),  # sha1 of bot + normalised question
    sa.Column("bot", sa.String(16), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),  # pending | resolved | ignored
    sa.Column("action", sa.String(12), nullable=False, default=""),
    sa.Column("target", sa.String(100), nullable=False, default=""),
    sa.Column("editor", sa.String(100), nullable=False),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
)


def make_log_engine(url: str) -> sa.engine.Engine:
    """The question log's engine: every commit on disk, and a short connect
    timeout so that an unreachable database spools rows instead of waiting."""
    return db.engine(url, durable=True, connect_timeout=3)


def ensure_schema(engine: sa.engine.Engine) -> None:
    db.create_tables(engine, metadata)


OPTIONAL = tuple(c.name for c in message_log.columns if c.nullable and not c.primary_key)


def complete(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with every optional column, for one insert (which needs the same
    keys in every row): a row spooled by an older version, or made up by a
    test, lacks the columns added since."""
    return [{**dict.fromkeys(OPTIONAL), **r} for r in rows]
