"""End to end: real action server, real Tero and Paavo servers, over HTTP.

Trains the models if they are out of date (see conftest.models_dir), starts
every server on free ports with its own copy of the catalogue and database,
and talks to both bots through Rasa's REST channel.
"""

from __future__ import annotations

import csv
import time
import urllib.error
import urllib.request

import pytest

from tests.support.chat import post, say, texts


def test_tero_answers_a_term_with_definition_source_and_services(stack, catalogue):
    port = stack["settings"].tero_port
    reply = texts(say(port, "e2e-tero-1", "mitä kela tarkoittaa"))
    term = catalogue.terms["kela"]
    assert term.definition in reply
    assert term.source_url in reply
    assert catalogue.services[term.services[0]].url in reply


def test_tero_conversation_with_small_talk(stack, catalogue):
    port = stack["settings"].tero_port
    assert "Tero" in texts(say(port, "e2e-tero-2", "moi"))
    assert catalogue.terms["verokortti"].definition in texts(
        say(port, "e2e-tero-2", "mistä saan verokortin")
    )
    assert texts(say(port, "e2e-tero-2", "kiitos"))


def test_tero_button_payload_answers_directly(stack, catalogue):
    reply = texts(say(stack["settings"].tero_port, "e2e-tero-3", "/termi_opintoraha"))
    assert catalogue.terms["opintoraha"].definition in reply


def test_tero_out_of_scope(stack):
    reply = say(stack["settings"].tero_port, "e2e-tero-4", "anna resepti lihapullille")
    assert "en osaa" in texts(reply).lower()
    assert not any(m.get("buttons") for m in reply)


def test_paavo_finds_services_before_the_move(stack, catalogue):
    port = stack["settings"].paavo_port
    messages = say(port, "e2e-paavo-1", "sain opiskelupaikan turusta, mitä nyt pitää tehdä")
    reply = texts(messages)
    need = catalogue.needs["opiskelupaikka_saatu"]
    first = catalogue.services[need.services[0]]
    assert first.name in reply and first.url in reply
    assert 1 <= reply.count("https://") <= 5
    # One message: the complete plain text, 👍/👎, and the cards for channels that draw them.
    answer = messages[0]
    assert [b["payload"] for b in answer["buttons"]] == ["/feedback_up", "/feedback_down"]
    cards = answer["custom"]
    assert cards["studybots"] == "services" and cards["intro"] in answer["text"]
    assert cards["services"][0]["name"] == first.name and cards["services"][0]["url"] == first.url
    for card in cards["services"]:
        assert card["name"] in answer["text"] and card["url"] in answer["text"]
        assert card["summary"] in answer["text"] and card["link_label"] == "Palvelun sivu"
    assert not any("custom" in m for m in messages[1:])  # the question after it, if any


def test_paavo_asks_about_the_situation_and_reranks_with_the_answers(stack, catalogue):
    port = stack["settings"].paavo_port
    sender = f"e2e-paavo-situation-{time.time_ns()}"
    first = say(port, sender, "sain opiskelupaikan turusta, mitä nyt pitää tehdä")
    assert len(first) == 2 and "ulkomailta" in first[1]["text"]
    assert first[1]["buttons"][-1]["payload"] == "/skip"
    # "Skip": accepted, the next question follows once.
    skipped = say(port, sender, "/skip")
    assert "ohitetaan" in texts(skipped).lower()
    assert "Asutko jo Turussa?" in texts(skipped)
    # "Not yet": grant, housing and notification of move first.
    answered = say(port, sender, "/deny")
    top = texts(answered).split("\n4.")[0]
    for service_id in ("kela_opintotuki", "tys_asunnot", "muuttoilmoitus"):
        assert catalogue.services[service_id].url in top, texts(answered)
    # The last question, then nothing more is asked.
    assert "oppilaitoksessa" in texts(answered)
    assert catalogue.services["tyy"].url in texts(
        say(port, sender, '/affirm{"situation_answer": "oppilaitos=utu"}')
    )
    again = say(port, sender, "sain opiskelupaikan turusta, mitä nyt pitää tehdä")
    assert len(again) == 1  # three questions asked: no fourth


def test_paavo_uses_what_the_student_said_without_asking(stack, catalogue):
    port = stack["settings"].paavo_port
    reply = say(
        port,
        f"e2e-paavo-said-{time.time_ns()}",
        "oon ranskasta ja muutan turkuun ensi kuussa, mitä pitää hoitaa",
    )
    assert catalogue.services["eu_rekisterointi"].name in texts(reply)
    assert catalogue.services["oleskelulupa_opiskelu"].name not in texts(reply)
    assert "Asutko jo Turussa?" not in texts(reply) and "ulkomailta?" not in texts(reply)


def test_paavo_free_text_search_when_unsure(stack):
    reply = texts(say(stack["settings"].paavo_port, "e2e-paavo-2", "pesäpallokenttä"))
    assert "https://" in reply


def test_edited_definition_goes_live_without_retraining(stack):
    """Editors fix a definition in the table; the running bot answers with it."""
    port = stack["settings"].tero_port
    path = stack["settings"].catalogue_dir / "terms" / "terms.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    marker = "Föli on Turun seudun joukkoliikenne (muokattu testissä)."
    for row in rows:
        if row["id"] == "foli":
            row["definition"] = marker
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0].keys()), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    deadline = time.monotonic() + 15
    while True:
        reply = texts(say(port, "e2e-tero-5", "mikä on föli"))
        if marker in reply or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert marker in reply


BAD_INPUTS = [
    ("empty", {"sender": "bad", "message": ""}),
    ("whitespace", {"sender": "bad", "message": "   \n "}),
    ("50 kB", {"sender": "bad", "message": "ä" * 50_000}),
    ("wrong types", {"sender": ["x"], "message": 42}),
    ("message a list", {"sender": "bad", "message": ["mikä on kela"]}),
    ("emoji only", {"sender": "bad", "message": "😀🎉🙈"}),
    ("html", {"sender": "bad", "message": "<img src=x onerror=alert(1)>"}),
    ("script", {"sender": "bad", "message": "<script>alert('x')</script>"}),
    ("sql", {"sender": "bad", "message": "'; DROP TABLE events; --"}),
]


@pytest.mark.parametrize("bot", ["tero", "paavo"])
def test_bad_input_gets_a_polite_reply_or_a_clear_4xx(stack, bot):
    port = getattr(stack["settings"], f"{bot}_port")
    raw = [
        b"\xff\xfe\xfd",
        b'{"sender": "bad", "message": ',
        b"null",
        b"[]",
        # Pathological JSON: 1000 levels deep (a 500 before), NaN, a lone surrogate.
        b"[" * 1000 + b"]" * 1000,
        b'{"sender": "bad", "message": "kela", "metadata": ' + b'{"a":' * 900 + b"1" + b"}" * 901,
        b'{"sender": "bad", "message": "kela", "metadata": {"x": NaN}}',
        b'{"sender": "bad", "message": "kela", "metadata": {"x": "\\udc00"}}',
    ]
    for label, payload in BAD_INPUTS + [(f"raw {r[:8]!r}", r) for r in raw]:
        status, body = post(port, payload)
        assert status != 500, label
        if status == 200:
            assert isinstance(body, list) and body and body[0].get("text"), label
            for message in body:  # the user's markup is never echoed back
                assert "<script" not in (message.get("text") or ""), label
                assert "onerror" not in (message.get("text") or ""), label
        else:
            assert 400 <= status < 500, label
            assert body["message"], label
        # The next ordinary message is answered normally.
        assert "https://" in texts(
            say(
                port,
                "after-bad-input",
                "mikä on kela" if bot == "tero" else "tarvitsen asunnon turusta",
            )
        ), label
    for server in stack["servers"].values():
        assert server.process.poll() is None, f"{server.name} crashed"


def test_web_page_and_its_widget_are_served(stack):
    settings = stack["settings"]
    base = f"http://127.0.0.1:{settings.web_port}"
    with urllib.request.urlopen(base + "/", timeout=10) as resp:
        page = resp.read().decode()
        csp = resp.headers["Content-Security-Policy"]
    assert "Opiskelijana Turkuun" in page and "/static/widget/studybots-widget.js" in page
    # The bots' addresses are filled in, and the websockets may connect to them.
    assert f'data-tero-url="http://localhost:{settings.tero_port}"' in page
    assert f'data-paavo-url="http://localhost:{settings.paavo_port}"' in page
    assert "{{" not in page
    for port in (settings.tero_port, settings.paavo_port):
        assert f"http://localhost:{port} ws://localhost:{port}" in csp
    assert "script-src 'self';" in csp
    for path in (
        "/static/widget/studybots-widget.js",
        "/static/widget/studybots-widget.css",
        "/static/vendor/socket.io.min.js",
    ):
        with urllib.request.urlopen(base + path, timeout=10) as resp:
            body = resp.read().decode()
            assert resp.status == 200 and body, path
        if path.endswith("widget.js"):
            # Everything is rendered as text; nothing is evaluated.
            for unsafe in (
                "innerHTML",
                "outerHTML",
                "insertAdjacentHTML",
                "document.write",
                "eval(",
                "new Function",
            ):
                assert unsafe not in body, unsafe


def test_every_message_is_logged_without_personal_data(stack):
    import sqlalchemy as sa

    from studybots.questionlog.model import make_log_engine, message_log

    sender = f"e2e-log-{time.time_ns()}"
    say(stack["settings"].tero_port, sender, "mikä on kela, numeroni on 040 765 4321")
    say(stack["settings"].paavo_port, sender, "tarvitsen asunnon turusta")
    engine = make_log_engine(f"sqlite:///{stack['settings'].var_dir / 'log.db'}")
    deadline = time.monotonic() + 20
    logged: list = []
    while time.monotonic() < deadline:
        try:
            with engine.connect() as c:
                logged = [
                    dict(r._mapping)
                    for r in c.execute(
                        sa.select(message_log).where(
                            message_log.c.text.like("%kela, numeroni%")
                            | message_log.c.text.like("%asunnon turusta%")
                        )
                    )
                ]
        except sa.exc.OperationalError:
            logged = []
        if len(logged) >= 2:
            break
        time.sleep(0.5)
    engine.dispose()
    by_bot = {r["bot"]: r for r in logged}
    assert set(by_bot) == {"tero", "paavo"}, logged
    assert by_bot["tero"]["text"] == "mikä on kela, numeroni on [PUHELIN]"
    assert by_bot["tero"]["outcome"] == "answer" and by_bot["tero"]["answer_ref"] == "kela"
    assert by_bot["paavo"]["outcome"] == "services"
    assert by_bot["tero"]["channel"] == "rest"
    assert sender not in str(logged)


def test_answers_offer_feedback_and_a_thumbs_down_is_recorded(stack):
    import sqlalchemy as sa

    from studybots.questionlog.model import make_log_engine, message_log

    port = stack["settings"].tero_port
    sender = f"e2e-feedback-{time.time_ns()}"
    reply = say(port, sender, "mikä on opintolaina")
    payloads = [b["payload"] for m in reply for b in (m.get("buttons") or [])]
    assert payloads == ["/feedback_up", "/feedback_down"]
    assert "palautteesta" in texts(say(port, sender, "/feedback_down"))
    engine = make_log_engine(f"sqlite:///{stack['settings'].var_dir / 'log.db'}")
    deadline, rated = time.monotonic() + 20, None
    while time.monotonic() < deadline and rated is None:
        with engine.connect() as c:
            rated = c.execute(
                sa.select(message_log.c.feedback).where(
                    message_log.c.text == "mikä on opintolaina", message_log.c.feedback.is_not(None)
                )
            ).scalar()
        time.sleep(0.5)
    engine.dispose()
    assert rated == "down"


def test_bidirectional_controls_never_reach_the_log(stack):
    """U+202E and the other bidi controls would make an editor's review sheet
    show a question reordered ("Trojan Source"); they are gone before logging."""
    from studybots.core.controls import BIDI_CONTROLS
    from tests.support.log_rows import wait_for_rows

    marker = f"bidi{time.time_ns()}"
    sender = f"e2e-bidi-\u202e{time.time_ns()}"
    status, _ = post(
        stack["settings"].tero_port,
        {"sender": sender, "message": f"mikä on \u202eale\u2066k\u2069\u202c kela {marker}\u200f"},
    )
    assert status == 200
    rows = wait_for_rows(f"sqlite:///{stack['settings'].var_dir / 'log.db'}", marker, 20)
    assert len(rows) == 1, rows
    assert rows[0]["text"] == f"mikä on alek kela {marker}"
    assert not any(c in str(rows) for c in BIDI_CONTROLS)
