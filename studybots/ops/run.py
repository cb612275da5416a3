"""`make run`: prepare everything, then run the action server, Tero, Paavo,
the demo page with the chat widget and the editors' console until Ctrl-C.

Preparation refuses an invalid catalogue, regenerates the NLU data, rebuilds
the service database and trains only the bots whose inputs changed.
"""

from __future__ import annotations

import signal
import sys

from studybots.build import nlu
from studybots.build.servicedb import build_database
from studybots.catalogue.load import load_or_report
from studybots.core.names import BOTS
from studybots.core.settings import load_settings
from studybots.ops.log_follow import LogFollower
from studybots.ops.restart import Supervisor
from studybots.ops.supervisor import ConfigError, bot_port, server_specs, slack_enabled
from studybots.training import train


def prepare() -> int:
    settings = load_settings()
    catalogue = load_or_report(settings.catalogue_dir, "Start")
    if catalogue is None:
        return 1
    nlu.write(nlu.render(catalogue), settings.project_dir)
    count = build_database(catalogue, settings.database_url)
    print(f"service database: {count} services")
    return train.main([])


def slack_lines(settings, bots: list[str]) -> str:
    return "".join(
        f"\n  {bot.capitalize()} (Slack):  POST "
        f"http://localhost:{bot_port(settings, bot)}/webhooks/slack/webhook"
        "  (the Slack app's request URL, docs/slack.md)"
        for bot in bots
    )


def console_url(settings) -> str:
    port = settings.console_port if settings.production else settings.web_port
    return f"http://localhost:{port}/toimitus/"


def main() -> int:
    settings = load_settings()
    try:
        slack = [bot for bot in BOTS if slack_enabled(bot)]
        problems = settings.problems()
        if problems:
            raise ConfigError("; ".join(problems))
    except ConfigError as exc:
        print(f"Start: {exc}", file=sys.stderr)
        return 1
    if prepare() != 0:
        return 1
    log_dir = settings.var_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    servers = server_specs(settings, log_dir=log_dir)
    follower = LogFollower({s.name: s.log for s in servers if s.log})
    print(
        f"starting the action server, Tero, Paavo and the web page (logs: {log_dir}) ...",
        flush=True,
    )
    watcher = Supervisor(servers)

    def _stop(signum, frame):
        watcher.request_stop()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    watcher.start()
    print(
        f"""
Ready.
  Demo page with the chat widget:  http://localhost:{settings.web_port}/
  Editors' console:  {console_url(settings)}  (first admin: make console-admin NAME=...)
  Tero (REST):     POST http://localhost:{settings.tero_port}/webhooks/rest/webhook
  Paavo (REST):    POST http://localhost:{settings.paavo_port}/webhooks/rest/webhook
  Socket.IO (the widget):  http://localhost:{settings.tero_port}/socket.io/ and :{settings.paavo_port}
  Action server:   http://localhost:{settings.action_port}/health{slack_lines(settings, slack)}
  Example:  curl -s localhost:{settings.tero_port}/webhooks/rest/webhook \\
              -H 'Content-Type: application/json' -d '{{"sender":"demo","message":"mikä on kela"}}'
A process that stops is restarted (the others keep running). Press Ctrl-C to stop.""",
        flush=True,
    )
    try:
        # Restarts what dies; returns only on Ctrl-C or SIGTERM.
        watcher.run(until=lambda: _print_errors(follower))
    finally:
        print("stopping ...", flush=True)
        watcher.stop()
    return 0


def _print_errors(follower: LogFollower) -> bool:
    for line in follower.errors():
        print(line, file=sys.stderr, flush=True)
    return False


if __name__ == "__main__":
    sys.exit(main())
