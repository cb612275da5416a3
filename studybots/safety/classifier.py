"""A phrasing classifier: which label of an editor-owned phrasing table a
message has, or `none`. Used for the safety check (crisis categories) and
for near-miss requests (`detail`, `action`).

The safety classifier is trained on the editors' phrasings (catalogue/safety/phrasings.csv: six
categories and `none`, ordinary messages in crisis-like words) and, as more
`none` examples, the bot's own training questions. Features: the message's
multilingual e5 sentence embedding (meaning across paraphrases and
languages) and character n-grams of the folded text (misspellings,
colloquial inflection). A linear model: training takes a second, a
prediction well under a millisecond.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from studybots.catalogue.schema import SAFETY_NONE
from studybots.safety.text import fold


@dataclass(frozen=True)
class Prediction:
    category: str | None  # None = not a crisis
    score: float  # probability that the message is a crisis (1 - P(none))
    best: str  # the most likely crisis category, even below the threshold


class PhrasingClassifier:
    def __init__(
        self,
        threshold: float = 0.5,
        e5_weight: float = 1.0,
        ngram_weight: float = 1.0,
        c: float = 10.0,
        none_weight: float = 1.0,
    ):
        self.threshold = threshold
        self.e5_weight = e5_weight
        self.ngram_weight = ngram_weight
        self.c = c
        self.none_weight = none_weight
        self._ngrams: TfidfVectorizer | None = None
        self._model: LogisticRegression | None = None

    def _features(self, texts: list[str], vectors: np.ndarray):
        assert self._ngrams is not None
        ngrams = normalize(self._ngrams.transform([fold(t) for t in texts])) * self.ngram_weight
        dense = normalize(np.asarray(vectors, dtype=np.float64)) * self.e5_weight
        return scipy.sparse.hstack([scipy.sparse.csr_matrix(dense), ngrams]).tocsr()

    def fit(
        self,
        texts: list[str],
        labels: list[str],
        vectors: np.ndarray,
        languages: list[str] | None = None,
    ) -> PhrasingClassifier:
        """`languages` (one per text): the `none` examples of each language
        weigh as much in total as all of `none` would alone, so that a bot's
        Swedish and English questions do not thin out its Finnish ones."""
        self._ngrams = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1
        )
        self._ngrams.fit([fold(t) for t in texts])
        counts = {label: labels.count(label) for label in set(labels)}
        # Each crisis category weighs as much in total as `none` times none_weight,
        # however many ordinary questions the bot brings.
        crisis = [lab for lab in counts if lab != SAFETY_NONE]
        total = len(labels)
        weights = {lab: total / (len(counts) * counts[lab]) for lab in crisis}
        weights[SAFETY_NONE] = total / (len(counts) * counts[SAFETY_NONE]) * self.none_weight
        none_total = weights[SAFETY_NONE] * counts[SAFETY_NONE]
        groups = languages or [""] * len(texts)
        per_group = Counter(g for g, lab in zip(groups, labels) if lab == SAFETY_NONE)
        sample_weight = np.array(
            [
                none_total / per_group[g] if lab == SAFETY_NONE else weights[lab]
                for g, lab in zip(groups, labels)
            ]
        )
        self._model = LogisticRegression(C=self.c, max_iter=2000, random_state=42)
        self._model.fit(self._features(texts, vectors), labels, sample_weight=sample_weight)
        return self

    def probabilities(self, texts: list[str], vectors: np.ndarray) -> np.ndarray:
        """The model's class probabilities (sklearn's own path: for training
        checks and batches)."""
        assert self._model is not None, "classifier is not trained"
        return self._model.predict_proba(self._features(texts, vectors))

    def _fast_probabilities(self, text: str, vector: np.ndarray) -> np.ndarray:
        """The same probabilities for one message without sklearn's and
        scipy's per-call validation (a few hundred microseconds instead of
        milliseconds): n-grams by the fitted analyzer, sublinear tf x idf,
        L2 norm, then the linear model and the softmax."""
        assert self._model is not None and self._ngrams is not None
        if not hasattr(self, "_analyzer"):
            self._analyzer = self._ngrams.build_analyzer()
            dims = len(np.asarray(vector).reshape(-1))
            self._w_dense = self._model.coef_[:, :dims]
            self._w_sparse = self._model.coef_[:, dims:]
            self._idf = np.asarray(self._ngrams.idf_)
        vocabulary, idf = self._ngrams.vocabulary_, self._idf
        counts = Counter(vocabulary[g] for g in self._analyzer(fold(text)) if g in vocabulary)
        scores = self._model.intercept_.copy()
        if counts:
            index = np.fromiter(counts, dtype=np.int64)
            weight = np.array([(1.0 + math.log(counts[i])) * idf[i] for i in index])
            weight *= self.ngram_weight / float(np.linalg.norm(weight))
            scores += self._w_sparse[:, index] @ weight
        dense = np.asarray(vector, dtype=np.float64).reshape(-1)
        norm = float(np.linalg.norm(dense))
        if norm:
            scores += self._w_dense @ (dense * (self.e5_weight / norm))
        if len(scores) == 1:  # a binary model: one score for the second class
            p = 1.0 / (1.0 + math.exp(-scores[0]))
            return np.array([1.0 - p, p])
        exp = np.exp(scores - scores.max())
        return exp / exp.sum()

    def predict(self, texts: list[str], vectors: np.ndarray) -> list[Prediction]:
        assert self._model is not None, "classifier is not trained"
        if not texts:
            return []
        probabilities: Any = (
            [self._fast_probabilities(texts[0], vectors[0])]
            if len(texts) == 1
            else self.probabilities(texts, vectors)
        )
        classes = list(self._model.classes_)
        none = classes.index(SAFETY_NONE)
        out = []
        for row in probabilities:
            score = float(1.0 - row[none])
            crisis = [(p, c) for p, c in zip(row, classes) if c != SAFETY_NONE]
            best = max(crisis)[1]
            out.append(Prediction(best if score >= self.threshold else None, score, best))
        return out
