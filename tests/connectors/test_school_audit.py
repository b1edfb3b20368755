"""Books as teachers keep them, from an audit of the Excel-only flow as a new school would use it
(each case was a defect: the layout, what lienthong did, what it does now)."""

from __future__ import annotations

from decimal import Decimal

from lienthong.connectors.gradebook.excel import SUMMARY_ROW, Expect, read_score_book
from tests.workbooks import workbook

TITLE = [["SỔ ĐIỂM MÔN TOÁN"], ["Lớp 6A1 — Học kỳ I — Năm học 2025-2026"]]
HEADER = ["STT", "Mã HS", "Họ và tên", "TX1", "TX2", "GK", "CK"]


def _read(rows: list[list], **merged) -> object:
    return read_score_book(workbook({"6A1": [*TITLE, *rows]}, merged or None), Expect(subject="TOAN", semester="1"))


def test_lines_below_the_class_are_said_and_not_read_as_students():
    """A «Trung bình» row became a student («Chưa rõ em Trung bình» in the reconciliation) and a
    «Tổng» row (35 in each column) was refused as a student with scores out of range."""
    read = _read(
        [
            HEADER,
            [1, "1803463794", "Hoàng Quốc Thịnh", 7, 7, 7, 7],
            [None, None, "Tống Văn An", 8, 8, 8, 8],  # a family name, not «Tổng»: a student
            [None, None, "Trung bình", 7.5, 7.5, 7.5, 7.5],
            [None, None, "TỔNG CỘNG", 15, 15, 15, 15],
            [None, None, "Điểm TB lớp:", None, None, None, 7.5],
            [None, None, "Sĩ số: 2", None, None, None, None],
        ]
    )
    assert [r["ho_ten"] for r in read.records] == ["Hoàng Quốc Thịnh", "Tống Văn An"]
    assert read.rejected_rows == []
    said = [(p.cell, p.value) for p in read.problems if p.message == SUMMARY_ROW]
    assert said == [("C6", "Trung bình"), ("C7", "TỔNG CỘNG"), ("C8", "Điểm TB lớp:"), ("C9", "Sĩ số: 2")]
    assert not any(p.fatal for p in read.problems)


def _two_rows(group: str, below: list, end: str = "Cuối kì") -> object:
    rows = [
        ["STT", "Họ và tên", group, None, None, None, "Giữa kì", end],
        [None, None, *below, None, None],
        [1, "Lê Minh An", 6, 7, 8, 9, 7, 7.5],
    ]
    return _read(rows, **{"6A1": ["C3:F3", "A3:A4", "B3:B4", "G3:G4", "H3:H4"]})


def test_every_column_under_a_regular_assessment_group_is_a_tx():
    """«Hệ số 1» merged over «M1 | M2 | 15p1 | 15p2» kept the first column only (three listed as
    headerless, exit 0), and «ĐĐGtx» over «1 | 2 | 3 | 4» was refused: the group says what they are."""
    for group, below in (
        ("Hệ số 1", ["M1", "M2", "15p1", "15p2"]),
        ("ĐĐGtx", [1, 2, 3, 4]),
        ("Điểm thường xuyên", ["Lần 1", "Lần 2", "Lần 3", "Lần 4"]),
        ("Điểm hệ số 1", ["Miệng", "15 phút", "15 phút", "15 phút"]),
    ):
        read = _two_rows(group, below)
        assert read.rejected_rows == [], group
        [record] = read.records
        assert record["tx"] == [Decimal(6), Decimal(7), Decimal(8), Decimal(9)], group
        assert (record["gk"], record["ck"]) == (Decimal(7), Decimal("7.5"))
        assert read.info.get("unused_columns", []) == [], group


def test_a_column_under_the_group_that_is_no_regular_assessment_is_still_asked_about():
    """«1 tiết» (a 45-minute test: coefficient 2 in those books) is not guessed to be a TX."""
    from lienthong.connectors.errors import FileFormatError

    try:
        _two_rows("Điểm thường xuyên", ["Miệng", "15 phút", "15 phút", "1 tiết"])
    except FileFormatError as refused:
        assert "«1 tiết» (ô F4)" in refused.message and "không rõ là điểm nào" in refused.message
    else:
        raise AssertionError("a «1 tiết» column was taken for a TX")


def test_one_class_on_two_sheets_with_other_scores_refuses_the_book():
    """«6A1» and a copy «6A1 (2)» with other scores were both read, the later replacing the earlier
    in silence; the same scores twice are stored once and said; a class split over two sheets is read."""
    from lienthong.connectors.errors import FileFormatError

    def book(second: list[list]) -> bytes:
        first = [[1, "1800000001", "Lê Minh An", 7, 7, 7, 7], [2, "1800000002", "Trần Thu Bình", 8, 8, 8, 8]]
        return workbook({"6A1": [*TITLE, HEADER, *first], "6A1 (2)": [*TITLE, HEADER, *second]})

    expect = Expect(subject="TOAN", semester="1")
    try:
        read_score_book(book([[1, "1800000001", "Lê Minh An", 9, 9, 9, 9]]), expect)
    except FileFormatError as refused:
        assert (
            "Trang «6A1» và trang «6A1 (2)» cùng ghi điểm môn Toán học kỳ I lớp 6A1 của 1 học sinh nhưng khác "
            "nhau (dòng 4 và 4): không rõ trang nào đúng" in refused.message
        )
    else:
        raise AssertionError("two sheets of one class with other scores were both read")
    same = read_score_book(book([[1, "1800000001", "Lê Minh An", 7, 7, 7, 7]]), expect)
    assert [p.message for p in same.problems] == [
        "Trang «6A1 (2)» ghi lại đúng điểm của 1 học sinh đã có ở trang «6A1»: chỉ lưu một lần"
    ]
    split = read_score_book(book([[3, "1800000003", "Phạm Gia Chi", 6, 6, 6, 6]]), expect)
    assert len(split.records) == 3 and split.problems == []


def test_a_hidden_sheet_is_said_and_not_read():
    """A hidden «6A1 cu» (an old copy) was read beside «6A1», and nobody was told it was hidden."""
    import io

    from openpyxl import load_workbook

    from lienthong.connectors.spreadsheet import HIDDEN_SHEET, open_book

    rows = [*TITLE, HEADER, [1, "1800000001", "Lê Minh An", 7, 7, 7, 7]]
    data = workbook({"6A1": rows, "6A1 cu": rows})
    book = load_workbook(io.BytesIO(data))
    book["6A1 cu"].sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    opened = open_book(buffer.getvalue())
    assert [s.title for s in opened.worksheets] == ["6A1"] and opened.skipped == [("6A1 cu", HIDDEN_SHEET)]
    read = read_score_book(buffer.getvalue(), Expect(subject="TOAN", semester="1"))
    assert read.info["skipped_sheets"] == [{"sheet": "6A1 cu", "reason": HIDDEN_SHEET}]
    assert len(read.records) == 1


def test_a_fifth_regular_assessment_is_listed_as_not_used():
    """TX5 was stored and never compared (the compared cells are four): the reconciliation then said
    «0 khác biệt» of a book whose average differs from vnEdu's. It is listed, with why."""
    from lienthong.connectors.gradebook.excel import MORE_TX

    read = _read(
        [["STT", "Họ và tên", "TX1", "TX2", "TX3", "TX4", "TX5", "GK", "CK"], [1, "Lê Minh An", 2, 3, 5, 5, 10, 5, 3]]
    )
    [record] = read.records
    assert record["tx"] == [Decimal(2), Decimal(3), Decimal(5), Decimal(5)]
    assert read.info["unused_columns"] == [{"sheet": "6A1", "cell": "G3", "column": "TX5", "reason": MORE_TX}]


def test_a_sheet_named_for_one_class_and_titled_for_another_refuses_the_book():
    """A sheet «6A1» titled «Lớp 6A2» (copied for another class, half renamed) was stored as 6A2 in
    silence; which class it holds is for the teacher to say."""
    from lienthong.connectors.errors import FileFormatError

    rows = [
        ["SỔ ĐIỂM MÔN TOÁN"],
        ["Lớp 6A2 — Học kỳ I — Năm học 2025-2026"],
        HEADER,
        [1, None, "Lê Minh An", 7, 7, 7, 7],
    ]
    try:
        read_score_book(workbook({"6A1": rows}), Expect(subject="TOAN", semester="1"))
    except FileFormatError as refused:
        assert "Trang «6A1»: tên trang là lớp 6A1 nhưng tiêu đề ghi lớp 6A2; không rõ lớp nào đúng" in refused.message
    else:
        raise AssertionError("a sheet of two classes was read")
    agreeing = read_score_book(workbook({"6A2": rows}), Expect(subject="TOAN", semester="1"))
    assert [r["lop"] for r in agreeing.records] == ["6A2"]


def test_a_student_list_without_status_or_ethnicity_says_what_every_student_is_taken_as():
    """A province's list without «Trạng thái» stored every student as «đang học» in silence (a
    status the reconciliation then compares with vnEdu's); the same for «Dân tộc» (Kinh)."""
    from lienthong.connectors.csdl.excel import read_student_list

    rows = [
        ["Năm học: 2025-2026"],
        ["STT", "Lớp", "Mã định danh Bộ GD&ĐT", "Họ tên học sinh", "Ngày sinh", "Giới tính"],
        [1, "6A1", "7901140739", "Lê Văn Bình", "21/11/2014", "Nam"],
    ]
    read = read_student_list(workbook({"Sheet1": rows}))
    assert [r["TrangThai"] for r in read.records] == ["1"]
    assert [(p.row, p.sheet, p.message, p.fatal) for p in read.problems] == [
        (2, "Sheet1", "Danh sách không có cột «Trạng thái»: mọi học sinh được ghi là đang học", False),
        (2, "Sheet1", "Danh sách không có cột «Dân tộc»: mọi học sinh được ghi là dân tộc Kinh", False),
    ]
    rows[1] += ["Dân tộc", "Trạng thái"]
    rows[2] += ["Tày", "Đang học"]
    assert read_student_list(workbook({"Sheet1": rows})).problems == []
