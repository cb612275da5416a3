"""Small talk never swallows content.

`affirm`, `deny`, `skip`, goodbye, thanks and greetings are kept only when
the message is made of their own short phrasings: at most `max_words` words
that are one of the small-talk training examples, or several of them in a
row ("ok kiitos moi"), each word as written there or with a one-letter typo.
Otherwise ("haluan avioeron", "en halua elää enää", "kerro vitsi") the
small-talk intents leave the ranking and the best of the others takes their
place, as the FallbackClassifier would have chosen without them: an intent
at least `fallback_threshold` sure (`out_of_scope` for "kerro vitsi": both
bots say they cannot help with that), else `nlu_fallback` (Tero offers terms
or says it cannot answer, Paavo searches). Nobody gets a "Selvä" for a real
message.

Whole examples, not single words: every word of "kerro vitsi" is in some
small-talk example ("en kerro", "en viitsi vastata"), yet the message is none
of them.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from studybots.bot.nlu.base import StoredComponent
from studybots.core.text import fold

SMALL_TALK = ("affirm", "deny", "skip", "goodbye", "thanks", "greet")
FALLBACK_INTENT = "nlu_fallback"

Phrasing = tuple[str, ...]


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


def same_word(word: str, known: str) -> bool:
    """`word` is `known`, or a one-letter typo of it (words of 4+ letters)."""
    return word == known or (len(word) >= 4 and len(known) >= 3 and within_one_edit(word, known))


def phrasings_of(texts: list[str]) -> frozenset[Phrasing]:
    return frozenset(tuple(fold(t).split()) for t in texts if fold(t))


def is_own_phrasing(text: str, phrasings: Collection[Phrasing], max_words: int) -> bool:
    """`text` is at most `max_words` words, and they are one or more whole
    `phrasings` in a row."""
    words = fold(text).split()
    if not words or len(words) > max_words:
        return False
    # covered[i]: the first i words are whole phrasings in a row
    covered = [True] + [False] * len(words)
    for start in range(len(words)):
        if not covered[start]:
            continue
        for phrasing in phrasings:
            end = start + len(phrasing)
            if (
                end <= len(words)
                and not covered[end]
                and all(same_word(w, k) for w, k in zip(words[start:end], phrasing))
            ):
                covered[end] = True
    return covered[-1]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SmallTalkGuard(StoredComponent[frozenset[Phrasing]]):
    FILE_NAME = "phrasings.txt"
    STATE_FORMAT = "phrasings"  # was a word list
    STATE_OPTIONAL = True  # untrained: no phrasing is known, no small talk is kept

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"max_words": 6, "intents": list(SMALL_TALK), "fallback_threshold": 0.15}

    @classmethod
    def read_state(cls, directory: Path) -> frozenset[Phrasing]:
        return phrasings_of((directory / cls.FILE_NAME).read_text(encoding="utf-8").splitlines())

    def write_state(self, directory: Path, state: frozenset[Phrasing]) -> None:
        lines = sorted(" ".join(p) for p in state)
        (directory / self.FILE_NAME).write_text("\n".join(lines), encoding="utf-8")

    def train(self, training_data: TrainingData) -> Resource:
        intents = set(self._config["intents"])
        texts = [
            m.get(TEXT) or "" for m in training_data.intent_examples if m.get(INTENT) in intents
        ]
        return self.persist(phrasings_of(texts))

    def process(self, messages: list[Message]) -> list[Message]:
        phrasings = self._state or frozenset()
        intents = set(self._config["intents"])
        max_words = int(self._config["max_words"])
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get("name") not in intents or not message.get(TEXT):
                continue
            if is_own_phrasing(message.get(TEXT), phrasings, max_words):
                continue
            self._replace(message, intent, intents)
        return messages

    def _replace(self, message: Message, intent: dict, intents: set[str]) -> None:
        ranking = [
            r
            for r in message.get(INTENT_RANKING_KEY) or []
            if r.get("name") not in intents and r.get("name") != FALLBACK_INTENT
        ]
        if ranking and float(ranking[0].get("confidence") or 0) >= float(
            self._config["fallback_threshold"]
        ):
            message.set(INTENT, dict(ranking[0]), add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            return
        fallback = {"name": FALLBACK_INTENT, "confidence": float(intent.get("confidence") or 0)}
        message.set(INTENT, fallback, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
