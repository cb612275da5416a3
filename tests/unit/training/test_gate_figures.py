"""The gate remembers a model's figures only for exactly the same inputs:
the model's bytes, the resolved questions, the dev sets, catalogue and code."""

from __future__ import annotations

from pathlib import Path

import pytest

from studybots.training.evaluate import Labelled
from studybots.training.gate import _inputs_digest


@pytest.fixture()
def model(tmp_path: Path) -> Path:
    path = tmp_path / "tero.tar.gz"
    path.write_bytes(b"model one")
    return path


def test_same_inputs_same_digest(model):
    resolved = [Labelled("mikä on varha", "varha")]
    assert _inputs_digest("tero", model, resolved) == _inputs_digest("tero", model, resolved)


def test_another_model_resolved_question_or_bot_changes_the_digest(model):
    resolved = [Labelled("mikä on varha", "varha")]
    before = _inputs_digest("tero", model, resolved)
    assert _inputs_digest("paavo", model, resolved) != before
    assert _inputs_digest("tero", model, []) != before
    assert _inputs_digest("tero", model, [Labelled("mikä on varha", "kela")]) != before
    model.write_bytes(b"model two")
    assert _inputs_digest("tero", model, resolved) != before


def test_an_edited_catalogue_changes_the_digest(model, catalogue_copy, monkeypatch):
    monkeypatch.setenv("STUDYBOTS_CATALOGUE_DIR", str(catalogue_copy))
    before = _inputs_digest("paavo", model, [])
    needs = catalogue_copy / "services" / "needs.csv"
    needs.write_text(needs.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert _inputs_digest("paavo", model, []) != before
