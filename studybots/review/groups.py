"""The inbox's questions grouped by meaning.

`inbox.inbox` already merges questions that differ only by case, spacing or
punctuation (`group_key`). `group` puts those items together by what they
mean: their multilingual-e5 sentence vectors (the model the bots' NLU uses,
"query: " side), compared by cosine similarity. Grouping is complete-linkage
within one bot: a question joins a group only when it is at least `threshold`
similar to every question already in it, so that a chain of near neighbours
("asuntoa turusta" -> "uimahalli turussa") does not become one group.

It is deterministic: the items are taken in a fixed order (most asked first,
then bot and text) and each joins the first group, in that order, with the
highest least-similarity; ties go to the earlier group. The same inbox always
gives the same groups, whatever order the log returned its rows in.

e5's similarities are compressed (unrelated Finnish questions are ~0.80-0.90,
paraphrases ~0.93-0.99), hence the high default threshold, set on the inbox
questions of the sample log.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from studybots.core.names import CRISIS
from studybots.review.inbox import InboxItem
from studybots.search.embeddings import phrasing_cache_file, read_vector_cache

__all__ = ["THRESHOLD", "Group", "Embedder", "e5_embedder", "group"]

THRESHOLD = 0.93
# texts -> one L2-normalised row per text
Embed = Callable[[list[str]], np.ndarray]


@dataclass
class Group:
    """Questions of one bot that mean the same; the first is the most asked."""

    bot: str
    items: list[InboxItem] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The group's id: its first question's inbox key (stable as long as
        that question is the group's most asked)."""
        return self.items[0].key

    @property
    def question(self) -> str:
        return self.items[0].question

    @property
    def count(self) -> int:
        return sum(i.count for i in self.items)

    @property
    def crisis(self) -> bool:
        """Some question of it was routed to crisis help by the safety check."""
        return any(i.reasons.get(CRISIS) for i in self.items)

    def _sum(self, name: str) -> Counter:
        total: Counter = Counter()
        for item in self.items:
            total.update(getattr(item, name))
        return total

    @property
    def reasons(self) -> Counter:
        return self._sum("reasons")

    @property
    def languages(self) -> Counter:
        return self._sum("languages")

    def guess_ids(self, n: int = 3) -> list[str]:
        return [g for g, _ in self._sum("guesses").most_common(n)]

    @property
    def first_seen(self) -> str:
        return min((i.first_seen for i in self.items if i.first_seen), default="")

    @property
    def last_seen(self) -> str:
        return max((i.last_seen for i in self.items if i.last_seen), default="")


def _order(item: InboxItem) -> tuple[int, str, str]:
    return (-item.count, item.bot, item.question)


def group(items: Sequence[InboxItem], embed: Embed, threshold: float = THRESHOLD) -> list[Group]:
    """`items` (one per distinct question) in groups of the same meaning,
    most asked group first."""
    ordered = sorted(items, key=_order)
    if not ordered:
        return []
    vectors = np.asarray(embed([i.question for i in ordered]), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.maximum(norms, 1e-9)
    similarity = vectors @ vectors.T
    groups: list[Group] = []
    members: list[list[int]] = []
    for index, item in enumerate(ordered):
        best, best_score = -1, threshold
        for number, (found, inside) in enumerate(zip(groups, members)):
            if found.bot != item.bot:
                continue
            score = float(similarity[index, inside].min())
            if score >= best_score and (best < 0 or score > best_score):
                best, best_score = number, score
        if best < 0:
            groups.append(Group(item.bot, [item]))
            members.append([index])
        else:
            groups[best].items.append(item)
            members[best].append(index)
    return sorted(groups, key=lambda g: (-g.count, g.bot, g.question))


class Embedder:
    """e5 query vectors as the bots' NLU makes them (whitespace collapsed, at
    most 1000 characters), remembered in memory (the most recent `size`
    texts): the inbox page embeds only the questions it has not seen."""

    def __init__(self, size: int = 20000, seed: Path | None = None) -> None:
        self._known: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self._busy = threading.Lock()
        self._seed = seed

    @staticmethod
    def clean(text: str) -> str:
        return " ".join(text.split())[:1000] or "."

    def __call__(self, texts: list[str]) -> np.ndarray:
        from studybots.search.embeddings import DIM, embed_queries

        keys = [self.clean(t) for t in texts]
        if self._seed is not None:
            self._seed_from(self._seed)
        # One batch at a time: a request that needs texts another thread is
        # embedding (the warm-up at start) waits for them instead of doing
        # the same work again.
        with self._busy:
            with self._lock:
                missing = list(dict.fromkeys(k for k in keys if k not in self._known))
            if missing:
                fresh = embed_queries(missing)
                with self._lock:
                    for key, vector in zip(missing, fresh):
                        self._known[key] = vector
                    while len(self._known) > self._size:
                        self._known.popitem(last=False)
        with self._lock:
            cached = [self._known.get(k) for k in keys]
        # A text pushed out meanwhile by another thread's batch: embed it again.
        found = [v if v is not None else embed_queries([k])[0] for v, k in zip(cached, keys)]
        if not found:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.vstack(found).astype(np.float32)

    def _seed_from(self, path: Path) -> None:
        """Once: the vectors training remembered for the catalogue's texts (the
        same e5 query vectors), so that the catalogue's phrasings are not
        embedded again in this process."""
        with self._busy:
            if self._seed is None:
                return
            self._seed = None
            cached = read_vector_cache(path)
            with self._lock:
                self._size = max(self._size, len(cached) + 5000)
                for text, vector in cached.items():
                    self._known.setdefault(self.clean(text), np.asarray(vector, dtype=np.float32))


_shared: Embedder | None = None
_shared_lock = threading.Lock()


def e5_embedder() -> Embedder:
    """One embedder per process (its memory shared by every request)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Embedder(seed=phrasing_cache_file())
        return _shared
