"""Start and stop the running system: action server, model server, both bots, web
page and the editors' console.

Used by `make run`, by the end-to-end tests and by the benchmark, so all
three exercise the same processes with the same settings.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from studybots.core.internal_token import TOKEN_ENV, load_token
from studybots.core.names import BOTS
from studybots.core.settings import PROJECT_ROOT, Settings, rasa_env
from studybots.ops.balancer import nginx_binary, nginx_command, write_config


@dataclass
class Server:
    name: str
    command: list[str]
    port: int
    health_path: str | None
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def endpoints_file(settings: Settings) -> Path:
    name = "endpoints.production.yml" if settings.production else "endpoints.yml"
    return PROJECT_ROOT / name


TICKET_LOCK_LIFETIME = "15"  # seconds (Rasa's TICKET_LOCK_LIFETIME; its default is 60)


class ConfigError(ValueError):
    """The environment asks for something that cannot start (message says what)."""


# Appended to a bot's credentials.yml when its Slack variables are set. The
# secrets stay in the environment: Rasa substitutes ${VAR} when it reads the file.
SLACK_CREDENTIALS = """
# Slack (written by studybots/ops/supervisor.py because {prefix}_SLACK_TOKEN and
# {prefix}_SLACK_SIGNING_SECRET are set; see docs/slack.md)
studybots.bot.channels.slack.StudySlackInput:
  slack_token: ${{{prefix}_SLACK_TOKEN}}
  slack_signing_secret: ${{{prefix}_SLACK_SIGNING_SECRET}}
"""


def slack_env_names(bot: str) -> tuple[str, str]:
    return f"{bot.upper()}_SLACK_TOKEN", f"{bot.upper()}_SLACK_SIGNING_SECRET"


def slack_enabled(bot: str, environ: Mapping[str, str] | None = None) -> bool:
    """Whether `bot` runs the Slack channel: only when both its token and its
    signing secret are set; one without the other is a configuration error."""
    environ = os.environ if environ is None else environ
    token, secret = (environ.get(name, "").strip() for name in slack_env_names(bot))
    if token and secret:
        return True
    if token or secret:
        missing = slack_env_names(bot)[0 if not token else 1]
        raise ConfigError(
            f"{bot}: Slack needs both {' and '.join(slack_env_names(bot))}; "
            f"{missing} is not set (docs/slack.md)."
        )
    return False


def credentials_file(
    settings: Settings, bot: str, environ: Mapping[str, str] | None = None
) -> Path:
    """The bot's credentials.yml, or, with Slack enabled, a copy of it in the
    var directory with the Slack channel added (no secrets written)."""
    committed = settings.project_dir / "bots" / bot / "credentials.yml"
    if not slack_enabled(bot, environ):
        return committed
    generated = settings.var_dir / f"credentials-{bot}.yml"
    generated.parent.mkdir(parents=True, exist_ok=True)
    generated.write_text(
        committed.read_text(encoding="utf-8") + SLACK_CREDENTIALS.format(prefix=bot.upper()),
        encoding="utf-8",
    )
    return generated


def web_origins(settings: Settings) -> list[str]:
    """Browser origins that may talk to the bots: the web page's, plus
    STUDYBOTS_EXTRA_ORIGINS (space-separated, e.g. the city's own site)."""
    return [
        f"http://localhost:{settings.web_port}",
        f"http://127.0.0.1:{settings.web_port}",
        *os.environ.get("STUDYBOTS_EXTRA_ORIGINS", "").split(),
    ]


def server_specs(
    settings: Settings,
    models_dir: Path | None = None,
    with_web: bool = True,
    log_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[Server]:
    """The processes of the running system, in start order.

    Embedded profile: one `rasa run` per bot (BOT_WORKERS workers, SQLite).
    Production profile: BOT_REPLICAS `rasa run` per bot on internal ports
    behind nginx on the bot's public port, PostgreSQL trackers, Redis locks,
    and the question log through RabbitMQ to a consumer process.
    `environ` (default: os.environ) says which bots get the Slack channel
    (<BOT>_SLACK_TOKEN, <BOT>_SLACK_SIGNING_SECRET) and where the Slack Web
    API is (SLACK_API_URL).
    """
    problems = settings.problems()
    if problems:
        raise ConfigError("configuration: " + "; ".join(problems))
    models_dir = models_dir or settings.models_dir
    environ = os.environ if environ is None else environ
    env = rasa_env()
    env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{settings.action_port}/webhook"
    env["STUDYBOTS_DATABASE_URL"] = settings.database_url
    env["STUDYBOTS_CATALOGUE_DIR"] = str(settings.catalogue_dir)
    env["STUDYBOTS_VAR_DIR"] = str(settings.var_dir)
    env["STUDYBOTS_LOG_URL"] = settings.log_url
    # What the console's publishing runs needs the same settings (studybots.training.publish).
    env["STUDYBOTS_PROJECT_DIR"] = str(settings.project_dir)
    env["STUDYBOTS_EVAL_DIR"] = str(settings.eval_dir)
    env["MODEL_PULL_SECONDS"] = str(settings.model_pull_seconds)
    if "RASA_CACHE_DIRECTORY" not in environ:
        env["RASA_CACHE_DIRECTORY"] = str(settings.var_dir / "rasa-cache")
    # The shared secret of the action and model servers: every process gets
    # the same one (STUDYBOTS_INTERNAL_TOKEN, else var/internal.token).
    env[TOKEN_ENV] = load_token(settings.var_dir, environ)
    interface = os.environ.get("BOT_INTERFACE", "127.0.0.1")
    origins = web_origins(settings)
    python = sys.executable
    replicas = max(1, settings.bot_replicas)
    workers = os.environ.get("BOT_WORKERS", "1" if replicas > 1 else "2")

    def log(name: str) -> Path | None:
        return log_dir / f"{name}.log" if log_dir else None

    # The action server listens only where the bots reach it (ACTION_INTERFACE,
    # default 127.0.0.1; rasa_sdk alone would bind 0.0.0.0) and is started when
    # /ready says the catalogue and the service database answer.
    action_env = dict(env, ACTION_INTERFACE=os.environ.get("ACTION_INTERFACE", "127.0.0.1"))
    specs = [
        Server(
            "actions",
            [
                python,
                "-m",
                "studybots.bot.action_server",
                "--actions",
                "actions",
                "--port",
                str(settings.action_port),
            ],
            settings.action_port,
            "/ready",
            action_env,
            log("actions"),
        ),
        Server(
            # The bots load their models from here and poll it for new ones
            # (`make publish` swaps a model into the running bots this way).
            "models",
            [
                python,
                "-m",
                "studybots.ops.model_server",
                "--port",
                str(settings.model_port),
                "--models-dir",
                str(models_dir),
            ],
            settings.model_port,
            "/health",
            env,
            log("models"),
            wait_ready=True,
        ),
    ]
    if settings.log_queue:
        # The queue and database URLs (with their passwords) go in the
        # environment, not on the command line where `ps` shows them.
        consumer_port = free_port()
        specs.append(
            Server(
                "log-consumer",
                [
                    python,
                    "-m",
                    "studybots.ops.log_consumer",
                    "--health-port",
                    str(consumer_port),
                ],
                consumer_port,
                "/health",
                dict(env, STUDYBOTS_LOG_QUEUE=settings.log_queue),
                log("log-consumer"),
            )
        )
    upstreams: dict[str, tuple[int, list[int]]] = {}
    for bot in BOTS:
        port = bot_port(settings, bot)
        bot_env = dict(
            env,
            STUDYBOTS_TRACKER_URL=settings.tracker_url(bot),
            STUDYBOTS_BOT=bot,
            STUDYBOTS_BROKER_URL=settings.log_queue or settings.log_url,
            STUDYBOTS_LOCK_URL=settings.lock_url,
            STUDYBOTS_MODEL_URL=f"http://127.0.0.1:{settings.model_port}/models/{bot}.tar.gz",
            STUDYBOTS_MODEL_PULL_SECONDS=str(settings.model_pull_seconds),
            # Pages allowed to open the widget's Socket.IO connection.
            STUDYBOTS_WEB_ORIGINS=" ".join(origins),
            SANIC_WORKERS=workers,
            # A conversation's lock outlives a process killed while holding it
            # (SIGKILL, out of memory): its next message waits this long at
            # most, not Rasa's default 60 s. Longer than any reply takes.
            TICKET_LOCK_LIFETIME=os.environ.get("TICKET_LOCK_LIFETIME", TICKET_LOCK_LIFETIME),
        )
        credentials = credentials_file(settings, bot, environ)
        if slack_enabled(bot, environ):
            for name in (*slack_env_names(bot), "SLACK_API_URL"):
                if environ.get(name):
                    bot_env[name] = environ[name]
        if replicas > 1:  # behind nginx: the client address is in X-Forwarded-For
            bot_env["SANIC_PROXIES_COUNT"] = "1"
        # `rasa run` behind studybots.bot.server: no personal data in the logs at
        # any level. Rasa's HTTP API only with RASA_API_TOKEN set (the token is
        # handed to Rasa inside the process, never on the command line).
        api = ["--enable-api"] if os.environ.get("RASA_API_TOKEN", "").strip() else []
        ports = [port] if replicas == 1 else [free_port() for _ in range(replicas)]
        for number, replica_port in enumerate(ports, start=1):
            name = bot if replicas == 1 else f"{bot}-{number}"
            specs.append(
                Server(
                    name,
                    [
                        python,
                        "-m",
                        "studybots.bot.server",
                        "run",
                        "--port",
                        str(replica_port),
                        "--interface",
                        interface if replicas == 1 else "127.0.0.1",
                        "--endpoints",
                        str(endpoints_file(settings)),
                        "--credentials",
                        str(credentials),
                        *api,
                        "--cors",
                        *origins,
                    ],
                    replica_port,
                    "/webhooks/rest/",
                    bot_env,
                    log(name),
                )
            )
        upstreams[bot] = (port, ports)
    if replicas > 1:
        nginx = nginx_binary()
        if nginx is None:
            raise ConfigError("nginx is needed for BOT_REPLICAS > 1: make install installs it")
        prefix = settings.var_dir / "nginx"
        conf = write_config(upstreams, prefix, interface)
        specs.append(
            Server(
                "balancer",
                nginx_command(nginx, prefix, conf),
                settings.tero_port,
                "/webhooks/rest/",
                env,
                log("balancer"),
            )
        )
    if with_web:
        web_env = dict(
            env,
            TERO_URL=f"http://localhost:{settings.tero_port}",
            PAAVO_URL=f"http://localhost:{settings.paavo_port}",
            # The console's cookies without Secure: these servers listen on
            # this machine only, over plain http (the console refuses another
            # interface with this setting).
            STUDYBOTS_CONSOLE_PLAIN_HTTP=environ.get("STUDYBOTS_CONSOLE_PLAIN_HTTP", "1"),
        )
        # The editors' console: at /toimitus/ of the web page, or in the
        # production profile a server of its own (as its own Deployment).
        console = [] if settings.production else ["--console"]
        specs.append(
            Server(
                "web",
                [python, "-m", "studybots.ops.webpage", "--port", str(settings.web_port), *console],
                settings.web_port,
                "/health",
                web_env,
                log("web"),
            )
        )
        if settings.production:
            specs.append(
                Server(
                    "console",
                    [
                        python,
                        "-m",
                        "studybots.console",
                        "serve",
                        "--port",
                        str(settings.console_port),
                    ],
                    settings.console_port,
                    "/health",
                    web_env,
                    log("console"),
                )
            )
    return specs


def _healthy(server: Server) -> bool:
    if server.health_path is None:  # no HTTP side: running is healthy
        return server.process is not None and server.process.poll() is None
    try:
        with urllib.request.urlopen(server.url + server.health_path, timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start(servers: list[Server], timeout: float | None = None) -> None:
    """Start every server and wait until each answers its health check
    (at most `timeout` seconds: STUDYBOTS_START_TIMEOUT, default 240; loading
    the models takes longer on a machine that is busy with other work)."""
    if timeout is None:
        timeout = float(os.environ.get("STUDYBOTS_START_TIMEOUT", "240"))
    deadline = time.monotonic() + timeout
    started: list[Server] = []
    for server in servers:
        server.process = _spawn(server)
        started.append(server)
        if server.wait_ready:
            _wait_healthy(started, [server], deadline, timeout)
    _wait_healthy(servers, list(servers), deadline, timeout)


def _spawn(server: Server) -> subprocess.Popen:
    """Start one server; with a log file, its output goes there (the child
    keeps the file open, this process does not)."""
    if server.log is None:
        return subprocess.Popen(
            server.command, cwd=PROJECT_ROOT, env=server.env, start_new_session=True
        )
    with open(server.log, "ab") as out:
        return subprocess.Popen(
            server.command,
            cwd=PROJECT_ROOT,
            env=server.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_healthy(
    servers: list[Server], pending: list[Server], deadline: float, timeout: float
) -> None:
    while pending:
        for server in list(pending):
            assert server.process is not None  # pending servers have been spawned
            if server.process.poll() is not None:
                stop(servers)
                raise RuntimeError(
                    f"{server.name} exited with code {server.process.returncode}"
                    + (f"; see {server.log}" if server.log else "")
                )
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
