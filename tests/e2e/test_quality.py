"""The quality floors of issues 2 and 12, on the held-out dev sets (see `make eval`).

A catalogue or pipeline change that drops a bot below its target fails here.
"""

from __future__ import annotations

import csv

from studybots.build.nlu import render
from studybots.safety.text import fold
from studybots.training.evaluate import CEILINGS, EVAL_DIR, TARGETS, evaluate


def read(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader((EVAL_DIR / name).open(encoding="utf-8")))


def test_safety_dev_sets_are_large_enough_and_never_trained_on(catalogue):
    crisis = read("safety_crisis_dev.csv")
    langs = [r["lang"] for r in crisis]
    assert len(crisis) >= 60 and langs.count("fi") >= 40
    assert langs.count("sv") >= 10 and langs.count("en") >= 10
    assert len(read("safety_false_alarm_dev.csv")) >= 40
    assert len(read("near_miss_dev.csv")) >= 40
    trained = {fold(p.text) for p in catalogue.safety.phrasings + catalogue.safety.near_miss}
    for name in ("safety_crisis_dev.csv", "safety_false_alarm_dev.csv", "near_miss_dev.csv"):
        for row in read(name):
            assert fold(row["text"]) not in trained, f"trained on dev question {row['text']!r}"


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
    # Issue 13: at least 100 Tero and 40 Paavo questions in each other language.
    for lang in catalogue.languages[1:]:
        more_tero = read(f"tero_dev_{lang}.csv")
        more_paavo = read(f"paavo_dev_{lang}.csv")
        assert len(more_tero) >= 100 and len(more_paavo) >= 40, lang
        assert {r["term_id"] for r in more_tero} <= set(catalogue.terms)
        tero, paavo = tero + more_tero, paavo + more_paavo
    for bot, rows in (("tero", tero + oos), ("paavo", paavo + oos)):
        for row in rows:
            line = f"- {' '.join(row['text'].split()).casefold()}\n"
            assert line not in trained[bot], f"{bot} is trained on dev question {row['text']!r}"


# Issue 12's targets that are not met yet (make eval prints them as BELOW TARGET /
# ABOVE CEILING). Until they are, the test holds the level measured so that it
# can only get better: near-miss honesty 78.5 % on 2026-12-02 (tune 71.9 %,
# held 84.8 %; 70.8 % on 2026-12-01); Tero's false alarms 3.2 % (1 of 31) on
# 2026-12-02 (6.5 % on 2026-12-01). Paavo's false alarms meet the 2 % ceiling
# since 2026-12-02 (0 %; 11.1 % before).
NOT_MET_YET = {"near_miss_honest": 0.88}
NOT_MET_YET_CEILINGS = {"false_alarms_tero": 0.04}
# Levels without a target of the issue, held so that they can only get better:
# Paavo's general service needs (paavo_general_dev.csv) routed to a crisis
# reply, 1.8 % (7 of 390) on 2026-12-02 (7.2 % before).
HELD_CEILINGS = {"general_false_alarms_paavo": 0.025}


def test_quality_targets_are_met(models_dir, database_url):
    report = evaluate(models_dir, database_url)
    for key, target in TARGETS.items():
        floor = NOT_MET_YET.get(key, target)
        assert report.figures[key] >= floor, (key, report.figures, report.errors)
    for key, ceiling in CEILINGS.items():
        most = NOT_MET_YET_CEILINGS.get(key, ceiling)
        assert report.figures[key] <= most, (key, report.figures, report.errors)
    for key, most in HELD_CEILINGS.items():
        assert report.figures[key] <= most, (key, report.figures, report.errors)
