"""The crisis reply composed from the catalogue: language, order, links."""

from __future__ import annotations

import re

import pytest

from studybots.safety.reply import compose, tel_uri


def test_tel_uri_is_international_for_finnish_numbers_and_keeps_service_numbers():
    assert tel_uri("09 2525 0111") == "tel:+358925250111"
    assert tel_uri("0800 147 111") == "tel:+358800147111"
    assert tel_uri("112") == "tel:112"
    assert tel_uri("116 006") == "tel:116006"


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_category_has_a_reply_with_the_most_urgent_number_first(catalogue, lang):
    safety = catalogue.safety
    for category in safety.categories.values():
        text = compose(safety, category.id, lang)
        assert "{contacts}" not in text
        numbers = re.findall(r"\]\(tel:(\+?\d+)\)", text)
        first = next(safety.contacts[c] for c in category.contacts if safety.contacts[c].phone)
        assert numbers and numbers[0] == tel_uri(first.phone)[4:]
        assert "Selvä" not in text and "Tarkoititko" not in text
        assert len(text) < 1200  # short


def test_reply_language_and_language_specific_contacts(catalogue):
    safety = catalogue.safety
    fi = compose(safety, "itsetuhoisuus", "fi")
    sv = compose(safety, "itsetuhoisuus", "sv")
    en = compose(safety, "itsetuhoisuus", "en")
    assert fi.startswith("Kiitos, että kerroit") and "09 2525 0112" not in fi
    assert sv.startswith("Tack för att du berättar") and "09 2525 0112" in sv
    assert en.startswith("Thank you for telling me") and "09 2525 0116" in en
    assert "09 2525 0116" not in sv


def test_plain_text_reply_for_slack_has_the_numbers_without_links(catalogue):
    text = compose(catalogue.safety, "myrkytys", "fi", links=False)
    assert "0800 147 111" in text and "tel:" not in text and "](" not in text
