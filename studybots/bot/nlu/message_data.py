"""Helpers the project's NLU components share: a message's e5 sentence
vector (computed once by E5Featurizer), the bot's own training questions,
and the catalogue's safety tables."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from studybots.bot.nlu.e5_featurizer import embed, embed_cached, embedding_cache
from studybots.core.settings import load_settings

E5_ORIGIN = "E5Featurizer"


def e5_vector(message: Message) -> np.ndarray | None:
    """The message's e5 sentence embedding (unit length), if the pipeline
    computed one."""
    for f in message.features:
        if f.origin == E5_ORIGIN and f.type == "sentence" and f.attribute == TEXT:
            vector = np.asarray(f.features, dtype=np.float64).reshape(-1)
            norm = float(np.linalg.norm(vector))
            return vector / norm if norm else vector
    return None


def e5_vectors(messages: list[Message]) -> np.ndarray:
    """e5 vectors of `messages`; embedded here for any the pipeline did not."""
    vectors = [e5_vector(m) for m in messages]
    missing = [i for i, v in enumerate(vectors) if v is None]
    if missing:
        for i, v in zip(missing, embed([messages[i].get(TEXT) or "" for i in missing])):
            vectors[i] = v
    found = [v for v in vectors if v is not None]
    assert len(found) == len(vectors)  # every missing one was embedded above
    return np.vstack(found) if found else np.zeros((0, 384))


def bot_questions(training_data: TrainingData) -> list[Message]:
    """The bot's own training examples that have an intent and a text."""
    return [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]


def catalogue_dir(config: dict) -> Path:
    return Path(config.get("catalogue") or load_settings().catalogue_dir)


def embed_phrasings(texts: list[str]) -> np.ndarray:
    return embed_cached(texts, embedding_cache())


def tables_digest(directory: Path, names: tuple[str, ...]) -> str:
    """A digest of catalogue tables a component trains on, for Rasa's cache:
    a changed table retrains the component."""
    digest = hashlib.sha256()
    for name in names:
        path = directory / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()
