"""Paavo's action: find services for what the student said.

The NLU's need (intent `tarve_<id>`) puts that need's services first; a
free-text search over the whole service catalogue fills in, and carries the
answer alone when the NLU is unsure.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import state
from actions.texts import feedback_buttons, text
from studybots.decide import decide_need, load_thresholds
from studybots.generate import need_intent
from studybots.services.finder import Ranked

logger = logging.getLogger(__name__)
THRESHOLDS = load_thresholds("paavo")
DESCRIPTION_MAX = 160


def one_line(description: str) -> str:
    description = " ".join(description.split())
    if len(description) <= DESCRIPTION_MAX:
        return description
    cut = description[:DESCRIPTION_MAX].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:") + "…"


def service_lines(results: list[Ranked]) -> list[str]:
    lines = []
    for i, r in enumerate(results, 1):
        s = r.service
        head = f"{i}. {s.name}" + (f" – {s.provider}" if s.provider else "")
        lines += [head, f"   {one_line(s.description)}" if s.description else "", f"   {s.url}"]
    return [line for line in lines if line]


class ActionFindServices(Action):
    def name(self) -> str:
        return "action_find_services"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        decision = decide_need(message, THRESHOLDS)
        try:
            finder = state.finder()
        except Exception:  # database missing or unreachable: say so, do not crash
            logger.exception("service finder unavailable")
            dispatcher.utter_message(text=text("service_unavailable"))
            return []
        query = message.get("text") or ""
        need = finder.needs.get(decision.need_id or "")
        if query.startswith("/"):  # a button payload: search by the need's own words
            query = need.name if need else ""
        results = finder.rank(query, decision.need_id)
        if not results:
            buttons = [{"title": finder.needs[n].name, "payload": f"/{need_intent(n)}"}
                       for n in decision.alternatives if n in finder.needs]
            dispatcher.utter_message(
                text=text("service_alternatives") if buttons else text("service_none"),
                buttons=buttons or None,
            )
            return []
        intro = text("service_intro_need", need=need.name) if need else text("service_intro")
        lines = [intro, *service_lines(results)]
        if any(r.service.source == "ptv" for r in results):
            lines += ["", text("service_attribution")]
        dispatcher.utter_message(text="\n".join(lines), buttons=feedback_buttons())
        return []
