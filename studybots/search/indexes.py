"""Search over services: BM25 on character n-grams, and e5 meaning vectors.

Finnish inflects heavily ("asunto", "asunnon", "asuntoa"); character n-grams
inside word boundaries match the shared stems without a morphological
analyser. `LexicalIndex` scores them with BM25 (saturating term frequency,
document-length normalisation); the weights are stored by n-gram, so a query
sums only the columns of its own n-grams. Field weights come from repeating
the name and keywords.

`DenseIndex` holds one L2-normalised multilingual-e5-small vector per service
(computed at build time, see `studybots.search.embeddings`) as a float32
matrix; a query is one matrix-vector product. Both return scores for every
document as numpy arrays so that the finder can fuse, filter and take the
top k with argpartition, whatever the number of services.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from studybots.core.text import normalise_query

NAME_WEIGHT = 3
KEYWORD_WEIGHT = 2
BM25_K1 = 1.2
BM25_B = 0.75


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


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first (argpartition: O(n))."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.argsort(-scores[top], kind="stable")]


class LexicalIndex:
    """BM25 over character 3-5-grams of the normalised text.

    `scores()` is normalised by the best score the query could reach (every
    query n-gram present and saturated), so 1.0 means "all of the query is
    there" and the floors in the finder do not depend on the query length.
    """

    def __init__(self, docs: list[SearchDoc], k1: float = BM25_K1, b: float = BM25_B):
        self.ids = [d.id for d in docs]
        self._vectorizer = CountVectorizer(analyzer="char_wb", ngram_range=(3, 5), dtype=np.float32)
        self._term_start = None
        if not docs:
            return
        counts = self._vectorizer.fit_transform([d.indexed_text() for d in docs]).tocsr()
        n_docs = counts.shape[0]
        df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float32)
        self._idf = np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        norm = k1 * (1 - b + b * lengths / max(lengths.mean(), 1e-9))
        rows = np.repeat(np.arange(n_docs), np.diff(counts.indptr))
        tf = counts.data
        counts.data = (self._idf[counts.indices] * tf * (k1 + 1) / (tf + norm[rows])).astype(
            np.float32
        )
        # Stored by n-gram (CSC): a query reads only the columns of its own
        # n-grams instead of multiplying the whole docs x n-grams matrix.
        by_term = counts.tocsc()
        self._term_start = by_term.indptr.astype(np.int64)
        self._term_docs = by_term.indices.astype(np.int32)
        self._term_weights = by_term.data.astype(np.float32)
        self._k1 = k1

    def __len__(self) -> int:
        return len(self.ids)

    def query_terms(self, text: str) -> np.ndarray | None:
        """Column numbers of the query's known n-grams (each once), or None
        when there are none (only stop words, nonsense)."""
        query = normalise_query(text)
        if not query or self._term_start is None:
            return None
        vector = self._vectorizer.transform([query])
        return vector.indices if vector.nnz else None

    def term_scores(self, terms: np.ndarray) -> np.ndarray:
        """Normalised BM25 of every document for these n-gram columns: the
        sum of each document's weights in those columns (a repeated n-gram
        in a short query is no extra evidence), divided by the best score
        the query could reach."""
        assert self._term_start is not None  # terms come from a non-empty index
        starts = self._term_start[terms]
        lengths = self._term_start[terms + 1] - starts
        # The positions of every entry in the query's columns, without a
        # Python loop: each column's start, repeated over its entries, plus
        # the entry's position in the concatenation minus the column's offset.
        offsets = np.cumsum(lengths) - lengths
        positions = np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))
        # bincount adds in float64: within 3e-7 of the former float32 sparse
        # product, and the same ranking (tests/integration/search/test_finder.py compares it
        # with BM25 written from the definition).
        sums = np.bincount(
            self._term_docs[positions],
            weights=self._term_weights[positions],
            minlength=len(self.ids),
        )
        best = float(self._idf[terms].sum() * (self._k1 + 1))
        return sums.astype(np.float32) / best

    def scores(self, text: str) -> np.ndarray | None:
        """Normalised BM25 of every document, or None when the query has no
        known n-gram (only stop words, nonsense)."""
        terms = self.query_terms(text)
        return None if terms is None else self.term_scores(terms)

    def search(self, text: str, limit: int = 10) -> list[Hit]:
        scores = self.scores(text)
        if scores is None:
            return []
        return [Hit(self.ids[i], float(scores[i])) for i in top_k(scores, limit) if scores[i] > 0]


class DenseIndex:
    """Cosine similarity of a query vector against precomputed service vectors."""

    def __init__(self, ids: list[str], vectors: np.ndarray):
        assert len(ids) == len(vectors)
        self.ids = ids
        self.matrix = np.ascontiguousarray(vectors, dtype=np.float32)

    def __len__(self) -> int:
        return len(self.ids)

    def scores(self, query_vector: np.ndarray) -> np.ndarray:
        return self.matrix @ query_vector.astype(np.float32)


class NameIndex:
    """How much of a service's name the query contains: the idf-weighted
    share of the name's character 3-5-grams that occur in the query (1.0:
    the whole name, also inflected, is in the query: "kirjastoon" contains
    "Kirjasto"). One sparse matrix-vector product per query."""

    def __init__(self, names: list[str]):
        self._vectorizer = CountVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), dtype=np.float32, binary=True
        )
        self._matrix = None
        texts = [normalise_query(n) or "-" for n in names]
        if not names:
            return
        binary = self._vectorizer.fit_transform(texts).tocsr()
        df = np.asarray(binary.sum(axis=0)).ravel()
        idf = np.log1p(len(names) / np.maximum(df, 1)).astype(np.float32)
        self._matrix = binary.multiply(idf).tocsr().astype(np.float32)
        self._totals = np.maximum(np.asarray(self._matrix.sum(axis=1)).ravel(), 1e-9)

    def scores(self, text: str) -> np.ndarray | None:
        query = normalise_query(text)
        if not query or self._matrix is None:
            return None
        present = self._vectorizer.transform([query])
        if not present.nnz:
            return None
        covered = np.asarray(self._matrix @ present.T.toarray().ravel()).ravel()
        return (covered / self._totals).astype(np.float32)
