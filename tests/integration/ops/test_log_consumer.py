"""The log consumer service's health check, with real RabbitMQ and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest

from studybots.core.settings import PROJECT_ROOT
from studybots.ops.supervisor import free_port
from tests.support import workspace
from tests.support.services import PG, RABBIT, require


@pytest.fixture
def log_database():
    require(PG, "PostgreSQL")
    with workspace.postgres_databases(("log",)) as names:
        yield f"postgresql://postgres@127.0.0.1:5432/{names['log']}"


@pytest.fixture
def queue_name():
    require(RABBIT, "RabbitMQ")
    name = f"studybots-test-{uuid.uuid4().hex[:10]}"
    yield name
    workspace.delete_queue("amqp://guest:guest@127.0.0.1:5672/", name)


def health(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_the_consumer_answers_its_health_check_and_stops_on_sigterm(
    tmp_path, log_database, queue_name
):
    port = free_port()
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    # The queue and the database from secret files, as in Kubernetes: not on the command line.
    (secrets / "STUDYBOTS_LOG_QUEUE").write_text(
        f"amqp://guest:guest@127.0.0.1:5672/?queue={queue_name}\n"
    )
    (secrets / "STUDYBOTS_LOG_URL").write_text(log_database + "\n")
    env = {
        k: v for k, v in os.environ.items() if k not in ("STUDYBOTS_LOG_QUEUE", "STUDYBOTS_LOG_URL")
    }
    env["STUDYBOTS_SECRETS_DIR"] = str(secrets)
    process = subprocess.Popen(
        [sys.executable, "-m", "studybots.ops.log_consumer", "--health-port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = health(port)
                break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "no health check"
                time.sleep(0.3)
        assert status == 200 and body == {"status": "ok", "written": 0}
        assert queue_name not in " ".join(process.args)
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=20)[0]
    assert process.returncode == 0, output
    assert f"reading {queue_name}" in output


def test_a_consumer_that_cannot_start_exits_so_it_is_restarted(tmp_path):
    port = free_port()
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "studybots.ops.log_consumer",
            "--queue",
            f"amqp://guest:wrong@127.0.0.1:{free_port()}/?queue=x",
            "--to",
            f"sqlite:///{tmp_path / 'log.db'}",
            "--health-port",
            str(port),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode != 0
