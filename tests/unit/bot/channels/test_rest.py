"""Input checks of the REST channel (unit level; the e2e test hits the server)."""

from __future__ import annotations

import json

import pytest

from studybots.bot.channels.rest import MAX_MESSAGE_CHARS, clean_text, parse_request


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
    ],
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
