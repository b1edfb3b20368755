"""The TK-CLGD reaches the provincial portal only from approved class results (issue 17 item 5;
Suối Ngô art. 7, Bình An 5.4), against the portal simulator over real loopback HTTP: refused while a
class is unapproved (nothing reaches the portal), then exactly one submission carrying the approved
values (not a source's later change), and never a second one for the same numbers."""

import asyncio
from collections import Counter

import httpx
import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from lienthong.connectors.http import RateLimiter, RetryPolicy
from lienthong.connectors.portal.api import PortalApi, PortalConfig
from lienthong.reconciliation import results
from lienthong.reconciliation.results import Where
from lienthong.simulators.portal import read_report
from lienthong.store.tables import AuditLogRow, OutboxItemRow
from lienthong.sync import portal_reports
from lienthong.sync.run import RunOptions, run_once
from tests.results_school import change, make_accounts, quick, store_school
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
    return asyncio.run(
        portal_reports.submit_quality_report(engine, actor, WHERE, code, portal_run(sims, engine), pinned)
    )


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


def test_only_the_principal_submits_and_only_a_known_tk_clgd_request(engine, school):
    sims, people, code = school
    with pytest.raises(portal_reports.PortalReportRefused, match="chỉ Hiệu trưởng"):
        submit(sims, engine, people["gvcn"], code)
    with pytest.raises(portal_reports.PortalReportError, match="Không có yêu cầu báo cáo 'YC-KHONG-CO'"):
        submit(sims, engine, people["principal"], "YC-KHONG-CO")
    other = next(r["ma_yeu_cau"] for r in sims.portal.requests.values() if r["ma_bieu_mau"] == "TK-CHUYENCAN")
    with pytest.raises(portal_reports.PortalReportError, match="chỉ nộp báo cáo TK-CLGD"):
        submit(sims, engine, people["principal"], other)
    assert sims.portal.submissions == {}


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
        portal_reports.submit_quality_report(
            engine, people["principal"], WHERE, code, portal_run(sims, engine, losing), pinned
        )
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
