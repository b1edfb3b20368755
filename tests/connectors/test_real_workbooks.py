"""Layouts of real published school workbooks that lienthong misread, rebuilt here with invented
names and codes (no real child's name or ID is committed): the headers, title rows and merged
cells are the real files', the people are not.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook

from lienthong.connectors.file_kinds import detect_kind
from lienthong.connectors.gradebook.excel import number_shown_as_date, parse_map, read_score_book
from lienthong.connectors.vnedu.excel import Expect, read_discipline
from lienthong.mapping.gradebook_files import gradebook_records
from tests.connectors.test_vnedu_real_files import xls, xlsx
from tests.workbooks import refusal, workbook

# --- vnEdu's discipline export of a whole school: class blocks, incidents under merged cells -------

NENEP_HEADER = ["STT", "Mã học sinh", "Họ và tên", "Lớp", "Hình thức", "Ghi chú", "Ngày", None, "Tổng",
                "Điểm Thi đua"]  # fmt: skip


def nenep_block(grade: int, cls: str, rows: list[list]) -> list[list]:
    """One class's block as vnEdu writes it: school and motto lines, the title, the period and
    the grade/class, the header, the incidents, then a blank row, «Tổng điểm:» and two blank rows."""
    return [
        ["SỞ GIÁO DỤC VÀ ĐÀO TẠO TP. HẢI PHÒNG", None, None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        ["TRƯỜNG THCS HOA SEN", None, None, None, None, "Độc lập - Tự do - Hạnh phúc"],
        [],
        ["THỐNG KÊ CHI TIẾT NỀ NẾP CỦA HỌC SINH"],
        [],
        [None, "Từ ngày:", "09/03/2026", "Khối:", grade],
        [None, "Đến ngày:", "14/03/2026", "Lớp:", cls],
        NENEP_HEADER,
        *rows,
        [],
        [None, None, None, None, None, None, "Tổng điểm:", -5],
        [],
        [],
    ]


# Block 6A: An has two incidents on one day (code, name, class and day merged over rows 9–10),
# Bình a morning and an afternoon on 09/03 and a clean week on 14/03 (merged over rows 11–13, the
# day merged over 11–12 only). Block 6E: Chi one incident; Dũng an absence then a late arrival.
NENEP_6A = [
    [1, 2599000001, "Nguyễn Văn An", "6A", "Nghỉ học có phép sáng (SP)", "SP", "10/03/2026", 0, 0, 0],
    [None, None, None, None, "Nghỉ học có phép chiều (CP)", "CP", None, 0, 0, None],
    [2, 2599000002, "Trần Thị Bình", "6A", "Nghỉ học có phép sáng (SP)", "SP", "09/03/2026", 0, 0, -2],
    [None, None, None, None, "Nghỉ học không phép chiều (KC)", "KC", None, -2, -2, None],
    [None, None, None, None, "Không có lỗi vi phạm tuần này", None, "14/03/2026", 0, 0, None],
]
NENEP_6E = [
    [1, 2599000011, "Lê Minh Chi", "6E", "Nghỉ học có phép cả ngày (P)", "P", "11/03/2026", 0, 0, 0],
    [2, 2599000012, "Phạm Quốc Dũng", "6E", "Nghỉ học có phép chiều (CP)", "CP", "12/03/2026", 0, 0, -2],
    [None, None, None, None, "Muộn giờ truy bài", None, "13/03/2026", -2, -2, None],
]
# 0-based (first row, first column, last row, last column) as the export merges them
NENEP_MERGES = [
    *[(8, c, 9, c) for c in (0, 1, 2, 3, 6, 9)],
    *[(10, c, 12, c) for c in (0, 1, 2, 3, 9)],
    (10, 6, 11, 6),
    *[(26, c, 27, c) for c in (0, 1, 2, 3, 9)],
]


@pytest.mark.parametrize("write", [xls, xlsx])
def test_vnedu_discipline_export_of_a_whole_school_reads_every_absence(write):
    """github:cuong111103hd/vnedu_to_smmc, commit 1c764acf70c981ce72230a61c10e3c6f168f1579,
    ``Bao_cao_ne_nep_chi_tiet_hs_tu_ngay_2026-3-9__den_2026-3-14_lop_Tat_ca_khoi_12_2025_2026.xls``
    (and three more weeks): one sheet ``hs_chi_tiet`` of class blocks, each with its own title rows
    and header; a student's second and later incidents sit under merged STT/code/name/class cells,
    and incidents of one day under a merged «Ngày». lienthong read only each student's first
    incident (an afternoon absence below a morning one was lost as «Thiếu mã học sinh») and
    rejected every later block's title and header as rows (1,156 rejected rows in one week's file)."""
    rows = nenep_block(6, "6A", NENEP_6A) + nenep_block(6, "6E", NENEP_6E)
    data = write({"hs_chi_tiet": (rows, NENEP_MERGES)})
    assert detect_kind(data) == "vnedu-nenep"
    read = read_discipline(data, Expect(school_year="2025-2026", semester="2"))
    assert read.rejected_rows == []
    sessions = sorted(
        (r["ma_hoc_sinh"], r["lop"], r["ngay"], s, r["loai"], r["dong"]) for r in read.records for s in r["buoi"]
    )
    assert sessions == [
        ("2599000001", "6A", "10/03/2026", "C", "P", 10),  # the afternoon under An's merged cells and day
        ("2599000001", "6A", "10/03/2026", "S", "P", 9),
        ("2599000002", "6A", "09/03/2026", "C", "K", 12),
        ("2599000002", "6A", "09/03/2026", "S", "P", 11),
        ("2599000011", "6E", "11/03/2026", "C", "P", 26),
        ("2599000011", "6E", "11/03/2026", "S", "P", 26),
        ("2599000012", "6E", "12/03/2026", "C", "P", 27),
    ]
    assert read.info["sheets"] == [{"sheet": "hs_chi_tiet", "rows": 6}]
    # what is not an absence is said once per form, with its first cell, not as a rejected row
    assert read.info["not_attendance"] == {"Không có lỗi vi phạm tuần này": 1, "Muộn giờ truy bài": 1}
    late = next(p for p in read.problems if "Muộn giờ truy bài" in p.message)
    assert not late.fatal and late.cell == "E28" and "không phải nghỉ học" in late.message


def test_another_years_discipline_export_is_refused_whole_saying_its_year():
    """The same export read with the next school year chosen: each of its 296 absence rows was
    refused on its own («Ngày … không thuộc năm học 2026-2027») and the file said «năm học ?»;
    now the file is refused once, saying which year it is."""
    rows = nenep_block(6, "6A", NENEP_6A) + nenep_block(6, "6E", NENEP_6E)
    data = xls({"hs_chi_tiet": (rows, NENEP_MERGES)})
    message = refusal(lambda: read_discipline(data, Expect(school_year="2026-2027")))
    assert message == (
        "Tệp là thống kê nề nếp năm học 2025-2026 (ngày 09/03/2026 – 12/03/2026), "
        "không phải năm học 2026-2027 như đã chọn."
    )


def test_a_row_without_a_code_that_is_not_under_a_student_is_still_refused():
    """Carrying a merged student down is for rows that hold only an incident: a row with its own
    STT or name but no code is a student the file lacks a code for, and says so."""
    rows = nenep_block(6, "6A", [
        [None, None, None, None, "Nghỉ học có phép sáng (SP)", "SP", "10/03/2026", 0, 0, 0],  # no student above
        [1, 2599000001, "Nguyễn Văn An", "6A", "Nghỉ học có phép sáng (SP)", "SP", "10/03/2026", 0, 0, 0],
        [2, None, "Trần Thị Bình", "6A", "Nghỉ học có phép chiều (CP)", "CP", "10/03/2026", 0, 0, 0],
    ])  # fmt: skip
    read = read_discipline(xlsx({"hs_chi_tiet": (rows, [])}), Expect(school_year="2025-2026"))
    assert [(r["ma_hoc_sinh"], r["dong"]) for r in read.records] == [("2599000001", 10)]
    assert [(p.cell, p.message) for p in read.rejected_rows] == [
        ("B9", "Thiếu mã học sinh nên không nhập được dòng này"),
        ("B11", "Thiếu mã học sinh nên không nhập được dòng này"),
    ]


# --- a teacher's book with no title: one sheet per class, split tests, no semester written -------

BOOK_HEADER_12 = ["STT", "Tên lớp", "Mã định danh", "MSHS", "Email", "Họ và tên", "Ngày sinh", "TX1", "TX2", "TX3",
                  "GKTN", "GKTH", "CKTN", "CKTH", "Điểm cộng/trừ"]  # fmt: skip
BOOK_HEADER_9 = ["STT", "Tên lớp", "Mã định danh", "MSHS", "Email", "Họ và tên", "Ngày sinh", "TX1", "TX2", "GKTN",
                 "CKTN", "CKTH", "Điểm cộng/trừ"]  # fmt: skip


def teachers_book() -> bytes:
    """github:VuKhang-lsts/SodiemHK22526 ``data/so-diem.xlsx`` (commit ab9ec83049a41e98c379fafd01fc472b04ad34ac):
    a teacher's semester II book of a school with grades 9 to 12, header on row 1 and no title
    (neither subject nor semester written), numbers as the file has them (STT and the ministry
    ID as text, MSHS a number, birth dates as dd/mm/yyyy text); grade 12 sheets split both tests
    (GKTN + GKTH, CKTN + CKTH), grade 9 sheets give the mid-term whole in GKTN. Names and IDs invented."""
    return xlsx(
        {
            "12T1": (
                [
                    BOOK_HEADER_12,
                    ["1", "12T1", "7900000101", 1906001, "1906001@truong.edu.vn", "Trần Bảo An", "07/05/2008",
                     9.3, 10, 10, 6, 4, 6, 3.8, 0],
                    ["2", "12T1", "7900000102", 1906002, "1906002@truong.edu.vn", "Hồ Thiên Bình", "24/09/2008",
                     10, 8.5, 10, 5.1, 4, 5.4, 3.8, 0],
                ],
                [],
            ),
            "9H01": (
                [
                    BOOK_HEADER_9,
                    ["1", "9H01", "7900000201", 2206001, "2206001@truong.edu.vn", "Nguyễn Bảo Châu", "12/11/2011",
                     10, 10, 9.75, 5.7, 2.8, 0],
                    ["2", "9H01", "7900000202", 2206002, "2206002@truong.edu.vn", "Lưu Tâm Dung", "17/09/2011",
                     8, 5, 8.5, 4.5, 3.3, 0],
                ],
                [],
            ),
        }
    )  # fmt: skip


def test_a_book_that_does_not_say_its_semester_is_read_as_the_one_in_progress_and_says_so():
    """The same book: its sheets say no semester, and lienthong read it as semester I in silence when
    the user did not choose one (a semester II book then stood for semester I's scores). Now it is
    read as the semester in progress (what the command passes) and every such sheet says so, with
    how to say otherwise; a semester the person chooses is read without a note."""
    read = read_score_book(teachers_book(), Expect(subject="TOAN", semester_now="2"))
    assert {r["hoc_ky"] for r in read.records} == {"2"} and len(read.records) == 4
    notes = [(p.sheet, p.message) for p in read.problems if p.column == "Học kỳ"]
    assert notes == [
        (
            sheet,
            "Tiêu đề của trang không ghi học kỳ («Học kỳ I/II»): đã đọc là học kỳ II, học kỳ "
            "đang diễn ra. Nếu không phải, hãy nhập lại và chọn học kỳ (lienthong import --semester 1, hoặc ô "
            "Học kỳ khi tải tệp lên).",
        )
        for sheet in ("12T1", "9H01")
    ]
    assert not any(p.fatal for p in read.problems if p.column == "Học kỳ")
    past = read_score_book(teachers_book(), Expect(subject="TOAN"))  # a book of another year: semester I, said
    assert {r["hoc_ky"] for r in past.records} == {"1"}
    assert "đã đọc là học kỳ I. Nếu không phải" in next(p.message for p in past.problems if p.column == "Học kỳ")
    chosen = read_score_book(teachers_book(), Expect(subject="TOAN", semester="2", semester_now="1"))
    assert {r["hoc_ky"] for r in chosen.records} == {"2"}
    assert not [p for p in chosen.problems if p.column == "Học kỳ"]


@pytest.mark.parametrize(
    "title, semester",
    [
        ("SỔ ĐIỂM MÔN TOÁN LỚP 6A1 HỌC KỲ II", "2"),
        ("SỔ ĐIỂM MÔN TOÁN LỚP 6A1 HỌC KÌ II", "2"),  # «kì», as most schools now write it
        ("Sổ điểm môn Toán - Học kì 1 - Năm học 2025-2026", "1"),
        ("BẢNG ĐIỂM TOÁN 6A1 HK2", "2"),
        ("BẢNG ĐIỂM TOÁN 6A1 - HKII", "2"),
        ("BẢNG ĐIỂM TOÁN 6A1 (HK I)", "1"),
    ],
)
def test_the_semester_is_read_from_the_ways_titles_write_it(title, semester):
    rows = [[title], ["STT", "Họ và tên", "TX1", "GK", "CK"], [1, "Lê An", 8, 7, 9]]
    read = read_score_book(
        workbook({"6A1": rows}), Expect(subject="TOAN", semester_now="1" if semester == "2" else "2")
    )
    assert [r["hoc_ky"] for r in read.records] == [semester]
    assert not [p for p in read.problems if p.column == "Học kỳ"]


def test_the_semester_in_progress_is_the_calendars_for_this_years_books_only():
    from datetime import date

    from lienthong.mapping.calendar import semester_in_progress

    assert semester_in_progress("2026-2027", date(2026, 12, 2)) == "1"
    assert semester_in_progress("2026-2027", date(2027, 2, 10)) == "2"
    assert semester_in_progress(None, date(2027, 2, 10)) == "2"
    assert semester_in_progress("2025-2026", date(2026, 12, 2)) is None  # another year: both semesters are over


def test_sheets_that_split_a_test_differently_are_read_each_its_own_way():
    """The same book: its grade 12 sheets split the mid-term into GKTN + GKTH, its grade 9 sheets
    give it whole in GKTN. «GK=GKTN+GKTH» refused the whole book (9H01 has no GKTH) and no
    --map could read it; now each way is said after a «|» and each sheet takes the one it has."""
    book = teachers_book()
    expect = Expect(subject="TOAN", semester="2")
    message = refusal(lambda: read_score_book(book, expect, parse_map("GK=GKTN+GKTH,CK=CKTN+CKTH")))
    assert message.startswith("Trang «9H01» không có cột «gkth» mà --map «GK=GKTN+GKTH» ghi")
    assert message.endswith("ví dụ «GK=GKTN+GKTH|GKTN».")
    read = read_score_book(book, expect, parse_map("GK=GKTN+GKTH|GKTN,CK=CKTN+CKTH"))
    assert read.rejected_rows == []
    scores = {(r["lop"], r["ma_dinh_danh"]): (r["tx"], r["gk"], r["ck"]) for r in read.records}
    assert scores == {
        ("12T1", "7900000101"): ([Decimal("9.3"), Decimal(10), Decimal(10)], Decimal(10), Decimal("9.8")),
        ("12T1", "7900000102"): ([Decimal(10), Decimal("8.5"), Decimal(10)], Decimal("9.1"), Decimal("9.2")),
        ("9H01", "7900000201"): ([Decimal(10), Decimal(10)], Decimal("9.8"), Decimal("8.5")),  # 9,75 rounded half up
        ("9H01", "7900000202"): ([Decimal(8), Decimal(5)], Decimal("8.5"), Decimal("7.8")),
    }
    # every part is used on the sheets that have it: none is listed as left unused
    assert not [u for u in read.info["unused_columns"] if u["column"] in ("GKTN", "GKTH", "CKTN", "CKTH")]
    # the order of the ways does not matter: a sheet takes the way with the most parts it has
    again = read_score_book(book, expect, parse_map("GK=GKTN|GKTN+GKTH,CK=CKTN+CKTH"))
    assert {(r["lop"], r["ma_dinh_danh"]): (r["tx"], r["gk"], r["ck"]) for r in again.records} == scores


@pytest.mark.parametrize("text", ["GK=GKTN", "GK=GKTN+GKTH|GKTH+GKTN", "GK=GKTN+GKTH|", "GK=GKTN+GKTN|GKTN"])
def test_ways_of_adding_a_split_test_must_differ_and_name_parts(text):
    message = refusal(lambda: parse_map(text))
    assert "ghi các phần khác nhau" in message or "Không hiểu" in message


def test_ways_of_adding_a_split_test_are_kept_in_the_order_typed():
    mapping = parse_map("GK=GKTN+GKTH|GKTN,CK=CKTN+CKTH")
    assert mapping["combine"] == {"gk": ["gktn", "gkth"], "ck": ["cktn", "ckth"]}
    assert mapping["combine_ways"] == {"gk": [["gktn", "gkth"], ["gktn"]]}
    assert mapping["combine_texts"]["gk"] == "GK=GKTN+GKTH|GKTN"


# --- «.xls» files that are not workbooks ----------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (
            b'\xef\xbb\xbf<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="utf-8"></head>'
            b"<body><table><tr><td>STT</td><td>M\xc3\xa3 h\xe1\xbb\x8dc sinh</td></tr></table></body></html>",
            "Tệp không phải là tệp Excel mà là một trang web (HTML) đặt tên như tệp Excel",
        ),
        (
            b"<table border=1><tr><td>STT</td><td>H\xe1\xbb\x8d v\xc3\xa0 t\xc3\xaan</td></tr></table>",
            "Tệp không phải là tệp Excel mà là một trang web (HTML) đặt tên như tệp Excel",
        ),
        (
            b'<?xml version="1.0"?>\r\n<?mso-application progid="Excel.Sheet"?>\r\n'
            b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>',
            "Tệp là bảng tính XML của Excel 2003, không phải .xlsx hay .xls",
        ),
        (b"STT;Ho ten\r\n1;An\r\n", "Tệp không phải là tệp Excel (.xlsx hoặc .xls)."),
    ],
)
def test_a_web_page_saved_as_xls_is_named_and_the_way_out_said(data, said):
    """Public importers of school files handle vnEdu/SMAS «.xls» downloads that are HTML tables
    (a reader's fallback «Đọc dạng HTML (Thường gặp ở file xuất từ VnEdu/SMAS)», find_string id
    19184972802; «tệp HTML xuất từ vnEdu/SMAS mang đuôi .doc», id 68341509008). lienthong said only
    «not an Excel file»; it now says what the file is and how to turn it into one, and still
    parses none of it."""
    message = refusal(lambda: detect_kind(data))
    assert message.startswith(said)
    if "Excel 2003" in said or "HTML" in said:
        assert message.endswith(
            "hãy mở tệp bằng Excel, chọn Lưu thành «Sổ làm việc Excel (.xlsx)» rồi nhập tệp vừa lưu."
        )


def test_a_workbook_whose_sheets_are_missing_is_refused_as_incomplete():
    """github:NguyenVanDuc1997/hoso-hocsinh, commit 2f1c5430da66cdd0fff3779f820747564e9908d8,
    ``storage/excel/1569374156_253_188_import_profile.xlsx`` (a school's upload of a support-policy
    list): its workbook names three sheets but holds none of their parts. lienthong opened it and
    failed on the first sheet as an internal error («chương trình đọc tệp gặp lỗi (UnsafeWorkbook).
    Hãy báo cho quản trị CNTT»); it is now refused before reading, saying the file is incomplete."""
    whole = xlsx({"Sheet1": ([["STT", "Họ và tên"], [1, "Nguyễn Văn An"]], []), "Sheet2": ([["x"]], [])})
    cut = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(whole)) as source, zipfile.ZipFile(cut, "w") as target:
        for item in source.infolist():
            if not item.filename.startswith("xl/worksheets/"):
                target.writestr(item, source.read(item))
    message = refusal(lambda: detect_kind(cut.getvalue()))
    assert message == (
        "Tệp Excel không trọn: thiếu nội dung của trang «Sheet1», «Sheet2» (tệp hỏng hoặc tải lên dở dang). "
        "Hãy lấy lại tệp gốc, hoặc mở bằng Excel rồi lưu lại."
    )


def test_a_sheet_the_reader_cannot_lay_out_refuses_the_file_in_words(monkeypatch):
    """Whatever else makes calamine fail on a sheet after the file was opened reaches the user as
    the file's refusal (Vietnamese, exit 2), not as the reader's internal error."""
    from lienthong.connectors import spreadsheet

    def broken(self, sheet):
        raise spreadsheet.UnsafeWorkbook(f"Không đọc được trang «{sheet.title}» (CalamineError).")

    monkeypatch.setattr(spreadsheet.Book, "rows_of", broken)
    data = xlsx({"6A1": ([["STT", "Họ và tên", "TX1"], [1, "Nguyễn Văn An", 8]], [])})
    assert refusal(lambda: detect_kind(data)) == "Không đọc được trang «6A1» (CalamineError)."


def test_a_score_typed_into_a_cell_formatted_as_a_date_is_read_as_the_number_with_a_note():
    """github:VuKhang-lsts/SodiemHK22526 ``data/so-diem.xlsx`` at commit b7a9c67 (and e9c8195): on
    sheet 9H03 the CKTH part 3,9 was typed into a cell formatted as a date, so Excel shows
    «03/01/1900» and the reader got a date: the row was refused («Điểm không phải là số; trong ô
    là «03/01/1900»») and the student's scores lost. The file holds the number: it is read, and
    the cell is named so the teacher can fix its format."""
    book = Workbook()
    sheet = book.active
    sheet.title = "9H03"
    sheet.append(BOOK_HEADER_9)
    sheet.append(["1", "9H03", "7900000301", 2206301, "a@truong.edu.vn", "Phạm Minh Giang", "01/02/2011",
                  8, 10, 10, 5.6, 3.9, 0])  # fmt: skip
    sheet.append(["2", "9H03", "7900000302", 2206302, "b@truong.edu.vn", "Đỗ Thu Hà", "02/03/2011",
                  9, 7.5, 8, 4.5, 3, 0])  # fmt: skip
    sheet["L2"].number_format = "dd/mm/yyyy"  # CKTH 3,9 → «03/01/1900 21:36»
    sheet["H3"].number_format = "dd/mm/yyyy"  # TX1 9 → «09/01/1900»
    buffer = io.BytesIO()
    book.save(buffer)
    read = read_score_book(buffer.getvalue(), Expect(subject="TOAN", semester="2"), parse_map("GKTN=GK,CK=CKTN+CKTH"))
    assert read.rejected_rows == []
    scores = {r["ma_dinh_danh"]: (r["tx"], r["gk"], r["ck"]) for r in read.records}
    assert scores == {
        "7900000301": ([Decimal(8), Decimal(10)], Decimal(10), Decimal("9.5")),
        "7900000302": ([Decimal(9), Decimal("7.5")], Decimal(8), Decimal("7.5")),
    }
    notes = {p.cell: p.message for p in read.problems if "định dạng ngày tháng" in p.message}
    assert notes == {
        "L2": "Ô L2 định dạng ngày tháng nên Excel hiện «03/01/1900»; đã đọc là điểm 3,9. "
        "Hãy đổi định dạng các ô điểm thành Số",
        "H3": "Ô H3 định dạng ngày tháng nên Excel hiện «09/01/1900»; đã đọc là điểm 9. "
        "Hãy đổi định dạng các ô điểm thành Số",
    }
    assert all(not p.fatal for p in read.problems if p.cell in notes)


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        (datetime.time(0, 0), 0.0),
        (datetime.time(12, 0), 0.5),
        (datetime.date(1900, 1, 3), 3),
        (datetime.datetime(1900, 1, 8, 18, 0), 8.75),
        (datetime.date(1900, 1, 10), 10),
        (datetime.date(1900, 1, 11), None),  # 11 is no score: left for the row's refusal
        (datetime.date(2011, 11, 12), None),  # a real day
        ("03/01/1900", None),  # typed text is what the teacher typed
    ],
)
def test_which_dates_stand_for_a_score(raw, number):
    assert number_shown_as_date(raw) == number


def test_a_sheet_of_several_classes_counts_in_the_classes_the_file_holds():
    """The same book's sheet «MUL10L3» holds one subject group drawn from four classes, each row
    naming its own («Tên lớp» 10F2, 10F1, 10A1, 10A2). Its rows were read under their classes,
    but the file's summary listed only the classes of the other sheets' titles («lớp 12T1, 12T2,
    9H01…»), so an import said nothing of 10A1, 10A2, 10F1, 10F2."""
    rows = [
        BOOK_HEADER_12,
        ["1", "10F2", "7900000401", 2107001, "c@truong.edu.vn", "Vũ Thiên Ân", "12/09/2010", 10, 10, 10, 6, 4, 6, 4, 0],
        ["2", "10F1", "7900000402", 2107002, "d@truong.edu.vn", "Trần Quế Chi", "25/06/2010", 10, 9, 10, 5.8, 3.8, 5.9,
         3.8, 0],
        ["3", "10A1", "7900000403", 2107003, "e@truong.edu.vn", "Nguyễn Thảo", "04/08/2010", 9, 10, 8.5, 6, 4, 6,
         3.9, 0],
    ]  # fmt: skip
    data = xlsx({"12T1": teachers_book_sheet(), "MUL10L3": (rows, [])})
    read = read_score_book(data, Expect(subject="TOAN", semester="2"), parse_map("GK=GKTN+GKTH,CK=CKTN+CKTH"))
    assert {(r["trang"], r["lop"]) for r in read.records} >= {("MUL10L3", "10F2"), ("MUL10L3", "10A1")}
    assert gradebook_records(read).classes == ["10A1", "10F1", "10F2", "12T1"]


def teachers_book_sheet():
    return (
        [
            BOOK_HEADER_12,
            ["1", "12T1", "7900000101", 1906001, "x@truong.edu.vn", "Trần Bảo An", "07/05/2008", 9, 10, 10, 6, 4, 6,
             4, 0],
        ],
        [],
    )  # fmt: skip
