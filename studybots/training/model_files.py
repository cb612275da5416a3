"""Where trained models live, and how a new one replaces the old one.

    var/models/<bot>.tar.gz            the published model the bots run
    var/models/<bot>.sha256            fingerprint of its training inputs
    var/models/staging/<bot>.tar.gz    a candidate, trained but not yet published
    var/models/previous/<bot>.tar.gz   the model it replaced (for --rollback)

Every write is a rename within one directory tree, so a reader (the model
server) sees either the old file or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

STAGING = "staging"
PREVIOUS = "previous"


def model_path(bot: str, models_dir: Path) -> Path:
    return models_dir / f"{bot}.tar.gz"


def stamp_path(bot: str, models_dir: Path) -> Path:
    return models_dir / f"{bot}.sha256"


def staging_dir(models_dir: Path) -> Path:
    return models_dir / STAGING


def previous_dir(models_dir: Path) -> Path:
    return models_dir / PREVIOUS


def read_stamp(bot: str, models_dir: Path) -> str:
    path = stamp_path(bot, models_dir)
    return path.read_text().strip() if path.exists() else ""


def write_atomic(path: Path, text: str) -> None:
    """`text` into `path` as a whole or not at all: written beside it under a
    name of this process, then renamed over it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def install(bot: str, source_dir: Path, models_dir: Path, keep_previous: bool = True) -> Path:
    """Move the model (and its stamp) from `source_dir` to the published place.

    The model it replaces is kept in previous/ so an operator can roll back.
    """
    source, target = model_path(bot, source_dir), model_path(bot, models_dir)
    if not source.exists():
        raise FileNotFoundError(f"no model to install at {source}")
    models_dir.mkdir(parents=True, exist_ok=True)
    if keep_previous and target.exists():
        previous = previous_dir(models_dir)
        previous.mkdir(exist_ok=True)
        shutil.copy2(target, model_path(bot, previous))
        write_atomic(stamp_path(bot, previous), read_stamp(bot, models_dir) + "\n")
    stamp = read_stamp(bot, source_dir)
    os.replace(source, target)
    write_atomic(stamp_path(bot, models_dir), stamp + "\n")
    stamp_path(bot, source_dir).unlink(missing_ok=True)
    return target


def rollback(bot: str, models_dir: Path) -> Path:
    """Put the previous model back; the one it replaces becomes previous."""
    previous = previous_dir(models_dir)
    if not model_path(bot, previous).exists():
        raise FileNotFoundError(f"no previous model of {bot} in {previous}")
    swap = models_dir / f".rollback-{bot}"
    swap.mkdir(exist_ok=True)
    shutil.copy2(model_path(bot, previous), model_path(bot, swap))
    write_atomic(stamp_path(bot, swap), read_stamp(bot, previous) + "\n")
    installed = install(bot, swap, models_dir)
    shutil.rmtree(swap, ignore_errors=True)
    return installed


def content_digest(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()
