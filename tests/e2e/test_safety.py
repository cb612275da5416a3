"""End to end over REST (issue 12): both bots route crisis messages to help
before anything else, in the student's language, and the conversation goes
on; ordinary questions in crisis-like words are answered normally; small
talk never swallows content; near-miss questions get an honest answer; the
question log records the crisis with its own outcome."""

from __future__ import annotations

import random
import string
import time

import pytest

from tests.support.chat import say, texts
from tests.support.log_rows import wait_for_rows

ISSUE_MESSAGES = [
    ("haluan kuolla", "Kiitos, että kerroit", "09 2525 0111"),
    ("kaveri ei hengitä", "hätätilanteelta", "tel:112"),
    ("tulipalo asunnossa", "Poistu heti", "tel:112"),
    ("mun kämppis uhkailee mua puukolla", "Olen pahoillani", "080 005 005"),
    ("jag vill dö", "Tack för att du berättar", "09 2525 0112"),
    ("I want to kill myself", "Thank you for telling me", "09 2525 0116"),
    ("haluun vaan lopettaa kaiken", "Kiitos, että kerroit", "09 2525 0111"),
    ("kämppis ei herää", "hätätilanteelta", "tel:112"),
]
NEVER = ("Selvä", "Tarkoititko", "Voin tarkentaa ehdotuksia", "en osaa vastata")


def sender(prefix: str) -> str:
    return f"{prefix}-{time.time_ns()}"


def assert_crisis_reply(messages: list[dict], opening: str, number: str) -> None:
    reply = texts(messages)
    assert opening in reply, reply
    assert number in reply, reply
    for word in NEVER:
        assert word not in reply, reply
    assert not any(m.get("buttons") for m in messages), messages
    assert len(messages) == 1, messages


@pytest.mark.parametrize("bot", ["tero", "paavo"])
@pytest.mark.parametrize("text, opening, number", ISSUE_MESSAGES)
def test_crisis_messages_of_the_issue_get_help_first(stack, bot, text, opening, number):
    port = stack["settings"].tero_port if bot == "tero" else stack["settings"].paavo_port
    assert_crisis_reply(say(port, sender(f"e2e-crisis-{bot}"), text), opening, number)


def test_most_urgent_number_first_as_tel_link(stack):
    reply = texts(say(stack["settings"].tero_port, sender("e2e-crisis-order"), "haluan kuolla"))
    assert reply.index("[112](tel:112)") < reply.index("[09 2525 0111](tel:+358925250111)")


def test_crisis_while_paavo_waits_for_a_situation_answer_and_the_conversation_goes_on(
    stack, catalogue
):
    port = stack["settings"].paavo_port
    student = sender("e2e-crisis-pending")
    first = say(port, student, "sain opiskelupaikan turusta, mitä nyt pitää tehdä")
    assert "Voin tarkentaa ehdotuksia" in texts(first)  # a situation question is pending
    assert_crisis_reply(say(port, student, "en jaksa enää elää"), "Kiitos, että kerroit", "112")
    # The pending question is dropped: a "no" afterwards is plain small talk.
    after = texts(say(port, student, "ei"))
    assert "Voin tarkentaa" not in after
    # And the conversation goes on normally.
    housing = texts(say(port, student, "tarvitsen asunnon turusta"))
    assert "https://" in housing


def test_tero_answers_normally_after_a_crisis_reply(stack, catalogue):
    port = stack["settings"].tero_port
    student = sender("e2e-crisis-then-term")
    say(port, student, "kaveri ei hengitä")
    assert catalogue.terms["kela"].definition in texts(say(port, student, "mikä on kela"))


@pytest.mark.parametrize(
    "bot, text, expected",
    [
        ("tero", "mikä on hätänumero", "hatanumero_112"),
        ("tero", "korvaako kotivakuutus jos asunnossa syttyy tulipalo", "kotivakuutus"),
        ("paavo", "kuolen nälkään, missä on halpaa opiskelijaruokaa", None),
    ],
)
def test_ordinary_questions_in_crisis_like_words_are_answered_normally(
    stack, catalogue, bot, text, expected
):
    port = stack["settings"].tero_port if bot == "tero" else stack["settings"].paavo_port
    reply = texts(say(port, sender("e2e-not-crisis"), text))
    assert "Kiitos, että kerroit" not in reply and "hätätilanteelta" not in reply
    if expected:
        assert catalogue.terms[expected].definition in reply
    else:
        assert "https://" in reply


@pytest.mark.parametrize("bot", ["tero", "paavo"])
def test_small_talk_never_swallows_content(stack, bot):
    port = stack["settings"].tero_port if bot == "tero" else stack["settings"].paavo_port
    reply = texts(say(port, sender("e2e-no-selva"), "haluan avioeron"))
    assert "Selvä" not in reply
    assert "Selvä" in texts(say(port, sender("e2e-selva"), "ei kiitos"))


def test_near_miss_questions_are_answered_honestly(stack, catalogue):
    port = stack["settings"].tero_port
    reply = texts(say(port, sender("e2e-near-miss"), "kuka on YTHS:n toimitusjohtaja"))
    assert "en valitettavasti osaa kertoa" in reply
    assert catalogue.terms["yths"].source_url in reply
    act = texts(
        say(
            port,
            sender("e2e-near-miss"),
            "kirjaudu mun omakelaan ja katso paljonko mulle maksetaan",
        )
    )
    assert "En valitettavasti voi tehdä tätä puolestasi" in act
    assert catalogue.terms["omakela"].source_url in act


def test_the_question_log_records_a_crisis_with_its_own_outcome(stack):
    marker = "".join(random.choice(string.ascii_lowercase) for _ in range(12))
    say(stack["settings"].paavo_port, sender("e2e-crisis-log"), f"haluan kuolla {marker}")
    rows = wait_for_rows(f"sqlite:///{stack['settings'].var_dir / 'log.db'}", marker, 20)
    assert len(rows) == 1, rows
    assert rows[0]["outcome"] == "crisis" and rows[0]["answer_ref"] == "itsetuhoisuus"
