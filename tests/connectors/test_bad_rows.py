"""Bad rows are named, nothing is lost or overwritten in silence (issue "Safe to hand to a school", item 8).

Every refused or doubtful row says the sheet, the cell as Excel addresses it and the value; a
column is named by the file's own header text. Rows with scores but no name, and a student code
on two rows of a sheet, refuse the whole file with the list. A ``--map`` that points outside the
sheet, or is not a row number or column letter, is refused with a Vietnamese message.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from lienthong.connectors.csdl.excel import read_results, read_student_list
from lienthong.connectors.excel import Problem
from lienthong.connectors.gradebook.excel import Expect, parse_map, read_score_book
from lienthong.connectors.vnedu.excel import read_summary
from tests.workbooks import refusal, workbook

TOAN = Expect(subject="TOAN", semester="1")


# --- the line a person reads -----------------------------------------------------------------------


def test_a_problem_names_sheet_cell_column_and_value_and_old_callers_still_work():
    problem = Problem(12, "Ngày không tồn tại trên lịch", "Ngày sinh", sheet="6A1", cell="E12", value="31/02/2014")
    assert problem.describe() == (
        "Dòng 12 (trang «6A1», ô E12, cột «Ngày sinh»): Ngày không tồn tại trên lịch; trong ô là «31/02/2014»"
    )
    assert str(problem) == problem.describe()
    old = Problem(4, "Điểm phải nằm trong khoảng từ 0 đến 10", "TX2", False)  # positional, as callers write it
    assert (old.row, old.column, old.fatal, old.sheet, old.cell, old.value) == (4, "TX2", False, "", "", "")
    assert str(old) == "Dòng 4 (cột «TX2»): Điểm phải nằm trong khoảng từ 0 đến 10"


def test_a_long_value_is_cut_to_sixty_characters():
    data = workbook({"6A1": [["STT", "Họ và tên", "Miệng", "GK", "CK"], [1, "Nguyễn Văn An", "x" * 500, "7", "8"]]})
    [problem] = read_score_book(data, TOAN).problems
    assert len(problem.value) == 60 and problem.value.endswith("…")
    assert problem.describe().endswith(f"«{'x' * 59}…»")


# --- score books -----------------------------------------------------------------------------------


def test_gradebook_refusals_name_the_cell_the_value_and_the_file_s_own_header():
    data = workbook(
        {
            "6A1": [
                ["SỔ ĐIỂM CÁ NHÂN — MÔN TOÁN"],
                ["STT", "Họ tên", "Ngày sinh", "Miệng", "15 phút", "Giữa kì", "Cuối kì"],
                [1, "Nguyễn Văn An", "05/09/2014", "8", "11", "7", "8"],
                [2, "Lê Thị Hoa", "31/02/2014", "8", "7", "7", "8"],
                [3, "Phạm Văn Cao", "01/01/2014", "8", "7", "7", "8"],
            ]
        }
    )
    read = read_score_book(data, TOAN)
    assert [r["ho_ten"] for r in read.records] == ["Phạm Văn Cao"]
    score, birth = read.rejected_rows
    assert (score.sheet, score.cell, score.column, score.value) == ("6A1", "E3", "15 phút", "11")
    assert (birth.sheet, birth.cell, birth.column, birth.value) == ("6A1", "C4", "Ngày sinh", "31/02/2014")
    assert "trang «6A1», ô C4, cột «Ngày sinh»" in str(birth) and "«31/02/2014»" in str(birth)
    assert "ngay_sinh" not in str(birth)


def test_vnedu_score_book_notes_name_the_cell_too():
    data = workbook(
        {
            "6A1": [
                ["SỔ ĐIỂM MÔN Toán"],
                ["HỌC KỲ I"],
                ["STT", "ID", "Mã học sinh", "Họ và tên", "Ngày sinh", "ĐĐGtx", None, "ĐĐGgk", "ĐĐGck", "ĐTBmhk"],
                [None, None, None, None, None, "TX1", "TX2"],
                [1, 901, "1800000001", "Nguyễn Văn An", "05/09/2014", "8", "12", "7", "8", "9,9"],
            ]
        }
    )
    read = read_score_book(data, TOAN, keep_unreadable=True)
    [kept] = read.problems  # 12 kept as vnEdu's value (the average is not checked against a non-score)
    assert not kept.fatal and (kept.sheet, kept.cell, kept.column, kept.value) == ("6A1", "G5", "TX2", "12")
    assert read.records[0]["tx"] == [Decimal("8.0"), "12"]


def test_rows_with_scores_but_no_name_refuse_the_whole_file_listing_each():
    data = workbook(
        {
            "6A1": [
                ["STT", "Họ và tên", "TX1", "TX2", "GK", "CK"],
                [1, "Nguyễn Văn An", "8", "7", "7", "8"],
                [2, None, "9", None, None, None],
                [3, "Lê Thị Hoa", "8", "7", "7", "8"],
            ],
            "6A2": [
                ["STT", "Họ và tên", "TX1", "TX2", "GK", "CK"],
                [1, "", None, None, "6,5", "7"],
            ],
        }
    )
    message = refusal(lambda: read_score_book(data, TOAN))
    assert "Không nhập tệp này" in message
    assert "Trang «6A1», ô B3 (dòng 3, cột «Họ và tên»): họ tên để trống nhưng có điểm ở C3." in message
    assert "Trang «6A2», ô B2 (dòng 2, cột «Họ và tên»): họ tên để trống nhưng có điểm ở E2, F2." in message


def test_numbered_empty_rows_and_a_signature_under_the_scores_are_not_lost_scores():
    data = workbook(
        {
            "6A1": [
                ["STT", "Họ và tên", "TX1", "TX2", "GK", "CK"],
                [1, "Nguyễn Văn An", "8", "7", "7", "8"],
                [2, None, None, None, None, None],  # a template's numbered rows, not filled in
                [None, None, None, None, "Giáo viên bộ môn", None],
                [None, None, None, None, "(ký, ghi rõ họ tên)", None],
            ]
        }
    )
    read = read_score_book(data, TOAN)
    assert [r["ho_ten"] for r in read.records] == ["Nguyễn Văn An"] and read.problems == []


def test_a_student_code_on_two_rows_of_a_sheet_refuses_the_whole_file():
    header = ["STT", "Mã HS", "Họ và tên", "TX1", "GK", "CK"]
    data = workbook(
        {
            "6A1": [
                header,
                [1, "1800000001", "Nguyễn Văn An", "8", "7", "8"],
                [2, "1800000002", "Lê Thị Hoa", "8", "7", "8"],
                [3, 1800000001, "Nguyễn Văn Ân", "5", "6", "6"],  # a number cell: the same code
            ],
            "6A2": [header, [1, "1800000002", "Lê Thị Hoa", "9", "9", "9"]],  # another sheet: not a duplicate
        }
    )
    message = refusal(lambda: read_score_book(data, TOAN))
    assert (
        "Trang «6A1», cột «Mã HS»: mã «1800000001» có ở 2 dòng (2, 4; ô B2, B4); dòng sau sẽ ghi đè dòng trước."
        in message
    )
    assert "1800000002" not in message


def test_one_code_per_row_in_each_sheet_reads():
    header = ["STT", "Mã HS", "Họ và tên", "TX1", "GK", "CK"]
    data = workbook(
        {
            "6A1": [header, [1, "1800000001", "Nguyễn Văn An", "8", "7", "8"]],
            "6A2": [header, [1, "1800000001", "Nguyễn Văn An", "9", "9", "9"]],
        }
    )
    assert len(read_score_book(data, TOAN).records) == 2


def test_a_legacy_encoding_refusal_names_the_cell():
    data = workbook({"6A1": [["STT", "Họ tên", "TX1", "GK", "CK"], [1, "NguyÔn V¨n An", "8", "7", "8"]]})
    message = refusal(lambda: read_score_book(data, TOAN))
    assert message.startswith("Trang «6A1», ô B2: ") and "TCVN3" in message


# --- vnEdu year summary ----------------------------------------------------------------------------

SUMMARY_HEADER = ["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Tiếng Anh", "Thể dục", "KQ học tập",
                  "KQ rèn luyện", "Tổng số buổi nghỉ"]  # fmt: skip


def summary(*rows: list) -> bytes:
    return workbook({"6A1": [["BẢNG TỔNG HỢP KẾT QUẢ CUỐI NĂM — LỚP 6A1 — NĂM HỌC 2026-2027"], SUMMARY_HEADER, *rows]})


def test_summary_refusals_name_the_cell_and_the_file_s_header_for_a_subject():
    read = read_summary(
        summary(
            [1, "1800000001", "Nguyễn Văn An", "05/09/2014", "8,55", "Đ", "Tốt", "Tốt", 0],
            [2, "1800000002", "Lê Thị Hoa", "06/09/2014", "8", "Đ", "Giỏi lắm", "Tốt", 0],
            [3, "1800000003", "Phạm Văn Cao", "07/09/2014", "8", "Đ", "Tốt", "Tốt", "ba"],
        )
    )
    english, level, absences = read.rejected_rows
    assert (english.cell, english.column, english.value) == ("E3", "Tiếng Anh", "8,55")  # not «Ngoại ngữ 1»
    assert (level.cell, level.column, level.value) == ("G4", "KQ học tập", "Giỏi lắm")
    assert (absences.cell, absences.column, absences.value) == ("I5", "Tổng số buổi nghỉ", "ba")
    assert all(p.sheet == "6A1" for p in read.rejected_rows)
    assert "kq_hoc_tap" not in str(level) and "ô G4" in str(level)


def test_summary_row_with_a_name_and_results_but_no_code_is_refused_not_dropped():
    read = read_summary(
        summary(
            [1, "1800000001", "Nguyễn Văn An", "05/09/2014", "8", "Đ", "Tốt", "Tốt", 0],
            [2, None, "Lê Thị Hoa", "06/09/2014", "8", "Đ", "Tốt", "Tốt", 0],
            [None, None, "Ngày 31 tháng 5 năm 2027 — Giáo viên chủ nhiệm"],
        )
    )
    [missing] = read.rejected_rows
    assert (missing.row, missing.cell, missing.column) == (4, "B4", "Mã học sinh")


def test_summary_code_on_two_rows_refuses_the_whole_file():
    message = refusal(
        lambda: read_summary(
            summary(
                [1, "1800000001", "Nguyễn Văn An", "05/09/2014", "8", "Đ", "Tốt", "Tốt", 0],
                [2, "1800000001", "Lê Thị Hoa", "06/09/2014", "8", "Đ", "Tốt", "Tốt", 0],
            )
        )
    )
    assert "Trang «6A1», cột «Mã học sinh»: mã «1800000001» có ở 2 dòng (3, 4; ô B3, B4)" in message


# --- CSDL exports ----------------------------------------------------------------------------------

OLD_STUDENT_HEADER = ["STT", "Mã lớp", "Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính"]


def test_student_list_refusals_and_flags_name_the_cell_and_the_file_s_header():
    data = workbook(
        {
            "Sheet1": [
                ["DANH SÁCH HỌC SINH"],
                OLD_STUDENT_HEADER,
                [1, "6A1", 79000001, "Nguyễn Văn An", "05/09/2014", "Nam"],
                [2, "6A1", "7900000002", "Trần Thị Bình", "31/02/2014", "Nữ"],
                [3, "6A1", "7900000003", "Lê Văn Cường", "01/01/2014", "Không rõ"],
            ]
        }
    )
    read = read_student_list(data)
    flag, date, gender = [p for p in read.problems if p.cell]  # the sheet's own notes have no cell
    assert not flag.fatal and (flag.cell, flag.column, flag.value) == ("C3", "Mã học sinh", "79000001")
    assert (date.cell, date.column, date.value) == ("E4", "Ngày sinh", "31/02/2014")
    assert (gender.cell, gender.column, gender.value) == ("F5", "Giới tính", "Không rõ")
    assert str(date).startswith("Dòng 4 (trang «Sheet1», ô E4, cột «Ngày sinh»): ")


def test_student_list_row_with_an_id_but_no_name_is_refused_not_dropped():
    data = workbook(
        {
            "Sheet1": [
                OLD_STUDENT_HEADER,
                [1, "6A1", "7900000001", "Nguyễn Văn An", "05/09/2014", "Nam"],
                [2, "6A1", "7900000002", None, "06/09/2014", "Nữ"],
                [None, None, None, None, None, None],
            ]
        }
    )
    read = read_student_list(data)
    [missing] = read.rejected_rows
    assert (missing.row, missing.cell, missing.column) == (3, "D3", "Họ và tên")


def test_student_list_id_on_two_rows_refuses_the_whole_file():
    data = workbook(
        {
            "Sheet1": [
                OLD_STUDENT_HEADER,
                [1, "6A1", "7900000001", "Nguyễn Văn An", "05/09/2014", "Nam"],
                [2, "6A1", 7900000001, "Nguyễn Văn An", "05/09/2014", "Nam"],
            ]
        }
    )
    message = refusal(lambda: read_student_list(data))
    assert "Trang «Sheet1», cột «Mã học sinh»: mã «7900000001» có ở 2 dòng (2, 3; ô C2, C3)" in message


RESULT_HEADER = ["STT", "Mã lớp", "Mã định danh\nBộ GD&ĐT", "Họ tên", "Tiếng Anh", "KQ học tập", "KQ rèn luyện",
                 "Nghỉ có phép", "Nghỉ không phép"]  # fmt: skip


def test_results_refusals_name_the_cell_and_bad_absences_are_a_refused_row_not_a_crash():
    data = workbook(
        {
            "Sheet1": [
                ["KẾT QUẢ HỌC TẬP HỌC KỲ I"],
                RESULT_HEADER,
                [1, "6A1", "7900000001", "Nguyễn Văn An", "8,5", "T", "T", "ba", 0],
                [2, "6A1", "7900000002", "Trần Thị Bình", "11", "K", "T", 0, 0],
                [3, "6A1", "7900000003", "Lê Văn Cường", "7", "K", "T", 2.0, "1"],
            ]
        }
    )
    read = read_results(data, semester="1")
    absences, english = read.rejected_rows
    assert (absences.cell, absences.column, absences.value) == ("H3", "Nghỉ có phép", "ba")
    assert (english.cell, english.column, english.value) == ("E4", "Tiếng Anh", "11")
    assert read.records[0]["SoBuoiNghiCoPhep"] == 2 and read.records[0]["SoBuoiNghiKhongPhep"] == 1


def test_results_row_without_id_is_refused_and_an_id_on_two_rows_refuses_the_file():
    rows = [RESULT_HEADER, [1, "6A1", None, "Nguyễn Văn An", "8,5", "T", "T", 0, 0]]
    read = read_results(workbook({"Sheet1": [["HỌC KỲ I"], *rows]}), semester="1")
    [missing] = read.rejected_rows
    assert (missing.cell, missing.column) == ("C3", "Mã định danh Bộ GD&ĐT")
    twice = [[1, "6A1", "7900000001", "Nguyễn Văn An", "8,5", "T", "T", 0, 0]] * 2
    message = refusal(lambda: read_results(workbook({"Sheet1": [["HỌC KỲ I"], RESULT_HEADER, *twice]}), semester="1"))
    assert "cột «Mã định danh Bộ GD&ĐT»: mã «7900000001» có ở 2 dòng (3, 4; ô C3, C4)" in message


# --- --map bounds ----------------------------------------------------------------------------------

UNRECOGNISED = {
    "6A1": [
        ["SỔ ĐIỂM MÔN TOÁN"],
        ["Số", "Tên em", "Nói", "Viết", "Giữa", "Cuối"],
        [1, "Nguyễn Văn An", "8", "7", "9", "8"],
    ]
}


@pytest.mark.parametrize(
    "text",
    ["dong=-5,ho_ten=B,tx=C", "dong=abc,ho_ten=B,tx=C", "dong=0,ho_ten=B,tx=C", "dong=,ho_ten=B", "dong=1e3"],
)
def test_a_header_row_that_is_not_a_positive_number_is_refused(text):
    message = refusal(lambda: parse_map(text))
    assert "«dong» là số thứ tự của dòng tiêu đề" in message


@pytest.mark.parametrize("text", ["dong=2,ho_ten=2,tx=C", "dong=2,ho_ten=B,gk=7", "dong=2,ho_ten=B,tx=C:4"])
def test_a_column_that_is_not_letters_is_refused(text):
    assert "cột ghi bằng chữ cái" in refusal(lambda: parse_map(text))


def test_mixing_header_texts_and_letters_is_refused():
    assert "trộn tên cột với chữ cái" in refusal(lambda: parse_map("dong=2,Nói=TX1"))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("dong=999999,ho_ten=B,tx=C:D,gk=E,ck=F", "dong=999999 nhưng trang «6A1» chỉ có 3 dòng"),
        ("dong=2,ho_ten=B,tx=C:D,gk=E,ck=K", "ck=K nhưng trang «6A1» chỉ có dữ liệu đến cột F"),
        ("dong=2,ho_ten=ZZZ,tx=C", "ho_ten=ZZZ nhưng trang «6A1» chỉ có dữ liệu đến cột F"),
        ("dong=2,ho_ten=B,tx=C:XFD", "tx=XFD nhưng trang «6A1» chỉ có dữ liệu đến cột F"),
    ],
)
def test_a_map_pointing_outside_the_sheet_is_refused(text, words):
    data = workbook(UNRECOGNISED)
    assert words in refusal(lambda: read_score_book(data, TOAN, parse_map(text)))


def test_a_header_text_the_file_does_not_have_is_refused():
    data = workbook(UNRECOGNISED)
    message = refusal(lambda: read_score_book(data, TOAN, parse_map("Nói=TX1,Viet sai=TX2,Cuối=CK,Tên em=HO_TEN")))
    assert "«Viet sai»" in message and "Nói" not in message


def test_a_map_within_the_sheet_reads_and_empty_sheets_beside_it_are_skipped():
    data = workbook({**UNRECOGNISED, "Ghi chú": []})
    read = read_score_book(data, TOAN, parse_map("dong=2,ho_ten=B,tx=C:D,gk=E,ck=F"))
    assert read.records[0]["tx"] == [Decimal("8.0"), Decimal("7.0")] and read.records[0]["ck"] == Decimal("8.0")
    by_text = read_score_book(data, TOAN, parse_map("Nói=TX1,Viết=TX2,Giữa=GK,Cuối=CK,Tên em=HO_TEN"))
    assert by_text.records == read.records
