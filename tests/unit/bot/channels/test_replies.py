"""What the channels say themselves, in the student's language."""

from __future__ import annotations

import pytest

from studybots.bot.channels import limits, replies
from studybots.core.language import LANGUAGES


def test_every_reply_exists_in_every_language_and_differs():
    for code, texts in replies.REPLIES.items():
        assert set(texts) == set(LANGUAGES), code
        assert len(set(texts.values())) == len(texts), code


@pytest.mark.parametrize(
    ("metadata", "lang"),
    [
        ({"language": "sv"}, "sv"),
        ({"language": "en"}, "en"),
        ({"language": "de"}, "fi"),  # not one of ours: the default
        ({"language": ["sv"]}, "fi"),
        ({}, "fi"),
        (None, "fi"),
    ],
)
def test_the_widget_chooses_the_language_of_the_channel_replies(metadata, lang):
    assert replies.requested(metadata) == lang


def test_the_rate_limit_reply_names_the_wait_in_each_language():
    decision = limits.Decision(False, "sender", 12.2)
    assert "13 s" in decision.message("sv") and "Vänta" in decision.message("sv")
    assert decision.message("en") == decision.message_en and "wait" in decision.message_en
    assert decision.message() == decision.message_fi and "Odota" in decision.message_fi


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ({"text": "Hej", "metadata": {"language": "sv"}}, "sv"),
        ({"text": "Hei", "metadata": {"language": "xx"}}, None),
        ({"text": "Hei", "metadata": "sv"}, None),
        ({"text": "Hei"}, None),
    ],
)
def test_a_bot_message_names_its_language_only_when_its_response_does(message, lang):
    assert replies.language_of(message) == lang
