"""Log privacy of the bot processes (unit level; tests/e2e/test_security.py runs a
bot with DEBUG logging)."""

from __future__ import annotations

import io
import logging

import pytest

from studybots.bot import server as bot_server
from studybots.privacy import log_filter


@pytest.fixture()
def key(monkeypatch):
    monkeypatch.setattr(log_filter, "_key", b"k")


def test_redact_removes_current_text_and_sender(key):
    token = log_filter.handling("student-12345", "asun osoitteessa Kuusikatu 3")
    try:
        line = log_filter.redact("Received 'asun osoitteessa Kuusikatu 3' from student-12345")
    finally:
        log_filter._current.reset(token)
    assert "Kuusikatu" not in line and "student-12345" not in line
    assert "<message: 28 chars>" in line and log_filter.alias("student-12345") in line


def test_short_sender_ids_are_replaced_only_as_whole_tokens(key):
    token = log_filter.handling("ab", "moi")
    try:
        assert (
            log_filter.redact("conversation 'ab', table tab")
            == f"conversation '{log_filter.alias('ab')}', table tab"
        )
    finally:
        log_filter._current.reset(token)


def test_personal_data_is_scrubbed_outside_a_message_too():
    assert (
        log_filter.redact("entity value 040 123 4567 / 131052-308T")
        == "entity value [PUHELIN] / [HETU]"
    )


def test_every_log_record_passes_the_filter(key):
    previous = logging.getLogRecordFactory()
    logging.setLogRecordFactory(log_filter._record_factory(previous))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("test.log_privacy")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        token = log_filter.handling("sender-xyz-123", "minun numeroni")
        logger.debug("user said %r (%s)", "minun numeroni", "sender-xyz-123")
        try:
            raise ValueError("bad 040 123 4567")
        except ValueError:
            logger.exception("failed")
        log_filter._current.reset(token)
    finally:
        logging.setLogRecordFactory(previous)
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert "minun numeroni" not in out and "sender-xyz-123" not in out
    assert "040 123 4567" not in out and "[PUHELIN]" in out and "<message: 14 chars>" in out


def test_structlog_fields(key):
    event = log_filter.structlog_processor(
        None,
        "debug",
        {
            "event": "processor.message.parse",
            "parse_data_text": "soita 0401234567",
            "sender_id": "s-1",
            "parse_data_intent": {"name": "termi_kela"},
            "n": 3,
            "other": "mail me: a@b.fi",
        },
    )
    assert event["parse_data_text"] == "<str: 16>"
    assert event["sender_id"] == log_filter.alias("s-1")
    assert event["parse_data_intent"] == {"name": "termi_kela"} and event["n"] == 3
    assert event["other"] == "mail me: [SÄHKÖPOSTI]"


def test_api_only_with_a_token(monkeypatch):
    monkeypatch.delenv(bot_server.TOKEN_ENV, raising=False)
    assert bot_server._arguments(["run", "--port", "1"]) == ["run", "--port", "1"]
    with pytest.raises(SystemExit, match="RASA_API_TOKEN"):
        bot_server._arguments(["run", "--enable-api"])
    monkeypatch.setenv(bot_server.TOKEN_ENV, "secret")
    assert bot_server._arguments(["run", "--enable-api"]) == [
        "run",
        "--enable-api",
        "--auth-token",
        "secret",
    ]
