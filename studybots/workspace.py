"""A private copy of the project for a running system that may be changed.

The editor-loop test and the change-to-answer benchmark edit the catalogue,
regenerate training data and publish models. They do it in a workspace: a
copy of the bots' configuration, the catalogue and the current models under
one directory, with its own databases and free ports. The repository is
never touched.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from studybots.catalogue.load import load_catalogue
from studybots.services.build import build_database
from studybots.servers import free_port
from studybots.settings import PROJECT_ROOT, Settings
from studybots.train import BOTS, rasa_env


@dataclass
class Workspace:
    root: Path
    settings: Settings
    env: dict[str, str]  # for the editors' and operators' commands run in it


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
    database_url = f"sqlite:///{var / 'catalogue.db'}"
    build_database(load_catalogue(root / "catalogue"), database_url)
    settings = Settings(
        catalogue_dir=root / "catalogue", var_dir=var, database_url=database_url,
        action_port=free_port(), tero_port=free_port(), paavo_port=free_port(),
        web_port=free_port(), model_port=free_port(), model_pull_seconds=model_pull_seconds,
        project_dir=project,
    )
    env = dict(rasa_env(), STUDYBOTS_CATALOGUE_DIR=str(settings.catalogue_dir),
               STUDYBOTS_VAR_DIR=str(var), STUDYBOTS_DATABASE_URL=database_url,
               STUDYBOTS_PROJECT_DIR=str(project), STUDYBOTS_LOG_URL=settings.log_url,
               MODEL_PULL_SECONDS=str(model_pull_seconds),
               RASA_CACHE_DIRECTORY=str(var / "rasa-cache"))
    return Workspace(root, settings, env)
