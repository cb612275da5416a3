"""JSON from the outside, read without surprises: the channels' one parser.

Python's `json.loads` recurses once per nesting level, so a body of a
thousand `[` (1 kB) raises RecursionError, which is not a ValueError and
became an HTTP 500. Here the nesting depth is counted first, in one pass
without recursion, and anything deeper than MAX_DEPTH is refused before it
is parsed. The other pathological forms are refused too:

* `NaN`, `Infinity`, `-Infinity` (not JSON; PostgreSQL's JSON refuses them),
* integers of more than 4300 digits (Python refuses to convert them),
* strings with lone surrogates (`"\\ud800"`: they cannot be stored as UTF-8).

Every refusal is an :class:`InvalidJSON` (a ValueError) with a short code,
which the REST and Slack channels answer with a 4xx and the Socket.IO
channel with a bot message. `SocketIOJson` is the same parser in the shape
python-socketio and python-engineio take as their `json` module.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["MAX_DEPTH", "InvalidJSON", "SocketIOJson", "depth", "loads"]

# Far more than any channel sends (REST metadata, Slack's block payloads nest
# about 8 levels), far less than Python's recursion limit.
MAX_DEPTH = 32

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
# A surrogate as a JSON escape (\ud800-\udfff), or raw (only in text that did
# not come from UTF-8 bytes): only then can a string hold a lone one.
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_RAW_SURROGATE = re.compile(r"[\ud800-\udfff]")


class InvalidJSON(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def depth(text: str) -> int:
    """The deepest nesting of arrays and objects in `text` (strings skipped)."""
    deepest = level = 0
    for match in _BRACKET.finditer(_STRING.sub('""', text)):
        if match.group() in "[{":
            level += 1
            deepest = max(deepest, level)
        else:
            level -= 1
    return deepest


def _no_constant(name: str) -> Any:
    raise InvalidJSON("invalid_json", f"{name} is not JSON")


def loads(text: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads` that refuses deep nesting and the other forms above."""
    from_bytes = isinstance(text, (bytes, bytearray))
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidJSON("invalid_encoding", "not UTF-8") from exc
    # Counting brackets is fast (C); only text with enough of them to nest
    # too deep is scanned.
    if text.count("[") + text.count("{") > max_depth and depth(text) > max_depth:
        raise InvalidJSON("too_deep", f"nested deeper than {max_depth} levels")
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except InvalidJSON:
        raise
    except (ValueError, RecursionError) as exc:
        raise InvalidJSON("invalid_json", "not valid JSON") from exc
    if ("\\u" in text and _ESCAPED_SURROGATE.search(text)) or (
        not from_bytes and _RAW_SURROGATE.search(text)
    ):
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidJSON("invalid_encoding", "lone surrogate in a string") from exc
    return data


class SocketIOJson:
    """The `json` module python-socketio and python-engineio use for packets."""

    @staticmethod
    def loads(text: str | bytes, *args: Any, **kwargs: Any) -> Any:
        return loads(text)

    @staticmethod
    def dumps(data: Any, *args: Any, **kwargs: Any) -> str:
        return json.dumps(data, *args, **kwargs)
