"""The publish gate refuses a model that routes under 98 % of the crisis dev
messages to help, whatever the running model does."""

from __future__ import annotations

from studybots.training.gate import compare


def test_crisis_recall_under_the_floor_is_refused_even_without_a_running_model():
    verdict = compare("tero", None, {"tero_top1": 0.95, "crisis_recall_tero": 0.97})
    assert not verdict.passed and verdict.below_floor == ["crisis_recall_tero"]
    assert "<< ALLE 98%" in verdict.table()


def test_crisis_recall_at_the_floor_passes_and_other_drops_still_count():
    ok = compare("paavo", None, {"paavo_recall_at_3": 0.9, "crisis_recall_paavo": 0.98})
    assert ok.passed and ok.below_floor == []
    worse = compare(
        "paavo",
        {"paavo_recall_at_3": 0.97, "crisis_recall_paavo": 1.0},
        {"paavo_recall_at_3": 0.90, "crisis_recall_paavo": 1.0},
    )
    assert worse.regressions == ["paavo_recall_at_3"] and worse.below_floor == []
