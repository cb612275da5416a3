"""Rasa's own conversation tests (tests/conversations/<bot>.yml) on the
trained models: `rasa test core --fail-on-prediction-errors`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from studybots.core.names import BOTS
from studybots.core.settings import PROJECT_ROOT, rasa_env
from studybots.training.train import model_path


@pytest.mark.parametrize("bot", BOTS)
def test_rasa_conversation_tests(bot, models_dir, tmp_path):
    out = tmp_path / "results"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "test",
            "core",
            "--model",
            str(model_path(bot, models_dir)),
            "--stories",
            str(PROJECT_ROOT / "tests" / "conversations" / f"{bot}.yml"),
            "--out",
            str(out),
            "--fail-on-prediction-errors",
        ],
        cwd=PROJECT_ROOT,
        env=rasa_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    failed = out / "failed_test_stories.yml"
    detail = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, detail + result.stdout[-3000:] + result.stderr[-3000:]
