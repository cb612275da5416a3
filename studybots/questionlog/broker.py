"""A Rasa event broker that writes one log row per student message.

Rasa publishes every conversation event (user message, actions, bot replies)
to the configured event broker. This broker collects the events of one turn,
and when the bot goes back to listening it records: time, bot, channel, a
pseudonymous conversation id (keyed hash; the sender id is never stored),
the text with personal data scrubbed out, the NLU's intent, confidence and
best guesses, the language of the reply, and what the bot did (answered a term, offered guesses,
listed services, small talk, out of scope, routed to crisis help). The outcome is recomputed with
the same decision functions the actions use (studybots.bot.decide).

Configure in endpoints.yml:
    event_broker:
      type: studybots.questionlog.broker.LogStoreBroker
      url: ${STUDYBOTS_LOG_URL}
      bot: ${STUDYBOTS_BOT}
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from studybots.bot.channels import replies
from studybots.bot.decide import Thresholds, decide_need, decide_term, load_thresholds
from studybots.core.language import LANGUAGES
from studybots.core.names import CRISIS, CRISIS_ACTION
from studybots.core.settings import load_settings
from studybots.privacy import at_rest
from studybots.privacy.pseudonyms import load_key, pseudonym
from studybots.questionlog.writer import LogWriter

logger = logging.getLogger(__name__)
MAX_OPEN_TURNS = 10_000  # turns whose reply has not ended yet, across conversations
CANDIDATES = 3


@dataclass
class Turn:
    time: float
    channel: str
    text: str
    parse_data: dict[str, Any]
    actions: list[str] = field(default_factory=list)
    buttons: bool = False
    links: bool = False
    lang: str | None = None  # the language of the bot's first reply


def turn_language(turn: Turn) -> str | None:
    """The reply's language, else the one detected in the message."""
    if turn.lang:
        return turn.lang
    detected = (turn.parse_data.get("language") or {}).get("detected")
    return detected if detected in LANGUAGES else None


def outcome_of(turn: Turn, thresholds: Thresholds) -> tuple[str, str]:
    """What the bot did with the message, and what it referred to."""
    intent = (turn.parse_data.get("intent") or {}).get("name") or ""
    if CRISIS_ACTION in turn.actions:
        # Routed to help: the category only, nothing more than any other row keeps.
        return CRISIS, str((turn.parse_data.get("safety") or {}).get("category") or "")
    if "action_answer_term" in turn.actions:
        d = decide_term(turn.parse_data, thresholds)
        return d.kind, d.term_id or ";".join(d.suggestions)
    if "action_find_services" in turn.actions:
        need = decide_need(turn.parse_data, thresholds)
        if turn.links:
            return "services", need.need_id or ""
        # Off-topic and "what can you do" also go through the search; without
        # a strong match they got their usual reply.
        if intent == "out_of_scope":
            return "out_of_scope", ""
        if intent == "what_can_you_do":
            return "smalltalk", intent
        return ("suggest" if turn.buttons else "no_answer"), ";".join(need.alternatives)
    if intent in ("feedback_up", "feedback_down"):
        return "feedback", intent.removeprefix("feedback_")
    if intent == "out_of_scope":
        return "out_of_scope", ""
    if any(a.startswith("utter_") for a in turn.actions):
        return "smalltalk", intent
    return "fallback", intent


class LogStoreBroker(EventBroker):  # type: ignore[misc]  # Rasa is untyped
    def __init__(
        self, url: str, bot: str, writer: LogWriter | None = None, key: bytes | None = None
    ) -> None:
        settings = load_settings()
        self.bot = bot
        self.thresholds = load_thresholds(bot)
        self.key = key or load_key(settings.var_dir / "log.key")
        self.writer = writer or LogWriter(url, settings.var_dir / "logspool" / bot)
        self._turns: dict[str, Turn] = {}

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: Any = None
    ) -> LogStoreBroker:
        url = broker_config.url or load_settings().log_url
        return cls(url, str(broker_config.kwargs.get("bot") or "bot"))

    def publish(self, event: dict[str, Any]) -> None:
        try:
            self._handle(event)
        except Exception:  # the log must never break a conversation
            logger.exception("log broker: event not logged")

    def _handle(self, event: dict[str, Any]) -> None:
        sender = str(event.get("sender_id") or "")
        kind = event.get("event")
        if kind == "user":
            if len(self._turns) >= MAX_OPEN_TURNS:
                self._turns.pop(next(iter(self._turns)))
            self._turns[sender] = Turn(
                time=float(event.get("timestamp") or 0),
                channel=event.get("input_channel") or "",
                text=event.get("text") or "",
                parse_data=event.get("parse_data") or {},
            )
            return
        turn = self._turns.get(sender)
        if turn is None:
            return
        if kind == "bot":
            data = event.get("data") or {}
            turn.buttons = turn.buttons or bool(data.get("buttons"))
            turn.links = turn.links or "https://" in (event.get("text") or "")
            # Rasa keeps the bot message's own keys (its `metadata`) in the event's metadata.
            turn.lang = turn.lang or replies.language_of(event.get("metadata") or {})
        elif kind == "action":
            name = event.get("name") or ""
            if name == "action_listen":
                self._finish(sender, self._turns.pop(sender))
            else:
                turn.actions.append(name)

    def _finish(self, sender: str, turn: Turn) -> None:
        outcome, ref = outcome_of(turn, self.thresholds)
        intent = turn.parse_data.get("intent") or {}
        ranking = turn.parse_data.get("intent_ranking") or []
        candidates = [
            {"name": r.get("name"), "confidence": round(float(r.get("confidence") or 0), 4)}
            for r in ranking[:CANDIDATES]
        ]
        row = {
            "time": dt.datetime.fromtimestamp(
                turn.time or dt.datetime.now().timestamp(), dt.timezone.utc
            ),
            "bot": self.bot,
            "channel": turn.channel[:32],
            "conversation": at_rest.log_key(sender, self.key),
            "text": turn.text,  # scrubbed by the writer (studybots.privacy.at_rest)
            "intent": intent.get("name"),
            "confidence": float(intent["confidence"])
            if intent.get("confidence") is not None
            else None,
            "candidates": json.dumps(candidates, ensure_ascii=False),
            "outcome": outcome,
            "answer_ref": ref,
            "feedback": None,
            "lang": turn_language(turn),
        }
        if turn.time:  # else the writer gives the row a random id
            row["event_id"] = self._event_id(sender, turn)
        self.writer.record(row)

    def _event_id(self, sender: str, turn: Turn) -> str:
        """The row's id, the same whenever the same message is published again.

        Rasa publishes a turn's events when it saves the conversation. If the
        save fails (the database connection was cut), Rasa's fail-safe store
        saves into memory instead and publishes every event again; a keyed
        hash of the conversation, the message's time and its text makes the
        second row the first one's duplicate, which the sinks drop."""
        return pseudonym(f"turn\x00{sender}\x00{turn.time!r}\x00{turn.text}", self.key)

    def is_ready(self) -> bool:
        return True

    async def close(self) -> None:
        self.writer.close()
