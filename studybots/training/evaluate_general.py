"""Paavo on everyday service needs of any Turku resident (issue 15, point 3).

`tests/eval/paavo_general_dev.csv` holds needs across PTV's life events
(housing, health, family, work, education, leisure, traffic, safety,
immigration, military service, ...), each written in Finnish, Swedish and
English, with the services of the service database that answer it (PTV ids
for PTV services, curated ids where a curated service stands for the PTV
one). The texts are never trained on (tests/unit/training checks it).

Each text is parsed by the trained Paavo model and ranked exactly as the
bot answers a first message: the NLU's intent decides whether Paavo lists
services at all (`shows_services`: a need intent or an unsure NLU; small
talk, out-of-scope and crisis get their own replies), then `paavo_ids` (the
need, the situation the text states, the search) gives the list. Figures:
recall@5 (a right service among the first five shown) and MRR, per language,
on the whole set and on the `tune` and `held` halves (by a hash of the text,
`evaluate_safety.half`). Rankings are tuned on `tune` only.

    python -m studybots.training.evaluate --general [--errors N] [--half tune]

With `--general` only these figures are computed, and the parses are cached
in var/eval-parses.json (keyed by the model file), so that trying a ranking
change does not load Rasa again.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from studybots.bot.decide import load_thresholds, searches_anyway, shows_services
from studybots.core.settings import load_settings
from studybots.training.evaluate_safety import half

FILE = "paavo_general_dev.csv"
LANGS = ("fi", "sv", "en")
AT = 5
# recall@5 targets of issue 15 per language.
LANG_TARGETS = {"fi": 0.85, "sv": 0.75, "en": 0.75}
TARGETS = {
    f"general_recall_at_5_{lang}{suffix}": target
    for lang, target in LANG_TARGETS.items()
    for suffix in ("", "_tune", "_held")
}


@dataclass(frozen=True)
class GeneralNeed:
    need: str  # the need's number: its three languages share it
    lang: str
    text: str
    relevant: frozenset[str]

    @property
    def half(self) -> str:
        return half(self.text)


def general_set(path: Path | None = None) -> list[GeneralNeed]:
    path = path or load_settings().eval_dir / FILE
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            GeneralNeed(
                r["need"],
                r["lang"],
                r["text"],
                frozenset(i for i in r["relevant"].split(";") if i),
            )
            for r in csv.DictReader(fh)
        ]


@dataclass(frozen=True)
class PaavoTools:
    """How `make eval` parses and ranks (studybots.training.evaluate hands
    them in: `parse_all`, `paavo_ids`, `paavo_finder`)."""

    parse: Callable[[Path, list[str]], list[dict]]
    ids: Callable[..., list[str]]
    finder: Callable[[str], tuple]


def shown_ids(tools: PaavoTools, parsed: dict, text: str, thresholds, finder, situations):
    """The services Paavo lists for `text` as a first message."""
    strength = finder.strength(text) if searches_anyway(parsed) else 0.0
    if not shows_services(parsed, strength):
        return []
    return tools.ids(parsed, text, thresholds, finder, situations)


def rank_of(ids: Sequence[str], relevant: frozenset[str]) -> int | None:
    return next((i for i, sid in enumerate(ids, 1) if sid in relevant), None)


def figures(
    tools: PaavoTools,
    rows: Sequence[GeneralNeed],
    parses: Sequence[dict],
    thresholds,
    finder,
    situations,
    errors: list[str] | None = None,
) -> dict[str, float]:
    """recall@5 and MRR per language, whole set and tune/held halves."""
    groups: dict[str, list[int | None]] = {}
    for row, parsed in zip(rows, parses):
        ids = shown_ids(tools, parsed, row.text, thresholds, finder, situations)
        rank = rank_of(ids[:AT], row.relevant)
        for key in (row.lang, f"{row.lang}_{row.half}"):
            groups.setdefault(key, []).append(rank)
        if rank is None and errors is not None:
            names = [finder.services[i].name[:40] for i in ids[:3]]
            intent = parsed.get("intent") or {}
            errors.append(
                f"[{row.lang} {row.half}] {row.text!r}: {intent.get('name')} "
                f"{float(intent.get('confidence') or 0):.2f} -> {names}"
            )
    out: dict[str, float] = {}
    for lang in LANGS:
        for suffix in ("", "_tune", "_held"):
            ranks = groups.get(lang + suffix, [])
            if not ranks:
                continue
            out[f"general_recall_at_5_{lang}{suffix}"] = sum(r is not None for r in ranks) / len(
                ranks
            )
            out[f"general_mrr_{lang}{suffix}"] = sum(1 / r for r in ranks if r) / len(ranks)
    return out


# --- parses, cached by model ---------------------------------------------------


def _model_key(model: Path) -> str:
    stat = model.stat()
    return f"{model.resolve()}:{stat.st_size}:{int(stat.st_mtime)}"


def cached_parses(
    model: Path, texts: Sequence[str], cache: Path | None, parse: Callable
) -> list[dict]:
    """The model's parses of `texts`, from `cache` when it was written for the
    same model file; the missing ones are parsed (one model load) and added."""
    key = _model_key(model)
    known: dict[str, dict] = {}
    if cache is not None and cache.is_file():
        data = json.loads(cache.read_text(encoding="utf-8"))
        if data.get("model") == key:
            known = data.get("parses", {})
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    if missing:
        known.update(zip(missing, parse(model, missing)))
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(
                json.dumps({"model": key, "parses": known}, ensure_ascii=False, default=str),
                encoding="utf-8",
            )
    return [known[t] for t in texts]


def default_cache() -> Path:
    return load_settings().var_dir / "eval-parses.json"


def evaluate(
    tools: PaavoTools,
    model: Path,
    database_url: str,
    errors: list[str] | None = None,
    cache: Path | None = None,
) -> dict[str, float]:
    """`make eval`'s general-needs figures (see the module docstring)."""
    rows = general_set()
    parses = cached_parses(model, [r.text for r in rows], cache, tools.parse)
    finder, situations = tools.finder(database_url)
    return figures(tools, rows, parses, load_thresholds("paavo"), finder, situations, errors)


def print_figures(values: dict[str, float]) -> None:
    for key, value in values.items():
        target = TARGETS.get(key)
        mark = (
            "" if target is None else (" OK" if value >= target else f" BELOW TARGET {target:.0%}")
        )
        print(f"  {key:<32} {value:7.1%}{mark}")


def report(
    tools: PaavoTools,
    settings,
    show_errors: int = 0,
    cache: Path | None = None,
    half_only: str | None = None,
) -> dict[str, float]:
    """Print the general-needs block of `make eval`; returns its figures.
    `cache`: reuse the parses of the same model (for trying ranking changes)."""
    if not (settings.eval_dir / FILE).exists():  # a life event without this dev set
        print(f"\n(no {FILE} in {settings.eval_dir}: general service needs not measured)")
        return {}
    errors: list[str] = []
    model = settings.models_dir / "paavo.tar.gz"
    values = evaluate(tools, model, settings.database_url, errors, cache)
    print(f"\nPaavo on general service needs ({FILE}, never trained on)")
    print_figures(values)
    if show_errors:
        shown = [e for e in errors if not half_only or f" {half_only}]" in e]
        print(f"\ngeneral needs errors ({len(shown)}):")
        for line in shown[:show_errors]:
            print(f"  {line}")
    return values
