"""Load a valid catalogue into typed objects.

`load_catalogue` refuses a catalogue that does not validate: nothing downstream
(NLU generation, the service database, the actions) ever sees a broken table.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from studybots.catalogue import meta
from studybots.catalogue.schema import CODE_LISTS
from studybots.catalogue.tables import read_table, split_multi
from studybots.catalogue.validate import Problem, read_all, validate_catalogue


class CatalogueInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"catalogue has {len(problems)} problem(s):\n{lines}{more}")


@dataclass(frozen=True)
class Term:
    id: str
    term: str
    aliases: tuple[str, ...]
    area: str
    definition: str
    source_url: str
    checked: str
    dimension: str
    phase: str
    services: tuple[str, ...]


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    description: str
    provider: str
    url: str
    service_type: str
    target_groups: tuple[str, ...]
    life_events: tuple[str, ...]
    service_classes: tuple[str, ...]
    phase: str
    dimension: str
    area_type: str
    municipality: str
    keywords: tuple[str, ...]
    ptv_id: str


@dataclass(frozen=True)
class Need:
    id: str
    name: str
    description: str
    services: tuple[str, ...]
    phase: str


@dataclass(frozen=True)
class PtvService:
    id: str
    municipality: str
    name: str
    summary: str
    wellbeing: tuple[str, ...]
    source_sheet: str


@dataclass(frozen=True)
class SituationAnswer:
    situation: str
    value: str
    label: str
    reason: str
    intent: str
    phrases: tuple[str, ...]
    services: tuple[str, ...]
    hide: tuple[str, ...]
    phase: str
    life_events: tuple[str, ...]


@dataclass(frozen=True)
class Situation:
    id: str
    question: str
    needs: tuple[str, ...]
    answers: tuple[SituationAnswer, ...]


@dataclass
class Catalogue:
    directory: Path
    meta: dict
    labels: dict[str, dict[str, str]]  # code list -> code -> Finnish label
    terms: dict[str, Term]
    term_phrasings: dict[str, list[str]]
    services: dict[str, Service]
    needs: dict[str, Need]
    need_phrasings: dict[str, list[str]]
    ptv_services: dict[str, PtvService] = field(default_factory=dict)
    situations: dict[str, Situation] = field(default_factory=dict)  # in table order

    @property
    def language(self) -> str:
        """The language the tables are written in (catalogue.yml default_language)."""
        return str(self.meta.get("default_language") or "fi")


def _multi(value: str) -> tuple[str, ...]:
    return tuple(split_multi(value))


def load_catalogue(catalogue_dir: Path) -> Catalogue:
    problems = validate_catalogue(catalogue_dir)
    if problems:
        raise CatalogueInvalid(problems)
    raw, _ = read_all(catalogue_dir)
    settings = meta.read(catalogue_dir)

    labels: dict[str, dict[str, str]] = {}
    for name, rel in CODE_LISTS.items():
        table = read_table(catalogue_dir / rel)
        labels[name] = {r.cells["code"]: r.cells.get("fi", "") for r in table.rows}

    terms = {}
    for row in raw["terms"].rows:
        c = row.cells
        terms[c["id"]] = Term(
            id=c["id"],
            term=c["term"],
            aliases=_multi(c["aliases"]),
            area=c["area"],
            definition=c["definition"],
            source_url=c["source_url"],
            checked=c["checked"],
            dimension=c["dimension"],
            phase=c["phase"],
            services=_multi(c["services"]),
        )
    term_phrasings: dict[str, list[str]] = {t: [] for t in terms}
    for row in raw["term_phrasings"].rows:
        term_phrasings[row.cells["term_id"]].append(row.cells["text"])

    services = {}
    for row in raw["services"].rows:
        c = row.cells
        services[c["id"]] = Service(
            id=c["id"],
            name=c["name"],
            description=c["description"],
            provider=c["provider"],
            url=c["url"],
            service_type=c["service_type"],
            target_groups=_multi(c["target_groups"]),
            life_events=_multi(c["life_events"]),
            service_classes=_multi(c["service_classes"]),
            phase=c["phase"],
            dimension=c["dimension"],
            area_type=c["area_type"],
            municipality=c["municipality"],
            keywords=_multi(c["keywords"]),
            ptv_id=c["ptv_id"],
        )
    needs = {}
    for row in raw["needs"].rows:
        c = row.cells
        needs[c["id"]] = Need(
            id=c["id"],
            name=c["name"],
            description=c["description"],
            services=_multi(c["services"]),
            phase=c["phase"],
        )
    need_phrasings: dict[str, list[str]] = {n: [] for n in needs}
    for row in raw["need_phrasings"].rows:
        need_phrasings[row.cells["need_id"]].append(row.cells["text"])

    ptv = {}
    for row in raw["ptv_services"].rows:
        c = row.cells
        ptv[c["id"]] = PtvService(
            id=c["id"],
            municipality=c["municipality"],
            name=c["name"],
            summary=c["summary"],
            wellbeing=_multi(c["wellbeing"]),
            source_sheet=c["source_sheet"],
        )
    answers: dict[str, list[SituationAnswer]] = {}
    for row in raw["situation_answers"].rows:
        c = row.cells
        answers.setdefault(c["situation"], []).append(
            SituationAnswer(
                situation=c["situation"],
                value=c["value"],
                label=c["label"],
                reason=c["reason"],
                intent=c["intent"],
                phrases=_multi(c["phrases"]),
                services=_multi(c["services"]),
                hide=_multi(c["hide"]),
                phase=c["phase"],
                life_events=_multi(c["life_events"]),
            )
        )
    situations = {}
    for row in raw["situations"].rows:
        c = row.cells
        situations[c["id"]] = Situation(
            id=c["id"],
            question=c["question"],
            needs=_multi(c["needs"]),
            answers=tuple(answers.get(c["id"], ())),
        )
    return Catalogue(
        directory=catalogue_dir,
        meta=settings,
        labels=labels,
        terms=terms,
        term_phrasings=term_phrasings,
        services=services,
        needs=needs,
        need_phrasings=need_phrasings,
        ptv_services=ptv,
        situations=situations,
    )


def load_or_report(catalogue_dir: Path, refused: str) -> Catalogue | None:
    """For commands: the catalogue, or None after printing its problems and
    what was refused ("Generation", "Build", ...)."""
    try:
        return load_catalogue(catalogue_dir)
    except CatalogueInvalid as exc:
        print(exc, file=sys.stderr)
        print(f"{refused} refused: fix the catalogue first (make validate).", file=sys.stderr)
        return None
