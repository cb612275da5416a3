"""`make eval`: measure both bots on the held-out dev sets in tests/eval/.

The dev sets are never trained on. Each question goes through the trained
model (Rasa's own parser, in process) and then through the same decision
functions the running actions use, so the figures describe real answers:

- Tero top-1 accuracy: the bot answers with the right term.
- Out-of-scope rejection: for off-topic messages neither bot answers with a
  term or a service list (Tero: no definition and no guesses).
- Paavo recall@3: a relevant service is among the first three shown.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import json
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from studybots.decide import decide_need, decide_term, load_thresholds
from studybots.generate import NEED_INTENT_PREFIX
from studybots.services.finder import ServiceFinder
from studybots.settings import PROJECT_ROOT, load_settings

EVAL_DIR = PROJECT_ROOT / "tests" / "eval"
TARGETS = {"tero_top1": 0.90, "out_of_scope_rejection": 0.85, "paavo_recall_at_3": 0.85}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass
class Report:
    figures: dict[str, float]
    errors: dict[str, list[str]]

    def print(self, show_errors: int) -> None:
        print("Evaluation on held-out dev sets (tests/eval/, never trained on)")
        for key, value in self.figures.items():
            target = TARGETS.get(key)
            mark = "" if target is None else (" OK" if value >= target else f" BELOW TARGET {target:.0%}")
            print(f"  {key:<28} {value:7.1%}{mark}")
        if show_errors:
            for key, lines in self.errors.items():
                print(f"\n{key} errors ({len(lines)}):")
                for line in lines[:show_errors]:
                    print(f"  {line}")


async def _parse_all(model: Path, texts: list[str]) -> list[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(t) for t in texts]


def evaluate(models_dir: Path, database_url: str) -> Report:
    tero_dev = read_csv(EVAL_DIR / "tero_dev.csv")
    paavo_dev = read_csv(EVAL_DIR / "paavo_dev.csv")
    oos = [r["text"] for r in read_csv(EVAL_DIR / "out_of_scope_dev.csv")]
    tero_t, paavo_t = load_thresholds("tero"), load_thresholds("paavo")
    errors: dict[str, list[str]] = {"tero": [], "oos_tero": [], "oos_paavo": [], "paavo": []}

    tero_texts = [r["text"] for r in tero_dev]
    parsed = asyncio.run(_parse_all(models_dir / "tero.tar.gz", tero_texts + oos))
    tero_parsed, oos_tero_parsed = parsed[: len(tero_texts)], parsed[len(tero_texts):]
    correct = 0
    for row, p in zip(tero_dev, tero_parsed):
        d = decide_term(p, tero_t)
        if d.kind == "answer" and d.term_id == row["term_id"]:
            correct += 1
        else:
            errors["tero"].append(f"{row['text']!r}: expected {row['term_id']}, got {d.kind} "
                                  f"{d.term_id or list(d.suggestions)} "
                                  f"({p['intent']['name']} {p['intent']['confidence']:.2f})")
    rejected_tero = 0
    for text, p in zip(oos, oos_tero_parsed):
        d = decide_term(p, tero_t)
        if d.kind == "out_of_scope":
            rejected_tero += 1
        else:
            errors["oos_tero"].append(f"{text!r}: {d.kind} {d.term_id or list(d.suggestions)}")

    finder = ServiceFinder.from_database(database_url)
    paavo_texts = [r["text"] for r in paavo_dev]
    parsed = asyncio.run(_parse_all(models_dir / "paavo.tar.gz", paavo_texts + oos))
    paavo_parsed, oos_paavo_parsed = parsed[: len(paavo_texts)], parsed[len(paavo_texts):]
    hits, reciprocal = 0, 0.0
    for row, p in zip(paavo_dev, paavo_parsed):
        relevant = set(row["relevant"].split(";"))
        d = decide_need(p, paavo_t)
        ids = [r.service.id for r in finder.rank(row["text"], d.need_id)]
        rank = next((i for i, sid in enumerate(ids, 1) if sid in relevant), None)
        if rank is not None:
            reciprocal += 1 / rank
        if rank is not None and rank <= 3:
            hits += 1
        else:
            errors["paavo"].append(f"{row['text']!r}: want {sorted(relevant)}, need {d.need_id}, "
                                   f"got {ids[:3]}")
    rejected_paavo = 0
    for text, p in zip(oos, oos_paavo_parsed):
        # Paavo lists services only for a need intent or, when unsure
        # (nlu_fallback), from free-text search; small talk gets its own reply.
        top = p["intent"]["name"]
        d = decide_need(p, paavo_t)
        searches = top.startswith(NEED_INTENT_PREFIX) or top == "nlu_fallback"
        answered = searches and bool(finder.rank(text, d.need_id))
        if answered:
            errors["oos_paavo"].append(f"{text!r}: {top} {d.need_id}")
        else:
            rejected_paavo += 1

    figures = {
        "tero_top1": correct / len(tero_dev),
        "out_of_scope_rejection": (rejected_tero + rejected_paavo) / (2 * len(oos)),
        "oos_rejection_tero": rejected_tero / len(oos),
        "oos_rejection_paavo": rejected_paavo / len(oos),
        "paavo_recall_at_3": hits / len(paavo_dev),
        "paavo_mrr": reciprocal / len(paavo_dev),
    }
    return Report(figures, errors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate Tero and Paavo on the dev sets.")
    parser.add_argument("--errors", type=int, default=0, help="print up to N errors per set")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    settings = load_settings()
    report = evaluate(settings.models_dir, settings.database_url)
    report.print(args.errors)
    if args.json:
        args.json.write_text(json.dumps(report.figures, indent=2))
    missed = [k for k, t in TARGETS.items() if report.figures[k] < t]
    return 1 if (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
