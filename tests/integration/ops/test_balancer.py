"""nginx in front of the bot replicas: names no version, also on its own
error pages, and a slow answer never takes a live replica out."""

from __future__ import annotations

import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from studybots.ops.balancer import nginx_binary, nginx_command, write_config
from studybots.ops.supervisor import free_port


def start_nginx(conf, prefix) -> subprocess.Popen:
    nginx = nginx_binary()
    if nginx is None:
        pytest.fail("nginx is missing: make install installs it")
    return subprocess.Popen(
        nginx_command(nginx, prefix, conf),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_nginx_announces_no_version(tmp_path):
    port, dead = free_port(), free_port()  # no replica listens: nginx answers 502 itself
    conf = write_config({"tero": (port, [dead])}, tmp_path)
    assert "server_tokens off;" in conf.read_text()
    process = start_nginx(conf, tmp_path)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
                pytest.fail("a dead upstream cannot answer 200")
            except urllib.error.HTTPError as err:
                status, server, body = err.code, err.headers.get("Server"), err.read()
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert status == 502
    assert server == "nginx"  # not nginx/1.22.1
    assert b"nginx/" not in body


class Replica(BaseHTTPRequestHandler):
    """A bot replica: POST /slow answers after 3 s, anything else at once."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/slow":
            time.sleep(3)
        body = b"[]"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def post(url: str) -> int:
    request = urllib.request.Request(url, data=b"{}", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:  # nginx not listening yet
        return 0


def test_a_slow_answer_does_not_take_the_last_live_replica_out(tmp_path):
    """One replica is down (killed, restarting); a request to the other runs
    past the read timeout (504). The next students must still reach the live
    one: with read timeouts counted as failures, nginx marked it down too and
    answered everyone "no live upstreams" (502) for fail_timeout (the chaos
    benchmark's 300 failed requests)."""
    live = ThreadingHTTPServer(("127.0.0.1", 0), Replica)
    threading.Thread(target=live.serve_forever, daemon=True).start()
    port, dead = free_port(), free_port()
    conf = write_config(
        {"tero": (port, [dead, live.server_address[1]])}, tmp_path, read_timeout="1s"
    )
    process = start_nginx(conf, tmp_path)
    try:
        deadline = time.monotonic() + 15
        while post(f"http://127.0.0.1:{port}/fast") != 200:
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.2)
        assert post(f"http://127.0.0.1:{port}/slow") == 504
        statuses = [post(f"http://127.0.0.1:{port}/fast") for _ in range(20)]
    finally:
        process.terminate()
        process.wait(timeout=10)
        live.shutdown()
    assert statuses == [200] * 20
