"""The one database engine factory of the project, for every SQL database:
the service database, the question log, the conversations and locks, the rate
limits, the Slack de-duplication table and the embedding cache.

SQLite (the embedded default): several processes (two workers per bot, the
action server) use the same files, so connections wait for locks instead of
failing and use write-ahead logging so readers never block writers. Switching
to WAL needs a moment of exclusive access; the mode is stored in the file, so
when another process holds a lock at that moment, the connection goes on and
the next one switches. Connections are pooled and may be checked out by any
thread (the bots load models and write logs in threads), one thread at a time.
An in-memory URL gives one database shared by every thread of the process.

SQLite files are private: the factory creates a missing database file
readable and writable by its owner only (0600) and narrows an existing one;
SQLite gives the -wal and -shm files the database file's mode, and every new
connection checks them too. `secure_delete` is on, so deleted rows (the
retention job's) are overwritten instead of lingering in free pages.

PostgreSQL (production): pooled connections are checked before use, so a
server restart or an idle timeout never hands a dead connection to a message.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.schema import CreateColumn

BUSY_TIMEOUT_MS = 5000
MEMORY_URLS = ("sqlite://", "sqlite:///:memory:")
PRIVATE_MODE = 0o600
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory ones)."""
    parsed = sa.engine.make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        return Path(parsed.database)
    return None


def ensure_parent(url: str) -> None:
    """Create the folder of a SQLite file (other URLs: nothing to do)."""
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def make_private(path: Path) -> None:
    """Create `path` if missing and make it and its -wal/-shm/-journal files
    readable by the owner only. A file of another owner is left alone.

    An existing database file is never opened here: closing any descriptor
    of a SQLite file drops the POSIX locks that the process's connections
    hold on it (SQLite's documented pitfall), which corrupts the database
    under concurrent use. O_EXCL opens nothing when the file exists, and
    chmod works on the path.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE))
    except OSError:  # there already (or not ours to create)
        pass
    for suffix in SQLITE_COMPANIONS:
        companion = Path(f"{path}{suffix}")
        try:
            if companion.stat().st_mode & 0o777 != PRIVATE_MODE:
                os.chmod(companion, PRIVATE_MODE)
        except OSError:  # not there (yet), or not ours
            pass


def engine(
    url: str, *, durable: bool = False, connect_timeout: int | None = None
) -> sa.engine.Engine:
    """An engine for `url`.

    `durable`: SQLite syncs every commit to disk (the question log, where a
    row must survive a power cut); otherwise once per checkpoint.
    `connect_timeout`: seconds a PostgreSQL connection attempt may take.
    """
    if url in MEMORY_URLS:
        return _sqlite_pragmas(
            sa.create_engine(
                "sqlite://",
                future=True,
                poolclass=sa.pool.StaticPool,
                connect_args={"check_same_thread": False},
            ),
            durable,
        )
    ensure_parent(url)
    parsed = sa.engine.make_url(url)
    path = sqlite_path(url)
    if path is not None:
        make_private(path)
    if parsed.drivername.startswith("sqlite"):
        return _sqlite_pragmas(
            sa.create_engine(
                url,
                future=True,
                poolclass=sa.pool.QueuePool,
                pool_pre_ping=True,
                connect_args={"check_same_thread": False},
            ),
            durable,
            path,
        )
    connect_args: dict[str, Any] = {}
    if connect_timeout is not None and parsed.drivername.startswith("postgresql"):
        connect_args["connect_timeout"] = connect_timeout
    return sa.create_engine(url, future=True, pool_pre_ping=True, connect_args=connect_args)


def _sqlite_pragmas(
    engine: sa.engine.Engine, durable: bool, path: Path | None = None
) -> sa.engine.Engine:
    @sa.event.listens_for(engine, "connect")  # type: ignore[untyped-decorator]  # SQLAlchemy 1.4 is untyped
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError:
            pass  # another process holds a lock right now; WAL is set by the next connection
        if not durable:
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        if path is not None:
            make_private(path)

    return engine


# One key for every table creation of the project (PostgreSQL advisory locks
# are per database; the key only has to be the same in every process).
CREATE_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"studybots:create-tables").digest()[:8], "big", signed=True
)


@contextlib.contextmanager
def _file_lock(path: Path | None) -> Iterator[None]:
    """An exclusive lock on `<database>.create-lock` (SQLite: one process at a time)."""
    if path is None:
        yield
        return
    fd = os.open(f"{path}.create-lock", os.O_RDWR | os.O_CREAT, PRIVATE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def add_missing_columns(connection: sa.engine.Connection, metadata: sa.MetaData) -> list[str]:
    """Add the columns a newer version introduced to tables an older version
    created; returns them as 'table.column'. Such columns must be nullable
    (the rows already there have no value for them)."""
    inspector = sa.inspect(connection)
    added = []
    for table in metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        existing = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in existing:
                continue
            if not column.nullable:
                raise RuntimeError(f"cannot add the required column {table.name}.{column.name}")
            ddl = CreateColumn(column).compile(dialect=connection.dialect)
            connection.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {ddl}")
            added.append(f"{table.name}.{column.name}")
    return added


def create_tables(
    engine: sa.engine.Engine, metadata: sa.MetaData, statements: Sequence[str] = ()
) -> None:
    """Create missing tables and columns (add_missing_columns), and run
    `statements` (e.g. CREATE INDEX IF NOT EXISTS), one process at a time.

    Several processes start at once (the workers of a bot, the replicas of a
    bot on one PostgreSQL database) and each creates what is missing. Without
    a lock they race: PostgreSQL refuses the second CREATE TABLE with
    UniqueViolation on pg_type_typname_nsp_index, SQLite with "table already
    exists" or "database is locked". So the creation runs in one transaction
    holding an advisory lock (PostgreSQL), or under a file lock beside the
    database file (SQLite): the first process creates, the others wait and
    find everything there.
    """
    url = engine.url
    if url.get_backend_name() == "postgresql":
        with engine.begin() as connection:
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": CREATE_LOCK_KEY})
            metadata.create_all(connection)
            add_missing_columns(connection, metadata)
            for statement in statements:
                connection.exec_driver_sql(statement)
        return
    sqlite_file = (
        Path(url.database)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
        else None
    )
    with _file_lock(sqlite_file), engine.begin() as connection:
        metadata.create_all(connection)
        add_missing_columns(connection, metadata)
        for statement in statements:
            connection.exec_driver_sql(statement)
