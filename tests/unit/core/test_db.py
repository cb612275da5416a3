"""The one engine factory (studybots/core/db.py): private SQLite files,
secure_delete, and connections shared by threads."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import sqlalchemy as sa

from studybots.core import db


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write_some_rows(engine: sa.engine.Engine) -> None:
    with engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (x TEXT)")
        c.exec_driver_sql("INSERT INTO t VALUES ('131052-308T')")


def test_new_database_and_its_wal_and_shm_files_are_the_owners_only(tmp_path):
    old = os.umask(0o022)  # the usual umask: files 0644 unless the factory says otherwise
    try:
        path = tmp_path / "sub" / "tracker.db"
        engine = db.engine(f"sqlite:///{path}")
        write_some_rows(engine)
        with engine.connect() as c:  # keep a connection open: -wal and -shm exist
            c.exec_driver_sql("SELECT count(*) FROM t").scalar()
            for suffix in ("", "-wal", "-shm"):
                companion = Path(f"{path}{suffix}")
                assert companion.exists(), suffix
                assert mode(companion) == 0o600, (suffix, oct(mode(companion)))
        engine.dispose()
    finally:
        os.umask(old)


def test_an_existing_readable_database_is_narrowed(tmp_path):
    path = tmp_path / "log.db"
    write_some_rows(sa.create_engine(f"sqlite:///{path}"))
    os.chmod(path, 0o644)
    engine = db.engine(f"sqlite:///{path}", durable=True)
    with engine.connect() as c:
        c.exec_driver_sql("SELECT 1")
    assert mode(path) == 0o600
    engine.dispose()


def test_secure_delete_is_on_and_deleted_rows_leave_no_trace(tmp_path):
    path = tmp_path / "log.db"
    engine = db.engine(f"sqlite:///{path}")
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    with engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE t (x TEXT)")
        for i in range(20):  # the page stays in use: only the deleted cell is freed
            c.exec_driver_sql(f"INSERT INTO t VALUES ('row {i} stays')")
        c.exec_driver_sql("INSERT INTO t VALUES ('131052-308T')")
    with engine.begin() as c:
        c.exec_driver_sql("DELETE FROM t WHERE x = '131052-308T'")
    with engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    for suffix in ("", "-wal"):
        companion = Path(f"{path}{suffix}")
        if companion.exists():
            assert b"131052-308T" not in companion.read_bytes(), suffix
    assert b"row 3 stays" in path.read_bytes()  # the rest is really on disk


def test_in_memory_database_has_secure_delete_too():
    engine = db.engine("sqlite://")
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


def test_threads_share_the_pool_without_sqlite_thread_errors(tmp_path):
    engine = db.engine(f"sqlite:///{tmp_path / 'shared.db'}")
    write_some_rows(engine)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(50):
                with engine.begin() as c:
                    c.exec_driver_sql("INSERT INTO t VALUES ('x')")
                with engine.connect() as c:
                    c.exec_driver_sql("SELECT count(*) FROM t").scalar()
        except BaseException as exc:  # collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1 + 8 * 50
    engine.dispose()


def test_an_existing_database_file_is_never_opened_by_the_factory(tmp_path, monkeypatch):
    """Closing any descriptor of a SQLite file drops the POSIX locks its
    process holds on it; another process may then write at the same time and
    corrupt the database. So the factory creates missing files but never
    opens an existing one (chmod works on the path)."""
    path = tmp_path / "tracker.db"
    engine = db.engine(f"sqlite:///{path}")
    write_some_rows(engine)
    opened: list[str] = []
    real_open = os.open

    def recording_open(file, flags, *args, **kwargs):
        fd = real_open(file, flags, *args, **kwargs)  # raises (opens nothing) with O_EXCL
        opened.append(str(file))
        return fd

    monkeypatch.setattr(os, "open", recording_open)
    os.chmod(path, 0o644)
    db.make_private(path)
    second = db.engine(f"sqlite:///{path}")
    with second.connect() as c:
        c.exec_driver_sql("SELECT count(*) FROM t").scalar()
    monkeypatch.undo()
    assert [p for p in opened if p.startswith(str(path))] == []
    assert mode(path) == 0o600
    second.dispose()
    engine.dispose()
