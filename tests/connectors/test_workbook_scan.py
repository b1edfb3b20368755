"""The bounds are measured where calamine places each cell: by its own reference, whatever the row
tag around it says, and by the furthest column of the row, not its last cell. A school's sheets
(every cell ``<c r="…"`` within 999 rows and 300 columns, or 9,999 rows and 200 columns) are
measured by a few searches in C;
any other sheet row by row, to the same counts."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest

from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.excel import open_workbook, rows_of
from lienthong.connectors.spreadsheet import Extent, _member_text, _plain_cells, _scan_part
from lienthong.simulators.exports import write_school_files
from lienthong.simulators.school import generate_school
from lienthong.simulators.views import build_platform_data
from tests.connectors.test_workbook_bounds import SHEET_HEAD, SHEET_TAIL, cell, xlsx_from_sheet


def _sheet(*rows: bytes) -> bytes:
    return SHEET_HEAD + b"".join(rows) + SHEET_TAIL


@pytest.mark.parametrize(
    "row",
    [
        # the row tag says 1, the cell's reference row 9,000: calamine lays out 9,000 × 300 cells
        b'<row r="1">' + cell("A1", "STT") + cell("KN9000", "x") + b"</row>",
        # the furthest column is not the row's last cell
        b'<row r="1">' + cell("KN9000", "x") + cell("A1", "STT") + b"</row>",
    ],
)
def test_a_cell_is_measured_where_its_reference_places_it(row):
    with pytest.raises(FileFormatError) as refused:
        open_workbook(xlsx_from_sheet(_sheet(row)), "excel")
    assert "đến ô KN9000 (9000 dòng × 300 cột)" in refused.value.message


def test_a_far_cell_without_a_value_is_not_laid_out_and_not_refused():
    book = open_workbook(xlsx_from_sheet(_sheet(b'<row r="1">' + cell("A1", "STT") + b'<c r="KN9000"/></row>')), "x")
    assert rows_of(book.worksheets[0]) == [("STT",)]


def test_a_declaration_is_refused_on_the_quick_path_too():
    with pytest.raises(FileFormatError) as refused:
        open_workbook(xlsx_from_sheet(b'<!DOCTYPE x [<!ENTITY a "b">]>' + _sheet(cell("A1", "x"))), "excel")
    assert "DOCTYPE" in refused.value.message


def _sheets_of(data: bytes) -> list[bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]


def test_the_quick_path_counts_what_the_row_by_row_measure_counts(tmp_path: Path):
    school = generate_school(3, 120, date(2026, 6, 15))
    files = write_school_files(school, build_platform_data(school, 3), tmp_path)
    sheets = [sheet for path in files if path.suffix == ".xlsx" for sheet in _sheets_of(path.read_bytes())]
    assert len(sheets) > 20
    for text in sheets:
        measured = Extent()
        _scan_part(io.BytesIO(text), measured)
        assert _plain_cells(text) == measured.cells
        assert measured.last_row <= 999 and measured.last_col <= 300


@pytest.mark.parametrize(
    "text",
    [
        _sheet(b"<row><c><v>1</v></c></row>"),  # no references: placed one after another
        _sheet(b'<row r="1"><c t="s" r="A1"><v>1</v></c></row>'),  # the reference not first
        _sheet(b'<row r="10000"><c r="A10000"><v>1</v></c></row>'),  # row 10,000
        _sheet(b'<row r="1000"><c r="GS1000"><v>1</v></c></row>'),  # row 1,000 at column 201
        # each cell within one of the quick spans, not both within the same one
        _sheet(b'<row r="1"><c r="KN1"><v>1</v></c></row><row r="1000"><c r="A1000"><v>1</v></c></row>'),
        _sheet(b'<row r="1"><c r="KO1"><v>1</v></c></row>'),  # column 301
        _sheet(b'<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>'),  # prefixed tags
    ],
)
def test_any_other_sheet_is_measured_row_by_row(text):
    assert _plain_cells(text) is None


def test_a_tall_list_is_measured_by_the_quick_path_to_the_same_counts():
    rows = b"".join(
        f'<row r="{n}">'.encode() + b"".join(cell(f"{col}{n}", "x") for col in "ABCDEFGHIJKL") + b"</row>"
        for n in range(1, 5001)
    )
    text = _sheet(rows, b'<row r="5001">' + cell("GR5001", "x") + b"</row>")
    measured = Extent()
    _scan_part(io.BytesIO(text), measured)
    assert (measured.cells, measured.last_row, measured.last_col) == (60_001, 5001, 200)
    assert _plain_cells(text) == measured.cells
    assert len(rows_of(open_workbook(xlsx_from_sheet(text), "excel").worksheets[0])) == 5001


def test_a_tall_sheet_that_is_also_wide_is_refused():
    """Rows past 999 and columns past 200, each within one quick span: together past the bound."""
    text = _sheet(b'<row r="1">' + cell("KN1", "x") + b'</row><row r="9000">' + cell("A9000", "x") + b"</row>")
    with pytest.raises(FileFormatError) as refused:
        open_workbook(xlsx_from_sheet(text), "excel")
    assert "(9000 dòng × 300 cột)" in refused.value.message


def test_a_reference_without_a_row_is_measured_by_its_row_tag():
    measured = Extent()
    _scan_part(io.BytesIO(_sheet(b'<row r="7"><c r="C"><v>1</v></c></row>')), measured)
    assert (measured.cells, measured.last_row, measured.last_col) == (1, 7, 3)


def test_cells_come_as_the_readers_take_them_whatever_their_type():
    """Empty is None, a whole number an int; booleans, 0 and 1, fractions, big numbers, text and
    dates keep their type (the reader asks a cell's type before comparing it with "")."""
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    values = [True, False, 0, 1, 1.0, 0.0, 7.0, 2.5, -3.0, 1e16, "", " ", "0", "Lê Văn An", datetime(2014, 5, 30)]
    book.active.append(values)
    book.active.append([None, None, 5])
    buffer = io.BytesIO()
    book.save(buffer)
    [sheet] = open_workbook(buffer.getvalue(), "excel").worksheets
    first, second = rows_of(sheet)
    expected = [True, False, 0, 1, 1, 0, 7, 2.5, -3, 1e16, None, " ", "0", "Lê Văn An", date(2014, 5, 30)]
    assert list(first) == expected
    assert [type(v) for v in first] == [type(v) for v in expected]
    assert second[:3] == (None, None, 5) and type(second[2]) is int


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return out.getvalue()


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_a_member_is_unpacked_from_the_bytes_as_zipfile_reads_it(method):
    text = _sheet(*(b'<row r="%d">' % n + cell(f"A{n}", f"Nguyễn Văn {n}") + b"</row>" for n in range(1, 400)))
    data = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": text}, method)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.infolist():
            assert _member_text(data, member) == archive.read(member)


def _declared(data: bytes, name: str, **declared) -> zipfile.ZipInfo:
    """The directory entry of ``name``, saying ``declared`` instead of what it says."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        member = archive.getinfo(name)
    for attribute, value in declared.items():
        setattr(member, attribute, value)
    return member


@pytest.mark.parametrize(
    "declared",
    [
        {"file_size": 100},  # smaller than it unpacks to: never more than declared is unpacked
        {"file_size": 10**6},  # larger than it unpacks to
        {"CRC": 0},  # its content is not what was packed
        {"header_offset": 3},  # the directory points elsewhere than a local header
        {"header_offset": 10**9},  # past the end of the file
        {"compress_size": 10**9},  # more than the file holds
        {"compress_type": zipfile.ZIP_LZMA},  # a method left to zipfile (and calamine)
        {"flag_bits": 0x1},  # encrypted
    ],
)
def test_a_member_whose_directory_entry_does_not_hold_is_left_to_zipfile(declared):
    text = _sheet(*(b'<row r="%d">' % n + cell(f"A{n}", "x") + b"</row>" for n in range(1, 200)))
    data = _zip({"xl/worksheets/sheet1.xml": text})
    assert _member_text(data, _declared(data, "xl/worksheets/sheet1.xml")) == text
    assert _member_text(data, _declared(data, "xl/worksheets/sheet1.xml", **declared)) is None


def test_a_member_packed_otherwise_than_its_entry_says_refuses_the_file_naming_the_sheet():
    """The local data of a sheet unpacks to more than the directory declares: unpacked as far as
    declared, it is left to zipfile, whose CRC check fails: the file is refused whole, saying which
    sheet, not read short (and not a reader's fault, as it was before)."""
    small, large = _sheet(cell("A1", "x")), _sheet(*(cell(f"A{n}", "y" * 50) for n in range(1, 300)))
    data = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": large})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        member = archive.getinfo("xl/worksheets/sheet1.xml")
    # the central entry's uncompressed size (offset 24) says the small sheet's size
    entry = data.index(b"xl/worksheets/sheet1.xml", data.index(b"PK\x01\x02")) - 46
    patched = data[: entry + 24] + len(small).to_bytes(4, "little") + data[entry + 28 :]
    with zipfile.ZipFile(io.BytesIO(patched)) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size == len(small) != member.file_size
        assert _member_text(patched, archive.getinfo("xl/worksheets/sheet1.xml")) is None
    with pytest.raises(FileFormatError) as refused:
        open_workbook(patched, "excel")
    assert "Tệp Excel bị hỏng: trang «sheet1.xml» không giải nén được" in refused.value.message


def test_a_damaged_sheet_list_refuses_the_file_saying_so():
    """``xl/workbook.xml`` (the list of sheets, read first to name them) packed otherwise than its
    directory entry says: refused whole with what to do, not a reader's fault."""
    workbook = b'<workbook><sheets><sheet name="6A1" r:id="rId1"/></sheets></workbook>' * 20
    data = _zip({"xl/workbook.xml": workbook, "xl/_rels/workbook.xml.rels": b"<Relationships/>"})
    entry = data.index(b"xl/workbook.xml", data.index(b"PK\x01\x02")) - 46
    patched = data[: entry + 24] + (len(workbook) // 2).to_bytes(4, "little") + data[entry + 28 :]
    with pytest.raises(FileFormatError) as refused:
        open_workbook(patched, "excel")
    assert "Tệp Excel bị hỏng: danh sách trang (xl/workbook.xml) không giải nén được" in refused.value.message
    assert "Hãy lấy lại tệp gốc" in refused.value.message
