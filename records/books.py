"""The other books the school prints at year end (Suối Ngô regulation, art. 10): the class
assessment book (sổ theo dõi và đánh giá học sinh theo lớp) of one semester or the year, and the
register (sổ đăng bộ). Data first (`ClassBook`, `Register`), rendered by `records.printing`.

Values come from the assessment engine over the canonical score sheets (`gather.class_data`);
a subject whose required assessments are incomplete is shown blank, and so is the level that
depends on it, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from lienthong.assessment.engine import StudentYear, SubjectYear, assess_semester, assess_student
from lienthong.mapping import catalogs
from lienthong.records.gather import ClassData, Member
from lienthong.records.transcript import semester_scores


@dataclass
class BookRow:
    name: str
    values: dict[str, str]  # subject code → "8,5" / "Đ" / "" (incomplete)
    learning: str
    training: str
    absences: str


@dataclass
class ClassBook:
    class_code: str
    school_year: str
    period: str  # "1", "2", "CN"
    gvcn: str
    subjects: list[tuple[str, str]]  # (code, name) in the catalog's order
    rows: list[BookRow] = field(default_factory=list)


def _shown(value) -> str:
    if value is None:
        return ""
    return f"{value.quantize(Decimal('0.1'))}".replace(".", ",") if isinstance(value, Decimal) else str(value)


def _subjects(member: Member) -> tuple[SubjectYear, ...]:
    by_subject: dict[str, dict[str, object]] = {}
    for sheet in member.sheets:
        by_subject.setdefault(sheet.subject_code, {})[sheet.semester.value] = sheet
    return tuple(
        SubjectYear(code, semester_scores(s.get("1")), semester_scores(s.get("2"))) for code, s in by_subject.items()
    )


def class_book(data: ClassData, period: str) -> ClassBook:
    """One row per student: each subject's value for ``period`` and the levels."""
    grade = int(data.class_code[0])
    subjects = [(code, info.name) for code, info in catalogs.subjects().items()]
    book = ClassBook(data.class_code, data.school_year, period, data.gvcn or "", subjects)
    for member in data.members:
        entered = _subjects(member)
        if period == "CN":
            absences = member.absences if member.absences >= 0 else None
            year = assess_student(
                StudentYear(
                    data.school_year,
                    grade,
                    entered,
                    member.training.get("1"),
                    member.training.get("2"),
                    absences,
                )
            )
            values = {code: v["cn"] for code, v in year.subjects.items()}
            learning, training = year.learning["cn"], year.training["cn"]
        else:
            values, learning = assess_semester(data.school_year, grade, entered, f"hk{period}")
            training = member.training.get(period)
        book.rows.append(
            BookRow(
                member.student.full_name,
                {code: _shown(values.get(code)) for code, _ in subjects},
                learning or "",
                training or "",
                _absences(member, period),
            )
        )
    return book


def _absences(member: Member, period: str) -> str:
    if period != "CN":
        found = member.absences_by_semester.get(period)
        return "" if found is None else str(found)
    return str(member.absences) if member.absences >= 0 else ""


@dataclass
class RegisterRow:
    name: str
    birth_date: str
    gender: str
    ethnicity: str
    ministry_id: str
    class_code: str
    status: str


def register(classes: list[ClassData]) -> list[RegisterRow]:
    """The register: every student of the classes, with particulars from the identity source."""
    rows = []
    for data in classes:
        for member in data.members:
            person = member.identity or member.student
            status = getattr(member.student.status, "value", member.student.status)
            rows.append(
                RegisterRow(
                    person.full_name,
                    f"{person.birth_date:%d/%m/%Y}" if person.birth_date else "",
                    catalogs.gender(getattr(person.gender, "value", person.gender), field=None).name
                    if person.gender
                    else "",
                    catalogs.ethnicity(person.ethnicity_code, field=None).name if person.ethnicity_code else "",
                    (member.identity.ministry_id if member.identity else None) or "",
                    data.class_code,
                    catalogs.status(status, field=None).name if status else "",
                )
            )
    return rows
