"""The discrepancy reports are documents a school files: letterhead, the school and its Sở, the
class and its GVCN, a status per difference, a signature block, Vietnamese headings, A4 print
setup, local times, Vietnamese thousands and one way of writing semesters."""

import dataclasses
import io
import re
import shutil
import subprocess
from datetime import date, datetime, timezone

import pytest
from openpyxl import load_workbook

from lienthong.reconciliation.compare import reconcile
from lienthong.reconciliation.reports import (
    ReportContext,
    local_time,
    number,
    render_html,
    render_pdf,
    render_xlsx,
    semester_words,
)
from lienthong.simulators.school import generate_school
from lienthong.simulators.views import build_platform_data
from tests.conftest import need_service
from tests.reconciliation.test_compare import sources_of

TODAY = date(2026, 11, 23)
STATUSES = ("open", "proposed", "approved", "resolved")
STATUS_WORDS = (
    "chưa xử lý",
    "chờ Hiệu trưởng duyệt",
    "đã duyệt, chờ các nguồn khớp",
    "GVCN đã xử lý, chờ các nguồn khớp",
)
INTERNAL = re.compile(r"^(ho_ten|DiemTB|hoc_sinh|ngay_sinh|trang_thai|so_buoi_nghi|tx\d|gk|ck|[a-z]+_[a-z_]+)$")


@pytest.fixture(scope="module")
def records():
    school = generate_school(11, 400, TODAY)
    data = build_platform_data(school, 11)
    found = [d.as_json() for d in reconcile(sources_of(school, data), school.school_year, "1", TODAY)]
    assert any(r["semester"] for r in found) and any(r["field"] == "ho_ten" for r in found)
    return found


def context_for(records, class_code=None) -> ReportContext:
    """A UTC time (02:30) that the reports must show as Vietnam's (09:30), and every status."""
    return ReportContext(
        "Trường 79000701",
        "2026-2027",
        datetime(2026, 11, 23, 2, 30, tzinfo=timezone.utc),
        class_code,
        {r["class"]: "Nguyễn Thị Hoà" for r in records if r["class"]},
        statuses={r["id"]: STATUSES[i % len(STATUSES)] for i, r in enumerate(records)},
        department="Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
        place="Bình An",
        school_name="Trường THCS Bình An",
    )


def _pdf_text(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        need_service("pdftotext not installed (apt-get install poppler-utils)")
    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


def test_pdf_has_letterhead_school_signatures_and_statuses(records, tmp_path):
    cls = next(r["class"] for r in records if r["field"] == "ho_ten")
    mine = [r for r in records if r["class"] == cls]
    flat = _pdf_text(render_pdf(records, context_for(records)), tmp_path)
    for words in (
        "SỞ GIÁO DỤC VÀ ĐÀO TẠO THÀNH PHỐ HỒ CHÍ MINH",
        "TRƯỜNG THCS BÌNH AN",
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Bình An, ngày 23 tháng 11 năm 2026",
        "Trường THCS Bình An · Năm học 2026-2027",
        "Lập lúc 23/11/2026 09:30",
        "Người lập",
        "Giáo viên chủ nhiệm",
        "Hiệu trưởng",
        "(Ký, ghi rõ họ tên)",
        *STATUS_WORDS,
    ):
        assert words in flat, words
    assert "Trường 79000701" not in flat  # the configured name, not the code
    one_class = _pdf_text(render_pdf(mine, context_for(records, cls)), tmp_path)
    assert f"lớp {cls}" in one_class and "GVCN: Nguyễn Thị Hoà" in one_class
    assert one_class.index("Hiệu trưởng") > one_class.index(mine[-1]["id"])  # the signatures close it


def test_semesters_are_written_one_way(records, tmp_path):
    """The reports' own semester labels read «Học kỳ I», «Học kỳ II», «Cả năm» (the messages'
    wording is the records' own, written where they are made)."""
    incomplete = [
        {
            "class": c,
            "subject": "TOAN",
            "semester": s,
            "blank": 5,
            "required": 1228,
            "students": 40,
            "sheets": 38,
            "over": False,
        }
        for c, s in (("6A1", "1"), ("6A2", "2"), ("6A3", "CN"))
    ]
    context = dataclasses.replace(context_for(records), incomplete=incomplete)
    flat = _pdf_text(render_pdf(records, context), tmp_path)
    assert "Học kỳ I " in flat and "Học kỳ II" in flat and "Cả năm" in flat and "5/1.228" in flat
    assert not re.search(r"\b[Hh]ọc k[ỳì] [12]\b|\bHK ?II?\b", flat)
    book = load_workbook(io.BytesIO(render_xlsx(records, context)))
    cells = {c.value for s in book.worksheets if s.title not in ("Tổng hợp", "Mức độ đầy đủ") for c in s["H"][1:]}
    assert cells <= {"Học kỳ I", "Học kỳ II", "Cả năm", None} and "Học kỳ I" in cells
    assert [semester_words(s) for s in ("1", "2", "CN", None)] == ["Học kỳ I", "Học kỳ II", "Cả năm", ""]


def test_xlsx_headings_are_vietnamese_and_print_setup_is_a4(records):
    book = load_workbook(io.BytesIO(render_xlsx(records, context_for(records))))
    assert book.sheetnames[0] == "Tổng hợp" and len(book.worksheets) > 2
    summary = book["Tổng hợp"]
    assert int(summary.page_setup.paperSize) == 9 and summary.page_setup.orientation == "portrait"
    assert "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh · Trường THCS Bình An" in [
        row[0] for row in summary.iter_rows(values_only=True)
    ]
    for sheet in book.worksheets[1:]:
        if sheet.title == "Mức độ đầy đủ":
            continue
        headings = [c.value for c in sheet[1]]
        assert headings[:4] == ["Mã khác biệt", "Lớp", "GVCN", "Học sinh"] and headings[-1] == "Trạng thái"
        assert not [h for h in headings if INTERNAL.match(h or "")], headings
        fields = {c.value for c in sheet["I"][1:]}
        assert not [f for f in fields if INTERNAL.match(f or "")], fields
        assert {c.value for c in sheet["N"][1:]} <= set(STATUS_WORDS)
        setup = sheet.page_setup
        assert int(setup.paperSize) == 9 and setup.orientation == "landscape"
        assert setup.fitToWidth == 1 and setup.fitToHeight == 0 and sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$1:$1"  # the heading row on every page


def test_a_name_difference_names_her_by_the_schools_record(records):
    context = context_for(records)
    record = next(r for r in records if r["field"] == "ho_ten")
    ours = record["values"][context.school_source]
    theirs = next(v for k, v in record["values"].items() if k != context.school_source)
    assert ours != theirs
    html = render_html([record], context)
    assert f"em {ours} ({record['class']})" in html and f"«{theirs}»" in html
    book = load_workbook(io.BytesIO(render_xlsx([record], context)))
    row = [c.value for c in book.worksheets[1][2]]
    assert row[3] == ours and f"«{theirs}»" in row[10]


def test_local_times_and_vietnamese_thousands(records):
    assert local_time(datetime(2026, 11, 23, 17, 5, tzinfo=timezone.utc)) == "24/11/2026 00:05"
    assert local_time("2026-11-23T02:30:00+00:00") == "23/11/2026 09:30"
    assert number(1234) == "1.234" and number(1234567) == "1.234.567" and number(12) == "12"
    many = [{**records[0], "id": f"{i:016x}"} for i in range(1234)]
    html = render_html(many, context_for(many))
    assert "Tổng số khác biệt: 1.234" in html and "Lập lúc 23/11/2026 09:30" in html


def test_every_place_a_person_reads_a_semester_writes_it_from_one_table():
    """The audit found «HK I» (import), «Học kì I» (reports, học bạ), «Học kỳ I» (results) and «học kỳ 1»
    (a closed window) for one semester. Each is now read from `mapping.normalize`; a discrepancy's
    message keeps its own «HK1»."""
    from lienthong.cli import import_command
    from lienthong.dashboard import operations_pages
    from lienthong.mapping.normalize import SEMESTER_SAID, SEMESTER_TITLES
    from lienthong.reconciliation import discrepancy, results
    from lienthong.records import printing

    assert SEMESTER_TITLES == {"1": "Học kỳ I", "2": "Học kỳ II", "CN": "Cả năm"}
    assert {k: v[0].lower() + v[1:] for k, v in SEMESTER_TITLES.items()} == SEMESTER_SAID
    assert printing.PERIOD_WORDS == operations_pages.SEMESTER_WORDS == SEMESTER_TITLES
    assert import_command.SEMESTER_WORDS == SEMESTER_SAID
    assert list(results.PERIOD_TITLES.values()) == list(SEMESTER_TITLES.values())
    assert list(results.PERIOD_WORDS.values()) == list(SEMESTER_SAID.values())
    assert discrepancy.field_said("csdl.1.KetQuaHocTap").endswith(", học kỳ I (CSDL)")
    assert [semester_words(s) for s in ("1", "2", "CN")] == list(SEMESTER_TITLES.values())


def test_a_child_whose_name_differs_is_listed_where_her_school_s_name_puts_her(records):
    """The list sorted by the record's name (the CSDL's spelling) while it showed the school's: a
    child shown as «An» sat among the «T»s."""
    context = context_for(records)
    template = next(r for r in records if r["field"] == "ho_ten")
    school, other = context.school_source, next(k for k in template["values"] if k != context.school_source)

    def named(ours: str, theirs: str, key: str) -> dict:
        return {
            **template,
            "id": key,
            "class": "6A1",
            "student": {"name": theirs, "keys": {school: key}},
            "values": {school: ours, other: theirs},
            "message": f"Họ tên của em {theirs} (6A1) khác nhau: …",
        }

    listed = [named("Lê Văn Bình", "Lê Văn Bình ", "k2"), named("Lê Văn An", "Lê Văn Tùng", "k1")]
    html = render_html(listed, context)
    assert html.index("em Lê Văn An (6A1)") < html.index("em Lê Văn Bình (6A1)")
