"""Talking to running bots over REST, and the helpers of tests that keep
students asking while something changes (publishing, faults)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from studybots.core.settings import PROJECT_ROOT


def post(port: int, payload: bytes | dict, timeout: float = 30) -> tuple[int, object]:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhooks/rest/webhook",
        data=data,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def say(port: int, sender: str, text: str) -> list[dict]:
    status, body = post(port, {"sender": sender, "message": text})
    assert status == 200, body
    assert isinstance(body, list) and body, body
    return body


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def health(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/webhooks/rest/", timeout=5) as resp:
        return json.loads(resp.read())


def run_tool(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class Load:
    """Clients sending messages to Tero, counting every failure. Each client
    pauses `pause` seconds between messages: students, not a benchmark, and
    the training that runs meanwhile keeps a core of its own."""

    def __init__(self, port: int, clients: int = 3, pause: float = 0.25) -> None:
        self.port, self.sent, self.failures = port, 0, []
        self.pause = pause
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._client, args=(i,), daemon=True) for i in range(clients)
        ]

    def _client(self, number: int) -> None:
        questions = ["mikä on kela", "missä haen opintotukea", "mikä on föli", "mitä yths tekee"]
        n = 0
        while not self._stop.is_set():
            n += 1
            text = questions[n % len(questions)]
            try:
                status, body = post(
                    self.port, {"sender": f"load-{number}-{n // 5}", "message": text}, timeout=60
                )
                ok = (
                    status == 200
                    and isinstance(body, list)
                    and body
                    and "jokin meni vikaan" not in texts(body)
                )
                if not ok:
                    self.failures.append((text, status, body))
            except Exception as exc:  # a refused or dropped connection is a failure too
                self.failures.append((text, "exception", repr(exc)))
            self.sent += 1
            self._stop.wait(self.pause)

    def __enter__(self) -> Load:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=90)


def wait_for(condition, timeout: float, step: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return condition()
