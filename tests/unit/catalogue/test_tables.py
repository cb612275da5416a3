"""A CSV file is read as a spreadsheet in a Finnish locale saves it: comma or
semicolon, UTF-8 with or without a byte order mark, Windows-1252 from an older
Excel, CRLF or LF, line breaks inside quoted cells; rows are numbered as the
spreadsheet shows them (the header is row 1)."""

from __future__ import annotations

import pytest

from studybots.catalogue.tables import TableReadError, read_table, write_sheet

ROWS = [
    ["id", "term", "definition"],
    ["kela", "Kela", "Kansaneläkelaitos; maksaa opintotuen"],
    ["yths", "YTHS", "Ylioppilaiden terveydenhoitosäätiö,\nkorkeakouluopiskelijoiden terveys"],
    ["foli", "Föli", "Turun seudun joukkoliikenne"],
]


def as_csv(delimiter: str, line_end: str) -> str:
    def cell(value: str) -> str:
        if any(ch in value for ch in (delimiter, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(delimiter.join(cell(v) for v in row) + line_end for row in ROWS)


@pytest.mark.parametrize("delimiter", [",", ";"])
@pytest.mark.parametrize("line_end", ["\r\n", "\n"])
@pytest.mark.parametrize(
    "encoding,bom,described",
    [
        ("utf-8", b"\xef\xbb\xbf", "UTF-8"),
        ("utf-8", b"", "UTF-8"),
        ("cp1252", b"", "Windows-1252"),
    ],
)
def test_every_finnish_spreadsheet_save_reads_the_same(
    tmp_path, delimiter, line_end, encoding, bom, described
):
    path = tmp_path / "terms.csv"
    path.write_bytes(bom + as_csv(delimiter, line_end).encode(encoding))
    table = read_table(path)
    assert table.header == ROWS[0]
    assert [[r.cells[c] for c in ROWS[0]] for r in table.rows] == ROWS[1:]
    # The spreadsheet's own row numbers: a cell with a line break is still one row.
    assert [r.line for r in table.rows] == [2, 3, 4]
    assert table.format.delimiter == delimiter
    assert table.format.bom == bool(bom)
    assert table.format.line_end == line_end
    assert described in table.format.describe()


def test_a_blank_row_keeps_the_following_row_numbers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id;term\n\n;\nkela;Kela\n", encoding="utf-8")
    (row,) = read_table(path).rows
    assert row.line == 4


def test_a_file_mixing_utf8_and_windows_1252_is_refused_with_its_row(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("id,term\nkela,Kansaneläke\n".encode() + "foli,Föli\n".encode("cp1252"))
    with pytest.raises(TableReadError) as info:
        read_table(path)
    assert "rivi 3" in info.value.message and "UTF-8" in info.value.message


def test_empty_trailing_header_cells_are_not_columns(tmp_path):
    """Excel saves `id;term;;` when a cell right of the table was ever touched."""
    path = tmp_path / "t.csv"
    path.write_text("id;term;;\nkela;Kela;;\n", encoding="utf-8")
    table = read_table(path)
    assert table.header == ["id", "term"]
    assert table.rows[0].cells == {"id": "kela", "term": "Kela"}


def test_a_value_under_no_header_is_kept_as_extra(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id;term;\nkela;Kela;huom\n", encoding="utf-8")
    assert read_table(path).rows[0].cells["__extra__"] == "huom"


def test_sheets_are_written_for_a_finnish_excel_and_read_back(tmp_path):
    path = tmp_path / "sheet.csv"
    rows = [dict(zip(ROWS[0], r)) for r in ROWS[1:]]
    write_sheet(path, ROWS[0], rows)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + b"id;term;definition\r\n")
    table = read_table(path)
    assert [r.cells for r in table.rows] == rows
    write_sheet(path, ROWS[0], rows, delimiter=",")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfid,term,definition\r\n")
    assert [r.cells for r in read_table(path).rows] == rows


def test_a_doubled_byte_order_mark_is_no_part_of_the_first_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbfid;term\r\nkela;Kela\r\n")
    assert read_table(path).header == ["id", "term"]
