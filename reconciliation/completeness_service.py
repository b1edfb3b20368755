"""The completeness use case (`completeness_report`): the CLI (``lienthong completeness``) and the
dashboard's principal page call it and only present what it returns.

Three reads of the store are made here rather than in `store.queries` (the store belongs to other
work under way): the score pushes the school's platform applied (`applied_pushes`, the outbox),
who teaches which class and subject (`subject_teachers`, the accounts' scopes), and one entity's
stored payloads (`stored_payloads`, for their ``updated_at``).
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import sqlalchemy as sa
from sqlmodel import Session

from lienthong.config.settings import Settings
from lienthong.mapping.calendar import VN_TZ
from lienthong.mapping.sources import SourceRecords
from lienthong.reconciliation import completeness, service
from lienthong.reconciliation.compare import Roles
from lienthong.reconciliation.completeness_cadence import History, history_from_payloads
from lienthong.reconciliation.completeness_figures import Completeness
from lienthong.reconciliation.completeness_measure import measure
from lienthong.store import accounts, queries, repository

SEMESTER_CHOICES = ("1", "2")
SUBJECT_TEACHER_ROLES = ("teacher",)


def applied_pushes(session: Session, platform: str) -> list[tuple[str, datetime]]:
    """(score sheet key, when the platform applied it) of every score push lienthong delivered."""
    rows = queries.delivered(session, platform, "diem")
    return [(key, at if at.tzinfo else at.replace(tzinfo=timezone.utc)) for key, at in rows]


def subject_teachers(session: Session) -> dict[tuple[str, str], str]:
    """(class, subject code) → the subject teacher(s) whose enabled account covers both (`users add
    --role teacher --class … --subject …`); two teachers of one pair are named together."""
    out: dict[tuple[str, str], list[str]] = {}
    for actor in accounts.list_users(session):
        if actor.role not in SUBJECT_TEACHER_ROLES or accounts.is_disabled(session, actor.id):
            continue  # a disabled account: the teacher has left, or no longer teaches here
        for class_code in actor.classes:
            for subject in actor.subjects:
                out.setdefault((class_code, subject), []).append(actor.full_name)
    return {pair: ", ".join(sorted(names)) for pair, names in out.items()}


def known_semester(semester: str | None) -> tuple[str, ...] | None:
    """``--semester`` as the figures take it; anything but 1 or 2 is refused in Vietnamese."""
    if semester is None:
        return None
    if str(semester).strip() not in SEMESTER_CHOICES:
        raise service.UnknownChoice(f"Học kỳ «{semester}» không hợp lệ: chọn 1 hoặc 2.")
    return (str(semester).strip(),)


def stored_payloads(session: Session, source: str, entity: str) -> dict[str, dict]:
    """Every stored record of one entity of a source, ``key → payload`` (the JSON text decoded by
    orjson, as `store.reconcile_queries.school_payloads` does, without reading the source's other entities)."""
    return repository.entity_payloads(session, source, entity)


def history_of(session: Session, school: SourceRecords) -> History:
    """When the school's record changed, from its stored payloads and the pushes applied to it."""
    return history_from_payloads(
        school.sheets,
        stored_payloads(session, school.name, "diem_danh"),
        stored_payloads(session, school.name, "hoc_sinh"),
        applied_pushes(session, school.name),
    )


def completeness_report(
    engine: sa.Engine,
    school_year: str,
    class_code: str | None = None,
    semester: str | None = None,
    settings: Settings | None = None,
    now: datetime | None = None,
    sources: dict[str, SourceRecords] | None = None,
) -> Completeness:
    """The completeness figures of the school (or one class) for a semester (default: those begun).
    ``sources``: the stored records already loaded (`service.load_sources`), for a caller that keeps
    them between requests (the dashboard); read from the store otherwise.

    Raises:
        service.NoData: nothing stored yet.
        service.UnknownChoice: a class the data does not have, or a semester other than 1 or 2.
    """
    semesters = known_semester(semester)
    sources = sources if sources is not None else service.load_sources(engine, settings)
    if not service.has_data(sources):
        raise service.NoData("Chưa có dữ liệu: hãy chạy `lienthong sync --once` hoặc `lienthong import TỆP…` trước.")
    code = service.known_class(sources, class_code)
    now = now or datetime.now(timezone.utc)
    today: date = now.astimezone(VN_TZ).date()
    roles = Roles.from_settings(settings.authority if settings else None)
    school = sources.get(roles.school) or SourceRecords(roles.school)
    closed = service.closed_semesters(settings, school_year, now)
    over = completeness.over_semesters(sources.values(), closed)
    with Session(engine) as session:
        homeroom = {c: h.name for c, h in service.homeroom_teachers(session, sources, school_year).items()}
        teachers = subject_teachers(session)
        history = history_of(session, school)
    return measure(
        school,
        school_year,
        today,
        semesters=semesters,
        class_code=code,
        over=over,
        history=history,
        subject_teachers=teachers,
        homeroom=homeroom,
    )
