"""Confirming and approving a class's results (Suối Ngô regulation, art. 7; Bình An 5.4).

Per class × school year × period (``HK1``, ``HK2``, ``CN`` = the whole year) the results go
``chua_xac_nhan`` → ``da_xac_nhan`` (the class's GVCN confirms what the school's record holds:
absences, transfers, training, learning, promotion, titles, who re-tests in which subjects, who
trains in the summer, who passed after the re-test) → ``da_duyet`` (the principal approves). The
confirmation stores the content and its fingerprint (`assessment.results`); the principal approves
that fingerprint, and is refused when the school's record changed since. Approved results are
locked: the year results pushed to the platforms are the approved values, a correction of them is
refused and a change read from a source becomes a discrepancy, until the principal reopens them
with a reason. Every step is in the hash-chained audit log.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from lienthong.assessment.results import PERIODS, StudentResult, changed_students, class_content, fingerprint
from lienthong.config.settings import Settings
from lienthong.mapping.normalize import SEMESTER_SAID, SEMESTER_TITLES
from lienthong.mapping.registry import mappings
from lienthong.mapping.sources import SourceRecords
from lienthong.store import access, audit
from lienthong.store import results as stored
from lienthong.store.accounts import Actor
from lienthong.store.tables import DiscrepancyRow, ResultApprovalRow

STATES = {
    "chua_xac_nhan": "chưa xác nhận",
    "da_xac_nhan": "GVCN đã xác nhận, chờ Hiệu trưởng duyệt",
    "da_duyet": "Hiệu trưởng đã duyệt (đã khoá)",
}
SOURCE_PERIODS = {"HK1": "1", "HK2": "2", "CN": "CN"}  # how the school's record names them
PERIOD_WORDS = {period: SEMESTER_SAID[code] for period, code in SOURCE_PERIODS.items()}
PERIOD_TITLES = {period: SEMESTER_TITLES[code] for period, code in SOURCE_PERIODS.items()}  # at a line's start
CHANGED_KIND = "approved_result_changed"  # a discrepancy: a source moved an approved result


class ResultsError(ValueError):
    """A step refused for its input (no reason, an unknown period or class), said in Vietnamese."""


class ResultsRefused(ResultsError):
    """A step the workflow forbids now (approve before a confirmation, data changed since the
    confirmation, a correction of approved results), said in Vietnamese."""


@dataclass(frozen=True)
class Where:
    """Which results: the school year and the source that holds the school's record (``[authority]
    school``, vnEdu by default). The school is the session's (`store.tenancy`)."""

    school_year: str
    source: str = "vnedu"


def where_of(settings: Settings) -> Where:
    """The configured school's current school year and the source of its record."""
    return Where(settings.current_school_year(), settings.authority.school)


def period_of(value: str) -> str:
    """``HK1``/``HK2``/``CN`` from what a person types (``hk1``, ``1``, ``cn``)."""
    text = (value or "").strip().upper()
    text = {"1": "HK1", "2": "HK2", "I": "HK1", "II": "HK2", "CA NAM": "CN"}.get(text, text)
    if text not in PERIODS:
        raise ResultsError(f"Kỳ {value!r} không có: dùng HK1, HK2 hoặc CN (cả năm).")
    return text


def periods_of_semester(semester: str | None) -> tuple[str, ...]:
    """The periods a correction of a semester's score or result touches: the semester and the year."""
    return {"1": ("HK1", "CN"), "2": ("HK2", "CN"), "CN": ("CN",)}.get(str(semester or ""), ())


# --- the school's record, as confirmed -----------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.1")))
    return str(value)


def _code(value: Any) -> Any:
    return getattr(value, "value", value)


class SchoolRecord:
    """The school's students and their period results, read from the stored source when first
    needed, and turned into canonical records one class at a time (a GVCN's page maps forty
    students, not the school)."""

    def __init__(self, session: Session, where: Where):
        self.session, self.where = session, where
        self._payloads: dict[str, dict[str, dict]] | None = None
        self._classes: dict[str, SourceRecords] = {}

    def _raw(self) -> dict[str, dict[str, dict]]:
        if self._payloads is None:
            self._payloads = stored.school_payloads(self.session, self.where.source, ("hoc_sinh", "tong_hop"))
        return self._payloads

    def classes(self) -> list[str]:
        return sorted({item.get("ma_lop") for item in self._raw()["hoc_sinh"].values() if item.get("ma_lop")})

    def _of_class(self, class_code: str) -> SourceRecords:
        found = self._classes.get(class_code)
        if found is None:
            raw = self._raw()
            students = {k: v for k, v in raw["hoc_sinh"].items() if v.get("ma_lop") == class_code}
            summaries = {
                k: v for k, v in raw["tong_hop"].items() if (v.get("ma_hoc_sinh") or k.split(":")[0]) in students
            }
            found = mappings()[self.where.source].to_canonical({"hoc_sinh": students, "tong_hop": summaries})
            self._classes[class_code] = found
        return found

    def students(self, class_code: str, period: str) -> list[StudentResult]:
        out = []
        wanted = SOURCE_PERIODS[period]
        records = self._of_class(class_code)
        for key, student in records.students.items():
            if student.class_code != class_code:
                continue
            result = records.period_summaries.get(f"{key}:{wanted}")
            out.append(
                StudentResult(
                    key=key,
                    name=student.full_name,
                    ministry_id=student.ministry_id,
                    status=_code(student.status),
                    learning=_code(getattr(result, "learning", None)),
                    training=_code(getattr(result, "training", None)),
                    absences_excused=int(getattr(result, "absences_excused", 0) or 0),
                    absences_unexcused=int(getattr(result, "absences_unexcused", 0) or 0),
                    promotion=_code(getattr(result, "promotion", None)),
                    title=_code(getattr(result, "title", None)),
                    subjects={
                        code: _text(value)
                        for code, value in (getattr(result, "subjects", None) or {}).items()
                        if value is not None
                    },
                )
            )
        return out

    def content(self, class_code: str, period: str, row: ResultApprovalRow | None) -> dict[str, Any]:
        earlier = dict(row.earlier or {}) if row is not None else {}
        return class_content(class_code, self.where.school_year, period, self.students(class_code, period), earlier)


# --- what people see ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassResults:
    """One class's results of one period and where they stand."""

    class_code: str
    period: str
    state: str
    content: dict[str, Any]  # what the school's record holds now (what a confirmation would confirm)
    current: str  # its fingerprint
    confirmed: str | None = None  # the fingerprint confirmed (and, once approved, approved)
    changed: list[str] = field(default_factory=list)  # students whose values moved since
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    reopened_by: str | None = None
    reopened_at: datetime | None = None
    reopen_reason: str = ""

    @property
    def state_shown(self) -> str:
        return STATES[self.state]

    @property
    def students(self) -> int:
        return len(self.content.get("students", []))

    @property
    def unchanged(self) -> bool:
        """Whether what was confirmed is still what the school's record holds."""
        return self.confirmed is None or self.confirmed == self.current

    @property
    def note(self) -> str:
        """What the state means now, for people (Vietnamese)."""
        if self.confirmed is not None and not self.unchanged:
            moved = f"{len(self.changed)} học sinh" if self.changed else "danh sách"
            if self.state == "da_duyet":
                return (
                    f"Dữ liệu nguồn đã thay đổi sau khi duyệt ({moved}); giá trị đã duyệt vẫn được giữ và gửi đi. "
                    "Hiệu trưởng mở lại (ghi lý do) nếu cần sửa."
                )
            return f"Dữ liệu đã thay đổi sau khi GVCN xác nhận ({moved}): GVCN cần xác nhận lại."
        return STATES[self.state]

    def as_json(self) -> dict[str, Any]:
        def when(at: datetime | None) -> str | None:
            return at.isoformat() if at else None

        return {
            "class": self.class_code,
            "period": self.period,
            "state": self.state,
            "state_shown": self.state_shown,
            "note": self.note,
            "students": self.students,
            "fingerprint": self.current,
            "confirmed_fingerprint": self.confirmed,
            "changed_since": self.changed,
            "confirmed_by": self.confirmed_by,
            "confirmed_at": when(self.confirmed_at),
            "approved_by": self.approved_by,
            "approved_at": when(self.approved_at),
            "reopened_by": self.reopened_by,
            "reopened_at": when(self.reopened_at),
            "reopen_reason": self.reopen_reason,
            "content": self.content,
        }


def _view(class_code: str, period: str, row: ResultApprovalRow | None, content: dict[str, Any]) -> ClassResults:
    current = fingerprint(content)
    if row is None:
        return ClassResults(class_code, period, "chua_xac_nhan", content, current)
    confirmed = row.fingerprint if row.state != "chua_xac_nhan" else None
    changed = changed_students(row.content, content) if confirmed and confirmed != current else []
    return ClassResults(
        class_code,
        period,
        row.state,
        content,
        current,
        confirmed,
        changed,
        row.confirmed_by,
        row.confirmed_at,
        row.approved_by,
        row.approved_at,
        row.reopened_by,
        row.reopened_at,
        row.reopen_reason,
    )


def _row(session: Session, where: Where, class_code: str, period: str) -> ResultApprovalRow | None:
    return stored.approval(session, where.school_year, class_code, period)


def _known_class(record: SchoolRecord, class_code: str) -> str:
    code = (class_code or "").strip().upper()
    if code not in record.classes():
        known = ", ".join(record.classes()) or "chưa có lớp nào (hãy đồng bộ hoặc nhập dữ liệu vnEdu trước)"
        raise ResultsError(f"Không có lớp {class_code} trong dữ liệu của trường; các lớp: {known}.")
    return code


def statuses(
    session: Session, actor: Actor, where: Where, class_code: str | None = None, period: str | None = None
) -> list[ClassResults]:
    """The classes this account may see (a GVCN: hers), each period (or ``period``), with state."""
    allowed = access.results_classes(actor)
    record = SchoolRecord(session, where)
    if class_code is not None:
        class_code = _known_class(record, class_code)
        if allowed is not None and class_code not in allowed:
            raise access.Forbidden(f"{actor.shown()} không xem được kết quả lớp {class_code}: ngoài phạm vi được giao.")
    periods = (period_of(period),) if period else PERIODS
    rows = {(r.class_code, r.period): r for r in stored.approvals(session, where.school_year)}
    classes = [class_code] if class_code else [c for c in record.classes() if allowed is None or c in allowed]
    out = []
    for code in classes:
        for p in periods:
            row = rows.get((code, p))
            out.append(_view(code, p, row, record.content(code, p, row)))
    return out


def one(session: Session, actor: Actor, where: Where, class_code: str, period: str) -> ClassResults:
    return statuses(session, actor, where, class_code, period)[0]


# --- the steps ------------------------------------------------------------------------------------


def _new_row(where: Where, class_code: str, period: str, now: datetime) -> ResultApprovalRow:
    return ResultApprovalRow(
        school_year=where.school_year,
        class_code=class_code,
        period=period,
        state="chua_xac_nhan",
        content={},
        earlier={},
        reopen_reason="",
        updated_at=now,
    )


def _detail(where: Where, class_code: str, period: str, **more: Any) -> dict[str, Any]:
    return {
        "school_year": where.school_year,
        "class": class_code,
        "period": period,
        **more,
    }


def confirm(
    session: Session,
    actor: Actor,
    where: Where,
    class_code: str,
    period: str,
    now: datetime,
    seen: str | None = None,
) -> ClassResults:
    """The class's GVCN confirms its results as the school's record holds them now. ``seen``: the
    fingerprint of what she was shown (the dashboard's form); refused when the record moved since."""
    period = period_of(period)
    record = SchoolRecord(session, where)
    class_code = _known_class(record, class_code)
    access.require_results_confirmer(actor, class_code)
    row = _row(session, where, class_code, period)
    if row is not None and row.state == "da_duyet":
        raise ResultsRefused(
            f"Kết quả {PERIOD_WORDS[period]} lớp {class_code} đã được Hiệu trưởng duyệt và khoá: "
            "cần Hiệu trưởng mở lại (ghi lý do) trước khi xác nhận lại."
        )
    content = record.content(class_code, period, row)
    if not content["students"]:
        raise ResultsRefused(f"Lớp {class_code} chưa có học sinh trong dữ liệu của trường: chưa có gì để xác nhận.")
    digest = fingerprint(content)
    if seen is not None and seen != digest:
        raise ResultsRefused(
            f"Kết quả lớp {class_code} vừa thay đổi so với lúc cô/thầy xem: hãy xem lại rồi xác nhận lần nữa."
        )
    row = row or _new_row(where, class_code, period, now)
    row.state, row.fingerprint, row.content = "da_xac_nhan", digest, content
    row.confirmed_by, row.confirmed_at, row.updated_at = actor.ref, now, now
    row.approved_by, row.approved_at = None, None
    session.add(row)
    audit.append(session, actor.ref, "results_confirmed", _detail(where, class_code, period, fingerprint=digest), now)
    return _view(class_code, period, row, content)


def approve(session: Session, actor: Actor, where: Where, class_code: str, period: str, now: datetime) -> ClassResults:
    """The principal approves the fingerprint the GVCN confirmed; refused when the school's record
    changed since the confirmation (the GVCN confirms again), or when nothing waits for approval."""
    period = period_of(period)
    access.require_results_approver(actor)
    record = SchoolRecord(session, where)
    class_code = _known_class(record, class_code)
    row = _row(session, where, class_code, period)
    words = f"{PERIOD_WORDS[period]} lớp {class_code}"
    if row is None or row.state == "chua_xac_nhan":
        raise ResultsRefused(f"Kết quả {words} chưa được GVCN xác nhận: chưa duyệt được.")
    if row.state == "da_duyet":
        raise ResultsRefused(f"Kết quả {words} đã được duyệt rồi (lúc {row.approved_at:%H:%M %d/%m/%Y}).")
    content = record.content(class_code, period, row)
    if fingerprint(content) != row.fingerprint:
        moved = changed_students(row.content, content)
        raise ResultsRefused(
            f"Kết quả {words} đã thay đổi sau khi GVCN xác nhận ({len(moved)} học sinh): "
            "không duyệt được; GVCN cần xác nhận lại kết quả mới."
        )
    row.state, row.approved_by, row.approved_at, row.ever_approved, row.updated_at = (
        "da_duyet",
        actor.ref,
        now,
        True,
        now,
    )
    session.add(row)
    audit.append(
        session, actor.ref, "results_approved", _detail(where, class_code, period, fingerprint=row.fingerprint), now
    )
    return _view(class_code, period, row, content)


def reopen(
    session: Session, actor: Actor, where: Where, class_code: str, period: str, reason: str, now: datetime
) -> ClassResults:
    """The principal reopens confirmed or approved results (a reason is required): back to not
    confirmed; each student's promotion at the approval is kept (who passes after a re-test)."""
    period = period_of(period)
    access.require_results_approver(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ResultsError("Cần ghi lý do mở lại (ví dụ: «điều chỉnh sau kiểm tra lại»): lý do được lưu vào nhật ký.")
    record = SchoolRecord(session, where)
    class_code = _known_class(record, class_code)
    row = _row(session, where, class_code, period)
    if row is None or row.state == "chua_xac_nhan":
        raise ResultsRefused(
            f"Kết quả {PERIOD_WORDS[period]} lớp {class_code} chưa được xác nhận: không có gì để mở lại."
        )
    if row.state == "da_duyet":
        row.earlier = {s["key"]: s.get("promotion") for s in row.content.get("students", [])}
    was = row.state
    row.state, row.reopened_by, row.reopened_at, row.reopen_reason, row.updated_at = (
        "chua_xac_nhan",
        actor.ref,
        now,
        reason,
        now,
    )
    session.add(row)
    audit.append(
        session, actor.ref, "results_reopened", _detail(where, class_code, period, was=was, reason=reason), now
    )
    return _view(class_code, period, row, record.content(class_code, period, row))


# --- approved results are locked ------------------------------------------------------------------


def approved_contents(session: Session, where: Where, period: str) -> dict[str, dict[str, Any]]:
    """Class → the approved content of ``period``: the values that go out, whatever a source says now."""
    return {code: row.content for code, row in stored.approved(session, where.school_year, period).items()}


def correction_guard(session: Session, where: Where, class_code: str | None, semester: str | None) -> bool:
    """Whether a correction of a score or result of ``class_code`` in ``semester`` touches results
    approved before (then the people present must be recorded, Suối Ngô art. 9). Raises
    `ResultsRefused` while they are approved (locked): the principal reopens them first."""
    if not class_code:
        return False
    touched = False
    for period in periods_of_semester(semester):
        row = _row(session, where, class_code, period)
        if row is None:
            continue
        if row.state == "da_duyet":
            raise ResultsRefused(
                f"Kết quả {PERIOD_WORDS[period]} lớp {class_code} đã được Hiệu trưởng duyệt và khoá: "
                "không sửa được; Hiệu trưởng mở lại kết quả (ghi lý do) trước khi sửa."
            )
        touched = touched or row.ever_approved
    return touched


def _changed_id(where: Where, class_code: str, period: str) -> str:
    return "kq" + hashlib.sha256(f"{where.school_year}|{class_code}|{period}".encode()).hexdigest()[:14]


def record_changes(
    session: Session, where: Where, now: datetime, record: SchoolRecord | None = None
) -> list[DiscrepancyRow]:
    """A source changed results that are approved: each such class × period becomes (or stays) an
    open discrepancy for the principal, naming the students; it closes when the record agrees with
    the approved values again or the results are reopened. Returns the open ones."""
    record = record or SchoolRecord(session, where)
    approved = {(r.class_code, r.period): r for r in stored.approvals(session, where.school_year)}
    out = []
    for (class_code, period), row in approved.items():
        found = session.get(DiscrepancyRow, _changed_id(where, class_code, period))
        if row.state != "da_duyet" and (found is None or found.status == "closed"):
            continue  # nothing approved, nothing open: the record need not be read
        content = record.content(class_code, period, row)
        moved = changed_students(row.content, content) if row.state == "da_duyet" else []
        if row.state != "da_duyet" or fingerprint(content) == row.fingerprint:
            if found is not None and found.status != "closed":
                found.status, found.closed_at, found.last_seen = "closed", now, now
            continue
        message = (
            f"Kết quả {PERIOD_WORDS[period]} lớp {class_code} đã được duyệt nhưng dữ liệu nguồn đã thay đổi "
            f"({len(moved)} học sinh); giá trị đã duyệt được giữ và không bị ghi đè."
        )
        body = {
            "message": message,
            "suggestion": "Hiệu trưởng mở lại kết quả (ghi lý do) để GVCN xác nhận giá trị mới, hoặc sửa lại nguồn.",
            "field": f"ket_qua.{period}",
            "semester": SOURCE_PERIODS[period],
            "period": period,
            "students": moved,
            "values": {},
        }
        if found is None:
            found = DiscrepancyRow(
                id=_changed_id(where, class_code, period),
                kind=CHANGED_KIND,
                class_code=class_code,
                record=body,
                status="open",
                first_seen=now,
                last_seen=now,
            )
        else:
            found.record, found.last_seen = body, now
            if found.status == "closed":
                found.status, found.closed_at = "open", None
        session.add(found)
        out.append(found)
    return out


def record_changes_in_store(session: Session, now: datetime, source: str = "vnedu") -> list[DiscrepancyRow]:
    """`record_changes` for every school year of the session's school with approved results (after
    an import, which knows no school year): the discrepancies open now."""
    out = []
    for school_year in stored.approved_years(session):
        out += record_changes(session, Where(school_year, source), now)
    return out
