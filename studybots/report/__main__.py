"""`make report`: what students ask, for a period, as an HTML page and CSV files.

    python -m studybots.report --from 2026-09-01 --to 2026-11-30 [--out DIR] [--url URL]

Writes DIR/raportti.html (pictures inline) and one CSV file per figure, with
exactly the values the page shows (small counts hidden).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from pathlib import Path

from studybots.catalogue.load import load_or_report
from studybots.core.settings import load_settings
from studybots.questionlog.model import ensure_schema, make_log_engine
from studybots.report import figures, html, plots
from studybots.report.texts import LANGUAGES

PAGE = "raportti.html"


def write_csv(table: figures.Table, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(table.columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(table.rows)


def write_report(
    url: str,
    period: figures.Period,
    out: Path,
    catalogue,
    lang: str = "fi",
    today: dt.date | None = None,
) -> Path:
    engine = make_log_engine(url)
    try:
        ensure_schema(engine)
        tables = figures.compute(engine, period, catalogue)
    finally:
        engine.dispose()
    out.mkdir(parents=True, exist_ok=True)
    for table in tables.values():
        write_csv(table, out / f"{table.name}.csv")
    page = out / PAGE
    page.write_text(
        html.render(
            tables,
            plots.draw_all(tables, lang),
            period,
            lang,
            today,
            life_event=str((catalogue.meta.get("life_event") or {}).get(lang) or ""),
        ),
        encoding="utf-8",
    )
    return page


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    today = dt.date.today()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--from",
        dest="first",
        type=dt.date.fromisoformat,
        help="first day, YYYY-MM-DD (default: 12 weeks before --to)",
    )
    parser.add_argument(
        "--to",
        dest="last",
        type=dt.date.fromisoformat,
        help="last day, YYYY-MM-DD (default: yesterday)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=settings.var_dir / "report",
        help="folder for the page and the CSV files (default var/report)",
    )
    parser.add_argument(
        "--url",
        default=settings.log_url,
        help="the question log (default STUDYBOTS_LOG_URL or var/log.db)",
    )
    parser.add_argument("--lang", choices=LANGUAGES, default="fi")
    args = parser.parse_args(argv)
    last = args.last or today - dt.timedelta(days=1)
    first = args.first or last - dt.timedelta(weeks=12) + dt.timedelta(days=1)
    if last < first:
        parser.error("--to is before --from")
    catalogue = load_or_report(settings.catalogue_dir, "Report")
    if catalogue is None:
        return 1
    page = write_report(
        args.url, figures.Period(first, last), args.out, catalogue, args.lang, today
    )
    print(f"report {first}–{last} written to {page} (CSV files next to it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
