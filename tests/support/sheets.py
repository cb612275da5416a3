"""The editor's spreadsheet in tests: read a sheet the review tools wrote, and
save it back the way a spreadsheet in a Finnish locale does."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from studybots.catalogue.tables import read_table

# (encoding, byte order mark, delimiter, line end) of the saves editors make.
FINNISH_EXCEL = ("utf-8", True, ";", "\r\n")  # Excel: "CSV UTF-8 (pilkuin eroteltu)"
OLD_EXCEL = ("cp1252", False, ";", "\r\n")  # Excel before 2016: "CSV (pilkuin eroteltu)"
LIBREOFFICE = ("utf-8", False, ",", "\n")  # LibreOffice Calc: "Text CSV", UTF-8


def read_sheet(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    table = read_table(path)
    return table.header, [r.cells for r in table.rows]


def save_sheet(
    path: Path,
    header: list[str],
    rows: list[dict[str, str]],
    how: tuple[str, bool, str, str] = FINNISH_EXCEL,
) -> None:
    encoding, bom, delimiter, line_end = how
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows([row.get(c, "") for c in header] for row in rows)
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + out.getvalue().encode(encoding))


def fill_sheet(
    path: Path,
    edits: dict[str, dict[str, str]],
    how: tuple[str, bool, str, str] = FINNISH_EXCEL,
) -> None:
    """The editor fills in the rows of the questions in `edits` and saves."""
    header, rows = read_sheet(path)
    for row in rows:
        row.update(edits.get(row["question"], {}))
    save_sheet(path, header, rows, how)
