"""`make log-retention`: delete question-log rows and stored conversations
older than their retention periods.

Log rows: --days or STUDYBOTS_LOG_RETENTION_DAYS (default 365).
Conversation events of both bots: --conversation-days or
STUDYBOTS_CONVERSATION_RETENTION_DAYS (default 30).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys

import sqlalchemy as sa

from studybots.bot.tracker_store import delete_events_older_than
from studybots.core.names import BOTS
from studybots.core.settings import load_settings
from studybots.questionlog.model import ensure_schema, make_log_engine, message_log


def delete_older_than(url: str, days: int, now: dt.datetime | None = None) -> int:
    now = now or dt.datetime.now(dt.timezone.utc)
    engine = make_log_engine(url)
    try:
        ensure_schema(engine)
        with engine.begin() as connection:
            deleted: int = connection.execute(
                sa.delete(message_log).where(message_log.c.time < now - dt.timedelta(days=days))
            ).rowcount
            return deleted
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--days", type=int, default=int(os.environ.get("STUDYBOTS_LOG_RETENTION_DAYS", "365"))
    )
    parser.add_argument(
        "--conversation-days",
        type=int,
        default=int(os.environ.get("STUDYBOTS_CONVERSATION_RETENTION_DAYS", "30")),
    )
    args = parser.parse_args(argv)
    if args.days < 0 or args.conversation_days < 0:
        parser.error("retention periods must be 0 days or more")
    settings = load_settings()
    deleted = delete_older_than(settings.log_url, args.days)
    print(f"deleted {deleted} log rows older than {args.days} days")
    for bot in BOTS:
        count = delete_events_older_than(settings.tracker_url(bot), args.conversation_days)
        print(f"deleted {count} {bot} conversation events older than {args.conversation_days} days")
    return 0


if __name__ == "__main__":
    sys.exit(main())
