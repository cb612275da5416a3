"""Model files, the model server's conditional GET, and the quality gate's rule."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from studybots.core.settings import PROJECT_ROOT
from studybots.training.gate import compare
from studybots.training.model_files import content_digest, install, model_path, rollback
from tests.conftest import free_port


def stage(directory, bot, payload: bytes, stamp: str):
    directory.mkdir(parents=True, exist_ok=True)
    model_path(bot, directory).write_bytes(payload)
    (directory / f"{bot}.sha256").write_text(stamp + "\n")


def test_install_keeps_previous_and_rollback_swaps_back(tmp_path):
    models = tmp_path / "models"
    stage(tmp_path / "a", "tero", b"model A", "stamp-a")
    install("tero", tmp_path / "a", models)
    assert model_path("tero", models).read_bytes() == b"model A"
    assert not (models / "previous").exists()
    stage(tmp_path / "b", "tero", b"model B", "stamp-b")
    install("tero", tmp_path / "b", models)
    assert model_path("tero", models).read_bytes() == b"model B"
    assert (models / "tero.sha256").read_text().strip() == "stamp-b"
    assert model_path("tero", models / "previous").read_bytes() == b"model A"
    assert not model_path("tero", tmp_path / "b").exists()  # moved, not copied

    rollback("tero", models)
    assert model_path("tero", models).read_bytes() == b"model A"
    assert (models / "tero.sha256").read_text().strip() == "stamp-a"
    assert model_path("tero", models / "previous").read_bytes() == b"model B"


def test_install_without_a_model_says_so(tmp_path):
    with pytest.raises(FileNotFoundError):
        install("tero", tmp_path / "empty", tmp_path / "models")
    with pytest.raises(FileNotFoundError):
        rollback("tero", tmp_path / "models")


TOKEN = "model-server-test-token"


def get(url: str, etag: str | None = None, token: str | None = TOKEN) -> tuple[int, dict, bytes]:
    headers = {"If-None-Match": etag} if etag else {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture
def model_server(tmp_path):
    port = free_port()
    models = tmp_path / "models"
    models.mkdir()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "studybots.ops.model_server",
            "--port",
            str(port),
            "--models-dir",
            str(models),
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, "STUDYBOTS_INTERNAL_TOKEN": TOKEN},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/health", timeout=1)
            break
        except OSError:
            assert time.monotonic() < deadline, "model server did not start"
            time.sleep(0.2)
    yield base, models
    process.terminate()
    process.wait(timeout=10)


def test_model_server_answers_304_until_a_new_model_is_published(model_server, tmp_path):
    base, models = model_server
    url = base + "/models/tero.tar.gz"
    assert get(url)[0] == 404  # nothing published yet
    assert get(base + "/models/..%2Fsecret.tar.gz")[0] == 404

    stage(tmp_path / "a", "tero", b"model A", "a")
    install("tero", tmp_path / "a", models)
    status, headers, body = get(url)
    assert status == 200 and body == b"model A"
    etag = headers["ETag"]
    assert etag.strip('"') == content_digest(model_path("tero", models))
    assert headers["filename"] == "tero.tar.gz"
    assert get(url, etag)[0] == 304  # what a bot worker running model A asks

    stage(tmp_path / "b", "tero", b"model B", "b")
    install("tero", tmp_path / "b", models)
    status, headers, body = get(url, etag)
    assert status == 200 and body == b"model B" and headers["ETag"] != etag


def test_model_server_gives_models_only_to_callers_with_the_internal_token(model_server, tmp_path):
    base, models = model_server
    stage(tmp_path / "a", "tero", b"model A", "a")
    install("tero", tmp_path / "a", models)
    url = base + "/models/tero.tar.gz"
    for token in (None, "", "wrong-token-of-some-length", TOKEN + "x", TOKEN[:-1]):
        status, headers, body = get(url, token=token)
        assert status == 401 and b"model A" not in body, token
        assert headers.get("WWW-Authenticate") == "Bearer"
    # A token in another scheme or in the query string is not accepted either.
    request = urllib.request.Request(url, headers={"Authorization": f"Basic {TOKEN}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 401
    assert get(f"{url}?token={TOKEN}", token=None)[0] == 401
    # Probes need no secret: /health tells nothing.
    assert get(base + "/health", token=None)[0] == 200
    status, headers, body = get(url)
    assert status == 200 and body == b"model A"
    assert "aiohttp" not in headers.get("Server", "") and "Python" not in headers.get("Server", "")


def test_gate_refuses_more_than_two_points_worse_on_any_figure():
    old = {"tero_top1": 0.909, "oos_rejection_tero": 0.978, "resolved_tero": 1.0}
    assert compare("tero", old, dict(old)).passed
    assert compare("tero", None, old).passed  # nothing to compare with: first model
    slightly = {**old, "tero_top1": 0.890}  # 1.9 points
    assert compare("tero", old, slightly).passed
    worse = {**old, "tero_top1": 0.880}
    assert compare("tero", old, worse).regressions == ["tero_top1"]
    forgot = {**old, "resolved_tero": 0.5}  # a question editors fixed is broken again
    verdict = compare("tero", old, forgot)
    assert verdict.regressions == ["resolved_tero"] and "HEIKOMPI" in verdict.table()
    better = {"tero_top1": 0.95, "oos_rejection_tero": 0.99, "resolved_tero": 1.0}
    assert compare("tero", old, better).passed


def test_every_training_input_exists_and_counts_in_the_stamp():
    from studybots.core.names import BOTS
    from studybots.training.train import fingerprint, training_inputs

    for bot in BOTS:
        for paths in training_inputs(bot).values():
            assert all(path.exists() for path in paths), paths
        assert len(fingerprint(bot)) == 64
