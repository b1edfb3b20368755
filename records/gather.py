"""A class's transcripts for the current school year from what the store holds.

The same reading as the CSDL export (`reconciliation.csdl_files`): the school's students linked
to the identity source (which issues the Mã định danh), the score owner's sheets (the teachers'
gradebooks) over the school's, the homeroom teacher's training levels, absences from the
school's attendance (else the year total its summary states). Each sheet becomes a canonical
`ScoreSheet`, and the year is computed by the assessment engine (`transcript.build_year`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from lienthong.config.settings import Settings
from lienthong.mapping import catalogs
from lienthong.mapping.calendar import semester_bounds
from lienthong.mapping.canonical import ScoreSheet, Student
from lienthong.mapping.errors import MappingError
from lienthong.mapping.sources import SourceRecords
from lienthong.reconciliation.compare import Roles, absence_counts, link_students
from lienthong.reconciliation.owner_links import link_owner
from lienthong.reconciliation.service import homeroom_teachers, known_class, load_sources
from lienthong.reconciliation.year import ParsedSheets
from lienthong.records.transcript import IncompleteYear, Transcript, build_year, pupil_of
from lienthong.store import accounts


class RecordsSetupMissing(ValueError):
    """What the transcript needs from the configuration (the school's code and name)."""


@dataclass
class ClassTranscripts:
    class_code: str
    school_year: str
    transcripts: list[Transcript] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # "Họ tên: why" for each student not written


def _sheets(parsed: ParsedSheets, key: str, school_year: str) -> list[ScoreSheet]:
    out = []
    for code, info in catalogs.subjects().items():
        for semester in ("1", "2"):
            values = parsed.values(f"{key}:{code}:{semester}", info.by_comment)
            if values is None or tuple in map(type, values):
                continue  # missing or unreadable: the engine reports it as missing
            try:
                out.append(
                    ScoreSheet(
                        student_id=key,
                        subject_code=code,
                        school_year=school_year,
                        semester=semester,
                        tx=[v for v in values[:4] if v is not None],
                        gk=values[4],
                        ck=values[5],
                    )
                )
            except MappingError:
                continue
    return out


def _training(school: SourceRecords, held: SourceRecords, key: str, anchor: str) -> dict[str, str]:
    """The homeroom teacher's levels: the school's record, else the results source's."""
    out = {}
    for semester in ("1", "2"):
        level = school.training.get(f"{key}:{semester}")
        if not level:
            level = getattr(held.results.get(f"{anchor}:{semester}"), "training", None)
        if level:
            out[semester] = getattr(level, "value", level)
    return out


def _counted(school: SourceRecords, school_year: str, period: str = "CN") -> dict[str, dict[str, int]] | None:
    """Sessions missed in the year (or a semester) per student, from the school's attendance (``None``: not read)."""
    if not school.has_attendance:
        return None
    start = int(school_year[:4])
    first = semester_bounds(start, "1" if period == "CN" else period)[0]
    return absence_counts(school, first, semester_bounds(start, "2" if period == "CN" else period)[1])


def _absences(
    counted: dict[str, dict[str, int]] | None, school: SourceRecords, held: SourceRecords, key: str, anchor: str
) -> int:
    if counted is not None:
        mine = counted.get(key, {})
        return mine.get("P", 0) + mine.get("K", 0)
    summary = school.summaries.get(key)
    if summary is not None and summary.absence_total is not None:
        return summary.absence_total
    year = held.year_result(anchor)
    if year is not None:
        return year.absences_excused + year.absences_unexcused
    return -1  # unknown: the engine reports the absences as missing


def principal_name(session: Session) -> str:
    """The principal by account (never a typed name): the active principal's full name."""
    for actor in accounts.list_users(session):
        if actor.role == "principal" and not accounts.is_disabled(session, actor.id):
            return actor.full_name
    return ""


@dataclass
class Member:
    """One student of a class with the canonical records of the year."""

    key: str  # the school's key
    student: Student  # the school's record (class, status)
    identity: Student | None  # the identity source's (Mã định danh), when linked
    sheets: list[ScoreSheet]
    training: dict[str, str]
    absences: int  # the year's sessions missed; -1 when unknown
    absences_by_semester: dict[str, int] = field(default_factory=dict)  # "1"/"2" → sessions, from attendance


@dataclass
class ClassData:
    class_code: str
    school_year: str
    gvcn: str | None
    principal: str
    members: list[Member]


def class_data(engine: sa.Engine, settings: Settings, class_code: str, school_year: str | None = None) -> ClassData:
    """Every student of ``class_code`` with the year's canonical records, in the register's order."""
    return classes_data(engine, settings, [class_code], school_year)[0]


def classes_data(
    engine: sa.Engine, settings: Settings, class_codes: list[str] | None, school_year: str | None = None
) -> list[ClassData]:
    """`class_data` of several classes (all the school's when ``None``): the sources read, the
    students linked and the sheets parsed once."""
    school_year = school_year or settings.current_school_year()
    sources = load_sources(engine, settings)
    roles = Roles.from_settings(settings.authority)
    school = sources.get(roles.school) or SourceRecords(roles.school)
    anchor = sources.get(roles.identity) or SourceRecords(roles.identity)
    held = sources.get(roles.results) or SourceRecords(roles.results)
    links = link_students(school, anchor, [])
    owner = sources.get(roles.scores.owner)
    sheets = school.sheets
    if owner is not None and owner.name != school.name:
        sheets = {**school.sheets, **link_owner(owner, school, anchor, links).sheets}
    parsed = ParsedSheets(sheets)
    counted = _counted(school, school_year)
    by_semester = {semester: _counted(school, school_year, semester) or {} for semester in ("1", "2")}
    with Session(engine) as session:
        teachers = homeroom_teachers(session, sources, school_year)
        principal = principal_name(session)
    if class_codes is None:
        known = {s.class_code for s in school.students.values() if s.class_code}
        class_codes = sorted(known, key=lambda c: (len(c), c))
    out = []
    for wanted in class_codes:
        code = known_class(sources, wanted) or wanted
        members = []
        students = [(k, s) for k, s in school.students.items() if s.class_code == code]
        for key, student in sorted(students, key=lambda item: _order(item[1].full_name)):
            linked = links.get(key)
            members.append(
                Member(
                    key,
                    student,
                    anchor.students.get(linked) if linked else None,
                    _sheets(parsed, key, school_year),
                    _training(school, held, key, linked or ""),
                    _absences(counted, school, held, key, linked or ""),
                    {p: sum(by_semester[p].get(key, {}).values()) for p in by_semester} if counted is not None else {},
                )
            )
        teacher = teachers.get(code)
        out.append(ClassData(code, school_year, teacher.name if teacher else None, principal, members))
    return out


def _check_setup(settings: Settings) -> None:
    if not settings.ma_truong or not settings.records.school_name:
        raise RecordsSetupMissing(
            "Học bạ cần mã trường và tên trường: đặt ma_truong và [records] school_name trong cấu hình."
        )


def class_transcripts(
    engine: sa.Engine, settings: Settings, class_code: str, day: date, school_year: str | None = None
) -> ClassTranscripts:
    """The transcripts (this school year's block) of every student of ``class_code``."""
    _check_setup(settings)
    data = class_data(engine, settings, class_code, school_year)
    out = ClassTranscripts(data.class_code, data.school_year)
    if data.gvcn is None:
        out.left_out.append(f"cả lớp {data.class_code}: chưa rõ GVCN (`lienthong classes set-gvcn`)")
        return out
    if not data.principal:
        out.left_out.append("cả lớp: chưa có tài khoản Hiệu trưởng (`lienthong users add … --role principal`)")
        return out
    for member in data.members:
        if member.identity is None:
            out.left_out.append(f"{member.student.full_name}: chưa ghép được với hồ sơ có mã định danh")
            continue
        try:
            year = build_year(
                data.school_year,
                data.class_code,
                member.sheets,
                member.training,
                member.absences,
                data.gvcn,
                data.principal,
                day,
            )
            pupil = pupil_of(member.identity, settings.ma_truong, settings.records.school_name)
        except IncompleteYear as exc:
            out.left_out.append(f"{member.student.full_name}: {str(exc).rstrip('.')}")
            continue
        out.transcripts.append(Transcript(pupil, (year,)))
    return out


def _order(name: str) -> tuple[str, str]:
    """Vietnamese order: by given name (the last word), then the rest."""
    parts = name.split()
    return (parts[-1] if parts else "", " ".join(parts[:-1]))
