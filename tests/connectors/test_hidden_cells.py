"""Columns and rows hidden in Excel are read like any other, and the import says so.

A teacher hides an old column (the first try of a test, a TX she no longer counts) or the row of a
student who left rather than deleting them. calamine reads hidden cells as any other, so the import
took them without a word: the scores of a column the teacher no longer sees were compared, and a
child who left was imported as one of the class. The checks that bound a file before it is parsed
now find what each sheet hides (``<col hidden="1">``/``<row hidden="1">`` in ``.xlsx``, the hidden
flag of BIFF's COLINFO and ROW records in ``.xls``), and the report names each hidden column and
row that held a value and was read.
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import xlwt
from openpyxl import Workbook

from lienthong.connectors.spreadsheet import Extent, Hidden, _scan_part, _xml_hidden_rows, open_book
from lienthong.sync.file_reading import Wanted, read_file
from tests.cli.test_assess_cli import lienthong

TITLE = [["SỔ ĐIỂM MÔN TOÁN"], ["Lớp 6A1 — Học kỳ I — Năm học 2025-2026"]]
HEADER = ["STT", "Họ và tên", "TX1", "TX2", "TX3", "GK", "CK"]
PUPILS = [
    [1, "Lê Minh An", 6, 7, 8, 7, 7.5],
    [2, "Trần Thu Bình", 8, 8, 9, 8, 8],
    [3, "Phạm Gia Chi", 5, 6, 6, 6, 6.5],
]
WANTED = Wanted(school_year="2025-2026", semester="1", subject="TOAN")


def _xlsx(hide_columns: tuple[str, ...] = (), hide_rows: tuple[int, ...] = (), rows: list | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "6A1"
    for row in rows or [*TITLE, HEADER, *PUPILS]:
        sheet.append(row)
    for letters in hide_columns:
        first, _, last = letters.partition(":")
        sheet.column_dimensions.group(first, last or first, hidden=True)
    for number in hide_rows:
        sheet.row_dimensions[number].hidden = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xls(hide_columns: tuple[int, ...] = (), hide_rows: tuple[int, ...] = ()) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("6A1")
    for r, row in enumerate([*TITLE, HEADER, *PUPILS]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    for c in hide_columns:  # 0-based, as xlwt counts
        sheet.col(c).hidden = True
    for r in hide_rows:
        sheet.row(r).hidden = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_checks_find_what_an_xlsx_sheet_hides():
    [sheet] = open_book(_xlsx(("E", "J:Z"), (5,))).worksheets
    assert sheet.hidden == Hidden([(5, 5), (10, 26)], {5})
    [plain] = open_book(_xlsx()).worksheets
    assert plain.hidden == Hidden()


def test_the_checks_find_what_an_xls_sheet_hides():
    [sheet] = open_book(_xls(hide_columns=(4,), hide_rows=(4,))).worksheets
    assert sheet.hidden == Hidden([(5, 5)], {5})
    [plain] = open_book(_xls()).worksheets
    assert plain.hidden == Hidden()


def test_a_large_sheet_read_in_pieces_gives_the_same_hidden_rows_and_columns():
    """A sheet past one piece is streamed: a row tag without ``r`` follows the one before it,
    ``<cols>`` and ``<rowBreaks>`` are not rows, and a writer's namespace prefix changes nothing."""
    hides = ' hidden="1"'
    rows = "".join(
        f'<row r="{n}"{hides if n % 50 == 0 else ""}><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 200)
    )
    xml = (
        '<worksheet><cols><col min="2" max="3" width="0" hidden="1"/><col min="4" max="4" width="9"/></cols>'
        f'<sheetData>{rows}<row hidden="true"><c><v>1</v></c></row></sheetData>'
        '<rowBreaks count="1"><brk id="3"/></rowBreaks></worksheet>'
    ).encode()
    hidden = Hidden()
    _scan_part(io.BytesIO(xml), Extent(), chunk=512, hidden=hidden)
    assert hidden == Hidden([(2, 3)], {50, 100, 150, 200})
    prefixed = xml.replace(b"<c", b"<x:c").replace(b"</c", b"</x:c").replace(b"<row", b"<x:row")
    prefixed = prefixed.replace(b"</row", b"</x:row").replace(b"<v", b"<x:v").replace(b"</v", b"</x:v")
    hidden = Hidden()
    _scan_part(io.BytesIO(prefixed), Extent(), chunk=512, hidden=hidden)
    assert hidden == Hidden([(2, 3)], {50, 100, 150, 200})


def test_rows_without_a_number_are_counted_in_a_whole_sheet():
    """A row tag without ``r`` is the row after the one before it, as calamine places it; a ``<col>``
    that hides before ``<sheetData>`` is not a row."""
    hides = ' hidden="1"'
    rows = "".join(f"<row{hides if n % 3 == 0 else ''}><c><v>{n}</v></c></row>" for n in range(1, 10))
    xml = f'<worksheet><cols><col min="1" max="1" hidden="1"/></cols><sheetData>{rows}</sheetData></worksheet>'
    hidden = Hidden()
    _xml_hidden_rows(xml.encode(), hidden)
    assert hidden.rows == {3, 6, 9}


def _notes(data: bytes) -> tuple[list[dict], list[str]]:
    read = read_file("sodiem.xlsx", data, None, WANTED, None)
    assert read.report.error is None, read.report.error
    return read.report.sheets, [p.describe() for p in read.report.notes]


def test_a_hidden_column_and_row_that_are_read_are_said_in_xlsx_and_xls():
    for data in (_xlsx(("E",), (5,)), _xls(hide_columns=(4,), hide_rows=(4,))):
        sheets, notes = _notes(data)
        assert sheets[0]["hidden_columns"] == ["E"] and sheets[0]["hidden_rows"] == [5]
        assert sheets[0]["hidden_headings"] == ["TX3"]
        assert (
            "Trang «6A1»: cột E («TX3») đang bị ẩn trong tệp nhưng vẫn được đọc như mọi cột; nếu là cột cũ không "
            "dùng nữa, hãy xoá cột rồi nhập lại"
        ) in notes
        assert (
            "Trang «6A1»: dòng 5 đang bị ẩn trong tệp nhưng vẫn được đọc; nếu là học sinh đã chuyển đi hay "
            "dòng cũ, hãy xoá dòng rồi nhập lại"
        ) in notes
        # read all the same: the hidden row's student and the hidden TX3 are in what is stored
        stored = read_file("sodiem.xlsx", data, None, WANTED, None).stored
        scores = [json.loads(text) for entity, _, _, text in stored if entity == "diem"]
        assert len(scores) == 3 and all(len(s["ddg_tx"]) == 3 for s in scores)


def test_what_is_hidden_and_empty_or_not_read_is_not_said():
    """Columns hidden right of the table (a tidy sheet) hold nothing; a fifth TX hidden is already
    listed as not used; a score book's ID column is hidden by vnEdu in every export it makes."""
    sheets, notes = _notes(_xlsx(("J:Z",), (40,)))
    assert "hidden_columns" not in sheets[0] and "hidden_rows" not in sheets[0]
    assert not any("ẩn" in note for note in notes)
    rows = [*TITLE, [*HEADER[:5], "TX4", "TX5", "GK", "CK"], [1, "Lê Minh An", 6, 7, 8, 9, 10, 7, 7.5]]
    sheets, notes = _notes(_xlsx(("G",), rows=rows))
    assert "hidden_columns" not in sheets[0] and not any("ẩn" in note for note in notes)
    fixture = Path(__file__).parents[1] / "fixtures" / "vnedu_so_diem_toan_6A1_hk1.xlsx"
    assert open_book(fixture.read_bytes()).worksheets[0].hidden.column(2)  # the ID column, B
    read = read_file(fixture.name, fixture.read_bytes(), None, Wanted(), None)
    assert read.report.error is None and read.report.sheets[0]["id_column"] == "B"
    assert "hidden_columns" not in read.report.sheets[0]
    assert not any("ẩn" in p.describe() for p in read.report.notes)


def test_the_import_command_says_it_and_its_json_names_them(tmp_path: Path):
    (tmp_path / "sodiem.xlsx").write_bytes(_xlsx(("E",), (5,)))
    env = {"LIENTHONG_SCHOOL_YEAR": "2025-2026", "PATH": "/usr/bin:/bin", "COLUMNS": "400"}
    run = [*lienthong(), "--db", f"sqlite:///{tmp_path / 'x.db'}", "import", "--dry-run", "--subject", "TOAN"]
    shown = subprocess.run([*run, "sodiem.xlsx"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "Lưu ý: Trang «6A1»: cột E («TX3») đang bị ẩn trong tệp" in shown.stdout
    assert "Lưu ý: Trang «6A1»: dòng 5 đang bị ẩn trong tệp" in shown.stdout
    as_json = subprocess.run([*run, "--json", "sodiem.xlsx"], capture_output=True, text=True, env=env, cwd=tmp_path)
    [sheet] = json.loads(as_json.stdout.splitlines()[0])["sheets"]  # a line of JSON per file
    assert (sheet["hidden_columns"], sheet["hidden_rows"]) == (["E"], [5])
