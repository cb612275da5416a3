"""The console's commands as an operator runs them, in real processes:
create-admin reads the password from standard input (never the command
line), `serve` answers at /toimitus/ and /health, and the demo page's server
serves the console with --console (make run)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

from studybots.core.settings import PROJECT_ROOT
from studybots.ops.supervisor import free_port
from tests.support.console import PASSWORD, PREFIX, Browser


def env(tmp_path) -> dict[str, str]:
    return dict(
        os.environ,
        PYTHONPATH=str(PROJECT_ROOT),
        STUDYBOTS_VAR_DIR=str(tmp_path),
        STUDYBOTS_CONSOLE_PLAIN_HTTP="1",
    )


def create_admin(tmp_path, name: str, password: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "studybots.console", "create-admin", name],
        input=password + "\n",
        capture_output=True,
        text=True,
        env=env(tmp_path),
        cwd=PROJECT_ROOT,
        timeout=60,
    )


def wait_for(url: str, process: subprocess.Popen, seconds: float = 30) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


def test_create_admin_then_sign_in_to_the_console_served_on_its_own(tmp_path):
    short = create_admin(tmp_path, "paula", "lyhyt")
    assert short.returncode == 1 and "vähintään 12 merkkiä" in short.stderr
    done = create_admin(tmp_path, "paula", PASSWORD)
    assert done.returncode == 0, done.stderr
    assert create_admin(tmp_path, "paula", PASSWORD).returncode == 1  # already there
    assert (tmp_path / "log.db").stat().st_mode & 0o777 == 0o600
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "studybots.console", "serve", "--port", str(port)],
        env=env(tmp_path),
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for(f"http://127.0.0.1:{port}/health", server) == 200

        async def sign_in() -> None:
            browser = Browser(f"http://127.0.0.1:{port}")
            try:
                assert await browser.login("paula") == 303
                status, body, _ = await browser.get(PREFIX + "loki")
                assert status == 200 and "create-admin" in body and "tunnus luotu" in body
            finally:
                await browser.close()

        asyncio.run(sign_in())
    finally:
        server.terminate()
        server.wait(10)


def test_plain_http_refuses_a_public_interface(tmp_path):
    refused = subprocess.run(
        [sys.executable, "-m", "studybots.console", "serve", "--host", "0.0.0.0", "--port", "1"],
        env=env(tmp_path),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1 and "loopback" in refused.stderr


def test_the_demo_page_server_serves_the_console_with_console(tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "studybots.ops.webpage", "--port", str(port), "--console"],
        env=env(tmp_path),
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for(f"http://127.0.0.1:{port}/health", server) == 200
        assert wait_for(f"http://localhost:{port}{PREFIX}kirjaudu", server) == 200
        request = urllib.request.Request(f"http://localhost:{port}{PREFIX}loki")
        opener = urllib.request.build_opener(NoRedirect)
        try:
            opener.open(request, timeout=5)
            raise AssertionError("answered without a login")
        except urllib.error.HTTPError as exc:
            assert exc.code == 303 and exc.headers["Location"] == PREFIX + "kirjaudu"
        assert (tmp_path / "log.db").exists()  # the tables were created at the start
    finally:
        server.terminate()
        server.wait(10)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
