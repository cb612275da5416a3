"""Paavo's actions: find services for what the student said, and ask (at
most three short, optional questions) about their situation.

The NLU's need (intent `tarve_<id>`) puts that need's services first; what
the student has said about their situation ("muutan Turkuun ensi kuussa",
"tulen Ranskasta") and their answers to Paavo's questions move the services
that matter for them to the top; a search over the whole service catalogue
fills in, and carries the answer alone when the NLU is unsure.

The questions and their effects are the catalogue's situation tables. The
conversation keeps, in slots: `situation_facts` (situation -> answer, "-" =
skipped), `situations_asked` (never asked twice), `situation_pending` (the
question waiting for an answer), `last_query` / `last_need` (re-ranked when
an answer arrives).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import state
from actions.texts import current_language, feedback_buttons, in_student_language, text
from studybots.bot.channels import cards
from studybots.bot.decide import decide_need, load_thresholds, searches_anyway, shows_services
from studybots.core.names import need_intent
from studybots.core.text import fold
from studybots.search import situations as sit
from studybots.search.finder import Ranked

logger = logging.getLogger(__name__)
THRESHOLDS = load_thresholds("paavo")
MAX_GLOSSARY = 2


def service_cards(results: list[Ranked], catalogue=None) -> list[dict[str, str]]:
    """The found services as the cards payload takes them (cards.build): a
    curated service's name and description in the reply language; a PTV
    service's in it where PTV has them, else in the catalogue's own language,
    marked (`lang`) and with a note that the description is only in that."""
    lang = current_language()
    own_language = catalogue.language if catalogue is not None else lang
    cards_ = []
    for r in results:
        own = catalogue.services.get(r.service.id) if catalogue is not None else None
        card = {"provider": r.service.provider, "url": r.service.url}
        if own:
            card.update(name=own.text("name", lang), description=own.text("description", lang))
        elif lang == own_language:
            card.update(name=r.service.name, description=r.service.description)
        else:  # PTV's texts in the language where PTV has them
            name, summary = r.service.texts.get(lang, ("", ""))
            card.update(name=name or r.service.name, description=summary or r.service.description)
            if not summary and r.service.description:
                card["note"] = text("service_text_untranslated")
            if not name and not summary:
                card["lang"] = own_language
        cards_.append(card)
    return cards_


# --- terms in service texts (Tero's definitions) -------------------------------


def _term_names(term) -> list[str]:
    """The names a term goes by in a text: its headline parts ("TYS –
    Turun Ylioppilaskyläsäätiö") and aliases that are names (capitalised)."""
    names = [part.strip() for part in term.term.split(" – ") if part.strip()]
    names += [a for a in term.aliases if a[:1].isupper()]
    return [n for n in names if len(n) >= 3]


def _asked_about(names: list[str], query: str) -> bool:
    """Did the student use the term themselves (also inflected: 'asumistukea')?"""
    words = fold(query).split()
    for name in names:
        for token in fold(name).split():
            stem = token[:5] if len(token) >= 5 else token
            if any(w.startswith(stem) for w in words):
                return True
    return False


def glossary_terms(results: list[Ranked], catalogue, query: str) -> list[tuple[str, str]]:
    """(term, Tero's definition) for up to two catalogue terms the listed
    services mention, the earliest mentioned first; not for terms the
    student used themselves."""
    shown = "\n".join(
        f"{r.service.name} {r.service.provider} {cards.summary(r.service.description)}"
        for r in results
    )
    found = []
    for term in catalogue.terms.values():
        names = _term_names(term)
        if not names:
            continue
        # A name matches as a whole word, also inflected (Kela -> Kelan, YTHS:n).
        match = re.search(
            r"(?<!\w)(" + "|".join(re.escape(n) for n in names) + r")", shown, re.IGNORECASE
        )
        if match and not _asked_about(names, query or ""):
            found.append((match.start(), term, names[0]))
    found.sort(key=lambda item: item[0])
    return [(headline, term.definition) for _, term, headline in found[:MAX_GLOSSARY]]


# --- the conversation's situation slots ------------------------------------------


def _facts(tracker: Tracker) -> dict[str, str]:
    value = tracker.get_slot("situation_facts")
    return dict(value) if isinstance(value, dict) else {}


def _asked(tracker: Tracker) -> list[str]:
    value = tracker.get_slot("situations_asked")
    return list(value) if isinstance(value, list) else []


def question_message(situation) -> dict[str, Any]:
    buttons = [
        {
            "title": a.text("label", current_language()),
            "payload": sit.answer_payload(a.intent or "affirm", situation.id, a.value),
        }
        for a in situation.answers
        if a.label
    ]
    buttons.append({"title": text("situation_skip_button"), "payload": "/skip"})
    question = situation.text("question", current_language())
    return {"text": text("situation_question", question=question), "buttons": buttons}


class _ServiceAnswer:
    """Ranks, writes the service list and maybe the next question; returns
    the slot events."""

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker):
        self.dispatcher = dispatcher
        self.tracker = tracker
        self.catalogue = state.catalogue()
        self.situations = self.catalogue.situations

    def answer(
        self,
        query: str,
        need_id: str | None,
        facts: dict[str, str],
        asked: list[str],
        intro: str | None = None,
        alternatives: tuple[str, ...] = (),
    ) -> list[dict[str, Any]]:
        finder = state.finder()
        results, facts = sit.guided_rank(finder, self.situations, query, need_id, facts)
        events = [
            SlotSet("situation_facts", facts),
            SlotSet("last_query", query),
            SlotSet("last_need", need_id),
        ]
        if not results:
            buttons = [
                {"title": finder.needs[n].name, "payload": f"/{need_intent(n)}"}
                for n in alternatives
                if n in finder.needs
            ]
            self.dispatcher.utter_message(
                text=text("service_alternatives") if buttons else text("service_none"),
                buttons=buttons or None,
            )
            return events + [SlotSet("situation_pending", None)]
        need = finder.needs.get(need_id or "")
        if intro is None:
            own = self.catalogue.needs.get(need_id or "")
            name = own.text("name", current_language()) if own else need.name if need else ""
            intro = text("service_intro_need", need=name) if name else text("service_intro")
        payload = cards.build(
            intro,
            service_cards(results, self.catalogue),
            link_label=text("service_link_label"),
            glossary=glossary_terms(results, self.catalogue, query),
            attribution=text("service_attribution")
            if any(r.service.source == "ptv" for r in results)
            else "",
        )
        # One message: the plain text for channels without cards (REST), the
        # cards for the widget and Slack, the 👍/👎 buttons.
        self.dispatcher.utter_message(
            text=cards.plain_text(
                payload,
                glossary_line=text("glossary_line", term="{term}", definition="{definition}"),
            ),
            buttons=feedback_buttons(),
            json_message=payload,
        )
        question = sit.next_question(self.situations, need_id, facts, asked)
        if question is None:
            return events + [SlotSet("situation_pending", None)]
        self.dispatcher.utter_message(**question_message(question))
        return events + [
            SlotSet("situation_pending", question.id),
            SlotSet("situations_asked", asked + [question.id]),
        ]


class ActionFindServices(Action):
    def name(self) -> str:
        return "action_find_services"

    @in_student_language
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        decision = decide_need(message, THRESHOLDS)
        try:
            finder = state.finder()
            helper = _ServiceAnswer(dispatcher, tracker)
        except Exception:  # database missing or unreachable: say so, do not crash
            logger.exception("service finder unavailable")
            dispatcher.utter_message(text=text("service_unavailable"))
            return []
        query = message.get("text") or ""
        # Off-topic or "what can you do" by the NLU: services only for a
        # strong match ("mikä on hätänumero"), otherwise the usual reply.
        if (
            searches_anyway(message)
            and not query.startswith("/")
            and not shows_services(message, finder.strength(query))
        ):
            intent = (message.get("intent") or {}).get("name")
            dispatcher.utter_message(response=f"utter_{intent}")
            return []
        need = finder.needs.get(decision.need_id or "")
        if query.startswith("/"):  # a button payload: search by the need's own words
            query = need.name if need else ""
        facts = _facts(tracker)
        said = {
            **sit.facts_from_entities(message.get("entities") or [], helper.situations),
            **sit.facts_from_text(query, helper.situations),
        }
        pending = tracker.get_slot("situation_pending")
        last_query = tracker.get_slot("last_query")
        if pending and pending in said and last_query and len(query.split()) <= 4:
            # A typed answer to Paavo's question ("Turun yliopisto"): the
            # previous question is ranked again with it.
            facts.update(said)
            return helper.answer(
                last_query,
                tracker.get_slot("last_need"),
                facts,
                _asked(tracker),
                intro=_situation_intro(helper, facts),
            )
        facts.update(said)
        return helper.answer(
            query, decision.need_id, facts, _asked(tracker), alternatives=decision.alternatives
        )


def _situation_intro(helper: _ServiceAnswer, facts: dict[str, str]) -> str:
    reasons = [b.reason for b in sit.boosts(facts, helper.situations, current_language())]
    return text("situation_intro", reasons=", ".join(reasons)) if reasons else text("service_intro")


class ActionSituationAnswer(Action):
    """affirm / deny / skip, or an answer button. Without a pending question
    it is plain small talk ("Voinko etsiä jotain muuta?")."""

    def name(self) -> str:
        return "action_situation_answer"

    @in_student_language
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        pending = tracker.get_slot("situation_pending")
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        try:
            helper = _ServiceAnswer(dispatcher, tracker)
        except Exception:
            logger.exception("catalogue unavailable")
            dispatcher.utter_message(text=text("service_unavailable"))
            return []
        situation = helper.situations.get(pending or "")
        if situation is None:
            dispatcher.utter_message(text=text("anything_else"))
            return []
        facts = _facts(tracker)
        given = sit.facts_from_entities(message.get("entities") or [], helper.situations)
        if situation.id not in given and intent in ("affirm", "deny"):
            chosen = sit.answer_for_intent(situation, intent)
            if chosen:
                given[situation.id] = chosen.value
        asked = _asked(tracker)
        if situation.id not in given:  # skip, or a yes/no the question has no row for
            facts[situation.id] = sit.SKIPPED
            events = [SlotSet("situation_facts", facts), SlotSet("situation_pending", None)]
            question = sit.next_question(
                helper.situations, tracker.get_slot("last_need"), facts, asked
            )
            if question is None:
                dispatcher.utter_message(text=text("situation_skipped"))
                return events
            dispatcher.utter_message(text=text("situation_skipped_next"))
            dispatcher.utter_message(**question_message(question))
            return events + [
                SlotSet("situation_pending", question.id),
                SlotSet("situations_asked", asked + [question.id]),
            ]
        facts.update(given)
        last_query = tracker.get_slot("last_query") or ""
        return helper.answer(
            last_query,
            tracker.get_slot("last_need"),
            facts,
            asked,
            intro=_situation_intro(helper, facts),
        )
