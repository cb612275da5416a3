"""Secrets from files: a Kubernetes Secret mounted as a volume instead of
environment variables (environment variables leak more easily: into child
processes, crash reports, `kubectl describe`, /proc/<pid>/environ).

With STUDYBOTS_SECRETS_DIR set, every regular file in that folder whose name
is an environment variable name (`STUDYBOTS_LOG_KEY`, `STUDYBOTS_TRACKER_URL`,
...) becomes that variable, with the file's content (one trailing line break
dropped), unless the variable is already set. Each process calls `export()`
first thing, before anything reads its settings, so the rest of the code (and
Rasa's `${VAR}` in endpoints.production.yml) reads them as usual.
Hidden files (Kubernetes keeps its `..data` links there) are skipped.
"""

from __future__ import annotations

import os
import re
from collections.abc import MutableMapping
from pathlib import Path

__all__ = ["SECRETS_DIR_ENV", "export"]

SECRETS_DIR_ENV = "STUDYBOTS_SECRETS_DIR"
_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def export(environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Set the secret files as variables; returns the names set (not the values)."""
    environ = os.environ if environ is None else environ
    folder = environ.get(SECRETS_DIR_ENV, "").strip()
    if not folder:
        return []
    directory = Path(folder)
    if not directory.is_dir():
        raise SystemExit(f"{SECRETS_DIR_ENV}={folder}: no such folder")
    exported = []
    for path in sorted(directory.iterdir()):
        if not _NAME.match(path.name) or not path.is_file() or environ.get(path.name):
            continue
        value = path.read_text(encoding="utf-8")
        environ[path.name] = value[:-1] if value.endswith("\n") else value
        exported.append(path.name)
    return exported
