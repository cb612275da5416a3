"""Language detection: offline, robust for short chat messages and names that
are the same in every language, and a conversation keeps its language."""

from __future__ import annotations

import pytest

from studybots.bot.nlu.language import train_model
from studybots.catalogue.load import load_catalogue
from studybots.core.language import SWITCH, Detection, choose, detect, neutral_words
from studybots.core.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def model():
    return train_model(load_catalogue(PROJECT_ROOT / "catalogue"))


@pytest.mark.parametrize(
    "text, lang",
    [
        ("mikä on kela", "fi"),
        ("mika on foli", "fi"),  # no accents, a shared name
        ("tarviin kämpän turusta syksyks", "fi"),
        ("mist saa verokortin", "fi"),
        ("kiitos", "fi"),
        ("vad är FPA", "sv"),
        ("var får jag skattekort", "sv"),
        ("hur söker man bostadsbidrag", "sv"),
        ("jag behöver en bostad i åbo", "sv"),
        ("tack", "sv"),
        ("hej", "sv"),
    ],
)
def test_short_messages(model, text, lang):
    assert detect(text, model=model).language == lang


def test_names_alone_say_nothing(model):
    """ "Föli?" or "YTHS" is in every language: no language, so the
    conversation keeps its own."""
    for text in ("Föli?", "kela", "YTHS", "tys", "", "123", "🙂"):
        assert detect(text, model=model) == Detection(None, 0.0), text


def test_neutral_words_are_the_names_languages_share():
    neutral = neutral_words({"fi": ["Föli", "Kela – Kansaneläkelaitos"], "sv": ["Föli", "FPA"]})
    assert neutral == {"foli"}


def test_general_model_knows_english_without_catalogue_phrasings():
    assert detect("where do i get a tax card", languages=("fi", "sv", "en")).language == "en"
    assert detect("i want to die", languages=("fi", "sv", "en")).language == "en"


def test_one_language_catalogue_is_always_that_language():
    assert detect("what is kela", languages=("fi",)) == Detection("fi", 1.0)


def test_a_conversation_keeps_its_language_unless_clearly_switched():
    unsure = Detection("en", SWITCH - 0.1)
    sure = Detection("sv", SWITCH)
    nothing = Detection(None, 0.0)
    assert choose(unsure, "fi", "fi") == "fi"  # "föli card" in a Finnish chat
    assert choose(sure, "fi", "fi") == "sv"  # a clear switch
    assert choose(nothing, "sv", "fi") == "sv"  # "Föli?"
    assert choose(unsure, None, "fi") == "en"  # a first message: the best guess
    assert choose(Detection("en", 0.1), None, "fi") == "fi"  # a wild guess: the default
    assert choose(sure, "fi", "fi", requested="en") == "en"  # the widget's choice wins
    assert choose(sure, "fi", "fi", requested="de") == "sv"  # not a language here
    assert choose(sure, None, "fi", languages=("fi",)) == "fi"  # not switched on
