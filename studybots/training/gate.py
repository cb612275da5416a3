"""Is a newly trained model at least as good as the one the bot runs now?

Both models answer the same questions: the held-out dev set, the off-topic
set, the dev set of each other language the catalogue is written in (Tero
top-1, Paavo recall@3 per language), and every question editors have marked
resolved in the review inbox (mapped to a term or need, or answered by a new
term). A figure that drops by
more than `MAX_DROP` (2 points) is a regression, and `studybots.training.publish`
refuses the candidate unless forced.

Some figures also have an absolute floor (`FLOORS`): a model that routes
fewer than 98 % of the crisis dev messages to help is refused even when the
running model is no better.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from studybots.catalogue import meta
from studybots.core.settings import PROJECT_ROOT, load_settings
from studybots.questionlog.model import ensure_schema, make_log_engine, review_status
from studybots.training.evaluate import (
    Labelled,
    dev_set,
    evaluate_paavo,
    evaluate_tero,
    language_figures,
    out_of_scope_set,
)
from studybots.training.evaluate_safety import CRISIS_RECALL_FLOOR
from studybots.training.evaluate_safety import EVAL_DIR as SAFETY_EVAL_DIR
from studybots.training.model_files import content_digest, write_atomic

MAX_DROP = 0.02
CACHED_FIGURES = 8

# The figures compared for each bot, with the Finnish label editors read.
GATED = {
    "tero": {
        "tero_top1": "kehitysjoukko: oikea termi",
        "oos_rejection_tero": "aiheen ulkopuoliset tunnistettu",
        "resolved_tero": "ratkaistut kysymykset: oikea termi",
        "crisis_recall_tero": "kriisiviestit ohjattu avun luo",
    },
    "paavo": {
        "paavo_recall_at_3": "kehitysjoukko: oikea palvelu kolmen joukossa",
        "oos_rejection_paavo": "aiheen ulkopuoliset tunnistettu",
        "resolved_paavo": "ratkaistut kysymykset: oikea tarve",
        "crisis_recall_paavo": "kriisiviestit ohjattu avun luo",
    },
}
# The same figure in another language of the catalogue (issue 13).
LANGUAGE_GATED = {"tero": "tero_top1", "paavo": "paavo_recall_at_3"}
LANGUAGE_NAMES = {"sv": "ruotsi", "en": "englanti"}
FLOORS = {
    "crisis_recall_tero": CRISIS_RECALL_FLOOR,
    "crisis_recall_paavo": CRISIS_RECALL_FLOOR,
}


def gated(bot: str) -> dict[str, str]:
    """The figures compared for `bot`, with labels: GATED, and its dev-set
    figure in each other language the catalogue is written in."""
    languages = meta.languages(meta.read(load_settings().catalogue_dir))
    base = LANGUAGE_GATED[bot]
    per_language = {
        f"{base}_{lang}": f"{GATED[bot][base]} ({LANGUAGE_NAMES.get(lang, lang)})"
        for lang in languages[1:]
    }
    labels = list(GATED[bot].items())
    at = list(GATED[bot]).index(base) + 1  # beside the own language's figure
    return dict(labels[:at] + list(per_language.items()) + labels[at:])


def resolved_questions(log_url: str, bot: str) -> list[Labelled]:
    """Questions editors resolved by mapping them (or by a new term)."""
    engine = make_log_engine(log_url)
    try:
        ensure_schema(engine)
        query = (
            sa.select(review_status.c.question, review_status.c.target)
            .where(
                review_status.c.bot == bot,
                review_status.c.status == "resolved",
                review_status.c.action.in_(("map", "new")),
                review_status.c.target != "",
            )
            .order_by(review_status.c.key)
        )
        with engine.connect() as connection:
            return [Labelled(q, t) for q, t in connection.execute(query)]
    finally:
        engine.dispose()


def _inputs_digest(bot: str, model_digest: str, resolved: list[Labelled]) -> str:
    """Everything a model's figures depend on: the model's bytes, the dev sets,
    the resolved questions, the catalogue (Paavo's service texts) and the code
    that decides and ranks. Equal digests, equal figures."""
    settings = load_settings()
    digest = hashlib.sha256(f"{bot}\0{model_digest}\0".encode())
    for question in resolved:
        digest.update(f"{question.text}\0{question.expected}\0".encode())
    roots = (settings.eval_dir, SAFETY_EVAL_DIR, settings.catalogue_dir, PROJECT_ROOT / "studybots")
    for root in roots:
        for path in sorted(root.rglob("*")) if root.is_dir() else []:
            if path.is_file() and path.suffix in (".csv", ".yml", ".py"):
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _figures_cache() -> Path:
    return load_settings().var_dir / "cache" / "gate-figures.json"


def measure(bot: str, model: Path, database_url: str, resolved: list[Labelled]) -> dict[str, float]:
    """The gated figures of `model`; remembered by what they depend on, so that
    publishing with --force right after a refusal does not evaluate again."""
    model_digest = content_digest(model)
    key = _inputs_digest(bot, model_digest, resolved)
    cache_file = _figures_cache()
    try:
        cache = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    if isinstance(cache, dict) and isinstance(cache.get(key), dict):
        print(f"  ({model_digest[:12]}: luvut muistista, sama malli ja aineisto)")
        return {k: float(v) for k, v in cache[key].items()}
    figures = _measure(bot, model, database_url, resolved)
    cache = {k: v for k, v in cache.items() if k != key} if isinstance(cache, dict) else {}
    cache[key] = figures
    # The last few models' figures are enough (a rollback, a forced publish).
    kept = dict(list(cache.items())[-CACHED_FIGURES:])
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(cache_file, json.dumps(kept))
    return figures


def _measure(
    bot: str, model: Path, database_url: str, resolved: list[Labelled]
) -> dict[str, float]:
    oos = out_of_scope_set()
    if bot == "tero":
        figures, _ = evaluate_tero(model, dev_set("tero"), oos, resolved)
    else:
        figures, _ = evaluate_paavo(model, dev_set("paavo"), oos, database_url, resolved)
    languages = meta.languages(meta.read(load_settings().catalogue_dir))
    figures.update(language_figures(bot, model, database_url, languages, {}))
    return {k: v for k, v in figures.items() if k in gated(bot)}


@dataclass
class Verdict:
    bot: str
    new: dict[str, float]
    old: dict[str, float] | None
    resolved_count: int
    regressions: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.regressions

    @property
    def below_floor(self) -> list[str]:
        """Figures under their absolute floor: no --force publishes these."""
        return [k for k in FLOORS if k in self.new and self.new[k] < FLOORS[k] - 1e-9]

    def rows(self) -> list[dict[str, object]]:
        """The table's rows as data (the console draws them): label, the
        running and the new model's figure, and whether it failed the gate."""
        rows: list[dict[str, object]] = []
        for key, label in gated(self.bot).items():
            if key not in self.new:
                continue
            rows.append(
                {
                    "key": key,
                    "label": label,
                    "old": self.old.get(key) if self.old else None,
                    "new": self.new[key],
                    "weaker": key in self.regressions,
                    "floor": FLOORS.get(key),
                    "below_floor": key in self.below_floor,
                }
            )
        return rows

    def table(self) -> str:
        lines = [
            f"{self.bot}: {self.resolved_count} ratkaistua kysymystä mukana arvioinnissa",
            f"  {'':52} {'nyt':>7} {'uusi':>7}",
        ]
        for key, label in gated(self.bot).items():
            if key not in self.new:
                continue
            old = f"{self.old[key]:7.1%}" if self.old and key in self.old else f"{'-':>7}"
            mark = "  << HEIKOMPI" if key in self.regressions else ""
            if key in FLOORS and self.new[key] < FLOORS[key]:
                mark = f"  << ALLE {FLOORS[key]:.0%}"
            lines.append(f"  {label:52} {old} {self.new[key]:7.1%}{mark}")
        return "\n".join(lines)


def compare(
    bot: str,
    old: dict[str, float] | None,
    new: dict[str, float],
    resolved_count: int = 0,
    max_drop: float = MAX_DROP,
) -> Verdict:
    verdict = Verdict(bot, new, old, resolved_count)
    for key in gated(bot):
        if key not in new:
            continue
        dropped = old is not None and key in old and new[key] < old[key] - max_drop - 1e-9
        below_floor = key in FLOORS and new[key] < FLOORS[key] - 1e-9
        if dropped or below_floor:
            verdict.regressions.append(key)
    return verdict


def measure_live(
    bot: str, live: Path | None, database_url: str, log_url: str
) -> tuple[dict[str, float] | None, list[Labelled]]:
    """The running model's figures, and the resolved questions they include
    (`studybots.training.publish` computes them while the candidate trains)."""
    resolved = resolved_questions(log_url, bot)
    if live is None or not live.exists():
        return None, resolved
    return measure(bot, live, database_url, resolved), resolved


def check(
    bot: str,
    live: Path | None,
    candidate: Path,
    database_url: str,
    log_url: str,
    measured_live: tuple[dict[str, float] | None, list[Labelled]] | None = None,
) -> Verdict:
    old, resolved = measured_live or measure_live(bot, live, database_url, log_url)
    new = measure(bot, candidate, database_url, resolved)
    return compare(bot, old, new, len(resolved))
