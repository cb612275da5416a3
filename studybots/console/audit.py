"""The audit log: every action in the console, with the account, the time and
a short detail (`console_audit`). Times are stored in UTC and shown in
Finnish time. Nothing about students goes here, and never a password: a
failed sign-in of an unknown name is recorded without the name (people type
their password in the wrong field).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from studybots.console import model

__all__ = ["LOCAL_TZ", "Entry", "local_time", "record", "recent"]

LOCAL_TZ = ZoneInfo("Europe/Helsinki")
DETAIL_CHARS = 500

# The actions recorded (the audit page names them in texts.py).
ACTIONS = (
    "login",
    "login_failed",
    "login_locked",
    "logout",
    "account_created",
    "roles_changed",
    "account_disabled",
    "account_enabled",
    "account_unlocked",
    "password_set",
    "csrf_refused",
    "forbidden",
    "publish_started",
    "publish_finished",
    "inbox_mapped",
    "inbox_ignored",
    "inbox_new_term",
    "suggestion_confirmed",
    "suggestion_dismissed",
    "catalogue_restored",
    "catalogue_restore_refused",
)


@dataclass(frozen=True)
class Entry:
    time: dt.datetime  # UTC
    account: str | None
    action: str
    detail: str


def record(
    connection: sa.engine.Connection,
    action: str,
    account: str | None,
    detail: str = "",
    when: dt.datetime | None = None,
) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    connection.execute(
        sa.insert(model.audit).values(
            time=when or model.now(),
            account=account,
            action=action,
            detail=detail[:DETAIL_CHARS],
        )
    )


def recent(connection: sa.engine.Connection, limit: int = 200) -> list[Entry]:
    """The newest entries first."""
    rows = connection.execute(
        sa.select(model.audit).order_by(model.audit.c.id.desc()).limit(limit)
    ).mappings()
    return [
        Entry(model.as_utc(r["time"]), r["account"], r["action"], r["detail"] or "") for r in rows
    ]


def local_time(when: dt.datetime) -> str:
    """A time as Finnish local time, e.g. 2026-09-01 14:05:09."""
    return when.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")
