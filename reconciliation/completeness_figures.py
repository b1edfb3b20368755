"""Completeness figures for the principal: what each class × subject × semester has entered in the
school's record against what Circular 22 requires, per subject teacher, the training results and
absences each homeroom teacher (GVCN) has entered, and whether the updates came as often as the
Suối Ngô regulation asks — with who is late. Data only (frozen dataclasses, `as_json`); the CLI
and the dashboard render them.

**What is counted.** Per student still in the class, a subject needs `Required.total`
assessments a semester (`assessment.requirements`); ĐĐGtx beyond the required number do not make
up for a missing ĐĐGgk or ĐĐGck. A student without a sheet of the subject has all of them missing.
A comment subject's complete sheets are also counted Đạt / Chưa đạt.

The cadence and what the store's history allows are in `completeness_cadence`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Iterable

from lienthong.mapping.calendar import semester_bounds
from lienthong.mapping.canonical import StudentStatus
from lienthong.reconciliation.completeness import SEMESTERS
from lienthong.reconciliation.completeness_cadence import LATE, Checkpoint

MOVED = {
    StudentStatus.CHUYEN_DI,
    StudentStatus.THOI_HOC,
    StudentStatus.CHUYEN_DEN,
    StudentStatus.CHUYEN_DI.value,
    StudentStatus.THOI_HOC.value,
    StudentStatus.CHUYEN_DEN.value,
}


# --- the figures ---------------------------------------------------------------------------


def percent_entered(entered: int, required: int) -> int:
    """Percent of the required cells entered, rounded down: 100 only when complete (9,237 of 9,244
    is 99, never 100), and 100 when nothing is required. Every figure a person reads uses it."""
    return entered * 100 // required if required else 100


@dataclass(frozen=True)
class SubjectFigures:
    """One class × subject × semester: assessments entered against those required."""

    class_code: str
    subject: str
    subject_name: str
    semester: str
    by_comment: bool
    students: int  # still in the class
    required_tx: int  # ĐĐGtx required of each student
    tx_entered: int  # over the class, each student's counted up to `required_tx`
    gk_entered: int
    ck_entered: int
    complete: int  # students with every required assessment
    passed: int | None  # comment subjects: complete and Đạt
    failed: int | None  # comment subjects: complete and Chưa đạt
    teacher: str | None  # the subject teacher, when the store knows one
    over: str | None  # why the semester is over for the class (`completeness.RESULTS`, `WINDOW`), or None
    last_update: date | None
    checkpoints: tuple[Checkpoint, ...]

    @property
    def required(self) -> int:
        return self.students * (self.required_tx + 2)

    @property
    def entered(self) -> int:
        return self.tx_entered + self.gk_entered + self.ck_entered

    @property
    def late(self) -> bool:
        return any(c.status == LATE for c in self.checkpoints)

    @property
    def share(self) -> int:
        return percent_entered(self.entered, self.required)

    def as_json(self) -> dict[str, Any]:
        return {
            "class": self.class_code,
            "subject": self.subject,
            "subject_name": self.subject_name,
            "semester": self.semester,
            "by_comment": self.by_comment,
            "students": self.students,
            "required_tx": self.required_tx,
            "required": self.required,
            "entered": self.entered,
            "share": self.share,
            "tx_entered": self.tx_entered,
            "gk_entered": self.gk_entered,
            "ck_entered": self.ck_entered,
            "complete_students": self.complete,
            "passed": self.passed,
            "failed": self.failed,
            "teacher": self.teacher,
            "over": self.over is not None,
            "over_because": self.over,
            "last_update": self.last_update.isoformat() if self.last_update else None,
            "cadence": [c.as_json() for c in self.checkpoints],
        }


@dataclass(frozen=True)
class MonthFigures:
    """One class's absences of one month: how many sessions, how many entered after the due date."""

    month: str  # "2026-10"
    sessions: int
    late: int
    due: date
    last_entry: date | None

    def as_json(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "sessions": self.sessions,
            "late": self.late,
            "due": self.due.isoformat(),
            "last_entry": self.last_entry.isoformat() if self.last_entry else None,
        }


@dataclass(frozen=True)
class ClassFigures:
    """One class in one semester: what its homeroom teacher (GVCN) enters."""

    class_code: str
    semester: str
    gvcn: str | None
    students: int
    training_entered: int
    training_due: date
    attendance: bool  # the record holds attendance at all
    absence_sessions: int  # in the semester
    absent_students: int
    months: tuple[MonthFigures, ...]
    moved: int  # students transferred in or out, or who left
    moved_last_update: date | None

    @property
    def training_missing(self) -> bool:
        return self.training_entered < self.students

    def as_json(self) -> dict[str, Any]:
        return {
            "class": self.class_code,
            "semester": self.semester,
            "gvcn": self.gvcn,
            "students": self.students,
            "training_entered": self.training_entered,
            "training_due": self.training_due.isoformat(),
            "attendance": self.attendance,
            "absence_sessions": self.absence_sessions,
            "absent_students": self.absent_students,
            "months": [m.as_json() for m in self.months],
            "moved": self.moved,
            "moved_last_update": self.moved_last_update.isoformat() if self.moved_last_update else None,
        }


@dataclass(frozen=True)
class TeacherFigures:
    """One subject teacher's classes and subjects, together."""

    teacher: str
    assignments: tuple[str, ...]  # "6A1 TOAN HK1"
    required: int
    entered: int
    late: int  # checkpoints late
    incomplete_over: int  # class × subject × semester over with blanks

    @property
    def behind(self) -> bool:
        return bool(self.late or self.incomplete_over)

    def as_json(self) -> dict[str, Any]:
        return {
            "teacher": self.teacher,
            "assignments": list(self.assignments),
            "required": self.required,
            "entered": self.entered,
            "late": self.late,
            "incomplete_over": self.incomplete_over,
            "behind": self.behind,
        }


@dataclass(frozen=True)
class Late:
    """Someone who is late by the regulation, and with what (a Vietnamese sentence)."""

    who: str | None  # the teacher's name, ``None`` when the store does not know it
    role: str  # "gvbm" (subject teacher) or "gvcn"
    what: str  # "scores_mid", "scores_end", "training", "absences", "scores_missing"
    class_code: str
    subject: str | None
    semester: str
    due: date
    message: str

    def as_json(self) -> dict[str, Any]:
        return {
            "who": self.who,
            "role": self.role,
            "what": self.what,
            "class": self.class_code,
            "subject": self.subject,
            "semester": self.semester,
            "due": self.due.isoformat(),
            "message": self.message,
        }


@dataclass(frozen=True)
class Completeness:
    """Every figure of one request (a school, or one class; a semester or those begun)."""

    school_year: str
    today: date
    semesters: tuple[str, ...]
    class_code: str | None
    source: str  # the school's record, as people call it ("vnEdu")
    subjects: tuple[SubjectFigures, ...]
    classes: tuple[ClassFigures, ...]
    teachers: tuple[TeacherFigures, ...]
    late: tuple[Late, ...]
    notes: tuple[str, ...]  # what could not be measured, and why (Vietnamese)

    @property
    def measured(self) -> bool:
        """Whether the school's record had any class or score book to measure: without one, empty
        tables and «nobody is late» would read as a school that is up to date."""
        return bool(self.subjects or self.classes)

    @property
    def required(self) -> int:
        return sum(s.required for s in self.subjects)

    @property
    def entered(self) -> int:
        return sum(s.entered for s in self.subjects)

    def scoped(self, classes: Iterable[str] | None = None, subjects: Iterable[str] | None = None) -> Completeness:
        """The figures one person may see (`None`: all): a GVCN her classes, a subject teacher his
        classes and subjects, a department head its subjects. Teachers are counted again over what
        is left; a class's own figures (training, absences) need its class in ``classes``."""
        keep_class = set(classes) if classes is not None else None
        keep_subject = set(subjects) if subjects is not None else None

        def kept(class_code: str, subject: str | None) -> bool:
            if keep_class is not None and class_code not in keep_class:
                return False
            return keep_subject is None or subject is None or subject in keep_subject

        rows = tuple(s for s in self.subjects if kept(s.class_code, s.subject))
        own = keep_subject is None  # a class's GVCN figures are not a subject's
        return replace(
            self,
            subjects=rows,
            classes=tuple(c for c in self.classes if own and kept(c.class_code, None)),
            teachers=teacher_figures(rows),
            late=tuple(i for i in self.late if kept(i.class_code, i.subject) and (own or i.subject)),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "school_year": self.school_year,
            "today": self.today.isoformat(),
            "semesters": list(self.semesters),
            "class": self.class_code,
            "source": self.source,
            "required": self.required,
            "entered": self.entered,
            "subjects": [s.as_json() for s in self.subjects],
            "classes": [c.as_json() for c in self.classes],
            "teachers": [t.as_json() for t in self.teachers],
            "late": [item.as_json() for item in self.late],
            "notes": list(self.notes),
        }


def semesters_begun(school_year: str, today: date) -> tuple[str, ...]:
    """The semesters of ``school_year`` that have begun by ``today`` (at least the first)."""
    start = int(school_year[:4])
    begun = tuple(s for s in SEMESTERS if semester_bounds(start, s)[0] <= today)
    return begun or (SEMESTERS[0],)


def teacher_figures(subjects: Iterable[SubjectFigures]) -> tuple[TeacherFigures, ...]:
    """Each known subject teacher's class × subject × semester rows together, those behind first."""
    mine: dict[str, list[SubjectFigures]] = {}
    for s in subjects:
        if s.teacher:
            mine.setdefault(s.teacher, []).append(s)
    out = [
        TeacherFigures(
            teacher,
            tuple(f"{r.class_code} {r.subject} HK{r.semester}" for r in rows),
            sum(r.required for r in rows),
            sum(r.entered for r in rows),
            sum(1 for r in rows for c in r.checkpoints if c.status == LATE),
            sum(1 for r in rows if r.over and r.entered < r.required),
        )
        for teacher, rows in mine.items()
    ]
    return tuple(sorted(out, key=lambda t: (not t.behind, t.teacher)))
