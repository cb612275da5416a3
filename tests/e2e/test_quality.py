"""The quality floor of issue 2, on the held-out dev sets (see `make eval`).

A catalogue or pipeline change that drops a bot below its target fails here.
"""

from __future__ import annotations

import csv

from studybots.build.nlu import render
from studybots.training.evaluate import EVAL_DIR, TARGETS, evaluate


def test_dev_sets_are_large_enough_and_never_trained_on(catalogue):
    tero = list(csv.DictReader((EVAL_DIR / "tero_dev.csv").open(encoding="utf-8")))
    paavo = list(csv.DictReader((EVAL_DIR / "paavo_dev.csv").open(encoding="utf-8")))
    oos = list(csv.DictReader((EVAL_DIR / "out_of_scope_dev.csv").open(encoding="utf-8")))
    assert len(tero) >= 150 and len(paavo) >= 60 and len(oos) >= 30
    assert {r["term_id"] for r in tero} <= set(catalogue.terms)
    files = render(catalogue)
    common = (EVAL_DIR.parent.parent / "data" / "nlu" / "common.yml").read_text().casefold()
    trained = {
        "tero": files["data/nlu/tero/terms.generated.yml"].casefold() + common,
        "paavo": files["data/nlu/paavo/needs.generated.yml"].casefold() + common,
    }
    for bot, rows in (("tero", tero + oos), ("paavo", paavo + oos)):
        for row in rows:
            line = f"- {' '.join(row['text'].split()).casefold()}\n"
            assert line not in trained[bot], f"{bot} is trained on dev question {row['text']!r}"


def test_quality_targets_are_met(models_dir, database_url):
    report = evaluate(models_dir, database_url)
    for key, target in TARGETS.items():
        assert report.figures[key] >= target, (key, report.figures, report.errors)
