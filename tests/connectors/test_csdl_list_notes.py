"""What a CSDL student list says of its rows names the row: a student without a ministry ID (not
stored) at the ID's cell (was «Dòng 0», sheet and cell empty in JSON), and a blank birth date as
missing («Thiếu ngày sinh»), not as an invalid date with no value shown."""

from __future__ import annotations

from lienthong.connectors.csdl.excel import NO_MINISTRY_ID
from lienthong.sync.file_reading import Wanted, read_file
from tests.sync.test_empty_files import CSDL_HEADER
from tests.workbooks import workbook

ROWS = [
    [1, "0123456789", "Lê Văn An", "05/09/2013", "Nam", "6A1", "6A1", "Đang học"],
    [2, None, "Trần Thị Bình", "06/10/2013", "Nữ", "6A1", "6A1", "Đang học"],
    [3, "0123456788", "Phạm Minh Chi", None, "Nữ", "6A1", "6A1", "Đang học"],
]


def _read():
    return read_file("danh-sach.xlsx", workbook({"Sheet1": [*CSDL_HEADER, *ROWS]}), None, Wanted("2025-2026"), None)


def test_a_student_without_a_ministry_id_is_noted_at_its_cell():
    report = _read().report
    (note,) = [n for n in report.as_json()["notes"] if n["column"] == "Mã định danh Bộ GD&ĐT"]
    assert (note["sheet"], note["row"], note["cell"], note["note"]) == ("Sheet1", 6, "B6", NO_MINISTRY_ID)
    assert report.students == 1  # the second row is not stored, the third is refused


def test_a_blank_birth_date_is_said_missing():
    (refused,) = _read().report.as_json()["refused"]
    assert (refused["row"], refused["cell"], refused["reason"]) == (7, "D7", "Thiếu ngày sinh")
