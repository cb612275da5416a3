"""Lexical search over services with character n-grams (TF-IDF, cosine).

Finnish inflects heavily ("asunto", "asunnon", "asuntoa"); character n-grams
inside word boundaries match the shared stems without a morphological
analyser. Field weights come from repeating the name and keywords. The index
is built once in memory; a query is one sparse matrix product.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from studybots.text import normalise_query

NAME_WEIGHT = 3
KEYWORD_WEIGHT = 2


@dataclass(frozen=True)
class SearchDoc:
    id: str
    name: str
    description: str
    keywords: tuple[str, ...]

    def indexed_text(self) -> str:
        parts = [self.name] * NAME_WEIGHT + [" ".join(self.keywords)] * KEYWORD_WEIGHT
        parts.append(self.description)
        return normalise_query(" ".join(parts))


@dataclass(frozen=True)
class Hit:
    id: str
    score: float


class LexicalIndex:
    def __init__(self, docs: list[SearchDoc]):
        self.ids = [d.id for d in docs]
        self._vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=1,
            dtype=np.float32,
        )
        texts = [d.indexed_text() for d in docs] or [""]
        self._matrix = self._vectorizer.fit_transform(texts) if docs else None

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, text: str, limit: int = 10, allowed: np.ndarray | None = None) -> list[Hit]:
        query = normalise_query(text)
        if not query or self._matrix is None:
            return []
        vector = self._vectorizer.transform([query])
        if vector.nnz == 0:
            return []
        scores = (self._matrix @ vector.T).toarray().ravel()
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        limit = min(limit, len(scores))
        top = np.argpartition(-scores, limit - 1)[:limit]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [Hit(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]
