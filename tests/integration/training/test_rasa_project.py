"""Rasa's own check of both bots' training data: `rasa data validate`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from studybots.core.names import BOTS
from studybots.core.settings import PROJECT_ROOT, rasa_env
from studybots.training.train import training_inputs


@pytest.mark.parametrize("bot", BOTS)
def test_rasa_data_validate(bot):
    inputs = training_inputs(bot)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "data",
            "validate",
            "--fail-on-warnings",
            "--config",
            str(inputs["config"][0]),
            "--domain",
            str(inputs["domain"][0]),
            "--data",
            *[str(p) for p in inputs["data"]],
        ],
        cwd=PROJECT_ROOT,
        env=rasa_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
