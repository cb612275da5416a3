"""Shared fixtures: catalogue copies, a built service database, trained
models and a running stack of real servers (action server, Tero, Paavo)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
# The e2e tests send many messages from 127.0.0.1 (test_publish keeps students
# asking during a retrain): the rate limiter runs, with limits they never reach.
# tests/e2e/test_security.py starts a bot with small limits to test them.
os.environ.setdefault("STUDYBOTS_RATE_LIMIT_SENDER", "100000")
os.environ.setdefault("STUDYBOTS_RATE_LIMIT_IP", "100000")

from studybots.build.servicedb import build_database
from studybots.catalogue.load import load_catalogue
from studybots.core.settings import PROJECT_ROOT, Settings, load_settings, rasa_env
from studybots.ops.supervisor import free_port

CATALOGUE = PROJECT_ROOT / "catalogue"
TESTS = Path(__file__).resolve().parent
_FOLDER_MARKERS = {"integration": ("integration",), "e2e": ("e2e",), "browser": ("e2e", "browser")}
# Unit and integration tests first: the models train meanwhile (`models_dir`).
_FOLDER_ORDER = {"unit": 0, "integration": 1, "e2e": 2, "browser": 3}
_training: subprocess.Popen | None = None


def _folder(item: pytest.Item) -> str:
    try:
        return Path(item.fspath).resolve().relative_to(TESTS).parts[0]
    except ValueError:
        return ""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test is marked by the folder it is in (tests/<folder>/...), and
    the folders run in the order of _FOLDER_ORDER (a module stays together)."""
    for item in items:
        for name in _FOLDER_MARKERS.get(_folder(item), ()):
            item.add_marker(name)
    items.sort(key=lambda item: _FOLDER_ORDER.get(_folder(item), 1))


def pytest_collection_finish(session: pytest.Session) -> None:
    """When tests need the trained models, train them in the background from
    the start: the unit and integration tests leave a core idle much of the
    time. `models_dir` waits for it."""
    global _training
    needed = any("models_dir" in getattr(item, "fixturenames", ()) for item in session.items)
    if not needed or session.config.option.collectonly:
        return
    log = load_settings().var_dir / "logs" / "test-training.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        _training = subprocess.Popen(
            [sys.executable, "-m", "studybots.training.train"],
            cwd=PROJECT_ROOT,
            env=rasa_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _training is not None and _training.poll() is None:  # stopped early (-x, Ctrl-C)
        _training.terminate()
        _training.wait(30)


@pytest.fixture()
def catalogue_copy(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE, target)
    return target


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue(CATALOGUE)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, catalogue) -> str:
    path = tmp_path_factory.mktemp("db") / "catalogue.db"
    url = f"sqlite:///{path}"
    build_database(catalogue, url)
    return url


@pytest.fixture(scope="session")
def models_dir() -> Path:
    """Models trained from the committed catalogue (reused when up to date)."""
    from studybots.training import train

    if _training is not None:
        _training.wait()  # started at collection; its log: var/logs/test-training.log
    assert train.main([]) == 0  # up to date now, or trained here if that failed
    return load_settings().models_dir


@pytest.fixture(scope="session")
def slack_api():
    """The local Slack Web API double the session stack's bots post to."""
    from tests.support.slack_double import SlackApiDouble

    double = SlackApiDouble().start()
    yield double
    double.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory, models_dir, catalogue, slack_api):
    """Real action server and both bots on free ports, with their own copy of
    the catalogue and database so tests may edit them. Both bots have the
    Slack channel, posting to the Slack API double (tests/e2e/test_slack.py).
    The supervisor of `make run` watches them: a process that dies is
    restarted (a test that stops one on purpose uses
    stack["supervisor"].stop_one / start_one)."""
    from studybots.ops import supervisor
    from studybots.ops.restart import Supervisor
    from tests.support.slack_double import slack_environ

    root = tmp_path_factory.mktemp("stack")
    catalogue_dir = root / "catalogue"
    shutil.copytree(CATALOGUE, catalogue_dir)
    database_url = f"sqlite:///{root / 'catalogue.db'}"
    build_database(catalogue, database_url)
    settings = Settings(
        catalogue_dir=catalogue_dir,
        var_dir=root,
        database_url=database_url,
        action_port=free_port(),
        tero_port=free_port(),
        paavo_port=free_port(),
        web_port=free_port(),
        model_port=free_port(),
    )
    logs = root / "logs"
    logs.mkdir()
    environ = dict(os.environ, **slack_environ(slack_api.url))
    specs = supervisor.server_specs(
        settings, models_dir=models_dir, with_web=True, log_dir=logs, environ=environ
    )
    watcher = Supervisor(specs)
    with watcher:
        yield {
            "settings": settings,
            "servers": {s.name: s for s in specs},
            "logs": logs,
            "supervisor": watcher,
        }
