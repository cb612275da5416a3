"""Start and stop the running system: action server, model server, both bots, web page.

Used by `make run`, by the end-to-end tests and by the benchmark, so all
three exercise the same processes with the same settings.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from studybots.settings import PROJECT_ROOT, Settings
from studybots.train import rasa_env

BOTS = ("tero", "paavo")


@dataclass
class Server:
    name: str
    command: list[str]
    port: int
    health_path: str
    env: dict[str, str]
    log: Path | None = None
    # Started, and ready, before the servers after it (the bots need it to start).
    wait_ready: bool = False
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def bot_port(settings: Settings, bot: str) -> int:
    return {"tero": settings.tero_port, "paavo": settings.paavo_port}[bot]


def web_origins(settings: Settings) -> list[str]:
    """Browser origins that may talk to the bots: the web page's, plus
    STUDYBOTS_EXTRA_ORIGINS (space-separated, e.g. the city's own site)."""
    return [f"http://localhost:{settings.web_port}", f"http://127.0.0.1:{settings.web_port}",
            *os.environ.get("STUDYBOTS_EXTRA_ORIGINS", "").split()]


def server_specs(settings: Settings, models_dir: Path | None = None,
                 with_web: bool = True, log_dir: Path | None = None) -> list[Server]:
    models_dir = models_dir or settings.models_dir
    env = rasa_env()
    env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{settings.action_port}/webhook"
    env["STUDYBOTS_DATABASE_URL"] = settings.database_url
    env["STUDYBOTS_CATALOGUE_DIR"] = str(settings.catalogue_dir)
    env["STUDYBOTS_VAR_DIR"] = str(settings.var_dir)
    interface = os.environ.get("BOT_INTERFACE", "127.0.0.1")
    origins = web_origins(settings)
    python = sys.executable

    def log(name: str) -> Path | None:
        return log_dir / f"{name}.log" if log_dir else None

    specs = [Server(
        "actions",
        [python, "-m", "rasa_sdk", "--actions", "actions", "--port", str(settings.action_port)],
        settings.action_port, "/health", env, log("actions"),
    ), Server(
        # The bots load their models from here and poll it for new ones
        # (`make publish` swaps a model into the running bots this way).
        "models",
        [python, "-m", "studybots.model_server", "--port", str(settings.model_port),
         "--models-dir", str(models_dir)],
        settings.model_port, "/health", env, log("models"), wait_ready=True,
    )]
    for bot in BOTS:
        port = bot_port(settings, bot)
        # Several Sanic workers per bot (the SQL lock store makes that safe).
        bot_env = dict(env, STUDYBOTS_TRACKER_URL=settings.tracker_url(bot),
                       STUDYBOTS_BOT=bot, STUDYBOTS_LOG_URL=settings.log_url,
                       STUDYBOTS_MODEL_URL=f"http://127.0.0.1:{settings.model_port}"
                                           f"/models/{bot}.tar.gz",
                       STUDYBOTS_MODEL_PULL_SECONDS=str(settings.model_pull_seconds),
                       # Pages allowed to open the widget's Socket.IO connection.
                       STUDYBOTS_WEB_ORIGINS=" ".join(origins),
                       SANIC_WORKERS=os.environ.get("BOT_WORKERS", "2"))
        specs.append(Server(
            bot,
            [python, "-m", "rasa", "run",
             "--port", str(port), "--interface", interface,
             "--endpoints", str(PROJECT_ROOT / "endpoints.yml"),
             "--credentials", str(settings.project_dir / "bots" / bot / "credentials.yml"),
             "--cors", *origins],
            port, "/webhooks/rest/", bot_env, log(bot),
        ))
    if with_web:
        web_env = dict(env, TERO_URL=f"http://localhost:{settings.tero_port}",
                       PAAVO_URL=f"http://localhost:{settings.paavo_port}")
        specs.append(Server(
            "web", [python, "-m", "studybots.webpage", "--port", str(settings.web_port)],
            settings.web_port, "/", web_env, log("web"),
        ))
    return specs


def _healthy(server: Server) -> bool:
    try:
        with urllib.request.urlopen(server.url + server.health_path, timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start(servers: list[Server], timeout: float = 240.0) -> None:
    """Start every server and wait until each answers its health check."""
    deadline = time.monotonic() + timeout
    started: list[Server] = []
    for server in servers:
        out = open(server.log, "ab") if server.log else None
        server.process = subprocess.Popen(
            server.command, cwd=PROJECT_ROOT, env=server.env,
            stdout=out or None, stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
        )
        started.append(server)
        if server.wait_ready:
            _wait_healthy(started, [server], deadline, timeout)
    _wait_healthy(servers, list(servers), deadline, timeout)


def _wait_healthy(servers: list[Server], pending: list[Server], deadline: float,
                  timeout: float) -> None:
    while pending:
        for server in list(pending):
            if server.process.poll() is not None:
                stop(servers)
                raise RuntimeError(f"{server.name} exited with code {server.process.returncode}"
                                   + (f"; see {server.log}" if server.log else ""))
            if _healthy(server):
                pending.remove(server)
        if pending and time.monotonic() > deadline:
            stop(servers)
            raise TimeoutError(f"not ready after {timeout:.0f} s: {[s.name for s in pending]}")
        if pending:
            time.sleep(0.5)


def stop(servers: list[Server], grace: float = 15.0) -> None:
    for server in servers:
        if server.process and server.process.poll() is None:
            try:
                os.killpg(server.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + grace
    for server in servers:
        if not server.process:
            continue
        try:
            server.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(server.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            server.process.wait()
