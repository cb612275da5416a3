"""Load a valid catalogue into typed objects.

`load_catalogue` refuses a catalogue that does not validate: nothing downstream
(NLU generation, the service database, the actions) ever sees a broken table.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from studybots.catalogue import meta
from studybots.catalogue.schema import CODE_LISTS, LANGUAGES, TABLES_BY_NAME
from studybots.catalogue.tables import read_table, split_multi
from studybots.catalogue.validate import Problem, read_all, validate_catalogue


class CatalogueInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"catalogue has {len(problems)} problem(s):\n{lines}{more}")


# language -> column -> text: the filled `<column>_<lang>` cells of a row.
Translations = dict[str, dict[str, str]]


def translations(table: str, cells: dict[str, str]) -> Translations:
    found: Translations = {}
    for lang in LANGUAGES:
        for base, column in TABLES_BY_NAME[table].translation_columns(lang):
            if cells.get(column.name):
                found.setdefault(lang, {})[base.name] = cells[column.name]
    return found


def localized(item, column: str, lang: str) -> str:
    """The row's `column` in `lang`, or in the tables' own language when it has
    no translation there (a switched-on language always has the required ones)."""
    return item.translations.get(lang, {}).get(column) or getattr(item, column)


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
    translations: Translations = field(default_factory=dict)

    def text(self, column: str, lang: str) -> str:
        return localized(self, column, lang)


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
    translations: Translations = field(default_factory=dict)

    def text(self, column: str, lang: str) -> str:
        return localized(self, column, lang)


@dataclass(frozen=True)
class Need:
    id: str
    name: str
    description: str
    services: tuple[str, ...]
    phase: str
    translations: Translations = field(default_factory=dict)

    def text(self, column: str, lang: str) -> str:
        return localized(self, column, lang)


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
    translations: Translations = field(default_factory=dict)

    def text(self, column: str, lang: str) -> str:
        return localized(self, column, lang)


@dataclass(frozen=True)
class Situation:
    id: str
    question: str
    needs: tuple[str, ...]
    answers: tuple[SituationAnswer, ...]
    translations: Translations = field(default_factory=dict)

    def text(self, column: str, lang: str) -> str:
        return localized(self, column, lang)


@dataclass(frozen=True)
class SafetyContact:
    id: str
    names: dict[str, str]  # language -> name
    phone: str
    url: str
    hours: dict[str, str]  # language -> opening-hours note ("" = none stated)
    source_url: str
    checked: str
    langs: tuple[str, ...]  # reply languages that list it; empty = all


@dataclass(frozen=True)
class SafetyCategory:
    id: str
    priority: int  # 1 = most urgent
    contacts: tuple[str, ...]  # most urgent first
    replies: dict[str, str]  # language -> text with one {contacts}
    source_url: str
    checked: str


@dataclass(frozen=True)
class SafetyPattern:
    category: str
    lang: str
    pattern: str


@dataclass(frozen=True)
class LabelledText:
    label: str  # a safety category or "none"; a near-miss kind
    lang: str
    text: str


@dataclass
class Safety:
    contacts: dict[str, SafetyContact] = field(default_factory=dict)
    categories: dict[str, SafetyCategory] = field(default_factory=dict)  # by priority
    phrasings: list[LabelledText] = field(default_factory=list)
    patterns: list[SafetyPattern] = field(default_factory=list)
    near_miss: list[LabelledText] = field(default_factory=list)


def _by_language(cells: dict[str, str], prefix: str) -> dict[str, str]:
    return {lang: cells.get(f"{prefix}_{lang}", "") for lang in LANGUAGES}


def load_safety(raw: dict) -> Safety:
    contacts = {}
    for row in raw["safety_contacts"].rows:
        c = row.cells
        contacts[c["id"]] = SafetyContact(
            id=c["id"],
            names=_by_language(c, "name"),
            phone=c["phone"],
            url=c["url"],
            hours=_by_language(c, "hours_note"),
            source_url=c["source_url"],
            checked=c["checked"],
            langs=_multi(c["langs"]),
        )
    categories = [
        SafetyCategory(
            id=row.cells["id"],
            priority=int(row.cells["priority"]),
            contacts=_multi(row.cells["contacts"]),
            replies=_by_language(row.cells, "reply"),
            source_url=row.cells["source_url"],
            checked=row.cells["checked"],
        )
        for row in raw["safety_categories"].rows
    ]
    categories.sort(key=lambda c: c.priority)
    return Safety(
        contacts=contacts,
        categories={c.id: c for c in categories},
        phrasings=[
            LabelledText(r.cells["category"], r.cells["lang"], r.cells["text"])
            for r in raw["safety_phrasings"].rows
        ],
        patterns=[
            SafetyPattern(r.cells["category"], r.cells["lang"], r.cells["pattern"])
            for r in raw["safety_patterns"].rows
        ],
        near_miss=[
            LabelledText(r.cells["kind"], r.cells["lang"], r.cells["text"])
            for r in raw["near_miss_phrasings"].rows
        ],
    )


@dataclass
class Catalogue:
    directory: Path
    meta: dict
    labels: dict[str, dict[str, str]]  # code list -> code -> Finnish label
    terms: dict[str, Term]
    term_phrasings: dict[str, list[str]]  # all languages
    services: dict[str, Service]
    needs: dict[str, Need]
    need_phrasings: dict[str, list[str]]  # all languages
    ptv_services: dict[str, PtvService] = field(default_factory=dict)
    situations: dict[str, Situation] = field(default_factory=dict)  # in table order
    safety: Safety = field(default_factory=Safety)
    phrasing_languages: dict[str, str] = field(default_factory=dict)  # text -> language

    @property
    def languages(self) -> tuple[str, ...]:
        """The switched-on languages, the tables' own language first."""
        return meta.languages(self.meta)

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
    settings_language = meta.languages(settings)[0]

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
            translations=translations("terms", c),
        )
    term_phrasings: dict[str, list[str]] = {t: [] for t in terms}
    phrasing_languages: dict[str, str] = {}
    for row in raw["term_phrasings"].rows:
        term_phrasings[row.cells["term_id"]].append(row.cells["text"])
        phrasing_languages[row.cells["text"]] = row.cells.get("lang") or settings_language

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
            translations=translations("services", c),
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
            translations=translations("needs", c),
        )
    need_phrasings: dict[str, list[str]] = {n: [] for n in needs}
    for row in raw["need_phrasings"].rows:
        need_phrasings[row.cells["need_id"]].append(row.cells["text"])
        phrasing_languages[row.cells["text"]] = row.cells.get("lang") or settings_language

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
                translations=translations("situation_answers", c),
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
            translations=translations("situations", c),
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
        safety=load_safety(raw),
        phrasing_languages=phrasing_languages,
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
