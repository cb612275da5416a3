"""The student's situation: facts from their words or answers, and what the
facts do to the ranking. Everything comes from the catalogue's situation
tables (services/situations.csv, services/situation_answers.csv): another
life event brings its own questions without code changes.

A fact is `situation id -> answer value` ("asuu_turussa" -> "ei"), or
SKIPPED when the student chose not to answer. Facts live in the
conversation's `situation_facts` slot (see actions/service_actions.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from studybots.catalogue.load import Situation, SituationAnswer
from studybots.core.text import fold
from studybots.search.finder import MAX_RESULTS, Boost, Ranked, ServiceFinder

SKIPPED = "-"
MAX_QUESTIONS = 3


def all_phrases(answer) -> list[str]:
    """The answer's phrases in every language (a student may answer in any)."""
    found = list(answer.phrases)
    for texts in getattr(answer, "translations", {}).values():
        found += [p.strip() for p in texts.get("phrases", "").split(";") if p.strip()]
    return found


def _phrase_pattern(phrase: str) -> re.Pattern:
    # A phrase matches at the beginning of a word; its end may be inflected
    # ("muutan turku" in "muutan turkuun", "ranska" in "ranskalainen").
    return re.compile(r"(?<![\w-])" + re.escape(fold(phrase)))


_patterns: dict[str, re.Pattern] = {}


def _matches(phrase: str, folded_text: str) -> bool:
    pattern = _patterns.get(phrase)
    if pattern is None:
        pattern = _patterns[phrase] = _phrase_pattern(phrase)
    return bool(pattern.search(folded_text))


def facts_from_text(text: str, situations: Mapping[str, Situation]) -> dict[str, str]:
    """What the student's own words say: the first answer row of each
    situation with a matching phrase."""
    if not text or text.startswith("/"):
        return {}
    folded = fold(text)
    facts = {}
    for situation in situations.values():
        for answer in situation.answers:
            if any(_matches(p, folded) for p in all_phrases(answer)):
                facts[situation.id] = answer.value
                break
    return facts


ANSWER_ENTITY = "situation_answer"


def answer_payload(intent: str, situation: str, value: str) -> str:
    """A button that answers a situation question: `/affirm{"situation_answer": "ulkomailta=eu"}`."""
    return f'/{intent}{{"{ANSWER_ENTITY}": "{situation}={value}"}}'


def facts_from_entities(
    entities: Iterable[Mapping], situations: Mapping[str, Situation]
) -> dict[str, str]:
    """The `situation_answer` entity of an answer button ("ulkomailta=eu"),
    or an entity named like a situation (from an NLU entity extractor)."""
    facts = {}
    for entity in entities or ():
        name, value = str(entity.get("entity", "")), str(entity.get("value", ""))
        if name == ANSWER_ENTITY and "=" in value:
            name, value = value.split("=", 1)
        situation = situations.get(name)
        if situation and any(a.value == value for a in situation.answers):
            facts[situation.id] = value
    return facts


def answer_for_intent(situation: Situation, intent: str) -> SituationAnswer | None:
    """The answer a plain yes/no means for this question ("joo", "en")."""
    return next((a for a in situation.answers if a.intent and a.intent == intent), None)


def answer(situation: Situation, value: str) -> SituationAnswer | None:
    return next((a for a in situation.answers if a.value == value), None)


def boosts(
    facts: Mapping[str, str], situations: Mapping[str, Situation], lang: str | None = None
) -> list[Boost]:
    """The ranking effect of the known facts, in the situation table's order
    (an earlier situation's services lead)."""
    out: list[Boost] = []
    for situation in situations.values():
        a = answer(situation, facts.get(situation.id, ""))
        if a is None:
            continue
        out.append(
            Boost(
                reason=a.text("reason", lang) if lang else a.reason,
                services=a.services,
                hide=a.hide,
                phase=a.phase or None,
                life_events=a.life_events,
                needs=situation.needs,
                priority=len(out),
            )
        )
    return out


def next_question(
    situations: Mapping[str, Situation],
    need_id: str | None,
    facts: Mapping[str, str],
    asked: Sequence[str],
    max_questions: int = MAX_QUESTIONS,
) -> Situation | None:
    """The next question worth asking for this need: never one already asked
    or already answered by the student's words, at most `max_questions`."""
    if not need_id or len(asked) >= max_questions:
        return None
    for situation in situations.values():
        if need_id in situation.needs and situation.id not in facts and situation.id not in asked:
            return situation
    return None


def guided_rank(
    finder: ServiceFinder,
    situations: Mapping[str, Situation],
    text: str,
    need_id: str | None,
    facts: Mapping[str, str] | None = None,
    limit: int = MAX_RESULTS,
) -> tuple[list[Ranked], dict[str, str]]:
    """Rank for `text` with the known facts plus what `text` itself says.
    Returns the ranking and the facts it used (the caller keeps them)."""
    merged = {**(facts or {}), **facts_from_text(text, situations)}
    ranked = finder.rank(text, need_id, limit=limit, boosts=boosts(merged, situations))
    return ranked, merged
