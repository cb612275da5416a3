"""Rasa's Slack channel, hardened: `POST /webhooks/slack/webhook`.

Tero and Paavo are two Slack apps; each bot server runs this channel with its
own bot token and signing secret (studybots/ops/supervisor.py enables it only when
<BOT>_SLACK_TOKEN and <BOT>_SLACK_SIGNING_SECRET are set). Compared with
Rasa's SlackInput/SlackBot this channel:

* checks the signature and the timestamp (at most 5 minutes old) of every
  request before anything else; a bad one gets a 4xx and never reaches the bot;
* answers each Slack message once: Slack re-sends an event it thinks failed
  (X-Slack-Retry-Num), possibly to the other worker process, so every event id
  and message is recorded in the bot's own SQL database (shared by its
  workers) and a repeat is acknowledged without a second answer;
* answers direct messages always, and in channels only when mentioned
  (`app_mention`); other events (edits, bot messages, joins) are ignored;
* answers a question asked in a thread in that thread;
* renders buttons as Slack blocks (a section with the text, an actions block
  with up to 25 buttons) and handles their clicks (interactivity payloads);
* renders Paavo's service cards (studybots/bot/channels/cards.py) as Block
  Kit: a section per service (name in bold, provider, summary) with a link
  button to the service's page, the data attribution once as a small context
  block, within Slack's limits (50 blocks, 3000 characters a section, 75 a
  button); the plain text goes along for notifications;
* sends one Slack message per bot reply, with the text escaped for Slack;
* removes Slack markup from what the student wrote (the bot's own mention,
  other people's mentions, <link|label> forms) so no Slack user id reaches the
  bot or the question log;
* answers bad input (non-JSON, JSON nested too deeply, unknown payloads, too
  large bodies) with a 4xx,
  an empty or too long message with a polite reply in Slack, and never a 500;
* talks to the Slack Web API at SLACK_API_URL (default
  https://slack.com/api/), so the tests can run a local stand-in.

Configure in a credentials file (servers.py writes one when Slack is enabled):
    studybots.bot.channels.slack.StudySlackInput:
      slack_token: ${TERO_SLACK_TOKEN}
      slack_signing_secret: ${TERO_SLACK_SIGNING_SECRET}
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import logging
import os
import random
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from studybots.bot.channels import cards, limits, safe_json
from studybots.bot.channels.rest import (
    EMPTY_REPLY,
    FAILURE_REPLY,
    MAX_MESSAGE_CHARS,
    clean_text,
    error,
    json_error,
)
from studybots.core import db

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
API_URL_ENV = "SLACK_API_URL"
MAX_BODY_BYTES = 512 * 1024  # Slack events are far smaller; a message is at most 40,000 chars
MAX_TIMESTAMP_SKEW = 5 * 60  # seconds, as Slack recommends
SEEN_KEEP_SECONDS = 24 * 3600  # Slack retries within about 5 minutes

TOO_LONG_REPLY = f"Viesti on liian pitkä: kirjoita enintään {MAX_MESSAGE_CHARS} merkkiä."

# Slack's limits for blocks (https://api.slack.com/reference/block-kit/blocks).
SECTION_CHARS = 3000
CONTEXT_CHARS = 2000
MAX_BLOCKS = 50
MAX_BUTTONS = 25
BUTTON_TITLE_CHARS = 75
BUTTON_VALUE_CHARS = 2000
BUTTON_URL_CHARS = 3000
MAX_TEXT_CHARS = 39_000

# Slack markup in what students write (https://api.slack.com/reference/surfaces/formatting).
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL_MENTION = re.compile(r"<#[CG][A-Z0-9]+(?:\|([^>]*))?>")
_SPECIAL_MENTION = re.compile(r"<!(\w+)(?:\^[^|>]*)?(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto|tel):[^|>]*)(?:\|([^>]*))?>")
OTHER_USER = "[KÄYTTÄJÄ]"


def api_url(credentials: dict[str, Any] | None = None) -> str:
    url = (credentials or {}).get("slack_api_url") or os.environ.get(API_URL_ENV) or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


def slack_text_to_plain(
    text: str, own_ids: Iterable[str] = (), drop_first_mention: bool = False
) -> str:
    """What the student wrote, without Slack markup or Slack user ids."""
    own = set(own_ids)
    first = [drop_first_mention]

    def user(match: re.Match) -> str:
        if match.group(1) in own or first[0]:
            first[0] = False
            return " "
        return OTHER_USER

    text = _USER_MENTION.sub(user, text)
    text = _CHANNEL_MENTION.sub(lambda m: "#" + (m.group(1) or "kanava"), text)
    text = _SPECIAL_MENTION.sub(lambda m: "@" + (m.group(2) or m.group(1)).lstrip("@"), text)
    text = _LINK.sub(lambda m: m.group(2) or re.sub(r"^(mailto|tel):", "", m.group(1)), text)
    text = html.unescape(text) if "&" in text else text
    return re.sub(r"[ \t]+", " ", clean_text(text)).strip()


def escape(text: str) -> str:
    """Bot text for Slack's mrkdwn: only &, < and > need escaping."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _chunks(text: str, size: int) -> list[str]:
    """Split at line breaks into pieces of at most `size` characters."""
    pieces, current = [], ""
    for line in text.split("\n"):
        while len(line) > size:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:size])
            line = line[size:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > size:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        pieces.append(current)
    return [p for p in pieces if p.strip()] or [" "]


def _fit(text: str, limit: int) -> str:
    """`text` as escaped mrkdwn of at most `limit` characters; a cut never
    leaves half an entity (&am…) behind."""
    return _cut_escaped(escape(text), limit)


def _cut_escaped(escaped: str, limit: int) -> str:
    if len(escaped) <= limit:
        return escaped
    return re.sub(r"&[a-z]{0,3}$", "", escaped[: limit - 1]).rstrip() + "…"


def _button_text(title: str) -> dict[str, Any]:
    return {
        "type": "plain_text",
        "emoji": True,
        "text": title
        if len(title) <= BUTTON_TITLE_CHARS
        else title[: BUTTON_TITLE_CHARS - 1] + "…",
    }


def _actions_block(buttons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The buttons that send a payload, as one actions block (or none)."""
    elements: list[dict[str, Any]] = []
    for button in buttons:
        title, payload = str(button.get("title") or ""), button.get("payload")
        if not title or not payload:
            continue
        elements.append(
            {
                "type": "button",
                "action_id": f"studybots_button_{len(elements)}",
                "text": _button_text(title),
                "value": str(payload)[:BUTTON_VALUE_CHARS],
            }
        )
    if not elements:
        return []
    return [
        {"type": "actions", "block_id": "studybots_buttons", "elements": elements[:MAX_BUTTONS]}
    ]


def button_blocks(text: str, buttons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The text as mrkdwn sections, the buttons as one actions block."""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
        for chunk in _chunks(escape(text), SECTION_CHARS)
    ][:40]
    return blocks + _actions_block(buttons)


def service_blocks(
    payload: dict[str, Any], buttons: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Paavo's service cards (a payload of cards.read) as Block Kit: the
    intro, a section per service with a link button, the glossary, the
    attribution as a context block, then the 👍/👎 buttons."""
    head: list[dict[str, Any]] = []
    if payload.get("intro"):
        head.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _fit(payload["intro"], SECTION_CHARS)},
            }
        )
    tail: list[dict[str, Any]] = []
    glossary = [
        f"*{escape(g['term'])}* = {escape(g['definition'])}" for g in payload.get("glossary") or []
    ]
    if glossary:
        tail.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _fit_lines(glossary, SECTION_CHARS)},
            }
        )
    if payload.get("attribution"):
        tail.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": _fit(payload["attribution"], CONTEXT_CHARS)}
                ],
            }
        )
    tail += _actions_block(buttons or [])
    sections: list[dict[str, Any]] = []
    for i, service in enumerate(payload.get("services") or []):
        # Within a section's 3000 characters however much escaping grows them.
        parts = [f"*{_fit(service['name'], 900)}*"]
        if service.get("provider"):
            parts.append(_fit(service["provider"], 900))
        if service.get("summary"):
            parts.append(_fit(service["summary"], 1100))
        if service.get("note"):  # "only in Finnish"
            parts.append(f"_{_fit(service['note'], 200)}_")
        block: dict[str, Any] = {
            "type": "section",
            "block_id": f"studybots_service_{i}",
            "text": {"type": "mrkdwn", "text": "\n".join(parts)},
        }
        url = cards.safe_url(service.get("url"))
        if url and len(url) <= BUTTON_URL_CHARS:
            block["accessory"] = {
                "type": "button",
                "action_id": f"studybots_link_{i}",
                "text": _button_text(service.get("link_label") or _host(url)),
                "url": url,
            }
        sections.append(block)
    return head + sections[: MAX_BLOCKS - len(head) - len(tail)] + tail


def _host(url: str) -> str:
    """A readable stand-in for a missing link label: "kela.fi"."""
    host = urlsplit(url).hostname or url
    return host[4:] if host.startswith("www.") else host


def _fit_lines(lines: list[str], limit: int) -> str:
    """Whole lines (already escaped) up to `limit` characters."""
    kept: list[str] = []
    for line in lines:
        if len("\n".join([*kept, line])) > limit:
            break
        kept.append(line)
    return "\n".join(kept) or _cut_escaped(lines[0], limit)


def _fallback_text(text: str) -> str:
    text = escape(text.strip()) or " "
    return text if len(text) <= MAX_TEXT_CHARS else text[: MAX_TEXT_CHARS - 1] + "…"


class StudySlackBot(SlackBot):
    """Posts the bot's replies to Slack: one message per reply, in the thread
    the question came from, buttons and service cards as blocks. Never
    `as_user` (legacy)."""

    def __init__(
        self,
        token: str,
        slack_channel: str | None = None,
        thread_id: str | None = None,
        proxy: str | None = None,
        base_url: str = DEFAULT_API_URL,
    ) -> None:
        OutputChannel.__init__(self)
        self.slack_channel = slack_channel
        self.thread_id = thread_id
        self.proxy = proxy
        self.client = AsyncWebClient(token, base_url=base_url, proxy=proxy)
        self.sent = 0

    async def _post_message(self, channel: str, **kwargs: Any) -> None:
        if self.thread_id:
            kwargs["thread_ts"] = self.thread_id
        await self.client.chat_postMessage(channel=channel, **kwargs)
        self.sent += 1

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Paavo's service cards as one message of blocks; any other reply as
        Rasa sends it (text, buttons, ...)."""
        payload = cards.from_message(message)
        if payload is None:
            await super().send_response(recipient_id, message)
            return
        buttons = [b for b in message.get("buttons") or [] if isinstance(b, dict)]
        await self._post_message(
            self.slack_channel or recipient_id,
            text=_fallback_text(message.get("text") or cards.plain_text(payload)),
            blocks=service_blocks(payload, buttons),
        )

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._post_message(self.slack_channel or recipient_id, text=_fallback_text(text))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._post_message(
            self.slack_channel or recipient_id,
            text=_fallback_text(text),
            blocks=button_blocks(text, buttons),
        )

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._post_message(
            self.slack_channel or recipient_id,
            text=image,
            blocks=[{"type": "image", "image_url": image, "alt_text": image}],
        )

    async def send_attachment(
        self,
        recipient_id: str,
        attachment: Any,
        **kwargs: Any,
    ) -> None:
        await self._post_message(
            self.slack_channel or recipient_id, text=" ", attachments=[attachment]
        )

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        message = {k: v for k, v in json_message.items() if k not in ("as_user", "thread_ts")}
        channel = message.pop("channel", None) or self.slack_channel or recipient_id
        await self._post_message(channel, **message)


class SeenEvents:
    """Which Slack events and messages a bot has already taken, in the bot's
    SQL database, so that every worker process sees the same record. Keys are
    stored hashed (no Slack ids); rows older than a day are removed."""

    _metadata = sa.MetaData()
    table = sa.Table(
        "slack_seen_events",
        _metadata,
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("seen_at", sa.Float, nullable=False, index=True),
    )

    def __init__(self, url: str) -> None:
        self.engine = db.engine(url)
        db.create_tables(self.engine, self._metadata)

    @staticmethod
    def _hash(key: str) -> str:
        return hashlib.sha256(key.encode("utf-8")).hexdigest()

    def first_time(self, keys: list[str]) -> bool:
        """Record the keys; False when any of them was recorded before."""
        now = time.time()
        if random.random() < 0.02:
            with self.engine.begin() as connection:
                connection.execute(
                    sa.delete(self.table).where(self.table.c.seen_at < now - SEEN_KEEP_SECONDS)
                )
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    sa.insert(self.table), [{"key": self._hash(k), "seen_at": now} for k in keys]
                )
            return True
        except sa.exc.IntegrityError:
            return False


def _seen_url() -> str:
    url = os.environ.get("STUDYBOTS_TRACKER_URL")
    if url:
        return url
    from studybots.core.settings import load_settings

    return f"sqlite:///{load_settings().var_dir / 'slack-events.db'}"


class StudySlackInput(SlackInput):
    @classmethod
    def name(cls) -> str:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> StudySlackInput:
        if not credentials:
            cls.raise_missing_credentials_exception()
        assert credentials is not None  # the line above raised otherwise
        if not credentials.get("slack_token"):
            raise InvalidConfigException("Slack channel: slack_token is missing.")
        return cls(
            credentials["slack_token"],
            slack_signing_secret=credentials.get("slack_signing_secret") or "",
            proxy=credentials.get("proxy"),
            base_url=api_url(credentials),
            seen_url=credentials.get("seen_events_url") or _seen_url(),
        )

    def __init__(
        self,
        slack_token: str,
        slack_signing_secret: str = "",
        proxy: str | None = None,
        base_url: str = DEFAULT_API_URL,
        seen_url: str | None = None,
    ) -> None:
        super().__init__(
            slack_token,
            proxy=proxy,
            slack_signing_secret=slack_signing_secret,
            use_threads=True,
            conversation_granularity="sender",
        )
        self.base_url = base_url
        self.seen = SeenEvents(seen_url or _seen_url())

    def get_output_channel(
        self, channel: str | None = None, thread_id: str | None = None
    ) -> StudySlackBot:
        return StudySlackBot(
            self.slack_token,
            channel or self.slack_channel,
            thread_id,
            self.proxy,
            base_url=self.base_url,
        )

    # -- the webhook -------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                return await self._receive(request, on_new_message)
            except Exception as exc:  # never a 500; Slack need not retry a request we cannot read
                logger.error("slack channel: request failed: %s", type(exc).__name__)
                return error(
                    400,
                    "invalid_request",
                    "Pyyntöä ei voitu käsitellä.",
                    "The request could not be processed.",
                )

        return webhook

    async def _receive(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        body = request.body or b""
        if len(body) > MAX_BODY_BYTES:
            return error(413, "body_too_large", "Pyyntö on liian suuri.", "Request body too large.")
        if not self.is_request_from_slack_authentic(request):
            return error(
                401,
                "invalid_signature",
                "Pyynnön allekirjoitus tai aikaleima ei kelpaa.",
                "Invalid X-Slack-Signature or stale X-Slack-Request-Timestamp.",
            )
        content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        try:
            text = body.decode("utf-8")
            if content_type == "application/json":
                data = safe_json.loads(text)
            elif content_type == "application/x-www-form-urlencoded":
                form = parse_qs(text, keep_blank_values=True)
                if "ssl_check" in form:
                    return response.text("")
                data = safe_json.loads((form.get("payload") or ["null"])[0])
            else:
                return error(
                    415,
                    "unsupported_media_type",
                    "Odotettiin JSONia tai lomakedataa.",
                    "Expected application/json or a form with a payload.",
                )
        except safe_json.InvalidJSON as exc:
            return json_error(exc)
        except UnicodeDecodeError:
            return json_error(safe_json.InvalidJSON("invalid_encoding", "not UTF-8"))
        if not isinstance(data, dict):
            return error(400, "invalid_body", "Odotettiin JSON-oliota.", "Expected a JSON object.")
        if content_type == "application/json":
            return await self._event(data, request, on_new_message)
        return await self._interaction(data, on_new_message)

    async def _event(
        self,
        data: dict[str, Any],
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> HTTPResponse:
        kind = data.get("type")
        if kind == "url_verification":
            challenge = data.get("challenge")
            if not isinstance(challenge, str):
                return error(
                    400,
                    "invalid_challenge",
                    "Kenttä 'challenge' puuttuu.",
                    "'challenge' is missing.",
                )
            return response.json({"challenge": challenge})
        event = data.get("event")
        if kind != "event_callback" or not isinstance(event, dict):
            return response.text("ignored")  # app_rate_limited and the like
        if not self._is_for_the_bot(event):
            return response.text("ignored")
        channel, ts = event.get("channel"), event.get("ts")
        sender = event.get("user")
        if not (
            isinstance(channel, str)
            and channel
            and isinstance(ts, str)
            and ts
            and isinstance(sender, str)
            and sender
        ):
            return error(
                400,
                "invalid_event",
                "Viestistä puuttuu kanava, aika tai lähettäjä.",
                "The event lacks channel, ts or user.",
            )
        keys = [f"message:{channel}:{ts}"]
        if isinstance(data.get("event_id"), str):
            keys.append(f"event:{data['event_id']}")
        retry = request.headers.get(self.retry_num_header or "x-slack-retry-num")
        duplicate = self._duplicate(keys)
        if duplicate:
            logger.info("slack channel: repeated event ignored (retry %s)", retry or "-")
            return response.text("already handled", headers={"X-Slack-No-Retry": "1"})
        raw = event.get("text")
        own_ids = self._own_ids(data)
        text = slack_text_to_plain(
            raw if isinstance(raw, str) else "",
            own_ids,
            drop_first_mention=event.get("type") == "app_mention" and not own_ids,
        )
        thread = event.get("thread_ts") if isinstance(event.get("thread_ts"), str) else None
        self._start(on_new_message, text, sender, channel, thread)
        return response.text("", headers={"X-Slack-No-Retry": "1"} if duplicate is None else None)

    async def _interaction(
        self, payload: dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        actions = payload.get("actions")
        if (
            payload.get("type") != "block_actions"
            or not isinstance(actions, list)
            or not actions
            or not isinstance(actions[0], dict)
        ):
            return error(
                400,
                "unsupported_payload",
                "Tätä toimintoa ei tueta.",
                "Only button clicks (block_actions) are supported.",
            )
        action = actions[0]
        value = action.get("value")
        if action.get("type") != "button" or not isinstance(value, str) or not value:
            return response.text("ignored")  # e.g. a link button: nothing for the bot
        sender = (
            (payload.get("user") or {}).get("id") if isinstance(payload.get("user"), dict) else None
        )
        channel = (
            (payload.get("channel") or {}).get("id")
            if isinstance(payload.get("channel"), dict)
            else None
        )
        if not isinstance(sender, str) or not sender or not isinstance(channel, str) or not channel:
            return error(
                400,
                "invalid_payload",
                "Painalluksesta puuttuu käyttäjä tai kanava.",
                "The payload lacks user or channel.",
            )
        message = m if isinstance(m := payload.get("message"), dict) else {}
        container = c if isinstance(c := payload.get("container"), dict) else {}
        thread = message.get("thread_ts") or container.get("thread_ts")
        key = payload.get("trigger_id") or action.get("action_ts")
        if key and self._duplicate([f"click:{key}"]):
            return response.text("already handled")
        self._start(
            on_new_message,
            clean_text(value).strip(),
            sender,
            channel,
            thread if isinstance(thread, str) else None,
        )
        return response.text("")

    # -- helpers -------------------------------------------------------------

    @staticmethod
    def _is_for_the_bot(event: dict[str, Any]) -> bool:
        """Direct messages always; in channels only mentions. Not edits,
        deletions, joins, or messages of bots (this one included)."""
        if event.get("bot_id") or event.get("subtype") or event.get("bot_profile"):
            return False
        if event.get("type") == "app_mention":
            return True
        return event.get("type") == "message" and event.get("channel_type") == "im"

    @staticmethod
    def _own_ids(data: dict[str, Any]) -> list[str]:
        ids = [
            a.get("user_id")
            for a in data.get("authorizations") or []
            if isinstance(a, dict) and a.get("is_bot", True)
        ]
        ids += [u for u in data.get("authed_users") or [] if isinstance(u, str)]
        return [i for i in ids if isinstance(i, str)]

    def _duplicate(self, keys: list[str]) -> bool | None:
        """True for a repeat, False for a first delivery, None when the record
        cannot be reached (then the message is answered and Slack is told
        not to retry, so it is still answered at most once)."""
        try:
            return not self.seen.first_time(keys)
        except Exception as exc:
            logger.error("slack channel: event record unavailable: %s", type(exc).__name__)
            return None

    def _start(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: str,
        sender: str,
        channel: str,
        thread: str | None,
    ) -> None:
        """Answer in the background: Slack wants its 200 within 3 seconds."""
        out = self.get_output_channel(channel, thread)
        task = asyncio.create_task(self._handle(on_new_message, text, sender, out))
        self._background_tasks.add(task)
        task.add_done_callback(self._background_tasks.discard)

    async def _handle(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: str,
        sender: str,
        out: StudySlackBot,
    ) -> None:
        # No metadata: the output channel already knows where to answer, and
        # Slack channel ids would otherwise be stored with the conversation.
        try:
            if not text:
                await out.send_text_message(sender, EMPTY_REPLY)
                return
            if len(text) > MAX_MESSAGE_CHARS:
                await out.send_text_message(sender, TOO_LONG_REPLY)
                return
            # Per sender only: every request comes from Slack's own addresses.
            decision = await limits.shared().acheck(sender=f"slack:{sender}")
            if not decision.allowed:
                await out.send_text_message(sender, decision.message_fi)
                return
            await on_new_message(UserMessage(text, out, sender, input_channel=self.name()))
        except Exception as exc:
            logger.error("slack channel: message handling failed: %s", type(exc).__name__)
            if not out.sent:
                try:
                    await out.send_text_message(sender, FAILURE_REPLY)
                except Exception as again:
                    logger.error("slack channel: could not reply: %s", type(again).__name__)
