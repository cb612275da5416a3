"""Apply an editor's filled-in review sheet to the catalogue, without programming.

For each row of the sheet (see `make review ARGS="--csv FILE"`):
- action `map` (or `liitä`): the question becomes a new phrasing of the term
  (Tero) or need (Paavo) named in `target`, by its id or its name;
- action `new` (or `uusi`), Tero only: a new term row with id `target` and
  the given term, definition, source_url, area, dimension and phase; the
  question and the `phrasings` (separated by ';') become its phrasings. Its
  `checked` date is set only when the editor says the facts were checked
  (`checked`: kyllä, or the date); otherwise it stays empty;
- action `ignore` (or `ohita`): nothing changes in the catalogue.

The sheet is read as a spreadsheet in a Finnish locale saves it (comma or
semicolon, UTF-8 with or without a byte order mark, Windows-1252, CRLF:
studybots/catalogue/tables.py). The changes are made on a copy and validated
first; every problem is listed at once, at the sheet's own row and column (a
problem the catalogue's validation finds in a row the sheet added is pointed
back at the sheet), and if there is any, nothing changes. Otherwise the
catalogue files are updated (each in the format it was saved in), the change
is printed as a diff, each row of the sheet says whether it was taken and
why, and each decision is recorded with the editor's name and the time, both
in the inbox (status resolved/ignored) and in catalogue/changes.csv.
"""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
import re
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from studybots.catalogue import history, meta
from studybots.catalogue.schema import MIN_PHRASINGS_PER_TERM, TABLES_BY_NAME
from studybots.catalogue.tables import (
    RawTable,
    TableReadError,
    TextFormat,
    decode,
    format_rows,
    read_table,
    split_multi,
    write_sheet,
)
from studybots.catalogue.validate import FINNISH_DATE, ID_PATTERN, Problem, suggest
from studybots.catalogue.validate import validate_catalogue as validate
from studybots.core.language import LANGUAGES, SWITCH, detect
from studybots.core.settings import load_settings
from studybots.review.inbox import EXPORT_COLUMNS, LOCAL_TIME, item_key, set_status

ACTIONS = {
    "map": "map",
    "liitä": "map",
    "new": "new",
    "uusi": "new",
    "ignore": "ignore",
    "ohita": "ignore",
}
ACTION_NAMES = {"map": "liitä", "new": "uusi", "ignore": "ohita"}
PHRASING_TABLES = {
    "tero": ("terms/phrasings.csv", ["term_id", "lang", "text"]),
    "paavo": ("services/need_phrasings.csv", ["need_id", "lang", "text"]),
}
TARGET_TABLES = {"tero": ("terms", "term"), "paavo": ("needs", "name")}
TERM_COLUMNS = [
    "id",
    "term",
    "aliases",
    "area",
    "definition",
    "source_url",
    "checked",
    "dimension",
    "phase",
    "services",
]
# The columns the sheet cannot do without; the others may be missing (an
# older export) or empty.
SHEET_REQUIRED = ("bot", "question", "action", "target")
# Columns of sheets exported before the current version, read as before.
OLD_COLUMNS = ("reasons", "best_guesses", "first_seen", "last_seen", "status", "count")
# `checked`: the editor's word that the facts were checked today.
YES = {"kyllä", "k", "joo", "yes", "y", "ja", "x", "✓"}
CHANGES = "changes.csv"
CHANGE_COLUMNS = ["time", "editor", "action", "bot", "target", "question"]


@dataclass
class RowResult:
    """What became of one row of the sheet."""

    line: int
    question: str
    taken: bool
    text: str  # what was done, or why not


@dataclass
class SheetResult:
    format: TextFormat | None = None
    rows: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, message)
    notes: list[str] = field(default_factory=list)
    results: list[RowResult] = field(default_factory=list)
    decisions: list[dict[str, str]] = field(default_factory=list)
    revision: str = ""  # the change's commit in the catalogue's history

    def error_lines(self, sheet_name: str) -> list[str]:
        found = []
        for line, column, message in sorted(set(self.errors), key=lambda e: (e[0], e[1])):
            where = sheet_name + (f", rivi {line}" if line else "")
            where += f", sarake '{column}'" if column else ""
            found.append(f"{where}: {message}")
        return found


@dataclass
class _Origin:
    """A catalogue row the sheet added: its sheet row, and which sheet column
    each of its catalogue columns came from."""

    line: int
    columns: dict[str, str]


def _write(path: Path, text: str, fmt: TextFormat) -> None:
    """A catalogue table written back in its own format; a table an older
    Excel saved in Windows-1252 becomes UTF-8 with a byte order mark (which
    every spreadsheet reads), so that it holds one encoding."""
    bom = fmt.bom or not fmt.is_utf8
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8"))


def _append(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    """Append `rows` under the file's own header (`header` for a new file), in
    the file's own delimiter and line end: columns the file has and the rows
    lack stay empty."""
    if path.exists() and path.read_bytes().strip():
        table = read_table(path)
        text, _, _ = decode(path.read_bytes())
        fmt, header = table.format, table.header
        if text and not text.endswith(("\n", "\r")):
            text += fmt.line_end
    else:
        fmt, text = TextFormat(), format_rows([header], TextFormat())
    text += format_rows([[row.get(c, "") for c in header] for row in rows], fmt)
    _write(path, text, fmt)


def _existing(path: Path, column: str) -> set[tuple[str, str]]:
    return {
        (r.cells.get(column, ""), " ".join(r.cells.get("text", "").split()).casefold())
        for r in read_table(path).rows
    }


def _is_translation(column: str) -> bool:
    base, _, lang = column.rpartition("_")
    return lang in LANGUAGES and base in ("term", "aliases", "definition", "source_url")


def question_language(question: str, languages: tuple[str, ...]) -> str:
    """The language a mapped question adds its phrasing in: the one it is
    clearly written in, else the catalogue's own."""
    found = detect(question, languages)
    return found.language if found.language and found.confidence >= SWITCH else languages[0]


def today() -> dt.date:
    return dt.datetime.now(LOCAL_TIME).date()


def checked_date(value: str) -> tuple[str, str]:
    """(date, problem) from the sheet's `checked`: empty = not checked (the
    term keeps an empty date); kyllä = checked today; a date as VVVV-KK-PP or
    as a Finnish Excel saves it (27.11.2026)."""
    value = value.strip()
    if not value:
        return "", ""
    if value.casefold() in YES:
        return today().isoformat(), ""
    finnish = FINNISH_DATE.match(value)
    try:
        if finnish:
            day, month, year = (int(x) for x in finnish.groups())
            date = dt.date(year, month, day)
        else:
            date = dt.date.fromisoformat(value)
    except ValueError:
        return "", (
            f"'{value}' ei ole kyllä eikä päivämäärä: kirjoita kyllä, jos tarkistit termin "
            "faktat virallisesta lähteestä tänään, tai tarkistuspäivä muodossa VVVV-KK-PP; "
            "jätä tyhjäksi, jos et tarkistanut"
        )
    if date > today():
        return "", f"'{value}' on tulevaisuudessa: kirjoita päivä, jona tarkistit faktat"
    return date.isoformat(), ""


def _targets(catalogue_dir: Path, bot: str) -> tuple[dict[str, str], dict[str, set[str]]]:
    """The bot's term or need ids with their names, and each name (in every
    language, folded) with the ids it names."""
    table, column = TARGET_TABLES[bot]
    try:
        rows = read_table(catalogue_dir / TABLES_BY_NAME[table].path).rows
    except TableReadError:
        rows = []
    names: dict[str, str] = {}
    by_name: dict[str, set[str]] = {}
    for row in rows:
        key = row.cells.get("id", "")
        if not key:
            continue
        names[key] = row.cells.get(column, "")
        for name in [row.cells.get(column, "")] + [
            row.cells.get(f"{column}_{lang}", "") for lang in LANGUAGES
        ]:
            if name:
                by_name.setdefault(name.casefold(), set()).add(key)
    return names, by_name


def _header_problem(table: RawTable) -> str:
    found = ", ".join(table.header) if table.header else "(ei mitään)"
    missing = [c for c in SHEET_REQUIRED if c not in {h.casefold() for h in table.header}]
    return (
        "otsikkorivi ei ole läpikäyntitaulukon otsikkorivi, joten yhtään riviä ei luettu. "
        f"Puuttuvat sarakkeet: {', '.join(missing)}. "
        f"Odotetut sarakkeet: {', '.join(EXPORT_COLUMNS)}. "
        f'Taulukossa on: {found}. Vie inbox uudelleen (make review ARGS="--csv ...") ja '
        "täytä se; älä muuta otsikkoriviä"
    )


def apply_sheet(sheet: Path, catalogue_dir: Path, default_editor: str | None) -> SheetResult:
    """Apply the sheet to `catalogue_dir` in place (a working copy: with any
    error in the result, the caller keeps none of it)."""
    result = SheetResult()
    now = dt.datetime.now(LOCAL_TIME).isoformat(timespec="seconds")
    try:
        table = read_table(sheet)
    except TableReadError as exc:
        result.errors.append((0, "", exc.message))
        return result
    result.format, result.rows = table.format, len(table.rows)
    header = {h.casefold() for h in table.header}
    if not all(c in header for c in SHEET_REQUIRED):
        result.errors.append((1, "", _header_problem(table)))
        return result
    unread = [h for h in table.header if h.casefold() not in {*EXPORT_COLUMNS, *OLD_COLUMNS}]
    if unread:
        result.notes.append(
            f"Sarakkeita {', '.join(unread)} ei lueta: ne eivät kuulu läpikäyntitaulukkoon."
        )
    languages = meta.languages(meta.read(catalogue_dir))
    targets = {bot: _targets(catalogue_dir, bot) for bot in TARGET_TABLES}
    origins: dict[str, list[_Origin]] = {}
    changes = []
    for raw_row in table.rows:
        line = raw_row.line
        row = {k.casefold(): v for k, v in raw_row.cells.items()}
        problems: list[tuple[str, str]] = []  # (column, message)
        bot, question, target = row.get("bot", ""), row.get("question", ""), row.get("target", "")
        if not row.get("action"):
            filled = [c for c in ("target", "term", "definition") if row.get(c)]
            why = "sarake action on tyhjä, joten kysymystä ei käsitelty nyt"
            if filled:
                why += f" (vaikka sarake {', '.join(filled)} on täytetty: kirjoita action)"
            result.results.append(RowResult(line, question, False, why))
            continue
        action = ACTIONS.get(row["action"].casefold())
        editor = row.get("editor") or default_editor or ""
        if action is None:
            problems.append(
                (
                    "action",
                    f"'{row['action']}' ei ole toiminto; kelvolliset: liitä (map), uusi (new), "
                    "ohita (ignore), tai tyhjä, jos et käsittele kysymystä nyt",
                )
            )
        if not editor:
            problems.append(("editor", "kirjoita nimesi (tai anna se komennolle: --editor)"))
        if bot not in PHRASING_TABLES:
            problems.append(
                (
                    "bot",
                    f"'{bot}' ei ole botti (tero tai paavo): sarakkeet bot ja question tulevat "
                    "inboxista; älä muuta niitä",
                )
            )
        if not question:
            problems.append(("question", "kysymys puuttuu: sarake tulee inboxista; älä muuta sitä"))
        question_lang = row.get("lang", "").casefold()
        if question_lang and question_lang not in languages:
            problems.append(
                (
                    "lang",
                    f"'{row['lang']}' ei ole luettelon kieli ({', '.join(languages)}); "
                    "jätä tyhjäksi, niin kieli tunnistetaan",
                )
            )
        checked, checked_problem = checked_date(row.get("checked", ""))
        if action == "new":
            if checked_problem:
                problems.append(("checked", checked_problem))
            if bot == "paavo":
                problems.append(
                    (
                        "action",
                        "Paavon uutta tarvetta ei lisätä läpikäyntitaulukosta: lisää se "
                        "taulukkoon services/needs.csv",
                    )
                )
        if action in ("map", "new") and not target:
            problems.append(
                (
                    "target",
                    "kirjoita termin tai tarpeen tunnus"
                    + (" (uusi tunnus: pienet kirjaimet, numerot ja _)" if action == "new" else ""),
                )
            )
        names, by_name = targets.get(bot, ({}, {}))
        if action == "map" and target and bot in TARGET_TABLES and target not in names:
            found = by_name.get(target.casefold(), set())
            if len(found) == 1:
                target = next(iter(found))
            else:
                kind = "termiä" if bot == "tero" else "tarvetta"
                table_name = TARGET_TABLES[bot][0]
                problems.append(
                    (
                        "target",
                        f"{kind} '{target}' ei ole"
                        + (f" (nimi sopii moneen: {', '.join(sorted(found))})" if found else "")
                        + ". "
                        + suggest(target, names, TABLES_BY_NAME[table_name].path),
                    )
                )
        if action == "new" and target in names:
            problems.append(
                (
                    "target",
                    f"termi '{target}' ({names[target]}) on jo olemassa: liitä kysymys siihen "
                    "(action liitä) tai valitse uudelle termille toinen tunnus",
                )
            )
        if action == "new" and target and not ID_PATTERN.match(target):
            problems.append(
                (
                    "target",
                    f"tunnus '{target}' saa sisältää vain pieniä kirjaimia a-z, numeroita, _ ja -"
                    + (
                        f" (esimerkiksi '{re.sub(r'[^a-z0-9_]+', '_', target.casefold()).strip('_')}')"
                        if target.casefold() != target or " " in target
                        else ""
                    ),
                )
            )
        if problems:
            result.errors += [(line, column, message) for column, message in problems]
            result.results.append(RowResult(line, question, False, "virhe (ks. yllä)"))
            continue
        assert action is not None
        rel, phrasing_header = PHRASING_TABLES[bot]
        done = []
        if action == "new":
            term_row = {
                "id": target,
                "term": row.get("term", ""),
                "aliases": "",
                "area": row.get("area", ""),
                "definition": row.get("definition", ""),
                "source_url": row.get("source_url", ""),
                "checked": checked,
                "dimension": row.get("dimension", ""),
                "phase": row.get("phase", ""),
                "services": "",
                # term_sv, definition_sv, ...: the sheet's translations
                **{k: v for k, v in row.items() if _is_translation(k)},
            }
            _append(catalogue_dir / "terms" / "terms.csv", TERM_COLUMNS, [term_row])
            origins.setdefault("terms/terms.csv", []).append(
                _Origin(line, {c: "target" if c == "id" else c for c in term_row})
            )
            done.append(f"uusi termi {target} ({row.get('term', '')})")
        if action in ("map", "new"):
            # The inbox names the language the bot answered in; else detected.
            lang = question_lang or question_language(question, languages)
            texts = [(question, lang, "question")]
            if action == "new":
                texts += [
                    (t, languages[0], "phrasings") for t in split_multi(row.get("phrasings", ""))
                ]
                for other in languages[1:]:
                    texts += [
                        (t, other, f"phrasings_{other}")
                        for t in split_multi(row.get(f"phrasings_{other}", ""))
                    ]
            have = _existing(catalogue_dir / rel, phrasing_header[0])
            fresh, seen = [], set(have)
            for text, text_lang, column in texts:
                marker = (target, " ".join(text.split()).casefold())
                if marker not in seen:
                    seen.add(marker)
                    fresh.append((text, text_lang, column))
            _append(
                catalogue_dir / rel,
                phrasing_header,
                [{phrasing_header[0]: target, "lang": tl, "text": t} for t, tl, _ in fresh],
            )
            origins.setdefault(rel, []).extend(
                _Origin(line, {phrasing_header[0]: "target", "lang": "lang", "text": column})
                for _, _, column in fresh
            )
            if action == "map":
                kind = "termiin" if bot == "tero" else "tarpeeseen"
                done.append(f"liitetään {kind} {target} ({names.get(target, '')}): ")
                done[-1] += (
                    f"uusi ilmaisu ({lang})"
                    if fresh
                    else "ilmaisu oli jo siinä, joten sitä ei lisätty uudelleen"
                )
            else:
                counts = Counter(tl for _, tl, _ in fresh)
                done.append(
                    "ilmaisuja "
                    + ", ".join(f"{counts[code]} ({code})" for code in languages if counts[code])
                )
                done.append(
                    f"tarkistettu {checked}"
                    if checked
                    else "ei tarkistuspäivää: tarkista faktat virallisesta lähteestä ja merkitse "
                    "päivämäärä termin sarakkeeseen checked (taulukko terms/terms.csv)"
                )
        else:
            done.append("ohitetaan: luettelo ei muutu")
        if action != "new" and row.get("checked"):
            done.append("sarake checked koskee vain uutta termiä, joten sitä ei käytetty")
        result.results.append(RowResult(line, question, True, "; ".join(done)))
        result.decisions.append(
            {
                "key": item_key(bot, question),
                "bot": bot,
                "question": question,
                "status": "ignored" if action == "ignore" else "resolved",
                "action": action,
                "target": target,
                "editor": editor,
            }
        )
        changes.append(
            {
                "time": now,
                "editor": editor,
                "action": action,
                "bot": bot,
                "target": target,
                "question": question,
            }
        )
    result.errors += _sheet_problems(validate(catalogue_dir), catalogue_dir, origins, languages)
    bad = {line for line, _, _ in result.errors}
    for row_result in result.results:
        if row_result.taken and row_result.line in bad:
            row_result.taken, row_result.text = False, "virhe (ks. yllä)"
    if changes and not result.errors:
        _append(catalogue_dir / CHANGES, CHANGE_COLUMNS, changes)
    return result


def _sheet_problems(
    problems: list[Problem],
    catalogue_dir: Path,
    origins: dict[str, list[_Origin]],
    languages: tuple[str, ...],
) -> list[tuple[int, str, str]]:
    """The catalogue's problems, each in a row the sheet added pointed back at
    the sheet's row and column (with the value, where the message lacks it);
    any other problem stays at its catalogue file (line 0 of the sheet)."""
    located: dict[tuple[str, int], tuple[_Origin, dict[str, str]]] = {}
    for rel, added in origins.items():
        if not added:
            continue
        rows = read_table(catalogue_dir / rel).rows[-len(added) :]
        for origin, row in zip(added, rows):
            located[(rel, row.line)] = (origin, row.cells)
    found = []
    for problem in problems:
        if (problem.file, problem.line) not in located:
            found.append((0, "", f"luettelossa: {problem}"))
            continue
        origin, cells = located[(problem.file, problem.line)]
        column = origin.columns.get(problem.column, problem.column)
        value = cells.get(problem.column, "")
        message = problem.message
        if problem.topic.startswith("phrasings:"):
            # Too few phrasings of a new term: said as the sheet has them.
            lang = problem.topic.split(":", 1)[1] or languages[0]
            column = "phrasings" if lang == languages[0] else f"phrasings_{lang}"
            have = sum(
                r.cells.get("term_id") == value and (r.cells.get("lang") or languages[0]) == lang
                for r in read_table(catalogue_dir / PHRASING_TABLES["tero"][0]).rows
            )
            message = (
                f"uudella termillä '{value}' on {have} eri ilmaisua kielellä {lang} (kysymys, jos "
                f"se on sillä kielellä, ja sarakkeen {column} ilmaisut); vähintään "
                f"{MIN_PHRASINGS_PER_TERM} tarvitaan: lisää {MIN_PHRASINGS_PER_TERM - have} "
                "puolipisteillä eroteltuna"
            )
            value = ""
        if value and value not in message:
            message += f" (arvo '{value}')"
        found.append((origin.line, column, message))
    return found


def _text(data: bytes) -> str:
    try:
        return decode(data)[0]
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace")


def _files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*.csv"))}


def _write_back(
    before: dict[str, bytes], after: dict[str, bytes], catalogue_dir: Path
) -> list[tuple[str, bytes, bytes]]:
    """The working copy's changed files into `catalogue_dir`, each replaced at
    once (a reader sees the old file or the new one); (path, old, new) of each."""
    changed = []
    for rel in sorted(set(before) | set(after)):
        old, new = before.get(rel, b""), after.get(rel, b"")
        if old != new:
            target = catalogue_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp_target = target.with_suffix(".csv.tmp")
            tmp_target.write_bytes(new)
            tmp_target.replace(target)
            changed.append((rel, old, new))
    return changed


def change_message(decisions: list[dict[str, str]], source: str) -> str:
    """A change's message in the history: where it came from and what it did,
    without the questions' texts (e.g. "Saapuneet: liitä tero -> kela (2)")."""
    counts = Counter(
        (d["action"], d["bot"], d["target"] if d["action"] != "ignore" else "") for d in decisions
    )
    parts = [
        f"{ACTION_NAMES[action]} {bot}" + (f" -> {target}" if target else "") + f" ({n})"
        for (action, bot, target), n in sorted(
            counts.items(), key=lambda item: (list(ACTION_NAMES).index(item[0][0]), item[0][1:])
        )
    ]
    return f"{source}: " + "; ".join(parts)


def _record(
    change: history.Recorder,
    before: dict[str, bytes],
    catalogue_dir: Path,
    account: str,
    message: str,
) -> str:
    """The change a commit of the history; when that fails, the files are put
    back as they were (a change is in the catalogue only with its record)."""
    try:
        return change.record(account, message) or ""
    except history.HistoryError:
        for rel, data in before.items():
            if (catalogue_dir / rel).read_bytes() != data:
                (catalogue_dir / rel).write_bytes(data)
        for path in _files(catalogue_dir).keys() - before.keys():
            (catalogue_dir / path).unlink()
        raise


def apply_rows(
    rows: list[dict[str, str]],
    catalogue_dir: Path,
    editor: str,
    history_dir: Path | None = None,
    source: str = "Saapuneet (toimitus)",
) -> tuple[SheetResult, list[str]]:
    """Rows of the review sheet (EXPORT_COLUMNS; the console's decisions)
    applied to `catalogue_dir` as `import_sheet` applies a sheet: on a copy,
    validated as `make validate` does, and written back only without any
    error; one writer at a time, and with `history_dir` the change a commit of
    the catalogue's history by `editor` (result.revision). Returns the result
    and the catalogue files changed. The caller records the decisions
    (inbox.set_status) and the audit."""
    with (
        history.changing(catalogue_dir, history_dir) as change,
        tempfile.TemporaryDirectory() as tmp,
    ):
        sheet = Path(tmp) / "toimitus.csv"
        write_sheet(sheet, EXPORT_COLUMNS, [{**r, "editor": editor} for r in rows])
        work = Path(tmp) / "catalogue"
        shutil.copytree(catalogue_dir, work)
        before = _files(work)
        result = apply_sheet(sheet, work, editor)
        if result.errors or not result.decisions:
            return result, []
        changed = _write_back(before, _files(work), catalogue_dir)
        if changed:
            message = change_message(result.decisions, source)
            result.revision = _record(change, before, catalogue_dir, editor, message)
    return result, [rel for rel, _, _ in changed]


def import_sheet(sheet: Path, editor: str | None = None, describe: bool = True) -> int:
    """`describe`: say how the sheet was read and what became of each row (an
    interactive decision, one row, needs neither)."""
    settings = load_settings()
    catalogue_dir = settings.catalogue_dir
    with (
        history.changing(catalogue_dir, settings.history_dir) as change,
        tempfile.TemporaryDirectory() as tmp,
    ):
        work = Path(tmp) / "catalogue"
        shutil.copytree(catalogue_dir, work)
        before = _files(work)
        result = apply_sheet(sheet, work, editor)
        if result.format and describe:
            rows = "1 rivi" if result.rows == 1 else f"{result.rows} riviä"
            print(f"Luettiin {sheet.name}: {rows} ({result.format.describe()}).")
        for note in result.notes:
            print(note)
        if result.errors:
            lines = result.error_lines(sheet.name)
            errors = "1 virhe" if len(lines) == 1 else f"{len(lines)} virhettä"
            print(f"Taulukossa on {errors}, joten mitään ei muutettu:", file=sys.stderr)
            for message in lines:
                print(f"  {message}", file=sys.stderr)
            fine = [r.line for r in result.results if r.taken]
            if fine and describe:
                print(
                    "Rivit ilman virheitä ("
                    + ", ".join(str(n) for n in fine)
                    + ") otetaan, kun virheet on korjattu.",
                    file=sys.stderr,
                )
            print(
                "Korjaa taulukko ja tuo se uudelleen. (Nothing was changed.)",
                file=sys.stderr,
            )
            return 1
        if not result.decisions:
            print(
                f"Yhtään kysymystä ei käsitelty: sarake action on tyhjä kaikilla {result.rows} "
                "rivillä. Kirjoita jokaiselle käsiteltävälle kysymykselle action (liitä, uusi tai "
                "ohita) ja tallenna taulukko ennen kuin tuot sen. (Nothing was changed.)",
                file=sys.stderr,
            )
            return 1
        changed = _write_back(before, _files(work), catalogue_dir)
        for rel, old, new in changed:
            sys.stdout.writelines(
                difflib.unified_diff(
                    _text(old).splitlines(keepends=True),
                    _text(new).splitlines(keepends=True),
                    fromfile=f"a/catalogue/{rel}",
                    tofile=f"b/catalogue/{rel}",
                )
            )
        if changed:
            editors = ", ".join(sorted({d["editor"] for d in result.decisions}))
            message = change_message(result.decisions, f"Taulukko {sheet.name}")
            result.revision = _record(change, before, catalogue_dir, editors, message)
    if describe:
        print("\nOtettu:")
        for r in result.results:
            if r.taken:
                print(f"  rivi {r.line} ({r.question}): {r.text}")
        skipped = [r for r in result.results if not r.taken]
        if skipped:
            print("Ei otettu:")
            for r in skipped:
                print(f"  rivi {r.line} ({r.question}): {r.text}")
    if result.revision:
        print(f"\nMuutos on luettelon historiassa: versio {result.revision[:10]}.")
    set_status(settings.log_url, result.decisions)
    resolved = sum(d["status"] == "resolved" for d in result.decisions)
    count = len(result.decisions)
    print(
        f"\n{count} {'kysymys' if count == 1 else 'kysymystä'} käsitelty ({resolved} luetteloon). "
        "Julkaise muutokset boteille: make publish"
    )
    return 0
