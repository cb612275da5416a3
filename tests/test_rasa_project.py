"""Rasa's own checks on both bots: `rasa data validate` and `rasa test`
conversation tests (tests/conversations/<bot>.yml) on the trained models."""
from __future__ import annotations

import subprocess
import sys

import pytest

from studybots.settings import PROJECT_ROOT
from studybots.train import model_path, rasa_env, training_inputs

BOTS = ("tero", "paavo")


@pytest.mark.parametrize("bot", BOTS)
def test_rasa_data_validate(bot):
    inputs = training_inputs(bot)
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings",
         "--config", str(inputs["config"][0]), "--domain", str(inputs["domain"][0]),
         "--data", *[str(p) for p in inputs["data"]]],
        cwd=PROJECT_ROOT, env=rasa_env(), capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.e2e
@pytest.mark.parametrize("bot", BOTS)
def test_rasa_conversation_tests(bot, models_dir, tmp_path):
    out = tmp_path / "results"
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "test", "core",
         "--model", str(model_path(bot, models_dir)),
         "--stories", str(PROJECT_ROOT / "tests" / "conversations" / f"{bot}.yml"),
         "--out", str(out), "--fail-on-prediction-errors"],
        cwd=PROJECT_ROOT, env=rasa_env(), capture_output=True, text=True, timeout=600,
    )
    failed = (out / "failed_test_stories.yml")
    detail = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, detail + result.stdout[-3000:] + result.stderr[-3000:]
