"""A private copy of the project for a running system that may be changed.

The editor-loop test and the change-to-answer benchmark edit the catalogue,
regenerate training data and publish models. They do it in a workspace: a
copy of the bots' configuration, the catalogue and the current models under
one directory, with its own databases and free ports. The repository is
never touched.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from studybots.build.servicedb import build_database
from studybots.catalogue.load import load_catalogue
from studybots.core.names import BOTS
from studybots.core.settings import PROJECT_ROOT, Settings, rasa_env
from studybots.ops.supervisor import free_port


@dataclass
class Workspace:
    root: Path
    settings: Settings
    env: dict[str, str]  # for the editors' and operators' commands run in it


def copy_vectors(models_dir: Path, var: Path) -> None:
    """Give `var` the e5 vectors (text -> vector) the training of the models
    in `models_dir` remembered, so that known texts are not embedded again."""
    vectors = models_dir.parent / "cache" / "e5-phrasings.joblib"
    if vectors.exists():
        (var / "cache").mkdir(parents=True, exist_ok=True)
        shutil.copy2(vectors, var / "cache" / vectors.name)


def create(root: Path, models_dir: Path, model_pull_seconds: int = 1) -> Workspace:
    project = root / "project"
    project.mkdir(parents=True)
    shutil.copy2(PROJECT_ROOT / "config.yml", project / "config.yml")
    shutil.copytree(PROJECT_ROOT / "bots", project / "bots")
    shutil.copytree(PROJECT_ROOT / "data", project / "data")
    shutil.copytree(PROJECT_ROOT / "catalogue", root / "catalogue")
    var = root / "var"
    (var / "models").mkdir(parents=True)
    for bot in BOTS:
        for suffix in (".tar.gz", ".sha256"):
            shutil.copy2(models_dir / f"{bot}{suffix}", var / "models" / f"{bot}{suffix}")
    # The training vectors of the catalogue, as an installation that trained
    # these models has them (a retrain embeds only new phrasings).
    copy_vectors(models_dir, var)
    database_url = f"sqlite:///{var / 'catalogue.db'}"
    build_database(load_catalogue(root / "catalogue"), database_url)
    settings = Settings(
        catalogue_dir=root / "catalogue",
        var_dir=var,
        database_url=database_url,
        action_port=free_port(),
        tero_port=free_port(),
        paavo_port=free_port(),
        web_port=free_port(),
        console_port=free_port(),
        model_port=free_port(),
        model_pull_seconds=model_pull_seconds,
        project_dir=project,
    )
    env = dict(
        rasa_env(),
        STUDYBOTS_CATALOGUE_DIR=str(settings.catalogue_dir),
        STUDYBOTS_VAR_DIR=str(var),
        STUDYBOTS_DATABASE_URL=database_url,
        STUDYBOTS_PROJECT_DIR=str(project),
        STUDYBOTS_LOG_URL=settings.log_url,
        MODEL_PULL_SECONDS=str(model_pull_seconds),
        RASA_CACHE_DIRECTORY=str(var / "rasa-cache"),
    )
    return Workspace(root, settings, env)


ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


@contextmanager
def postgres_databases(
    parts: tuple[str, ...] = ("tero", "paavo", "log"), admin_url: str = ADMIN_URL
) -> Iterator[dict[str, str]]:
    """Fresh PostgreSQL databases named sb_<random>_<part>, dropped afterwards."""
    tag = uuid.uuid4().hex[:8]
    names = {part: f"sb_{tag}_{part}" for part in parts}
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", future=True)
    try:
        with admin.connect() as c:
            for name in names.values():
                c.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield names
    finally:
        with admin.connect() as c:
            for name in names.values():
                c.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                    ),
                    {"n": name},
                )
                c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@contextmanager
def production(
    ws: Workspace,
    bots_pg: str = "postgresql://postgres@127.0.0.1:5432",
    log_pg: str | None = None,
    amqp: str = "amqp://guest:guest@127.0.0.1:5672/",
    redis: str = "redis://127.0.0.1:6379/0",
    replicas: int = 2,
) -> Iterator[Workspace]:
    """The workspace in the production profile, with databases of its own.

    `bots_pg`, `log_pg` and `amqp` may point at proxies in front of the real
    services (the fault tests cut them)."""
    with postgres_databases() as names:
        queue = f"studybots-{names['log'].split('_')[1]}"
        settings = dataclasses.replace(
            ws.settings,
            profile="production",
            bot_replicas=replicas,
            trackers=(
                ("tero", f"{bots_pg}/{names['tero']}"),
                ("paavo", f"{bots_pg}/{names['paavo']}"),
            ),
            log_database=f"{log_pg or bots_pg}/{names['log']}",
            lock_url=redis,
            log_queue=f"{amqp}?queue={queue}",
        )
        try:
            yield Workspace(ws.root, settings, dict(ws.env, STUDYBOTS_LOG_URL=settings.log_url))
        finally:
            delete_queue(amqp, queue)


def delete_queue(amqp: str, queue: str) -> None:
    """Remove a RabbitMQ queue (cleanup: a broker that is down is ignored)."""
    import aio_pika

    async def delete() -> None:
        connection = await aio_pika.connect(amqp)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(queue)

    try:
        asyncio.run(delete())
    except Exception:  # the broker is down or the queue never existed
        pass
