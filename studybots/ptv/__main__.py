"""Import PTV services into the service database.

    python -m studybots.ptv import --files catalogue/ptv/v11 more.json
    python -m studybots.ptv import --municipality 853 [--base-url URL] [--since auto|DATE]
                                   [--save DIR] [--whole-country] [--no-channels]

Writes into $STUDYBOTS_DATABASE_URL (default var/catalogue.db), or
--database-url. Unchanged services are not touched; bad records are listed
with their id and skipped. Exit status 0 when the import ran (even with
skipped records), 1 when the source could not be read at all.
Note: `make build` rebuilds the database from the catalogue; to keep fetched
services across builds, save them into catalogue/ptv/v11/ with --save.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

from studybots.catalogue.validate import load_code_lists
from studybots.core import db
from studybots.core.settings import load_settings
from studybots.ptv.client import (
    DEFAULT_BASE_URL,
    FetchError,
    PageProgress,
    PtvClient,
    read_files,
    save_page,
)
from studybots.ptv.importer import PtvImporter, last_modified, parse_time
from studybots.ptv.v11 import PtvV11Reader

CODE_SCHEMES = ("life_event", "target_group", "service_class")
MAX_LISTED = 30


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m studybots.ptv", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    imp = commands.add_parser("import", help="import PTV v11 JSON from files or the API")
    source = imp.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--files", nargs="+", type=Path, metavar="PATH", help="JSON files or folders of them"
    )
    source.add_argument(
        "--municipality",
        metavar="CODE",
        help="fetch this municipality's services from the API (853 = Turku)",
    )
    imp.add_argument("--base-url", default=DEFAULT_BASE_URL, help=f"default {DEFAULT_BASE_URL}")
    imp.add_argument(
        "--whole-country",
        action="store_true",
        help="with --municipality: include nationwide services",
    )
    imp.add_argument(
        "--no-channels",
        action="store_true",
        help="with --municipality: do not fetch the service channels",
    )
    imp.add_argument(
        "--save",
        type=Path,
        metavar="DIR",
        help="with --municipality: keep each fetched page as JSON in DIR",
    )
    imp.add_argument(
        "--since",
        metavar="DATE|auto",
        help="only records modified after DATE (ISO 8601); 'auto': after the "
        "newest one an earlier import of the same source saw",
    )
    imp.add_argument("--database-url", help="default: $STUDYBOTS_DATABASE_URL or var/catalogue.db")
    imp.add_argument("--retries", type=int, default=5)
    imp.add_argument("--batch-size", type=int, default=500)
    imp.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = load_settings()
    url = args.database_url or settings.database_url
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    codes, _problems = load_code_lists(settings.catalogue_dir)
    known = {s: codes[s] for s in CODE_SCHEMES if codes.get(s)}
    reader = PtvV11Reader()
    engine = db.engine(url)
    state_key = (
        f"v11:municipality:{args.municipality}{':whole-country' if args.whole_country else ''}"
        if args.municipality
        else None
    )
    since = None
    if args.since == "auto":
        previous = last_modified(engine, state_key) if state_key else None
        if state_key is None:
            print(
                "--since auto needs --municipality (files have no import history)", file=sys.stderr
            )
            return 1
        since = parse_time(previous)
        print(f"incremental: records modified after {previous or '(no earlier import)'}")
    elif args.since:
        since = parse_time(args.since)
        if since is None:
            print(
                f"--since {args.since!r} is not a date (use e.g. 2024-05-31 or "
                f"2024-05-31T12:00:00)",
                file=sys.stderr,
            )
            return 1
    importer = PtvImporter(
        engine,
        home_municipality=args.municipality or "853",
        known_codes=known,
        batch_size=args.batch_size,
        progress=not args.no_progress,
        since=since,
        state_key=state_key,
    )
    started = time.perf_counter()
    try:
        if args.files:
            report = importer.run(read_files(args.files, reader))
            source = ", ".join(str(p) for p in args.files)
        else:
            client = PtvClient(args.base_url, retries=args.retries)
            progress = PageProgress()
            kinds = ["Service"] + ([] if args.no_channels else ["ServiceChannel"])

            def items():
                for kind in kinds:
                    kind_progress = PageProgress()
                    for page in client.municipality_pages(
                        args.municipality, kind, args.whole_country, kind_progress
                    ):
                        progress.page_count = kind_progress.page_count
                        progress.page_size = kind_progress.page_size
                        if args.save:
                            save_page(
                                args.save,
                                f"{kind.lower()}-{args.municipality}-page-"
                                f"{kind_progress.pages:04d}",
                                page,
                            )
                        yield from reader.read_document(page, f"{kind} page {kind_progress.pages}")

            report = importer.run(items(), total=lambda: progress.expected_items)
            source = f"{args.base_url} municipality {args.municipality}"
    except FetchError as exc:
        print(f"PTV import stopped: {exc}", file=sys.stderr)
        print(
            "Nothing after the last complete batch was written; run the same command "
            "again (unchanged services are skipped).",
            file=sys.stderr,
        )
        return 1
    finally:
        engine.dispose()
    elapsed = time.perf_counter() - started
    for problem in itertools.islice(report.problems, MAX_LISTED):
        print(f"skipped: {problem}", file=sys.stderr)
    if len(report.problems) > MAX_LISTED:
        print(f"... and {len(report.problems) - MAX_LISTED} more skipped", file=sys.stderr)
    for warning in report.warnings[:MAX_LISTED]:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"PTV import from {source} into {url} in {elapsed:.1f} s")
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
