"""The editors' high-precision patterns (catalogue/safety/patterns.csv): a
match always routes the message to help, whatever any classifier says."""

from __future__ import annotations

import re
from dataclasses import dataclass

from studybots.safety.text import fold


@dataclass(frozen=True)
class PatternMatch:
    category: str
    pattern: str


class Patterns:
    def __init__(self, patterns, priorities: dict[str, int]):
        """`patterns`: rows with category and pattern; `priorities`: category ->
        priority (1 = most urgent), which decides between several matches."""
        self._compiled = [(p.category, p.pattern, re.compile(p.pattern)) for p in patterns]
        self._priorities = priorities

    def match(self, text: str) -> PatternMatch | None:
        folded = fold(text)
        found = [(c, p) for c, p, rx in self._compiled if rx.search(folded)]
        if not found:
            return None
        category, pattern = min(found, key=lambda item: self._priorities.get(item[0], 99))
        return PatternMatch(category, pattern)
