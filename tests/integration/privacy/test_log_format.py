"""LOG_FORMAT=json: one JSON object per log line, without personal data."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
import urllib.request

from studybots.core.settings import PROJECT_ROOT
from studybots.privacy.log_format import JsonFormatter, apply_from_env
from tests.conftest import free_port


def test_a_record_becomes_one_json_line_without_personal_data():
    record = logging.LogRecord(
        "studybots.test",
        logging.WARNING,
        __file__,
        1,
        "asked by %s: %s",
        ("matti@example.com", "soita 040 1234567"),
        None,
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "WARNING" and entry["logger"] == "studybots.test"
    assert "matti@example.com" not in entry["message"] and "1234567" not in entry["message"]
    assert entry["time"].endswith("+00:00")


def test_only_with_log_format_json(monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert apply_from_env() is False
    root = logging.getLogger()
    saved = [(h, h.formatter) for h in root.handlers]
    monkeypatch.setenv("LOG_FORMAT", "json")
    try:
        assert apply_from_env() is True
        assert root.handlers and all(isinstance(h.formatter, JsonFormatter) for h in root.handlers)
    finally:
        for handler, formatter in saved:
            handler.setFormatter(formatter)


def test_the_model_server_logs_json_lines(tmp_path):
    port = free_port()
    (tmp_path / "tero.tar.gz").write_bytes(b"model")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "studybots.ops.model_server",
            "--port",
            str(port),
            "--models-dir",
            str(tmp_path),
        ],
        cwd=PROJECT_ROOT,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **__import__("os").environ,
            "LOG_FORMAT": "json",
            "STUDYBOTS_INTERNAL_TOKEN": "log-format-test-token",
        },
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(
                    urllib.request.Request(
                        f"http://127.0.0.1:{port}/models/tero.tar.gz",
                        headers={"Authorization": "Bearer log-format-test-token"},
                    ),
                    timeout=1,
                )
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(
        e["logger"] == "studybots.ops.model_server" and "serving tero" in e["message"]
        for e in lines
    ), err
