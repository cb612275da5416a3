"""Tune the safety check and the near-miss classifier: each configuration on
the `tune` half of the dev sets, and the `held` half shown beside it.

    python -m studybots.training.tune_safety            # the configurations below
    python -m studybots.training.tune_safety --errors   # and the misses (tune half)

The classifiers are trained here exactly as the bots' components train them
(the catalogue's phrasing tables, and each bot's own NLU examples as `none`)
on the same e5 vectors, without training whole Rasa models: a configuration
takes seconds, not minutes. What they do not show is the rest of the answer
(the right term, the right services): `make eval` measures that.

Choose on the tune half only; the held half is for reporting. Add a
configuration here rather than editing numbers until a figure moves, so the
count of tries stays honest (see CONFIGURATIONS).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studybots.catalogue.load import load_catalogue
from studybots.catalogue.schema import SAFETY_NONE
from studybots.core.names import BOTS
from studybots.core.settings import load_settings
from studybots.safety.classifier import PhrasingClassifier
from studybots.safety.text import fold
from studybots.training import evaluate_safety as safety
from studybots.training.evaluate import dev_set, general_texts, out_of_scope_set


@dataclass(frozen=True)
class Config:
    """A safety / near-miss classifier configuration (config.yml's keys)."""

    threshold: float = 0.5
    none_weight: float = 3.0
    c: float = 10.0
    e5_weight: float = 1.0
    ngram_weight: float = 1.0
    near_threshold: float = 0.5
    near_none_weight: float = 1.0
    # the safety check's `none` examples: the bot's own questions, or every bot's
    every_bot: bool = False


# Every configuration ever measured with this tool, in the order tried; the
# first is config.yml's before issue 12's second round.
CONFIGURATIONS = {
    "main (threshold 0.5, none_weight 3)": Config(),
    "every bot's questions as none": Config(every_bot=True),
    "threshold 0.6": Config(threshold=0.6),
    "threshold 0.7": Config(threshold=0.7),
    "none_weight 5": Config(none_weight=5.0),
    "near-miss threshold 0.35": Config(near_threshold=0.35),
    "near-miss none_weight 0.5": Config(near_none_weight=0.5),
    # With 103 more `none` phrasings (2026-12-02; not committed): at 0.5 they cut
    # false alarms on the tune half to 0 % but crisis recall to 93-96 % (tune);
    # only "threshold 0.4, none_weight 2" kept recall, and then false alarms
    # were back at 5-10 % (tune), so the phrasings were left out.
    "threshold 0.45": Config(threshold=0.45),
    "threshold 0.4": Config(threshold=0.4),
    "none_weight 2": Config(none_weight=2.0),
    "threshold 0.4, none_weight 2": Config(threshold=0.4, none_weight=2.0),
    # Second round (2026-12-02, committed): 87 more `none` phrasings in fi/sv/en
    # and a few patterns for crisis phrasings the classifier scores lower then.
    "threshold 0.55": Config(threshold=0.55),
}


def bot_questions(bot: str, project_dir: Path) -> list[str]:
    """The bot's own NLU examples, as its components see them."""
    from rasa.shared.nlu.training_data.loading import load_data

    files = [project_dir / "data" / "nlu" / "common.yml"]
    files += sorted((project_dir / "data" / "nlu" / bot).glob("*.yml"))
    texts: list[str] = []
    for f in files:
        texts += [m.get("text") for m in load_data(str(f)).intent_examples if m.get("text")]
    return list(dict.fromkeys(texts))


class Vectors:
    """e5 vectors by text, embedded once (var/cache/e5-tune.joblib)."""

    def __init__(self, texts: Sequence[str]):
        from studybots.bot.nlu.e5_featurizer import embed_cached

        unique = list(dict.fromkeys(texts))
        cache = load_settings().var_dir / "cache" / "e5-tune.joblib"
        vectors = embed_cached(unique, cache).astype(np.float64)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        self._index = {t: i for i, t in enumerate(unique)}
        self._vectors = vectors

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors[[self._index[t] for t in texts]]


def fit(
    rows: list[tuple[str, str]], questions: list[str], config: Config, vectors: Vectors, near: bool
) -> PhrasingClassifier:
    texts = [t for t, _ in rows]
    labels = [lab for _, lab in rows]
    known = {fold(t) for t in texts}
    extra = [q for q in questions if fold(q) not in known]
    classifier = PhrasingClassifier(
        threshold=config.near_threshold if near else config.threshold,
        e5_weight=config.e5_weight,
        ngram_weight=config.ngram_weight,
        c=config.c,
        none_weight=config.near_none_weight if near else config.none_weight,
    )
    all_texts = texts + extra
    return classifier.fit(all_texts, labels + [SAFETY_NONE] * len(extra), vectors(all_texts))


def _halves(name: str, flags: list[bool], texts: list[str]) -> dict[str, float]:
    return {name: safety._share(flags), **safety.halves(name, flags, texts)}


def measure(
    config: Config, data: dict, vectors: Vectors, errors: list[tuple[str, str]]
) -> dict[str, float]:
    from studybots.bot.nlu.safety import build_check

    catalogue = data["catalogue"]
    phrasings = [(p.text, p.label) for p in catalogue.safety.phrasings]
    near_rows = [(r.text, r.label) for r in catalogue.safety.near_miss]
    figures: dict[str, float] = {}
    for bot in BOTS:
        check = build_check(
            catalogue, fit(phrasings, data[bot]["questions"], config, vectors, False)
        )

        def crisis(texts: list[str], check=check) -> list[bool]:
            return [v.crisis for v in check.check_many(texts, vectors(texts))]

        texts = [r.text for r in data["crisis"]]
        hits = crisis(texts)
        figures.update(_halves(f"crisis_recall_{bot}", hits, texts))
        errors += [(t, f"{bot} missed") for t, h in zip(texts, hits) if not h]
        texts = [r.text for r in data[bot]["false_alarm"]]
        alarms = crisis(texts)
        figures.update(_halves(f"false_alarms_{bot}", alarms, texts))
        errors += [(t, f"{bot} FALSE ALARM") for t, a in zip(texts, alarms) if a]
        texts = data[bot]["ordinary"]
        alarms = crisis(texts)
        figures[f"ordinary_false_alarms_{bot}"] = safety._share(alarms)
        errors += [("", f"{bot} false alarm on ordinary {t!r}") for t, a in zip(texts, alarms) if a]
        texts = data["general"]
        if texts:  # every bot: students bring their everyday needs to Tero too
            alarms = crisis(texts)
            figures.update(_halves(f"general_false_alarms_{bot}", alarms, texts))
            errors += [
                (t, f"{bot} false alarm on a general need") for t, a in zip(texts, alarms) if a
            ]
    near = fit(near_rows, data["tero"]["questions"], config, vectors, True)
    texts = [r.text for r in data["near_miss"]]
    flagged = [p.category is not None for p in near.predict(texts, vectors(texts))]
    figures.update(_halves("near_miss_flagged", flagged, texts))
    errors += [(t, "near miss not flagged") for t, f in zip(texts, flagged) if not f]
    for name, texts in (
        ("near_miss_false_flags_tero", [q.text for q in data["tero_dev"]]),
        ("near_miss_false_flags_false_alarm_tero", [r.text for r in data["tero"]["false_alarm"]]),
    ):
        flags = [p.category is not None for p in near.predict(texts, vectors(texts))]
        figures[name] = safety._share(flags)
        errors += [("", f"{name}: {t!r}") for t, f in zip(texts, flags) if f]
    return figures


def load_data() -> dict:
    settings = load_settings()
    oos = out_of_scope_set()
    data: dict = {
        "catalogue": load_catalogue(settings.catalogue_dir),
        "crisis": safety.crisis_set(),
        "near_miss": safety.near_miss_set("tero"),
        "tero_dev": dev_set("tero"),
        "general": general_texts(),
    }
    for bot in BOTS:
        data[bot] = {
            "questions": bot_questions(bot, settings.project_dir),
            "false_alarm": safety.false_alarm_set(bot),
            "ordinary": [q.text for q in dev_set(bot)] + oos,
        }
    return data


def all_texts(data: dict) -> list[str]:
    catalogue = data["catalogue"]
    texts = [p.text for p in catalogue.safety.phrasings] + [
        r.text for r in catalogue.safety.near_miss
    ]
    texts += [r.text for r in data["crisis"] + data["near_miss"]] + [
        q.text for q in data["tero_dev"]
    ]
    texts += data["general"]
    for bot in BOTS:
        texts += data[bot]["questions"] + [r.text for r in data[bot]["false_alarm"]]
        texts += data[bot]["ordinary"]
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list the misses (tune half)")
    parser.add_argument("--only", help="measure only the configurations whose name contains this")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    data = load_data()
    vectors = Vectors(all_texts(data))
    for name, config in CONFIGURATIONS.items():
        if args.only and args.only not in name:
            continue
        errors: list[tuple[str, str]] = []
        figures = measure(config, data, vectors, errors)
        print(f"\n{name}: {dataclasses.asdict(config)}")
        keys = sorted({k.removesuffix("_tune").removesuffix("_held") for k in figures})
        for key in keys:
            parts = [f"{figures[key]:6.1%}"]
            if f"{key}_tune" in figures:
                parts += [
                    f"tune {figures[f'{key}_tune']:6.1%}",
                    f"held {figures[f'{key}_held']:6.1%}",
                ]
            print(f"  {key:<40} " + "   ".join(parts))
        if args.errors:
            # split sets: the tune half only; the ordinary dev sets (not split) in full
            for text, line in errors:
                if not text:
                    print(f"    {line}")
                elif safety.half(text) == "tune":
                    print(f"    {line} {text!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
