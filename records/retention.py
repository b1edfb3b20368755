"""Retention: a student's records are kept at least 5 years after the student leaves or graduates
(Bình An regulation, art. 8.2; hocba-xml.md, Rules), and no command can purge them sooner.

When the period starts is read conservatively from what the store knows: a student who left
(chuyển đi, thôi học) or who graduates (grade 9, promoted at year end) is counted from the end of
the school year the data is for (31 May), never earlier; a student still studying has no date
and is never purgeable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session

from lienthong.config.settings import Settings
from lienthong.mapping.calendar import semester_bounds
from lienthong.mapping.canonical import StudentStatus
from lienthong.mapping.sources import SourceRecords
from lienthong.reconciliation.compare import Roles, link_students
from lienthong.reconciliation.service import load_sources
from lienthong.store import audit
from lienthong.store.purge import delete_student_records

LEFT = {StudentStatus.CHUYEN_DI.value: "chuyển trường", StudentStatus.THOI_HOC.value: "thôi học"}


class RetentionRefused(ValueError):
    """A purge the retention rule forbids; says until when."""


@dataclass(frozen=True)
class Retained:
    key: str  # the school's key for the student
    name: str
    class_code: str
    reason: str  # "chuyển trường", "thôi học", "tốt nghiệp", "đang học"
    counted_from: date | None  # when the 5 years start; None: still studying
    purgeable_from: date | None
    identity_key: str | None = None  # the identity source's key for the student, when linked

    def purgeable(self, today: date) -> bool:
        return self.purgeable_from is not None and today >= self.purgeable_from


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _graduates(school: SourceRecords, held: SourceRecords, key: str, anchor: str | None) -> bool:
    summary = school.summaries.get(key)
    promoted = summary.promotion if summary is not None else None
    if promoted is None and anchor is not None:
        result = held.year_result(anchor)
        promoted = result.promotion if result is not None else None
    return getattr(promoted, "value", promoted) == "LL"


def retained(engine: sa.Engine, settings: Settings, today: date) -> list[Retained]:
    """Every student of the school's record and when their records may be purged."""
    years = settings.records.retention_years
    school_year = settings.current_school_year(today)
    year_end = semester_bounds(int(school_year[:4]), "2")[1]
    sources = load_sources(engine, settings)
    roles = Roles.from_settings(settings.authority)
    school = sources.get(roles.school) or SourceRecords(roles.school)
    anchor = sources.get(roles.identity) or SourceRecords(roles.identity)
    held = sources.get(roles.results) or SourceRecords(roles.results)
    links = link_students(school, anchor, []) if anchor.students else {}
    out = []
    for key, student in school.students.items():
        status = getattr(student.status, "value", student.status)
        code = student.class_code or ""
        if status in LEFT:
            reason = LEFT[status]
        elif code.startswith("9") and _graduates(school, held, key, links.get(key)):
            reason = "tốt nghiệp"
        else:
            out.append(Retained(key, student.full_name, code, "đang học", None, None, links.get(key)))
            continue
        out.append(
            Retained(key, student.full_name, code, reason, year_end, _add_years(year_end, years), links.get(key))
        )
    return sorted(out, key=lambda r: (r.purgeable_from or date.max, r.class_code, r.name))


def purge(
    engine: sa.Engine, settings: Settings, keys: list[str], actor: str, at: datetime, today: date | None = None
) -> dict[str, int]:
    """Remove the stored records of students whose retention has ended; refuses the whole request
    (nothing removed) if any one of them is still within it, or unknown."""
    today = today or at.date()
    known = {r.key: r for r in retained(engine, settings, today)}
    refused = []
    for key in keys:
        found = known.get(key)
        if found is None:
            refused.append(f"{key}: không có trong hồ sơ của trường")
        elif not found.purgeable(today):
            until = f"{found.purgeable_from:%d/%m/%Y}" if found.purgeable_from else "sau khi em rời trường 5 năm"
            refused.append(f"{found.name} ({found.class_code}, {found.reason}): phải lưu đến {until}")
    if refused:
        raise RetentionRefused(
            "Không xoá: hồ sơ học sinh phải được lưu ít nhất "
            f"{settings.records.retention_years} năm sau khi học sinh tốt nghiệp hoặc chuyển trường "
            "(Quy chế Bình An, Điều 8): " + "; ".join(refused) + "."
        )
    removed = {}
    roles = Roles.from_settings(settings.authority)
    with Session(engine) as session:
        for key in keys:
            # the sources keyed by the school's key: its own record and the teachers' gradebooks
            removed[key] = sum(
                delete_student_records(session, key, source) for source in {roles.school, roles.scores.owner}
            )
            if known[key].identity_key:
                removed[key] += delete_student_records(session, known[key].identity_key, roles.identity)
            audit.append(session, actor, "records_purged", {"student": key, "rows": removed[key]}, at)
        session.commit()
    return removed
