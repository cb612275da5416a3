"""Security and operations of the running system: where the servers listen,
Rasa's HTTP API behind a token, rate limits across a bot's workers, no
personal data in DEBUG logs, health and readiness endpoints."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

from studybots.core.internal_token import TOKEN_ENV, bearer
from studybots.privacy.pseudonyms import load_key, pseudonym
from tests.conftest import free_port

TOKEN = "test-token-7d1c2e"
SENDER_LIMIT, IP_LIMIT = 3, 8


def request(
    url: str, body: dict | None = None, method: str | None = None, headers: dict | None = None
) -> tuple[int, dict, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = {"raw": raw.decode("utf-8", "replace")}
        return err.code, dict(err.headers), payload


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def other_local_addresses() -> list[str]:
    """Addresses of this machine other than 127.0.0.1: another loopback
    address always, and the address of the default route if there is one."""
    addresses = ["127.0.0.2"]
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent
            own = s.getsockname()[0]
        if not own.startswith("127."):
            addresses.append(own)
    except OSError:
        pass
    return addresses


def test_every_server_listens_on_loopback_only(stack):
    for name, server in stack["servers"].items():
        assert reachable("127.0.0.1", server.port), name
        for address in other_local_addresses():
            assert not reachable(address, server.port), f"{name} answers on {address}:{server.port}"


def test_health_and_readiness_endpoints(stack):
    s = stack["settings"]
    status, _, body = request(f"http://127.0.0.1:{s.action_port}/ready")
    assert status == 200 and body["status"] == "ok" and body["terms"] > 0
    assert request(f"http://127.0.0.1:{s.action_port}/health")[0] == 200
    assert request(f"http://127.0.0.1:{s.web_port}/health")[2] == {"status": "ok"}
    for port in (s.tero_port, s.paavo_port):
        status, _, body = request(f"http://127.0.0.1:{port}/webhooks/rest/")
        assert status == 200 and body["status"] == "ok" and body["model"]


def test_web_page_security_headers(stack):
    with urllib.request.urlopen(f"http://127.0.0.1:{stack['settings'].web_port}/") as resp:
        headers = resp.headers
    csp = headers["Content-Security-Policy"]
    for directive in (
        "default-src 'none'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"


def forged_action_call(action: str = "action_answer_term") -> dict:
    """What Rasa posts to the action server, as anyone on the machine could."""
    return {
        "next_action": action,
        "sender_id": "forger",
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": "forger",
            "slots": {},
            "latest_message": {"text": "mikä on kela", "intent": {"name": "termi_kela"}},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": None,
        },
    }


def test_the_action_server_runs_actions_only_for_the_bots(stack):
    s = stack["settings"]
    base = f"http://127.0.0.1:{s.action_port}"
    token = stack["servers"]["actions"].env[TOKEN_ENV]
    assert (s.var_dir / "internal.token").read_text() == token  # generated into var/
    for headers in (None, {"Authorization": "Bearer wrong-token-0123456789"}, {"X-Token": token}):
        status, reply, body = request(f"{base}/webhook", forged_action_call(), headers=headers)
        assert status == 401 and body["error"] == "unauthorized", headers
        assert reply["WWW-Authenticate"] == "Bearer"
        assert request(f"{base}/actions", headers=headers)[0] == 401
    assert request(f"{base}/webhook?token={token}", forged_action_call())[0] == 401
    # With the token the same call runs the action: the check is the only difference.
    status, _, body = request(f"{base}/webhook", forged_action_call(), headers=bearer(token))
    assert status == 200 and "responses" in body, body


def test_models_are_served_only_to_the_bots(stack):
    s = stack["settings"]
    url = f"http://127.0.0.1:{s.model_port}/models/tero.tar.gz"
    token = stack["servers"]["models"].env[TOKEN_ENV]
    for headers in (None, {"Authorization": "Bearer not-the-token-0123456789"}):
        status, reply, _ = request(url, headers=headers)
        assert status == 401, headers
        assert "aiohttp" not in reply.get("Server", "")
    req = urllib.request.Request(url, headers=bearer(token))
    with urllib.request.urlopen(req, timeout=60) as resp:
        assert resp.status == 200 and resp.read(2) == b"\x1f\x8b"  # a gzip archive


def test_no_server_announces_its_software_or_version(stack):
    for name, server in stack["servers"].items():
        status, headers, _ = request(server.url + (server.health_path or "/"))
        assert status == 200, name
        banner = headers.get("Server", "")
        assert not any(word in banner for word in ("Python", "aiohttp", "Sanic", "/")), (
            name,
            banner,
        )
        assert not any(c.isdigit() for c in banner), (name, banner)
    # Error pages too: an unknown path on every server.
    for name, server in stack["servers"].items():
        status, headers, _ = request(server.url + "/ei-ole-olemassa")
        assert status in (401, 404), (name, status)
        assert not any(c.isdigit() for c in headers.get("Server", "")), name


def test_rasa_http_api_is_off_without_a_token(stack):
    port = stack["settings"].tero_port
    assert request(f"http://127.0.0.1:{port}/conversations/someone/tracker")[0] == 404
    assert request(f"http://127.0.0.1:{port}/model/parse", {"text": "mikä on kela"})[0] == 404
    assert request(f"http://127.0.0.1:{port}/status")[0] == 404


@pytest.fixture(scope="module")
def guarded_bot(stack, tmp_path_factory):
    """Tero with the HTTP API on (RASA_API_TOKEN), DEBUG logging, small rate
    limits and two workers; the stack's action and model servers."""
    from studybots.ops import supervisor

    root = tmp_path_factory.mktemp("guarded")
    settings = replace(
        stack["settings"],
        var_dir=root,
        tero_port=free_port(),
        paavo_port=free_port(),
        web_port=free_port(),
    )
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {
            "RASA_API_TOKEN": TOKEN,
            "LOG_LEVEL": "DEBUG",
            "BOT_WORKERS": "2",
            "STUDYBOTS_RATE_LIMIT_SENDER": str(SENDER_LIMIT),
            "STUDYBOTS_RATE_LIMIT_IP": str(IP_LIMIT),
            "STUDYBOTS_VAR_DIR": str(root),
            # The stack's action and model servers answer only with their token.
            TOKEN_ENV: stack["servers"]["actions"].env[TOKEN_ENV],
        }.items():
            mp.setenv(name, value)
        for name in ("TERO_TRACKER_URL", "STUDYBOTS_LOG_URL"):
            mp.delenv(name, raising=False)
        spec = next(
            s
            for s in supervisor.server_specs(
                settings, models_dir=root, with_web=False, log_dir=root
            )
            if s.name == "tero"
        )
    assert "--enable-api" in spec.command and TOKEN not in " ".join(spec.command)
    supervisor.start([spec])
    try:
        yield {"port": spec.port, "log": spec.log, "var_dir": root, "sent": []}
    finally:
        supervisor.stop([spec])


def say(bot: dict, sender: str, text: str) -> tuple[int, dict, object]:
    status, headers, body = request(
        f"http://127.0.0.1:{bot['port']}/webhooks/rest/webhook", {"sender": sender, "message": text}
    )
    if status == 200:
        bot["sent"].append(time.monotonic())
    return status, headers, body


def test_debug_log_has_no_message_text_or_sender_id(guarded_bot):
    sender = f"matti.meikalainen-{time.time_ns()}"
    text = "mikä on kela? soita 040 123 4567, hetuni on 131052-308T"
    status, _, reply = say(guarded_bot, sender, text)
    assert status == 200 and reply
    time.sleep(1.0)
    log = Path(guarded_bot["log"]).read_text(encoding="utf-8", errors="replace")
    assert "DEBUG" in log or '"level": "debug"' in log  # DEBUG logging really was on
    for secret in (
        sender,
        "040 123 4567",
        "0401234567",
        "131052-308T",
        "131052",
        text,
        "soita 040",
        "matti.meikalainen",
    ):
        assert secret not in log, secret
    # The conversation is still traceable through its pseudonym.
    key = load_key(guarded_bot["var_dir"] / "log.key")
    assert "conv:" + pseudonym(sender, key)[:12] in log
    assert '"parse_data_text": "<str: 55>"' in log  # structlog: the text's size only


def test_http_api_needs_the_token(guarded_bot):
    base = f"http://127.0.0.1:{guarded_bot['port']}"
    assert request(f"{base}/conversations/someone/tracker")[0] == 401
    assert request(f"{base}/conversations/someone/tracker?token=wrong")[0] == 401
    assert request(f"{base}/model/parse", {"text": "mikä on kela"})[0] == 401
    status, _, tracker = request(f"{base}/conversations/someone/tracker?token={TOKEN}")
    assert status == 200 and tracker["sender_id"] == "someone"
    status, _, parsed = request(f"{base}/model/parse?token={TOKEN}", {"text": "mikä on kela"})
    assert status == 200 and parsed["intent"]["name"]


def test_rate_limits_hold_across_the_workers(guarded_bot):
    """Per-process counters would let each of the two workers accept the limit."""
    sender = f"flood-{time.time_ns()}"
    results = [say(guarded_bot, sender, "mikä on kela") for _ in range(SENDER_LIMIT + 4)]
    statuses = [r[0] for r in results]
    assert statuses == [200] * SENDER_LIMIT + [429] * 4, statuses
    status, headers, body = results[-1]
    assert body["error"] == "rate_limited" and int(headers["Retry-After"]) >= 1
    assert "Odota" in body["message"] and "wait" in body["message_en"]

    # Per address: new conversations from the same address, until refused.
    allowed_before = len(guarded_bot["sent"])
    refused = None
    for n in range(IP_LIMIT + 4):
        status, _, body = say(guarded_bot, f"crowd-{n}-{time.time_ns()}", "moi")
        if status == 429:
            refused = body
            break
        assert status == 200
    assert refused is not None and "Odota" in refused["message"]
    first, last = guarded_bot["sent"][0], guarded_bot["sent"][-1]
    refill = (last - first) * IP_LIMIT / 60.0
    assert len(guarded_bot["sent"]) <= IP_LIMIT + refill + 1, (allowed_before, guarded_bot["sent"])
