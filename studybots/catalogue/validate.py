"""Check every catalogue table and name file, row and column of each error.

`validate_catalogue(dir)` returns a list of problems; an empty list means the
catalogue can be built. Nothing is built from a catalogue with problems.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import yaml

from studybots.catalogue import meta
from studybots.catalogue.schema import (
    CODE_LISTS,
    CONTACTS_PLACEHOLDER,
    LANGUAGES,
    MIN_PHRASINGS_PER_NEED,
    MIN_PHRASINGS_PER_TERM,
    MIN_SAFETY_PHRASINGS_PER_CATEGORY,
    TABLES,
    TABLES_BY_NAME,
    Column,
    Table,
)
from studybots.catalogue.tables import RawTable, TableReadError, read_table, split_multi

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
PHONE_PATTERN = re.compile(r"^\+?[0-9]+( [0-9]+)*$")
# A date a Finnish Excel shows (and saves) as 27.11.2026.
FINNISH_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
# A list of valid values this long or shorter is shown whole; a longer one by
# its closest few.
SHOW_ALL = 12
CLOSEST = 3

# A code list's codes with their Finnish names (code -> name), or a table's ids.
Known = Mapping[str, str] | Collection[str]


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    column: str
    message: str
    # What the problem is about, where the column does not say it:
    # "phrasings:<lang>" = too few phrasings in that language (the review
    # sheet points the editor at its phrasings column).
    topic: str = field(default="", compare=False)

    def __str__(self) -> str:
        where = f"{self.file}"
        if self.line:
            where += f", rivi {self.line}"
        if self.column:
            where += f", sarake '{self.column}'"
        return f"{where}: {self.message}"


def read_code_lists(catalogue_dir: Path) -> tuple[dict[str, dict[str, str]], list[Problem]]:
    """Every code list: code -> its Finnish name (empty when the list has none)."""
    codes: dict[str, dict[str, str]] = {}
    problems: list[Problem] = []
    for name, rel in CODE_LISTS.items():
        try:
            table = read_table(catalogue_dir / rel)
        except TableReadError as exc:
            problems.append(Problem(rel, 0, "", exc.message))
            codes[name] = {}
            continue
        if "code" not in table.header:
            problems.append(Problem(rel, 1, "code", "sarake puuttuu (column missing)"))
            codes[name] = {}
            continue
        codes[name] = {
            row.cells["code"]: row.cells.get("fi", "")
            for row in table.rows
            if row.cells.get("code")
        }
    return codes, problems


def load_code_lists(catalogue_dir: Path) -> tuple[dict[str, set[str]], list[Problem]]:
    codes, problems = read_code_lists(catalogue_dir)
    return {name: set(found) for name, found in codes.items()}, problems


def suggest(value: str, known: Known, source: str = "") -> str:
    """What the editor may have meant by `value` (a name written for its code,
    or a near miss), and the valid values: all of them when there are few,
    else the closest few and the file (`source`) that lists them all."""
    names = dict(known) if isinstance(known, Mapping) else dict.fromkeys(known, "")
    if not names:
        return ""

    def label(code: str) -> str:
        return f"'{code}' ({names[code]})" if names[code] else f"'{code}'"

    parts = [part.strip() for part in value.split(",")]
    if len(parts) > 1 and all(part in names for part in parts):
        return f"Erota arvot puolipisteellä: {';'.join(parts)}."
    folded = value.casefold()
    meant = [c for c, n in names.items() if folded in (c.casefold(), n.casefold())]
    if not meant:
        by_text: dict[str, str] = {}
        for code, name in names.items():
            by_text.setdefault(code.casefold(), code)
            if name:
                by_text.setdefault(name.casefold(), code)
        close = difflib.get_close_matches(folded, list(by_text), n=CLOSEST, cutoff=0.6)
        meant = list(dict.fromkeys(by_text[c] for c in close))
    if len(meant) == 1:
        hints = [f"Tarkoititko {label(meant[0])}?"]
    elif meant and len(names) > SHOW_ALL:
        hints = ["Lähimmät: " + ", ".join(label(c) for c in meant) + "."]
    else:
        hints = []
    if len(names) <= SHOW_ALL:
        listed = ", ".join(f"{c} = {n}" if n else c for c, n in names.items())
        hints.append(f"Kelvolliset: {listed}.")
    elif source:
        hints.append(f"Kaikki {len(names)} vaihtoehtoa: {source}.")
    return " ".join(hints)


def _check_cell(table: Table, column: Column, value: str, codes: Mapping[str, Known]) -> list[str]:
    """Problems with one cell's own value (references are checked later)."""
    if not value:
        return ["pakollinen tieto puuttuu (required value missing)"] if column.required else []
    values = split_multi(value) if column.multi else [value]
    if column.required and not values:
        return ["pakollinen tieto puuttuu (required value missing)"]
    errors: list[str] = []
    for item in values:
        if column.max_length and len(item) > column.max_length:
            errors.append(f"liian pitkä: {len(item)} merkkiä, enintään {column.max_length}")
        bad = sorted({ch for ch in item if ch in column.forbid})
        if bad:
            errors.append(f"merkit {' '.join(bad)} eivät ole sallittuja tässä sarakkeessa")
        if column.kind == "id" and not ID_PATTERN.match(item):
            errors.append(
                f"tunnus '{item}' saa sisältää vain pieniä kirjaimia a-z, numeroita, _ ja -"
            )
        elif column.kind == "url":
            parsed = urlparse(item)
            if parsed.scheme not in column.schemes or not parsed.netloc or " " in item:
                errors.append(f"'{item}' ei ole kelvollinen {'- tai '.join(column.schemes)}-linkki")
        elif column.kind == "choice":
            if item not in column.choices:
                errors.append(f"'{item}' ei ole mikään näistä: {', '.join(column.choices)}")
        elif column.kind == "phone":
            if not PHONE_PATTERN.match(item):
                errors.append(
                    f"'{item}' ei ole puhelinnumero: vain numeroita ja välilyöntejä (esim. 09 2525 0111)"
                )
        elif column.kind == "regex":
            try:
                re.compile(item)
            except re.error as exc:
                errors.append(f"säännöllinen lauseke ei käänny (regex error): {exc}")
        elif column.kind == "date":
            try:
                dt.date.fromisoformat(item)
            except ValueError:
                message = f"'{item}' ei ole päivämäärä muodossa VVVV-KK-PP"
                finnish = FINNISH_DATE.match(item)
                if finnish:
                    day, month, year = finnish.groups()
                    message += (
                        f": kirjoita {year}-{int(month):02d}-{int(day):02d} (Excel muuttaa "
                        "päivämäärän muotoon 27.11.2026: muotoile sarake tekstiksi ennen kirjoittamista)"
                    )
                errors.append(message)
        elif column.kind == "int":
            if not item.isdigit():
                errors.append(f"'{item}' ei ole kokonaisluku")
            elif (column.min_value is not None and int(item) < column.min_value) or (
                column.max_value is not None and int(item) > column.max_value
            ):
                errors.append(f"'{item}' ei ole välillä {column.min_value}-{column.max_value}")
        elif column.kind == "code":
            known = codes.get(column.codes or "", set())
            if item not in known:
                source = CODE_LISTS.get(column.codes or "", "")
                hint = suggest(item, known, source)
                errors.append(
                    f"tuntematon koodi '{item}' (koodisto {column.codes})"
                    + (f". {hint}" if hint else "")
                )
    return errors


def validate_tables(
    raw: dict[str, RawTable],
    codes: Mapping[str, Known],
    catalogue_dir: Path,
    languages: tuple[str, ...] = ("fi",),
) -> list[Problem]:
    """`languages`: the switched-on languages, the tables' own language first;
    every other one must have its translations and phrasings."""
    problems: list[Problem] = []
    keys: dict[str, set[str]] = {}

    for table in TABLES:
        data = raw.get(table.name)
        if data is None:
            continue
        rel = str(data.path.relative_to(catalogue_dir))
        missing = [
            c.name for c in table.columns if c.name not in data.header and not c.may_be_absent
        ]
        for name in missing:
            problems.append(Problem(rel, 1, name, "sarake puuttuu (column missing)"))
        allowed = table.allowed_columns()
        unknown = [h for h in data.header if h not in allowed]
        for name in unknown:
            problems.append(Problem(rel, 1, name, "tuntematon sarake (unknown column)"))
        if missing:
            keys[table.name] = set()
            continue
        seen: dict[str, int] = {}
        together: dict[tuple[str, ...], int] = {}
        for row in data.rows:
            if "__extra__" in row.cells:
                problems.append(Problem(rel, row.line, "", "rivillä on ylimääräisiä soluja"))
            for column in table.columns:
                for message in _check_cell(table, column, row.cells.get(column.name, ""), codes):
                    problems.append(Problem(rel, row.line, column.name, message))
            problems += _check_translations(table, row, rel, codes, languages)
            if table.key:
                key = row.cells.get(table.key, "")
                if key and key in seen:
                    problems.append(
                        Problem(
                            rel,
                            row.line,
                            table.key,
                            f"tunnus '{key}' on jo rivillä {seen[key]} (duplicate id)",
                        )
                    )
                elif key:
                    seen[key] = row.line
            if table.unique_together:
                marker = tuple(row.cells.get(c, "").casefold() for c in table.unique_together)
                if marker in together:
                    problems.append(
                        Problem(
                            rel,
                            row.line,
                            ",".join(table.unique_together),
                            f"sama rivi on jo rivillä {together[marker]} (duplicate)",
                        )
                    )
                else:
                    together[marker] = row.line
        keys[table.name] = set(seen)

    # References between tables.
    for table in TABLES:
        data = raw.get(table.name)
        if data is None:
            continue
        rel = str(data.path.relative_to(catalogue_dir))
        for column in table.columns:
            if column.kind != "ref":
                continue
            known = keys.get(column.ref or "", set())
            ref_path = TABLES_BY_NAME[column.ref].path if column.ref in TABLES_BY_NAME else ""
            for row in data.rows:
                value = row.cells.get(column.name, "")
                for item in split_multi(value) if column.multi else ([value] if value else []):
                    if item not in known and item not in column.choices:
                        hint = suggest(item, sorted(known | set(column.choices)), ref_path)
                        problems.append(
                            Problem(
                                rel,
                                row.line,
                                column.name,
                                f"viittaus '{item}' ei löydy taulukosta {column.ref}"
                                + (f". {hint}" if hint else ""),
                            )
                        )

    problems += _check_examples_unambiguous(raw, catalogue_dir)
    for lang in languages:
        for phrasings, ref, target, minimum in (
            ("term_phrasings", "term_id", "terms", MIN_PHRASINGS_PER_TERM),
            ("need_phrasings", "need_id", "needs", MIN_PHRASINGS_PER_NEED),
        ):
            problems += _check_phrasing_counts(
                raw, phrasings, ref, target, minimum, catalogue_dir, lang=(lang, languages[0])
            )
    problems += _check_phrasing_counts(
        raw,
        "safety_phrasings",
        "category",
        "safety_categories",
        MIN_SAFETY_PHRASINGS_PER_CATEGORY,
        catalogue_dir,
    )
    problems += _check_safety(raw, catalogue_dir)
    return problems


def _check_translations(
    table: Table, row, rel: str, codes: Mapping[str, Known], languages: tuple[str, ...]
) -> list[Problem]:
    """Each translation cell is checked like its base column; in a switched-on
    language every required translation of a filled base cell must be there."""
    problems: list[Problem] = []
    for lang in LANGUAGES:
        for base, column in table.translation_columns(lang):
            value = row.cells.get(column.name, "")
            for message in _check_cell(table, column, value, codes):
                problems.append(Problem(rel, row.line, column.name, message))
            if (
                not value
                and lang in languages[1:]
                and base.translated == "required"
                and row.cells.get(base.name, "")
            ):
                problems.append(
                    Problem(
                        rel,
                        row.line,
                        column.name,
                        f"käännös puuttuu (kieli {lang} on käytössä catalogue.yml:ssä)",
                    )
                )
    return problems


def _check_safety(raw: dict[str, RawTable], catalogue_dir: Path) -> list[Problem]:
    """A crisis reply must list its contacts exactly once ({contacts}) and hold
    no phone number of its own (numbers live only in contacts.csv, with their
    source); a contact must have a phone number or an address to show."""
    problems: list[Problem] = []
    if "safety_categories" in raw:
        data = raw["safety_categories"]
        rel = str(data.path.relative_to(catalogue_dir))
        for row in data.rows:
            for lang in LANGUAGES:
                column = f"reply_{lang}"
                reply = row.cells.get(column, "")
                if not reply:
                    continue
                count = reply.count(CONTACTS_PLACEHOLDER)
                if count != 1:
                    problems.append(
                        Problem(
                            rel,
                            row.line,
                            column,
                            f"vastauksessa pitää olla {CONTACTS_PLACEHOLDER} tasan kerran "
                            f"(nyt {count}): siihen tulevat yhteystiedot",
                        )
                    )
                if re.search(r"\d", reply.replace(CONTACTS_PLACEHOLDER, "")):
                    problems.append(
                        Problem(
                            rel,
                            row.line,
                            column,
                            "vastauksessa ei saa olla numeroita: puhelinnumerot kuuluvat "
                            "taulukkoon contacts.csv lähteineen",
                        )
                    )
    if "safety_contacts" in raw:
        data = raw["safety_contacts"]
        rel = str(data.path.relative_to(catalogue_dir))
        for row in data.rows:
            if not row.cells.get("phone") and not row.cells.get("url"):
                problems.append(
                    Problem(rel, row.line, "phone", "yhteystiedolla pitää olla puhelin tai url")
                )
    return problems


def _example_key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _check_examples_unambiguous(raw: dict[str, RawTable], catalogue_dir: Path) -> list[Problem]:
    """A term's name, aliases and phrasings all train its intent: the same text
    must not point at two terms (or two needs), or the bot cannot tell them apart."""
    problems: list[Problem] = []
    for owner_table, phrasing_table, ref, own_columns in (
        (
            "terms",
            "term_phrasings",
            "term_id",
            (
                "term",
                "aliases",
                *[f"{c}_{lang}" for lang in LANGUAGES for c in ("term", "aliases")],
            ),
        ),
        ("needs", "need_phrasings", "need_id", ()),
    ):
        if owner_table not in raw or phrasing_table not in raw:
            continue
        owners: dict[str, tuple[str, str, int, str]] = {}
        sources = []
        for row in raw[owner_table].rows:
            for column in own_columns:
                for item in split_multi(row.cells.get(column, "")):
                    sources.append(
                        (row.cells.get("id", ""), raw[owner_table], row.line, column, item)
                    )
        for row in raw[phrasing_table].rows:
            sources.append(
                (
                    row.cells.get(ref, ""),
                    raw[phrasing_table],
                    row.line,
                    "text",
                    row.cells.get("text", ""),
                )
            )
        for owner, table, line, column, item in sources:
            key = _example_key(item)
            if not key or not owner:
                continue
            rel = str(table.path.relative_to(catalogue_dir))
            if key in owners and owners[key][0] != owner:
                first = owners[key]
                problems.append(
                    Problem(
                        rel,
                        line,
                        column,
                        f"'{item}' kuuluu jo kohteelle '{first[0]}' ({first[1]}, rivi {first[2]}); "
                        f"sama ilmaus ei voi viitata kahteen kohteeseen",
                    )
                )
            elif key not in owners:
                owners[key] = (owner, rel, line, column)
    return problems


def _check_phrasing_counts(
    raw: dict[str, RawTable],
    table: str,
    ref_column: str,
    target: str,
    minimum: int,
    catalogue_dir: Path,
    lang: tuple[str, str] | None = None,
) -> list[Problem]:
    """At least `minimum` phrasings per row of `target`; with `lang` = (language,
    the tables' own language), per language (a row without `lang` is in the
    tables' own language)."""
    if table not in raw or target not in raw:
        return []
    rows = raw[table].rows
    if lang is not None:
        rows = [r for r in rows if (r.cells.get("lang") or lang[1]) == lang[0]]
    counts = Counter(row.cells.get(ref_column, "") for row in rows)
    rel = str(raw[target].path.relative_to(catalogue_dir))
    problems = []
    for row in raw[target].rows:
        key = row.cells.get("id", "")
        if key and counts[key] < minimum:
            problems.append(
                Problem(
                    rel,
                    row.line,
                    "id",
                    f"'{key}': {counts[key]} ilmaisua"
                    + (f" kielellä {lang[0]}" if lang else "")
                    + f", vähintään {minimum} tarvitaan taulukkoon {raw[table].path.name}",
                    topic=f"phrasings:{lang[0] if lang else ''}",
                )
            )
    return problems


def read_all(catalogue_dir: Path) -> tuple[dict[str, RawTable], list[Problem]]:
    raw: dict[str, RawTable] = {}
    problems: list[Problem] = []
    for table in TABLES:
        try:
            raw[table.name] = read_table(catalogue_dir / table.path)
        except TableReadError as exc:
            problems.append(Problem(table.path, 0, "", exc.message))
    return raw, problems


def validate_catalogue(catalogue_dir: Path) -> list[Problem]:
    codes, problems = read_code_lists(catalogue_dir)
    raw, read_problems = read_all(catalogue_dir)
    problems += read_problems
    try:
        languages = meta.languages(meta.read(catalogue_dir))
    except (yaml.YAMLError, UnicodeDecodeError):  # reported by meta.problems below
        languages = ("fi",)
    problems += validate_tables(raw, codes, catalogue_dir, languages)
    problems += [
        Problem(meta.FILE, 0, key, message) for key, message in meta.problems(catalogue_dir)
    ]
    return sorted(set(problems))


def problems_by_file(problems: list[Problem]) -> dict[str, list[Problem]]:
    grouped: dict[str, list[Problem]] = defaultdict(list)
    for p in problems:
        grouped[p.file].append(p)
    return grouped
