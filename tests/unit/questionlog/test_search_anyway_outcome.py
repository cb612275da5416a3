"""Off-topic messages go through Paavo's search (issue 15); the log still
records a declined one as off-topic and one that got services as services."""

from __future__ import annotations

from studybots.bot.decide import Thresholds
from studybots.questionlog.broker import Turn, outcome_of

THRESHOLDS = Thresholds(0.3, 0.08)


def _turn(intent: str, links: bool) -> Turn:
    return Turn(
        time=0.0,
        channel="rest",
        text="mikä on hätänumero",
        parse_data={"intent": {"name": intent, "confidence": 0.8}},
        actions=["action_find_services"],
        links=links,
    )


def test_declined_off_topic_stays_off_topic_and_a_strong_match_is_services():
    assert outcome_of(_turn("out_of_scope", False), THRESHOLDS) == ("out_of_scope", "")
    assert outcome_of(_turn("what_can_you_do", False), THRESHOLDS) == (
        "smalltalk",
        "what_can_you_do",
    )
    assert outcome_of(_turn("out_of_scope", True), THRESHOLDS)[0] == "services"
