"""Input checks of the REST channel (unit level; the e2e test hits the server)."""

from __future__ import annotations

import asyncio
import json

import pytest

from studybots.bot.channels import cards
from studybots.bot.channels.rest import (
    MAX_MESSAGE_CHARS,
    CardsCollectingOutputChannel,
    clean_text,
    parse_request,
)


def body(obj) -> bytes:
    return json.dumps(obj).encode()


def test_valid_request_is_cleaned():
    parsed, failure = parse_request(
        body({"sender": " s1 ", "message": " hei\x00 ", "metadata": [1]})
    )
    assert failure is None
    assert parsed == {"sender": "s1", "message": "hei", "metadata": None}


@pytest.mark.parametrize(
    "raw,status,code",
    [
        (b"\xff\xfe{", 400, "invalid_encoding"),
        (b"{not json", 400, "invalid_json"),
        (body([1, 2]), 400, "invalid_body"),
        (body({"sender": 5, "message": "hei"}), 400, "invalid_sender"),
        (body({"sender": "", "message": "hei"}), 400, "invalid_sender"),
        (body({"sender": "a", "message": ["hei"]}), 400, "invalid_message"),
        (body({"sender": "a", "message": {"text": "hei"}}), 400, "invalid_message"),
        (body({"sender": "a", "message": "x" * (MAX_MESSAGE_CHARS + 1)}), 413, "message_too_long"),
        (b" " * 70000, 413, "body_too_large"),
        # Pathological JSON: before, a 1000-level body raised RecursionError (HTTP 500).
        (b"[" * 1000 + b"]" * 1000, 400, "too_deeply_nested"),
        (b"[" * 60_000, 400, "too_deeply_nested"),
        (
            b'{"sender": "a", "message": "hei", "metadata": '
            + b'{"a": ' * 40
            + b"1"
            + b"}" * 40
            + b"}",
            400,
            "too_deeply_nested",
        ),
        (b'{"sender": "a", "message": "hei", "metadata": {"x": NaN}}', 400, "invalid_json"),
        (b'{"sender": "a", "message": "hei", "n": ' + b"9" * 5000 + b"}", 400, "invalid_json"),
        (
            b'{"sender": "a", "message": "hei", "metadata": {"x": "\\ud800"}}',
            400,
            "invalid_encoding",
        ),
    ],
    ids=lambda v: v[:24].decode("latin-1") if isinstance(v, bytes) else str(v),
)
def test_bad_requests_get_a_clear_4xx(raw, status, code):
    parsed, failure = parse_request(raw)
    assert parsed is None
    assert failure.status == status
    payload = json.loads(failure.body)
    assert payload["error"] == code and payload["message"] and payload["message_en"]


def test_missing_message_is_treated_as_empty():
    parsed, failure = parse_request(body({"sender": "a"}))
    assert failure is None and parsed["message"] == ""


def test_clean_text_keeps_finnish_and_emoji():
    assert clean_text("Äiti 😀\n\ttäällä\x07") == "Äiti 😀\n\ttäällä"


@pytest.mark.parametrize(
    "control",
    [
        "\u202a",
        "\u202b",
        "\u202c",
        "\u202d",
        "\u202e",
        "\u2066",
        "\u2067",
        "\u2068",
        "\u2069",
        "\u200e",
        "\u200f",
        "\u061c",
    ],
)
def test_bidirectional_controls_never_reach_the_bot(control):
    # "Trojan Source": an editor would see "mikä on kela" reordered.
    parsed, failure = parse_request(
        body({"sender": f"s{control}1", "message": f"mikä on {control}alek{control} kela"})
    )
    assert failure is None
    assert parsed["message"] == "mikä on alek kela" and parsed["sender"] == "s1"


def test_a_request_nested_just_within_the_limit_is_read():
    metadata: dict = {}
    inner = metadata
    for _ in range(30):
        inner["a"] = {}
        inner = inner["a"]
    parsed, failure = parse_request(body({"sender": "a", "message": "hei", "metadata": metadata}))
    assert failure is None and parsed["metadata"] == metadata
    # Brackets inside strings are text, not nesting.
    parsed, failure = parse_request(body({"sender": "a", "message": "[" * 1500}))
    assert failure is None and parsed["message"] == "[" * 1500


def test_a_cards_reply_is_one_rest_message_with_text_buttons_and_cards():
    payload = cards.build(
        "Nämä palvelut voisivat auttaa:",
        [{"name": "Kela", "provider": "", "description": "Tukia.", "url": "https://kela.fi"}],
        link_label="Palvelun sivu",
        attribution="Lähde.",
    )
    text = cards.plain_text(payload)
    assert "\n\n" in text  # Rasa's collector would split a plain text here
    buttons = [{"title": "👍", "payload": "/feedback_up"}]
    collector = CardsCollectingOutputChannel()
    message = {"text": text, "buttons": buttons, "custom": payload, "image": None}
    asyncio.run(collector.send_response("s1", message))
    assert collector.messages == [
        {"recipient_id": "s1", "text": text, "buttons": buttons, "custom": payload}
    ]
    # Other replies as Rasa collects them.
    asyncio.run(collector.send_response("s1", {"text": "a\n\nb", "custom": {"x": 1}}))
    assert [m.get("text") or m.get("custom") for m in collector.messages[1:]] == [
        "a",
        "b",
        {"x": 1},
    ]
