"""What the pages say about a correction in a school that works from files alone (no platform
configured): no "next sync" is promised, the principal reads what the school does instead; a
school that syncs keeps its wording."""

from __future__ import annotations

from sqlmodel import Session, delete

from lienthong.config.settings import Settings, VneduSettings
from lienthong.store.tables import OutboxItemRow
from tests.dashboard.conftest import MINE, SCHOOL_YEAR, make_site
from tests.dashboard.test_resolving import decide, propose, status


def said(html: str) -> str:
    return " ".join(html.split())


def test_a_file_only_school_is_told_what_happens_after_the_principal_approves(sqlite_engine):
    site = make_site(sqlite_engine)  # no platform configured: the school imports its files
    with Session(site.engine) as session:  # differences between imported files leave nothing to send
        session.exec(delete(OutboxItemRow))
        session.commit()
    gvcn, principal = site.client("gvcn"), site.client("principal")
    listed = said(gvcn.get("/khac-biet").text)
    assert "đồng bộ" not in listed
    assert "Trường chỉ làm việc bằng tệp nên không có gì được gửi đi" in listed
    assert propose(gvcn, MINE, nguon="gradebook", ly_do="đối chiếu bài kiểm tra gốc").status_code == 303
    queue = said(principal.get("/duyet").text)
    assert "chỉ được ghi nhận sau khi Hiệu trưởng đồng ý" in queue and "gửi đi sau khi" not in queue
    approved = decide(principal, hanh_dong=f"duyet:{MINE}")
    page = said(approved.text)
    assert approved.status_code == 200 and "Đã duyệt 1 đề xuất." in page
    assert "đồng bộ" not in page
    assert "không có gì được gửi đi" in page and "nhập lại tệp" in page
    assert "lienthong export csdl-ketqua" in page  # the command that makes the CSDL's file
    assert status(site.engine, MINE) == "approved"


def test_a_school_that_syncs_keeps_the_sync_wording(sqlite_engine):
    synced = Settings(
        database_url=str(sqlite_engine.url),
        school_year=SCHOOL_YEAR,
        vnedu=VneduSettings(base_url="https://vnedu.example", client_id="truong"),
    )
    site = make_site(sqlite_engine, synced)
    listed = said(site.client("gvcn").get("/khac-biet").text)
    assert "sửa lý lịch, trạng thái được gửi ngay ở lần đồng bộ tới." in listed
    assert "chỉ làm việc bằng tệp" not in listed
    assert "chỉ được gửi đi sau khi Hiệu trưởng đồng ý" in said(site.client("principal").get("/duyet").text)


def test_approved_results_promise_no_sync_to_a_file_only_school(sqlite_engine):
    """«kết quả cả năm sẽ được gửi ở lần đồng bộ tới» was said after the principal approved a class's
    results, to a school with no platform to send them to."""
    site = make_site(sqlite_engine)
    page = said(site.client("principal").get("/ket-qua?xong=duyet").text)
    assert "Đã duyệt kết quả: kết quả được khoá." in page and "đồng bộ" not in page
    assert "lienthong export csdl-ketqua" in page


def test_approved_results_keep_the_sync_wording_where_the_school_syncs(sqlite_engine):
    synced = Settings(
        database_url=str(sqlite_engine.url),
        school_year=SCHOOL_YEAR,
        vnedu=VneduSettings(base_url="https://vnedu.example", client_id="truong"),
    )
    page = said(make_site(sqlite_engine, synced).client("principal").get("/ket-qua?xong=duyet").text)
    assert "kết quả cả năm sẽ được gửi ở lần đồng bộ tới" in page and "chỉ làm việc bằng tệp" not in page
