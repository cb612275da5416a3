"""Paavo's service cards payload (studybots/bot/channels/cards.py)."""

from __future__ import annotations

import json

import pytest

from studybots.bot.channels import cards

KELA = {
    "name": "Yleinen asumistuki",
    "provider": "Kela",
    "description": "Kela maksaa yleistä asumistukea pienituloisille asumismenoihin. "
    "Elokuusta 2025 alkaen useimmat opiskelijat saavat asumisen tukea opintotuen kautta.",
    "url": "https://www.kela.fi/yleinen-asumistuki",
}


def payload(*services, **extra):
    return cards.build(
        extra.pop("intro", "Nämä palvelut voisivat auttaa:"),
        list(services),
        link_label="Palvelun sivu",
        **extra,
    )


def test_payload_has_a_card_per_service_with_a_readable_link():
    built = payload(
        KELA,
        {
            "name": "TYS:n opiskelija-asunnot",
            "provider": "",
            "description": "",
            "url": "https://tys.fi",
        },
        glossary=[("Kela", "Kela on Kansaneläkelaitos. Se maksaa tukia.")],
        attribution="Palveluiden tiedot: Palvelutietovaranto (CC BY 4.0).",
    )
    assert built == {
        "studybots": "services",
        "intro": "Nämä palvelut voisivat auttaa:",
        "services": [
            {
                "name": "Yleinen asumistuki",
                "provider": "Kela",
                "summary": "Kela maksaa yleistä asumistukea pienituloisille asumismenoihin.",
                "url": "https://www.kela.fi/yleinen-asumistuki",
                "link_label": "Palvelun sivu",
                "lang": "",
                "note": "",
            },
            {
                "name": "TYS:n opiskelija-asunnot",
                "provider": "",
                "summary": "",
                "url": "https://tys.fi",
                "link_label": "Palvelun sivu",
                "lang": "",
                "note": "",
            },
        ],
        "glossary": [{"term": "Kela", "definition": "Kela on Kansaneläkelaitos."}],
        "attribution": "Palveluiden tiedot: Palvelutietovaranto (CC BY 4.0).",
    }
    json.dumps(built)  # goes through every channel as JSON
    assert cards.read(built) == built  # a channel reads it back unchanged
    assert cards.from_message({"text": "x", "custom": built}) == built


def test_plain_text_is_a_complete_answer_without_cards():
    built = payload(KELA, glossary=[("Kela", "Kansaneläkelaitos.")], attribution="Lähde: PTV.")
    assert cards.plain_text(built) == (
        "Nämä palvelut voisivat auttaa:\n"
        "1. Yleinen asumistuki – Kela\n"
        "   Kela maksaa yleistä asumistukea pienituloisille asumismenoihin.\n"
        "   https://www.kela.fi/yleinen-asumistuki\n"
        "\n"
        "Kela = Kansaneläkelaitos.\n"
        "\n"
        "Lähde: PTV."
    )
    assert "Kela: Kansaneläkelaitos." in cards.plain_text(built, "{term}: {definition}")
    assert "\n\n" not in cards.plain_text(payload(KELA))  # no attribution, no glossary


@pytest.mark.parametrize(
    "description, expected",
    [
        ("Lyhyt kuvaus.", "Lyhyt kuvaus."),
        ("Ensimmäinen lause. Toinen lause.", "Ensimmäinen lause."),
        ("Kysy neuvoa! Soita meille.", "Kysy neuvoa!"),
        # An abbreviation or a date does not end the sentence.
        ("Haku esim. Kelan kautta alkaa. Toinen.", "Haku esim. Kelan kautta alkaa."),
        ("Voimassa 1.8.2025 alkaen. Toinen.", "Voimassa 1.8.2025 alkaen."),
        ("Palvelu t.ex. för studerande. Mer.", "Palvelu t.ex. för studerande."),
        ("Tukea saa vuonna 2025. Hae ajoissa.", "Tukea saa vuonna 2025."),
        ("  rivit\n\tja   välit  ", "rivit ja välit"),
        ("", ""),
        (None, ""),
        (42, ""),
    ],
)
def test_summary_is_the_first_sentence(description, expected):
    assert cards.summary(description) == expected


def test_a_long_sentence_is_cut_at_a_word_boundary_never_inside_a_word():
    words = "opiskelija-asuntoja vuokrataan Turussa opiskeleville, ja hakemukseen liitetään"
    description = " ".join([words] * 6) + "."
    cut = cards.summary(description, 100)
    assert len(cut) <= 100 and cut.endswith("…")
    body = cut[:-1]
    assert description.startswith(body)
    assert description[len(body)] in " ,"  # the next character ends a word
    assert not body.endswith((",", " "))
    # The last whole word, however early; only one very long word (an address,
    # a code) is cut inside it: nothing better to do.
    assert cards.summary("Katso osoite " + "x" * 300, 100) == "Katso osoite…"
    assert len(cards.summary("x" * 500, 100)) == 100


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "//evil.example/x",
        "/relative/path",
        "https://",
        "https://exa mple.fi",
        "https://example.fi/\nx",
        "https://example.fi/\u202eevil",
        "mailto:a@b.fi",
        "tel:+358401234567",
        "https://example.fi/" + "a" * 3000,
        None,
        42,
        ["https://kela.fi"],
    ],
)
def test_only_absolute_http_addresses_become_links(url):
    assert cards.safe_url(url) == ""
    built = payload(dict(KELA, url=url))
    assert built["services"][0]["url"] == "" and built["services"][0]["link_label"] == ""
    assert "https://" not in cards.plain_text(built)


@pytest.mark.parametrize("url", ["https://www.kela.fi/a?b=1#c", "http://tys.fi", "HTTPS://KELA.FI"])
def test_http_addresses_are_kept(url):
    assert cards.safe_url(url) == url


def test_hostile_text_stays_text_and_is_cleaned():
    hostile = {
        "name": '<img src=x onerror="alert(1)"> Kela\u202e\x00',
        "provider": "<script>alert(2)</script>",
        "description": "[klikkaa](javascript:alert(3)) <b>lihava</b>",
        "url": "javascript:alert(4)",
    }
    card = payload(hostile)["services"][0]
    # Escaping is each channel's job: the text is kept as it is, without controls.
    assert card["name"] == '<img src=x onerror="alert(1)"> Kela'
    assert card["provider"] == "<script>alert(2)</script>"
    assert card["summary"] == "[klikkaa](javascript:alert(3)) <b>lihava</b>"
    assert card["url"] == ""


@pytest.mark.parametrize(
    "custom",
    [
        None,
        "services",
        [],
        {},
        {"studybots": "other", "services": [KELA]},
        {"services": [KELA]},
        {"studybots": "services"},
        {"studybots": "services", "services": "Kela"},
        {"studybots": "services", "services": [None, 5, "x", {"name": ""}, {"name": 7}]},
    ],
)
def test_anything_else_is_not_a_services_payload(custom):
    assert cards.read(custom) is None
    assert cards.from_message({"text": "x", "custom": custom}) is None


def test_read_cleans_a_payload_of_the_wrong_shape():
    custom = {
        "studybots": "services",
        "intro": ["not", "text"],
        "services": [
            {"name": "A" * 1000, "provider": {"x": 1}, "summary": 5, "url": "https://a.fi"},
            *[{"name": f"S{i}", "url": "https://b.fi", "link_label": "L" * 100} for i in range(50)],
        ],
        "glossary": [{"term": "Kela", "definition": "Kansaneläkelaitos."}, "x", ("a",), None] * 5,
        "attribution": 7,
        "extra": "<dropped>",
    }
    read = cards.read(custom)
    assert read is not None and set(read) == {
        "studybots",
        "intro",
        "services",
        "glossary",
        "attribution",
    }
    assert read["intro"] == "" and read["attribution"] == ""
    assert len(read["services"]) == cards.MAX_SERVICES
    first = read["services"][0]
    assert len(first["name"]) <= cards.NAME_CHARS and first["name"].endswith("…")
    assert first["provider"] == "" and first["summary"] == ""
    # A link without a label of its own: the channel's label (the widget's fallback).
    assert first["link_label"] == ""
    assert len(read["services"][1]["link_label"]) <= cards.LABEL_CHARS
    assert len(read["glossary"]) == cards.MAX_GLOSSARY
    assert all(isinstance(v, str) for s in read["services"] for v in s.values())


def test_a_card_in_another_language_says_so():
    payload = cards.build(
        "Tjänster som kan hjälpa:",
        [
            {
                "name": "Adoptioneuvonta",
                "description": "Adoptioneuvonnassa autetaan hakijoita.",
                "url": "https://www.suomi.fi/palvelut/x",
                "lang": "fi",
                "note": "Beskrivningen finns bara på finska.",
            },
            {"name": "X", "url": "https://x.example", "lang": "<b>", "note": "<b>" * 100},
        ],
        link_label="Tjänstens sida",
    )
    first, second = payload["services"]
    assert (first["lang"], first["note"]) == ("fi", "Beskrivningen finns bara på finska.")
    assert second["lang"] == "" and len(second["note"]) <= cards.NOTE_CHARS
    assert "   Beskrivningen finns bara på finska." in cards.plain_text(payload)
    assert cards.read(payload) == payload  # a channel reads it back the same
