"""nginx in front of the bot replicas names no version, also on its own error pages."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request

import pytest

from studybots.ops.balancer import nginx_binary, write_config
from studybots.ops.supervisor import free_port


def test_nginx_announces_no_version(tmp_path):
    nginx = nginx_binary()
    if nginx is None:
        pytest.fail("nginx is missing: make install installs it")
    port, dead = free_port(), free_port()  # no replica listens: nginx answers 502 itself
    conf = write_config({"tero": (port, [dead])}, tmp_path)
    assert "server_tokens off;" in conf.read_text()
    process = subprocess.Popen(
        [
            nginx,
            "-p",
            str(tmp_path),
            "-c",
            str(conf),
            "-e",
            str(tmp_path / "error.log"),
            "-g",
            "daemon off;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
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
