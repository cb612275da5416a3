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
