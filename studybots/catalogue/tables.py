"""Reading catalogue CSV files exactly as an editor saved them.

Editors use spreadsheets, and a spreadsheet in a Finnish locale saves CSV its
own way: Excel's "CSV UTF-8" with a byte order mark and semicolons, an older
Excel's "CSV" in Windows-1252, LibreOffice with commas or semicolons; CRLF or
LF line ends; quoted cells with line breaks. `read_table` accepts all of them:
it sniffs the delimiter from the header row, strips stray whitespace, says
what it read (`RawTable.format`) and numbers each row as the spreadsheet shows
it (the header is row 1), so that an error points at the row the editor sees.

`write_sheet` writes a sheet for an editor to open: UTF-8 with a byte order
mark, semicolons and CRLF, which a Finnish Excel opens in columns by a
double-click and LibreOffice recognises in its import dialog.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

# The delimiters a spreadsheet may use; a header row uses one of them.
DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "pilkku", ";": "puolipiste", "\t": "sarkain"}
# What a Finnish Excel uses (its list separator) and opens in columns directly.
SHEET_DELIMITER = ";"
EXTRA = "__extra__"  # the cells of a row beyond its header


@dataclass(frozen=True)
class TextFormat:
    """How a file was saved: what `read_table` found."""

    encoding: str = "utf-8"  # utf-8 | cp1252 | latin-1 | utf-16
    bom: bool = False
    delimiter: str = ","
    line_end: str = "\n"

    @property
    def is_utf8(self) -> bool:
        return self.encoding == "utf-8"

    @property
    def encoding_name(self) -> str:
        """ "UTF-8 (BOM)", "Windows-1252 (vanha Excel)", ..."""
        name = {
            "utf-8": "UTF-8",
            "cp1252": "Windows-1252 (vanha Excel)",
            "latin-1": "Latin-1",
            "utf-16": "UTF-16",
        }[self.encoding]
        return f"{name} (BOM)" if self.bom else name

    def describe(self) -> str:
        """In Finnish, for the editor: "merkistö UTF-8 (BOM), erotin puolipiste, rivinvaihto CRLF"."""
        line_end = {"\r\n": "CRLF", "\n": "LF", "\r": "CR"}.get(self.line_end, "LF")
        delimiter = DELIMITER_NAMES.get(self.delimiter, self.delimiter)
        return f"merkistö {self.encoding_name}, erotin {delimiter}, rivinvaihto {line_end}"


@dataclass(frozen=True)
class RawRow:
    line: int  # the row's number in a spreadsheet (the header is row 1)
    cells: dict[str, str]


@dataclass(frozen=True)
class RawTable:
    path: Path
    header: list[str]
    rows: list[RawRow]
    format: TextFormat = field(default_factory=TextFormat)


class TableReadError(Exception):
    def __init__(self, path: Path, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def decode(data: bytes) -> tuple[str, str, bool]:
    """(text, encoding, had a byte order mark). UTF-8 first; a file that is not
    UTF-8 and has no UTF-8 letters at all was saved by an older Excel in
    Windows-1252 (Latin-1 for the few bytes that code page leaves undefined).
    A file with both UTF-8 letters and other bytes is two files pasted
    together: UnicodeDecodeError, for the caller to name the row."""
    for mark, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(mark):
            return data[len(mark) :].decode(codec), "utf-16", True
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[3:] if bom else data
    try:
        return body.decode("utf-8"), "utf-8", bom
    except UnicodeDecodeError:
        if bom or any(ord(ch) > 127 and ch != "\ufffd" for ch in body.decode("utf-8", "replace")):
            raise
    try:
        return body.decode("cp1252"), "cp1252", False
    except UnicodeDecodeError:
        return body.decode("latin-1"), "latin-1", False


def sniff_delimiter(header_line: str) -> str:
    """The delimiter of a header row: the most frequent of `DELIMITERS` outside
    quotes (column names never hold one); a comma when there is none."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _line_end(text: str) -> str:
    end = text.find("\n")
    if end > 0 and text[end - 1] == "\r":
        return "\r\n"
    if end < 0 and "\r" in text:
        return "\r"
    return "\n"


def read_table(path: Path) -> RawTable:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise TableReadError(path, "tiedosto puuttuu (file missing)") from None
    try:
        text, encoding, bom = decode(data)
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if data.startswith(codecs.BOM_UTF8) else 0)
        row = data[:offset].count(b"\n") + 1
        raise TableReadError(
            path,
            f"rivi {row}: ei ole UTF-8-tekstiä (not UTF-8, byte {offset}); tiedostossa on "
            "kahdella merkistöllä tallennettua tekstiä: tallenna se uudelleen muodossa CSV UTF-8",
        ) from None
    first_line = text.split("\n", 1)[0].split("\r", 1)[0]
    fmt = TextFormat(encoding, bom, sniff_delimiter(first_line), _line_end(text))
    # csv splits the lines itself (CR, LF or CRLF), also inside quoted cells.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=fmt.delimiter)
    try:
        # A second byte order mark: a sheet saved again by a tool that added its own.
        names = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        raise TableReadError(path, "tiedosto on tyhjä (file is empty)") from None
    # Excel adds empty header cells (`id;term;;`) right of a table once a cell
    # there was touched: they are no columns; a value under one is an extra cell.
    while names and not names[-1]:
        names.pop()
    rows: list[RawRow] = []
    number = 1
    try:
        for record in reader:
            number += 1
            if not any(cell.strip() for cell in record):
                continue
            cells = {
                name: (record[i].strip() if i < len(record) else "")
                for i, name in enumerate(names)
                if name
            }
            extra = [
                cell.strip()
                for i, cell in enumerate(record)
                if cell.strip() and (i >= len(names) or not names[i])
            ]
            if extra:
                cells[EXTRA] = ";".join(extra)
            rows.append(RawRow(line=number, cells=cells))
    except csv.Error as exc:
        raise TableReadError(path, f"rivi {number + 1}: {exc}") from None
    return RawTable(path=path, header=[n for n in names if n], rows=rows, format=fmt)


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


def format_rows(rows: list[list[str]], fmt: TextFormat) -> str:
    """Rows as CSV text in `fmt`'s delimiter and line end."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=fmt.delimiter, lineterminator=fmt.line_end)
    writer.writerows(rows)
    return out.getvalue()


def write_sheet(
    path: Path,
    header: list[str],
    rows: list[dict[str, str]],
    delimiter: str = SHEET_DELIMITER,
) -> None:
    """A sheet for an editor's spreadsheet: UTF-8 with a byte order mark (Excel
    reads UTF-8 only with it), `delimiter` (semicolon: a Finnish Excel opens it
    in columns), CRLF."""
    fmt = TextFormat("utf-8", True, delimiter, "\r\n")
    text = format_rows([header] + [[row.get(k, "") for k in header] for row in rows], fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
