"""Both bots' crisis reply (intent `crisis`, set by the safety check): short,
calm, in the student's language, the most urgent number first; texts and
contacts from catalogue/safety/ at run time. No buttons, no suggestions, no
situation question; a question Paavo was waiting an answer to is dropped, so
the conversation goes on normally afterwards."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import state
from studybots.core.names import CRISIS_ACTION
from studybots.safety import language
from studybots.safety.reply import compose

logger = logging.getLogger(__name__)
PLAIN_TEXT_CHANNELS = ("slack",)  # no markdown links there: numbers as plain text
PENDING_SLOT = "situation_pending"

# Shown if the catalogue cannot be read at all: never leave the student
# without the emergency number.
LAST_RESORT = {
    "fi": "Jos olet vaarassa tai joku on hengenvaarassa, soita heti hätänumeroon 112.",
    "sv": "Om du är i fara eller någon är i livsfara, ring nödnumret 112 genast.",
    "en": "If you are in danger or someone's life is at risk, call the emergency number 112 now.",
}


def crisis_language(parse_data: dict) -> str:
    """The language the student wrote the crisis in (the safety check's
    verdict), else the one they chose in the widget, else a detection."""
    verdict = parse_data.get("safety") or {}
    requested = (parse_data.get("language") or {}).get("requested")
    return str(verdict.get("lang") or requested or language.detect(parse_data.get("text") or ""))


def crisis_text(parse_data: dict, channel: str | None, safety) -> str:
    verdict = parse_data.get("safety") or {}
    category = str(verdict.get("category") or "")
    if category not in safety.categories:  # e.g. a typed "/crisis": the most urgent
        category = next(iter(safety.categories))
    links = (channel or "") not in PLAIN_TEXT_CHANNELS
    return compose(safety, category, crisis_language(parse_data), links=links)


class ActionCrisisReply(Action):
    def name(self) -> str:
        return CRISIS_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        lang = crisis_language(message)
        try:
            text = crisis_text(
                message, tracker.get_latest_input_channel(), state.catalogue().safety
            )
        except Exception:  # the catalogue is unreadable: still give the number
            logger.exception("crisis reply from the catalogue failed")
            text = LAST_RESORT.get(lang, LAST_RESORT["fi"])
        dispatcher.utter_message(text=text, metadata={"language": lang})
        if PENDING_SLOT in (domain.get("slots") or {}):
            return [SlotSet(PENDING_SLOT, None)]
        return []
