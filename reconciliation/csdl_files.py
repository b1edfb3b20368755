"""What lienthong would import into the CSDL: results and the student list from canonical data.

Scores follow field authority (a teacher's gradebook sheet, where one was imported, over
vnEdu's); semester and year results are recomputed with the assessment engine (Circular 22),
never copied; identity comes from the CSDL, class and status from the school's side (vnEdu).
A student whose required assessments are incomplete is left out and listed, not guessed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lienthong.assessment.engine import StudentYear, assess_student, promotion, title, year_training
from lienthong.assessment.rules import rules_for
from lienthong.mapping.calendar import semester_bounds
from lienthong.mapping.canonical import SemesterResult, Student, YearResult
from lienthong.mapping.csdl import result_to_csdl, student_to_csdl
from lienthong.mapping.errors import MappingError
from lienthong.mapping.registry import canonical
from lienthong.mapping.sources import SourceRecords
from lienthong.reconciliation.compare import Roles, Sources, absence_counts, link_students
from lienthong.reconciliation.owner_links import link_owner
from lienthong.reconciliation.year import ParsedSheets, entered_subjects


@dataclass
class CsdlFile:
    records: list[dict[str, Any]] = field(default_factory=list)
    students: dict[str, dict[str, Any]] = field(default_factory=dict)  # MaDinhDanh → HoTen, NgaySinh, MaLop
    incomplete: list[str] = field(default_factory=list)  # "Họ tên (lớp)" of students left out


def _parts(sources: Sources | dict, roles: Roles | None) -> tuple[Roles, SourceRecords, SourceRecords, SourceRecords]:
    sources, roles = canonical(sources), roles or Roles.from_settings()
    empty = {name: SourceRecords(name, name, name) for name in (roles.school, roles.identity, roles.results)}
    return (
        roles,
        sources.get(roles.school) or empty[roles.school],
        sources.get(roles.identity) or empty[roles.identity],
        sources.get(roles.results) or empty[roles.results],
    )


def _sheets(
    sources: Sources, roles: Roles, school: SourceRecords, anchor: SourceRecords, links: dict[str, str]
) -> ParsedSheets:
    """The school's score sheets with the owner's (the teachers' gradebooks, however each book keys
    its rows: `owner_links`) in their place where present."""
    owner = sources.get(roles.scores.owner)
    if owner is None or owner.name == school.name:
        return ParsedSheets(school.sheets)
    return ParsedSheets({**school.sheets, **link_owner(owner, school, anchor, links).sheets})


def _absences(school: SourceRecords, school_year: str, semester: str) -> dict[str, dict[str, int]] | None:
    """The school's absences of the period per student, or ``None`` when its attendance was not read."""
    if not school.has_attendance:
        return None
    start = int(school_year[:4])
    first = semester_bounds(start, "1" if semester == "CN" else semester)[0]
    last = semester_bounds(start, "2" if semester == "CN" else semester)[1]
    return absence_counts(school, first, last)


def results_file(
    sources: Sources | dict, school_year: str, semester: str, class_code: str | None, roles: Roles | None = None
) -> CsdlFile:
    """``KetQuaHocSinh`` records of one period (``1``, ``2`` or ``CN``) for every linked student."""
    roles, school, anchor, held = _parts(sources, roles)
    links = link_students(school, anchor, [])
    sheets, counted, out = (
        _sheets(canonical(sources), roles, school, anchor, links),
        _absences(school, school_year, semester),
        CsdlFile(),
    )
    for key, anchor_key in sorted(links.items(), key=lambda item: (school.students[item[0]].class_code, item[1])):
        student = school.students[key]
        if class_code and student.class_code != class_code:
            continue
        result = _result(school, held, sheets, counted, key, anchor_key, student, school_year, semester)
        if result is None:
            out.incomplete.append(f"{student.full_name} ({student.class_code})")
            continue
        out.records.append(result_to_csdl(result))
        c = anchor.students[anchor_key]
        out.students[anchor_key] = {
            "HoTen": c.full_name,
            "NgaySinh": c.birth_date.isoformat(),
            "MaLop": student.class_code,
        }
    return out


def _result(
    school: SourceRecords,
    held: SourceRecords,
    sheets: ParsedSheets,
    counted: dict | None,
    key: str,
    anchor: str,
    student: Student,
    school_year: str,
    semester: str,
) -> SemesterResult | None:
    periods = ("1", "2") if semester == "CN" else (semester,)
    subjects = entered_subjects(sheets, key, periods)
    if subjects is None or not (student.class_code or "")[:1].isdigit():
        return None
    grade = int(student.class_code[0])
    try:
        year = assess_student(StudentYear(school_year, grade, subjects))
    except MappingError:
        return None
    period = "cn" if semester == "CN" else f"hk{semester}"
    learning = year.learning[period]
    if learning is None:
        return None
    before = held.results.get(f"{anchor}:{semester}")
    training = _training(school, held, key, anchor, before, semester)
    mine = (counted or {}).get(key, Counter()) if counted is not None else None
    excused, unexcused = (
        (mine.get("P", 0), mine.get("K", 0))
        if mine is not None
        else ((before.absences_excused, before.absences_unexcused) if before else (0, 0))
    )
    fields = dict(
        student_id=anchor,
        school_year=school_year,
        period=semester,
        subjects={code: v[period] for code, v in year.subjects.items()},
        learning=learning,
        training=training,
        absences_excused=excused,
        absences_unexcused=unexcused,
    )
    if semester != "CN" or not training:
        return (YearResult if semester == "CN" else SemesterResult).model_construct(**fields)
    rules = rules_for(school_year, grade)
    scores = [v["cn"] for v in year.subjects.values() if isinstance(v["cn"], Decimal)]
    return YearResult.model_construct(
        **fields,
        title=title(learning, training, scores, rules),
        promotion=promotion(learning, training, excused + unexcused, rules),
        absence_total=excused + unexcused,
    )


def _training(
    school: SourceRecords, held: SourceRecords, key: str, anchor: str, before: SemesterResult | None, semester: str
) -> str | None:
    """Training is assessed by the homeroom teacher, not computed: the school's (its year summary),
    else what the results source holds (for the year: derived from its two semesters)."""
    if semester == "CN":
        summary = school.summaries.get(key)
        if summary is not None and summary.training:
            return summary.training
        hk1, hk2 = (getattr(held.results.get(f"{anchor}:{p}"), "training", None) for p in ("1", "2"))
        if hk1 and hk2:
            return year_training(hk1, hk2)
    return before.training if before else None


def student_list_file(sources: Sources | dict, class_code: str | None, roles: Roles | None = None) -> CsdlFile:
    """The identity source's students with class and status from the school's side, and the school's
    students it does not know yet as new rows (no Mã định danh: the CSDL issues one on import)."""
    roles, school, anchor, _ = _parts(sources, roles)
    found: list = []
    links = link_students(school, anchor, found)
    by_anchor = {anchor_key: school.students[key] for key, anchor_key in links.items()}
    out = CsdlFile()
    for anchor_key, c in sorted(anchor.students.items(), key=lambda item: (item[1].class_code, item[0])):
        v = by_anchor.get(anchor_key)
        status = (getattr(v.status, "value", v.status) if v is not None else None) or c.status
        record = student_to_csdl(
            c.model_copy(update={"class_code": (v.class_code if v else None) or c.class_code, "status": status})
        )
        if not class_code or record["MaLop"] == class_code:
            out.records.append(record)
    for anchor_key, reason in sorted(anchor.unreadable.items()):
        name, cls = anchor.raw_names.get(anchor_key, ("", ""))
        out.incomplete.append(f"{name} ({cls}): {anchor.title} giữ hồ sơ không đọc được — {reason}")
    new = {d.keys.get(school.name) for d in found if d.kind == "missing_student" and d.keys.get(school.name)}
    for key in sorted(new):
        v = school.students[key]
        if class_code and v.class_code != class_code:
            continue
        if v.gender is None or v.birth_date is None:
            out.incomplete.append(f"{v.full_name} ({v.class_code}): thiếu giới tính hoặc ngày sinh")
            continue
        out.records.append(student_to_csdl(v.model_copy(update={"ministry_id": None})))
    return out
