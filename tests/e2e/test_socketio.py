"""The bots' Socket.IO channel (studybots/bot/channels/socketio.py), which the web
chat widget uses: its input checks alone, then against the real bots of the
`stack` fixture with python-socketio's client over the websocket transport."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from studybots.bot.channels.rest import EMPTY_REPLY, MAX_MESSAGE_CHARS
from studybots.bot.channels.sessions import SessionIds
from studybots.bot.channels.socketio import (
    INVALID_MESSAGE_REPLY,
    INVALID_PAYLOAD_REPLY,
    NO_SESSION_REPLY,
    TOO_LONG_REPLY,
    SafeSocketIOInput,
    check_message,
    parse_metadata,
)
from studybots.privacy.pseudonyms import load_key
from tests.support.log_rows import wait_for_rows
from tests.support.socketio_client import ConnectionRefused, SocketIOClient

IDS = SessionIds(b"test key")
SESSION = IDS.issue()


def issued(stack, session_id: str) -> bool:
    """Whether the stack's bots issued `session_id` (their key is in its var dir)."""
    return (
        SessionIds(load_key(stack["settings"].var_dir / "log.key")).verify(session_id) is not None
    )


# -- the checks alone --------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, code",
    [
        ("hello", "invalid_payload"),
        (None, "invalid_payload"),
        (5, "invalid_payload"),
        (["x"], "invalid_payload"),
        ({"message": "mikä on kela"}, "invalid_session"),
        ({"message": "mikä on kela", "session_id": "x"}, "invalid_session"),
        ({"message": "mikä on kela", "session_id": "../../etc/passwd"}, "invalid_session"),
        ({"message": "mikä on kela", "session_id": 12345678901}, "invalid_session"),
        # Chosen by the client, not issued by the server: refused.
        ({"message": "mikä on kela", "session_id": "a1b2c3d4e5f6a7b8"}, "invalid_session"),
        ({"message": "mikä on kela", "session_id": SessionIds(b"x").issue()}, "invalid_session"),
        ({"message": "mikä on kela", "session_id": SESSION[:32]}, "invalid_session"),
        ({"message": 5, "session_id": SESSION}, "invalid_message"),
        ({"message": ["a"], "session_id": SESSION}, "invalid_message"),
        ({"message": {"text": "a"}, "session_id": SESSION}, "invalid_message"),
        ({"message": "x" * (MAX_MESSAGE_CHARS + 1), "session_id": SESSION}, "message_too_long"),
    ],
)
def test_bad_events_are_refused_with_a_code(data, code):
    parsed, failure = check_message(data, session_persistence=True, session_ids=IDS)
    assert parsed is None and failure[0] == code and failure[1]


def test_a_refusal_is_in_the_language_the_widget_asks_for():
    data = {"message": 5, "session_id": SESSION, "metadata": {"language": "sv"}}
    _, failure = check_message(data, session_persistence=True, session_ids=IDS)
    assert failure == ("invalid_message", "Meddelandet måste vara text. Skriv din fråga igen.")
    _, failure = check_message({**data, "metadata": {}}, session_persistence=True, session_ids=IDS)
    assert failure == ("invalid_message", INVALID_MESSAGE_REPLY)


def test_good_event_is_cleaned():
    parsed, failure = check_message(
        {
            "message": "  mikä\x00 on\u200b kela\x1b  ",
            "session_id": SESSION,
            "metadata": '{"page": "/opiskelu"}',
        },
        session_persistence=True,
        session_ids=IDS,
    )
    assert failure is None
    assert parsed["message"] == "mikä on\u200b kela"
    # The conversation is the id's random half: the tag never reaches the stores.
    assert parsed["session_id"] == SESSION[:32] and parsed["metadata"] == {"page": "/opiskelu"}
    parsed, _ = check_message({"message": None, "session_id": SESSION}, True, IDS)
    assert parsed["message"] == ""
    parsed, _ = check_message({"message": "x" * MAX_MESSAGE_CHARS}, session_persistence=False)
    assert parsed["session_id"] is None and len(parsed["message"]) == MAX_MESSAGE_CHARS


def test_metadata():
    assert parse_metadata("not json {") is None
    assert parse_metadata("[1, 2]") is None and parse_metadata(7) is None
    assert parse_metadata({"a": 1}) == {"a": 1}


def test_allowed_origins_come_from_the_environment_or_credentials(monkeypatch):
    monkeypatch.delenv("STUDYBOTS_WEB_ORIGINS", raising=False)
    channel = SafeSocketIOInput.from_credentials(
        {"session_persistence": True, "cors_allowed_origins": "https://www.turku.fi"}
    )
    assert channel.cors_allowed_origins == ["https://www.turku.fi"]
    assert channel.session_persistence is True
    assert SafeSocketIOInput.from_credentials(None).cors_allowed_origins == []
    monkeypatch.setenv("STUDYBOTS_WEB_ORIGINS", "http://localhost:8080 http://127.0.0.1:8080")
    channel = SafeSocketIOInput.from_credentials({"cors_allowed_origins": ["https://x.fi"]})
    assert channel.cors_allowed_origins == ["http://localhost:8080", "http://127.0.0.1:8080"]


def test_a_cards_reply_is_one_socketio_message():
    from studybots.bot.channels import cards
    from studybots.bot.channels.socketio import CountingSocketIOOutput

    class Sio:
        def __init__(self):
            self.emitted = []

        async def emit(self, event, data, room=None, namespace=None):
            self.emitted.append((event, data, room))

    payload = cards.build(
        "Nämä palvelut voisivat auttaa:",
        [{"name": "Kela", "provider": "", "description": "Tukia.", "url": "https://kela.fi"}],
        link_label="Palvelun sivu",
        attribution="Lähde.",
    )
    sio = Sio()
    output = CountingSocketIOOutput(sio, "bot_uttered")
    message = {
        "text": cards.plain_text(payload),
        "buttons": [{"title": "👍", "payload": "/feedback_up"}],
        "custom": payload,
    }
    asyncio.run(output.send_response("room1", message))
    assert sio.emitted == [
        (
            "bot_uttered",
            {
                "text": cards.plain_text(payload),
                "custom": payload,
                "quick_replies": [
                    {"content_type": "text", "title": "👍", "payload": "/feedback_up"}
                ],
            },
            "room1",
        )
    ]
    assert output.sent == 1


def test_a_message_waits_for_a_worker_still_loading_its_model():
    from types import SimpleNamespace

    from studybots.bot.channels.socketio import wait_until_ready

    agent = SimpleNamespace(ready=False)
    agent.is_ready = lambda: agent.ready
    app = SimpleNamespace(ctx=SimpleNamespace(agent=agent))

    async def scenario():
        async def load():
            await asyncio.sleep(0.5)
            agent.ready = True

        loading = asyncio.create_task(load())
        assert await wait_until_ready(app, 5)
        await loading
        agent.ready = False
        started = time.monotonic()
        assert not await wait_until_ready(app, 0.3)
        assert time.monotonic() - started < 2
        assert not await wait_until_ready(None, 0)

    asyncio.run(scenario())


# -- against the running bots ------------------------------------------------------------


class Chat:
    """A Socket.IO conversation with one bot, as the widget holds it."""

    def __init__(self, port: int, origin: str):
        self.client = SocketIOClient(f"http://127.0.0.1:{port}", origin)
        self.session_id: str | None = None

    async def open(self, session_id: str | None = None) -> Chat:
        await self.client.connect()
        await self.client.emit("session_request", {"session_id": session_id})
        self.session_id = await self.client.next_event("session_confirm", timeout=10)
        return self

    async def raw(self, payload, timeout: float = 60) -> list[dict]:
        """Send a user_uttered event as it is; the bot messages up to bot_done."""
        await self.client.emit("user_uttered", payload)
        replies = []
        while True:
            event, data = await asyncio.wait_for(self.client.events.get(), timeout)
            if event == "bot_done":
                return replies
            if event == "bot_uttered":
                replies.append(data)

    async def say(self, text: str) -> list[dict]:
        return await self.raw({"message": text, "session_id": self.session_id})

    async def close(self) -> None:
        await self.client.close()


def text_of(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def web_origin(stack) -> str:
    return f"http://localhost:{stack['settings'].web_port}"


def test_widget_conversation_over_socketio(stack):
    async def scenario():
        chat = await Chat(stack["settings"].tero_port, web_origin(stack)).open()
        try:
            assert issued(stack, chat.session_id)
            replies = await chat.say("mikä on kela")
            assert "https://" in text_of(replies)
            titles = [q["title"] for r in replies for q in r.get("quick_replies") or []]
            assert len(titles) == 2, replies  # 👍 / 👎
            # A button's payload answers like the button in the widget.
            assert "palautteesta" in text_of(await chat.say("/feedback_up"))
        finally:
            await chat.close()
        # The same session id continues the conversation after a reconnect.
        again = await Chat(stack["settings"].tero_port, web_origin(stack)).open(chat.session_id)
        try:
            assert again.session_id == chat.session_id
            assert "https://" in text_of(await again.say("mikä on verokortti"))
        finally:
            await again.close()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("lang", "question", "empty"),
    [
        ("sv", "vad är FPA", "Skriv din fråga"),
        ("en", "what is kela", "Type your question"),
    ],
)
def test_the_widgets_language_reaches_every_reply_and_its_lang(
    stack, catalogue, lang, question, empty
):
    """The student picked a language in the widget: the bot answers in it, the
    channel's own replies too, and each message says which (for `lang`)."""

    async def scenario():
        chat = await Chat(stack["settings"].tero_port, web_origin(stack)).open()
        try:
            metadata = {"language": lang}
            replies = await chat.raw(
                {"message": question, "session_id": chat.session_id, "metadata": metadata}
            )
            definition = catalogue.terms["kela"].text("definition", lang)
            assert " ".join(definition.split()) in " ".join(text_of(replies).split())
            assert [r.get("lang") for r in replies] == [lang] * len(replies)
            replies = await chat.raw(
                {"message": " ", "session_id": chat.session_id, "metadata": metadata}
            )
            assert [r.get("lang") for r in replies] == [lang]
            assert replies[0]["text"].startswith(empty) and replies[0]["error"] == "empty_message"
        finally:
            await chat.close()

    asyncio.run(scenario())


def test_paavo_answers_over_socketio_with_one_message_of_cards(stack):
    async def scenario():
        chat = await Chat(stack["settings"].paavo_port, web_origin(stack)).open()
        try:
            return await chat.say("mistä saan verokortin")
        finally:
            await chat.close()

    replies = asyncio.run(scenario())
    answer = replies[0]
    # Before: a bubble per paragraph (services, glossary, attribution) and the
    # cards after them. Now one message; Paavo's optional question may follow.
    assert len(replies) <= 2 and not any("custom" in r for r in replies[1:]), replies
    cards = answer["custom"]
    assert cards["studybots"] == "services" and cards["services"]
    assert all(c["url"].startswith("https://") for c in cards["services"])
    assert cards["attribution"] and answer["text"].count(cards["attribution"]) == 1
    assert [q["payload"] for q in answer["quick_replies"]] == ["/feedback_up", "/feedback_down"]
    assert "\n\n" in answer["text"]  # the whole plain text, glossary and attribution included


BAD_EVENTS = [
    ("empty", lambda s: {"message": "", "session_id": s}, EMPTY_REPLY),
    ("blank", lambda s: {"message": " \n\t ", "session_id": s}, EMPTY_REPLY),
    ("no message", lambda s: {"session_id": s}, EMPTY_REPLY),
    ("huge", lambda s: {"message": "kela " * 4000, "session_id": s}, TOO_LONG_REPLY),
    ("number", lambda s: {"message": 42, "session_id": s}, INVALID_MESSAGE_REPLY),
    ("list", lambda s: {"message": ["mikä", "on"], "session_id": s}, INVALID_MESSAGE_REPLY),
    ("object", lambda s: {"message": {"text": "kela"}, "session_id": s}, INVALID_MESSAGE_REPLY),
    ("string payload", lambda s: "mikä on kela", INVALID_PAYLOAD_REPLY),
    ("list payload", lambda s: ["mikä on kela"], INVALID_PAYLOAD_REPLY),
    ("no session", lambda s: {"message": "mikä on kela"}, NO_SESSION_REPLY),
    (
        "bad session",
        lambda s: {"message": "mikä on kela", "session_id": "<b>x</b>"},
        NO_SESSION_REPLY,
    ),
    (
        "session id chosen by the client",
        lambda s: {"message": "mikä on kela", "session_id": "a1b2c3d4e5f6a7b8"},
        NO_SESSION_REPLY,
    ),
    (
        "bad metadata",
        lambda s: {"message": "mikä on kela", "session_id": s, "metadata": "{not json"},
        None,
    ),
    ("script", lambda s: {"message": "<script>alert('x')</script>", "session_id": s}, None),
    ("img", lambda s: {"message": "<img src=x onerror=alert(1)>", "session_id": s}, None),
    ("control characters", lambda s: {"message": "\x00\x01\x1b\x7f", "session_id": s}, EMPTY_REPLY),
]


@pytest.mark.parametrize("bot", ["tero", "paavo"])
def test_bad_socketio_input_gets_a_clear_reply_and_never_crashes_the_bot(stack, bot):
    port = getattr(stack["settings"], f"{bot}_port")
    normal = "mikä on kela" if bot == "tero" else "tarvitsen asunnon turusta"

    async def scenario():
        chat = await Chat(port, web_origin(stack)).open()
        try:
            for label, make, expected in BAD_EVENTS:
                replies = await chat.raw(make(chat.session_id))
                assert replies and all(r.get("text") for r in replies), label
                if expected is not None:
                    assert [r["text"] for r in replies] == [expected], label
                for reply in replies:  # the user's markup is never echoed back
                    assert "<script" not in reply["text"] and "onerror" not in reply["text"], label
                # The next ordinary message is answered normally.
                assert "https://" in text_of(await chat.say(normal)), label
        finally:
            await chat.close()

        # Pathological JSON (before: RecursionError inside python-socketio,
        # and no answer at all) gets the "cannot read" message.
        chat = await Chat(port, web_origin(stack)).open()
        try:
            for packet in (
                '42["user_uttered",' + "[" * 1000 + "]" * 1000 + "]",
                '42["user_uttered",'
                + json.dumps({"message": "kela", "session_id": chat.session_id})[:-1]
                + ',"metadata":'
                + '{"a":' * 50
                + "1"
                + "}" * 50
                + "}]",
                '42["user_uttered",{"message":NaN}]',
            ):
                await chat.client.send_raw(packet)
                replies = []
                while True:
                    event, data = await asyncio.wait_for(chat.client.events.get(), 30)
                    if event == "bot_done":
                        break
                    replies.append(data)
                assert replies == [{"text": INVALID_PAYLOAD_REPLY, "error": "invalid_payload"}]
            assert "https://" in text_of(await chat.say(normal))
        finally:
            await chat.close()

        # A frame over the size limit closes that connection only.
        big = await Chat(port, web_origin(stack)).open()
        await big.client.emit(
            "user_uttered", {"message": "x" * 200_000, "session_id": big.session_id}
        )
        await asyncio.wait_for(big.client.closed.wait(), 10)
        await big.close()
        after = await Chat(port, web_origin(stack)).open()
        try:
            assert "https://" in text_of(await after.say(normal))
        finally:
            await after.close()

    asyncio.run(scenario())
    for server in stack["servers"].values():
        assert server.process.poll() is None, f"{server.name} crashed"


def test_a_bad_session_request_starts_a_new_conversation(stack):
    async def scenario():
        chat = Chat(stack["settings"].tero_port, web_origin(stack))
        await chat.client.connect()
        try:
            for request in (
                "garbage",
                5,
                None,
                ["x"],
                {"session_id": "<script>x</script>"},
                {"session_id": "x" * 500},
            ):
                await chat.client.emit("session_request", request)
                session_id = await chat.client.next_event("session_confirm", timeout=10)
                assert issued(stack, session_id), request
            chat.session_id = session_id
            assert "https://" in text_of(await chat.say("mikä on kela"))
        finally:
            await chat.close()

    asyncio.run(scenario())


def test_session_ids_are_issued_by_the_bot_and_a_second_socket_reads_nothing_of_the_first(
    stack,
):
    """Before, the client chose the session id, and a second socket that sent
    the same id received the first one's replies."""

    async def scenario():
        port, origin = stack["settings"].tero_port, web_origin(stack)
        first = await Chat(port, origin).open("a1b2c3d4e5f6a7b8")  # an id of its own
        assert first.session_id != "a1b2c3d4e5f6a7b8" and issued(stack, first.session_id)
        second = Chat(port, origin)
        await second.client.connect()
        try:
            # Ids the server did not issue, even ones derived from the first's, are replaced.
            for chosen in (
                "a1b2c3d4e5f6a7b8",
                first.session_id[:32],  # the conversation half, as stored
                first.session_id[:32] + "0" * 32,
                first.session_id[:-1] + ("0" if first.session_id[-1] != "0" else "1"),
            ):
                await second.client.emit("session_request", {"session_id": chosen})
                given = await second.client.next_event("session_confirm", timeout=10)
                assert given not in (chosen, first.session_id) and issued(stack, given), chosen
                assert given[:32] != first.session_id[:32]
            second.session_id = given
            # ... and a message naming the first's conversation is refused.
            for forged in (first.session_id[:32], first.session_id[:32] + "f" * 32):
                replies = await second.raw({"message": "mikä on kela", "session_id": forged})
                assert [r["text"] for r in replies] == [NO_SESSION_REPLY]
            assert "https://" in text_of(await first.say("mikä on kela"))
            assert "https://" in text_of(await first.say("mikä on verokortti"))
            await asyncio.sleep(1.0)
            assert second.client.events.empty(), "the second socket received the first's replies"
            # Each has its own conversation.
            assert "https://" in text_of(await second.say("mikä on kela"))
            await asyncio.sleep(0.5)
            assert first.client.events.empty()
        finally:
            await first.close()
            await second.close()

    asyncio.run(scenario())


def test_only_the_web_page_origins_may_connect(stack):
    async def scenario():
        with pytest.raises(ConnectionRefused):
            await Chat(stack["settings"].tero_port, "https://evil.example").open()
        chat = await Chat(
            stack["settings"].tero_port, f"http://127.0.0.1:{stack['settings'].web_port}"
        ).open()
        await chat.close()

    asyncio.run(scenario())


def test_socketio_messages_are_logged_with_their_channel(stack):
    marker = f"kela socketio {time.time_ns()}"

    async def scenario():
        chat = await Chat(stack["settings"].paavo_port, web_origin(stack)).open()
        try:
            await chat.say(f"mikä on {marker}, soita 040 765 4321")
        finally:
            await chat.close()
        return chat.session_id

    session_id = asyncio.run(scenario())
    rows = wait_for_rows(f"sqlite:///{stack['settings'].var_dir / 'log.db'}", marker, 20)
    assert len(rows) == 1, rows
    assert rows[0]["channel"] == "socketio" and rows[0]["bot"] == "paavo"
    assert rows[0]["text"] == f"mikä on {marker}, soita [PUHELIN]"
    assert session_id not in str(rows)


def test_crisis_reply_over_socketio_has_the_numbers_as_tel_links(stack):
    async def scenario():
        chat = await Chat(stack["settings"].paavo_port, web_origin(stack)).open()
        try:
            return await chat.say("mun kaveri otti liikaa lääkkeitä eikä herää")
        finally:
            await chat.close()

    replies = asyncio.run(scenario())
    reply = text_of(replies)
    assert "[112](tel:112)" in reply, reply
    assert "Selvä" not in reply and "Tarkoititko" not in reply
    assert not any(r.get("quick_replies") or r.get("buttons") for r in replies)
