"""Where the supervisor runs the editors' console: at /toimitus/ of the demo
page's server in the embedded profile (make run), a server of its own in the
production profile, both over plain http on this machine only."""

from __future__ import annotations

import dataclasses

from studybots.core.settings import Settings
from studybots.ops import supervisor


def settings(tmp_path, **changes) -> Settings:
    base = Settings(
        catalogue_dir=tmp_path,
        var_dir=tmp_path / "var",
        database_url="sqlite://",
        action_port=1,
        tero_port=2,
        paavo_port=3,
        web_port=4,
        console_port=5,
    )
    return dataclasses.replace(base, **changes)


def test_make_run_serves_the_console_from_the_demo_page_server(tmp_path):
    specs = {s.name: s for s in supervisor.server_specs(settings(tmp_path), environ={})}
    assert "console" not in specs
    web = specs["web"]
    assert web.command[-1] == "--console" and web.port == 4
    assert web.env["STUDYBOTS_CONSOLE_PLAIN_HTTP"] == "1"
    assert "0.0.0.0" not in web.command


def test_the_production_profile_runs_the_console_on_its_own(tmp_path):
    production = settings(
        tmp_path,
        profile="production",
        bot_replicas=1,
        trackers=(("tero", "postgresql://t@db/t"), ("paavo", "postgresql://p@db/p")),
        log_database="postgresql://l@db/l",
        lock_url="redis://127.0.0.1:6379/0",
        log_queue="amqp://guest:guest@127.0.0.1:5672/?queue=q",
    )
    specs = {s.name: s for s in supervisor.server_specs(production, environ={})}
    assert "--console" not in specs["web"].command
    console = specs["console"]
    assert console.command[-4:] == ["studybots.console", "serve", "--port", "5"]
    assert console.port == 5 and console.health_path == "/health"
    assert console.env["STUDYBOTS_LOG_URL"] == "postgresql://l@db/l"
    assert not any("postgresql://" in part for part in console.command)
