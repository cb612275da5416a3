"""`make review ARGS="--interactive"`: the review inbox one question at a time.

For each pending question the editor chooses: map it to one of the bot's
guesses (or any term/need id), create a new term, ignore it, skip it or quit.
Each decision goes through the same path as an imported sheet
(studybots/review/editing.py): validated first, shown as a diff, recorded with the
editor's name and the time.
"""

from __future__ import annotations

import csv
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from studybots.catalogue.load import load_catalogue
from studybots.core.settings import Settings, load_settings
from studybots.review.editing import import_sheet
from studybots.review.inbox import EXPORT_COLUMNS, inbox

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


def _labels(settings: Settings) -> dict[str, dict[str, str]]:
    """The catalogue's codes the new-term prompts list (its own areas and phases)."""
    labels = load_catalogue(settings.catalogue_dir).labels
    return {"area": labels["area"], "phases": labels["phase"]}


def _apply(row: dict[str, str], editor: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        sheet = Path(tmp) / "kysymys.csv"
        with sheet.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerow({**{c: "" for c in EXPORT_COLUMNS}, **row, "editor": editor})
        return import_sheet(sheet, editor)


def run(
    editor: str, bot: str | None = None, ask: Callable[[str], str] = input, out: TextIO = sys.stdout
) -> int:
    settings = load_settings()
    items = inbox(settings.log_url, bot)
    if not items:
        print("Ei käsiteltäviä kysymyksiä. (Inbox is empty.)", file=out)
        return 0
    for number, item in enumerate(items, 1):
        row = item.as_row()
        guesses = [g for g in row["best_guesses"].split(";") if g]
        lang = f" ({row['lang']})" if row["lang"] else ""
        print(
            f"\n[{number}/{len(items)}] {row['count']}× [{row['bot']}]{lang} {row['question']}",
            file=out,
        )
        print(f"  syy: {row['reasons']}", file=out)
        for i, guess in enumerate(guesses, 1):
            print(f"  {i}) {guess}", file=out)
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
                decision = {**base, "action": "map", "target": ask("  tunnus: ").strip()}
            elif choice == "n" and row["bot"] == "tero":
                decision = {**base, "action": "new"}
                codes = {name: ", ".join(labels) for name, labels in _labels(settings).items()}
                for field, prompt in NEW_TERM_FIELDS:
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
