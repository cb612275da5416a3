"""The gate remembers a model's figures only for exactly the same inputs:
the model's bytes, the resolved questions, the dev sets, catalogue and code."""

from __future__ import annotations

from pathlib import Path

import pytest

from studybots.training.evaluate import Labelled
from studybots.training.gate import _inputs_digest
from studybots.training.model_files import content_digest


def digest(bot: str, model: Path, resolved: list[Labelled]) -> str:
    return _inputs_digest(bot, content_digest(model), resolved)


@pytest.fixture()
def model(tmp_path: Path) -> Path:
    path = tmp_path / "tero.tar.gz"
    path.write_bytes(b"model one")
    return path


def test_same_inputs_same_digest(model):
    resolved = [Labelled("mikä on varha", "varha")]
    assert digest("tero", model, resolved) == digest("tero", model, resolved)


def test_another_model_resolved_question_or_bot_changes_the_digest(model):
    resolved = [Labelled("mikä on varha", "varha")]
    before = digest("tero", model, resolved)
    assert digest("paavo", model, resolved) != before
    assert digest("tero", model, []) != before
    assert digest("tero", model, [Labelled("mikä on varha", "kela")]) != before
    model.write_bytes(b"model two")
    assert digest("tero", model, resolved) != before


def test_an_edited_catalogue_changes_the_digest(model, catalogue_copy, monkeypatch):
    monkeypatch.setenv("STUDYBOTS_CATALOGUE_DIR", str(catalogue_copy))
    before = digest("paavo", model, [])
    needs = catalogue_copy / "services" / "needs.csv"
    needs.write_text(needs.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert digest("paavo", model, []) != before
