"""`make eval`: measure both bots on the held-out dev sets in tests/eval/.

The dev sets are never trained on. Each question goes through the trained
model (Rasa's own parser, in process) and then through the same decision
functions the running actions use, so the figures describe real answers:

- Tero top-1 accuracy: the bot answers with the right term.
- Out-of-scope rejection: for off-topic messages neither bot answers with a
  term or a service list (Tero: no definition and no guesses).
- Paavo recall@3: a relevant service is among the first three shown.
- Per language (issue 13): Tero top-1 and Paavo recall@3 on the Swedish and
  English dev sets (tero_dev_<lang>.csv, paavo_dev_<lang>.csv), and the share
  of first messages answered in their own language, for every language.
- The safety check and honest answers (studybots.training.evaluate_safety):
  crisis recall per bot and language, false alarms (also on Paavo's general
  service needs, paavo_general_dev.csv), near-miss honesty.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from studybots.bot.decide import (
    decide_need,
    decide_term,
    load_thresholds,
    searches_anyway,
    shows_services,
)
from studybots.catalogue.load import load_catalogue
from studybots.core import console
from studybots.core.settings import PROJECT_ROOT, Settings, load_settings
from studybots.search.finder import ServiceFinder, options_from_meta
from studybots.search.situations import guided_rank
from studybots.training import evaluate_general as general
from studybots.training import evaluate_safety as safety

EVAL_DIR = PROJECT_ROOT / "tests" / "eval"
TARGETS = {
    "tero_top1": 0.90,
    "out_of_scope_rejection": 0.85,
    "paavo_recall_at_3": 0.85,
    "crisis_recall_tero": safety.CRISIS_RECALL_FLOOR,
    "crisis_recall_paavo": safety.CRISIS_RECALL_FLOOR,
    "near_miss_honest": safety.NEAR_MISS_FLOOR,
    # Issue 13, per language other than Finnish; replies in the question's language.
    **{f"tero_top1_{lang}": 0.92 for lang in ("sv", "en")},
    **{f"paavo_recall_at_3_{lang}": 0.90 for lang in ("sv", "en")},
    **{f"reply_language_{lang}": 0.98 for lang in ("fi", "sv", "en")},
}
# Figures where lower is better: the most allowed.
CEILINGS = {
    "false_alarms_tero": safety.FALSE_ALARM_CEILING,
    "false_alarms_paavo": safety.FALSE_ALARM_CEILING,
}


def missed_targets(figures: dict[str, float]) -> list[str]:
    return [k for k, t in TARGETS.items() if k in figures and figures[k] < t] + [
        k for k, t in CEILINGS.items() if k in figures and figures[k] > t
    ]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass
class Report:
    figures: dict[str, float]
    errors: dict[str, list[str]]

    def print(self, show_errors: int) -> None:
        print(f"Evaluation on held-out dev sets ({eval_dir()}, never trained on)")
        for key, value in self.figures.items():
            target, ceiling = TARGETS.get(key), CEILINGS.get(key)
            mark = ""
            if target is not None:
                mark = " OK" if value >= target else f" BELOW TARGET {target:.0%}"
            elif ceiling is not None:
                mark = " OK" if value <= ceiling else f" ABOVE CEILING {ceiling:.0%}"
            print(f"  {key:<32} {value:7.1%}{mark}")
        if show_errors:
            for key, lines in self.errors.items():
                print(f"\n{key} errors ({len(lines)}):")
                for line in lines[:show_errors]:
                    print(f"  {line}")


async def _parse_all(model: Path, texts: list[str]) -> list[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(t) for t in texts]


def parse_all(model: Path, texts: list[str]) -> list[dict]:
    """Parse `texts` with the model archive at `model`, in this process."""
    from rasa.utils.log_utils import configure_structlog

    # Unconfigured, Rasa's structlog prints every parse, question text included.
    configure_structlog(logging.WARNING)
    return asyncio.run(_parse_all(model, texts))


@dataclass
class Labelled:
    text: str
    expected: str  # term id (Tero) or need id / ';'-separated service ids (Paavo)


def eval_dir() -> Path:
    """The dev sets of the catalogue in use: tests/eval/ for the student life
    event, STUDYBOTS_EVAL_DIR for another (e.g. tests/eval/lifeevents/<id>/)."""
    return load_settings().eval_dir


def dev_set(bot: str) -> list[Labelled]:
    if bot == "tero":
        return [Labelled(r["text"], r["term_id"]) for r in read_csv(eval_dir() / "tero_dev.csv")]
    return [Labelled(r["text"], r["relevant"]) for r in read_csv(eval_dir() / "paavo_dev.csv")]


def out_of_scope_set() -> list[str]:
    return [r["text"] for r in read_csv(eval_dir() / "out_of_scope_dev.csv")]


def general_texts() -> list[str]:
    """The texts of paavo_general_dev.csv (none for a life event without it)."""
    path = eval_dir() / general.FILE
    return [r.text for r in general.general_set(path)] if path.exists() else []


def tero_correct(parsed: dict, term_id: str, thresholds) -> bool:
    d = decide_term(parsed, thresholds)
    return d.kind == "answer" and d.term_id == term_id


def tero_rejects(parsed: dict, thresholds) -> bool:
    return decide_term(parsed, thresholds).kind == "out_of_scope"


def paavo_ids(parsed: dict, text: str, thresholds, finder, situations) -> list[str]:
    """The services Paavo lists for a first message, as the action ranks
    them: need, what the message says about the student's situation, search."""
    d = decide_need(parsed, thresholds)
    ranked, _ = guided_rank(finder, situations, text, d.need_id)
    return [r.service.id for r in ranked]


def paavo_rank(
    parsed: dict, text: str, relevant: set[str], thresholds, finder, situations=None
) -> int | None:
    ids = paavo_ids(parsed, text, thresholds, finder, situations or {})
    return next((i for i, sid in enumerate(ids, 1) if sid in relevant), None)


def paavo_rejects(parsed: dict, text: str, thresholds, finder, situations=None) -> bool:
    # Paavo lists services only for a need intent or, when unsure
    # (nlu_fallback), from free-text search; small talk gets its own reply.
    strength = finder.strength(text) if searches_anyway(parsed) else 0.0
    searches = shows_services(parsed, strength)
    return not (searches and bool(paavo_ids(parsed, text, thresholds, finder, situations or {})))


def paavo_finder(database_url: str, catalogue_dir: Path | None = None):
    """The finder and the situation table, configured as the action server does."""
    catalogue = load_catalogue(catalogue_dir or load_settings().catalogue_dir)
    finder = ServiceFinder.from_database(database_url, **options_from_meta(catalogue.meta))
    return finder, catalogue.situations


def paavo_need_correct(parsed: dict, need_id: str, thresholds) -> bool:
    return decide_need(parsed, thresholds).need_id == need_id


def parse_sets(model: Path, *sets: list[str]) -> list[list[dict]]:
    """Parse several lists of texts with one model load; the parses, list by list."""
    parsed = parse_all(model, [t for texts in sets for t in texts])
    out, start = [], 0
    for texts in sets:
        out.append(parsed[start : start + len(texts)])
        start += len(texts)
    return out


def safety_sets(bot: str) -> dict[str, list]:
    sets = {"crisis": safety.crisis_set(), "false_alarm": safety.false_alarm_set(bot)}
    if bot == "tero":
        sets["near_miss"] = safety.near_miss_set(bot)
    return sets


def safety_evaluation(
    bot: str,
    sets: dict[str, list],
    parses: list[list[dict]],
    ordinary: tuple[list[str], list[dict]],
    thresholds,
    errors: dict[str, list[str]],
) -> dict[str, float]:
    by_name = dict(zip(sets, parses))
    errors[f"crisis_{bot}"], errors[f"false_alarm_{bot}"] = [], []
    figures = safety.crisis_figures(bot, sets["crisis"], by_name["crisis"], errors[f"crisis_{bot}"])
    figures.update(
        safety.false_alarm_figures(
            bot,
            sets["false_alarm"],
            by_name["false_alarm"],
            thresholds,
            errors[f"false_alarm_{bot}"],
        )
    )
    figures.update(
        safety.ordinary_false_alarms(bot, ordinary[0], ordinary[1], errors[f"false_alarm_{bot}"])
    )
    if "near_miss" in sets:
        errors["near_miss"] = []
        figures.update(
            safety.near_miss_figures(
                sets["near_miss"], by_name["near_miss"], thresholds, errors["near_miss"]
            )
        )
    return figures


def share_correct(
    questions: list[Labelled], parsed: list[dict], correct, errors: list[str]
) -> float:
    """The share of `questions` whose parse `correct(parse, question)` accepts;
    the others are listed in `errors`."""
    ok = 0
    for q, p in zip(questions, parsed):
        if correct(p, q):
            ok += 1
        else:
            errors.append(f"{q.text!r}: expected {q.expected}")
    return ok / len(questions)


def evaluate_tero(
    model: Path, dev: list[Labelled], oos: list[str], extra: Sequence[Labelled] = ()
) -> tuple[dict[str, float], dict[str, list[str]]]:
    """Top-1 on `dev`, rejection of `oos`, and (if given) top-1 on `extra`."""
    thresholds = load_thresholds("tero")
    extra = list(extra)
    sets = safety_sets("tero")
    p_dev, p_oos, p_extra, *p_safety = parse_sets(
        model,
        [q.text for q in dev],
        oos,
        [q.text for q in extra],
        *[[r.text for r in rows] for rows in sets.values()],
    )
    errors: dict[str, list[str]] = {"tero": [], "oos_tero": [], "resolved_tero": []}
    flags = [tero_correct(p, q.expected, thresholds) for q, p in zip(dev, p_dev)]
    for q, p, ok in zip(dev, p_dev, flags):
        if not ok:
            d = decide_term(p, thresholds)
            errors["tero"].append(
                f"{q.text!r}: expected {q.expected}, got {d.kind} "
                f"{d.term_id or list(d.suggestions)} "
                f"({p['intent']['name']} {p['intent']['confidence']:.2f})"
            )
    rejected = 0
    for text, p in zip(oos, p_oos):
        if tero_rejects(p, thresholds):
            rejected += 1
        else:
            d = decide_term(p, thresholds)
            errors["oos_tero"].append(f"{text!r}: {d.kind} {d.term_id or list(d.suggestions)}")
    figures = {
        "tero_top1": sum(flags) / len(dev),
        **safety.halves("tero_top1", flags, [q.text for q in dev]),
        "oos_rejection_tero": rejected / len(oos),
    }
    ordinary = ([q.text for q in dev] + oos, p_dev + p_oos)
    figures.update(safety_evaluation("tero", sets, p_safety, ordinary, thresholds, errors))
    figures.update(safety.near_miss_false_flags([q.text for q in dev], p_dev))
    if extra:
        figures["resolved_tero"] = share_correct(
            extra,
            p_extra,
            lambda p, q: tero_correct(p, q.expected, thresholds),
            errors["resolved_tero"],
        )
    return figures, errors


def evaluate_paavo(
    model: Path,
    dev: list[Labelled],
    oos: list[str],
    database_url: str,
    extra: Sequence[Labelled] = (),
    needs: Sequence[str] = (),
) -> tuple[dict[str, float], dict[str, list[str]]]:
    """Recall@3 and MRR on `dev`, rejection of `oos`, need accuracy on `extra`,
    and (if given) the share of the general service `needs` routed to a crisis
    reply (`make eval`; the publish gate leaves it out)."""
    thresholds = load_thresholds("paavo")
    finder, situations = paavo_finder(database_url)
    extra, needs = list(extra), list(needs)
    sets = safety_sets("paavo")
    p_dev, p_oos, p_extra, p_needs, *p_safety = parse_sets(
        model,
        [q.text for q in dev],
        oos,
        [q.text for q in extra],
        needs,
        *[[r.text for r in rows] for rows in sets.values()],
    )
    errors: dict[str, list[str]] = {"paavo": [], "oos_paavo": [], "resolved_paavo": []}
    hits: list[bool] = []
    reciprocal = 0.0
    for q, p in zip(dev, p_dev):
        relevant = set(q.expected.split(";"))
        rank = paavo_rank(p, q.text, relevant, thresholds, finder, situations)
        if rank is not None:
            reciprocal += 1 / rank
        hits.append(rank is not None and rank <= 3)
        if not hits[-1]:
            d = decide_need(p, thresholds)
            ids = paavo_ids(p, q.text, thresholds, finder, situations)
            errors["paavo"].append(
                f"{q.text!r}: want {sorted(relevant)}, need {d.need_id}, got {ids[:3]}"
            )
    rejected = 0
    for text, p in zip(oos, p_oos):
        if paavo_rejects(p, text, thresholds, finder, situations):
            rejected += 1
        else:
            errors["oos_paavo"].append(f"{text!r}: {p['intent']['name']}")
    figures = {
        "paavo_recall_at_3": sum(hits) / len(dev),
        **safety.halves("paavo_recall_at_3", hits, [q.text for q in dev]),
        "paavo_mrr": reciprocal / len(dev),
        "oos_rejection_paavo": rejected / len(oos),
    }
    ordinary = ([q.text for q in dev] + oos, p_dev + p_oos)
    figures.update(safety_evaluation("paavo", sets, p_safety, ordinary, thresholds, errors))
    if needs:
        figures.update(
            safety.general_false_alarms("paavo", needs, p_needs, errors["false_alarm_paavo"])
        )
    if extra:
        figures["resolved_paavo"] = share_correct(
            extra,
            p_extra,
            lambda p, q: paavo_need_correct(p, q.expected, thresholds),
            errors["resolved_paavo"],
        )
    return figures, errors


def language_dev_sets(languages: Sequence[str]) -> dict[str, dict[str, list[Labelled]]]:
    """{bot: {language: questions}} for the dev sets of the other languages;
    Finnish (the tables' own language) is the main dev sets'."""
    found: dict[str, dict[str, list[Labelled]]] = {"tero": {}, "paavo": {}}
    for lang in languages:
        tero, paavo = eval_dir() / f"tero_dev_{lang}.csv", eval_dir() / f"paavo_dev_{lang}.csv"
        if tero.exists():
            found["tero"][lang] = [Labelled(r["text"], r["term_id"]) for r in read_csv(tero)]
        if paavo.exists():
            found["paavo"][lang] = [Labelled(r["text"], r["relevant"]) for r in read_csv(paavo)]
    return found


def reply_language(parsed: dict, default: str, languages: Sequence[str]) -> str:
    """The language a first message is answered in (the actions' rule)."""
    from studybots.core.language import Detection, choose

    info = parsed.get("language") or {}
    detection = Detection(info.get("detected"), float(info.get("confidence") or 0.0))
    return choose(detection, None, default, None, languages)


def language_figures(
    bot: str,
    model: Path,
    database_url: str,
    languages: Sequence[str],
    errors: dict[str, list[str]],
    replies: dict[str, list[bool]] | None = None,
) -> dict[str, float]:
    """One bot's figures in the languages other than the tables' own (the
    first of `languages`): Tero top-1 or Paavo recall@3 on each language's dev
    set. `replies`, if given, collects per language whether each dev
    question (the own language's too) would be answered in its language."""
    sets = language_dev_sets(languages[1:])[bot]
    sets[languages[0]] = dev_set(bot)
    by_lang = {lang: qs for lang, qs in sets.items() if lang in languages}
    if replies is None and set(by_lang) == {languages[0]}:
        return {}
    parses = parse_sets(model, *[[q.text for q in qs] for qs in by_lang.values()])
    thresholds = load_thresholds(bot)
    finder, situations = paavo_finder(database_url) if bot == "paavo" else (None, None)
    figures: dict[str, float] = {}
    for (lang, questions), parsed in zip(by_lang.items(), parses):
        if replies is not None:
            for q, p in zip(questions, parsed):
                got = reply_language(p, languages[0], languages)
                replies.setdefault(lang, []).append(got == lang)
                if got != lang:
                    errors.setdefault(f"reply_language_{lang}", []).append(f"{q.text!r}: {got}")
        if lang == languages[0]:
            continue
        if bot == "tero":
            key = f"tero_top1_{lang}"
            figures[key] = share_correct(
                questions,
                parsed,
                lambda p, q, t=thresholds: tero_correct(p, q.expected, t),
                errors.setdefault(key, []),
            )
            continue
        key = f"paavo_recall_at_3_{lang}"
        hits = 0
        for q, p in zip(questions, parsed):
            rank = paavo_rank(p, q.text, set(q.expected.split(";")), thresholds, finder, situations)
            hits += rank is not None and rank <= 3
            if not (rank is not None and rank <= 3):
                ids = paavo_ids(p, q.text, thresholds, finder, situations)
                errors.setdefault(key, []).append(f"{q.text!r}: want {q.expected}, got {ids[:3]}")
        figures[key] = hits / len(questions)
    return figures


def evaluate_languages(
    models_dir: Path, database_url: str, errors: dict[str, list[str]]
) -> dict[str, float]:
    """Issue 13's figures: per language, Tero top-1, Paavo recall@3, and the
    share of first messages (both bots' dev questions) answered in their language."""
    languages = load_catalogue(load_settings().catalogue_dir).languages
    replies: dict[str, list[bool]] = {}
    figures: dict[str, float] = {}
    for bot in ("tero", "paavo"):
        model = models_dir / f"{bot}.tar.gz"
        figures.update(language_figures(bot, model, database_url, languages, errors, replies))
    for lang, flags in replies.items():
        if flags:
            figures[f"reply_language_{lang}"] = sum(flags) / len(flags)
    return figures


def evaluate(models_dir: Path, database_url: str) -> Report:
    oos = out_of_scope_set()
    tero, tero_errors = evaluate_tero(models_dir / "tero.tar.gz", dev_set("tero"), oos)
    paavo, paavo_errors = evaluate_paavo(
        models_dir / "paavo.tar.gz", dev_set("paavo"), oos, database_url, needs=general_texts()
    )
    figures = {
        "tero_top1": tero["tero_top1"],
        "out_of_scope_rejection": (tero["oos_rejection_tero"] + paavo["oos_rejection_paavo"]) / 2,
        "oos_rejection_tero": tero["oos_rejection_tero"],
        "oos_rejection_paavo": paavo["oos_rejection_paavo"],
        "paavo_recall_at_3": paavo["paavo_recall_at_3"],
        "paavo_recall_at_3_tune": paavo["paavo_recall_at_3_tune"],
        "paavo_recall_at_3_held": paavo["paavo_recall_at_3_held"],
        "paavo_mrr": paavo["paavo_mrr"],
        **{k: v for k, v in tero.items() if k != "tero_top1" and not k.startswith("oos")},
        **{k: v for k, v in paavo.items() if not k.startswith(("paavo_", "oos"))},
    }
    errors = {
        k: v for k, v in {**tero_errors, **paavo_errors}.items() if not k.startswith("resolved")
    }
    figures.update(evaluate_languages(models_dir, database_url, errors))
    return Report(figures, errors)


def missing_inputs(settings: Settings) -> str:
    """What evaluation needs and does not find (trained models, the service
    database), as the message to print; "" when everything is there."""
    models = [b for b in ("tero", "paavo") if not (settings.models_dir / f"{b}.tar.gz").exists()]
    if models:
        return f"No trained model for {', '.join(models)} in {settings.models_dir}: run make train first."
    url = sa.engine.make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return f"The service database {url.database} is not built: run make build first."
    engine = sa.create_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            built = sa.inspect(connection).has_table("service_codes")
    except sa.exc.SQLAlchemyError as exc:
        return f"The service database {settings.database_url} cannot be opened ({exc}): run make build first."
    finally:
        engine.dispose()
    if not built:
        return f"The service database {settings.database_url} is not built: run make build first."
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate Tero and Paavo on the dev sets.")
    parser.add_argument("--errors", type=int, default=0, help="print up to N errors per set")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--general", action="store_true", help="only the general needs (cached)")
    parser.add_argument("--half", choices=("tune", "held"), help="--general errors of one half")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    console.quiet_warnings()
    settings = load_settings()
    missing = missing_inputs(settings)
    if missing:
        print(missing, file=sys.stderr)
        return 1
    tools = general.PaavoTools(parse_all, paavo_ids, paavo_finder)
    if args.general:
        general.report(tools, settings, args.errors, general.default_cache(), args.half)
        return 0
    report = evaluate(settings.models_dir, settings.database_url)
    report.print(args.errors)
    # Issue 15: general service needs in fi/sv/en (their own targets: evaluate_general).
    report.figures.update(general.report(tools, settings, args.errors))
    if args.json:
        args.json.write_text(json.dumps(report.figures, indent=2))
    return 1 if (args.strict and missed_targets(report.figures)) else 0


if __name__ == "__main__":
    sys.exit(main())
