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
from studybots.core.settings import Settings, load_settings
from studybots.search.finder import ServiceFinder, options_from_meta

logger = logging.getLogger(__name__)
RELOAD_INTERVAL = 2.0


def _fingerprint(directory: Path) -> tuple:
    return tuple(
        sorted(
            (str(p), p.stat().st_mtime_ns, p.stat().st_size)
            for p in directory.rglob("*")
            if p.is_file()
        )
    )


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


class CatalogueState:
    """The catalogue and the service finder of one deployment's settings."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.catalogue = _Cached(
            lambda: _fingerprint(settings.catalogue_dir),
            lambda: load_catalogue(settings.catalogue_dir),
        )
        self.finder = _Cached(self._db_fingerprint, self._build_finder)

    def _db_fingerprint(self):
        url = self.settings.database_url
        if url.startswith("sqlite:///"):
            path = url[len("sqlite:///") :]
            return os.stat(path).st_mtime_ns if os.path.exists(path) else None
        return url

    def _build_finder(self) -> ServiceFinder:
        return ServiceFinder.from_database(
            self.settings.database_url, **options_from_meta(self.catalogue.get().meta)
        )


_state: CatalogueState | None = None


def configure(settings: Settings) -> None:
    """Point the actions at a deployment's catalogue and database."""
    global _state
    _state = CatalogueState(settings)


def current() -> CatalogueState:
    if _state is None:
        configure(load_settings())
    assert _state is not None  # configure() set it
    return _state


def catalogue() -> Catalogue:
    return current().catalogue.get()


def finder() -> ServiceFinder:
    return current().finder.get()
