"""One verdict per message: patterns first (they always win), then the
classifier; the reply language is detected from the message."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from studybots.safety import language
from studybots.safety.classifier import PhrasingClassifier
from studybots.safety.patterns import Patterns


@dataclass(frozen=True)
class Verdict:
    category: str | None  # None = not a crisis
    lang: str  # fi | sv | en
    by: str  # pattern | classifier | ""
    score: float

    @property
    def crisis(self) -> bool:
        return self.category is not None

    def as_dict(self) -> dict:
        return asdict(self)


class SafetyCheck:
    def __init__(self, patterns: Patterns, classifier: PhrasingClassifier | None):
        self.patterns = patterns
        self.classifier = classifier

    def check_many(self, texts: list[str], vectors: np.ndarray | None) -> list[Verdict]:
        predictions = (
            self.classifier.predict(texts, vectors)
            if self.classifier is not None and vectors is not None and len(texts)
            else [None] * len(texts)
        )
        verdicts = []
        for text, prediction in zip(texts, predictions):
            lang = language.detect(text)
            match = self.patterns.match(text)
            if match is not None:
                verdicts.append(Verdict(match.category, lang, "pattern", 1.0))
            elif prediction is not None and prediction.category is not None:
                verdicts.append(
                    Verdict(prediction.category, lang, "classifier", round(prediction.score, 4))
                )
            else:
                score = round(prediction.score, 4) if prediction is not None else 0.0
                verdicts.append(Verdict(None, lang, "", score))
        return verdicts

    def check(self, text: str, vector: np.ndarray | None) -> Verdict:
        vectors = None if vector is None else np.asarray(vector).reshape(1, -1)
        return self.check_many([text], vectors)[0]
