"""vnEdu's files as schools really download them (issue 15, item 6), built by hand from the facts
in domain.md ("What goes wrong in real files") and the issue, as ``.xls`` (xlwt) and ``.xlsx``:

- the summary "BẢNG TỔNG HỢP KẾT QUẢ GIÁO DỤC HỌC KỲ 2, NĂM HỌC 2025-2026" (also HỌC KỲ 1 and CẢ
  NĂM): title rows, one sheet per class, a header over two rows (``Buổi nghỉ`` over ``P | K |
  Tổng``; ``(HS 1)``/``(N.xét)``/``(Học kỳ 2)`` under the subjects), ``Số định danh cá nhân``,
  abbreviated subjects beside full names, components (``Lí, Hóa, Sinh, Sử, Địa``), ``Miễn``/``-``;
- the discipline export "THỐNG KÊ CHI TIẾT NỀ NẾP CỦA HỌC SINH": STT, Mã học sinh (a number), Họ
  và tên, Lớp, Hình thức, Ghi chú, Ngày (a date or dd/mm/yyyy text), Tổng, Điểm thi đua.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import xlwt
from openpyxl import Workbook

from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.file_kinds import detect_kind
from lienthong.connectors.vnedu.excel import NOT_ATTENDANCE, Expect, absence_form, read_discipline, read_summary
from lienthong.mapping import vnedu as vnedu_mapping
from lienthong.mapping.canonical import YearResult
from lienthong.reconciliation.compare import reconcile
from lienthong.reconciliation.service import load_sources
from lienthong.sync.file_import import Wanted, import_file
from tests.hand_made import vkey
from tests.reconciliation.test_absence_rules import School

# --- building workbooks by hand ------------------------------------------------------------------

# rows, and merges as (first row, first column, last row, last column), 0-based
Sheet = tuple[list[list], list[tuple[int, int, int, int]]]


def xlsx(sheets: dict[str, Sheet]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, (rows, merges) in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for r1, c1, r2, c2 in merges:
            sheet.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xls(sheets: dict[str, Sheet]) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    day = xlwt.easyxf(num_format_str="dd/mm/yyyy")
    for title, (rows, merges) in sheets.items():
        sheet = book.add_sheet(title)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, date):
                    sheet.write(r, c, value, day)
                elif value is not None:
                    sheet.write(r, c, value)
        for r1, c1, r2, c2 in merges:
            sheet.merge(r1, r2, c1, c2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


WRITERS = {"xls": xls, "xlsx": xlsx}

# --- vnEdu's real summary ------------------------------------------------------------------------

HEADER = [
    "STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Số định danh cá nhân",
    "Toán", "Ngữ văn", "Ng.Ngữ", "GDCD", "LS&ĐL", "Sử", "Địa", "KHTN", "Lí", "Hóa", "Sinh",
    "C.Nghệ", "Tin", "GDTC", "Nghệ thuật", "HĐTN&HN", "NDGDCĐP",
    "KQ học tập", "KQ rèn luyện", "Buổi nghỉ", None, None, "Danh hiệu", "Ghi chú",
]  # fmt: skip
COMMENT_COLUMNS = {"GDTC", "Nghệ thuật", "HĐTN&HN", "NDGDCĐP"}
ABSENCE = HEADER.index("Buổi nghỉ")  # column Y (0-based 24)


def sub_row(period_label: str | None) -> list:
    row: list = [None] * len(HEADER)
    for position, name in enumerate(HEADER[: HEADER.index("KQ học tập")]):
        if position >= HEADER.index("Toán"):
            row[position] = "(N.xét)" if name in COMMENT_COLUMNS else "(HS 1)"
    if period_label:
        row[HEADER.index("KQ học tập")] = row[HEADER.index("KQ rèn luyện")] = period_label
    row[ABSENCE : ABSENCE + 3] = ["P", "K", "Tổng"]
    return row


def student(
    n: int, name: str, born, personal, scores: dict | None = None, absences=(0, 0, 0), result=("Tốt", "Tốt"), **more
) -> list:
    values = {
        "STT": n,
        "Mã học sinh": 1800576640 + n,  # vnEdu writes the code as a number
        "Họ và tên": name,
        "Ngày sinh": born,
        "Số định danh cá nhân": personal,
        **{s: "8.5" for s in ("Toán", "Ngữ văn", "Ng.Ngữ", "GDCD", "LS&ĐL", "KHTN", "C.Nghệ", "Tin")},
        **{s: "Đ" for s in COMMENT_COLUMNS},
        "Sử": "8.0",
        "Địa": "9.0",
        "Lí": "-",
        "Hóa": "-",
        "Sinh": "-",
        "KQ học tập": result[0],
        "KQ rèn luyện": result[1],
        "Danh hiệu": "-",
        "Ghi chú": "",
        **(scores or {}),
        **more,
    }
    row = [values.get(h) if h else None for h in HEADER]
    row[ABSENCE : ABSENCE + 3] = list(absences)
    return row


def summary_sheet(cls: str, title: str, period_label: str | None, students: list[list]) -> Sheet:
    rows = [
        ["SỞ GIÁO DỤC VÀ ĐÀO TẠO HÀ NỘI", *[None] * 7, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        ["TRƯỜNG THCS NGUYỄN DU"],
        [title],
        [f"Lớp: {cls}"],
        [],
        HEADER,
        sub_row(period_label),
        *students,
        [],
        [None, None, "Ngày 25 tháng 5 năm 2026 — Giáo viên chủ nhiệm"],
    ]
    header = 5
    merges = [(header, ABSENCE, header, ABSENCE + 2)]  # «Buổi nghỉ» over P | K | Tổng
    merges += [(header, c, header + 1, c) for c in range(5)]  # STT … Số định danh over both rows
    return rows, merges


HK2 = "BẢNG TỔNG HỢP KẾT QUẢ GIÁO DỤC HỌC KỲ 2, NĂM HỌC 2025-2026"
CN = "BẢNG TỔNG HỢP KẾT QUẢ GIÁO DỤC CẢ NĂM, NĂM HỌC 2025-2026"


def class_6a1(title: str = HK2, label: str | None = "(Học kỳ 2)") -> Sheet:
    return summary_sheet(
        "6A1",
        title,
        label,
        [
            student(1, "Nguyễn Văn An", date(2014, 3, 12), "001214000123", absences=(2, 1, 3)),
            student(2, "Trần Thị Bình", "05/07/2014", 1214000456, {"GDTC": "Miễn", "Tin": "-"}),  # lost its zero
            student(3, "Lê Minh Chi", date(2014, 11, 20), None, {"Toán": "6.5"}, (0, 4, 4), ("Khá", "Khá")),
        ],
    )


@pytest.fixture(params=["xls", "xlsx"])
def write(request):
    return WRITERS[request.param]


def test_real_semester_summary_is_read_with_its_period_absences_ids_and_abbreviations(write):
    data = write({"6A1": class_6a1(), "Ghi chú": ([["Bảng do vnEdu xuất"]], [])})
    read = read_summary(data, "2025-2026")
    assert not read.rejected_rows, [str(p) for p in read.rejected_rows]
    assert read.info["sheets"] == [
        {"sheet": "6A1", "class_code": "6A1", "school_year": "2025-2026", "semester": "2", "homeroom": None}
    ]
    an, binh, chi = read.records
    assert (an["ma_hoc_sinh"], an["hoc_ky"], an["nam_hoc"]) == ("1800576641", "2", "2025-2026")
    assert an["ngay_sinh"] == "12/03/2014"
    assert (an["nghi_co_phep"], an["nghi_khong_phep"], an["tong_buoi_nghi"]) == (2, 1, 3)
    assert (chi["nghi_co_phep"], chi["nghi_khong_phep"], chi["tong_buoi_nghi"], chi["kq_hoc_tap"]) == (0, 4, 4, "K")
    assert an["so_dinh_danh_ca_nhan"] == "001214000123" and chi["so_dinh_danh_ca_nhan"] is None
    assert set(an["mon"]) == {"TOAN", "VAN", "NN1", "GDCD", "LSDL", "KHTN", "CN", "TIN", "GDTC", "NT", "HDTN", "GDDP"}
    assert an["mon"]["NN1"] == "8.5" and an["mon"]["GDDP"] == "Đ" and chi["mon"]["TOAN"] == "6.5"
    assert binh["mon"]["GDTC"] == "Miễn" and "TIN" not in binh["mon"]  # exempt kept; «-» is nothing
    assert an["danh_hieu"] is None  # «-»
    # Bình's personal ID was stored as a number: its zero is put back, and the school is told where.
    assert binh["so_dinh_danh_ca_nhan"] == "001214000456"
    [restored] = [p for p in read.problems if not p.fatal]
    assert (restored.sheet, restored.cell, restored.column) == ("6A1", "E9", "Số định danh cá nhân")
    unused = {u["column"]: u for u in read.info["unused_columns"]}
    assert set(unused) == {"Sử", "Địa", "Lí", "Hóa", "Sinh", "Ghi chú"}
    assert unused["Lí"]["cell"] == "N6" and "Khoa học tự nhiên" in unused["Lí"]["reason"]
    assert "Lịch sử và Địa lí" in unused["Sử"]["reason"] and unused["Sử"]["sheet"] == "6A1"
    assert read.info["skipped_sheets"] == [{"sheet": "Ghi chú", "reason": read.info["skipped_sheets"][0]["reason"]}]
    assert detect_kind(data) == "vnedu-tonghop"


def test_the_homeroom_teacher_named_above_the_table_is_the_class_s_gvcn(write):
    # a file-only school's class list: vnEdu prints the GVCN in the title rows of each class's sheet
    rows, merges = class_6a1()
    rows[3] = ["Lớp: 6A1 - GVCN: Phạm Thị Hồng Nhung", None, None, "Sĩ số: 3"]
    read = read_summary(write({"6A1": (rows, merges)}))
    assert read.info["sheets"][0]["homeroom"] == "Phạm Thị Hồng Nhung"
    stored = vnedu_mapping.summary_records(read).stored
    assert ("lop", "6A1", {"ma_lop": "6A1", "gvcn_ho_ten": "Phạm Thị Hồng Nhung"}) in stored
    teachers = vnedu_mapping.to_canonical({"lop": {"6A1": {"ma_lop": "6A1", "gvcn_ho_ten": "Phạm Thị Hồng Nhung"}}})
    assert teachers.teachers == {"6A1": "Phạm Thị Hồng Nhung"}


def test_lower_case_abbreviations_and_a_year_summary_told_by_its_title(write):
    rows, merges = class_6a1(CN, "(Cả năm)")
    rows[5] = ["Ng.ngữ" if h == "Ng.Ngữ" else "C.nghệ" if h == "C.Nghệ" else h for h in HEADER]
    read = read_summary(write({"6A1": (rows, merges)}))
    assert {r["hoc_ky"] for r in read.records} == {"CN"} and read.records[0]["mon"]["NN1"] == "8.5"
    assert read.records[0]["mon"]["CN"] == "8.5"


def test_the_sub_row_tells_the_period_when_the_title_does_not(write):
    read = read_summary(write({"6A1": class_6a1("BẢNG TỔNG HỢP KẾT QUẢ GIÁO DỤC, NĂM HỌC 2025-2026", "(Học kỳ 1)")}))
    assert {r["hoc_ky"] for r in read.records} == {"1"}


def test_a_period_that_cannot_be_told_or_disagrees_refuses_the_file(write):
    untitled = write({"6A1": class_6a1("BẢNG TỔNG HỢP KẾT QUẢ GIÁO DỤC, NĂM HỌC 2025-2026", None)})
    with pytest.raises(FileFormatError) as unknown:
        read_summary(untitled)
    assert "Trang «6A1»" in unknown.value.message and "--semester" in unknown.value.message
    assert {r["hoc_ky"] for r in read_summary(untitled, expected_semester="2").records} == {"2"}  # the user said
    with pytest.raises(FileFormatError) as chosen:
        read_summary(write({"6A1": class_6a1()}), expected_semester="CN")
    assert "học kỳ 2, không phải cả năm" in chosen.value.message
    with pytest.raises(FileFormatError) as mixed:
        read_summary(write({"6A1": class_6a1(HK2, "(Học kỳ 1)")}))
    assert "nhiều kỳ" in mixed.value.message


def test_bad_cells_of_the_two_row_header_are_named_as_the_file_writes_them(write):
    sheet = summary_sheet(
        "6A2",
        HK2,
        "(Học kỳ 2)",
        [
            student(1, "Phạm Văn Dũng", "01/01/2014", None, {"Tin": "8,55"}),
            student(2, "Hồ Thị Én", "02/01/2014", None, absences=("hai", 0, 2)),
            student(3, "Vũ Văn Giang", "03/01/2014", None, absences=(1, 1, 3)),
        ],
    )
    read = read_summary(write({"6A2": sheet}))
    score, count = read.rejected_rows
    assert (score.sheet, score.cell, score.column, score.value) == ("6A2", "R8", "Tin", "8,55")
    assert (count.cell, count.column, count.value) == ("Y9", "Buổi nghỉ P", "hai")
    [total] = [p for p in read.problems if not p.fatal]  # vnEdu's total disagrees with P + K: told, P and K kept
    assert (total.cell, total.column) == ("AA10", "Buổi nghỉ Tổng") and read.records[0]["tong_buoi_nghi"] == 3


def test_the_contract_s_simple_year_layout_still_reads_as_the_year():
    rows = [
        ["BẢNG TỔNG HỢP KẾT QUẢ CUỐI NĂM"],
        ["LỚP 7A1"],
        ["NĂM HỌC 2025-2026"],
        [
            "STT",
            "Mã học sinh",
            "Họ và tên",
            "Ngày sinh",
            "Toán",
            "Thể dục",
            "KQ học tập",
            "KQ rèn luyện",
            "Tổng số buổi nghỉ",
            "Danh hiệu",
            "Lên lớp",
        ],  # fmt: skip
        [1, "1800000001", "Nguyễn Văn An", "05/09/2013", "8,0", "Đ", "Tốt", "Tốt", 3, "Học sinh Giỏi", "Lên lớp"],
    ]
    read = read_summary(xlsx({"7A1": (rows, [])}))
    [record] = read.records
    assert (record["hoc_ky"], record["tong_buoi_nghi"], record["nghi_co_phep"]) == ("CN", 3, None)
    assert record["len_lop"] == "LL"
    assert read.info["unused_columns"] == []


# --- the summary as stored and as reconciliation sees it -----------------------------------------


def test_each_period_is_stored_apart_and_only_the_year_is_the_year_summary():
    hk2 = read_summary(xlsx({"6A1": class_6a1()}))
    year = read_summary(xlsx({"6A1": class_6a1(CN, "(Cả năm)")}))
    stored = {}
    for read in (hk2, year):
        out = vnedu_mapping.summary_records(read)
        assert out.semesters == [read.records[0]["hoc_ky"]] and out.classes == ["6A1"]
        for entity, key, payload in out.stored:
            stored.setdefault(entity, {})[key] = payload
    assert set(stored["tong_hop"]) == {f"18005766{n}:{p}" for n in (41, 42, 43) for p in ("2", "CN")}
    records = vnedu_mapping.to_canonical(stored)
    assert set(records.period_summaries) == set(stored["tong_hop"])
    semester = records.period_summaries["1800576641:2"]
    assert (semester.period, semester.absences_excused, semester.absences_unexcused) == ("2", 2, 1)
    assert not isinstance(semester, YearResult)
    assert set(records.summaries) == {"1800576641", "1800576642", "1800576643"}
    assert records.summaries["1800576641"].absence_total == 3
    assert records.summaries["1800576642"].subjects["GDTC"] == "Miễn"
    assert records.summaries["1800576641"].subjects["TOAN"] == Decimal("8.5")
    assert records.students["1800576642"].personal_id == "001214000456"


def test_a_semester_summary_is_never_compared_as_the_year_and_miễn_is_no_difference():
    school = School(2, 3).scores(2).scores(3)
    school.year(2, 1, 2, "LL")
    school.year(3, 1, 2, "LL")
    school.vnedu["tong_hop"][f"{vkey(2)}:2"] = {"ma_hoc_sinh": vkey(2), "hoc_ky": "2", "tong_buoi_nghi": 40}
    school.vnedu["tong_hop"][f"{vkey(3)}:CN"] = {
        "ma_hoc_sinh": vkey(3),
        "hoc_ky": "CN",
        "mon": {"GDTC": "Miễn", "TOAN": "8.5"},
        "tong_buoi_nghi": 3,
    }
    found = [d for d in school.found() if d.semester == "CN"]
    assert not [d for d in found if d.kind == "absence_mismatch"]  # Bình's 40 is semester 2's, not the year's
    assert not [d for d in found if d.subject == "GDTC"]


# --- the discipline (absence) export -------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "meaning"),
    [
        ("Nghỉ học có phép cả ngày (P)", ("P", ("S", "C"))),
        ("Nghỉ học có phép sáng (CP)", ("P", ("S",))),
        ("Nghỉ học có phép chiều", ("P", ("C",))),
        ("Nghỉ học có phép chiều (CP)", ("P", ("C",))),
        ("Nghỉ không phép", ("K", ("S", "C"))),
        ("Nghỉ học không phép sáng (KS)", ("K", ("S",))),
        ("Nghỉ học không phép cả ngày (K)", ("K", ("S", "C"))),
        ("Nghỉ phép", ("P", ("S", "C"))),
        ("NGHỈ HỌC CÓ PHÉP SÁNG", ("P", ("S",))),
        ("Nghỉ học (K)", ("K", ("S", "C"))),
        ("Đi học muộn", NOT_ATTENDANCE),
        ("Lỗi đồng phục", NOT_ATTENDANCE),
        ("Nghỉ tiết", NOT_ATTENDANCE),
        ("Ra về giữa buổi học", NOT_ATTENDANCE),
        ("Nghỉ học", None),
    ],
)
def test_absence_forms(form, meaning):
    assert absence_form(form) == meaning


DISCIPLINE_HEADER = ["STT", "Mã học sinh", "Họ và tên", "Lớp", "Hình thức", "Ghi chú", "Ngày", None, "Tổng",
                     "Điểm thi đua"]  # fmt: skip


def discipline(rows: list[list]) -> Sheet:
    return (
        [
            ["TRƯỜNG THCS NGUYỄN DU"],
            ["THỐNG KÊ CHI TIẾT NỀ NẾP CỦA HỌC SINH"],
            ["Từ ngày 01/09/2025 đến ngày 31/05/2026"],
            [],
            DISCIPLINE_HEADER,
            *rows,
        ],
        [],
    )


ABSENCES = [
    [1, 1800576641, "Nguyễn Văn An", "6A1", "Nghỉ học có phép cả ngày (P)", "Ốm", date(2025, 10, 2), None, -2, 98],
    [2, 1800576641, "Nguyễn Văn An", "6A1", "Nghỉ học không phép sáng (KS)", "", "15/10/2025", None, -5, 95],
    [3, 1800576643, "Lê Minh Chi", "6A1", "Nghỉ học có phép chiều", None, "20/02/2026", None, -1, 99],
    [4, 1800576643, "Lê Minh Chi", "6A1", "Đi học muộn", None, "21/02/2026", None, -2, 98],
    [5, 1800576643, "Lê Minh Chi", "6A1", "Đi học muộn", None, "22/02/2026", None, -2, 98],
    [6, 1800576642, "Trần Thị Bình", "6A1", "Nghỉ học", None, "23/02/2026", None, -1, 99],
    [7, 1800576641, "Nguyễn Văn An", "6A1", "Nghỉ học có phép sáng (CP)", None, date(2025, 10, 2), None, 0, 100],
]


def test_discipline_export_becomes_attendance_sessions(write):
    data = write({"Sheet1": discipline(ABSENCES)})
    assert detect_kind(data) == "vnedu-nenep"
    read = read_discipline(data, Expect(school_year="2025-2026"))
    assert [(r["ma_hoc_sinh"], r["ngay"], r["buoi"], r["loai"]) for r in read.records] == [
        ("1800576641", "02/10/2025", ["S", "C"], "P"),
        ("1800576641", "15/10/2025", ["S"], "K"),
        ("1800576643", "20/02/2026", ["C"], "P"),
    ]
    assert read.records[0]["ly_do"] == "Ốm" and read.records[0]["lop"] == "6A1"
    [unknown] = read.rejected_rows
    assert (unknown.sheet, unknown.row, unknown.cell, unknown.value) == ("Sheet1", 11, "E11", "Nghỉ học")
    notes = [p for p in read.problems if not p.fatal]
    late = next(p for p in notes if "Đi học muộn" in p.message)
    assert late.cell == "E9" and "2 dòng" in late.message and read.info["not_attendance"] == {"Đi học muộn": 2}
    again = next(p for p in notes if p.row == 12)  # the morning of 02/10 was already in the whole day
    assert "chỉ tính một lần" in again.message
    assert {u["column"] for u in read.info["unused_columns"]} == {"Tổng", "Điểm thi đua"}
    assert next(u for u in read.info["unused_columns"] if u["column"] == "Tổng")["cell"] == "I5"


def test_a_day_outside_the_chosen_year_or_two_kinds_for_one_session_are_refused():
    rows = [
        [1, 1800576641, "Nguyễn Văn An", "6A1", "Nghỉ không phép", None, "02/10/2024", None, None, None],
        [2, 1800576641, "Nguyễn Văn An", "6A1", "Nghỉ học có phép sáng", None, "03/10/2025", None, None, None],
        [3, 1800576641, "Nguyễn Văn An", "6A1", "Nghỉ học không phép sáng", None, "03/10/2025", None, None, None],
        [4, 1800576641, "Nguyễn Văn An", "6A1", "Nghỉ học có phép sáng", None, "31/02/2026", None, None, None],
    ]
    read = read_discipline(xlsx({"Sheet1": discipline(rows)}), Expect(school_year="2025-2026"))
    year, twice, bad_day = read.rejected_rows
    assert year.cell == "G6" and "năm học 2025-2026" in year.message
    assert twice.cell == "E8" and "ô E7" in twice.message
    assert bad_day.cell == "G9"
    assert len(read.records) == 1


# --- end to end: files imported into a store, then reconciled ------------------------------------


def clock() -> datetime:
    return datetime(2026, 6, 15, 8, 0, tzinfo=timezone.utc)


def test_absence_export_feeds_attendance_through_import_and_reconciliation(sqlite_engine):
    summary = import_file(
        sqlite_engine, "tonghop.xls", xls({"6A1": class_6a1(CN, "(Cả năm)")}), None, Wanted("2025-2026"), None,
        "test", clock,
    )  # fmt: skip
    assert summary.error is None and summary.kind == "vnedu-tonghop" and summary.semesters == ["CN"]
    assert summary.stored["new"] == 6  # three summaries, three students
    absences = import_file(
        sqlite_engine, "nenep.xls", xls({"Sheet1": discipline(ABSENCES)}), None, Wanted("2025-2026"), None,
        "test", clock,
    )  # fmt: skip
    assert absences.error is None and absences.kind == "vnedu-nenep"
    assert absences.stored["new"] == 4 and absences.semesters == ["1", "2"] and absences.classes == ["6A1"]
    assert [p.row for p in absences.refused] == [11]
    vnedu = load_sources(sqlite_engine)["vnedu"]
    assert vnedu.has_attendance
    assert sorted((a.student_id, a.day, a.session, a.kind) for a in vnedu.absences) == [
        ("1800576641", date(2025, 10, 2), "C", "P"),
        ("1800576641", date(2025, 10, 2), "S", "P"),
        ("1800576641", date(2025, 10, 15), "S", "K"),
        ("1800576643", date(2026, 2, 20), "C", "P"),
    ]
    # The CSDL holds semester I without An's unexcused morning: that is the one difference.
    csdl = {"hoc_sinh": {}, "ket_qua": {}}
    for key, student in vnedu.students.items():
        mid = f"07900000{key[-2:]}"
        d, m, y = student.birth_date.strftime("%d/%m/%Y").split("/")
        csdl["hoc_sinh"][mid] = {
            "MaDinhDanh": mid,
            "HoTen": student.full_name,
            "NgaySinh": f"{y}-{m}-{d}",
            "GioiTinh": "1",
            "MaDanToc": "01",
            "MaLop": "6A1",
            "TrangThai": "1",
            "SoDinhDanhCaNhan": student.personal_id,
        }
        excused = 2 if key == "1800576641" else 0  # An's whole day; Chi's afternoon is in semester II
        csdl["ket_qua"][f"{mid}:1"] = {
            "MaDinhDanh": mid,
            "HocKy": "1",
            "Mon": [],
            "SoBuoiNghiCoPhep": excused,
            "SoBuoiNghiKhongPhep": 0,
        }
    found = reconcile({"vnedu": vnedu, "csdl": csdl}, "2025-2026", "1", date(2026, 6, 15))
    [mismatch] = [d for d in found if d.kind == "absence_mismatch"]
    assert mismatch.keys["vnedu"] == "1800576641"
    assert mismatch.values["vnedu"] == {"P": 2, "K": 1} and mismatch.values["csdl"] == {"P": 2, "K": 0}
