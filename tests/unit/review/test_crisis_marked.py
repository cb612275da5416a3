"""A message routed to help gets its own outcome in the question log and is
marked in the editors' inbox."""

from __future__ import annotations

from studybots.questionlog.broker import Turn, outcome_of
from studybots.review.inbox import reasons_for


def test_crisis_outcome_keeps_only_the_category():
    turn = Turn(
        time=0.0,
        channel="rest",
        text="haluan kuolla",
        parse_data={
            "intent": {"name": "crisis", "confidence": 1.0},
            "safety": {"category": "itsetuhoisuus", "lang": "fi", "by": "pattern", "score": 1.0},
        },
        actions=["action_crisis_reply"],
    )
    assert outcome_of(turn, None) == ("crisis", "itsetuhoisuus")


def test_crisis_questions_are_marked_in_the_inbox():
    row = {"outcome": "crisis", "confidence": 1.0, "feedback": None}
    assert reasons_for(row, 0.25) == ["crisis"]
