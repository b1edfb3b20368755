"""Reports are renderings of the JSON records: every record appears, in Vietnamese, per class with
its GVCN; the XLSX has one filtered sheet per kind; the PDF (A4) embeds its fonts and its text
extracts with every diacritic intact."""

import io
import shutil
import subprocess
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from lienthong.reconciliation.compare import reconcile
from lienthong.reconciliation.discrepancy import KIND_WORDS
from lienthong.reconciliation.reports import ReportContext, render_html, render_pdf, render_xlsx
from lienthong.simulators.school import VN_TZ, generate_school
from lienthong.simulators.views import build_platform_data
from tests.conftest import need_service
from tests.reconciliation.test_compare import sources_of

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def records():
    school = generate_school(11, 400, TODAY)
    data = build_platform_data(school, 11)
    found = reconcile(sources_of(school, data), school.school_year, "1", TODAY)
    assert len({d.kind for d in found}) >= 5
    return [d.as_json() for d in found]


def context_for(records) -> ReportContext:
    return ReportContext(
        "Trường THCS Bình An",
        "2026-2027",
        datetime(2026, 11, 23, 9, 30, tzinfo=VN_TZ),
        None,
        {records[0]["class"]: "Nguyễn Thị Hoà (GV0001)"},
    )


def test_html_shows_every_record_by_class_with_its_teacher(records):
    html = render_html(records, context_for(records))
    for record in records:
        assert record["id"] in html
    assert f"Lớp {records[0]['class']} — GVCN: Nguyễn Thị Hoà (GV0001)" in html
    assert f"Tổng số khác biệt: {len(records)}" in html
    assert render_html([], context_for(records)).count("không có khác biệt nào") == 1


def test_xlsx_has_a_filtered_sheet_per_kind(records):
    book = load_workbook(io.BytesIO(render_xlsx(records, context_for(records))))
    kinds = {r["kind"] for r in records}
    assert book.sheetnames[0] == "Tổng hợp" and set(book.sheetnames[1:]) == {KIND_WORDS[k] for k in kinds}
    for kind in kinds:
        sheet = book[KIND_WORDS[kind]]
        ids = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert sorted(ids) == sorted(r["id"] for r in records if r["kind"] == kind)
        assert sheet.auto_filter.ref and sheet.freeze_panes == "A2"


def test_pdf_text_keeps_every_vietnamese_diacritic_and_embeds_its_fonts(records, tmp_path):
    if shutil.which("pdftotext") is None:
        need_service("pdftotext not installed (apt-get install poppler-utils)")
    pdf = tmp_path / "bao-cao.pdf"
    pdf.write_bytes(render_pdf(records, context_for(records)))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "Báo cáo đối chiếu dữ liệu toàn trường" in flat and "Năm học 2026-2027" in flat
    assert "Nguyễn Thị Hoà" in flat
    words = set(flat.split())
    names = {word for record in records for word in record["student"]["name"].split()}
    assert len(names) > 25 and names <= words  # ư, ơ, đ and every tone extracted as written (cells may wrap)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all("yes" == row[-5] for row in rows)  # every font embedded
    size = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "595.276 x 841.89 pts (A4)" in size or "(A4)" in size


def test_reconcile_command_writes_each_format(tmp_path, records):
    from sqlmodel import Session

    from lienthong.store.db import make_engine, migrate
    from lienthong.store.repository import SnapshotRecord, upsert_snapshots
    from tests.cli.test_assess_cli import lienthong

    school = generate_school(11, 400, TODAY)
    data = build_platform_data(school, 11)
    url = f"sqlite:///{tmp_path / 'r.db'}"
    migrate(url)
    with Session(make_engine(url)) as session:
        for source, entities in sources_of(school, data).items():
            for entity, items in entities.items():
                page = [SnapshotRecord(source, entity, k, 1, v) for k, v in items.items()]
                for start in range(0, len(page), 500):
                    upsert_snapshots(session, page[start : start + 500], datetime.now(VN_TZ))
        session.commit()
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "200", "LIENTHONG_SCHOOL_YEAR": school.school_year}
    cls = records[0]["class"]
    for fmt in ("html", "xlsx", "pdf"):
        out = tmp_path / f"{cls}.{fmt}"
        done = subprocess.run(
            [*lienthong(), "--db", url, "reconcile", "--class", cls, "--format", fmt, "--out", str(out)],
            capture_output=True,
            timeout=300,
            env=env,
        )
        assert done.returncode == 1 and out.stat().st_size > 1000, done.stdout.decode()[-500:]
    html = (tmp_path / f"{cls}.html").read_text(encoding="utf-8")
    assert f"lớp {cls}" in html and all(r["id"] in html for r in records if r["class"] == cls)
    missing = subprocess.run(
        [*lienthong(), "--db", url, "reconcile", "--format", "pdf"], capture_output=True, timeout=120, env=env
    )
    assert missing.returncode == 2 and "--out" in missing.stderr.decode()


def test_classes_and_students_come_in_a_school_list_s_order(records):
    """6A2 before 6A10, and within a class by given name (Vietnamese lists), in the spreadsheet and the page."""
    from lienthong.reconciliation.discrepancy import Discrepancy

    def item(name: str, cls: str) -> dict:
        keys = {"vnedu": f"HS-{name}"}
        return Discrepancy(
            "bio_mismatch", name, keys, "ngay_sinh", {"vnedu": "1", "csdl": "2"}, f"Ngày sinh {name}", cls
        ).as_json()

    made = [
        item("Trần Văn Bình", "6A10"),
        item("Lê Thị An", "6A10"),
        item("Nguyễn Văn Cường", "6A2"),
        item("Đỗ Thị Ánh", "6A2"),
    ]
    sheet = load_workbook(io.BytesIO(render_xlsx(made, context_for(made))))[KIND_WORDS["bio_mismatch"]]
    listed = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    order = [made[3]["id"], made[2]["id"], made[1]["id"], made[0]["id"]]  # 6A2: Ánh, Cường; 6A10: An, Bình
    assert listed == order
    html = render_html(made, context_for(made))
    assert [html.index(i) for i in order] == sorted(html.index(i) for i in order)
    assert html.index("Lớp 6A2") < html.index("Lớp 6A10")
