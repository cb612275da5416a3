"""Apply an editor's filled-in review sheet to the catalogue, without programming.

For each row of the sheet (see `make review ARGS="--csv FILE"`):
- action `map` (or `liitä`): the question becomes a new phrasing of the term
  (Tero) or need (Paavo) named in `target`;
- action `new` (or `uusi`), Tero only: a new term row with id `target` and
  the given term, definition, source_url, area, dimension and phase; the
  question and the `phrasings` (separated by ';') become its phrasings;
- action `ignore` (or `ohita`): nothing changes in the catalogue.

The changes are made on a copy and validated first: if anything is wrong,
the problems are listed (file, row, column) and nothing changes. Otherwise
the catalogue files are updated, the change is printed as a diff, and each
decision is recorded with the editor's name and the time, both in the
inbox (status resolved/ignored) and in catalogue/changes.csv.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import shutil
import sys
import tempfile
from pathlib import Path

from studybots.catalogue import meta
from studybots.catalogue.tables import split_multi
from studybots.catalogue.validate import validate_catalogue
from studybots.core.language import LANGUAGES, SWITCH, detect
from studybots.core.settings import load_settings
from studybots.review.inbox import item_key, set_status

ACTIONS = {
    "map": "map",
    "liitä": "map",
    "new": "new",
    "uusi": "new",
    "ignore": "ignore",
    "ohita": "ignore",
}
PHRASING_TABLES = {
    "tero": ("terms/phrasings.csv", ["term_id", "lang", "text"]),
    "paavo": ("services/need_phrasings.csv", ["need_id", "lang", "text"]),
}
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
CHANGES = "changes.csv"
CHANGE_COLUMNS = ["time", "editor", "action", "bot", "target", "question"]


def _append(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    """Append `rows` under the file's own header (`header` for a new file):
    columns the file has and the rows lack stay empty."""
    new_file = not path.exists()
    text = "" if new_file else path.read_text(encoding="utf-8")
    if text:
        header = next(csv.reader(io.StringIO(text.splitlines()[0])))
    with path.open("a", encoding="utf-8", newline="") as fh:
        if text and not text.endswith("\n"):
            fh.write("\n")
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        if new_file:
            writer.writeheader()
        writer.writerows(rows)


def _existing(path: Path, column: str) -> set[tuple[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {(r[column], " ".join(r["text"].split()).casefold()) for r in csv.DictReader(fh)}


def _is_translation(column: str) -> bool:
    base, _, lang = column.rpartition("_")
    return lang in LANGUAGES and base in ("term", "aliases", "definition", "source_url")


def question_language(question: str, languages: tuple[str, ...]) -> str:
    """The language a mapped question adds its phrasing in: the one it is
    clearly written in, else the catalogue's own."""
    found = detect(question, languages)
    return found.language if found.language and found.confidence >= SWITCH else languages[0]


def apply_sheet(
    sheet: Path, catalogue_dir: Path, default_editor: str | None
) -> tuple[list[str], list[dict[str, str]]]:
    """Apply the sheet to `catalogue_dir` in place. Returns (errors, decisions)."""
    errors: list[str] = []
    decisions: list[dict[str, str]] = []
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    with sheet.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    languages = meta.languages(meta.read(catalogue_dir))
    changes = []
    for line, row in enumerate(rows, start=2):
        row = {k: (v or "").strip() for k, v in row.items() if k}
        if not row.get("action"):
            continue
        where = f"{sheet.name}, rivi {line}"
        action = ACTIONS.get(row["action"].casefold())
        editor = row.get("editor") or default_editor or ""
        bot, question, target = row.get("bot", ""), row.get("question", ""), row.get("target", "")
        if action is None:
            errors.append(f"{where}, sarake 'action': '{row['action']}' ei ole map, new tai ignore")
            continue
        if not editor:
            errors.append(f"{where}, sarake 'editor': kirjoita nimesi (or use --editor)")
            continue
        if bot not in PHRASING_TABLES or not question:
            errors.append(
                f"{where}: sarakkeet 'bot' ja 'question' tulevat inboxista; älä muuta niitä"
            )
            continue
        if action in ("map", "new") and not target:
            errors.append(f"{where}, sarake 'target': kirjoita termin tai tarpeen tunnus")
            continue
        question_lang = row.get("lang", "").casefold()
        if question_lang and question_lang not in languages:
            errors.append(
                f"{where}, sarake 'lang': '{row['lang']}' ei ole luettelon kieli "
                f"({', '.join(languages)}); jätä tyhjäksi, niin kieli tunnistetaan"
            )
            continue
        rel, header = PHRASING_TABLES[bot]
        if action == "new":
            if bot != "tero":
                errors.append(f"{where}: Paavon uusi tarve lisätään taulukkoon services/needs.csv")
                continue
            _append(
                catalogue_dir / "terms" / "terms.csv",
                TERM_COLUMNS,
                [
                    {
                        "id": target,
                        "term": row.get("term", ""),
                        "aliases": "",
                        "area": row.get("area", ""),
                        "definition": row.get("definition", ""),
                        "source_url": row.get("source_url", ""),
                        "checked": now[:10],
                        "dimension": row.get("dimension", ""),
                        "phase": row.get("phase", ""),
                        "services": "",
                        # term_sv, definition_sv, ...: the sheet's translations
                        **{k: v for k, v in row.items() if _is_translation(k)},
                    }
                ],
            )
        if action in ("map", "new"):
            # The inbox names the language the bot answered in; else detected.
            texts = [(question, question_lang or question_language(question, languages))]
            if action == "new":
                texts += [(t, languages[0]) for t in split_multi(row.get("phrasings", ""))]
                for lang in languages[1:]:
                    texts += [(t, lang) for t in split_multi(row.get(f"phrasings_{lang}", ""))]
            have = _existing(catalogue_dir / rel, header[0])
            fresh = [
                (t, lang)
                for t, lang in texts
                if (target, " ".join(t.split()).casefold()) not in have
            ]
            _append(
                catalogue_dir / rel,
                header,
                [{header[0]: target, "lang": lang, "text": t} for t, lang in fresh],
            )
        status = "ignored" if action == "ignore" else "resolved"
        decisions.append(
            {
                "key": item_key(bot, question),
                "bot": bot,
                "question": question,
                "status": status,
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
    if changes and not errors:
        _append(catalogue_dir / CHANGES, CHANGE_COLUMNS, changes)
    return errors, decisions


def _files(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): p.read_text(encoding="utf-8")
        for p in sorted(directory.rglob("*.csv"))
    }


def import_sheet(sheet: Path, editor: str | None = None) -> int:
    settings = load_settings()
    catalogue_dir = settings.catalogue_dir
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "catalogue"
        shutil.copytree(catalogue_dir, work)
        before = _files(work)
        try:
            errors, decisions = apply_sheet(sheet, work, editor)
        except (OSError, csv.Error, UnicodeDecodeError) as exc:
            print(f"{sheet}: taulukkoa ei voitu lukea: {exc}", file=sys.stderr)
            return 1
        problems = [str(p) for p in validate_catalogue(work)] if not errors else []
        if errors or problems:
            for message in errors + problems:
                print(f"  {message}", file=sys.stderr)
            print(
                "Mitään ei muutettu. Korjaa taulukko ja tuo se uudelleen. (Nothing was changed.)",
                file=sys.stderr,
            )
            return 1
        after = _files(work)
        for rel in sorted(set(before) | set(after)):
            old, new = before.get(rel, ""), after.get(rel, "")
            if old != new:
                sys.stdout.writelines(
                    difflib.unified_diff(
                        old.splitlines(keepends=True),
                        new.splitlines(keepends=True),
                        fromfile=f"a/catalogue/{rel}",
                        tofile=f"b/catalogue/{rel}",
                    )
                )
                target = catalogue_dir / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp_target = target.with_suffix(".csv.tmp")
                tmp_target.write_text(new, encoding="utf-8")
                tmp_target.replace(target)
    if decisions:
        set_status(load_settings().log_url, decisions)
    resolved = sum(d["status"] == "resolved" for d in decisions)
    print(
        f"\n{len(decisions)} kysymystä käsitelty ({resolved} luetteloon). "
        "Julkaise muutokset boteille: make publish"
    )
    return 0
