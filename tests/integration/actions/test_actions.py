"""The custom actions answer from the catalogue (rasa-sdk, no servers)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import state
from actions.safety_actions import ActionCrisisReply
from actions.service_actions import ActionFindServices, ActionSituationAnswer
from actions.term_actions import ActionAnswerTerm
from studybots.core.settings import load_settings
from studybots.search.finder import Ranked


@pytest.fixture(autouse=True)
def configured(database_url):
    state.configure(dataclasses.replace(load_settings(), database_url=database_url))
    yield
    state.configure(load_settings())


def tracker(
    text: str,
    ranking: list[tuple[str, float]],
    slots: dict | None = None,
    entities: list[dict] | None = None,
) -> Tracker:
    intents = [{"name": n, "confidence": c} for n, c in ranking]
    message = {
        "text": text,
        "intent": intents[0],
        "intent_ranking": intents,
        "entities": entities or [],
    }
    return Tracker("test-user", dict(slots or {}), message, [], False, None, {}, "action_listen")


def run_events(action, t: Tracker) -> tuple[list[dict], dict]:
    """The messages, and the slots the action set."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    assert all(e["event"] == "slot" for e in events), events
    return dispatcher.messages, {e["name"]: e["value"] for e in events}


def run(action, t: Tracker) -> list[dict]:
    return run_events(action, t)[0]


def listed(text: str, catalogue) -> list[str]:
    """The ids of the services an answer lists, in its order."""
    by_name = {s.name: s.id for s in catalogue.services.values()}
    names = [m.group(1) for m in re.finditer(r"^\d+\. (.+?)(?: – .*)?$", text, re.M)]
    return [by_name.get(n, n) for n in names]


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
    ranking = [
        ("nlu_fallback", 0.15),
        ("termi_opintotuki", 0.2),
        ("termi_opintoraha", 0.15),
        ("termi_opintolaina", 0.1),
        ("termi_kela", 0.09),
    ]
    messages = run(ActionAnswerTerm(), tracker("rahaa opiskeluun", ranking))
    buttons = messages[0]["buttons"]
    assert [b["payload"] for b in buttons] == [
        "/termi_opintotuki",
        "/termi_opintoraha",
        "/termi_opintolaina",
    ]
    assert buttons[0]["title"] == catalogue.terms["opintotuki"].term


def test_tero_out_of_scope_says_what_it_can_do():
    messages = run(
        ActionAnswerTerm(), tracker("kuka voitti", [("nlu_fallback", 0.15), ("out_of_scope", 0.05)])
    )
    assert "buttons" not in messages[0] or not messages[0]["buttons"]
    assert "Kela" in messages[0]["text"] and "YTHS" in messages[0]["text"]


def test_paavo_lists_up_to_five_services_with_provider_and_link(catalogue):
    messages = run(
        ActionFindServices(),
        tracker("sain opiskelupaikan turusta", [("tarve_opiskelupaikka_saatu", 0.8)]),
    )
    text = messages[0]["text"]
    first = catalogue.services[catalogue.needs["opiskelupaikka_saatu"].services[0]]
    assert first.name in text and first.provider in text and first.url in text
    assert text.count("https://") <= 5
    assert "6." not in text


def test_paavo_sends_the_services_as_one_message_with_cards(catalogue):
    messages = run(
        ActionFindServices(),
        tracker("mistä saan verokortin", [("tarve_verokortti", 0.95)]),
    )
    answer = messages[0]
    cards = answer["custom"]
    assert cards["studybots"] == "services" and cards["intro"] == answer["text"].split("\n")[0]
    names = re.findall(r"^\d+\. (.+?)(?: – .*)?$", answer["text"], re.M)
    assert [c["name"] for c in cards["services"]] == names
    for card in cards["services"]:
        assert card["url"].startswith("https://") and card["url"] in answer["text"]
        assert card["link_label"] == "Palvelun sivu"
        assert card["summary"] in answer["text"] and "…" not in card["summary"]
    # PTV services among them: the attribution once, at the end of the text.
    assert cards["attribution"] and answer["text"].endswith(cards["attribution"])
    assert answer["text"].count(cards["attribution"]) == 1
    assert [g["term"] for g in cards["glossary"]] and all(
        f"{g['term']} = {g['definition']}" in answer["text"] for g in cards["glossary"]
    )
    assert [b["payload"] for b in answer["buttons"]] == ["/feedback_up", "/feedback_down"]


def test_paavo_falls_back_to_free_text_search():
    messages = run(
        ActionFindServices(),
        tracker("uimahalli", [("nlu_fallback", 0.15), ("tarve_liikunta", 0.1)]),
    )
    assert "uimahalli" in messages[0]["text"].lower()


def test_paavo_offers_needs_when_nothing_is_found():
    messages = run(
        ActionFindServices(), tracker("qqqzzxx", [("nlu_fallback", 0.15), ("tarve_asunto", 0.1)])
    )
    assert messages[0]["buttons"][0]["payload"] == "/tarve_asunto"


def test_paavo_button_payload_searches_by_the_needs_name():
    messages = run(ActionFindServices(), tracker("/tarve_kirjasto", [("tarve_kirjasto", 1.0)]))
    assert "kirjasto" in messages[0]["text"].lower()


def test_paavo_says_so_when_the_database_is_unavailable(tmp_path):
    state.configure(
        dataclasses.replace(
            load_settings(), database_url=f"sqlite:///{tmp_path / 'missing' / 'x.db'}"
        )
    )
    messages = run(ActionFindServices(), tracker("asunto", [("tarve_asunto", 0.9)]))
    assert "uudelleen" in messages[0]["text"]


# --- situation-aware guidance (issue 4, point 4) --------------------------------

GOT_PLACE = [("tarve_opiskelupaikka_saatu", 0.8)]


def test_paavo_asks_one_optional_situation_question_after_the_services(catalogue):
    messages, slots = run_events(
        ActionFindServices(), tracker("sain opiskelupaikan turusta, mitä nyt", GOT_PLACE)
    )
    first = next(iter(catalogue.situations.values()))
    assert len(messages) == 2
    assert "https://" in messages[0]["text"]
    assert first.question in messages[1]["text"]
    payloads = [b["payload"] for b in messages[1]["buttons"]]
    assert payloads[-1] == "/skip" and len(payloads) >= 3
    assert slots["situation_pending"] == first.id
    assert slots["situations_asked"] == [first.id]
    assert slots["last_query"] == "sain opiskelupaikan turusta, mitä nyt"
    assert slots["last_need"] == "opiskelupaikka_saatu"


def test_before_the_move_grant_housing_and_notification_of_move_come_first(catalogue):
    slots = {
        "situation_pending": "asuu_turussa",
        "situations_asked": ["ulkomailta", "asuu_turussa"],
        "situation_facts": {"ulkomailta": "-"},
        "last_need": "opiskelupaikka_saatu",
        "last_query": "sain opiskelupaikan turusta, mitä nyt",
    }
    messages, new = run_events(ActionSituationAnswer(), tracker("en vielä", [("deny", 0.9)], slots))
    ids = listed(messages[0]["text"], catalogue)
    assert set(ids[:3]) == {"kela_opintotuki", "tys_asunnot", "muuttoilmoitus"}, ids
    assert "muutto on vielä edessä" in messages[0]["text"]
    assert new["situation_facts"] == {"ulkomailta": "-", "asuu_turussa": "ei"}
    # The third (last) question follows; it is never the same twice.
    assert new["situation_pending"] == "oppilaitos"
    assert new["situations_asked"] == ["ulkomailta", "asuu_turussa", "oppilaitos"]


def test_a_student_from_abroad_gets_the_residence_permit_first(catalogue):
    slots = {
        "situation_pending": "ulkomailta",
        "situations_asked": ["ulkomailta"],
        "last_need": "opiskelupaikka_saatu",
        "last_query": "sain opiskelupaikan turusta",
    }
    entities = [{"entity": "situation_answer", "value": "ulkomailta=muu"}]
    messages, new = run_events(
        ActionSituationAnswer(),
        tracker(
            '/affirm{"situation_answer": "ulkomailta=muu"}', [("affirm", 1.0)], slots, entities
        ),
    )
    ids = listed(messages[0]["text"], catalogue)
    assert ids[0] == "oleskelulupa_opiskelu", ids
    assert "eu_rekisterointi" not in ids  # an EU citizen's registration does not apply
    assert new["situation_facts"]["ulkomailta"] == "muu"
    # Without the answer the permit is not first.
    plain = listed(
        run(ActionFindServices(), tracker("sain opiskelupaikan turusta", GOT_PLACE))[0]["text"],
        catalogue,
    )
    assert plain[0] != "oleskelulupa_opiskelu"


def test_what_the_student_said_fills_the_slots_without_asking(catalogue):
    messages, slots = run_events(
        ActionFindServices(), tracker("muutan turkuun ensi kuussa", [("tarve_muutto_turkuun", 0.8)])
    )
    assert slots["situation_facts"] == {"asuu_turussa": "ei"}
    # It asks about something else, not about living in Turku.
    assert slots["situation_pending"] == "ulkomailta"
    messages, slots = run_events(
        ActionFindServices(),
        tracker("tulen ranskasta ja muutan turkuun ensi kuussa", [("tarve_muutto_turkuun", 0.8)]),
    )
    assert slots["situation_facts"] == {"ulkomailta": "eu", "asuu_turussa": "ei"}
    ids = listed(messages[0]["text"], catalogue)
    assert "eu_rekisterointi" in ids[:3] and "oleskelulupa_opiskelu" not in ids
    # Neither of the two is asked; the institution question may be (not for this need).
    assert slots.get("situation_pending") in (None, "oppilaitos")


def test_a_nordic_student_registers_at_dvv_not_at_migri(catalogue):
    # Citizens of the Nordic countries need neither a residence permit nor the EU
    # registration of the right of residence (Migri); they register at DVV.
    messages, slots = run_events(
        ActionFindServices(),
        tracker("tulen ruotsista ja muutan turkuun", [("tarve_muutto_turkuun", 0.8)]),
    )
    assert slots["situation_facts"]["ulkomailta"] == "pohjoismaat"
    ids = listed(messages[0]["text"], catalogue)
    assert "dvv_asiointi" in ids[:3], ids
    assert "eu_rekisterointi" not in ids and "oleskelulupa_opiskelu" not in ids


def test_skip_is_accepted_and_the_question_is_never_asked_again(catalogue):
    slots = {
        "situation_pending": "ulkomailta",
        "situations_asked": ["ulkomailta"],
        "last_need": "opiskelupaikka_saatu",
        "last_query": "sain opiskelupaikan turusta",
    }
    messages, new = run_events(ActionSituationAnswer(), tracker("ohita", [("skip", 0.9)], slots))
    assert new["situation_facts"] == {"ulkomailta": "-"}
    assert new["situation_pending"] == "asuu_turussa"  # the next one, once
    assert "ohitetaan" in messages[0]["text"].lower()
    # Later the same need again: the skipped question is not asked again.
    later = {"situation_facts": {"ulkomailta": "-"}, "situations_asked": ["ulkomailta"]}
    _, new = run_events(ActionFindServices(), tracker("sain opiskelupaikan", GOT_PLACE, later))
    assert new["situation_pending"] == "asuu_turussa"


def test_at_most_three_questions_per_conversation():
    asked = {"situations_asked": ["ulkomailta", "asuu_turussa", "oppilaitos"]}
    messages, new = run_events(
        ActionFindServices(), tracker("sain opiskelupaikan", GOT_PLACE, asked)
    )
    assert len(messages) == 1 and new["situation_pending"] is None


def test_yes_without_a_pending_question_is_small_talk():
    messages, new = run_events(ActionSituationAnswer(), tracker("joo", [("affirm", 0.9)]))
    assert "muun palvelun" in messages[0]["text"] and new == {}


def test_a_typed_answer_to_the_institution_question(catalogue):
    slots = {
        "situation_pending": "oppilaitos",
        "situations_asked": ["oppilaitos"],
        "last_need": "opiskelijayhteiso",
        "last_query": "miten pääsen mukaan opiskelijatoimintaan",
    }
    messages, new = run_events(
        ActionFindServices(),
        tracker(
            "turun yliopisto", [("nlu_fallback", 0.2), ("tarve_opiskelijayhteiso", 0.1)], slots
        ),
    )
    ids = listed(messages[0]["text"], catalogue)
    assert ids[0] == "tyy" and "tuo" not in ids
    assert new["situation_facts"] == {"oppilaitos": "utu"}


def test_paavo_explains_a_term_in_a_service_text_with_teros_definition(catalogue):
    text = run(
        ActionFindServices(), tracker("haluan hakea asumistukea", [("tarve_asumistuki", 0.9)])
    )[0]["text"]
    kela = catalogue.terms["kela"]
    assert "Kela = " + kela.definition[:40] in text
    # Not for a term the student used themselves.
    text = run(ActionFindServices(), tracker("kelan asumistuki", [("tarve_asumistuki", 0.9)]))[0][
        "text"
    ]
    assert "Kela = " not in text


def test_tero_lists_related_services_from_the_service_model(catalogue):
    messages = run(ActionAnswerTerm(), tracker("mikä on tys", [("termi_tys", 0.9)]))
    finder = state.finder()
    for service_id in catalogue.terms["tys"].services:
        assert finder.services[service_id].name in messages[0]["text"]


def in_language(text: str, ranking: list[tuple[str, float]], lang: str, **slots) -> Tracker:
    t = tracker(text, ranking, slots=slots)
    t.latest_message["language"] = {"detected": lang, "confidence": 0.99, "requested": lang}
    return t


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_tero_names_the_related_services_in_the_students_language(catalogue, lang):
    messages = run(ActionAnswerTerm(), in_language("kela", [("termi_kela", 0.9)], lang))
    curated = [s for s in catalogue.terms["kela"].services if s in catalogue.services]
    assert curated
    for service_id in curated:
        service = catalogue.services[service_id]
        assert service.text("name", lang) != service.name, service_id  # translated in the table
        assert f"• {service.text('name', lang)}" in messages[0]["text"]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_message_names_its_language_for_the_channels(lang):
    """The channels mark each message with its language (the widget's `lang`
    attribute, for screen readers): the actions name it in the metadata."""
    cases = [
        (ActionAnswerTerm(), in_language("kela", [("termi_kela", 0.9)], lang)),
        (ActionAnswerTerm(), in_language("xyz", [("nlu_fallback", 0.9)], lang)),
        (ActionFindServices(), in_language("asunto", [("tarve_asunto", 0.9)], lang)),
        (ActionSituationAnswer(), in_language("joo", [("affirm", 0.9)], lang)),
    ]
    for action, t in cases:
        messages = run(action, t)
        assert messages, action.name()
        assert [m["metadata"]["language"] for m in messages] == [lang] * len(messages)


@pytest.mark.parametrize(
    ("text", "verdict", "lang"),
    [
        ("haluan kuolla", {"category": "itsetuhoisuus", "lang": "fi"}, "fi"),
        ("jag vill dö", {"category": "itsetuhoisuus", "lang": "sv"}, "sv"),
        ("I want to die", {"category": "itsetuhoisuus", "lang": "en"}, "en"),
    ],
)
def test_the_crisis_reply_names_the_language_it_was_written_in(text, verdict, lang):
    t = tracker(text, [("crisis", 1.0)])
    t.latest_message["safety"] = verdict
    messages = run(ActionCrisisReply(), t)
    assert len(messages) == 1 and "112" in messages[0]["text"]
    assert messages[0]["metadata"] == {"language": lang}


def test_a_ptv_service_is_shown_in_the_language_ptv_has_it_in_else_marked(tmp_path, catalogue):
    """PTV keeps its texts per language (the importer stores each): a
    Swedish-speaking student gets PTV's Swedish name and summary; a service PTV
    has only in Finnish comes in Finnish, marked so, with a note."""
    from actions.service_actions import service_cards
    from actions.texts import use_language
    from studybots.core import db
    from studybots.ptv.client import read_files
    from studybots.ptv.importer import PtvImporter
    from studybots.ptv.v11 import PtvV11Reader
    from studybots.search.finder import ServiceFinder
    from studybots.services.model import ensure_schema
    from tests.support.ptv_helpers import (
        ETALUKIO,
        LIPERI,
        SERVICE_FILE,
        SERVICES_FILE,
        load,
        variant,
    )

    swedish = load(SERVICE_FILE)
    swedish["languages"] = ["fi", "sv"]
    swedish["serviceNames"].append(
        {"language": "sv", "value": "Distansgymnasium för vuxna", "type": "Name"}
    )
    swedish["serviceDescriptions"].append(
        {"language": "sv", "value": "Gymnasiestudier för vuxna på nätet.", "type": "Summary"}
    )
    swedish["serviceDescriptions"].append(  # the summary wins over it
        {"language": "sv", "value": "En lång beskrivning.", "type": "Description"}
    )
    # A service PTV has a Swedish description of but no Swedish summary: the description.
    described = variant(load(SERVICES_FILE)[LIPERI], 1)
    described["serviceDescriptions"].append(
        {"language": "sv", "value": "Individualiserad lärokurs.", "type": "Description"}
    )
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "sv.json").write_text(json.dumps(swedish), encoding="utf-8")
    (tmp_path / "in" / "described.json").write_text(json.dumps(described), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'ptv.db'}"
    engine = db.engine(url)
    ensure_schema(engine)
    PtvImporter(engine).run(read_files([tmp_path / "in", SERVICES_FILE], PtvV11Reader()))
    engine.dispose()
    finder = ServiceFinder.from_database(url, embeddings=False)
    assert finder.services[ETALUKIO].texts["sv"] == (
        "Distansgymnasium för vuxna",
        "Gymnasiestudier för vuxna på nätet.",
    )
    assert finder.services[described["id"]].texts["sv"] == ("", "Individualiserad lärokurs.")
    results = [Ranked(finder.services[ETALUKIO], 1.0), Ranked(finder.services[LIPERI], 0.9)]

    use_language(in_language("gymnasium", [("nlu_fallback", 0.5)], "sv"))
    translated, finnish = service_cards(results, catalogue)
    assert translated["name"] == "Distansgymnasium för vuxna" and "note" not in translated
    assert translated["description"] == "Gymnasiestudier för vuxna på nätet."
    assert finnish["name"] == "Yksilöllistetty oppimäärä" and finnish["lang"] == "fi"
    assert finnish["note"] == "Beskrivningen finns bara på finska."

    use_language(in_language("lukio", [("nlu_fallback", 0.5)], "fi"))
    assert [c["name"] for c in service_cards(results, catalogue)] == [
        "Nettilukio aikuisille",
        "Yksilöllistetty oppimäärä",
    ]
    assert not any("note" in c for c in service_cards(results, catalogue))
