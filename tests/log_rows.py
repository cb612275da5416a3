"""Waiting for the question log: rows are written in the background."""
from __future__ import annotations

import time

import sqlalchemy as sa

from studybots.logstore.model import make_log_engine, message_log


def wait_for_rows(url: str, marker: str, timeout: float) -> list[dict]:
    """The log rows whose text contains `marker`, once there is at least one
    (or, after `timeout` seconds, none)."""
    engine = make_log_engine(url)
    deadline, rows = time.monotonic() + timeout, []
    try:
        while time.monotonic() < deadline and not rows:
            try:
                with engine.connect() as c:
                    rows = [dict(r._mapping) for r in c.execute(
                        sa.select(message_log).where(message_log.c.text.like(f"%{marker}%")))]
            except sa.exc.OperationalError:  # the table is not there yet
                rows = []
            time.sleep(0.5)
    finally:
        engine.dispose()
    return rows
