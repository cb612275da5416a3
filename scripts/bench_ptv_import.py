"""PTV import at scale: 30,000 services (target: imported in <= 2 min).

The services are synthesised from real PTV data: the two v11 service
examples in catalogue/ptv/v11/ give the wire shape (texts, classes with their
fi/sv/en descriptions, ontology terms, organisations, channel links), the
1191 real rows of catalogue/ptv/services.csv give names, summaries and
municipalities; ids, names and 'modified' are varied so every service is
distinct. They are written as API-like pages of 100 into a temporary folder
and imported with the real importer (files -> v11 reader -> database), then
imported again (nothing may change).

    python scripts/bench_ptv_import.py [--services 30000] [--database-url URL]

Also a section of scripts/bench.py (`make bench`). Prints figures; the exit
status is 1 only if the re-import changed something.
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from studybots.core import db
from studybots.core.settings import PROJECT_ROOT
from studybots.ptv.client import read_files
from studybots.ptv.importer import PtvImporter
from studybots.ptv.v11 import PtvV11Reader

TARGET_SECONDS = 120
PAGE_SIZE = 100
NAMESPACE = uuid.UUID("5d0f6a52-8d1b-4d1e-9a53-3b8e6c4f0c11")
TURKU_NAMES = [
    {"value": "Åbo", "language": "sv"},
    {"value": "Turku", "language": "en"},
    {"value": "Turku", "language": "fi"},
]


def _templates() -> list[dict]:
    folder = PROJECT_ROOT / "catalogue" / "ptv" / "v11"
    single = json.loads((folder / "etalukio_service.json").read_text(encoding="utf-8"))
    several = json.loads((folder / "services.json").read_text(encoding="utf-8"))
    return [single, *several.values()]


def _rows() -> list[dict]:
    with (PROJECT_ROOT / "catalogue" / "ptv" / "services.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def synthesise(count: int, folder: Path) -> int:
    """Write `count` distinct v11 services as page files; returns bytes written."""
    templates, rows = _templates(), _rows()
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    page: list[dict] = []
    pages = 0

    def flush() -> None:
        nonlocal page, pages, written
        if not page:
            return
        pages += 1
        data = json.dumps(
            {
                "pageNumber": pages,
                "pageSize": PAGE_SIZE,
                "pageCount": -(-count // PAGE_SIZE),
                "itemList": page,
            },
            ensure_ascii=False,
        )
        (folder / f"service-page-{pages:05d}.json").write_text(data, encoding="utf-8")
        written += len(data.encode("utf-8"))
        page = []

    for i in range(count):
        row = rows[i % len(rows)]
        round_ = i // len(rows)
        service = copy.copy(templates[i % len(templates)])  # shared parts stay shared
        service["id"] = str(uuid.uuid5(NAMESPACE, str(i)))
        name = row["name"] if round_ == 0 else f"{row['name']} ({round_ + 1})"
        service["serviceNames"] = [{"language": "fi", "value": name, "type": "Name"}]
        summary = row["summary"] or name
        descriptions = [
            d for d in service["serviceDescriptions"] if d.get("type") not in ("Summary",)
        ]
        service["serviceDescriptions"] = descriptions + [
            {"language": "fi", "value": summary, "type": "Summary"}
        ]
        if row["municipality"]:
            service["areaType"] = "LimitedType"
            service["areas"] = [
                {
                    "type": "Municipality",
                    "code": None,
                    "name": None,
                    "municipalities": [{"code": row["municipality"], "name": TURKU_NAMES}],
                }
            ]
        else:
            service["areaType"] = "Nationwide"
            service["areas"] = []
        service["modified"] = f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00.{i:06d}"
        page.append(service)
        if len(page) == PAGE_SIZE:
            flush()
    flush()
    return written


def run(
    count: int = 30000, database_url: str | None = None, progress: bool = False, out=print
) -> dict:
    """The benchmark; prints its lines through `out` and returns the figures."""
    with tempfile.TemporaryDirectory(prefix="bench-ptv-") as tmp:
        tmp = Path(tmp)
        started = time.perf_counter()
        size = synthesise(count, tmp / "pages")
        out(
            f"synthesised {count} PTV v11 services from {len(_rows())} real rows: "
            f"{size / 1e6:.0f} MB of JSON in {time.perf_counter() - started:.1f} s (not timed)"
        )
        url = database_url or f"sqlite:///{tmp / 'ptv.db'}"
        engine = db.engine(url)
        try:
            started = time.perf_counter()
            first = PtvImporter(engine, progress=progress).run(
                read_files([tmp / "pages"], PtvV11Reader()), total=count
            )
            import_seconds = time.perf_counter() - started
            out(
                f"PTV import of {count} services into {engine.dialect.name}: "
                f"{import_seconds:.1f} s ({count / import_seconds:.0f} services/s; target "
                f"<= {TARGET_SECONDS} s for 30000) - {first.services_added} added, "
                f"{len(first.problems)} skipped"
            )
            started = time.perf_counter()
            second = PtvImporter(engine, progress=progress).run(
                read_files([tmp / "pages"], PtvV11Reader()), total=count
            )
            again_seconds = time.perf_counter() - started
            out(
                f"re-import of the same {count}: {again_seconds:.1f} s, "
                f"{second.changed} changed (must be 0)"
            )
        finally:
            engine.dispose()
        if database_url is None:
            out(f"database size: {(tmp / 'ptv.db').stat().st_size / 1e6:.0f} MB (SQLite)")
    return {
        "services": count,
        "import_seconds": import_seconds,
        "reimport_seconds": again_seconds,
        "reimport_changed": second.changed,
        "skipped": len(first.problems),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=30000)
    parser.add_argument(
        "--database-url",
        help="default: a temporary SQLite file; a "
        "PostgreSQL URL should point at an empty database or schema",
    )
    parser.add_argument("--progress", action="store_true", help="show the progress bar")
    args = parser.parse_args(argv)
    print("PTV import benchmark (this machine, 2 cores shared)")
    figures = run(args.services, args.database_url, args.progress)
    return 1 if figures["reimport_changed"] else 0


if __name__ == "__main__":
    sys.exit(main())
