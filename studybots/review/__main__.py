"""`make review`: the editors' inbox of questions the bots did not handle well.

`--csv FILE` writes the pending questions for a spreadsheet; the editor fills
in `action` (map, new or ignore), `target` and, for a new term, its row;
`--import FILE` applies the sheet to the catalogue (studybots/review/editing.py),
shows the change as a diff and records who did what and when;
`--interactive` goes through the questions one at a time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from studybots.core.names import BOTS
from studybots.core.settings import load_settings
from studybots.review.editing import import_sheet
from studybots.review.inbox import inbox, target_names, write_csv
from studybots.review.interactive import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bot", choices=BOTS)
    parser.add_argument("--csv", type=Path, help="write the inbox to this CSV file")
    parser.add_argument(
        "--comma",
        action="store_true",
        help="separate the sheet's columns by commas (default: semicolons, as a Finnish Excel)",
    )
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--all", action="store_true", help="also resolved and ignored")
    parser.add_argument(
        "--import",
        dest="import_file",
        type=Path,
        help="apply an edited inbox sheet to the catalogue",
    )
    parser.add_argument("--editor", help="your name, recorded with each change")
    parser.add_argument(
        "--interactive", action="store_true", help="go through the pending questions one at a time"
    )
    args = parser.parse_args(argv)
    if args.interactive:
        editor = args.editor or input("Nimesi (your name): ").strip()
        if not editor:
            parser.error("an editor name is required")
        return run(editor, args.bot)
    if args.import_file:
        return import_sheet(args.import_file, args.editor)
    statuses = ("pending", "resolved", "ignored") if args.all else ("pending",)
    settings = load_settings()
    items = inbox(settings.log_url, args.bot, statuses)
    names = target_names(settings.catalogue_dir)
    if args.csv:
        write_csv(items, args.csv, names, "," if args.comma else ";")
        count = "1 kysymys" if len(items) == 1 else f"{len(items)} kysymystä"
        print(
            f"{count} kirjoitettu tiedostoon {args.csv} (CSV UTF-8, "
            f"{'pilkuilla' if args.comma else 'puolipisteillä'} eroteltu). "
            "Avaa se Excelissä tai LibreOffice Calcissa."
        )
        return 0
    if not items:
        print("Ei käsiteltäviä kysymyksiä. (Inbox is empty.)")
        return 0
    for item in items[: args.limit]:
        row = item.sheet_row(names)
        status = "" if item.status == "pending" else f" ({row['status']})"
        print(f"{row['count']:>4}× [{row['bot']}] {row['question']}{status}")
        print(f"       syy: {row['reasons']}   arvaukset: {row['best_guesses'] or '-'}")
    if len(items) > args.limit:
        print(f"... and {len(items) - args.limit} more (--limit, --csv)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
