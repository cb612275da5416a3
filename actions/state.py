"""Catalogue data the actions answer from, reloaded when the files change.

The term table is re-read when any catalogue file's modification time changes
(checked at most every RELOAD_INTERVAL seconds), so an editor's definition
fix is live without a restart. The service finder is rebuilt when the service
database is rebuilt.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from studybots.catalogue.load import Catalogue, CatalogueInvalid, load_catalogue
from studybots.services.finder import ServiceFinder
from studybots.settings import load_settings

logger = logging.getLogger(__name__)
RELOAD_INTERVAL = 2.0


def _fingerprint(directory: Path) -> tuple:
    return tuple(sorted(
        (str(p), p.stat().st_mtime_ns, p.stat().st_size)
        for p in directory.rglob("*") if p.is_file()
    ))


class _Cached:
    """A value rebuilt when its source's fingerprint changes."""

    def __init__(self, fingerprint, build):
        self._fingerprint_fn = fingerprint
        self._build = build
        self._lock = threading.Lock()
        self._value = None
        self._fingerprint = None
        self._checked = 0.0

    def get(self):
        now = time.monotonic()
        if self._value is not None and now - self._checked < RELOAD_INTERVAL:
            return self._value
        with self._lock:
            self._checked = now
            fingerprint = self._fingerprint_fn()
            if self._value is None or fingerprint != self._fingerprint:
                try:
                    self._value = self._build()
                    self._fingerprint = fingerprint
                except CatalogueInvalid as exc:
                    # Keep answering from the last good catalogue.
                    logger.error("catalogue not reloaded: %s", exc)
                    if self._value is None:
                        raise
            return self._value


_settings = load_settings()


def _db_fingerprint():
    url = _settings.database_url
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        return os.stat(path).st_mtime_ns if os.path.exists(path) else None
    return url


_catalogue = _Cached(lambda: _fingerprint(_settings.catalogue_dir),
                     lambda: load_catalogue(_settings.catalogue_dir))
_finder = _Cached(_db_fingerprint, lambda: ServiceFinder.from_database(
    _settings.database_url,
    str((catalogue().meta.get("city") or {}).get("municipality_code", "853")),
))


def catalogue() -> Catalogue:
    return _catalogue.get()


def finder() -> ServiceFinder:
    return _finder.get()
