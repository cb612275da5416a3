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


def test_a_drop_in_one_language_is_a_regression_though_finnish_holds():
    """Issue 13: the gate compares each language's dev-set figure."""
    old = {"tero_top1": 0.93, "tero_top1_sv": 0.98, "tero_top1_en": 1.0}
    new = {"tero_top1": 0.94, "tero_top1_sv": 0.90, "tero_top1_en": 1.0}
    verdict = compare("tero", old, new)
    assert verdict.regressions == ["tero_top1_sv"]
    table = verdict.table()
    assert "kehitysjoukko: oikea termi (ruotsi)" in table and "(englanti)" in table
    line = next(row for row in table.splitlines() if "(ruotsi)" in row)
    assert line.endswith("<< HEIKOMPI") and "98.0%" in line and "90.0%" in line
    # The languages' rows come right after the Finnish figure.
    rows = [row.strip() for row in table.splitlines()[2:]]
    assert rows[0].startswith("kehitysjoukko: oikea termi ") and "(ruotsi)" in rows[1]
