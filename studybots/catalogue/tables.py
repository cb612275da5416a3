"""Reading catalogue CSV files exactly as an editor saved them.

Editors use spreadsheets: accept UTF-8 with or without a byte order mark,
strip stray whitespace, and remember the line each row came from so that
errors can point at it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RawRow:
    line: int  # line number in the file where the row starts (header is line 1)
    cells: dict[str, str]


@dataclass(frozen=True)
class RawTable:
    path: Path
    header: list[str]
    rows: list[RawRow]


class TableReadError(Exception):
    def __init__(self, path: Path, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def read_table(path: Path) -> RawTable:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise TableReadError(path, "tiedosto puuttuu (file missing)") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableReadError(
            path, f"ei ole UTF-8-tekstiä (not UTF-8) at byte {exc.start}"
        ) from None
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise TableReadError(path, "tiedosto on tyhjä (file is empty)") from None
    rows: list[RawRow] = []
    start = reader.line_num + 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                cells = {
                    name: (record[i].strip() if i < len(record) else "")
                    for i, name in enumerate(header)
                }
                if len(record) > len(header):
                    cells["__extra__"] = ";".join(record[len(header) :])
                rows.append(RawRow(line=start, cells=cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise TableReadError(path, f"line {reader.line_num}: {exc}") from None
    return RawTable(path=path, header=header, rows=rows)


def split_multi(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def write_table(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    """Write a table the way the project keeps them: UTF-8, '\\n' line ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in header})
