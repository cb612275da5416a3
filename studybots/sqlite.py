"""SQLite connection settings shared by every SQLite database of the project.

Several processes (two workers per bot, the action server) use the same
SQLite files: wait for locks instead of failing, and use write-ahead logging
so readers never block writers. Switching to WAL needs a moment of exclusive
access; the mode is stored in the file, so when another process holds a lock
at that moment, the connection goes on and the next one switches.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlalchemy as sa

BUSY_TIMEOUT_MS = 5000


def ensure_parent(url: str) -> None:
    parsed = sa.engine.make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def configure(engine: sa.engine.Engine, synchronous_normal: bool = True) -> sa.engine.Engine:
    if engine.dialect.name != "sqlite":
        return engine

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError:
            pass  # another process holds a lock right now; WAL is set by the next connection
        if synchronous_normal:
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine
