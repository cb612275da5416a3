"""What a bot does with an NLU result: pure functions, shared by the custom
actions and by the evaluation harness so that `make eval` measures exactly
what the running bots do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from studybots.core.names import NEED_INTENT_PREFIX, TERM_INTENT_PREFIX
from studybots.core.settings import PROJECT_ROOT


@dataclass(frozen=True)
class Thresholds:
    answer: float  # top intent at least this sure -> answer it
    suggest: float  # candidates at least this sure -> offer them as buttons
    max_suggestions: int = 3
    # for a near-miss request (a known term's missing detail, or an action):
    # terms at least this sure are offered even when out_of_scope ranks first
    near_miss_suggest: float | None = None  # None: the same as `suggest`


def load_thresholds(bot: str, root: Path = PROJECT_ROOT) -> Thresholds:
    data = yaml.safe_load((root / "bots" / bot / "bot.yml").read_text(encoding="utf-8"))
    t = data["thresholds"]
    near = t.get("near_miss_suggest")
    return Thresholds(
        float(t["answer"]),
        float(t["suggest"]),
        int(t.get("max_suggestions", 3)),
        None if near is None else float(near),
    )


NEAR_MISS_KINDS = ("detail", "action")


def is_near_miss(parse_data: dict[str, Any]) -> bool:
    """The near-miss classifier (request_kind) found a missing detail or an action."""
    return (parse_data.get("request_kind") or {}).get("kind") in NEAR_MISS_KINDS


def _ranking(parse_data: dict[str, Any]) -> list[tuple[str, float]]:
    ranking = parse_data.get("intent_ranking") or []
    if not ranking and parse_data.get("intent"):
        ranking = [parse_data["intent"]]
    return [(r.get("name") or "", float(r.get("confidence") or 0.0)) for r in ranking]


@dataclass(frozen=True)
class TermDecision:
    kind: str  # answer | suggest | out_of_scope
    term_id: str | None = None
    suggestions: tuple[str, ...] = field(default_factory=tuple)


def decide_term(parse_data: dict[str, Any], thresholds: Thresholds) -> TermDecision:
    ranking = _ranking(parse_data)
    top_name = ranking[0][0] if ranking else ""
    terms = [
        (n[len(TERM_INTENT_PREFIX) :], c) for n, c in ranking if n.startswith(TERM_INTENT_PREFIX)
    ]
    if top_name.startswith(TERM_INTENT_PREFIX) and terms and terms[0][1] >= thresholds.answer:
        return TermDecision("answer", terms[0][0])
    suggest = thresholds.suggest
    if is_near_miss(parse_data):
        # "kuka on TYY:n puheenjohtaja" reads like off-topic trivia to the term
        # classifier, but it names a known term: the bot says it cannot give
        # that and offers the likely terms, whatever ranks first.
        if thresholds.near_miss_suggest is not None:
            suggest = thresholds.near_miss_suggest
    elif top_name == "out_of_scope":
        return TermDecision("out_of_scope")
    if terms and terms[0][1] >= suggest:
        # Offer 2-3 guesses: every term above the suggestion threshold, and
        # always the runner-up too, so the student has a real choice.
        likely = [t for t, c in terms if c >= suggest]
        count = min(thresholds.max_suggestions, max(2, len(likely)))
        return TermDecision("suggest", suggestions=tuple(t for t, _ in terms[:count]))
    return TermDecision("out_of_scope")


@dataclass(frozen=True)
class NeedDecision:
    need_id: str | None
    confidence: float
    alternatives: tuple[str, ...] = field(default_factory=tuple)


def decide_need(parse_data: dict[str, Any], thresholds: Thresholds) -> NeedDecision:
    ranking = _ranking(parse_data)
    needs = [
        (n[len(NEED_INTENT_PREFIX) :], c) for n, c in ranking if n.startswith(NEED_INTENT_PREFIX)
    ]
    top_name = ranking[0][0] if ranking else ""
    if needs and top_name.startswith(NEED_INTENT_PREFIX) and needs[0][1] >= thresholds.answer:
        return NeedDecision(needs[0][0], needs[0][1])
    alternatives = tuple(n for n, c in needs if c >= thresholds.suggest)
    return NeedDecision(
        None, needs[0][1] if needs else 0.0, alternatives[: thresholds.max_suggestions]
    )


# Messages the NLU calls off-topic or "what can you do" that still match a
# service this strongly (the search's best fused score) get services: "mikä
# on hätänumero" is not off-topic. Chosen on the tune half of
# tests/eval/paavo_general_dev.csv; off-topic rejection stayed 93.3 %.
SEARCH_ANYWAY = ("out_of_scope", "what_can_you_do")
STRONG_MATCH = 0.40


def shows_services(parse_data: dict[str, Any], strength: float = 0.0) -> bool:
    """Whether Paavo answers this message with a service list: need intents
    and an unsure NLU always search; an off-topic or "what can you do"
    message only when the search's best match is at least STRONG_MATCH
    (`strength`, ServiceFinder.strength); small talk and crisis never."""
    top = (parse_data.get("intent") or {}).get("name") or ""
    if top.startswith(NEED_INTENT_PREFIX) or top == "nlu_fallback":
        return True
    return top in SEARCH_ANYWAY and strength >= STRONG_MATCH


def searches_anyway(parse_data: dict[str, Any]) -> bool:
    """An intent for which `shows_services` needs the search's strength."""
    return ((parse_data.get("intent") or {}).get("name") or "") in SEARCH_ANYWAY
