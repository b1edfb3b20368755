"""The TK-CLGD reaches the provincial portal only from approved class results (issue 17 item 5;
Suối Ngô art. 7, Bình An 5.4), against the portal simulator over real loopback HTTP: refused while a
class is unapproved (nothing reaches the portal), then exactly one submission carrying the approved
values (not a source's later change), and never a second one for the same numbers."""

import asyncio
from collections import Counter
from datetime import date, timedelta

import httpx
import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from lienthong.connectors.http import RateLimiter, RetryPolicy
from lienthong.connectors.portal.api import PortalApi, PortalConfig
from lienthong.reconciliation import results
from lienthong.reconciliation.results import Where
from lienthong.simulators.portal import read_report
from lienthong.store.repository import SnapshotRecord, upsert_snapshots
from lienthong.store.tables import AuditLogRow, OutboxItemRow
from lienthong.sync import portal_reports
from lienthong.sync.run import RunOptions, run_once
from tests.results_school import change, make_accounts, quick, store_school, student
from tests.sync.conftest import make_sims, pinned

WHERE = Where("2026-2027")
# key, name, class, ministry id, (learning, training, promotion, title, TOAN, VAN, GDTC)
PUPILS = [
    ("1800000001", "Lê Văn Ánh", "6A1", "7900000001", ("T", "T", "LL", "G", "8.5", "8.0", "Đ")),
    ("1800000002", "Trần Thị Ngọc", "6A1", "7900000002", ("CĐ", "Đ", "KTL", None, "4.5", "6.0", "CĐ")),
    ("1800000003", "Phạm Minh Khôi", "9A2", "7900000003", ("Đ", "CĐ", "RLH", None, "6.0", "5.5", "Đ")),
    ("1800000004", "Vũ Thu Hà", "9A2", "7900000004", ("K", "T", "LL", None, "7.0", "7.5", "Đ")),
]


def portal(sims, transport=None) -> PortalApi:
    school = sims.school
    config = PortalConfig(
        sims.servers["portal"].url,
        SecretStr("demo-key"),
        school.ma_truong,
        school.province_code,
        school.commune_code,
        school.school_year,
        rate_limit=0,
        poll_every=0.0,
    )

    async def no_wait(_seconds):
        return None

    return PortalApi(
        config,
        transport=transport,
        policy=RetryPolicy(attempts=4, initial=0.001, maximum=0.01),
        sleep=no_wait,
        limiter=RateLimiter(0),
    )


def portal_run(sims, engine, transport=None):
    async def go():
        async with portal(sims, transport) as api:
            return await run_once({"portal": api}, engine, RunOptions(platforms=["portal"]), pinned)

    return go


def submit(sims, engine, actor, code):
    return asyncio.run(portal_reports.submit_report(engine, actor, WHERE, code, portal_run(sims, engine), pinned))


@pytest.fixture
def school(engine, monkeypatch):
    """Two classes (6A1 with two pupils, 9A2 with two) with HK1 results in the school's record, the
    portal's requests read by a portal run, its enrolment matching the school's."""
    quick(monkeypatch)
    sims = make_sims()
    sims.portal.enrolment_by_grade = {"6": 2, "7": 0, "8": 0, "9": 2}
    store_school(engine, PUPILS, at=pinned())
    people = make_accounts(engine, gvcn_class="6A1")
    asyncio.run(portal_run(sims, engine)())
    request = next(
        r
        for r in sims.portal.requests.values()
        if r["ma_bieu_mau"] == "TK-CLGD" and r["hoc_ky"] == "1" and r["trang_thai"] == "chua_nop"
    )
    try:
        yield sims, people, request["ma_yeu_cau"]
    finally:
        sims.stop()


def approve(engine, people, class_code, gvcn):
    with Session(engine) as session:
        results.confirm(session, people[gvcn], WHERE, class_code, "HK1", pinned())
        results.approve(session, people["principal"], WHERE, class_code, "HK1", pinned())
        session.commit()


def test_refused_while_a_class_is_unapproved_then_one_submission_of_the_approved_values(engine, school):
    sims, people, code = school
    with pytest.raises(portal_reports.PortalReportRefused) as refused:
        submit(sims, engine, people["principal"], code)
    assert "2 lớp chưa được Hiệu trưởng duyệt: 6A1, 9A2" in str(refused.value)
    assert sims.portal.submissions == {}

    approve(engine, people, "6A1", "gvcn")
    with pytest.raises(portal_reports.PortalReportRefused) as refused:
        submit(sims, engine, people["principal"], code)
    assert "1 lớp chưa được Hiệu trưởng duyệt: 9A2" in str(refused.value)
    assert sims.portal.submissions == {}

    approve(engine, people, "9A2", "gvcn2")
    # after the approval a pull changes a pupil's HK1 learning result: the approved "CĐ" is counted
    change(engine, "1800000002", "1", 2, at=pinned(), kq_hoc_tap="T", pupils=PUPILS)

    done = submit(sims, engine, people["principal"], code)
    assert done.state == "sent", done.message
    assert f"Đã nộp báo cáo {code}" in done.message
    assert len(sims.portal.submissions) == 1
    sent = next(iter(sims.portal.submissions.values()))
    assert sent["ma_yeu_cau"] == code and sent["trang_thai"] == "chap_nhan" and sent["loi"] == []
    summary = sent["summary"]
    assert summary["Tổng số HS"] == 4
    assert [summary[f"Học tập {lv}"] for lv in ("Tốt", "Khá", "Đạt", "Chưa đạt")] == [1, 1, 1, 1]
    assert [summary[f"Rèn luyện {lv}"] for lv in ("Tốt", "Khá", "Đạt", "Chưa đạt")] == [2, 0, 1, 1]
    assert summary["Lên lớp"] == 0 and summary["HS Giỏi"] == 0  # HK1: no year outcomes
    _header, rows = read_report(sent["content"], "TK-CLGD")
    by_grade = {str(r["Khối"]): r for _, r in rows}
    assert by_grade["6"]["Tổng số HS"] == 2 and by_grade["6"]["Học tập Chưa đạt"] == 1  # approved, not "T"
    assert by_grade["6"]["Học tập Tốt"] == 1 and by_grade["6"]["Học tập Tốt (%)"] == "50,0"
    assert by_grade["9"]["Tổng số HS"] == 2 and by_grade["7"]["Tổng số HS"] == 0

    again = submit(sims, engine, people["principal"], code)
    assert again.state == "already" and "không nộp lại" in again.message
    assert len(sims.portal.submissions) == 1
    with Session(engine) as session:
        items = session.exec(select(OutboxItemRow).where(OutboxItemRow.entity == "bao_cao")).all()
        assert [(i.key, i.status) for i in items] == [(code, "done")]
        actions = Counter(a.action for a in session.exec(select(AuditLogRow)))
        assert actions["portal_report_submitted"] == 1 and actions["portal_report_answered"] == 1
        logged = session.exec(select(AuditLogRow).where(AuditLogRow.action == "portal_report_submitted")).one()
        assert logged.detail["request"] == code and logged.detail["students"] == 4
        assert "Ngọc" not in str(logged.detail)  # counts in the audit log, never names


def test_only_the_principal_submits_and_only_a_known_request_of_a_form_lienthong_builds(engine, school):
    sims, people, code = school
    with pytest.raises(portal_reports.PortalReportRefused, match="chỉ Hiệu trưởng"):
        submit(sims, engine, people["gvcn"], code)
    with pytest.raises(portal_reports.PortalReportError, match="Không có yêu cầu báo cáo 'YC-KHONG-CO'"):
        submit(sims, engine, people["principal"], "YC-KHONG-CO")
    changes = next(r["ma_yeu_cau"] for r in sims.portal.requests.values() if r["ma_bieu_mau"] == "TK-BIENDONG")
    with pytest.raises(portal_reports.PortalReportError, match="không ghi ngày chuyển đến"):
        submit(sims, engine, people["principal"], changes)
    assert sims.portal.submissions == {}


# --- TK-CHUYENCAN: the month's attendance, once the month is over --------------------------------


def monthly(sims, month: str) -> str:
    return next(
        r["ma_yeu_cau"]
        for r in sims.portal.requests.values()
        if r["ma_bieu_mau"] == "TK-CHUYENCAN" and r["ky_bao_cao"] == month
    )


def store_absences(engine, absences) -> None:
    """vnEdu's attendance as a pull stores it: one record per pupil, day and session."""
    records = [
        SnapshotRecord(
            "vnedu",
            "diem_danh",
            f"{key}:{day:%d/%m/%Y}:{session}",
            1,
            {"ma_hoc_sinh": key, "ngay": f"{day:%d/%m/%Y}", "buoi": session, "loai": kind, "ly_do": ""},
        )
        for key, day, session, kind in absences
    ]
    with Session(engine) as session:
        upsert_snapshots(session, records, pinned())
        session.commit()


def school_days(first: date, count: int) -> list[date]:
    days, day = [], first
    while len(days) < count:
        if day.weekday() < 6:  # Monday to Saturday
            days.append(day)
        day += timedelta(days=1)
    return days


def test_monthly_attendance_is_counted_from_the_school_record_once_the_month_is_over(engine, school):
    sims, people, _code = school
    sims.portal.enrolment_by_class = {"6A1": 2, "9A2": 2}
    october, november = monthly(sims, "2026-10"), monthly(sims, "2026-11")
    with pytest.raises(portal_reports.PortalReportRefused, match="chưa có điểm danh"):
        submit(sims, engine, people["principal"], october)

    # Ngọc (6A1): 23 sessions in September (every afternoon from the 7th, two mornings) and 23 in
    # October, 3 of them unexcused: 46 so far; Khôi (9A2): 1 excused morning in October and 2 in
    # November; Hà's absence in July, before the school year, is not counted
    ngoc = [("1800000002", d, "C", "P") for d in school_days(date(2026, 9, 7), 21)]
    ngoc += [("1800000002", date(2026, 9, 7), "S", "P"), ("1800000002", date(2026, 9, 8), "S", "P")]
    ngoc += [("1800000002", d, "C", "K" if i < 3 else "P") for i, d in enumerate(school_days(date(2026, 10, 1), 23))]
    khoi = [("1800000003", date(2026, 10, 5), "S", "P"), ("1800000003", date(2026, 11, 2), "S", "P")]
    khoi += [("1800000003", date(2026, 11, 3), "S", "P"), ("1800000004", date(2026, 7, 30), "S", "K")]
    store_absences(engine, ngoc + khoi)

    with pytest.raises(portal_reports.PortalReportRefused, match="tháng chưa kết thúc.*01/12/2026"):
        submit(sims, engine, people["principal"], november)  # pinned on 23/11/2026
    assert sims.portal.submissions == {}

    done = submit(sims, engine, people["principal"], october)
    assert done.state == "sent", done.message
    assert done.report.form == "TK-CHUYENCAN" and done.report.period == "2026-10"
    [sent] = sims.portal.submissions.values()
    assert sent["trang_thai"] == "chap_nhan" and sent["loi"] == []
    _header, rows = read_report(sent["content"], "TK-CHUYENCAN")
    by_class = {str(r["Lớp"]): r for _, r in rows}
    assert [by_class["6A1"][h] for h in ("Sĩ số", "Buổi nghỉ có phép", "Buổi nghỉ không phép")] == [2, 20, 3]
    assert by_class["6A1"]["HS nghỉ quá 45 buổi (lũy kế)"] == 1  # 46 sessions since September
    assert [by_class["9A2"][h] for h in ("Sĩ số", "Buổi nghỉ có phép", "Buổi nghỉ không phép")] == [2, 1, 0]
    assert by_class["9A2"]["HS nghỉ quá 45 buổi (lũy kế)"] == 0
    assert sent["summary"] == {
        "Sĩ số": 4,
        "Buổi nghỉ có phép": 21,
        "Buổi nghỉ không phép": 3,
        "HS nghỉ quá 45 buổi (lũy kế)": 1,
    }
    again = submit(sims, engine, people["principal"], october)
    assert again.state == "already" and len(sims.portal.submissions) == 1


def test_a_pupil_who_moved_away_is_not_in_the_class_size(engine, school):
    sims, people, _code = school
    sims.portal.enrolment_by_class = {"6A1": 1, "9A2": 2}
    store_absences(engine, [("1800000004", date(2026, 10, 5), "S", "K")])
    with Session(engine) as session:
        moved = student("1800000001", "Lê Văn Ánh", "6A1", "7900000001", status="Chuyển đi")
        upsert_snapshots(session, [SnapshotRecord("vnedu", "hoc_sinh", "1800000001", 2, moved)], pinned())
        session.commit()
    done = submit(sims, engine, people["principal"], monthly(sims, "2026-10"))
    assert done.state == "sent", done.message
    [sent] = sims.portal.submissions.values()
    assert sent["summary"]["Sĩ số"] == 3 and sent["summary"]["Buổi nghỉ không phép"] == 1


class LosingAnswers(httpx.AsyncBaseTransport):
    """Real loopback HTTP, but every submission's answer is lost after the portal took it."""

    def __init__(self):
        self.inner, self.lost = httpx.AsyncHTTPTransport(), 0

    async def handle_async_request(self, request):
        response = await self.inner.handle_async_request(request)
        if request.method == "POST":
            await response.aread()
            self.lost += 1
            raise httpx.ReadError("connection dropped", request=request)
        return response

    async def aclose(self):
        await self.inner.aclose()


def test_answers_lost_on_the_way_back_never_make_a_second_submission(engine, school):
    """The portal takes the report but every answer is lost (the connector gives up): the report
    stays queued with its key; the next submit sends the same key again, which the portal answers
    with the first submission. One submission in all."""
    sims, people, code = school
    approve(engine, people, "6A1", "gvcn")
    approve(engine, people, "9A2", "gvcn2")
    losing = LosingAnswers()
    first = asyncio.run(
        portal_reports.submit_report(engine, people["principal"], WHERE, code, portal_run(sims, engine, losing), pinned)
    )
    assert losing.lost >= 2  # the connector tried again (same key), then gave up for this run
    assert first.state == "waiting" and "chưa gửi xong" in first.message
    assert len(sims.portal.submissions) == 1 and len(sims.portal.replies) == 1
    done = submit(sims, engine, people["principal"], code)
    assert done.state == "sent", done.message
    assert len(sims.portal.submissions) == 1 and len(sims.portal.replies) == 1  # the same key each time
    [sent] = sims.portal.submissions.values()
    assert sent["summary"]["Tổng số HS"] == 4 and sent["trang_thai"] == "chap_nhan"
    with Session(engine) as session:
        items = session.exec(select(OutboxItemRow).where(OutboxItemRow.entity == "bao_cao")).all()
        assert [(i.status, i.attempts) for i in items] == [("done", 2)]


def test_a_report_the_portal_sends_back_is_a_dead_letter_and_the_same_numbers_are_not_sent_again(engine, school):
    sims, people, code = school
    sims.portal.enrolment_by_grade = {"6": 3, "7": 0, "8": 0, "9": 2}  # the Sở counts one more pupil in grade 6
    approve(engine, people, "6A1", "gvcn")
    approve(engine, people, "9A2", "gvcn2")
    back = submit(sims, engine, people["principal"], code)
    assert back.state == "refused" and not back.sent
    assert "Sở trả lại báo cáo" in back.message and "khối 6 là 2, dữ liệu của trường là 3" in back.message
    with pytest.raises(portal_reports.PortalReportRefused, match="Sở đã trả lại báo cáo .* với đúng số liệu này"):
        submit(sims, engine, people["principal"], code)
    assert len(sims.portal.submissions) == 1
