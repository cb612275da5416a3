"""Small talk never swallows content.

`affirm`, `deny`, `skip`, goodbye, thanks and greetings are kept only when
the message is one of their own short phrasings: at most `max_words` words,
every word one the small-talk examples use (or a one-letter typo of one).
Otherwise ("haluan avioeron", "en halua elää enää") the intent becomes
`nlu_fallback`, so Tero offers terms or says it cannot answer and Paavo
searches, and nobody gets a "Selvä" for a real message.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from studybots.core.text import fold

SMALL_TALK = ("affirm", "deny", "skip", "goodbye", "thanks", "greet")
FALLBACK_INTENT = "nlu_fallback"
VOCABULARY_FILE = "vocabulary.txt"


def within_one_edit(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


def is_own_phrasing(text: str, vocabulary: frozenset[str], max_words: int) -> bool:
    words = fold(text).split()
    if not words or len(words) > max_words:
        return False
    for word in words:
        if word in vocabulary:
            continue
        if len(word) < 4 or not any(within_one_edit(word, v) for v in vocabulary if len(v) >= 3):
            return False
    return True


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SmallTalkGuard(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"max_words": 6, "intents": list(SMALL_TALK)}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: frozenset[str] = frozenset(),
    ) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._vocabulary = vocabulary

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SmallTalkGuard:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SmallTalkGuard:
        try:
            with model_storage.read_from(resource) as directory:
                words = (directory / VOCABULARY_FILE).read_text(encoding="utf-8").split()
        except (ValueError, FileNotFoundError):
            words = []
        return cls(config, model_storage, resource, frozenset(words))

    def train(self, training_data: TrainingData) -> Resource:
        intents = set(self._config["intents"])
        words = {
            w
            for m in training_data.intent_examples
            if m.get(INTENT) in intents
            for w in fold(m.get(TEXT) or "").split()
        }
        self._vocabulary = frozenset(words)
        with self._storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text("\n".join(sorted(words)), encoding="utf-8")
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        intents = set(self._config["intents"])
        max_words = int(self._config["max_words"])
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get("name") not in intents or not message.get(TEXT):
                continue
            if is_own_phrasing(message.get(TEXT), self._vocabulary, max_words):
                continue
            ranking = [
                r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") not in intents
            ]
            fallback = {"name": FALLBACK_INTENT, "confidence": float(intent.get("confidence") or 0)}
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
        return messages
