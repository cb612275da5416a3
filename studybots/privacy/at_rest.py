"""What the stores may write: the one scrubbing point for data at rest.

Everything the bots keep on disk or send to a queue passes through here:
the tracker store (studybots.bot.tracker_store), the lock stores
(studybots.bot.lock_store), the question log's broker and writer with its
spool files and sinks (studybots.questionlog). Rasa and the actions still
see what the student typed in memory, for the current message; only what is
stored is changed.

* :func:`text` scrubs free text (studybots.privacy.scrub: identity codes,
  phone numbers, e-mail addresses, IBANs, street addresses, names).
* :func:`value` scrubs every string inside a JSON-like value (slot values,
  entities, button payloads), dictionary keys included.
* :func:`metadata` keeps only the metadata keys of :data:`METADATA_KEYS`;
  whatever else a client sends with a message is dropped.
* :func:`event` is a Rasa event as stored: every string scrubbed, every
  ``metadata`` (also the ``session_started_metadata`` slot) allow-listed.
* :func:`tracker_key`, :func:`lock_key`, :func:`log_key` are the keys rows
  are stored under: keyed pseudonyms (studybots.privacy.pseudonyms), never
  a sender id. Each store has its own namespace, so a pseudonym of one
  store cannot be matched with another's.
* :func:`log_row` is a question-log row as written.

Which metadata keys are kept, and why: the channels (REST, Socket.IO, Slack
in studybots/bot/channels/) pass the client's ``metadata`` object through
without reading it, the web widget sends none, Slack messages carry none, and
no action reads ``tracker.latest_message["metadata"]``. So no client key is
needed at rest. Rasa itself adds ``model_id`` and ``assistant_id`` to every
event and ``utter_action`` to bot messages: they say which model answered,
which the editors' tools and debugging use, and identify nobody.
"""

from __future__ import annotations

from typing import Any

from studybots.privacy.pseudonyms import pseudonym
from studybots.privacy.scrub import scrub

__all__ = [
    "METADATA_KEYS",
    "event",
    "lock_key",
    "log_key",
    "log_row",
    "metadata",
    "text",
    "tracker_key",
    "value",
]

# Rasa's own keys; the channels need none of the client's (see above).
METADATA_KEYS = frozenset({"model_id", "assistant_id", "utter_action"})
_METADATA_SLOT = "session_started_metadata"
_MAX_DEPTH = 32  # deeper values are not JSON a bot produces: dropped
# Strings under these keys are names Rasa and the model give (event type,
# intent, action, slot and entity names, policy, channel, Rasa's message id),
# never what a student typed: stored as they are, which keeps the cost of
# scrubbing a turn down.
_STRUCTURAL_KEYS = frozenset(
    {"event", "name", "policy", "input_channel", "message_id", "entity", "extractor"}
)


def text(value: str) -> str:
    """Free text without personal data."""
    return scrub(value)


def value(data: Any, _depth: int = 0) -> Any:
    """A JSON-like value with every string scrubbed; `metadata` objects
    inside it are allow-listed. Numbers, booleans and None stay."""
    if _depth > _MAX_DEPTH:
        return None
    if isinstance(data, str):
        return scrub(data)
    if isinstance(data, dict):
        out: dict[Any, Any] = {}
        for key, item in data.items():
            if key == "metadata":
                out[key] = metadata(item, _depth + 1)
            elif key in _STRUCTURAL_KEYS and isinstance(item, str):
                out[key] = item
            else:
                out[scrub(key) if isinstance(key, str) else key] = value(item, _depth + 1)
        return out
    if isinstance(data, (list, tuple)):
        return [value(item, _depth + 1) for item in data]
    return data


def metadata(data: Any, _depth: int = 0) -> dict[str, Any]:
    """Only the allowed keys of a metadata object (anything else: empty)."""
    if not isinstance(data, dict):
        return {}
    return {k: value(v, _depth + 1) for k, v in data.items() if k in METADATA_KEYS}


def event(data: dict[str, Any]) -> dict[str, Any]:
    """A Rasa event (``Event.as_dict()``) as the tracker store writes it."""
    stored = value(data)
    if stored.get("event") == "slot" and stored.get("name") == _METADATA_SLOT:
        stored["value"] = metadata(data.get("value")) or None
    return stored


def tracker_key(sender_id: str, key: bytes) -> str:
    """The key under which a conversation's events are stored."""
    return pseudonym("tracker:" + sender_id, key)


def lock_key(conversation_id: str, key: bytes) -> str:
    """The key under which a conversation's lock is stored."""
    return pseudonym("lock:" + conversation_id, key)


def log_key(sender_id: str, key: bytes) -> str:
    """The conversation column of the question log (and of log lines)."""
    return pseudonym(sender_id, key)


def log_row(row: dict[str, Any]) -> dict[str, Any]:
    """A question-log row as the writer spools and delivers it. The row's
    `conversation` must already be a :func:`log_key`."""
    row = dict(row)
    if isinstance(row.get("text"), str):
        row["text"] = scrub(row["text"])
    return row
