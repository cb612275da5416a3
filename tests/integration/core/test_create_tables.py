"""A first start on fresh databases: several processes create the same tables
at the same moment (a bot's workers, the replicas of a bot) without a
warning, an error or a traceback (db.create_tables serialises them)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from studybots.core.settings import PROJECT_ROOT, rasa_env
from tests.support.services import PG, require
from tests.support.workspace import postgres_databases

PROCESSES = 4
# What a bot process creates when it starts: Rasa's tracker tables and the
# project's indexes, the SQL lock table and the question log's tables.
CREATE = """
import sys, time
from rasa.shared.core.domain import Domain
from studybots.bot.lock_store import SQLLockStore
from studybots.bot.tracker_store import WindowedSQLTrackerStore
from studybots.questionlog.sinks import SqlSink
url, start = sys.argv[1], float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))  # every process at the same moment
WindowedSQLTrackerStore(domain=Domain.empty(), host=url, key=b"k" * 32)
SQLLockStore(url=url, key=b"k" * 32)
sink = SqlSink(url)
sink.write([])
print("created")
"""
BAD = ("UniqueViolation", "Traceback", "ERROR", "Could not create tables", "already exists")


def create_at_once(url: str) -> list[str]:
    start = time.time() + 12  # after every interpreter has imported Rasa
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CREATE, url, str(start)],
            cwd=PROJECT_ROOT,
            env=rasa_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0] * PROCESSES, outputs
    return outputs


def assert_clean(outputs: list[str]) -> None:
    for output in outputs:
        assert "created" in output, output
        found = [word for word in BAD if word in output]
        assert not found, output


def test_processes_starting_together_on_a_fresh_postgresql_database(tmp_path):
    require(PG, "PostgreSQL")
    with postgres_databases(("race",)) as names:
        assert_clean(create_at_once(f"postgresql://postgres@127.0.0.1:5432/{names['race']}"))


def test_processes_starting_together_on_a_fresh_sqlite_file(tmp_path):
    assert_clean(create_at_once(f"sqlite:///{tmp_path / 'bot.db'}"))


@pytest.fixture(autouse=True)
def _var(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDYBOTS_VAR_DIR", str(tmp_path / "var"))
