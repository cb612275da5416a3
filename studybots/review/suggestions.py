"""Suggested phrasings for the inbox, each confirmed with one click.

Two kinds:

- `frequent`: a pending group of the inbox (groups.py) asked at least
  FREQUENT times, not marked by the safety check: its questions become
  phrasings of the one of the bot's guesses that its most asked question
  resembles most (at least FLOOR; the NLU's first guess of a question it did
  not understand is often a poor one).
- `resembles`: a question the bot answered confidently (at least its answer
  threshold) that resembles one of the NLU's other candidates almost as much
  as the term or need it was answered with, or more. Resemblance is the e5
  cosine similarity of the question to the nearest phrasing of each; the
  answered one must lead every other candidate by at least MARGIN. Such a
  question is worth a phrasing: of the answered term, when the answer was
  right (the editor confirms it), or of the other one. Questions that already
  are phrasings of the bot, and questions an editor has decided on
  (review_status), are not suggested.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from studybots.bot.decide import load_thresholds
from studybots.catalogue.tables import TableReadError, read_table
from studybots.core.controls import strip_controls
from studybots.core.names import ANSWERED
from studybots.questionlog.model import ensure_schema, make_log_engine, message_log, review_status
from studybots.review.editing import PHRASING_TABLES
from studybots.review.groups import Embed, Group
from studybots.review.inbox import GUESS_PREFIXES, TargetNames, group_key, item_key

__all__ = [
    "FLOOR",
    "FREQUENT",
    "MARGIN",
    "Resemblance",
    "Suggestion",
    "frequent",
    "phrasings",
    "resembling",
]

FREQUENT = 5
# A frequent group is suggested for a guess it resembles at least this much
# (in e5 an unrelated term's nearest phrasing is ~0.80-0.89, the right one 0.95+).
FLOOR = 0.92
MARGIN = 0.02
MAX_QUESTIONS = 200  # the most asked confident questions looked at per page


@dataclass
class Suggestion:
    kind: str  # frequent | resembles
    bot: str
    key: str  # the group's key (frequent) or the question's item_key (resembles)
    questions: list[str]
    count: int
    target: str  # the term or need to add the phrasings to
    other: str = ""  # resembles: the candidate it resembles
    lead: float = 0.0  # resembles: similarity to target minus to other
    lang: str = ""
    keys: list[str] = field(default_factory=list)  # the inbox keys it decides


class Resemblance:
    """How much a question resembles a term or need: the e5 cosine similarity
    to its nearest phrasing. The phrasings' vectors are made once per target."""

    def __init__(self, catalogue_dir: Path, embed: Embed) -> None:
        self.phrasings = phrasings(catalogue_dir)
        self._embed = embed
        self._vectors: dict[tuple[str, str], np.ndarray] = {}

    def __call__(self, bot: str, target: str, vector: np.ndarray) -> float:
        if (bot, target) not in self._vectors:
            texts = self.phrasings.get(bot, {}).get(target, [])
            self._vectors[(bot, target)] = (
                np.asarray(self._embed(texts), dtype=np.float32)
                if texts
                else np.zeros((0, len(vector)), dtype=np.float32)
            )
        matrix = self._vectors[(bot, target)]
        return float((matrix @ vector).max()) if len(matrix) else -1.0

    def vectors(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._embed(texts), dtype=np.float32)


def frequent(
    groups: Sequence[Group], names: TargetNames, resemblance: Resemblance
) -> list[Suggestion]:
    """Groups asked at least FREQUENT times, each to the one of the bot's
    guesses its most asked question resembles most, if that is at least
    FLOOR (the NLU's top guess of a question it did not understand is often
    not the right one)."""
    chosen = [g for g in groups if g.count >= FREQUENT and not g.crisis]
    if not chosen:
        return []
    vectors = resemblance.vectors([g.question for g in chosen])
    found = []
    for g, vector in zip(chosen, vectors):
        known = names.get(g.bot, {})
        scored = sorted(
            ((resemblance(g.bot, x, vector), x) for x in g.guess_ids() if x in known),
            key=lambda pair: (-pair[0], pair[1]),
        )
        if scored and scored[0][0] >= FLOOR:
            found.append(
                Suggestion(
                    "frequent",
                    g.bot,
                    g.key,
                    [i.question for i in g.items],
                    g.count,
                    scored[0][1],
                    keys=[i.key for i in g.items],
                )
            )
    return found


def phrasings(catalogue_dir: Path) -> dict[str, dict[str, list[str]]]:
    """bot -> term or need id -> its phrasings (every language)."""
    found: dict[str, dict[str, list[str]]] = {}
    for bot, (rel, header) in PHRASING_TABLES.items():
        try:
            rows = read_table(catalogue_dir / rel).rows
        except TableReadError:
            rows = []
        by_id: dict[str, list[str]] = {}
        for r in rows:
            if r.cells.get(header[0]) and r.cells.get("text"):
                by_id.setdefault(r.cells[header[0]], []).append(r.cells["text"])
        found[bot] = by_id
    return found


@dataclass
class _Asked:
    bot: str
    question: str
    answered: str
    count: int = 0
    candidates: set[str] = field(default_factory=set)
    languages: dict[str, int] = field(default_factory=dict)


def _confident(url: str, names: TargetNames) -> list[_Asked]:
    engine = make_log_engine(url)
    try:
        ensure_schema(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(
                    message_log.c.bot,
                    message_log.c.text,
                    message_log.c.intent,
                    message_log.c.confidence,
                    message_log.c.candidates,
                    message_log.c.answer_ref,
                    message_log.c.feedback,
                    message_log.c.lang,
                )
                .where(message_log.c.outcome.in_(ANSWERED))
                .order_by(message_log.c.id)
            ).all()
            decided = set(connection.execute(sa.select(review_status.c.key)).scalars())
    finally:
        engine.dispose()
    thresholds = {b: load_thresholds(b).answer for b in {r.bot for r in rows}}
    asked: dict[tuple[str, str], _Asked] = {}
    for r in rows:
        known = names.get(r.bot, {})
        text = strip_controls(r.text or "")
        if (
            (r.confidence or 0.0) < thresholds[r.bot]
            or r.feedback == "down"  # in the inbox already
            or not group_key(text)
            or text.startswith("/")
        ):
            continue
        answered = r.answer_ref if r.answer_ref in known else ""
        intent = r.intent or ""
        for prefix in GUESS_PREFIXES:
            if not answered and intent.startswith(prefix) and intent[len(prefix) :] in known:
                answered = intent[len(prefix) :]
        if not answered or item_key(r.bot, text) in decided:
            continue
        item = asked.setdefault((r.bot, group_key(text)), _Asked(r.bot, text, answered))
        item.count += 1
        if r.lang:
            item.languages[r.lang] = item.languages.get(r.lang, 0) + 1
        for candidate in json.loads(r.candidates or "[]"):
            name = candidate.get("name") or ""
            for prefix in GUESS_PREFIXES:
                other = name[len(prefix) :]
                if name.startswith(prefix) and other in known and other != answered:
                    item.candidates.add(other)
    return sorted(asked.values(), key=lambda a: (-a.count, a.bot, a.question))


def resembling(
    url: str,
    names: TargetNames,
    resemblance: Resemblance,
    margin: float = MARGIN,
    limit: int = MAX_QUESTIONS,
) -> list[Suggestion]:
    existing = {
        (bot, group_key(t))
        for bot, by_id in resemblance.phrasings.items()
        for ts in by_id.values()
        for t in ts
    }
    asked = [
        a
        for a in _confident(url, names)
        if a.candidates and (a.bot, group_key(a.question)) not in existing
    ][:limit]
    if not asked:
        return []
    vectors = resemblance.vectors([a.question for a in asked])
    found = []
    for a, vector in zip(asked, vectors):
        own = resemblance(a.bot, a.answered, vector)
        best, other = min((-resemblance(a.bot, c, vector), c) for c in a.candidates)
        best = -best
        if own - best < margin:
            lang = max(sorted(a.languages), key=lambda k: a.languages[k]) if a.languages else ""
            key = item_key(a.bot, a.question)
            found.append(
                Suggestion(
                    "resembles",
                    a.bot,
                    key,
                    [a.question],
                    a.count,
                    a.answered,
                    other,
                    round(own - best, 3),
                    lang,
                    [key],
                )
            )
    return found
