"""Tune and evaluate Paavo's ranking on the dev set: recall@3 and MRR.

    python -m studybots.training.tune            # the configurations below
    python -m studybots.training.tune --errors   # and each configuration's misses

Every dev question is parsed once by the trained Paavo model; then each
ranking configuration ranks the same questions through the same decision
function as the action (`decide_need`) and `ServiceFinder.rank`. Also shown:
the share of off-topic messages that get no service list.

The dev set is for measuring, not for fitting: only the few configurations
in CONFIGURATIONS were ever tried on it (5 at the time of writing; the
defaults of `RankingConfig` are the one picked). Add a configuration here,
rather than editing numbers until the figure moves, so the count stays
honest.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from pathlib import Path

from studybots.bot.decide import decide_need, load_thresholds
from studybots.core.settings import load_settings
from studybots.search.finder import RankingConfig, ServiceFinder
from studybots.training.evaluate import (
    dev_set,
    out_of_scope_set,
    paavo_finder,
    paavo_ids,
    paavo_rejects,
    parse_all,
)

BASE = RankingConfig()
CONFIGURATIONS = {
    "bm25 only": dataclasses.replace(BASE, lexical_weight=1.0),
    "e5 only": dataclasses.replace(BASE, lexical_weight=0.0),
    "hybrid 0.4 bm25 (default)": BASE,
    "hybrid 0.6 bm25": dataclasses.replace(BASE, lexical_weight=0.6),
    "hybrid 0.8 bm25": dataclasses.replace(BASE, lexical_weight=0.8),
}


def measure(
    finder: ServiceFinder,
    situations,
    dev: list[tuple[str, set[str], dict]],
    oos: list[tuple[str, dict]],
    thresholds,
) -> tuple[dict[str, float], list[str]]:
    hits, reciprocal, misses = 0, 0.0, []
    for text, relevant, parsed in dev:
        need = decide_need(parsed, thresholds).need_id
        ids = paavo_ids(parsed, text, thresholds, finder, situations)
        rank = next((i for i, sid in enumerate(ids, 1) if sid in relevant), None)
        reciprocal += 1 / rank if rank else 0.0
        if rank and rank <= 3:
            hits += 1
        else:
            misses.append(f"{text!r}: want {sorted(relevant)}, need {need}, got {ids[:3]}")
    rejected = sum(
        paavo_rejects(parsed, text, thresholds, finder, situations) for text, parsed in oos
    )
    return (
        {
            "recall_at_3": hits / len(dev),
            "mrr": reciprocal / len(dev),
            "oos_rejection": rejected / len(oos),
        },
        misses,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list each configuration's misses")
    parser.add_argument(
        "--parse-cache",
        type=Path,
        help="keep the NLU parses in this JSON file (re-used if present)",
    )
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    settings = load_settings()
    dev_rows, oos_texts = dev_set("paavo"), out_of_scope_set()
    texts = [q.text for q in dev_rows] + oos_texts
    if args.parse_cache and args.parse_cache.exists():
        parsed = json.loads(args.parse_cache.read_text(encoding="utf-8"))
    else:
        parsed = parse_all(settings.models_dir / "paavo.tar.gz", texts)
        if args.parse_cache:
            args.parse_cache.write_text(json.dumps(parsed, default=str), encoding="utf-8")
    dev = [(q.text, set(q.expected.split(";")), p) for q, p in zip(dev_rows, parsed)]
    oos = list(zip(oos_texts, parsed[len(dev_rows) :]))
    thresholds = load_thresholds("paavo")
    finder, situations = paavo_finder(settings.database_url)
    print(f"Paavo ranking on the dev set ({len(dev)} questions, {len(oos)} off-topic)")
    print(f"  {'configuration':<28} {'recall@3':>9} {'MRR':>7} {'off-topic rejected':>19}")
    for name, config in CONFIGURATIONS.items():
        finder.config = config
        figures, misses = measure(finder, situations, dev, oos, thresholds)
        print(
            f"  {name:<28} {figures['recall_at_3']:9.1%} {figures['mrr']:7.1%} "
            f"{figures['oos_rejection']:19.1%}"
        )
        if args.errors:
            for line in misses:
                print(f"      {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
