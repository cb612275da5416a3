"""A local stand-in for the Slack Web API, and a client that signs Events API
and interactivity requests the way Slack does.

The double is a real aiohttp server (in a thread of the test process): the
bots reach it over HTTP at SLACK_API_URL=http://127.0.0.1:<port>/api/ and
every `chat.postMessage` call is recorded with the token it came with.
Slack itself is never contacted.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from aiohttp import web

# The Slack apps of the test system: the session stack (tests/conftest.py)
# runs both bots with the Slack channel enabled by these, as production does.
TERO_TOKEN, TERO_SECRET = "xoxb-tero-test-token", "tero-signing-secret-0123456789abcdef"
PAAVO_TOKEN, PAAVO_SECRET = "xoxb-paavo-test-token", "paavo-signing-secret-fedcba9876543210"


def slack_environ(api_url: str) -> dict[str, str]:
    """The environment variables that give both bots the Slack channel."""
    return {
        "TERO_SLACK_TOKEN": TERO_TOKEN,
        "TERO_SLACK_SIGNING_SECRET": TERO_SECRET,
        "PAAVO_SLACK_TOKEN": PAAVO_TOKEN,
        "PAAVO_SLACK_SIGNING_SECRET": PAAVO_SECRET,
        "SLACK_API_URL": api_url,
    }


class SlackApiDouble:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []  # every API call: method, token, body
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._ts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def start(self) -> SlackApiDouble:
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        if not ready.wait(10):
            raise RuntimeError("Slack API double did not start")
        return self

    def stop(self) -> None:
        async def _cleanup() -> None:
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(_cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        self._runner = web.AppRunner(app)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        ready.set()
        self._loop.run_forever()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if request.content_type == "application/json":
            body = await request.json()
        else:
            body = dict(await request.post())
        with self._lock:
            self._ts += 1
            ts = f"{int(time.time())}.{self._ts:06d}"
            self.calls.append({"method": method, "token": token, "body": body, "ts": ts})
        if method == "auth.test":
            return web.json_response({"ok": True, "user_id": "UBOT", "bot_id": "BBOT"})
        if method == "chat.postMessage":
            if not body.get("channel"):
                return web.json_response({"ok": False, "error": "channel_not_found"})
            return web.json_response(
                {
                    "ok": True,
                    "channel": body["channel"],
                    "ts": ts,
                    "message": {"text": body.get("text"), "ts": ts},
                }
            )
        return web.json_response({"ok": True})

    def posts(self, channel: str | None = None, token: str | None = None) -> list[dict[str, Any]]:
        """chat.postMessage bodies (with the token), oldest first."""
        with self._lock:
            calls = list(self.calls)
        return [
            dict(c["body"], _token=c["token"])
            for c in calls
            if c["method"] == "chat.postMessage"
            and (channel is None or c["body"].get("channel") == channel)
            and (token is None or c["token"] == token)
        ]

    def wait_posts(
        self, channel: str, count: int = 1, timeout: float = 60, settle: float = 0.0
    ) -> list[dict[str, Any]]:
        """Wait for at least `count` posts to `channel`; then wait `settle`
        seconds more so that an extra (unwanted) post would show up too."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.posts(channel)) < count:
            time.sleep(0.1)
        if settle:
            time.sleep(settle)
        return self.posts(channel)


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Slack's request signature: v0=HMAC-SHA256(secret, "v0:{ts}:{body}")."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(
        secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256
    ).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def send(
    port: int, body: bytes, headers: dict[str, str], timeout: float = 30
) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhooks/slack/webhook", data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def send_event(
    port: int,
    secret: str,
    envelope: dict[str, Any],
    timestamp: int | None = None,
    extra_headers: dict[str, str] | None = None,
) -> tuple[int, bytes, dict[str, str]]:
    body = json.dumps(envelope).encode()
    headers = {
        "Content-Type": "application/json",
        **sign(secret, body, timestamp),
        **(extra_headers or {}),
    }
    return send(port, body, headers)


def send_payload(port: int, secret: str, payload: dict[str, Any]) -> tuple[int, bytes, dict]:
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(secret, body)}
    return send(port, body, headers)


_counter = 0


def message_event(
    text: str,
    user: str,
    channel: str,
    *,
    kind: str = "message",
    channel_type: str = "im",
    thread_ts: str | None = None,
    bot_user: str = "UBOT",
    event_id: str | None = None,
) -> dict[str, Any]:
    """An Events API envelope as Slack sends it for a message or a mention."""
    global _counter
    _counter += 1
    ts = f"{time.time():.6f}"[:-3] + f"{_counter % 1000:03d}"
    event: dict[str, Any] = {
        "type": kind,
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type,
    }
    if kind == "app_mention":
        event.pop("channel_type")
    if thread_ts:
        event["thread_ts"] = thread_ts
    return {
        "token": "legacy-verification-token",
        "team_id": "T0TEST",
        "api_app_id": "A0TEST",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{time.time_ns()}{_counter}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": "T0TEST",
                "user_id": bot_user,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
    }


def button_click(
    value: str, user: str, channel: str, message_ts: str, thread_ts: str | None = None
) -> dict[str, Any]:
    """An interactivity payload (block_actions) for a click on a button."""
    message: dict[str, Any] = {"type": "message", "ts": message_ts, "text": "…"}
    if thread_ts:
        message["thread_ts"] = thread_ts
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "opiskelija"},
        "api_app_id": "A0TEST",
        "team": {"id": "T0TEST"},
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
        "trigger_id": f"{time.time_ns()}.trigger",
        "channel": {"id": channel},
        "message": message,
        "actions": [
            {
                "type": "button",
                "action_id": "studybots_button_0",
                "block_id": "studybots_buttons",
                "value": value,
                "text": {"type": "plain_text", "text": value},
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
