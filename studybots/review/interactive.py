"""`make review ARGS="--interactive"`: the review inbox one question at a time.

For each pending question the editor chooses: map it to one of the bot's
guesses (or any term/need id), create a new term, ignore it, skip it or quit.
Each decision goes through the same path as an imported sheet
(studybots/review/editing.py): validated first, shown as a diff, recorded with the
editor's name and the time.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from studybots.catalogue import meta
from studybots.catalogue.load import load_catalogue
from studybots.catalogue.tables import write_sheet
from studybots.core.settings import Settings, load_settings
from studybots.review.editing import import_sheet
from studybots.review.inbox import EXPORT_COLUMNS, inbox, target_names

NEW_TERM_FIELDS = [
    ("target", "uuden termin tunnus (esim. hoas)"),
    ("term", "termin nimi"),
    ("definition", "määritelmä (1-3 virkettä)"),
    ("source_url", "virallinen lähde (https://...)"),
    ("area", "aihealue ({area})"),
    ("dimension", "hyvinvoinnin ulottuvuus 1-8"),
    ("phase", "elämäntapahtuman vaihe ({phases})"),
    ("phrasings", "vähintään 7 muuta ilmaisua puolipisteillä eroteltuina"),
]
# The same in every other switched-on language (catalogue.yml).
TRANSLATED_FIELDS = [
    ("term", "termin nimi kielellä {lang}"),
    ("definition", "määritelmä kielellä {lang}"),
    ("phrasings", "vähintään 8 ilmaisua kielellä {lang} puolipisteillä eroteltuina"),
]
# The date is set only on the editor's word (editing.checked_date).
CHECKED_FIELD = (
    "checked",
    "tarkistitko faktat virallisesta lähteestä? kyllä = tarkistettu tänään, tyhjä = ei tarkistettu",
)


def new_term_fields(languages: tuple[str, ...]) -> list[tuple[str, str]]:
    """The prompts for a new term in a catalogue of `languages` (its own first)."""
    fields = list(NEW_TERM_FIELDS)
    for lang in languages[1:]:
        fields += [
            (f"{name}_{lang}", prompt.replace("{lang}", lang)) for name, prompt in TRANSLATED_FIELDS
        ]
    return [*fields, CHECKED_FIELD]


def _labels(settings: Settings) -> dict[str, dict[str, str]]:
    """The catalogue's codes the new-term prompts list (its own areas and phases)."""
    labels = load_catalogue(settings.catalogue_dir).labels
    return {"area": labels["area"], "phases": labels["phase"]}


def _apply(row: dict[str, str], editor: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        sheet = Path(tmp) / "kysymys.csv"
        write_sheet(sheet, EXPORT_COLUMNS, [{**row, "editor": editor}])
        return import_sheet(sheet, editor, describe=False)


def run(
    editor: str, bot: str | None = None, ask: Callable[[str], str] = input, out: TextIO = sys.stdout
) -> int:
    settings = load_settings()
    items = inbox(settings.log_url, bot)
    names = target_names(settings.catalogue_dir)
    if not items:
        print("Ei käsiteltäviä kysymyksiä. (Inbox is empty.)", file=out)
        return 0
    for number, item in enumerate(items, 1):
        row = item.sheet_row(names)
        guesses = item.guess_ids()
        known = names.get(item.bot, {})
        lang = f" ({row['lang']})" if row["lang"] else ""
        print(
            f"\n[{number}/{len(items)}] {row['count']}× [{row['bot']}]{lang} {row['question']}",
            file=out,
        )
        print(f"  syy: {row['reasons']}", file=out)
        for i, guess in enumerate(guesses, 1):
            print(f"  {i}) {known.get(guess) or guess}", file=out)
        while True:
            choice = (
                ask(
                    "  numero = liitä arvaukseen, m = liitä tunnukseen, n = uusi termi, "
                    "i = ohita, s = seuraava, q = lopeta: "
                )
                .strip()
                .casefold()
            )
            if choice == "q":
                return 0
            if choice in ("s", ""):
                break
            # A mapped question becomes a phrasing in the language it was answered in.
            base = {"bot": row["bot"], "question": row["question"], "lang": row["lang"]}
            if choice.isdigit() and 1 <= int(choice) <= len(guesses):
                decision = {**base, "action": "map", "target": guesses[int(choice) - 1]}
            elif choice == "m":
                decision = {
                    **base,
                    "action": "map",
                    "target": ask("  tunnus tai nimi: ").strip(),
                }
            elif choice == "n" and row["bot"] == "tero":
                decision = {**base, "action": "new"}
                codes = {name: ", ".join(labels) for name, labels in _labels(settings).items()}
                languages = meta.languages(meta.read(settings.catalogue_dir))
                for field, prompt in new_term_fields(languages):
                    decision[field] = ask(f"  {prompt.format(**codes)}: ").strip()
            elif choice == "i":
                decision = {**base, "action": "ignore"}
            else:
                print("  Tuntematon valinta.", file=out)
                continue
            if _apply(decision, editor) == 0:
                break
            print("  Muutosta ei tehty; valitse uudelleen.", file=out)
    return 0
