"""The custom actions answer from the catalogue (rasa-sdk, no servers)."""
from __future__ import annotations

import asyncio
import dataclasses

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import state
from actions.service_actions import ActionFindServices
from actions.term_actions import ActionAnswerTerm
from studybots.settings import load_settings


@pytest.fixture(autouse=True)
def configured(database_url):
    state.configure(dataclasses.replace(load_settings(), database_url=database_url))
    yield
    state.configure(load_settings())


def tracker(text: str, ranking: list[tuple[str, float]]) -> Tracker:
    intents = [{"name": n, "confidence": c} for n, c in ranking]
    message = {"text": text, "intent": intents[0], "intent_ranking": intents, "entities": []}
    return Tracker("test-user", {}, message, [], False, None, {}, "action_listen")


def run(action, t: Tracker) -> list[dict]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    assert events == []
    return dispatcher.messages


def test_tero_answers_with_definition_source_and_related_services(catalogue):
    messages = run(ActionAnswerTerm(), tracker("mikä on yths", [("termi_yths", 0.9)]))
    assert len(messages) == 1
    text = messages[0]["text"]
    term = catalogue.terms["yths"]
    assert term.definition in text
    assert term.source_url in text
    for service_id in term.services:
        assert catalogue.services[service_id].url in text


def test_tero_offers_best_guesses_as_buttons_when_unsure(catalogue):
    ranking = [("nlu_fallback", 0.15), ("termi_opintotuki", 0.2), ("termi_opintoraha", 0.15),
               ("termi_opintolaina", 0.1), ("termi_kela", 0.09)]
    messages = run(ActionAnswerTerm(), tracker("rahaa opiskeluun", ranking))
    buttons = messages[0]["buttons"]
    assert [b["payload"] for b in buttons] == ["/termi_opintotuki", "/termi_opintoraha",
                                               "/termi_opintolaina"]
    assert buttons[0]["title"] == catalogue.terms["opintotuki"].term


def test_tero_out_of_scope_says_what_it_can_do():
    messages = run(ActionAnswerTerm(), tracker("kuka voitti", [("nlu_fallback", 0.15),
                                                              ("out_of_scope", 0.05)]))
    assert "buttons" not in messages[0] or not messages[0]["buttons"]
    assert "Kela" in messages[0]["text"] and "YTHS" in messages[0]["text"]


def test_paavo_lists_up_to_five_services_with_provider_and_link(catalogue):
    messages = run(ActionFindServices(), tracker("sain opiskelupaikan turusta",
                                                 [("tarve_opiskelupaikka_saatu", 0.8)]))
    text = messages[0]["text"]
    first = catalogue.services[catalogue.needs["opiskelupaikka_saatu"].services[0]]
    assert first.name in text and first.provider in text and first.url in text
    assert text.count("https://") <= 5
    assert "6." not in text


def test_paavo_falls_back_to_free_text_search():
    messages = run(ActionFindServices(), tracker("uimahalli", [("nlu_fallback", 0.15),
                                                              ("tarve_liikunta", 0.1)]))
    assert "uimahalli" in messages[0]["text"].lower()


def test_paavo_offers_needs_when_nothing_is_found():
    messages = run(ActionFindServices(), tracker("qqqzzxx", [("nlu_fallback", 0.15),
                                                            ("tarve_asunto", 0.1)]))
    assert messages[0]["buttons"][0]["payload"] == "/tarve_asunto"


def test_paavo_button_payload_searches_by_the_needs_name():
    messages = run(ActionFindServices(), tracker("/tarve_kirjasto", [("tarve_kirjasto", 1.0)]))
    assert "kirjasto" in messages[0]["text"].lower()


def test_paavo_says_so_when_the_database_is_unavailable(tmp_path):
    state.configure(dataclasses.replace(
        load_settings(), database_url=f"sqlite:///{tmp_path / 'missing' / 'x.db'}"))
    messages = run(ActionFindServices(), tracker("asunto", [("tarve_asunto", 0.9)]))
    assert "uudelleen" in messages[0]["text"]
