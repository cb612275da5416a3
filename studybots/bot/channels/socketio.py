"""Rasa's Socket.IO channel with the REST channel's input checks.

The web chat widget (web/static/widget/) talks to the bots over Socket.IO.
Rasa's own SocketIOInput passes whatever arrives to the bot: a message that is
not a string, a metadata string that is not JSON or a payload that is not an
object ends in an exception inside the event handler and the student gets no
answer. This channel checks every event the way `studybots.bot.channels.rest`
checks a POST (same limits, same control-character cleaning) and answers bad
input with a clear message instead:

- not an object, not JSON a parser should take (nested over 32 levels, NaN,
  lone surrogates: studybots/bot/channels/safe_json.py), no valid session id,
  not a string, over 2000 characters: a bot message
  `{"text": <Finnish>, "error": <code>}` to that socket only;
- an empty message: the same polite reply as on REST, without touching the
  conversation;
- a failure inside the bot: "try again", never silence;
- a message that reaches a worker still loading its model (just after a
  restart) waits for the model, up to a minute, instead of being dropped.

After each answer the channel emits `bot_done` to the conversation, so the
widget knows when to hide its typing indicator.

Session ids are issued by this channel (studybots/bot/channels/sessions.py:
128 random bits plus their HMAC tag) in `session_confirm`; the widget keeps
the one it was given (sessionStorage) and presents it again after a reload to
continue the conversation. An id the server did not issue is refused: a
`session_request` with one gets a new id, a message with one gets
"invalid_session". The socket that presents an id last owns the conversation:
any other socket of this worker in it stops receiving its replies.

Rasa 3.6's own session_request handler calls python-socketio's `enter_room`
without awaiting it (a coroutine in python-socketio 5.x), so with
session_persistence its answers never reach the browser; here it is awaited.

Only the origins in `cors_allowed_origins` (credentials.yml) or in the
environment variable STUDYBOTS_WEB_ORIGINS (space-separated; set by
studybots/ops/supervisor.py from the web page's addresses) may connect from a
browser. Each bot runs several Sanic workers, so the widget uses the
websocket transport only (long-polling would need sticky sessions).

Configure it in credentials.yml as `studybots.bot.channels.socketio.SafeSocketIOInput`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

import rasa.core.channels.channel
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from studybots.bot.channels import cards, limits, replies, safe_json, sessions
from studybots.bot.channels.rest import MAX_BODY_BYTES, MAX_MESSAGE_CHARS, clean_text

logger = logging.getLogger(__name__)

DONE_EVENT = "bot_done"
ORIGINS_ENV = "STUDYBOTS_WEB_ORIGINS"

# The Finnish replies (the others: studybots/bot/channels/replies.py).
INVALID_PAYLOAD_REPLY = replies.reply("invalid_payload")
INVALID_MESSAGE_REPLY = replies.reply("invalid_message")
TOO_LONG_REPLY = replies.reply("message_too_long")
NO_SESSION_REPLY = replies.reply("invalid_session")
STARTING_REPLY = replies.reply("starting")
# A worker that is still loading its model (just after a restart) holds a
# message this long for the model instead of dropping it.
READY_WAIT_SECONDS = 60.0


def parse_metadata(value: Any) -> dict[str, Any] | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def check_message(
    data: Any, session_persistence: bool, session_ids: sessions.SessionIds | None = None
) -> tuple[dict[str, Any] | None, tuple[str, str] | None]:
    """The user message of a Socket.IO event, or (error code, reply) for bad input.

    `session_id` in the result is the conversation of a session id this
    channel issued (None without session persistence)."""
    if not isinstance(data, dict):
        return None, ("invalid_payload", INVALID_PAYLOAD_REPLY)
    lang = replies.requested(parse_metadata(data.get("metadata")))
    session_id = None
    if session_persistence:
        session_id = (session_ids or sessions.default()).verify(data.get("session_id"))
        if session_id is None:
            return None, ("invalid_session", replies.reply("invalid_session", lang))
    message = data.get("message")
    if message is None:
        message = ""
    if not isinstance(message, str):
        return None, ("invalid_message", replies.reply("invalid_message", lang))
    if len(message) > MAX_MESSAGE_CHARS:
        return None, ("message_too_long", replies.reply("message_too_long", lang))
    return {
        "session_id": session_id,
        "message": clean_text(message).strip(),
        "metadata": parse_metadata(data.get("metadata")),
    }, None


class CountingSocketIOOutput(SocketIOOutput):
    """Rasa's Socket.IO output, remembering whether anything was sent.

    Unlike Rasa's, it sends in the channel's namespace, and `send_custom_json`
    sends the JSON as the message like every other bot message (Rasa's passes
    it as keyword arguments to `emit`).
    """

    def __init__(
        self, sio: AsyncServer, bot_message_evt: str, namespace: str | None = None
    ) -> None:
        super().__init__(sio, bot_message_evt)
        self.namespace = namespace
        self.sent = 0
        self._lang: str | None = None

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.sent += 1
        if self._lang and isinstance(response, dict):
            response = {**response, "lang": self._lang}
        await self.sio.emit(
            self.bot_message_evt, response, room=socket_id, namespace=self.namespace
        )

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        await self._send_message(recipient_id, json_message)

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """A message with Paavo's service cards goes out as one bot message:
        text, 👍/👎 as quick replies and the cards as `custom` (Rasa's own
        would send a bubble per paragraph and the cards after them). Every
        message carries its language (`lang`) when the response names it."""
        self._lang = replies.language_of(message)
        payload = cards.from_message(message)
        if payload is None:
            await super().send_response(recipient_id, message)
            return
        reply: dict[str, Any] = {
            "text": message.get("text") or cards.plain_text(payload),
            "custom": payload,
        }
        buttons = [b for b in message.get("buttons") or [] if isinstance(b, dict)]
        if buttons:
            reply["quick_replies"] = [
                {"content_type": "text", "title": b.get("title"), "payload": b.get("payload")}
                for b in buttons
            ]
        await self._send_message(recipient_id, reply)


class CheckedAsyncServer(AsyncServer):
    """python-socketio's server, answering a packet it cannot read.

    A packet whose JSON `safe_json` refuses (deep nesting and the like) raises
    while it is decoded, before any handler runs; python-socketio would log
    the exception and the student would wait for an answer that never comes.
    Here the socket gets the channel's "cannot read" message instead.
    """

    def __init__(self, bot_message_evt: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bot_message_evt = bot_message_evt

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        try:
            await super()._handle_eio_message(eio_sid, data)
        except ValueError as exc:  # safe_json.InvalidJSON, or a malformed packet
            code = getattr(exc, "code", "invalid_packet")
            logger.info("socketio channel: refused a packet (%s)", code)
            for namespace in list(self.manager.get_namespaces()):
                sid = self.manager.sid_from_eio_sid(eio_sid, namespace)
                if sid is None:
                    continue
                reply = {"text": INVALID_PAYLOAD_REPLY, "error": "invalid_payload"}
                await self.emit(self.bot_message_evt, reply, room=sid, namespace=namespace)
                await self.emit(DONE_EVENT, {}, room=sid, namespace=namespace)


class _Blueprint(SocketBlueprint):
    """Rasa's Socket.IO blueprint, remembering the app (to see its agent)."""

    def register(self, app: Any, options: dict[str, Any]) -> None:
        self.ctx.app = app
        super().register(app, options)


async def wait_until_ready(app: Any, seconds: float) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        agent = getattr(getattr(app, "ctx", None), "agent", None) if app is not None else None
        if agent is not None and agent.is_ready():
            return True
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(0.25)


class SafeSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SafeSocketIOInput:
        credentials = credentials or {}
        channel = cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            credentials.get("namespace"),
            credentials.get("session_persistence", False),
            credentials.get("socketio_path", "/socket.io"),
            credentials.get("jwt_key"),
            credentials.get("jwt_method", "HS256"),
            credentials.get("metadata_key", "metadata"),
        )
        origins = (
            os.environ.get(ORIGINS_ENV, "").split() or credentials.get("cors_allowed_origins") or []
        )
        channel.cors_allowed_origins = [origins] if isinstance(origins, str) else list(origins)
        return channel

    cors_allowed_origins: list[str] = []

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # No allowed origin configured: only pages on the bot's own origin
        # (python-engineio's default), never every origin.
        sio = CheckedAsyncServer(
            self.bot_message_evt,
            async_mode="sanic",
            cors_allowed_origins=self.cors_allowed_origins or None,
            max_http_buffer_size=MAX_BODY_BYTES,
            json=safe_json.SocketIOJson,
        )
        session_ids = sessions.default()
        blueprint = _Blueprint(
            sio, self.socketio_path, f"socketio_webhook_{type(self).__name__}", __name__
        )
        self.sio = sio
        namespace = self.namespace

        async def reply(sid: str, code: str, text: str, lang: str | None = None) -> None:
            message = {"text": text, "error": code, **({"lang": lang} if lang else {})}
            await sio.emit(self.bot_message_evt, message, room=sid, namespace=namespace)
            await sio.emit(DONE_EVENT, {}, room=sid, namespace=namespace)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: dict, auth: Any = None) -> bool:
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            payload = None
            if isinstance(token, str) and token:
                payload = rasa.core.channels.channel.decode_bearer_token(
                    token, self.jwt_key, self.jwt_algorithm
                )
            return bool(payload)

        async def claim(sid: str, room: str) -> None:
            """`sid` alone receives the conversation's replies (on this worker),
            and no longer those of a conversation it was in before."""
            others = [
                other
                for other, _ in sio.manager.get_participants(namespace or "/", room)
                if other != sid
            ]
            for other in others:
                await sio.leave_room(other, room, namespace=namespace)
            for old in sio.rooms(sid, namespace=namespace):
                if old not in (sid, room):
                    await sio.leave_room(sid, old, namespace=namespace)
            await sio.enter_room(sid, room, namespace=namespace)

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            # A session id this channel issued (kept by the widget in
            # sessionStorage) continues that conversation; any other id,
            # or none, gets a new one.
            presented = data.get("session_id") if isinstance(data, dict) else None
            conversation = session_ids.verify(presented)
            session_id = presented if conversation else session_ids.issue()
            if presented and not conversation:
                logger.info("socketio channel: replaced a session id it did not issue")
            if self.session_persistence:
                claimed = conversation or session_ids.verify(session_id)
                assert claimed is not None  # an id issued just now verifies
                await claim(sid, claimed)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            parsed, failure = check_message(data, self.session_persistence, session_ids)
            if failure is not None:
                logger.info("socketio channel: refused a message (%s)", failure[0])
                await reply(sid, *failure)
                return
            assert parsed is not None  # check_message returns one of the two
            if self.session_persistence:
                sender_id = room = parsed["session_id"]
                # A message sent right after a reconnect may arrive before
                # the session request: answer it in its conversation anyway.
                await claim(sid, room)
            else:
                sender_id = room = sid
            lang = replies.requested(parsed["metadata"])
            if not parsed["message"]:
                await reply(sid, "empty_message", replies.reply("empty_message", lang), lang)
                return
            environ = sio.get_environ(sid, namespace=namespace) or {}
            decision = await limits.shared().acheck(
                sender=sender_id, ip=limits.client_address(environ.get("sanic.request"))
            )
            if not decision.allowed:
                await reply(sid, "rate_limited", decision.message(lang), lang)
                return
            if not await wait_until_ready(getattr(blueprint.ctx, "app", None), READY_WAIT_SECONDS):
                await reply(sid, "starting", replies.reply("starting", lang), lang)
                return
            output = CountingSocketIOOutput(sio, self.bot_message_evt, namespace)
            try:
                await on_new_message(
                    UserMessage(
                        parsed["message"],
                        output,
                        sender_id,
                        input_channel=self.name(),
                        metadata=parsed["metadata"],
                    )
                )
            except CancelledError:
                logger.error("socketio channel: message handling timed out")
            except Exception as exc:  # never silence towards the student
                logger.error("socketio channel: message handling failed: %s", type(exc).__name__)
            if not output.sent:
                await sio.emit(
                    self.bot_message_evt,
                    {"text": replies.reply("failure", lang), "error": "failure", "lang": lang},
                    room=room,
                    namespace=namespace,
                )
            await sio.emit(DONE_EVENT, {}, room=room, namespace=namespace)

        return blueprint
