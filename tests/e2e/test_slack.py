"""Slack end to end, without the internet.

Tero and Paavo run as real Rasa servers (the session stack of
tests/conftest.py) with the Slack channel enabled by environment variables,
as in production; the Slack Web API is a local double
(tests/support/slack_double.py) that records every chat.postMessage.
The tests send signed Events API and interactivity requests, exactly as Slack
does, to POST /webhooks/slack/webhook.
"""

from __future__ import annotations

import json
import random
import threading
import time

import pytest

from tests.support.log_rows import wait_for_rows
from tests.support.slack_double import (
    PAAVO_SECRET,
    PAAVO_TOKEN,
    TERO_SECRET,
    TERO_TOKEN,
    button_click,
    message_event,
    send,
    send_event,
    send_payload,
    sign,
)

SETTLE = 3.0  # seconds to wait for a post that must not come


@pytest.fixture(scope="module")
def slack(stack, slack_api):
    """The session stack: both bots have the Slack channel (tests/conftest.py)."""
    settings = stack["settings"]
    return {
        "settings": settings,
        "double": slack_api,
        "tero": settings.tero_port,
        "paavo": settings.paavo_port,
    }


def uid(prefix: str) -> str:
    return f"{prefix}{time.time_ns() % 10**12}"


def section_text(post: dict) -> str:
    blocks = post.get("blocks") or []
    return "\n".join(b["text"]["text"] for b in blocks if b.get("type") == "section")


def link_buttons(post: dict) -> list[dict]:
    return [
        {"text": b["accessory"]["text"]["text"], "url": b["accessory"]["url"]}
        for b in post.get("blocks") or []
        if b.get("type") == "section" and (b.get("accessory") or {}).get("url")
    ]


def button_values(post: dict) -> list[str]:
    return [
        e["value"]
        for b in post.get("blocks") or []
        if b.get("type") == "actions"
        for e in b["elements"]
    ]


def test_url_verification_challenge(slack):
    status, body, _ = send_event(
        slack["tero"],
        TERO_SECRET,
        {"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRNFdxV", "token": "x"},
    )
    assert status == 200
    assert json.loads(body) == {"challenge": "3eZbrw1aBm2rZgRNFdxV"}


def test_direct_message_is_answered_with_buttons_as_blocks(slack, catalogue):
    double, channel = slack["double"], uid("D")
    status, _, _ = send_event(
        slack["tero"], TERO_SECRET, message_event("mikä on kela", uid("U"), channel)
    )
    assert status == 200
    posts = double.wait_posts(channel, 1, settle=1.0)
    assert len(posts) == 1, posts
    post = posts[0]
    assert post["_token"] == TERO_TOKEN and "thread_ts" not in post and "as_user" not in post
    term = catalogue.terms["kela"]
    assert term.definition in section_text(post) and term.source_url in section_text(post)
    assert term.definition in post["text"]  # the notification text
    assert button_values(post) == ["/feedback_up", "/feedback_down"]


def test_channel_message_needs_a_mention(slack, catalogue):
    double, channel = slack["double"], uid("C")
    event = message_event("mikä on kela", uid("U"), channel, channel_type="channel")
    status, _, _ = send_event(slack["tero"], TERO_SECRET, event)
    assert status == 200
    assert double.wait_posts(channel, 1, timeout=SETTLE) == []

    status, _, _ = send_event(
        slack["tero"],
        TERO_SECRET,
        message_event("<@UBOT> mikä on kela", uid("U"), channel, kind="app_mention"),
    )
    assert status == 200
    posts = double.wait_posts(channel, 1, settle=1.0)
    assert len(posts) == 1
    assert catalogue.terms["kela"].definition in section_text(posts[0])
    assert "thread_ts" not in posts[0]


def test_question_in_a_thread_is_answered_in_the_thread(slack, catalogue):
    double = slack["double"]
    for channel, kind in ((uid("C"), "app_mention"), (uid("D"), "message")):
        parent = f"{time.time() - 60:.6f}"
        send_event(
            slack["tero"],
            TERO_SECRET,
            message_event(
                "<@UBOT> mistä saan verokortin", uid("U"), channel, kind=kind, thread_ts=parent
            ),
        )
        posts = double.wait_posts(channel, 1)
        assert posts and all(p["thread_ts"] == parent for p in posts), posts
        assert catalogue.terms["verokortti"].definition in section_text(posts[0])


def test_button_click_is_answered(slack, catalogue):
    double, channel, user = slack["double"], uid("D"), uid("U")
    status, _, _ = send_payload(
        slack["tero"],
        TERO_SECRET,
        button_click("/termi_opintoraha", user, channel, message_ts=f"{time.time():.6f}"),
    )
    assert status == 200
    posts = double.wait_posts(channel, 1)
    assert catalogue.terms["opintoraha"].definition in section_text(posts[0])
    # a click on a button inside a thread answers in that thread
    parent = f"{time.time() - 30:.6f}"
    send_payload(
        slack["tero"],
        TERO_SECRET,
        button_click(
            "/feedback_down", user, channel, message_ts=f"{time.time():.6f}", thread_ts=parent
        ),
    )
    posts = double.wait_posts(channel, 2)
    assert posts[1]["thread_ts"] == parent and "palautteesta" in posts[1]["text"]


def test_bad_signature_and_stale_timestamp_never_reach_the_bot(slack):
    double, port, channel = slack["double"], slack["tero"], uid("D")
    body = json.dumps(message_event("mikä on kela", uid("U"), channel)).encode()
    cases = {
        "wrong secret": sign("not-the-secret", body),
        "paavo's secret": sign(PAAVO_SECRET, body),
        "stale": sign(TERO_SECRET, body, timestamp=int(time.time()) - 6 * 60),
        "future": sign(TERO_SECRET, body, timestamp=int(time.time()) + 6 * 60),
        "no headers": {},
        "bad timestamp": {**sign(TERO_SECRET, body), "X-Slack-Request-Timestamp": "soon"},
    }
    for name, headers in cases.items():
        status, reply, _ = send(port, body, {"Content-Type": "application/json", **headers})
        assert 400 <= status < 500, (name, status)
        assert json.loads(reply)["error"] == "invalid_signature", name
    # a body changed after signing
    headers = sign(TERO_SECRET, body)
    status, _, _ = send(
        port, body.replace(b"kela", b"yths"), {"Content-Type": "application/json", **headers}
    )
    assert 400 <= status < 500
    assert double.wait_posts(channel, 1, timeout=SETTLE) == []


def test_retries_never_give_a_second_answer(slack):
    double, port, channel = slack["double"], slack["tero"], uid("D")
    envelope = message_event("mikä on yths", uid("U"), channel)
    assert send_event(port, TERO_SECRET, envelope)[0] == 200
    # Slack's retries: the same event, with retry headers and reasons that
    # Rasa's own channel would answer again; several at once so that both
    # worker processes get some.
    results: list[int] = []

    def retry(number: int, reason: str) -> None:
        results.append(
            send_event(
                port,
                TERO_SECRET,
                envelope,
                extra_headers={"X-Slack-Retry-Num": str(number), "X-Slack-Retry-Reason": reason},
            )[0]
        )

    threads = [
        threading.Thread(target=retry, args=(n % 3 + 1, reason))
        for n, reason in enumerate(
            [
                "http_timeout",
                "http_error",
                "too_many_redirects",
                "unknown_error",
                "http_error",
                "http_timeout",
            ]
        )
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 6
    # the same message delivered again under another event id (e.g. a
    # re-subscription) is not answered twice either
    again = dict(envelope, event_id=f"Ev{time.time_ns()}")
    assert send_event(port, TERO_SECRET, again)[0] == 200
    posts = double.wait_posts(channel, 1, settle=SETTLE)
    assert len(posts) == 1, posts


def test_concurrent_first_deliveries_answer_once(slack):
    """The first delivery and its retry arrive at the same time (the first
    was slow): both workers race, one answers."""
    double, port, channel = slack["double"], slack["tero"], uid("D")
    envelope = message_event("mikä on föli", uid("U"), channel)
    threads = [
        threading.Thread(
            target=send_event,
            args=(port, TERO_SECRET, envelope),
            kwargs={"extra_headers": {"X-Slack-Retry-Num": str(n)} if n else {}},
        )
        for n in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(double.wait_posts(channel, 1, settle=SETTLE)) == 1


def test_events_that_are_not_questions_are_ignored(slack):
    double, port, channel = slack["double"], slack["tero"], uid("D")
    bot_message = message_event("Kela on ...", "UBOT", channel)
    bot_message["event"]["bot_id"] = "BBOT"
    edited = message_event("mikä on kela", uid("U"), channel)
    edited["event"]["subtype"] = "message_changed"
    other = {"type": "event_callback", "event_id": "Ev1", "event": {"type": "reaction_added"}}
    for envelope in (bot_message, edited, other, {"type": "app_rate_limited"}):
        assert send_event(port, TERO_SECRET, envelope)[0] == 200
    assert double.wait_posts(channel, 1, timeout=SETTLE) == []


def test_bad_input_gets_a_4xx_or_a_polite_reply(slack):
    double, port = slack["double"], slack["tero"]

    def signed(body: bytes, content_type: str) -> int:
        return send(port, body, {"Content-Type": content_type, **sign(TERO_SECRET, body)})[0]

    assert signed(b"{not json", "application/json") == 400
    assert signed(b"\xff\xfe", "application/json") == 400
    assert signed(b"[1, 2]", "application/json") == 400
    assert signed(b"payload=%7Bbroken", "application/x-www-form-urlencoded") == 400
    assert signed(b"other=1", "application/x-www-form-urlencoded") == 400
    assert (
        signed(
            b"payload=" + json.dumps({"type": "view_submission"}).encode(),
            "application/x-www-form-urlencoded",
        )
        == 400
    )
    assert signed(b"hello", "text/plain") == 415
    # Pathological JSON: nested 1000 levels deep, also inside a form payload.
    deep = b"[" * 1000 + b"]" * 1000
    assert signed(deep, "application/json") == 400
    assert (
        signed(
            b'{"type": "event_callback", "event": ' + b'{"a":' * 500 + b"1" + b"}" * 501,
            "application/json",
        )
        == 400
    )
    assert signed(b"payload=" + deep, "application/x-www-form-urlencoded") == 400
    assert signed(b"x" * (600 * 1024), "application/json") == 413
    missing_user = message_event("hei", uid("U"), uid("D"))
    del missing_user["event"]["user"]
    assert send_event(port, TERO_SECRET, missing_user)[0] == 400

    # empty text, only a mention, a huge text: a polite reply in Slack
    for text, expected in (
        ("", "Kirjoita kysymyksesi"),
        ("<@UBOT>", "Kirjoita kysymyksesi"),
        ("kela " * 2000, "liian pitkä"),
    ):
        channel = uid("D")
        kind = "app_mention" if text.startswith("<@") else "message"
        assert (
            send_event(port, TERO_SECRET, message_event(text, uid("U"), channel, kind=kind))[0]
            == 200
        )
        posts = double.wait_posts(channel, 1, timeout=30)
        assert len(posts) == 1 and expected in posts[0]["text"], posts
    # and the bot still answers
    channel = uid("D")
    send_event(port, TERO_SECRET, message_event("mikä on kela", uid("U"), channel))
    assert double.wait_posts(channel, 1)


def test_slack_message_is_logged_with_channel_slack_and_no_slack_ids(slack):
    import sqlalchemy as sa

    from studybots.privacy.pseudonyms import load_key, pseudonym

    user, channel = uid("U"), uid("D")
    marker = "".join(random.choice("bcdfghjklmnprstv") for _ in range(10))
    text = f"mikä on kela {marker}"
    send_event(
        slack["tero"],
        TERO_SECRET,
        message_event(f"<@UBOT> {text} <@UOTHER99>", user, channel, kind="app_mention"),
    )
    assert slack["double"].wait_posts(channel, 1)
    rows = wait_for_rows(slack["settings"].log_url, marker, 30)
    assert len(rows) == 1, rows
    row = rows[0]
    assert row["channel"] == "slack" and row["bot"] == "tero"
    key = load_key(slack["settings"].var_dir / "log.key")
    assert row["conversation"] == pseudonym(user, key)
    assert row["text"] == f"{text} [KÄYTTÄJÄ]"
    for slack_id in (user, channel, "UBOT", "UOTHER99"):
        assert slack_id not in str(row)
    # nor in the stored conversations (sender pseudonymised, no Slack metadata)
    tracker = sa.create_engine(slack["settings"].tracker_url("tero"))
    with tracker.connect() as c:
        stored = [tuple(r) for r in c.execute(sa.text("select sender_id, data from events"))]
    tracker.dispose()
    assert any(marker in str(r) for r in stored)
    for slack_id in (user, channel, "UOTHER99"):
        assert slack_id not in str(stored)


def test_paavo_is_a_separate_slack_app(slack, catalogue):
    double, port, channel = slack["double"], slack["paavo"], uid("D")
    event = message_event("sain opiskelupaikan turusta, mitä nyt pitää tehdä", uid("U"), channel)
    assert send_event(port, TERO_SECRET, event)[0] == 401  # Tero's secret is not Paavo's
    assert send_event(port, PAAVO_SECRET, event)[0] == 200
    posts = double.wait_posts(channel, 1, settle=1.0)
    # The services, then possibly Paavo's optional question about the situation.
    assert 1 <= len(posts) <= 2 and all(p["_token"] == PAAVO_TOKEN for p in posts)
    need = catalogue.needs["opiskelupaikka_saatu"]
    first = catalogue.services[need.services[0]]
    # A section per service, its page behind a link button, 👍/👎 at the end.
    links = link_buttons(posts[0])
    assert links[0] == {"text": "Palvelun sivu", "url": first.url}, links
    assert 1 <= len(links) <= 5 and all(b["url"].startswith("https://") for b in links)
    assert f"*{first.name}*" in section_text(posts[0])
    assert button_values(posts[0]) == ["/feedback_up", "/feedback_down"]
    assert first.url in posts[0]["text"]  # the plain text for notifications


def test_paavo_cards_in_slack_have_the_attribution_once_and_small(slack):
    double, channel = slack["double"], uid("D")
    send_event(
        slack["paavo"], PAAVO_SECRET, message_event("mistä saan verokortin", uid("U"), channel)
    )
    posts = double.wait_posts(channel, 1, settle=1.0)
    blocks = posts[0]["blocks"]
    assert len(blocks) <= 50
    context = [b for b in blocks if b["type"] == "context"]
    assert len(context) == 1 and "Palvelutietovaranto" in context[0]["elements"][0]["text"]
    assert "Palvelutietovaranto" not in section_text(posts[0])  # only in the small print
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")

    # Slack tells the app about a click on a link button too: acknowledged, no answer.
    click = button_click("x", uid("U"), channel, message_ts=f"{time.time():.6f}")
    link = link_buttons(posts[0])[0]
    click["actions"][0] = {
        "type": "button",
        "action_id": "studybots_link_0",
        "block_id": "studybots_service_0",
        "url": link["url"],
        "text": {"type": "plain_text", "text": link["text"]},
        "action_ts": f"{time.time():.6f}",
    }
    status, body, _ = send_payload(slack["paavo"], PAAVO_SECRET, click)
    assert status == 200 and body == b"ignored"
    assert len(double.wait_posts(channel, len(posts) + 1, timeout=SETTLE)) == len(posts)


def test_rest_channel_keeps_working_beside_slack(slack):
    from tests.support.chat import say, texts

    assert "Tero" in texts(say(slack["tero"], uid("rest-"), "moi"))


def test_crisis_reply_in_slack_has_plain_numbers(slack):
    double, channel = slack["double"], uid("D")
    status, _, _ = send_event(
        slack["paavo"], PAAVO_SECRET, message_event("jag vill inte leva längre", uid("U"), channel)
    )
    assert status == 200
    posts = double.wait_posts(channel, 1, settle=1.0)
    assert len(posts) == 1, posts
    text = posts[0]["text"]
    assert "Tack för att du berättar" in text and "112" in text and "09 2525 0112" in text
    assert "tel:" not in text and "](" not in text
    assert not button_values(posts[0])


def button_titles(post: dict) -> list[str]:
    return [
        e["text"]["text"]
        for b in post.get("blocks") or []
        if b.get("type") == "actions"
        for e in b["elements"]
    ]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_tero_answers_in_swedish_and_english_in_slack(slack, catalogue):
    """Slack has no language switch: the bots detect the student's language."""
    kela = catalogue.terms["kela"]
    for lang, question in (("sv", "vad är FPA"), ("en", "what is kela")):
        double, channel = slack["double"], uid("D")
        send_event(slack["tero"], TERO_SECRET, message_event(question, uid("U"), channel))
        posts = double.wait_posts(channel, 1, settle=1.0)
        assert len(posts) == 1, posts
        assert _flat(kela.text("definition", lang)) in _flat(section_text(posts[0])), lang
        assert kela.definition not in section_text(posts[0])
        titles = button_titles(posts[0])
        assert len(titles) == 2 and not any("Hyödyllinen" in t for t in titles), titles


def test_paavo_answers_in_english_in_slack(slack, catalogue):
    double, channel = slack["double"], uid("D")
    event = message_event("i need a student apartment in turku", uid("U"), channel)
    send_event(slack["paavo"], PAAVO_SECRET, event)
    posts = double.wait_posts(channel, 1, settle=1.0)
    tys = catalogue.services["tys_asunnot"]
    assert f"*{tys.text('name', 'en')}*" in section_text(posts[0])
    assert {"text": "Service page", "url": tys.url} in link_buttons(posts[0])
    # Its optional question about the situation, if it asks one, is in English too.
    question = catalogue.situations["asuu_turussa"]
    if len(posts) > 1:
        assert question.text("question", "en") in posts[1]["text"]
