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


def load_thresholds(bot: str, root: Path = PROJECT_ROOT) -> Thresholds:
    data = yaml.safe_load((root / "bots" / bot / "bot.yml").read_text(encoding="utf-8"))
    t = data["thresholds"]
    return Thresholds(float(t["answer"]), float(t["suggest"]), int(t.get("max_suggestions", 3)))


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
    if top_name == "out_of_scope":
        return TermDecision("out_of_scope")
    if terms and terms[0][1] >= thresholds.suggest:
        # Offer 2-3 guesses: every term above the suggestion threshold, and
        # always the runner-up too, so the student has a real choice.
        likely = [t for t, c in terms if c >= thresholds.suggest]
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


def shows_services(parse_data: dict[str, Any], text: str = "") -> bool:
    """Whether Paavo answers this message with a service list (the rules send
    need intents and an unsure NLU to `action_find_services`); small talk,
    out-of-scope and crisis messages get their own replies."""
    top = (parse_data.get("intent") or {}).get("name") or ""
    return top.startswith(NEED_INTENT_PREFIX) or top == "nlu_fallback"
