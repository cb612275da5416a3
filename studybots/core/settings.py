"""Runtime settings, read from the environment with safe defaults.

Everything a city operator may want to change without editing code lives here:
where the catalogue is, which database holds the service model, and the ports.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from studybots.core.names import BOTS

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).resolve() if value else default


@dataclass(frozen=True)
class Settings:
    catalogue_dir: Path
    var_dir: Path
    database_url: str
    action_port: int
    tero_port: int
    paavo_port: int
    web_port: int = 8080
    # The editors' console on its own (production profile; embedded: at web_port/toimitus/).
    console_port: int = 8090
    model_port: int = 5070
    # How often each bot worker asks the model server for a newer model.
    model_pull_seconds: int = 10
    # The bots' configuration and generated training data: config.yml,
    # bots/<bot>/ and data/nlu/. Generation writes here; training reads here.
    project_dir: Path = PROJECT_ROOT
    # "embedded" (SQLite, one process per bot) or "production" (PostgreSQL,
    # Redis locks, the log through RabbitMQ, replicas behind nginx).
    profile: str = "embedded"
    log_queue: str = ""  # amqp://...?queue=name: the bots send log rows here
    lock_url: str = ""  # redis://[:password@]host:port/db
    bot_replicas: int = 1
    trackers: tuple[tuple[str, str], ...] = ()  # (bot, url) overrides
    log_database: str = ""  # overrides STUDYBOTS_LOG_URL
    # The held-out dev sets of this catalogue (never trained on): evaluation
    # and the publish gate read them.
    eval_dir: Path = PROJECT_ROOT / "tests" / "eval"
    # The catalogue's history (studybots/catalogue/history.py), a git
    # repository of its own; None: beside the catalogue, <catalogue>-history.
    catalogue_history_dir: Path | None = None

    @property
    def history_dir(self) -> Path:
        if self.catalogue_history_dir is not None:
            return self.catalogue_history_dir
        catalogue = self.catalogue_dir.resolve()
        return catalogue.parent / f"{catalogue.name}-history"

    @property
    def models_dir(self) -> Path:
        return self.var_dir / "models"

    @property
    def log_url(self) -> str:
        """The question log of both bots (rows say which bot)."""
        return (
            self.log_database
            or os.environ.get("STUDYBOTS_LOG_URL")
            or f"sqlite:///{self.var_dir / 'log.db'}"
        )

    @property
    def production(self) -> bool:
        return self.profile == "production"

    def problems(self) -> list[str]:
        """What keeps this configuration from running (empty: nothing)."""
        found = []
        if self.profile not in ("embedded", "production"):
            found.append(f"STUDYBOTS_PROFILE must be embedded or production, not {self.profile!r}")
        if self.production:
            for bot in BOTS:
                if not self.tracker_url(bot).startswith("postgresql"):
                    found.append(f"{bot.upper()}_TRACKER_URL: a postgresql:// URL is required")
            if not self.log_url.startswith("postgresql"):
                found.append("STUDYBOTS_LOG_URL: a postgresql:// URL is required")
            if not self.lock_url.startswith(("redis://", "rediss://")):
                found.append("STUDYBOTS_LOCK_URL: a redis:// URL is required")
            if not self.log_queue.startswith(("amqp://", "amqps://")):
                found.append("STUDYBOTS_LOG_QUEUE: an amqp:// URL is required")
        return found

    def tracker_url(self, bot: str) -> str:
        """Each bot keeps its conversations (and locks) in its own database:
        Slack user ids are the same in both apps, so one table would mix them."""
        return (
            dict(self.trackers).get(bot)
            or os.environ.get(f"{bot.upper()}_TRACKER_URL")
            or f"sqlite:///{self.var_dir / f'tracker-{bot}.db'}"
        )


def load_settings() -> Settings:
    var_dir = _path("STUDYBOTS_VAR_DIR", PROJECT_ROOT / "var")
    profile = os.environ.get("STUDYBOTS_PROFILE", "embedded")
    return Settings(
        catalogue_dir=_path("STUDYBOTS_CATALOGUE_DIR", PROJECT_ROOT / "catalogue"),
        var_dir=var_dir,
        database_url=os.environ.get(
            "STUDYBOTS_DATABASE_URL", f"sqlite:///{var_dir / 'catalogue.db'}"
        ),
        action_port=int(os.environ.get("ACTION_PORT", "5055")),
        tero_port=int(os.environ.get("TERO_PORT", "5005")),
        paavo_port=int(os.environ.get("PAAVO_PORT", "5006")),
        web_port=int(os.environ.get("WEB_PORT", "8080")),
        console_port=int(os.environ.get("CONSOLE_PORT", "8090")),
        model_port=int(os.environ.get("MODEL_PORT", "5070")),
        model_pull_seconds=int(os.environ.get("MODEL_PULL_SECONDS", "10")),
        project_dir=_path("STUDYBOTS_PROJECT_DIR", PROJECT_ROOT),
        eval_dir=_path("STUDYBOTS_EVAL_DIR", PROJECT_ROOT / "tests" / "eval"),
        catalogue_history_dir=(
            _path("STUDYBOTS_CATALOGUE_HISTORY_DIR", PROJECT_ROOT)
            if os.environ.get("STUDYBOTS_CATALOGUE_HISTORY_DIR")
            else None
        ),
        profile=profile,
        log_queue=os.environ.get("STUDYBOTS_LOG_QUEUE", ""),
        lock_url=os.environ.get("STUDYBOTS_LOCK_URL", ""),
        bot_replicas=int(os.environ.get("BOT_REPLICAS", "2" if profile == "production" else "1")),
    )


def rasa_env() -> dict[str, str]:
    """The environment of every Rasa process: telemetry off, quiet TensorFlow,
    one thread per process, and the training cache under the var directory."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("OMP_NUM_THREADS", "1")
    env["RASA_TELEMETRY_ENABLED"] = "false"  # never phone home
    # Rasa's training cache (reused components) under var/, so a clean start
    # is `rm -r var` and `--from-scratch` knows what to clear.
    env.setdefault("RASA_CACHE_DIRECTORY", str(load_settings().var_dir / "rasa-cache"))
    return env
