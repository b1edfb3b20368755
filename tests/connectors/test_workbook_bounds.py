"""Workbooks that would make the reader allocate far more than they weigh are refused before
parsing, quickly and in little memory; real ``.xls`` files are read like ``.xlsx``.

The bounds are measured in a child process (its own peak memory), because the point is what a
hostile file costs the machine that opens it.
"""

from __future__ import annotations

import io
import json
import os
import random
import struct
import subprocess
import sys
import zipfile

import pytest
import xlwt
from openpyxl import Workbook

from lienthong.connectors.csdl.excel import read_student_list
from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.excel import open_workbook, rows_of
from lienthong.connectors.spreadsheet import MAX_SHEETS

SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"


def xlsx_from_sheet(sheet_xml: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal but valid .xlsx around one sheet's XML (built by hand, as a hostile file would be)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        out.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        out.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        out.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="6A1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        out.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        out.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        for name, data in (extra or {}).items():
            out.writestr(name, data, compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()


def cell(ref: str, value: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'.encode()


def ninety_mb_bomb() -> bytes:
    """The file that passed the old checks: ~0.7 MB whose sheet unpacks to ~90 MB of real rows,
    with a member of random bytes that keeps the workbook's overall compression ratio low."""
    # rows and cells without ``r`` (valid: each follows the previous one) repeat exactly and compress ~500×
    row = b"<row>" + '<c t="inlineStr"><is><t>Nguyễn Văn An</t></is></c>'.encode() * 10 + b"</row>"
    body = SHEET_HEAD + row * 180_000 + SHEET_TAIL
    return xlsx_from_sheet(body, {"xl/media/image1.bin": os.urandom(400_000)})


def spanning_xlsx(last: str) -> bytes:
    """Two cells, A1 and ``last``: a few hundred bytes that calamine would lay out as one rectangle."""
    return xlsx_from_sheet(SHEET_HEAD + b'<row r="1">' + cell("A1", "x") + b"</row>" + _far_row(last) + SHEET_TAIL)


def _far_row(ref: str) -> bytes:
    number = "".join(ch for ch in ref if ch.isdigit())
    return f'<row r="{number}">'.encode() + cell(ref, "y") + b"</row>"


def xls_book(sheets: int = 1, far: tuple[int, int] | None = None) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    for index in range(sheets):
        sheet = book.add_sheet(f"S{index + 1}")
        sheet.write(0, 0, "Họ và tên")
        if far:
            sheet.write(*far, "y")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xls_with_huge_string_table() -> bytes:
    """An .xls whose shared-string table declares four billion strings."""
    data = bytearray(xls_book())
    at = data.find(struct.pack("<H", 0x00FC))
    while at >= 0:
        length = struct.unpack_from("<H", data, at + 2)[0]
        if 8 <= length < 8224:
            struct.pack_into("<I", data, at + 8, 0xFFFFFFFF)
            return bytes(data)
        at = data.find(struct.pack("<H", 0x00FC), at + 1)
    raise AssertionError("xlwt wrote no shared-string table")


OPEN_AND_MEASURE = """
import json, sys, time
from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.excel import open_workbook, rows_of
data = open(sys.argv[1], "rb").read()
start = time.perf_counter()
try:
    book = open_workbook(data, "excel")
    for sheet in book.worksheets:
        rows_of(sheet)
    said = None
except FileFormatError as exc:
    said = exc.message
# VmHWM is this program's own peak (ru_maxrss would carry the parent's from before exec)
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"said": said, "seconds": time.perf_counter() - start, "peak_mb": peak / 1024}))
"""


def opened_in_a_child(tmp_path, data: bytes) -> dict:
    path = tmp_path / "file"
    path.write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-c", OPEN_AND_MEASURE, str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


HOSTILE = {
    "90 MB sheet in 0.7 MB": (ninety_mb_bomb, "bom nén"),
    "xlsx A1 and XFD1048576": (lambda: spanning_xlsx("XFD1048576"), "XFD"),
    "xlsx A1 and Z900000": (lambda: spanning_xlsx("Z900000"), "Z900000"),
    "xlsx 400 cells without references": (
        lambda: xlsx_from_sheet(SHEET_HEAD + b"<row>" + b"<c><v>1</v></c>" * 400 + b"</row>" + SHEET_TAIL),
        "cột",
    ),
    "xls A1 and IV65536": (lambda: xls_book(far=(65535, 255)), "IV65536"),
    "xls with too many sheets": (lambda: xls_book(sheets=MAX_SHEETS + 1), "trang tính"),
    "xls string table of 4 billion": (xls_with_huge_string_table, "bất thường"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_workbook_bomb_is_refused_within_5_s_and_300_mb(tmp_path, name):
    build, says = HOSTILE[name]
    data = build()
    if name.startswith("90 MB"):
        assert len(data) < 1_000_000  # the file itself is small
    measured = opened_in_a_child(tmp_path, data)
    assert measured["said"] is not None, f"{name} was opened"
    assert says in measured["said"], measured["said"]
    assert measured["seconds"] < 5, measured
    assert measured["peak_mb"] < 300, measured


def test_the_bounds_leave_a_whole_school_on_one_sheet_alone(tmp_path):
    # 3,000 students × 40 columns on one sheet: what a school's single-sheet export can hold
    book = Workbook()
    sheet = book.active
    for number in range(3000):
        sheet.append([number + 1, f"Nguyễn Văn {number}", *[8.5] * 38])
    buffer = io.BytesIO()
    book.save(buffer)
    measured = opened_in_a_child(tmp_path, buffer.getvalue())
    assert measured["said"] is None


def test_rows_keep_excel_numbering_when_the_table_starts_lower_right():
    book = Workbook()
    sheet = book.active
    sheet["C3"], sheet["D5"] = "Họ và tên", 8
    buffer = io.BytesIO()
    book.save(buffer)
    [found] = open_workbook(buffer.getvalue(), "excel").worksheets
    rows = rows_of(found)
    assert rows[2][2] == "Họ và tên"  # C3
    assert rows[4][3] == 8 and isinstance(rows[4][3], int)  # D5, a whole number as Excel shows it
    assert not any(v is not None for v in rows[0] + rows[3])


def student_list_rows() -> list[list]:
    return [
        ["DANH SÁCH HỌC SINH NĂM HỌC 2025-2026"],
        ["STT", "Mã lớp", "Mã định danh Bộ GD&ĐT", "Họ tên", "Ngày sinh", "Giới tính", "Mã dân tộc"],
        [1, "6A1", "0100000001", "Nguyễn Thị Ánh", "03/09/2014", "Nữ", "01"],
        [2, "6A1", "0100000002", "Trần Văn Bình", "12/01/2014", "Nam", "01"],
    ]


def test_an_xls_student_list_reads_like_the_same_xlsx():
    xls = xlwt.Workbook(encoding="utf-8")
    sheet = xls.add_sheet("Sheet1")
    for r, row in enumerate(student_list_rows()):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    xls_buffer = io.BytesIO()
    xls.save(xls_buffer)
    book = Workbook()
    for row in student_list_rows():
        book.active.append(row)
    xlsx_buffer = io.BytesIO()
    book.save(xlsx_buffer)
    from_xls = read_student_list(xls_buffer.getvalue())
    from_xlsx = read_student_list(xlsx_buffer.getvalue())
    assert from_xls.records == from_xlsx.records
    assert [r["HoTen"] for r in from_xls.records] == ["Nguyễn Thị Ánh", "Trần Văn Bình"]
    assert from_xls.records[0]["MaDinhDanh"] == "0100000001"


def test_an_ods_or_xlsb_or_text_file_is_refused_with_what_to_do():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        out.writestr("xl/workbook.bin", b"\0" * 64)
    with pytest.raises(FileFormatError) as caught:
        open_workbook(buffer.getvalue(), "excel")
    assert ".xlsb" in caught.value.message and ".xlsx" in caught.value.message
    with pytest.raises(FileFormatError) as caught:
        open_workbook(b"STT;Ho ten\n1;An\n", "excel")
    assert "không phải là tệp Excel" in caught.value.message


# The same file read by bare python-calamine, cell by cell, in the same child right after: what
# any reader of it pays, on this machine at this moment.
BARE_READ = """
import json, sys, time
from python_calamine import CalamineWorkbook
start = time.perf_counter()
book = CalamineWorkbook.from_path(sys.argv[1])
cells = sum(len(row) for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python())
print(json.dumps({"seconds": time.perf_counter() - start, "cells": cells}))
"""


def test_the_largest_sheet_the_bounds_allow_still_opens_within_2_5x_a_bare_read_and_300_mb(tmp_path):
    """6,600 rows × 300 columns of numbers (1.98 M cells, ~30 MB of XML): just inside every bound,
    the worst a hostile file can make the reader do without being refused. Its time is held to a
    bare python-calamine read of the same file, measured beside it (best of two each): a busy
    machine stretched a fixed 5 s bound (5.2 s and 7.2 s beside other test runs, 4 s on its own)."""
    scores = random.Random(15)
    cells = [f"<c><v>{scores.randint(0, 100) / 10}</v></c>".encode() for _ in range(7_000)]
    rows = (b"<row>" + b"".join(scores.choices(cells, k=300)) + b"</row>" for _ in range(6_600))
    data = xlsx_from_sheet(SHEET_HEAD + b"".join(rows) + SHEET_TAIL)
    measured = [opened_in_a_child(tmp_path, data) for _ in range(2)]
    bare = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", BARE_READ, str(tmp_path / "file")], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        bare.append(json.loads(done.stdout))
    assert all(m["said"] is None for m in measured), measured
    assert bare[0]["cells"] >= 6_600 * 300
    ratio = min(m["seconds"] for m in measured) / min(b["seconds"] for b in bare)
    assert ratio < 2.5, (ratio, measured, bare)
    assert max(m["peak_mb"] for m in measured) < 300, measured
