"""No personal data in the bots' server logs, at any log level.

At INFO Rasa logs no message text, but at DEBUG (`--debug`, LOG_LEVEL=DEBUG)
both its logging and its structlog events carry what the student typed and the
sender id ("Received user message '...'", `parse_data_text=...`,
`sender_id=...`). Rather than trusting that nobody ever turns DEBUG on in
production, every log record of a bot process passes through this module:

* While a message is handled (Rasa's `Agent.handle_message`, which every
  channel goes through) its text and sender id are known; any occurrence of
  them in any log line of that task is replaced: the text by
  `<message: N chars>`, the sender id by `conv:<pseudonym>` (the first 12
  characters of the question log's conversation pseudonym, so an operator can
  still follow one conversation through the log and find it in the question
  log).
* structlog events: fields that hold message text (Rasa's own list of
  anonymizable keys: `text`, `parse_data_text`, `user_message`, slot values,
  entities, events ...) are replaced by their size, sender/conversation ids
  by the pseudonym.
* Every log line, from any logger, finally goes through
  `studybots.privacy.scrub.scrub` (identity codes, phone numbers, e-mail addresses,
  IBANs), which also covers parts of a text (entities, tokens) logged after
  the handling of its message, or by a channel before it.

Installed by `python -m studybots.bot.server` (how studybots.ops.supervisor starts
the bots) before Rasa configures logging.
"""

from __future__ import annotations

import contextvars
import logging
import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from studybots.privacy.pseudonyms import pseudonym
from studybots.privacy.scrub import scrub

TEXT_KEYS = frozenset(
    {
        # rasa.utils.log_utils._anonymizer's list, plus what it misses
        "text",
        "response_text",
        "user_text",
        "slot_values",
        "parse_data_text",
        "parse_data_entities",
        "prediction_events",
        "tracker_latest_message",
        "prefilled_slots",
        "message",
        "response",
        "slot_candidates",
        "rasa_event",
        "rasa_events",
        "tracker_states",
        "current_states",
        "old_states",
        "successes",
        "current_entity",
        "next_entity",
        "states",
        "entity",
        "token_text",
        "user_message",
        "json_message",
        "events",
        "tracker",
        "metadata",
        "entities",
        "parse_data",
    }
)
SENDER_KEYS = frozenset({"sender_id", "sender", "conversation_id", "recipient_id", "user_id"})


@dataclass(frozen=True)
class _Message:
    sender: str
    text: str
    alias: str
    sender_re: re.Pattern | None


_current: contextvars.ContextVar[_Message | None] = contextvars.ContextVar(
    "studybots_log_privacy_message", default=None
)
_key: bytes | None = None
_installed = False


def _log_key() -> bytes:
    global _key
    if _key is None:
        from studybots.core.settings import load_settings
        from studybots.privacy.pseudonyms import load_key

        _key = load_key(load_settings().var_dir / "log.key")
    return _key


def alias(sender: str) -> str:
    """How a sender id appears in the server logs."""
    return "conv:" + pseudonym(sender, _log_key())[:12]


def handling(sender: Any, text: Any) -> contextvars.Token:
    """Mark the current task as handling this message (see `redact`)."""
    sender = "" if sender is None else str(sender)
    text = text if isinstance(text, str) else ""
    sender_re = None
    if sender and len(sender) < 8:
        # A short id ("42", "ab") would match inside unrelated words: only
        # whole-token occurrences are replaced.
        sender_re = re.compile(r"(?<![\w-])" + re.escape(sender) + r"(?![\w-])")
    return _current.set(_Message(sender, text, alias(sender) if sender else "", sender_re))


def redact(line: str) -> str:
    """A log line without the current message's text and sender id, and
    without identity codes, phone numbers, e-mail addresses or IBANs."""
    current = _current.get()
    if current is not None:
        if len(current.text.strip()) >= 2:
            placeholder = f"<message: {len(current.text)} chars>"
            line = line.replace(current.text, placeholder)
            stripped = current.text.strip()
            if stripped != current.text:
                line = line.replace(stripped, placeholder)
        if current.sender:
            if current.sender_re is not None:
                line = current.sender_re.sub(current.alias, line)
            else:
                line = line.replace(current.sender, current.alias)
    return scrub(line)


def _size(value: Any) -> str:
    try:
        return f"<{type(value).__name__}: {len(value)}>"
    except TypeError:
        return f"<{type(value).__name__}>"


def structlog_processor(
    _logger: Any, _name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog: message-bearing fields replaced by their size, sender ids by
    the alias, everything else redacted like a plain log line."""
    for key, value in list(event_dict.items()):
        if value is None:
            continue
        if key in TEXT_KEYS:
            event_dict[key] = _size(value)
        elif key in SENDER_KEYS:
            event_dict[key] = alias(str(value))
        elif isinstance(value, str):
            event_dict[key] = redact(value)
        elif key != "exc_info" and not isinstance(value, (int, float, bool)):
            shown = repr(value)
            clean = redact(shown)
            if clean != shown:
                event_dict[key] = clean
    return event_dict


def _record_factory(previous):
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: logging reports it itself
            return record
        clean = redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, ()
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    factory._studybots_log_privacy = True  # type: ignore[attr-defined]
    return factory


def _add_structlog_processor() -> None:
    import structlog

    config = structlog.get_config()
    processors = list(config.get("processors", []))
    if any(p is structlog_processor for p in processors):
        return
    structlog.configure(processors=[structlog_processor, *processors])


def install() -> None:
    """Install the filters in this process (idempotent)."""
    global _installed
    if _installed:
        return
    current = logging.getLogRecordFactory()
    if not getattr(current, "_studybots_log_privacy", False):
        logging.setLogRecordFactory(_record_factory(current))

    # structlog: now (in case Rasa configured it already) and whenever Rasa
    # configures it (`rasa run` does, after its command line is parsed).
    import rasa.__main__ as rasa_main
    import rasa.utils.log_utils as log_utils

    configure = log_utils.configure_structlog

    def configure_structlog(*args: Any, **kwargs: Any) -> None:
        configure(*args, **kwargs)
        _add_structlog_processor()

    log_utils.configure_structlog = configure_structlog
    rasa_main.configure_structlog = configure_structlog
    _add_structlog_processor()

    # Every channel hands its messages to Agent.handle_message.
    from rasa.core.agent import Agent

    handle_message = Agent.handle_message

    async def handle_message_privately(self: Agent, message: Any) -> Any:
        token = handling(getattr(message, "sender_id", None), getattr(message, "text", None))
        try:
            return await handle_message(self, message)
        finally:
            _current.reset(token)

    Agent.handle_message = handle_message_privately
    _installed = True
