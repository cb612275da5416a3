"""Copy the real PTV service sheets into catalogue/ptv/services.csv.

One-off import from the AuroraAI test sheets (see catalogue/SOURCES.md):
the Turku sheet, the national sheet and the Turku rows (municipality 853) of
the municipality sheet. PTV ids are kept; a service listed in several sheets
is kept once. Usage: python scripts/import_ptv_sheets.py SHARED_PTV_SERVICES_DIR
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from studybots.catalogue.tables import write_table
from studybots.core.settings import load_settings

METERS = [
    "terveys",
    "vaikeuksien voittaminen",
    "asuminen",
    "opiskelu tai työ",
    "perhe",
    "ystävät",
    "raha-asiat",
    "itsensä kehittäminen",
    "itsetunto",
    "tyytyväisyys elämään",
    "EI MUKAAN",
]
SHEETS = [
    ("palvelut_turku_oulu_mikkeli__Turku.csv", "turku", "853"),
    ("palvelut_turku_oulu_mikkeli__kansalliset.csv", "kansalliset", ""),
    ("services_national_mikkeli_turku_oulu__services.csv", "kunnat", None),
]


def main(source: Path) -> int:
    rows: dict[str, dict[str, str]] = {}
    for filename, sheet, municipality in SHEETS:
        with (source / filename).open(encoding="utf-8-sig", newline="") as fh:
            for record in csv.DictReader(fh):
                code = record.get("municipalityCode", "")
                if municipality is None and code != "853":
                    continue
                pid = (record.get("id") or "").strip().lower()
                if not pid or pid in rows:
                    continue
                marks = [m for m in METERS if (record.get(m) or "").strip().lower() == "x"]
                rows[pid] = {
                    "id": pid,
                    "municipality": municipality if municipality is not None else code,
                    "name": " ".join((record.get("Name") or "").split()),
                    "summary": " ".join((record.get("serviceSummary") or "").split()),
                    "wellbeing": ";".join(m.replace(";", ",") for m in marks),
                    "source_sheet": sheet,
                }
    out = load_settings().catalogue_dir / "ptv" / "services.csv"
    write_table(
        out,
        ["id", "municipality", "name", "summary", "wellbeing", "source_sheet"],
        list(rows.values()),
    )
    print(f"wrote {len(rows)} PTV services to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
