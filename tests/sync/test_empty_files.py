"""A file whose tables hold their header and no row is refused whole, naming its sheets: a gradebook
or a CSDL list of no student is an export gone wrong, which was reported as read («0 học sinh …
Lưu: mới 0»). vnEdu's discipline export is the exception its kind declares (`FileKind.empty`): no
row there is news (no absence in the period), accepted with a note."""

from __future__ import annotations

from lienthong.connectors.file_kinds import FILE_KINDS
from lienthong.sync.file_reading import Wanted, read_file
from tests.workbooks import workbook

WANTED = Wanted("2025-2026", "1")
GRADEBOOK_HEADER = [["SỔ ĐIỂM MÔN TOÁN — LỚP 6A1"], ["STT", "Họ và tên", "TX1", "GK", "CK"]]
CSDL_HEADER = [
    ["DANH SÁCH HỌC SINH"],
    ["Năm học: 2025-2026"],
    [],
    ["STT", "Mã định danh Bộ GD&ĐT", "Họ tên", "Ngày sinh", "Giới tính", "Lớp", "Mã lớp", "Trạng thái"],
]
DISCIPLINE_HEADER = [
    ["THỐNG KÊ CHI TIẾT NỀ NẾP CỦA HỌC SINH"],
    ["Từ ngày 01/10/2025 đến ngày 31/10/2025"],
    [],
    ["STT", "Mã học sinh", "Họ và tên", "Lớp", "Hình thức", "Ghi chú", "Ngày"],
]


def test_a_gradebook_with_only_its_header_is_refused_naming_the_sheet():
    read = read_file("so-diem.xlsx", workbook({"6A1": GRADEBOOK_HEADER}), None, WANTED, None)
    assert read.report.error == (
        "Sổ điểm cá nhân của giáo viên: Trang «6A1» chỉ có dòng tiêu đề, không có học sinh nào: "
        "không có gì để nhập (có thể tệp xuất chưa hết)."
    )
    assert read.stored == []


def test_a_book_of_several_sheets_each_with_only_its_header_names_them_all():
    book = workbook({"6A1": GRADEBOOK_HEADER, "6A2": [["SỔ ĐIỂM MÔN TOÁN — LỚP 6A2"], GRADEBOOK_HEADER[1]]})
    read = read_file("so-diem.xlsx", book, "gradebook", WANTED, None)
    assert read.report.error.startswith("Các trang «6A1», «6A2» chỉ có dòng tiêu đề")


def test_a_csdl_list_with_every_student_row_deleted_is_refused_and_says_csdl_in_capitals():
    read = read_file("danh-sach.xlsx", workbook({"Sheet1": CSDL_HEADER}), None, Wanted("2025-2026"), None)
    assert read.report.kind == "csdl-hocsinh"
    assert read.report.error.startswith("Danh sách học sinh của CSDL ngành: Trang «Sheet1» chỉ có dòng tiêu đề")


def test_a_book_whose_students_have_no_score_yet_is_read():
    rows = [*GRADEBOOK_HEADER, [1, "Lê An", None, None, None]]
    read = read_file("so-diem.xlsx", workbook({"6A1": rows}), None, WANTED, None)
    assert read.report.error is None and read.report.rows == 1


def test_a_discipline_export_without_a_row_is_no_absence_accepted_with_a_note():
    read = read_file("ne-nep.xlsx", workbook({"Chi tiết": DISCIPLINE_HEADER}), None, Wanted("2025-2026"), None)
    assert read.report.kind == "vnedu-nenep" and read.report.error is None
    assert [note.describe() for note in read.report.notes] == [FILE_KINDS["vnedu-nenep"].empty]
    assert FILE_KINDS["vnedu-nenep"].empty.startswith("Không có dòng nghỉ học nào")
