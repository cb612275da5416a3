"""The channels' JSON parser: pathological JSON is refused, never a RecursionError."""

from __future__ import annotations

import json

import pytest

from studybots.bot.channels.safe_json import MAX_DEPTH, InvalidJSON, SocketIOJson, depth, loads


def nested(levels: int, open_: str = "[", close: str = "]") -> str:
    return open_ * levels + close * levels


def test_depth_counts_arrays_and_objects_but_not_brackets_in_strings():
    assert depth("1") == 0 and depth("[]") == 1 and depth('{"a": [1, {"b": []}]}') == 4
    assert depth('["[[[[", "\\"[[[", "}}}"]') == 1


@pytest.mark.parametrize(
    "text, code",
    [
        (nested(1000), "too_deep"),
        (nested(MAX_DEPTH + 1), "too_deep"),
        ('{"a":' * 5000, "too_deep"),
        ("[" * 200_000, "too_deep"),
        ("[NaN]", "invalid_json"),
        ('{"x": -Infinity}', "invalid_json"),
        ("[" + "7" * 5000 + "]", "invalid_json"),
        ('["\\ud800"]', "invalid_encoding"),
        ("{not json", "invalid_json"),
        (b"\xff{}", "invalid_encoding"),
    ],
    ids=lambda v: v[:16] if isinstance(v, (str, bytes)) else str(v),
)
def test_pathological_json_is_refused_with_a_code(text, code):
    with pytest.raises(InvalidJSON) as refused:
        loads(text)
    assert refused.value.code == code
    assert isinstance(refused.value, ValueError)  # callers that catch ValueError still do


def test_ordinary_json_is_read_as_json_reads_it():
    for text in (nested(MAX_DEPTH), '{"a": "ä 😀", "b": [1, 2.5, null, true]}', '"\\ud83d\\ude00"'):
        assert loads(text) == json.loads(text)
    assert loads(b'{"a": 1}') == {"a": 1}


def test_the_socketio_module_form():
    assert SocketIOJson.loads('["user_uttered", {"message": "hei"}]') == [
        "user_uttered",
        {"message": "hei"},
    ]
    assert SocketIOJson.dumps({"a": 1}, separators=(",", ":")) == '{"a":1}'
    with pytest.raises(ValueError):
        SocketIOJson.loads('2["user_uttered", ' + nested(999) + "]")
