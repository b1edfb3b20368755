"""The education-quality report (TK-CLGD) reaches the provincial portal only from approved class
results (issue 17 item 5; Suối Ngô art. 7, Bình An 5.4).

The principal submits the report answering one of the Sở's requests (``ma_yeu_cau``, its period
HK1/HK2/CN): the counts are built from the **approved** content of every class for that period
(`reconciliation.results.approved_contents`), whatever a source says now. While any class of the
school has no approved results for the period, the submission is refused, naming those classes, and
nothing is sent.

The report goes out through the outbox like every push (`sync.outbox`): one ``bao_cao`` item for
the portal, keyed by the request, its batch's idempotency key committed before sending, delivered by
a portal run (`sync.service.sync`). A report with the same content that the portal already took is
not sent again. The submission and its outcome are in the audit log (counts, never names).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

import sqlalchemy as sa
from sqlmodel import Session, select

from lienthong.assessment.results import STUDYING  # enrolment status "Đang học"
from lienthong.reconciliation.authority import PlannedChange
from lienthong.reconciliation.portal_reports import (
    LEVEL_CODES,
    OUTCOMES,
    TITLES,
    Report,
    StudentOutcome,
    quality_report,
)
from lienthong.reconciliation.results import (
    PERIOD_WORDS,
    ResultsError,
    SchoolRecord,
    Where,
    approved_contents,
    period_of,
)
from lienthong.store import access, audit
from lienthong.store import results as stored
from lienthong.store.accounts import Actor
from lienthong.store.tables import OutboxItemRow, SyncRunRow
from lienthong.sync.operations import REPORT_ENTITY as ENTITY
from lienthong.sync.outbox import enqueue

PLATFORM = "portal"
REQUESTS = "yeu_cau_bao_cao"
FORM = "TK-CLGD"


class PortalReportError(ValueError):
    """The request asked for is not one this command answers (unknown code, another form), in Vietnamese."""


class PortalReportRefused(ValueError):
    """A rule forbids the submission now (classes not approved, the Sở locked the report), in Vietnamese."""


@dataclass(frozen=True)
class QualityReport:
    """What is submitted for one request: the counts and what identifies its content."""

    request: str
    period: str
    classes: tuple[str, ...]
    students: int
    summary: dict[str, int]
    rows: list[list]
    digest: str  # of the request, the period and the counts: the same numbers are the same report

    def payload(self, title: str) -> dict[str, Any]:
        book = Report(FORM, self.rows).workbook(title)
        return {
            "ma_yeu_cau": self.request,
            "ma_bieu_mau": FORM,
            "ky": self.period,
            "tep": base64.b64encode(book).decode("ascii"),
            "tom_tat": self.summary,
            "noi_dung": self.digest,
        }


@dataclass(frozen=True)
class Submission:
    """Where a submission stands: ``sent`` (the portal took it), ``already`` (the same content was
    taken before: nothing sent), ``refused`` (the portal sent it back), ``waiting`` (not through
    yet: the next portal run sends it again with the same key)."""

    request: str
    state: str
    message: str
    report: QualityReport

    @property
    def sent(self) -> bool:
        return self.state in ("sent", "already")


def _grade(class_code: str) -> int | None:
    found = re.match(r"\s*(\d+)", class_code or "")
    return int(found.group(1)) if found else None


def _request(session: Session, code: str) -> dict[str, Any]:
    code = (code or "").strip()
    requests = stored.school_payloads(session, PLATFORM, (REQUESTS,))[REQUESTS]
    found = requests.get(code)
    if found is None:
        known = ", ".join(sorted(k for k, v in requests.items() if v.get("ma_bieu_mau") == FORM))
        raise PortalReportError(
            f"Không có yêu cầu báo cáo {code!r} trong danh sách của Sở đã đọc về"
            + (f" (các yêu cầu {FORM}: {known})" if known else "")
            + ": hãy đồng bộ cổng báo cáo (`lienthong sync --platform portal`) rồi thử lại."
        )
    if found.get("ma_bieu_mau") != FORM:
        raise PortalReportError(
            f"Yêu cầu {code} là mẫu {found.get('ma_bieu_mau')}: lệnh này chỉ nộp báo cáo {FORM} "
            "(thống kê chất lượng giáo dục)."
        )
    try:
        period_of(str(found.get("hoc_ky") or ""))
    except ResultsError:
        raise PortalReportError(f"Yêu cầu {code} không ghi kỳ báo cáo (học kỳ I, II hoặc cả năm).") from None
    return found


def _outcomes(contents: dict[str, dict[str, Any]], period: str) -> tuple[list[StudentOutcome], dict[str, int]]:
    """Each studying student of the approved contents, and per class the students without a result."""
    out, missing = [], {}
    for class_code, content in sorted(contents.items()):
        grade = _grade(class_code)
        for s in content.get("students", []):
            if (s.get("status") or STUDYING) != STUDYING:
                continue  # moved away or dropped out: not a pupil of the school any more
            if s.get("learning") not in LEVEL_CODES or s.get("training") not in LEVEL_CODES or grade is None:
                missing[class_code] = missing.get(class_code, 0) + 1
                continue
            promotion = s.get("promotion") if period == "CN" and s.get("promotion") in OUTCOMES else None
            title = s.get("title") if period == "CN" and s.get("title") in TITLES else None
            out.append(StudentOutcome(grade, s["learning"], s["training"], promotion, title))
    return out, missing


def build(session: Session, actor: Actor, where: Where, code: str) -> QualityReport:
    """The TK-CLGD answering request ``code``, from the approved results of every class.

    Raises:
        PortalReportRefused: not the principal, classes not approved yet, the Sở locked the report.
        PortalReportError: no such request, another form."""
    try:
        access.require_results_approver(actor)
    except access.Forbidden as exc:
        raise PortalReportRefused(f"{actor.shown()} không nộp được báo cáo lên Sở: chỉ Hiệu trưởng.") from exc
    request = _request(session, code)
    code = request["ma_yeu_cau"]
    period = period_of(str(request["hoc_ky"]))
    if request.get("trang_thai") == "da_duyet":
        raise PortalReportRefused(f"Báo cáo {code} đã được Sở duyệt và khoá: muốn sửa cần Sở gửi yêu cầu mới.")
    classes = SchoolRecord(session, where).classes()
    if not classes:
        raise PortalReportRefused(
            "Chưa có lớp nào trong dữ liệu của trường: hãy đồng bộ hoặc nhập dữ liệu vnEdu trước."
        )
    contents = approved_contents(session, where, period)
    waiting = [c for c in classes if c not in contents]
    if waiting:
        raise PortalReportRefused(
            f"Chưa nộp được báo cáo {code} ({FORM}, {PERIOD_WORDS[period]}): kết quả {PERIOD_WORDS[period]} "
            f"của {len(waiting)} lớp chưa được Hiệu trưởng duyệt: {', '.join(waiting)}. "
            "Báo cáo chỉ lấy số liệu đã duyệt (GVCN xác nhận, Hiệu trưởng duyệt)."
        )
    students, missing = _outcomes({c: contents[c] for c in classes}, period)
    if missing:
        listed = ", ".join(f"{c} ({n} em)" for c, n in missing.items())
        raise PortalReportRefused(
            f"Chưa nộp được báo cáo {code}: kết quả đã duyệt còn thiếu mức học tập hoặc rèn luyện ở lớp {listed}."
        )
    report = quality_report(students)
    counted = json.dumps([code, period, report.rows], ensure_ascii=False, sort_keys=True)
    return QualityReport(
        code,
        period,
        tuple(classes),
        len(students),
        report.summary(),
        report.rows,
        hashlib.sha256(counted.encode()).hexdigest()[:40],
    )


def _items(session: Session, code: str) -> list[OutboxItemRow]:
    query = select(OutboxItemRow).where(
        OutboxItemRow.platform == PLATFORM, OutboxItemRow.entity == ENTITY, OutboxItemRow.key == code
    )
    return list(session.exec(query.order_by(sa.desc(OutboxItemRow.id))))


def _same(item: OutboxItemRow, report: QualityReport) -> bool:
    return (item.payload or {}).get("noi_dung") == report.digest


def _detail(report: QualityReport, **more: Any) -> dict[str, Any]:
    return {
        "request": report.request,
        "form": FORM,
        "period": report.period,
        "content": report.digest,
        "classes": len(report.classes),
        "students": report.students,
        **more,
    }


def plan(session: Session, actor: Actor, where: Where, code: str, now: datetime) -> tuple[QualityReport, int | None]:
    """Build the report and put it in the outbox (in the caller's transaction), audited. Returns the
    report and its outbox item's id, or ``None`` when the portal already took this same content."""
    report = build(session, actor, where, code)
    items = _items(session, report.request)
    if any(i.status == "done" and _same(i, report) for i in items):
        return report, None
    title = f"Thống kê chất lượng giáo dục {PERIOD_WORDS[report.period]}, năm học {where.school_year}"
    change = PlannedChange(PLATFORM, ENTITY, report.request, report.payload(title), "report", None, ())
    waiting = [i for i in items if _same(i, report) and i.status == "pending"]
    if waiting:
        return report, waiting[0].id  # already queued (or in flight: its answer comes with the same key)
    refused = [i for i in items if _same(i, report) and i.status == "dead"]
    if refused:  # the same numbers again would be refused again (a dead letter IT may send again)
        raise PortalReportRefused(
            f"Sở đã trả lại báo cáo {report.request} với đúng số liệu này: {refused[0].message} "
            "Cần sửa số liệu (Hiệu trưởng mở lại kết quả, GVCN xác nhận lại) hoặc nhờ quản trị CNTT gửi lại "
            "mục bị từ chối ở trang vận hành."
        )
    run = SyncRunRow(  # the decision, as a run of its own (the outbox item's origin); it reached no
        started_at=now,  # platform, so it names none (a platform's last successful run stays a sync's)
        finished_at=now,
        platforms="",
        mode="report",
        status="completed",
        summary={"report": _detail(report)},
    )
    session.add(run)
    session.flush()
    enqueue(session, run.id, [change], lambda _c: "pending", now)
    session.flush()
    item = next(i for i in _items(session, report.request) if i.status == "pending" and _same(i, report))
    audit.append(session, actor.ref, "portal_report_submitted", _detail(report, item=item.id), now)
    return report, item.id


def outcome(session: Session, actor: Actor, report: QualityReport, item_id: int | None, now: datetime) -> Submission:
    """Where the submission stands after the portal run, audited once known."""
    if item_id is None:
        return Submission(
            report.request,
            "already",
            f"Sở đã nhận báo cáo {report.request} với đúng số liệu này trước đây: không nộp lại.",
            report,
        )
    item = session.get(OutboxItemRow, item_id)
    if item is not None and item.status == "done":
        state, message = "sent", f"Đã nộp báo cáo {report.request}: {item.message}."
    elif item is not None and item.status == "dead":
        state, message = "refused", f"Báo cáo {report.request} chưa được nhận. {item.message}"
    else:
        shown = f" ({item.message})" if item is not None and item.message else ""
        state = "waiting"
        message = (
            f"Báo cáo {report.request} chưa gửi xong{shown}: lần đồng bộ cổng báo cáo sau sẽ gửi lại, "
            "với cùng khoá chống trùng (Sở không nhận hai lần)."
        )
    if state != "waiting":
        audit.append(session, actor.ref, "portal_report_answered", _detail(report, item=item_id, state=state), now)
    return Submission(report.request, state, message, report)


async def submit_quality_report(
    engine: sa.Engine,
    actor: Actor,
    where: Where,
    code: str,
    deliver: Callable[[], Any],
    clock: Callable[[], datetime],
) -> Submission:
    """Plan the report (committed), run ``deliver`` (a portal run: `sync.service.sync`) unless the
    portal already took it, and say where it stands."""
    with Session(engine) as session:
        report, item_id = plan(session, actor, where, code, clock())
        session.commit()
    if item_id is not None:
        await deliver()
    with Session(engine) as session:
        done = outcome(session, actor, report, item_id, clock())
        session.commit()
    return done
