"""Excel error cells (``#N/A``, ``#VALUE!``, ``#DIV/0!``: a teacher's formula that failed).

python-calamine reads them as empty cells, and an empty score cell is a score cleared: a book whose
VLOOKUP failed would have cleared the scores vnEdu holds, in silence. The workbook checks find them
(``t="e"`` in a sheet's XML, BOOLERR and FORMULA records in BIFF) and the rows carry their text, so
that each reader refuses the row naming the cell and its value.
"""

from __future__ import annotations

import io
import json
import sqlite3
import struct
import subprocess
import zipfile
from pathlib import Path

import xlwt

from lienthong.connectors.gradebook.excel import Expect, read_score_book
from lienthong.connectors.spreadsheet import Extent, _biff_error, _scan_part, _walk_biff, open_book
from lienthong.store.db import migrate
from tests.cli.test_assess_cli import lienthong
from tests.workbooks import workbook

HEADER = ["STT", "Họ và tên", "TX1", "TX2", "GK", "CK"]
TITLE = [["SỔ ĐIỂM MÔN TOÁN"], ["Lớp 6A1 — Học kỳ I — Năm học 2025-2026"], HEADER]
HINT = "(Excel báo lỗi công thức ở ô này: hãy sửa công thức hoặc nhập giá trị)"


def _book(cells: dict[tuple[int, int], str]) -> bytes:
    rows = [*TITLE, [1, "Lê Minh An", 6, 8, 7, 7.5], [2, "Trần Thu Bình", 8, 8, 8, 8]]
    for (row, column), text in cells.items():
        rows[row - 1][column - 1] = text
    return workbook({"6A1": rows})


def test_xlsx_error_cells_are_read_as_the_error_they_show_not_as_blanks():
    data = _book({(4, 4): "#N/A", (5, 6): "#DIV/0!"})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # openpyxl writes them as Excel does
        assert archive.read("xl/worksheets/sheet1.xml").count(b't="e"') == 2
    rows = open_book(data).worksheets[0].rows()
    assert rows[3] == (1, "Lê Minh An", 6, "#N/A", 7, 7.5)
    assert rows[4] == (2, "Trần Thu Bình", 8, 8, 8, "#DIV/0!")
    assert open_book(_book({})).worksheets[0].rows()[3] == (1, "Lê Minh An", 6, 8, 7, 7.5)


def test_a_gradebook_row_with_an_error_cell_is_refused_naming_the_cell_and_the_formula():
    read = read_score_book(_book({(4, 4): "#N/A", (5, 5): "#VALUE!"}), Expect(subject="TOAN", semester="1"))
    refused = [p.describe() for p in read.rejected_rows]
    assert refused == [
        f"Dòng 4 (trang «6A1», ô D4, cột «TX2»): Điểm phải là số từ 0 đến 10, ví dụ 8,5; trong ô là «#N/A» {HINT}",
        f"Dòng 5 (trang «6A1», ô E5, cột «GK»): Điểm phải là số từ 0 đến 10, ví dụ 8,5; trong ô là «#VALUE!» {HINT}",
    ]
    assert read.records == []  # neither row is taken with a blank where the error was


def _xls(errors: dict[tuple[int, int], int]) -> bytes:
    book = xlwt.Workbook()
    book.add_sheet("Ghi chú").write(0, 0, "ghi chú")  # a sheet before: errors are placed by position
    sheet = book.add_sheet("6A1")
    rows = [*TITLE, [1, "Lê Minh An", 6, 8, 7, 7.5], [2, "Trần Thu Bình", 8, 8, 8, 8]]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if (r + 1, c + 1) in errors:
                sheet.row(r).set_cell_error(c, errors[(r + 1, c + 1)])
            else:
                sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xls_error_cells_are_found_in_their_sheet_by_position():
    book = open_book(_xls({(4, 4): 0x2A, (5, 6): 0x07}))
    assert [s.title for s in book.worksheets] == ["Ghi chú", "6A1"]
    assert book.worksheets[0].rows() == [("ghi chú",)]
    rows = book.worksheets[1].rows()
    assert rows[3] == (1, "Lê Minh An", 6, "#N/A", 7, 7.5)
    assert rows[4] == (2, "Trần Thu Bình", 8, 8, 8, "#DIV/0!")


def test_a_formula_whose_last_result_was_an_error_is_one_and_other_results_are_not():
    def formula(result: bytes) -> bytes:  # row, column, format, cached result, flags, chn, no tokens
        return struct.pack("<HHH", 3, 2, 15) + result + struct.pack("<HIH", 0, 0, 0)

    error = formula(bytes([2, 0, 0x2A, 0, 0, 0, 0xFF, 0xFF]))
    assert _biff_error(0x0006, error, 0, len(error)) == "#N/A"
    number = formula(struct.pack("<d", 7.5))
    assert _biff_error(0x0006, number, 0, len(number)) is None
    text = formula(bytes([0, 0, 0, 0, 0, 0, 0xFF, 0xFF]))  # a text result: in the next record
    assert _biff_error(0x0006, text, 0, len(text)) is None
    boolean = struct.pack("<HHHBB", 0, 0, 15, 1, 0)  # TRUE, not an error
    assert _biff_error(0x0205, boolean, 0, len(boolean)) is None
    # in a sheet's records, placed at 1-based row and column
    bof = struct.pack("<HH", 0x0809, 16) + struct.pack("<HHHHII", 0x0600, 0x0010, 0, 0, 0, 0)
    stream = bof + struct.pack("<HH", 0x0006, len(error)) + error + struct.pack("<HH", 0x000A, 0)
    assert _walk_biff(stream) == {0: {(4, 3): "#N/A"}}


def test_error_cells_are_found_when_a_large_sheet_is_read_in_pieces():
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="n"><v>{n}</v></c>'
        + (f'<c r="C{n}" s="3" t="e"><f>VLOOKUP(A{n},X,2,0)</f><v>#N/A</v></c>' if n % 7 == 0 else "")
        + "</row>"
        for n in range(1, 200)
    )
    xml = f'<worksheet><sheetData>{rows}<x:c r="B1" t="e"/></sheetData></worksheet>'.encode()
    found: dict = {}
    _scan_part(io.BytesIO(xml), Extent(), chunk=97, errors=found)
    assert found == {(n, 3): "#N/A" for n in range(7, 200, 7)}  # a self-closing one holds nothing


def test_importing_a_book_with_an_error_cell_keeps_the_score_stored_before(tmp_path: Path):
    """The command's whole path: the refused row leaves the sheet stored from the earlier book as it
    was (no blank sent on), and the output names the cell."""
    db = f"sqlite:///{tmp_path / 'x.db'}"
    migrate(db)
    good, bad = tmp_path / "so-diem.xlsx", tmp_path / "so-diem-loi.xlsx"
    good.write_bytes(_book({}))
    bad.write_bytes(_book({(4, 4): "#N/A"}))
    env = {"LIENTHONG_SCHOOL_YEAR": "2025-2026", "PATH": "/usr/bin:/bin"}
    base = [*lienthong(), "--db", db, "import", "--no-reconcile"]
    first = subprocess.run([*base, str(good)], capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stdout + first.stderr

    def stored() -> list:
        with sqlite3.connect(tmp_path / "x.db") as connection:
            rows = connection.execute(
                "SELECT key, payload FROM source_snapshot WHERE source = 'gradebook' AND entity = 'diem'"
            ).fetchall()
        return sorted((key, json.loads(payload)["ddg_tx"]) for key, payload in rows)

    before = stored()
    assert len(before) == 2 and all(tx == ["6", "8"] or tx == ["8", "8"] for _, tx in before)
    second = subprocess.run([*base, str(bad)], capture_output=True, text=True, env=env)
    assert second.returncode == 1, second.stdout + second.stderr
    assert f"ô D4, cột «TX2»): Điểm phải là số từ 0 đến 10, ví dụ 8,5; trong ô là «#N/A» {HINT}" in second.stdout
    assert stored() == before
