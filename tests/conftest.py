"""Shared fixtures: catalogue copies, a built service database, trained
models and a running stack of real servers (action server, Tero, Paavo)."""

from __future__ import annotations

import os
import shutil
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
from studybots.core.settings import PROJECT_ROOT, Settings, load_settings
from studybots.ops.supervisor import free_port

CATALOGUE = PROJECT_ROOT / "catalogue"
TESTS = Path(__file__).resolve().parent
_FOLDER_MARKERS = {"integration": ("integration",), "e2e": ("e2e",), "browser": ("e2e", "browser")}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test is marked by the folder it is in (tests/<folder>/...)."""
    for item in items:
        try:
            folder = Path(item.fspath).resolve().relative_to(TESTS).parts[0]
        except ValueError:
            continue
        for name in _FOLDER_MARKERS.get(folder, ()):
            item.add_marker(name)


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

    assert train.main([]) == 0
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
        console_port=free_port(),
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
