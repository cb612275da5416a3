"""Small talk only on its own short phrasings (point 4 of issue 12)."""

from __future__ import annotations

import pytest
import yaml

from studybots.bot.nlu.smalltalk_guard import SMALL_TALK, is_own_phrasing, within_one_edit
from studybots.core.settings import PROJECT_ROOT
from studybots.core.text import fold


@pytest.fixture(scope="module")
def vocabulary() -> frozenset[str]:
    data = yaml.safe_load((PROJECT_ROOT / "data" / "nlu" / "common.yml").read_text())
    words = set()
    for item in data["nlu"]:
        if item.get("intent") in SMALL_TALK:
            for line in item["examples"].splitlines():
                words.update(fold(line.lstrip("- ")).split())
    return frozenset(words)


def test_within_one_edit():
    assert within_one_edit("ohita", "ohtia") is False  # a swap is two edits
    assert within_one_edit("ohita", "ohitaa")
    assert within_one_edit("kiitos", "kiitso") is False
    assert within_one_edit("kiitos", "kitos")
    assert within_one_edit("selvä", "selva")


@pytest.mark.parametrize(
    "text", ["ei", "en halua", "ohita", "ohitaa", "joo kiitos", "ei kiitos", "nej", "moi"]
)
def test_own_phrasings_stay_small_talk(vocabulary, text):
    assert is_own_phrasing(text, vocabulary, 6)


@pytest.mark.parametrize(
    "text",
    [
        "haluan kuolla",
        "haluan avioeron",
        "jag vill dö",
        "en halua elää enää",
        "ei kiitos mut missä on kirjasto",
        "en jaksa enää tätä kaikkea ja haluan vain nukkua pois",
    ],
)
def test_content_is_never_swallowed(vocabulary, text):
    assert not is_own_phrasing(text, vocabulary, 6)
