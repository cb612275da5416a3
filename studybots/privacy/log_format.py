"""Structured logs: one JSON object per line (LOG_FORMAT=json).

    {"time": "2026-11-28T02:53:25.123+00:00", "level": "INFO",
     "logger": "studybots.model_swap", "message": "now running model 3f2a9c1b0d4e"}

For log collectors (journald, Loki, Elasticsearch). The text of each record
has passed the log privacy filter (studybots.privacy.log_filter) in the bot
processes, and is scrubbed here once more with studybots.privacy.scrub.scrub, so no
identity code, phone number, e-mail address or IBAN reaches the log.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os

from studybots.privacy.scrub import scrub


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        if record.exc_info:
            entry["error"] = record.exc_info[0].__name__ if record.exc_info[0] else "error"
        return json.dumps(entry, ensure_ascii=False)


def apply_from_env() -> bool:
    """With LOG_FORMAT=json, every handler of the root logger writes JSON lines
    (a stderr handler is added when there is none). Returns whether it did."""
    if os.environ.get("LOG_FORMAT", "").strip().lower() != "json":
        return False
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter())
    return True
