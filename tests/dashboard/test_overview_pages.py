"""On SQLite and PostgreSQL: the principal's page, its department-head version, a class's detail,
the exports (audited with the account), the IT page's forms and the audit page — as a person using
them would check them."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlmodel import Session, select

from lienthong.store.repository import SnapshotRecord, upsert_snapshots
from lienthong.store.tables import AuditLogRow, DiscrepancyRow, OutboxItemRow, SourceSnapshotRow, SyncRunRow
from tests.dashboard.conftest import MINE, NOW, OTHER, csrf_of, make_site, seed_school


@pytest.fixture
def school_site(engine):
    site = make_site(engine)
    students = seed_school(engine)
    first = sorted(s.vnedu_id for s in students if s.class_code == "6A1")[0]
    with Session(engine) as session:  # one ĐĐGgk of 6A1's Toán missing
        row = session.get(SourceSnapshotRow, ("vnedu", "diem", f"{first}:TOAN:1"))
        row.payload = {**row.payload, "ddg_gk": None}
        session.add(row)
        old = session.get(DiscrepancyRow, OTHER)  # 6A2's discrepancy: open for six weeks
        old.first_seen = NOW - timedelta(days=42)
        session.commit()
    return site


def _cell(html: str, class_code: str, subject: str) -> str:
    found = re.search(rf'href="/tong-quan/lop/{class_code}#mon-{subject}"[^>]*>([^<]+)<', html)
    assert found, f"a heat cell for {class_code} {subject}"
    return found.group(1)


def test_the_principal_sees_the_heat_table_with_each_cell_linking_to_its_class(school_site):
    page = school_site.client("principal").get("/tong-quan")
    assert page.status_code == 200
    html = page.text
    assert "Tổng quan nhà trường" in html and "Bảng nhiệt lớp × môn" in html
    assert _cell(html, "6A1", "TOAN") == "98"  # 89 of 15 students × (4 ĐĐGtx, ĐĐGgk, ĐĐGck)
    assert _cell(html, "7A1", "TOAN") == "100"
    # columns headed the way a school's tables are (short Vietnamese names, the full one on hover), not by codes
    heading = re.search(r'<table class="heat">\s*<thead>(.*?)</thead>', html, re.S).group(1)
    assert '<th title="Lịch sử và Địa lí">LS&amp;ĐL</th>' in heading and ">Toán</th>" in heading
    assert not re.search(r">(LSDL|TOAN|NN1|HDTN)</th>", heading)
    assert "<svg" in html and 'href="/tong-quan/lop/6A1"' in html  # the chart's bars are links
    # discrepancies by class and age: 6A2's is over 30 days old, and its number links to that list
    assert 'href="/khac-biet?lop=6A2&amp;tuoi=tren-30-ngay">1</a>' in html
    assert 'href="/khac-biet?lop=6A1&amp;tuoi=moi">3</a>' in html
    # sync health and the Sở's requests with the on-time rate
    assert "Tình trạng đồng bộ" in html and 'href="/cntt#hang-doi">2</a>' in html
    assert "Tỉ lệ nộp đúng hạn: <strong>50%</strong>" in html and "quá hạn, chưa nộp" in html


def test_the_lists_behind_the_age_numbers(school_site):
    client = school_site.client("principal")
    old = client.get("/khac-biet?lop=6A2&tuoi=tren-30-ngay").text
    assert "Trần Thị Ngọc" in old and "trên 30 ngày" in old
    assert "Trần Thị Ngọc" not in client.get("/khac-biet?lop=6A2&tuoi=moi").text


def test_a_class_detail_gives_each_subjects_counts(school_site):
    page = school_site.client("principal").get("/tong-quan/lop/6A1")
    assert page.status_code == 200
    section = page.text.split('id="mon-TOAN"')[1].split("</section>")[0]
    assert "Toán" in section and "ĐĐGgk</dt><dd>14/15" in section
    assert school_site.client("principal").get("/tong-quan/lop/5Z9").status_code == 404


def test_a_department_head_sees_only_the_departments_subjects(school_site):
    html = school_site.client("department_head").get("/tong-quan").text
    assert "Tổng quan tổ chuyên môn" in html and "Ngữ văn" in html
    assert re.search(r'#mon-VAN"', html) and not re.search(r'#mon-TOAN"', html)
    assert "Tỉ lệ nộp đúng hạn" in html
    # the Toán discrepancies of 6A1 are not the department's
    assert 'tuoi=moi">3</a>' not in html


def test_exports_are_the_page_in_xlsx_and_pdf_and_each_is_audited_with_the_account(school_site):
    client = school_site.client("principal")
    xlsx = client.get("/tong-quan.xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[:3] == ["Tổng hợp", "Lớp × môn", "Giáo viên"]
    rows = list(book["Lớp × môn"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Lớp", "Môn", "Học kỳ")
    toan = next(r for r in rows if r[0] == "6A1" and r[1] == "Toán")
    assert toan[5] == toan[6] - 1  # entered = required - 1
    pdf = client.get("/tong-quan.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout
        assert "Tổng quan nhà trường" in text.decode() and "Tình trạng đồng bộ" in text.decode()
    with Session(school_site.engine) as session:
        logged = list(session.exec(select(AuditLogRow).where(AuditLogRow.action == "export").order_by(AuditLogRow.id)))
    assert [(e.actor, e.detail["format"]) for e in logged] == [
        (school_site.people["principal"].ref, "xlsx"),
        (school_site.people["principal"].ref, "pdf"),
    ]


def test_it_sends_a_dead_letter_again_by_the_page_with_a_reason(school_site):
    with Session(school_site.engine) as session:
        item = OutboxItemRow(
            run_id=1,
            platform="vnedu",
            entity="diem",
            key="k",
            payload={},
            kind="fill",
            status="dead",
            message="Mã học sinh không tồn tại",
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(item)
        session.commit()
        item_id = item.id
    client = school_site.client("it")
    page = client.get("/cntt")
    assert "Mã học sinh không tồn tại" in page.text and "Gửi lại" in page.text
    csrf = csrf_of(page.text)
    no_reason = client.post(f"/cntt/thu-loi/{item_id}", data={"csrf": csrf, "hanh_dong": "gui_lai", "ly_do": ""})
    assert no_reason.status_code == 400 and "Hãy ghi lý do" in no_reason.text
    no_token = client.post(f"/cntt/thu-loi/{item_id}", data={"hanh_dong": "gui_lai", "ly_do": "x"})
    assert no_token.status_code == 403
    done = client.post(
        f"/cntt/thu-loi/{item_id}",
        data={"csrf": csrf, "hanh_dong": "gui_lai", "ly_do": "Đã sửa mã"},
        follow_redirects=True,
    )
    assert done.status_code == 200 and "sẽ được gửi lại" in done.text
    with Session(school_site.engine) as session:
        assert session.get(OutboxItemRow, item_id).status == "pending"


def test_the_principal_releases_a_held_run_by_the_page(school_site):
    with Session(school_site.engine) as session:
        session.add(
            SyncRunRow(id=2, started_at=NOW, platforms="vnedu", mode="full", status="held", hold_reason="xoá 8 %")
        )
        session.commit()
    client = school_site.client("principal")
    page = client.get("/cntt")
    assert "Lần chạy #2" in page.text and "xoá 8 %" in page.text
    done = client.post(
        "/cntt/lan-chay/2/duyet", data={"csrf": csrf_of(page.text), "ly_do": "Đã kiểm tra"}, follow_redirects=True
    )
    assert "Đã duyệt lần chạy" in done.text
    with Session(school_site.engine) as session:
        assert session.get(SyncRunRow, 2).status == "approved"


def test_the_it_page_shows_whether_credentials_are_set_never_them(school_site, monkeypatch):
    monkeypatch.setenv("LIENTHONG_PORTAL_API_KEY", "khoa-bi-mat-cua-so")
    html = school_site.client("it").get("/cntt").text
    assert "khoa-bi-mat-cua-so" not in html
    assert "đã đặt" in html and "LIENTHONG_CSDL_PASSWORD" in html


def test_the_reconciliation_report_downloads_and_is_audited(school_site):
    client = school_site.client("it")
    pdf = client.get("/cntt/doi-chieu.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    with Session(school_site.engine) as session:
        [entry] = session.exec(select(AuditLogRow).where(AuditLogRow.action == "export")).all()
    assert entry.actor == school_site.people["it"].ref and entry.detail["what"] == "reconciliation"


def test_the_audit_page_shows_the_chain_broken_at_the_entry_an_update_changed(school_site):
    client = school_site.client("principal")
    client.get("/tong-quan.xlsx")
    client.get("/tong-quan.xlsx")
    client.get("/tong-quan.xlsx")
    page = client.get("/nhat-ky").text
    assert "Chuỗi nhật ký nguyên vẹn" in page and "xuất dữ liệu" in page and "ht.minh" in page
    with school_site.engine.begin() as connection:
        connection.execute(sa.text("UPDATE audit_log SET actor = 'user:9:ai-do' WHERE id = 2"))
    page = client.get("/nhat-ky").text
    assert "Nhật ký đã bị can thiệp — hỏng từ mục #2" in page
    assert "Mục #2: nội dung đã bị sửa sau khi ghi" in page
    row = page.split('id="muc-2"')[1].split("</tr>")[0]
    assert "⚠ hỏng" in row
    assert "⚠ hỏng" not in page.split('id="muc-3"')[1].split("</tr>")[0]


def test_a_gvcn_and_it_are_refused_the_principals_page_and_exports(school_site):
    for role in ("gvcn", "it", "teacher", "parent"):
        client = school_site.client(role)
        assert client.get("/tong-quan").status_code == 403
        assert client.get("/tong-quan.xlsx").status_code == 403
    with Session(school_site.engine) as session:
        assert session.exec(select(AuditLogRow).where(AuditLogRow.action == "export")).all() == []
    assert MINE  # the store's discrepancies are those of conftest


def test_the_api_gives_the_same_figures_and_is_audited_as_an_export(school_site):
    answer = school_site.client().get(
        "/api/overview?semester=1", headers={"Authorization": f"Bearer {school_site.token('department_head')}"}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert {s["subject"] for s in body["completeness"]["subjects"]} == {"VAN"}
    assert body["portal"]["on_time_rate"] == 50
    with Session(school_site.engine) as session:
        [entry] = session.exec(select(AuditLogRow).where(AuditLogRow.action == "export")).all()
    assert entry.actor == school_site.people["department_head"].ref and entry.detail["format"] == "json"


def test_the_page_shows_a_new_pull_at_once_though_it_keeps_the_records_between_requests(school_site):
    client = school_site.client("principal")
    assert _cell(client.get("/tong-quan").text, "6A1", "TOAN") == "98"
    with Session(school_site.engine) as session:  # the next pull reads the missing ĐĐGgk
        row = next(
            r
            for r in session.exec(select(SourceSnapshotRow).where(SourceSnapshotRow.entity == "diem"))
            if r.source == "vnedu" and r.key.endswith(":TOAN:1") and r.payload.get("ddg_gk") is None
        )
        pulled = SnapshotRecord("vnedu", "diem", row.key, row.version + 1, {**row.payload, "ddg_gk": "7"})
        upsert_snapshots(session, [pulled], NOW)  # as a pull stores it
        session.commit()
    assert _cell(client.get("/tong-quan").text, "6A1", "TOAN") == "100"


def test_semesters_are_written_as_the_reports_write_them(school_site):
    """The pages said «học kỳ 1», «Học kỳ 1» and «HK 1» where the reports say «Học kỳ I»: one table
    (`mapping.normalize.SEMESTER_TITLES`) for all of them now."""
    principal = school_site.client("principal")
    pages = [
        principal.get("/tong-quan").text,
        principal.get("/tong-quan/lop/6A1").text,
        principal.get("/khac-biet").text,
    ]
    said = " ".join(" ".join(page.split()) for page in pages)
    assert "(vnEdu, học kỳ I)" in said and '<option value="1">Học kỳ I</option>' in said
    assert "· học kỳ I" in said and "· Học kỳ I" in said  # a class's figures; a discrepancy's heading
    assert not re.search(r"[Hh]ọc kỳ [12]\b|\bHK [12]\b", said)
