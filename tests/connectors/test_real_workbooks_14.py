"""Real published school workbooks tried in session 14 whose layout lienthong misread or failed on,
rebuilt here with invented names (no real child's name or ID is committed): the headers, their
order and the kind of values the cells hold are the real files', the people are not.

Also tried, each through ``lienthong import --dry-run`` and with every ``--kind``, and rightly
refused (not a school system's file, said in Vietnamese, no traceback), so not to be tried again:
github:NguyenVanDuc1997/hoso-hocsinh at 2f1c5430 — all 1,729 workbooks (schools' support-policy
lists under ``storage/excel``, ``storage/exceldownload``, ``storage/exceltemplate``; the owner file
and the TCVN3 list among them are below);
github:gaming1507/student-emulation-tracker at 168399d6 ``Book1.xlsx``; github:phucnguyen2110/webdiemdanh
at 33f36221 ``frontend/public/Template.xlsx`` (a parish catechism class: «M | 1T | Thi»);
github:chuong-pqag/AI_Tutor at c3ab3162 ``mau_import_hoc_sinh.xlsx`` and
github:mynhi220196-creator/saodo-thcstambinh at 98e37b67 ``public/mau-nhap-hoc-sinh.xlsx`` (apps'
own import templates); github:khainv2/TracNghiem at 67b42de5 ``hocsinh.xlsx``;
github:TranHuynhVu/KiemTraHocBaHocSinh at bdee4e6e ``TuyenSinh/wwwroot/uploads/*.xlsx`` (a
university's admission wishes, 25,923 rows); github:hoangvanvietanh/QuanLyTuyenSinh at 1e34a7c5
``danh_sach_hoc_sinh.xls``; github:hthanhtin/tkb2vnedupccm at 162f6c4a ``TKB_PCCM.xlsx`` (teachers'
assignments for vnEdu).
"""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from lienthong.connectors.excel import shown
from lienthong.connectors.gradebook.excel import Expect, known_subject, parse_map, read_score_book
from lienthong.store.db import migrate
from tests.cli.test_assess_cli import lienthong
from tests.workbooks import refusal, workbook

# --- a physics teacher's class list of an upper secondary class, scores computed by formulas -------

PHYSICS_HEADER = ["STT", "Họ và tên", "Họ và tên đệm", "Tên", "HS1", "BT01 Đúng/Sai", "BT02 Moment", "Điểm cộng",
                  "Điểm KTGK", "Điểm KTCK"]  # fmt: skip


# how the teacher says what her columns are: HS1 a regular assessment, the exercises no score
PHYSICS_MAP = "HS1=TX1,BT01 Đúng/Sai=KHONG,BT02 Moment=KHONG,Điểm KTGK=GK,Điểm KTCK=CK"


def physics_list() -> bytes:
    """github:solz9/L-4, commit 384f2822a5fb1ccdd4cbcb519c3f2a6fd50be4b2, ``DS_10Ly4.xlsx``: a teacher's
    list of class 10 Lý 4 (33 students) on one sheet, header on row 1, no title (neither subject,
    class nor semester written); the name whole and split («Họ và tên đệm», «Tên»); «HS1» is a
    formula's result, so the file holds 7.250000000000001 or 8.549999999999999 where Excel shows
    7,25 and 8,55; the exercise columns hold counts as text («15») and scores as text («6.50»);
    «Điểm KTGK»/«Điểm KTCK» still empty. Names invented; the noise is the real file's kind of value."""
    return workbook(
        {
            "Sheet1": [
                PHYSICS_HEADER,
                [1.0, "Lê Minh An", "Lê Minh", "An", 7.300000000000001, "15", "6.50", 3.0, 8, 7.5],  # Excel shows 7,3
                [2.0, "Trần Thu Bình", "Trần Thu", "Bình", 10.0, "17", "10.00", 1.0, 9, 9.5],
                [3.0, "Phạm Gia Chi", "Phạm Gia", "Chi", 7.250000000000001, "9", "8.25", 2.0, 6, 7],  # 7,25
                [4.0, "Đỗ Hải Dương", "Đỗ Hải", "Dương", 8.549999999999999, "16", "9.00", None, 8, 8],  # 8,55
            ]
        }
    )


def test_a_subject_the_catalog_lacks_is_refused_in_words_listing_the_codes_not_an_internal_error():
    """The teacher of «10 Lý 4» chose her subject, ``--subject LY``: lienthong failed inside the reader
    («chương trình đọc tệp gặp lỗi (AssessmentError). Hãy báo cho quản trị CNTT»). The catalog is the
    lower secondary one: the file is refused saying so and which codes there are."""
    message = refusal(lambda: read_score_book(physics_list(), Expect(subject="LY", semester="1")))
    assert message.startswith("Môn «LY» không có trong danh mục môn THCS của lienthong; hãy chọn một mã: ")
    assert "KHTN (Khoa học tự nhiên)" in message and "TOAN (Toán)" in message


@pytest.mark.parametrize("chosen", ["KHTN", "khtn", " Khoa học tự nhiên ", "khoa hoc tu nhien"])
def test_a_subject_is_chosen_by_its_code_in_any_case_or_by_its_name(chosen):
    assert known_subject(chosen) == "KHTN"


def test_a_subject_chosen_by_name_is_the_records_subject():
    read = read_score_book(physics_list(), Expect(subject="Khoa học tự nhiên", semester="1"), parse_map(PHYSICS_MAP))
    assert {r["ma_mon"] for r in read.records} == {"KHTN"}


def test_the_command_refuses_an_unknown_subject_in_one_vietnamese_line(tmp_path: Path):
    """Through the command a teacher runs: exit 2, the reason on one line, no traceback."""
    book = tmp_path / "DS_10Ly4.xlsx"
    book.write_bytes(physics_list())
    db = f"sqlite:///{tmp_path / 'x.db'}"
    migrate(db)
    done = subprocess.run(
        [*lienthong(), "--db", db, "import", "--dry-run", "--subject", "LY", "--semester", "1", str(book)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "LIENTHONG_SCHOOL_YEAR": "2025-2026"},
    )
    assert done.returncode == 2
    assert "Môn «LY» không có trong danh mục môn THCS" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr and "AssessmentError" not in done.stdout + done.stderr


def test_a_formulas_result_is_read_as_excel_shows_it():
    """«HS1» of the real list is computed: a score Excel shows as 7,3 is held as 7.300000000000001 and
    was refused as having more than one decimal («trong ô là «7.300000000000001»»), losing the
    student's row. It is read as 7,3; a score that really has two decimals (7,25) is still refused,
    and the cell is shown as Excel shows it, not with the formula's binary noise."""
    read = read_score_book(physics_list(), Expect(subject="KHTN", semester="1"), parse_map(PHYSICS_MAP))
    scores = {r["ho_ten"]: (r["tx"], r["gk"], r["ck"]) for r in read.records}
    assert scores == {
        "Lê Minh An": ([Decimal("7.3")], Decimal(8), Decimal("7.5")),
        "Trần Thu Bình": ([Decimal(10)], Decimal(9), Decimal("9.5")),
    }
    refused = {(p.cell, p.value) for p in read.rejected_rows}
    assert refused == {("E4", "7.25"), ("E5", "8.55")}
    assert all("Điểm chỉ được có một chữ số thập phân" in p.message for p in read.rejected_rows)


@pytest.mark.parametrize(("value", "said"), [(7.250000000000001, "7.25"), (8.0, "8"), (2599000001.0, "2599000001")])
def test_a_number_is_shown_as_excel_shows_it(value, said):
    assert shown(value) == said


def test_columns_the_teacher_says_are_no_score_are_left_out_and_said():
    """Its exercise columns hold counts («15») and marks («6.50») under headers that say no
    assessment: lienthong refused the list («có điểm nhưng không rõ là điểm nào») and the only way
    on was a letter map. ``«Tên cột»=KHONG`` now says a column is no score: the book is read
    without it, and the column is listed as not used because the person said so."""
    message = refusal(
        lambda: read_score_book(
            physics_list(), Expect(subject="KHTN", semester="1"), parse_map("HS1=TX1,Điểm KTGK=GK,Điểm KTCK=CK")
        )
    )
    assert message.startswith("Trang «Sheet1»: cột «BT01 Đúng/Sai» (ô F1), «BT02 Moment» (ô G1) có điểm nhưng")
    assert message.endswith("cột không phải điểm: «Tên cột=KHONG».")
    read = read_score_book(physics_list(), Expect(subject="KHTN", semester="1"), parse_map(PHYSICS_MAP))
    assert len(read.records) == 2
    unused = {u["column"]: u["reason"] for u in read.info["unused_columns"]}
    assert unused["BT01 Đúng/Sai"] == unused["BT02 Moment"] == "--map ghi là không phải cột điểm: không nhập"
    assert set(unused) >= {"Họ và tên đệm", "Tên", "Điểm cộng"}
    assert unused["Điểm cộng"].startswith("điểm cộng/trừ không có trong Thông tư 22")


def test_a_column_said_to_be_no_score_must_be_in_the_file():
    message = refusal(
        lambda: read_score_book(
            physics_list(), Expect(subject="KHTN", semester="1"), parse_map(PHYSICS_MAP + ",BT03=KHONG")
        )
    )
    assert "BT03" in message


def test_a_letter_map_without_its_header_row_says_which_key_to_add():
    """``--map "ho_ten=B,tx=E,gk=I,ck=J"`` on the same list said «Cách ánh xạ cột thiếu header_row»,
    the reader's own name for ``dong``."""
    message = refusal(
        lambda: read_score_book(
            physics_list(), Expect(subject="KHTN", semester="1"), parse_map("ho_ten=B,tx=E,gk=I,ck=J")
        )
    )
    assert message.startswith("--map ghi cột bằng chữ cái nhưng thiếu «dong=… (số dòng tiêu đề)»")
    assert "header_row" not in message


# --- a school's class emulation summary (thi đua): no student, not a school system's file --------


def emulation_summary() -> bytes:
    """github:gaming1507/student-emulation-tracker, commit 168399d6f636ee7640289fc6716f676613a44453,
    ``THI ĐUA NĂM HỌC 2025-2026.xlsx``: an upper secondary school's weekly emulation summary, one
    sheet per grade, one row per class (10/1, 10/2…), a two-row header whose cells hold line
    breaks («ĐIỂM \\nHỌC TẬP», «Vắng \\nkhông phép»). No student is in it: lienthong refuses it, and
    when the person says it is a gradebook, the refusal shows its header on one line."""
    return workbook(
        {
            "Lớp 10": [
                ["TỔNG KẾT THI ĐUA - TUẦN 1+2  - KHỐI 10"],
                ["Từ ngày: 21/08/2025 đến ngày: 12/09/2025"],
                [],
                ["LỚP", "HỌC TẬP", None, None, "NỀN NẾP", None, None, "ĐIỂM TỔNG KẾT", "VỊ THỨ"],
                [None, "Tổng điểm các môn học", "Tổng các tiết học", "ĐIỂM \nHỌC TẬP", "Vắng \nkhông phép", "Trễ ",
                 "ĐIỂM \nNỀN NẾP"],
                [],
                [10],
                ["10/1", 300, 30, 300, None, 0.5, 0.5, 299.5, 6],
                ["10/2", 300, 30, 300, 1.5, 0.5, 2.0, 298, 10],
            ]
        }
    )  # fmt: skip


def test_an_emulation_summary_is_refused_and_its_header_said_on_one_line():
    from lienthong.connectors.file_kinds import detect_kind

    assert refusal(lambda: detect_kind(emulation_summary())).startswith("Không nhận ra loại tệp")
    message = refusal(lambda: read_score_book(emulation_summary(), Expect(subject="TOAN", semester="1")))
    assert "\n" not in message
    assert "«ĐIỂM HỌC TẬP» | «Vắng không phép» | «Trễ» | «ĐIỂM NỀN NẾP»" in message


# --- Excel's owner file («~$…xlsx») uploaded instead of the workbook -----------------------------


def owner_file(user: str) -> bytes:
    """The 165 bytes Excel writes beside a workbook it has open, as in github:NguyenVanDuc1997/hoso-hocsinh,
    commit 2f1c5430da66cdd0fff3779f820747564e9908d8, ``public/excel/exports/~$classess.xlsx`` (a school
    upload): the user's name as a length byte and 54 space-padded bytes (the ANSI code page), then its
    length and the name again in UTF-16, space-padded. The user here is invented."""
    ansi = user.encode("cp1252", errors="replace")
    wide = user.encode("utf-16-le")
    data = bytes([len(user)]) + ansi.ljust(54, b" ") + len(user).to_bytes(2, "little") + wide
    return data + " ".join([""] * 60).encode("utf-16-le")[: 165 - len(data)].ljust(165 - len(data), b"\0")


def test_an_excel_owner_file_is_named_and_the_workbook_beside_it_asked_for():
    """lienthong said only «Tệp không phải là tệp Excel (.xlsx hoặc .xls)» of a «~$» file, whose
    name looks like the teacher's workbook; it now says what the file is and which one to choose."""
    from lienthong.connectors.file_kinds import detect_kind

    data = owner_file("Lê Thu")
    assert len(data) == 165
    message = refusal(lambda: detect_kind(data))
    assert message == (
        "Tệp là tệp khoá Excel tạo ra khi một bảng tính đang mở (tên bắt đầu bằng «~$», chỉ ghi tên "
        "người đang mở), không phải bảng tính; hãy chọn tệp cùng tên không có «~$» ở đầu."
    )
    assert "Lê Thu" not in message  # the name in it is never echoed
    other = b"\x06" + b"x" * 164  # 165 bytes of something else: not taken for one
    assert refusal(lambda: detect_kind(other)) == "Tệp không phải là tệp Excel (.xlsx hoặc .xls)."


def test_an_average_computed_by_a_rounding_formula_is_compared_as_excel_shows_it():
    """A book whose ĐTBmhk is the teacher's own ``=ROUND(…;1)`` holds 7.300000000000001 where Excel
    shows 7,3: it is compared as 7,3 (and a right one says nothing), not skipped as no score."""
    rows = [["STT", "Họ và tên", "TX1", "TX2", "GK", "CK", "ĐTBmhk"],
            [1, "Lê Minh An", 6, 8, 7, 7.5, 7.300000000000001],  # (6+8+14+22.5)/7 = 7.21… → 7,2 computed
            [2, "Trần Thu Bình", 8, 8, 8, 8, 8.000000000000002]]  # fmt: skip
    read = read_score_book(workbook({"6A1": rows}), Expect(subject="TOAN", semester="1"))
    notes = [(p.cell, p.message, p.value) for p in read.problems if p.column == "ĐTBmhk"]
    assert notes == [("G2", "ĐTBmhk trong tệp 7,3 khác giá trị tính lại 7,2", "7.3")]


def test_an_average_a_formula_left_unrounded_is_compared_once_rounded_as_circular_22_rounds():
    """A teacher's ĐTBmhk without ROUND (``=(SUM(C2:D2)+2*E2+3*F2)/7`` gives 7.21428571428571) was
    skipped as no score, in silence. It is compared rounded half up to one decimal: one that agrees
    says nothing, one that does not is noted with the value the cell holds and its rounding."""
    rows = [
        ["STT", "Họ và tên", "TX1", "TX2", "GK", "CK", "ĐTBmhk"],
        [1, "Lê Minh An", 6, 8, 7, 7.5, 7.21428571428571],  # 50.5/7: 7,2 both ways
        [2, "Trần Thu Bình", 8, 8, 8, 8, "8,0476"],  # a text, comma decimal: 8,0 against 8,0
        [3, "Phạm Gia Chi", 5, 6, 6, 6, 6.54285714285714],  # 6,5 in the file, 5,9 recomputed
        [4, "Đỗ Hải Dương", 5, 6, 6, 6, "không tính"],  # not a score: said, not skipped in silence
        [5, "Vũ Minh Em", 5, 6, 6, 6, 11],  # out of range, likewise
        [6, "Ngô Thu Giang", None, None, None, None, "#DIV/0!"],
    ]  # no scores: nothing to compare with
    read = read_score_book(workbook({"6A1": rows}), Expect(subject="TOAN", semester="1"))
    notes = [(p.cell, p.message, p.value) for p in read.problems if p.column == "ĐTBmhk"]
    not_a_score = (
        "không phải là điểm từ 0 đến 10: không đối chiếu được với điểm trung bình tính lại từ các điểm của dòng"
    )
    assert notes == [
        ("G4", "ĐTBmhk trong tệp 6,54285714285714 (làm tròn 6,5) khác giá trị tính lại 5,9", "6.54285714285714"),
        ("G5", f"ĐTBmhk trong tệp «không tính» {not_a_score}", "không tính"),
        ("G6", f"ĐTBmhk trong tệp «11» {not_a_score}", "11"),
    ]
    assert not any(p.fatal for p in read.problems if p.column == "ĐTBmhk")  # the rows' scores are kept
    assert [r["dong"] for r in read.records] == [2, 3, 4, 5, 6, 7]


def test_a_csdl_results_template_filled_by_formulas_reads_its_scores_as_excel_shows_them():
    """The same binary noise in a CSDL results template a school filled with its own formulas:
    «Toán» 7.300000000000001 is 7,3, not a row refused for a score with more than one decimal."""
    from lienthong.connectors.csdl.excel import read_results

    header = ["STT", "Mã lớp", "Mã định danh Bộ GD&ĐT", "Họ tên", "Toán", "KQ học tập", "KQ rèn luyện"]
    rows = [["KẾT QUẢ HỌC TẬP HỌC KỲ I"], header, [1, "6A1", "7900000001", "Lê Minh An", 4.9 + 2.4, "Khá", "Tốt"]]
    read = read_results(workbook({"Sheet1": rows}), semester="1")
    assert read.rejected_rows == []
    assert [(m["MaMon"], m["DiemTB"]) for m in read.records[0]["Mon"]] == [("TOAN", "7.3")]


def test_a_book_that_names_no_subject_says_each_way_to_name_it():
    """The real list names no subject anywhere; the refusal said «hãy chọn môn khi nhập tệp», not
    how. It now says the command's option, the upload page's field and the title row that lets the
    file say it; each way reads the book (the upload page's: tests/dashboard/test_upload.py)."""
    message = refusal(lambda: read_score_book(physics_list(), Expect(semester="1"), parse_map(PHYSICS_MAP)))
    assert message == (
        "Trang «Sheet1»: không rõ môn học (không có dòng tiêu đề nào ghi môn). Hãy chọn môn khi nhập "
        "(lienthong import --subject TOAN, hoặc ô Môn khi tải tệp lên), hoặc thêm phía trên dòng tiêu đề "
        "cột một dòng ghi môn, ví dụ «Sổ điểm môn Toán»."
    )
    titled = workbook({"Sheet1": [["Sổ điểm môn Khoa học tự nhiên"], PHYSICS_HEADER, [1.0, "Lê Minh An", "Lê Minh",
                                   "An", 7.3, "15", "6.50", 3.0, 8, 7.5]]})  # fmt: skip
    read = read_score_book(titled, Expect(semester="1"), parse_map(PHYSICS_MAP))
    assert [(r["ma_mon"], r["tx"]) for r in read.records] == [("KHTN", [Decimal("7.3")])]


@pytest.mark.parametrize("header", ["HS1", "HS 1", "Hệ số 1", "HS1 (1)"])
def test_a_coefficient_one_column_is_a_regular_assessment(header):
    """The real list heads its regular assessment «HS1», as books kept since Circular 58 do; it was
    refused as a score column nobody named. Under Circular 22 only regular assessments weigh 1:
    it is read as TX with no --map; «HS2» is no such column and still needs naming."""
    rows = [["STT", "Họ và tên", header, "HS1 (2)", "Điểm KTGK", "Điểm KTCK"], [1, "Lê Minh An", 8, 7.5, 7, 9]]
    read = read_score_book(workbook({"10L4": rows}), Expect(subject="KHTN", semester="1"))
    assert [(r["tx"], r["gk"], r["ck"]) for r in read.records] == [
        ([Decimal(8), Decimal("7.5")], Decimal(7), Decimal(9))
    ]
    other = [["STT", "Họ và tên", "HS2", "Điểm KTGK", "Điểm KTCK"], [1, "Lê Minh An", 8, 7, 9]]
    message = refusal(lambda: read_score_book(workbook({"10L4": other}), Expect(subject="KHTN", semester="1")))
    assert "cột «HS2» (ô C1) có điểm nhưng không rõ là điểm nào" in message


# --- a school's list typed in TCVN3, of no kind lienthong reads -----------------------------------

TCVN3 = {"ọ": "ä", "à": "µ", "ê": "ª", "ạ": "¹", "ệ": "Ö", "ụ": "ô", "ớ": "í", "ố": "è", "ị": "Þ"}  # enough here


def tcvn3(text: str) -> str:
    return "".join(TCVN3.get(c, c) for c in text)


def test_a_legacy_encoded_list_of_no_known_kind_never_repeats_a_childs_name():
    """github:NguyenVanDuc1997/hoso-hocsinh, commit 2f1c5430da66cdd0fff3779f820747564e9908d8,
    ``storage/excel/1576565858_199_130_import_profile.xlsx``: a school's support-policy list whose
    names are typed in TCVN3 under Unicode headers. No kind was recognised, and the refusal read the
    first TCVN3 cell aloud — a child's name («có thể là «…»»). A header's reading is still shown, a
    name's never. Names invented."""
    from lienthong.connectors.file_kinds import detect_kind

    header = ["TT", "Họ và tên", "Lớp", "Ngày tháng năm sinh", "Dân tộc", "Khoảng cách từ nhà đến trường (ghi số km)"]
    names = workbook({"Sheet1": [header, [1, tcvn3("Lê Thị Ngọc"), "6A", "01/02/2013", "Dao", 7]]})
    message = refusal(lambda: detect_kind(names))
    assert message == (
        "Văn bản có vẻ được gõ bằng bảng mã TCVN3 (ABC, phông .VnTime). "
        "Hãy chuyển tệp sang Unicode (ví dụ bằng Unikey) rồi nhập lại."
    )
    headers = workbook({"Sheet1": [[tcvn3(h) for h in header], [1, tcvn3("Lê Thị Ngọc"), "6A", "01/02/2013"]]})
    said = refusal(lambda: detect_kind(headers))
    assert "có thể là «Họ và tên»" in said and "Ngọc" not in said
