"""Who may see what: the one place role scoping is decided, and the queries that apply it.

Every read of students' data for a person (the dashboard's pages and API, later the CLI) goes
through `scope_of` and the scoped queries below, so that a homeroom teacher sees her classes, a
subject teacher his classes and subjects, a department head the department's subjects, a parent
one child, the principal everything, and IT the operations without students' scores
(Bình An regulation, art. 7 and 9: each role exploits only the data of its function). A
department (Sở GD&ĐT) officer reads the schools she oversees side by side, as aggregate figures
only (no student, no score), and changes nothing; the installation's IT (an account of no school)
reads every school's the same way, a school's IT only its own.
A refusal is `Forbidden` (the record exists, this account may not see it) or `NotFound`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable

import sqlalchemy as sa
from sqlmodel import Session, select

from lienthong.store import queries, reconcile_queries, tenancy
from lienthong.store import schools as registry
from lienthong.store.accounts import ALL_SCHOOLS, Actor
from lienthong.store.plain import opened
from lienthong.store.tables import (
    DiscrepancyRow,
    ImportedFileRow,
    OutboxItemRow,
    ResolutionRow,
    SchoolRow,
    SourceReadRow,
    SourceSnapshotRow,
    UserRow,
    UserScopeRow,
)

LIVE = ("open", "proposed", "approved", "resolved")  # every status but closed
# How long a discrepancy has been open (since first seen): name → (from days, to days)
AGES = {"moi": (0, 7), "1-4-tuan": (7, 30), "tren-30-ngay": (30, None)}
AGE_WORDS = {"moi": "dưới 7 ngày", "1-4-tuan": "7–30 ngày", "tren-30-ngay": "trên 30 ngày"}
OVERVIEW_ROLES = ("principal", "board", "department_head")


class Forbidden(PermissionError):
    """This account may not see or do this; said in Vietnamese."""


class NotFound(LookupError):
    """No such record; said in Vietnamese."""


@dataclass(frozen=True)
class Scope:
    """What an account may read and do. ``None`` in a set means no limit of that kind."""

    student_data: bool  # may read students' names, scores and results at all
    classes: frozenset[str] | None = None
    subjects: frozenset[str] | None = None
    students: frozenset[str] | None = None
    propose: bool = False  # may propose a resolution (within the classes)
    approve: bool = False  # may approve or reject proposals (Suối Ngô art. 9)
    operations: bool = False  # runs, queues, accounts: the IT page (not students' data)
    department: bool = False  # the schools side by side: aggregate figures per school, nothing personal
    schools: frozenset[str] | None = None  # with `department`: the schools overseen (None: every one)

    def sees(self, row: DiscrepancyRow) -> bool:
        """Whether a discrepancy is within this scope."""
        if not self.student_data:
            return False
        if self.classes is not None and (row.class_code or "") not in self.classes:
            return False
        record = row.record or {}
        if self.subjects is not None and (record.get("subject") or "") not in self.subjects:
            return False
        if self.students is not None:
            keys = set(((record.get("student") or {}).get("keys") or {}).values())
            if not keys & self.students:
                return False
        return True

    def sees_class(self, class_code: str) -> bool:
        return self.student_data and (self.classes is None or class_code in self.classes)

    @property
    def overview(self) -> bool:
        """The principal's page: the whole school, or a department's subjects for its head."""
        return self.student_data and self.students is None and self.classes is None


def scope_of(actor: Actor) -> Scope:
    """The access rules, by role and the account's scopes (`UserScopeRow`)."""
    role = actor.role
    if role == "principal":
        return Scope(True, propose=True, approve=True, operations=True)
    if role == "board":  # the Ban giám hiệu reads everything; acts only by the principal's delegation
        return Scope(True, propose=actor.delegated, approve=actor.delegated)
    if role == "gvcn":
        return Scope(True, classes=actor.classes, propose=True)
    if role == "teacher":
        return Scope(True, classes=actor.classes, subjects=actor.subjects)
    if role == "department_head":
        return Scope(True, subjects=actor.subjects)
    if role == "parent":
        return Scope(True, students=actor.students)
    if role == "it":  # a school's IT reads its own school's figures; the installation's IT, every school's
        return Scope(
            False, operations=True, department=True, schools=frozenset({actor.school}) if actor.school else None
        )
    if role == "so_gddt":  # reads, never acts: no proposal, no approval, no operations
        return Scope(False, department=True, schools=None if ALL_SCHOOLS in actor.schools else actor.schools)
    return Scope(False)  # an unknown role sees nothing


def _allowed(actor: Actor, granted: Callable[[Scope], bool], refusal: str) -> Scope:
    """The actor's scope if it grants this, else `Forbidden` saying who may (``refusal``)."""
    scope = scope_of(actor)
    if not granted(scope):
        raise Forbidden(f"{actor.shown()} {refusal}")
    return scope


def require_student_data(actor: Actor) -> Scope:
    return _allowed(
        actor, lambda s: s.student_data, "không xem được dữ liệu học sinh (điểm, kết quả): ngoài phạm vi vai trò."
    )


def require_approver(actor: Actor) -> Scope:
    return _allowed(
        actor,
        lambda s: s.approve,
        "không có quyền duyệt: chỉ Hiệu trưởng, hoặc thành viên Ban giám hiệu được uỷ quyền.",
    )


def require_results_confirmer(actor: Actor, class_code: str) -> Scope:
    """Confirming a class's results (Suối Ngô regulation, art. 7): the class's own GVCN, no one else."""
    scope = scope_of(actor)
    if actor.role != "gvcn" or class_code not in (scope.classes or ()):
        raise Forbidden(
            f"{actor.shown()} không xác nhận được kết quả lớp {class_code}: chỉ giáo viên chủ nhiệm của lớp xác nhận."
        )
    return scope


def results_classes(actor: Actor) -> frozenset[str] | None:
    """Whose class results an account may read (the whole class's results, student by student):
    the principal and the Ban giám hiệu every class (``None``), a GVCN her classes; no one else —
    a subject teacher or a parent reads no other student's year results."""
    if actor.role in ("principal", "board"):
        return None
    if actor.role == "gvcn":
        return frozenset(actor.classes)
    raise Forbidden(
        f"{actor.shown()} không xem được kết quả của lớp: chỉ Ban giám hiệu và giáo viên chủ nhiệm của lớp."
    )


def require_results_approver(actor: Actor) -> Scope:
    """Approving or reopening a class's results (Bình An 5.4): the principal alone."""
    return _allowed(
        actor,
        lambda s: actor.role == "principal",
        "không duyệt hoặc mở lại được kết quả của lớp: chỉ Hiệu trưởng.",
    )


def require_overview(actor: Actor) -> Scope:
    """The principal's page: the principal and the Ban giám hiệu (the whole school), a department
    head (the department's subjects)."""
    return _allowed(
        actor, lambda s: s.overview, "không xem được trang tổng quan: chỉ Ban giám hiệu và tổ trưởng chuyên môn."
    )


def require_operations(actor: Actor) -> Scope:
    """The IT page and the audit log: IT and the principal."""
    return _allowed(actor, lambda s: s.operations, "không xem được trang vận hành: chỉ quản trị CNTT và Hiệu trưởng.")


def require_import(actor: Actor) -> Scope:
    """Uploading files to import on the IT page (as ``lienthong import``): IT and the principal."""
    return _allowed(actor, lambda s: s.operations, "không nhập tệp được: chỉ quản trị CNTT và Hiệu trưởng.")


def require_department(actor: Actor) -> Scope:
    """The schools side by side («Các trường»): a Sở officer (her schools) and IT (every school)."""
    return _allowed(
        actor, lambda s: s.department, "không xem được trang các trường: chỉ cán bộ Sở GD&ĐT và quản trị CNTT."
    )


def overseen_schools(session: Session, actor: Actor | None) -> list[SchoolRow]:
    """The registered (active) schools whose aggregate figures this account reads, by code. ``None``
    is the installation's own console (``lienthong schools list`` with no account given, as
    ``schools add``): whoever runs it there reads the database anyway, so every school."""
    rows = registry.schools(session)
    if actor is None:
        return rows
    scope = require_department(actor)
    return [row for row in rows if scope.schools is None or row.ma_truong in scope.schools]


def require_school_figures(actor: Actor | None, ma_truong: str) -> None:
    """`Forbidden` unless this account oversees ``ma_truong`` (``None``: the console, see above)."""
    if actor is None:
        return
    scope = require_department(actor)
    if scope.schools is not None and ma_truong not in scope.schools:
        raise Forbidden(f"{actor.shown()} không xem được số liệu của trường {ma_truong}: ngoài các trường phụ trách.")


def open_discrepancy_count(session: Session, actor: Actor | None) -> int:
    """The live discrepancies of the session's school, counted and nothing else read out of them,
    for an account that oversees that school."""
    require_school_figures(actor, tenancy.require_school(session))
    return queries.count_discrepancies(session, LIVE)


def age_of(row: DiscrepancyRow, now: datetime) -> str:
    """The age bucket (`AGES`) of a discrepancy: how long since it was first seen."""
    first = row.first_seen if row.first_seen.tzinfo else row.first_seen.replace(tzinfo=timezone.utc)
    days = (now - first) / timedelta(days=1)
    for name, (low, high) in AGES.items():
        if days >= low and (high is None or days < high):
            return name
    return "moi"  # first seen after now (a clock moved back)


def discrepancies(
    session: Session,
    actor: Actor,
    class_code: str | None = None,
    statuses: Iterable[str] = LIVE,
    limit: int | None = None,
    offset: int = 0,
    age: str | None = None,
    now: datetime | None = None,
) -> list[DiscrepancyRow]:
    """The discrepancies this account may see (live ones by default), by class, kind and id;
    ``age`` (an `AGES` name, with ``now``) keeps those open that long."""
    scope = require_student_data(actor)
    if class_code is not None and not scope.sees_class(class_code):
        raise Forbidden(f"{actor.shown()} không xem được lớp {class_code}: ngoài phạm vi được giao.")
    query = select(DiscrepancyRow).where(DiscrepancyRow.status.in_(list(statuses)))
    if age is not None:
        low, high = AGES[age]
        at = now or datetime.now(timezone.utc)
        query = query.where(DiscrepancyRow.first_seen <= at - timedelta(days=low))
        if high is not None:
            query = query.where(DiscrepancyRow.first_seen > at - timedelta(days=high))
    if class_code is not None:
        query = query.where(DiscrepancyRow.class_code == class_code)
    elif scope.classes is not None:
        query = query.where(DiscrepancyRow.class_code.in_(sorted(scope.classes)))
    query = query.order_by(DiscrepancyRow.class_code, DiscrepancyRow.kind, DiscrepancyRow.id)
    rows = [row for row in session.exec(query) if scope.sees(row)]
    return rows[offset : None if limit is None else offset + limit]


def discrepancy(session: Session, actor: Actor, discrepancy_id: str) -> DiscrepancyRow:
    """One discrepancy, if this account may see it."""
    scope = require_student_data(actor)
    row = tenancy.get(session, DiscrepancyRow, discrepancy_id)
    if row is None:
        raise NotFound(f"Không có khác biệt mã {discrepancy_id}.")
    if not scope.sees(row):
        raise Forbidden(f"{actor.shown()} không xem được khác biệt này: ngoài phạm vi được giao.")
    return row


def visible_classes(session: Session, actor: Actor) -> list[str]:
    """The classes with discrepancies this account may see (a GVCN: hers, even without any)."""
    scope = require_student_data(actor)
    query = select(DiscrepancyRow.class_code).where(DiscrepancyRow.class_code.is_not(None)).distinct()
    found = {code for code in session.exec(query) if code}
    if scope.classes is not None:
        found = (found & scope.classes) | set(scope.classes)
    return sorted(found)


def approval_queue(session: Session, actor: Actor) -> list[tuple[DiscrepancyRow, ResolutionRow]]:
    """Proposals waiting for this approver, each with its proposal, oldest proposal first."""
    scope = require_approver(actor)
    rows = [row for row in session.exec(select(DiscrepancyRow).where(DiscrepancyRow.status == "proposed"))]
    rows = [row for row in rows if scope.sees(row)]
    if not rows:
        return []
    steps = session.exec(
        select(ResolutionRow)
        .where(ResolutionRow.discrepancy_id.in_([row.id for row in rows]))
        .order_by(ResolutionRow.id)
    )
    last: dict[str, ResolutionRow] = {}
    for step in steps:
        last[step.discrepancy_id] = step
    waiting = [(row, last[row.id]) for row in rows if row.id in last and last[row.id].step == "proposed"]
    return sorted(waiting, key=lambda pair: pair[1].id or 0)


def require_proposer(session: Session, actor: Actor, discrepancy_id: str) -> DiscrepancyRow:
    """The discrepancy, if this account may see it and propose its resolution."""
    row = discrepancy(session, actor, discrepancy_id)
    if not scope_of(actor).propose:
        raise Forbidden(f"{actor.shown()} không đề xuất được: chỉ giáo viên chủ nhiệm của lớp hoặc Ban giám hiệu.")
    return row


def counts_by_class(session: Session, actor: Actor) -> dict[str, dict[str, int]]:
    """Live discrepancies this account may see, by class and status (classes with none included
    for a homeroom teacher)."""
    counts: dict[str, dict[str, int]] = {code: {} for code in (scope_of(actor).classes or ())}
    for row in discrepancies(session, actor):
        per = counts.setdefault(row.class_code or "", {})
        per[row.status] = per.get(row.status, 0) + 1
    return dict(sorted(counts.items()))


def read_times(session: Session) -> dict[str, datetime]:
    """When each source was last read (no student data: open to every signed-in account)."""
    return queries.last_seen(session)


def counts_by_class_and_age(session: Session, actor: Actor, now: datetime) -> dict[str, dict[str, int]]:
    """Live discrepancies this account may see, by class and age bucket (`AGES`)."""
    counts: dict[str, dict[str, int]] = {}
    for row in discrepancies(session, actor):
        per = counts.setdefault(row.class_code or "", dict.fromkeys(AGES, 0))
        per[age_of(row, now)] += 1
    return dict(sorted(counts.items()))


def store_version(session: Session) -> tuple:
    """What changes when the records behind the principal's figures change (a pull or an import
    writes snapshots, a push applied, an account's classes or subjects): cheap to ask on every
    request, so the loaded records and figures are kept until it moves."""
    snap, read = SourceSnapshotRow.__table__, SourceReadRow.__table__
    snapshots = session.execute(
        sa.select(
            sa.select(sa.func.count()).where(tenancy.school_column(session, snap)).scalar_subquery(),
            sa.select(sa.func.max(read.c.read_at)).where(tenancy.school_column(session, read)).scalar_subquery(),
        )
    ).one()
    pushed = session.execute(
        sa.select(sa.func.count(), sa.func.max(OutboxItemRow.updated_at)).where(OutboxItemRow.status == "done")
    ).one()
    files = session.execute(sa.select(sa.func.count()).select_from(ImportedFileRow)).scalar()
    user = UserRow.__table__
    users = session.execute(
        sa.select(sa.func.count(), sa.func.max(user.c.id), sa.func.sum(sa.cast(user.c.disabled, sa.Integer)))
    ).one()
    scopes = session.execute(sa.select(sa.func.count()).select_from(UserScopeRow)).scalar()
    return (*snapshots, *pushed, files, *users, scopes)


def report_records(session: Session, actor: Actor, school_year: str) -> tuple[list[dict], dict[str, str]]:
    """The school's reconciliation report for IT and the principal (`reconciliation.reports`: per
    school for them): the live discrepancies' records, and each class's GVCN."""
    require_operations(actor)
    query = (
        select(DiscrepancyRow)
        .where(DiscrepancyRow.status.in_(list(LIVE)))
        .order_by(DiscrepancyRow.class_code, DiscrepancyRow.kind, DiscrepancyRow.id)
    )
    records = [dict(row.record or {}) for row in session.exec(query)]
    with opened(session) as db:
        return records, reconcile_queries.homeroom_teachers(db, school_year)
