"""Question-log rows for tests: made-up rows, a log written through the real
writer, and waiting for rows the bots write in the background."""

from __future__ import annotations

import datetime as dt
import json
import time

import sqlalchemy as sa

from studybots.questionlog.model import make_log_engine, message_log
from studybots.questionlog.writer import LogWriter


def wait_for_rows(url: str, marker: str, timeout: float) -> list[dict]:
    """The log rows whose text contains `marker`, once there is at least one
    (or, after `timeout` seconds, none)."""
    engine = make_log_engine(url)
    deadline, rows = time.monotonic() + timeout, []
    try:
        while time.monotonic() < deadline and not rows:
            try:
                with engine.connect() as c:
                    rows = [
                        dict(r._mapping)
                        for r in c.execute(
                            sa.select(message_log).where(message_log.c.text.like(f"%{marker}%"))
                        )
                    ]
            except sa.exc.OperationalError:  # the table is not there yet
                rows = []
            time.sleep(0.5)
    finally:
        engine.dispose()
    return rows


def row(i: int, **extra) -> dict:
    return {
        "time": dt.datetime.now(dt.timezone.utc),
        "bot": "tero",
        "channel": "rest",
        "conversation": "c" * 32,
        "text": f"kysymys {i}",
        "intent": "termi_kela",
        "confidence": 0.9,
        "candidates": "[]",
        "outcome": "answer",
        "answer_ref": "kela",
        "feedback": None,
        **extra,
    }


def write_log(url, tmp_path, rows, lang=None):
    """Rows (text, outcome, confidence, feedback, guesses), answered in `lang`."""
    writer = LogWriter(url, tmp_path / "spool", flush_interval=0.05)
    base = dt.datetime(2026, 9, 1, 10, tzinfo=dt.timezone.utc)
    for i, (text, outcome, confidence, feedback, guesses) in enumerate(rows):
        writer.record(
            {
                "time": base + dt.timedelta(minutes=i),
                "bot": "tero",
                "channel": "rest",
                "conversation": f"{i:032d}",
                "text": text,
                "intent": guesses[0] if guesses else None,
                "confidence": confidence,
                "outcome": outcome,
                "answer_ref": "",
                "feedback": feedback,
                "candidates": json.dumps([{"name": g, "confidence": 0.1} for g in guesses]),
                "lang": lang,
            }
        )
    assert writer.flush(10)
    writer.close()
