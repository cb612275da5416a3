"""Small talk only on its own short phrasings (point 4 of issue 12)."""

from __future__ import annotations

import pytest
import yaml

from studybots.bot.nlu.smalltalk_guard import (
    SMALL_TALK,
    Phrasing,
    is_own_phrasing,
    phrasings_of,
    within_one_edit,
)
from studybots.core.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def phrasings() -> frozenset[Phrasing]:
    data = yaml.safe_load((PROJECT_ROOT / "data" / "nlu" / "common.yml").read_text())
    return phrasings_of(
        [
            line.lstrip("- ")
            for item in data["nlu"]
            if item.get("intent") in SMALL_TALK
            for line in item["examples"].splitlines()
        ]
    )


def test_within_one_edit():
    assert within_one_edit("ohita", "ohtia") is False  # a swap is two edits
    assert within_one_edit("ohita", "ohitaa")
    assert within_one_edit("kiitos", "kiitso") is False
    assert within_one_edit("kiitos", "kitos")
    assert within_one_edit("selvä", "selva")


@pytest.mark.parametrize(
    "text",
    [
        "ei",
        "en halua",
        "ohita",
        "ohitaa",
        "joo kiitos",
        "ei kiitos",
        "nej",
        "moi",
        "Ei kiitos!",
        "ok kiitos moi",  # several phrasings in a row
        "kitos",  # a one-letter typo of a word of 4+ letters
    ],
)
def test_own_phrasings_stay_small_talk(phrasings, text):
    assert is_own_phrasing(text, phrasings, 6)


@pytest.mark.parametrize(
    "text",
    [
        "haluan kuolla",
        "haluan avioeron",
        "jag vill dö",
        "en halua elää enää",
        "ei kiitos mut missä on kirjasto",
        "en jaksa enää tätä kaikkea ja haluan vain nukkua pois",
        # every word is in some small-talk example ("en kerro", "en viitsi
        # vastata"), but the message is none of them
        "kerro vitsi",
        "en kerro vitsiä",
        "seuraava bussi",
        "ei hengitä",
    ],
)
def test_content_is_never_swallowed(phrasings, text):
    assert not is_own_phrasing(text, phrasings, 6)


def test_at_most_max_words(phrasings):
    assert is_own_phrasing("ei kiitos ei kiitos", phrasings, 4)
    assert not is_own_phrasing("ei kiitos ei kiitos ei", phrasings, 4)


def _classified(text: str, ranking: list[tuple[str, float]]):
    from rasa.shared.nlu.training_data.message import Message

    items = [{"name": n, "confidence": c} for n, c in ranking]
    return Message(data={"text": text, "intent": items[0], "intent_ranking": items})


def _guard(phrasings):
    from studybots.bot.nlu.smalltalk_guard import SmallTalkGuard

    return SmallTalkGuard(SmallTalkGuard.get_default_config(), None, None, phrasings)  # type: ignore[arg-type]


def test_the_best_other_intent_takes_over_from_rejected_small_talk(phrasings):
    """'kerro vitsi' classified as skip: off-topic, so both bots say they cannot
    help, rather than 'Selvä' (or Paavo listing services for it)."""
    message = _classified("kerro vitsi", [("skip", 0.62), ("out_of_scope", 0.2), ("greet", 0.1)])
    _guard(phrasings).process([message])
    assert message.get("intent")["name"] == "out_of_scope"
    assert [r["name"] for r in message.get("intent_ranking")] == ["out_of_scope"]


def test_unsure_after_small_talk_is_rejected_means_fallback(phrasings):
    message = _classified("haluan avioeron", [("deny", 0.7), ("termi_x", 0.1), ("affirm", 0.1)])
    _guard(phrasings).process([message])
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 0.7}
    assert [r["name"] for r in message.get("intent_ranking")] == ["nlu_fallback", "termi_x"]


def test_own_phrasings_keep_their_intent(phrasings):
    message = _classified("ei kiitos", [("deny", 0.9), ("out_of_scope", 0.05)])
    _guard(phrasings).process([message])
    assert message.get("intent")["name"] == "deny"
