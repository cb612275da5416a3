"""Tero's action: answer a term from the catalogue, or offer best guesses."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import state
from actions.texts import current_language, feedback_buttons, in_student_language, text
from studybots.bot.decide import decide_term, load_thresholds
from studybots.core.names import term_intent

logger = logging.getLogger(__name__)
THRESHOLDS = load_thresholds("tero")


def related_services(term, catalogue) -> list:
    """The term's services from the service model (the database Paavo ranks,
    with PTV's current name, provider and link); from the catalogue table if
    the database is unavailable."""
    try:
        known = state.finder().services
    except Exception:  # no database: the table still knows the curated services
        logger.warning("service database unavailable; related services from the catalogue")
        known = catalogue.services
    return [known[s] for s in term.services if s in known]


def term_answer(term, catalogue) -> str:
    lang = current_language()
    lines = [
        term.text("term", lang),
        "",
        term.text("definition", lang),
        "",
        text("term_source", url=term.text("source_url", lang)),
    ]
    services = related_services(term, catalogue)
    if services:
        lines += ["", text("term_services_intro")]
        for s in services:
            own = catalogue.services.get(s.id)  # a curated service: its name in the language
            name = own.text("name", lang) if own else s.name
            lines.append(f"• {name}" + (f" ({s.provider})" if s.provider else "") + f": {s.url}")
    return "\n".join(lines)


NEAR_MISS_TEXTS = {"detail": "term_cannot_detail", "action": "term_cannot_action"}


def near_miss_note(parse_data: dict) -> str | None:
    """'I cannot give / do that', for a near-miss request (request_kind)."""
    kind = (parse_data.get("request_kind") or {}).get("kind")
    return text(NEAR_MISS_TEXTS[kind]) if kind in NEAR_MISS_TEXTS else None


class ActionAnswerTerm(Action):
    def name(self) -> str:
        return "action_answer_term"

    @in_student_language
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        catalogue = state.catalogue()
        lang = current_language()
        message = tracker.latest_message or {}
        decision = decide_term(message, THRESHOLDS)
        note = near_miss_note(message)
        if decision.kind == "answer" and decision.term_id in catalogue.terms:
            answer = term_answer(catalogue.terms[decision.term_id], catalogue)
            dispatcher.utter_message(
                text=f"{note}\n\n{answer}" if note else answer,
                buttons=feedback_buttons(),
            )
            return []
        if note and decision.kind == "suggest":
            dispatcher.utter_message(text=note)
        suggestions = [t for t in decision.suggestions if t in catalogue.terms]
        if suggestions:
            dispatcher.utter_message(
                text=text("term_suggest"),
                buttons=[
                    {
                        "title": catalogue.terms[t].text("term", lang),
                        "payload": f"/{term_intent(t)}",
                    }
                    for t in suggestions
                ],
            )
            return []
        dispatcher.utter_message(text=text("term_out_of_scope"))
        return []
