"""The principal's reports to the provincial portal (`contracts/portal.md`), built from what the
school has settled, and sent through the outbox.

- **TK-CLGD** (education quality at semester/year end) only from approved class results (issue 17
  item 5; Suối Ngô art. 7, Bình An 5.4): the counts are built from the **approved** content of every
  class for the request's period (`reconciliation.results.approved_contents`), whatever a source
  says now. While any class of the school has no approved results for the period, the submission
  is refused, naming those classes, and nothing is sent.
- **TK-CHUYENCAN** (monthly attendance) from the school record's attendance (`[authority] school`,
  vnEdu by default) once the month is over: class sizes, the month's excused and unexcused sessions,
  and the pupils absent more than 45 sessions so far this school year. Refused before the month ends
  and when the school record holds no attendance at all (a count of zero would be a false report).
- **TK-BIENDONG** (enrolment changes in the month) is refused with the reason: the platforms give a
  pupil's status but not the day it changed, so the month's changes cannot be counted.

A report goes out through the outbox like every push (`sync.outbox`): one ``bao_cao`` item for the
portal, keyed by the request, its batch's idempotency key committed before sending, delivered by a
portal run (`sync.service.sync`). A report with the same content that the portal already took is
not sent again. The submission and its outcome are in the audit log (counts, never names).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable

import sqlalchemy as sa
from sqlmodel import Session

from lienthong.assessment.results import STUDYING  # enrolment status "Đang học"
from lienthong.mapping.calendar import VN_TZ
from lienthong.mapping.registry import mappings
from lienthong.reconciliation.authority import PlannedChange
from lienthong.reconciliation.portal_reports import (
    LEVEL_CODES,
    OUTCOMES,
    TITLES,
    Report,
    StudentOutcome,
    attendance_counts,
    attendance_report,
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
from lienthong.store import access, audit, queries
from lienthong.store import results as stored
from lienthong.store.accounts import Actor
from lienthong.store.tables import OutboxItemRow, SyncRunRow
from lienthong.sync.operations import REPORT_ENTITY as ENTITY
from lienthong.sync.outbox import enqueue

PLATFORM = "portal"
REQUESTS = "yeu_cau_bao_cao"
QUALITY = "TK-CLGD"
ATTENDANCE = "TK-CHUYENCAN"
CHANGES = "TK-BIENDONG"
FORMS = (QUALITY, ATTENDANCE)  # what lienthong builds and submits
FORM_WORDS = {
    QUALITY: "thống kê chất lượng giáo dục",
    ATTENDANCE: "thống kê chuyên cần",
    CHANGES: "thống kê biến động học sinh",
}


class PortalReportError(ValueError):
    """The request asked for is not one this command answers (unknown code, another form), in Vietnamese."""


class PortalReportRefused(ValueError):
    """A rule forbids the submission now (classes not approved, the Sở locked the report), in Vietnamese."""


@dataclass(frozen=True)
class PortalReport:
    """What is submitted for one request: the counts and what identifies its content."""

    request: str
    form: str
    period: str  # HK1/HK2/CN for TK-CLGD, the month "2026-10" for TK-CHUYENCAN
    classes: tuple[str, ...]
    students: int
    summary: dict[str, int]
    rows: list[list]
    digest: str  # of the request, the period and the counts: the same numbers are the same report

    def payload(self, title: str) -> dict[str, Any]:
        book = Report(self.form, self.rows).workbook(title)
        return {
            "ma_yeu_cau": self.request,
            "ma_bieu_mau": self.form,
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
    report: PortalReport

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
        known = ", ".join(sorted(k for k, v in requests.items() if v.get("ma_bieu_mau") in FORMS))
        raise PortalReportError(
            f"Không có yêu cầu báo cáo {code!r} trong danh sách của Sở đã đọc về"
            + (f" (các yêu cầu lienthong nộp được: {known})" if known else "")
            + ": hãy đồng bộ cổng báo cáo (`lienthong sync --platform portal`) rồi thử lại."
        )
    form = found.get("ma_bieu_mau")
    if form == CHANGES:
        raise PortalReportError(
            f"Yêu cầu {code} là mẫu {CHANGES} ({FORM_WORDS[CHANGES]}): lienthong chưa lập được báo cáo này vì "
            "vnEdu và CSDL chỉ cho biết tình trạng hiện nay của học sinh, không ghi ngày chuyển đến, chuyển đi "
            "hay thôi học. Hãy lập và nộp báo cáo này trực tiếp trên cổng của Sở."
        )
    if form not in FORMS:
        raise PortalReportError(
            f"Yêu cầu {code} là mẫu {form}: lienthong chỉ nộp các mẫu "
            + ", ".join(f"{f} ({FORM_WORDS[f]})" for f in FORMS)
            + "."
        )
    if form == QUALITY:
        try:
            period_of(str(found.get("hoc_ky") or ""))
        except ResultsError:
            raise PortalReportError(f"Yêu cầu {code} không ghi kỳ báo cáo (học kỳ I, II hoặc cả năm).") from None
    elif _month(found) is None:
        raise PortalReportError(f"Yêu cầu {code} không ghi tháng báo cáo (ky_bao_cao dạng 2026-10).")
    return found


def _month(request: dict[str, Any]) -> tuple[date, date] | None:
    """The first and last day of a monthly request's month (``ky_bao_cao`` "2026-10")."""
    found = re.fullmatch(r"(\d{4})-(\d{2})", str(request.get("ky_bao_cao") or "").strip())
    if not found or not 1 <= int(found[2]) <= 12:
        return None
    first = date(int(found[1]), int(found[2]), 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


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


def build(session: Session, actor: Actor, where: Where, code: str, now: datetime) -> PortalReport:
    """The report answering request ``code``: TK-CLGD from the approved results of every class,
    TK-CHUYENCAN from the month's attendance once the month is over.

    Raises:
        PortalReportRefused: not the principal, classes not approved yet, month not over, no
            attendance, the Sở locked the report.
        PortalReportError: no such request, a form lienthong does not build."""
    try:
        access.require_results_approver(actor)
    except access.Forbidden as exc:
        raise PortalReportRefused(f"{actor.shown()} không nộp được báo cáo lên Sở: chỉ Hiệu trưởng.") from exc
    request = _request(session, code)
    code = request["ma_yeu_cau"]
    if request.get("trang_thai") == "da_duyet":
        raise PortalReportRefused(f"Báo cáo {code} đã được Sở duyệt và khoá: muốn sửa cần Sở gửi yêu cầu mới.")
    if request["ma_bieu_mau"] == ATTENDANCE:
        return _attendance(session, where, request, now)
    return _quality(session, where, request)


def _digest(code: str, period: str, rows: list[list]) -> str:
    counted = json.dumps([code, period, rows], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(counted.encode()).hexdigest()[:40]


def _quality(session: Session, where: Where, request: dict[str, Any]) -> PortalReport:
    code = request["ma_yeu_cau"]
    period = period_of(str(request["hoc_ky"]))
    classes = SchoolRecord(session, where).classes()
    if not classes:
        raise PortalReportRefused(
            "Chưa có lớp nào trong dữ liệu của trường: hãy đồng bộ hoặc nhập dữ liệu vnEdu trước."
        )
    contents = approved_contents(session, where, period)
    waiting = [c for c in classes if c not in contents]
    if waiting:
        raise PortalReportRefused(
            f"Chưa nộp được báo cáo {code} ({QUALITY}, {PERIOD_WORDS[period]}): kết quả {PERIOD_WORDS[period]} "
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
    return PortalReport(
        code,
        QUALITY,
        period,
        tuple(classes),
        len(students),
        report.summary(),
        report.rows,
        _digest(code, period, report.rows),
    )


def _attendance(session: Session, where: Where, request: dict[str, Any], now: datetime) -> PortalReport:
    """TK-CHUYENCAN for the request's month, from the school record's students and attendance."""
    code = request["ma_yeu_cau"]
    first, last = _month(request)  # `_request` refused a monthly request without its month
    shown = f"tháng {first.month}/{first.year}"
    if now.astimezone(VN_TZ).date() <= last:
        raise PortalReportRefused(
            f"Chưa nộp được báo cáo {code} ({ATTENDANCE}, {shown}): tháng chưa kết thúc, số buổi nghỉ còn "
            f"thay đổi. Nộp từ ngày {last + timedelta(days=1):%d/%m/%Y}."
        )
    raw = stored.school_payloads(session, where.source, ("hoc_sinh", "diem_danh"))
    records = mappings()[where.source].to_canonical(raw)
    if not records.students:
        raise PortalReportRefused(
            "Chưa có học sinh nào trong dữ liệu của trường: hãy đồng bộ hoặc nhập dữ liệu vnEdu trước."
        )
    if not records.has_attendance:
        raise PortalReportRefused(
            f"Chưa nộp được báo cáo {code} ({ATTENDANCE}, {shown}): dữ liệu của trường chưa có điểm danh "
            f"({records.title or where.source}); báo cáo toàn số 0 sẽ sai. Hãy đồng bộ điểm danh trước."
        )
    students = {key: (s.class_code, str(getattr(s.status, "value", s.status))) for key, s in records.students.items()}
    year_start = date(int(where.school_year[:4]), 8, 1)  # before any school's first day (September)
    counts = attendance_counts(
        students,
        ((a.student_id, a.day, str(getattr(a.kind, "value", a.kind))) for a in records.absences),
        first,
        last,
        year_start,
    )
    report = attendance_report(counts)
    period = f"{first:%Y-%m}"
    return PortalReport(
        code,
        ATTENDANCE,
        period,
        tuple(sorted(counts)),
        sum(c[0] for c in counts.values()),
        report.summary(),
        report.rows,
        _digest(code, period, report.rows),
    )


def _period_words(report: PortalReport) -> str:
    if report.form == QUALITY:
        return PERIOD_WORDS[report.period]
    return f"tháng {int(report.period[5:])}/{report.period[:4]}"


def _items(session: Session, code: str) -> list[OutboxItemRow]:
    return queries.record_items(session, PLATFORM, ENTITY, code)


def _same(item: OutboxItemRow, report: PortalReport) -> bool:
    return (item.payload or {}).get("noi_dung") == report.digest


def _detail(report: PortalReport, **more: Any) -> dict[str, Any]:
    return {
        "request": report.request,
        "form": report.form,
        "period": report.period,
        "content": report.digest,
        "classes": len(report.classes),
        "students": report.students,
        **more,
    }


def plan(session: Session, actor: Actor, where: Where, code: str, now: datetime) -> tuple[PortalReport, int | None]:
    """Build the report and put it in the outbox (in the caller's transaction), audited. Returns the
    report and its outbox item's id, or ``None`` when the portal already took this same content."""
    report = build(session, actor, where, code, now)
    items = _items(session, report.request)
    if any(i.status == "done" and _same(i, report) for i in items):
        return report, None
    title = f"{FORM_WORDS[report.form].capitalize()} {_period_words(report)}, năm học {where.school_year}"
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


def outcome(session: Session, actor: Actor, report: PortalReport, item_id: int | None, now: datetime) -> Submission:
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


async def submit_report(
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
