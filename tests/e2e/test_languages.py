"""End to end over REST: Tero and Paavo answer in the student's language
(Finnish, Swedish, English) from the first message to the last, and the
widget's language choice (message metadata) wins over detection."""

from __future__ import annotations

import time

from tests.support.chat import post, say, texts
from tests.support.log_rows import wait_for_rows


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_tero_in_swedish(stack, catalogue):
    port = stack["settings"].tero_port
    messages = say(port, "e2e-lang-sv-1", "vad är FPA")
    kela = catalogue.terms["kela"]
    assert _flat(kela.text("definition", "sv")) in _flat(texts(messages))
    assert kela.definition not in texts(messages)
    titles = [b["title"] for m in messages for b in m.get("buttons", [])]
    assert titles and not any("Hyödyllinen" in t for t in titles)  # buttons in Swedish too
    assert [m.get("lang") for m in messages] == ["sv"] * len(messages)  # for screen readers


def test_tero_keeps_english_for_a_bare_name(stack, catalogue):
    port = stack["settings"].tero_port
    messages = say(port, "e2e-lang-en-1", "hi")
    assert _flat(catalogue.meta["texts_en"]["tero"]["utter_greet"]) == _flat(texts(messages))
    assert [m.get("lang") for m in messages] == ["en"]  # a domain response names it too
    reply = texts(say(port, "e2e-lang-en-1", "what is kela"))
    assert _flat(catalogue.terms["kela"].text("definition", "en")) in _flat(reply)
    # "Föli?" is in no language: the conversation stays in English.
    reply = texts(say(port, "e2e-lang-en-1", "Föli?"))
    assert _flat(catalogue.terms["foli"].text("definition", "en")) in _flat(reply)
    # A clear switch to Finnish is followed.
    reply = texts(say(port, "e2e-lang-en-1", "mistä saan verokortin"))
    assert _flat(catalogue.terms["verokortti"].definition) in _flat(reply)


def test_the_widgets_language_choice_wins(stack, catalogue):
    port = stack["settings"].tero_port
    status, body = post(
        port,
        {"sender": "e2e-lang-choice", "message": "mikä on kela", "metadata": {"language": "en"}},
    )
    assert status == 200
    assert _flat(catalogue.terms["kela"].text("definition", "en")) in _flat(texts(body))


def test_paavo_in_swedish_with_its_situation_question(stack, catalogue):
    port = stack["settings"].paavo_port
    messages = say(port, "e2e-lang-sv-2", "jag behöver en bostad i åbo")
    assert {m.get("lang") for m in messages} == {"sv"}
    reply = texts(messages)
    assert catalogue.services["tys_asunnot"].text("name", "sv") in reply
    need = catalogue.needs["asunto"]
    assert need.text("name", "sv") in reply and need.name not in reply
    question = catalogue.situations["asuu_turussa"].text("question", "sv")
    assert question in reply


def test_paavo_in_english(stack, catalogue):
    port = stack["settings"].paavo_port
    reply = texts(say(port, "e2e-lang-en-2", "i need help with my student financial aid"))
    assert catalogue.services["kela_opintotuki"].text("name", "en") in reply


def test_crisis_reply_in_the_students_language(stack, catalogue):
    category = catalogue.safety.categories["itsetuhoisuus"]
    for bot in ("tero", "paavo"):
        port = stack["settings"].tero_port if bot == "tero" else stack["settings"].paavo_port
        messages = say(port, f"e2e-lang-crisis-{bot}", "jag vill inte leva längre")
        assert [m.get("lang") for m in messages] == ["sv"], bot
        reply = texts(messages)
        opening = category.replies["sv"].split("{contacts}")[0].strip()[:40]
        assert opening in reply, (bot, reply)


def test_the_channels_own_replies_follow_the_widgets_choice(stack):
    port = stack["settings"].tero_port
    for lang, expected in (("sv", "Skriv din fråga"), ("en", "Type your question")):
        status, body = post(
            port,
            {"sender": f"e2e-lang-empty-{lang}", "message": " ", "metadata": {"language": lang}},
        )
        assert status == 200 and body == [
            {"recipient_id": f"e2e-lang-empty-{lang}", "text": body[0]["text"], "lang": lang}
        ]
        assert body[0]["text"].startswith(expected)


def test_the_log_keeps_the_language_each_question_was_answered_in(stack):
    """The editors' inbox and the report read it (review.inbox, report.figures)."""
    port = stack["settings"].tero_port
    log_url = f"sqlite:///{stack['settings'].var_dir / 'log.db'}"
    for lang, question in (("sv", "vad är FPA"), ("en", "what is kela"), ("fi", "mikä on kela")):
        marker = f"zq{lang}{time.time_ns()}"
        say(port, f"e2e-lang-log-{lang}", f"{question} {marker}")
        rows = wait_for_rows(log_url, marker, 20)
        assert [r["lang"] for r in rows] == [lang], (lang, rows)
