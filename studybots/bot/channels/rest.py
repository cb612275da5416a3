"""Rasa's REST channel with input checks: `POST /webhooks/rest/webhook`.

Rasa's own RestInput passes whatever JSON arrives to the bot, so a message of
the wrong type or a body that is not UTF-8 ends in a server error. This
channel answers bad requests with a 4xx and a clear JSON message (pathological
JSON too: nesting deeper than 32 levels, NaN, lone surrogates; see
studybots/bot/channels/safe_json.py), answers an
empty message politely without touching the conversation, limits how many
messages a conversation and a client address may send per minute (429, see
studybots/bot/channels/limits.py), and never lets a bot failure surface as a 500.
Configure it in credentials.yml as `studybots.bot.channels.rest.SafeRestInput`.
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from studybots.bot.channels import cards, limits, replies, safe_json
from studybots.core.controls import strip_controls

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
MAX_MESSAGE_CHARS = replies.MAX_MESSAGE_CHARS
MAX_SENDER_CHARS = 128

EMPTY_REPLY = replies.reply("empty_message")
FAILURE_REPLY = replies.reply("failure")


def error(status: int, code: str, fi: str, en: str) -> HTTPResponse:
    return response.json({"error": code, "message": fi, "message_en": en}, status=status)


def clean_text(text: str) -> str:
    """Normalise Unicode and drop control characters (keep line breaks and
    tabs), bidirectional controls included: what a student writes is logged
    and shown to editors, and U+202E and the like would reorder what they see."""
    return strip_controls(text)


def json_error(exc: safe_json.InvalidJSON) -> HTTPResponse:
    """The 400 for a body that `safe_json.loads` refused."""
    if exc.code == "invalid_encoding":
        return error(
            400,
            "invalid_encoding",
            "Viestin pitää olla UTF-8-muotoista JSONia.",
            "The body must be UTF-8 encoded JSON.",
        )
    if exc.code == "too_deep":
        return error(
            400,
            "too_deeply_nested",
            f"Viestin JSON on liian syvä (enintään {safe_json.MAX_DEPTH} tasoa).",
            f"The JSON is nested too deeply (at most {safe_json.MAX_DEPTH} levels).",
        )
    return error(
        400, "invalid_json", "Viesti ei ole kelvollista JSONia.", "The body is not valid JSON."
    )


def parse_request(body: bytes) -> tuple[dict[str, Any] | None, HTTPResponse | None]:
    if len(body) > MAX_BODY_BYTES:
        return None, error(
            413,
            "body_too_large",
            f"Viesti on liian suuri (enintään {MAX_BODY_BYTES // 1024} kt).",
            f"Request body too large (max {MAX_BODY_BYTES // 1024} kB).",
        )
    try:
        data = safe_json.loads(body)
    except safe_json.InvalidJSON as exc:
        return None, json_error(exc)
    if not isinstance(data, dict):
        return None, error(
            400,
            "invalid_body",
            'Odotettiin JSON-oliota: {"sender": "...", "message": "..."}.',
            'Expected a JSON object: {"sender": "...", "message": "..."}.',
        )
    sender, message = data.get("sender"), data.get("message")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return None, error(
            400,
            "invalid_sender",
            f"Kentän 'sender' pitää olla merkkijono (1–{MAX_SENDER_CHARS} merkkiä).",
            f"'sender' must be a string of 1-{MAX_SENDER_CHARS} characters.",
        )
    if message is None:
        message = ""
    if not isinstance(message, str):
        return None, error(
            400,
            "invalid_message",
            "Kentän 'message' pitää olla merkkijono.",
            "'message' must be a string.",
        )
    if len(message) > MAX_MESSAGE_CHARS:
        return None, error(
            413,
            "message_too_long",
            f"Viesti on liian pitkä: enintään {MAX_MESSAGE_CHARS} merkkiä.",
            f"Message too long: at most {MAX_MESSAGE_CHARS} characters.",
        )
    metadata = data.get("metadata")
    return {
        "sender": clean_text(sender.strip()),
        "message": clean_text(message).strip(),
        "metadata": metadata if isinstance(metadata, dict) else None,
    }, None


class CardsCollectingOutputChannel(CollectingOutputChannel):
    """Rasa's collector, keeping a message with Paavo's service cards as one
    message: its text, its buttons and the cards as `custom` (Rasa's own
    would return the `custom` as a second message)."""

    _lang: str | None = None

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        # Every message carries its language (`lang`) when the response names it.
        self._lang = replies.language_of(message)
        payload = cards.from_message(message)
        if payload is None:
            await super().send_response(recipient_id, message)
            return
        await self._persist_message(
            self._message(
                recipient_id,
                text=message.get("text") or cards.plain_text(payload),
                buttons=message.get("buttons") or None,
                custom=payload,
            )
        )

    async def _persist_message(self, message: dict[str, Any]) -> None:
        if self._lang:
            message = {**message, "lang": self._lang}
        await super()._persist_message(message)


class SafeRestInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)
        limits.per_minute_from_env()  # a bad setting stops the bot at start, with its name

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            # Ready only with a model loaded; names the model this worker runs.
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return response.json({"status": "loading"}, status=503)
            return response.json(
                {"status": "ok", "model": (agent.fingerprint or "").strip('"')[:12]}
            )

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            parsed, failure = parse_request(request.body or b"")
            if failure is not None:
                return failure
            assert parsed is not None  # parse_request returns one of the two
            sender = parsed["sender"]
            decision = await limits.shared().acheck(
                sender=sender, ip=limits.client_address(request)
            )
            if not decision.allowed:
                return limits.too_many_requests(decision)
            lang = replies.requested(parsed["metadata"])
            if not parsed["message"]:
                text = replies.reply("empty_message", lang)
                return response.json([{"recipient_id": sender, "text": text, "lang": lang}])
            collector = CardsCollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        parsed["message"],
                        collector,
                        sender,
                        input_channel=self.name(),
                        metadata=parsed["metadata"],
                    )
                )
            except CancelledError:
                logger.error("rest channel: message handling timed out")
            except Exception as exc:  # never a 500 to the student
                logger.error("rest channel: message handling failed: %s", type(exc).__name__)
            if not collector.messages:
                text = replies.reply("failure", lang)
                return response.json([{"recipient_id": sender, "text": text, "lang": lang}])
            return response.json(collector.messages)

        return webhook
