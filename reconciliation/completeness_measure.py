"""The completeness figures computed from the school's record (`measure`): a pure function of
canonical records, the update history and who teaches what; the rules and the data classes are in
`completeness_figures`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Mapping

from lienthong.assessment.engine import DAT, comment_result
from lienthong.assessment.errors import AssessmentError
from lienthong.assessment.requirements import Required, entered_counts, required_assessments
from lienthong.mapping import catalogs
from lienthong.mapping.calendar import semester_bounds
from lienthong.mapping.normalize import class_order
from lienthong.mapping.sources import SourceRecords
from lienthong.mapping.vnedu import sheet_values
from lienthong.reconciliation.completeness import GONE, WHY_OVER, placed_sheets
from lienthong.reconciliation.completeness_cadence import (
    CHECKPOINT_WORDS,
    GRACE_DAYS,
    LATE,
    UNVERIFIED,
    History,
    judge,
    month_due,
    score_checkpoints,
)
from lienthong.reconciliation.completeness_figures import (
    MOVED,
    ClassFigures,
    Completeness,
    Late,
    MonthFigures,
    SubjectFigures,
    semesters_begun,
    teacher_figures,
)

NO_HISTORY = History(measurable=False)


def shown(day: date) -> str:
    return day.strftime("%d/%m/%Y")


@dataclass
class _Tally:
    """What one class × subject × semester holds, summed over its students' sheets."""

    tx: int = 0
    gk: int = 0
    ck: int = 0
    complete: int = 0
    passed: int = 0
    failed: int = 0
    days: set[date] = field(default_factory=set)  # days on which a change of its scores was seen


def _enrolled(school: SourceRecords, class_code: str | None) -> dict[str, list[str]]:
    """Class → its students still in the school (classes that name a grade)."""
    out: dict[str, list[str]] = defaultdict(list)
    for key, student in school.students.items():
        code = student.class_code
        if code and code[:1].isdigit() and student.status not in GONE and (not class_code or code == class_code):
            out[code].append(key)
    return out


def _requirements(classes: list[str], school_year: str) -> dict[str, dict[str, Required]]:
    """Class → subject → what each semester requires; a class Circular 22 does not govern is left out."""
    out: dict[str, dict[str, Required]] = {}
    for code in classes:
        try:
            out[code] = {s: required_assessments(s, int(code[0]), school_year) for s in catalogs.subjects()}
        except AssessmentError:
            continue
    return out


def _tallies(
    school: SourceRecords, school_year: str, wanted: set[tuple[str, str]], history: History
) -> dict[tuple[str, str, str], _Tally]:
    """(class, subject, semester) → what its sheets hold, for the (class, semester) ``wanted``."""
    tallies: dict[tuple[str, str, str], _Tally] = defaultdict(_Tally)
    changes = history.sheets
    for placed in placed_sheets(school, school_year):
        if (placed.class_code, placed.semester) not in wanted:
            continue
        sheet, code, need = placed.sheet, placed.subject.code, placed.required_tx
        tally = tallies[(placed.class_code, code, placed.semester)]
        tx, gk, ck = entered_counts(sheet.get("ddg_tx") or (), sheet.get("ddg_gk"), sheet.get("ddg_ck"), need)
        tally.tx += tx
        tally.gk += gk
        tally.ck += ck
        if tx == need and gk and ck:
            tally.complete += 1
            if placed.subject.by_comment:  # complete: Đạt when every mark entered is Đ
                outcome = comment_result(v for v in sheet_values(sheet, True) if v is not None)
                tally.passed += outcome == DAT
                tally.failed += outcome != DAT
        changed = changes.get(placed.key)
        if changed is not None:
            tally.days.add(changed)
    for key, day in history.pushes:
        parts = key.split(":")
        student = school.students.get(parts[0]) if len(parts) == 3 else None
        if student is not None and (student.class_code, parts[2]) in wanted:
            tallies[(student.class_code, parts[1], parts[2])].days.add(day)
    return tallies


def measure(
    school: SourceRecords,
    school_year: str,
    today: date,
    *,
    semesters: tuple[str, ...] | None = None,
    class_code: str | None = None,
    over: Mapping[str, Mapping[str, str]] | None = None,
    history: History = NO_HISTORY,
    subject_teachers: Mapping[tuple[str, str], str] | None = None,
    homeroom: Mapping[str, str] | None = None,
) -> Completeness:
    """Every completeness figure of the school's record (or one class) for ``semesters`` (default:
    those begun by ``today``).

    Args:
        over: class → semester → why it is over (`completeness.over_semesters`).
        history: when the record changed (`completeness_figures.History`).
        subject_teachers: (class, subject code) → the subject teacher's name, where known.
        homeroom: class → its GVCN's name.
    """
    semesters = semesters or semesters_begun(school_year, today)
    over, teachers, homeroom = over or {}, subject_teachers or {}, homeroom or {}
    enrolled = _enrolled(school, class_code)
    required = _requirements(sorted(enrolled, key=class_order), school_year)
    wanted = {(c, s) for c in required for s in semesters}
    tallies = _tallies(school, school_year, wanted, history)
    start = int(school_year[:4])
    subjects = []
    for cls in required:
        for semester in semesters:
            for code, need in required[cls].items():
                subjects.append(
                    _subject(
                        cls,
                        code,
                        semester,
                        need,
                        len(enrolled[cls]),
                        tallies.get((cls, code, semester)),
                        start,
                        today,
                        history,
                        teachers.get((cls, code)),
                        over.get(cls, {}).get(semester),
                    )
                )
    grouped = _by_class(school, enrolled, history)
    classes = [
        _class(school, cls, s, enrolled[cls], homeroom.get(cls), start, history, grouped)
        for cls in required
        for s in semesters
    ]
    late = _late_subjects(subjects, school.title or school.name, start, today) + _late_classes(classes, today)
    return Completeness(
        school_year,
        today,
        tuple(semesters),
        class_code,
        school.title or school.name,
        tuple(subjects),
        tuple(classes),
        teacher_figures(subjects),
        tuple(late),
        _notes(school, subjects, classes, history, bool(teachers)),
    )


def _subject(
    cls: str,
    code: str,
    semester: str,
    need: Required,
    students: int,
    tally: _Tally | None,
    start: int,
    today: date,
    history: History,
    teacher: str | None,
    over: str | None,
) -> SubjectFigures:
    tally = tally or _Tally()
    checkpoints = (
        tuple(judge(kind, opens, due, tally.days, today) for kind, opens, due in score_checkpoints(start, semester))
        if history.measurable
        else ()
    )
    return SubjectFigures(
        cls,
        code,
        catalogs.subject(code).name,
        semester,
        need.by_comment,
        students,
        need.tx,
        tally.tx,
        tally.gk,
        tally.ck,
        tally.complete,
        tally.passed if need.by_comment else None,
        tally.failed if need.by_comment else None,
        teacher,
        over,
        max(tally.days) if tally.days else None,
        checkpoints,
    )


@dataclass
class _ByClass:
    """What the homeroom teachers enter, grouped by class once (not scanned again for each class)."""

    absences: dict[str, list] = field(default_factory=lambda: defaultdict(list))  # canonical `Absence`s
    entries: dict[str, list] = field(default_factory=lambda: defaultdict(list))  # (day, day changed)
    moved: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # student keys


def _by_class(school: SourceRecords, enrolled: Mapping[str, list[str]], history: History) -> _ByClass:
    out = _ByClass()
    class_of = {key: cls for cls, keys in enrolled.items() for key in keys}
    for absence in school.absences:
        if (cls := class_of.get(absence.student_id)) is not None:
            out.absences[cls].append(absence)
    for student, day, changed in history.absences.values():
        if (cls := class_of.get(student)) is not None:
            out.entries[cls].append((day, changed))
    for key, student in school.students.items():
        if student.status in MOVED and student.class_code in enrolled:
            out.moved[student.class_code].append(key)
    return out


def _class(
    school: SourceRecords,
    cls: str,
    semester: str,
    students: list[str],
    gvcn: str | None,
    start: int,
    history: History,
    grouped: _ByClass,
) -> ClassFigures:
    first, last = semester_bounds(start, semester)
    training = sum(1 for key in students if school.training.get(f"{key}:{semester}"))
    absent = [a for a in grouped.absences.get(cls, ()) if first <= a.day <= last]
    months: dict[str, list] = defaultdict(list)
    for day, changed in grouped.entries.get(cls, ()):
        if first <= day <= last:
            months[f"{day:%Y-%m}"].append((day, changed))
    moved = grouped.moved.get(cls, [])
    moved_days = [history.students[key] for key in moved if key in history.students]
    return ClassFigures(
        cls,
        semester,
        gvcn,
        len(students),
        training,
        last + timedelta(days=GRACE_DAYS),
        school.has_attendance,
        len(absent),
        len({a.student_id for a in absent}),
        tuple(_month(month, items) for month, items in sorted(months.items())),
        len(moved),
        max(moved_days) if moved_days else None,
    )


def _month(month: str, items: list) -> MonthFigures:
    due = month_due(items[0][0])
    entries = [changed for _, changed in items if changed is not None]
    return MonthFigures(month, len(items), sum(1 for d in entries if d > due), due, max(entries) if entries else None)


def _late_subjects(subjects: list[SubjectFigures], source: str, start: int, today: date) -> list[Late]:
    out = []
    for s in subjects:
        where = f"Môn {s.subject_name} lớp {s.class_code} HK{s.semester}"
        for c in s.checkpoints:
            if c.status != LATE:
                continue
            last = f"lần gần nhất {shown(c.seen)}" if c.seen else "chưa thấy lần cập nhật nào trong học kỳ"
            out.append(
                Late(
                    s.teacher,
                    "gvbm",
                    f"scores_{c.kind}",
                    s.class_code,
                    s.subject,
                    s.semester,
                    c.due,
                    f"{where}: chưa {CHECKPOINT_WORDS[c.kind]} trên {source} (hạn {shown(c.due)}; {last})",
                )
            )
        if s.over and s.entered < s.required:
            end = semester_bounds(start, s.semester)[1]
            due = min(end, today)  # over before its last day: results are in, or the window closed
            out.append(
                Late(
                    s.teacher,
                    "gvbm",
                    "scores_missing",
                    s.class_code,
                    s.subject,
                    s.semester,
                    due,
                    f"{where}: còn {s.required - s.entered} đầu điểm bắt buộc để trống trên {source} dù "
                    f"{WHY_OVER.get(s.over, s.over)}",
                )
            )
    return out


def _late_classes(classes: list[ClassFigures], today: date) -> list[Late]:
    out = []
    for c in classes:
        if today > c.training_due and c.training_missing:
            out.append(
                Late(
                    c.gvcn,
                    "gvcn",
                    "training",
                    c.class_code,
                    None,
                    c.semester,
                    c.training_due,
                    f"Lớp {c.class_code} HK{c.semester}: mới nhập kết quả rèn luyện của {c.training_entered}/"
                    f"{c.students} học sinh (hạn {shown(c.training_due)})",
                )
            )
        for m in c.months:
            if m.late:
                out.append(
                    Late(
                        c.gvcn,
                        "gvcn",
                        "absences",
                        c.class_code,
                        None,
                        c.semester,
                        m.due,
                        f"Lớp {c.class_code}: {m.late}/{m.sessions} buổi nghỉ tháng {m.month[5:]}/{m.month[:4]} "
                        f"được nhập sau hạn {shown(m.due)}",
                    )
                )
    return out


def _notes(
    school: SourceRecords,
    subjects: list[SubjectFigures],
    classes: list[ClassFigures],
    history: History,
    teachers_known: bool,
) -> tuple[str, ...]:
    source = school.title or school.name
    notes = []
    holds = _holds_anything(school)
    if not holds:
        # nothing of it to measure: said once, and nothing said about update times it never had
        notes.append(
            f"Chưa có dữ liệu {source}: chưa tính được mức độ nhập điểm, điểm danh và nhịp cập nhật theo Quy chế "
            "Suối Ngô (Điều 7, 9)."
        )
    elif not history.measurable:
        notes.append(
            f"Dữ liệu {source} không có thời điểm cập nhật (nhập từ tệp): chưa đo được nhịp cập nhật điểm và "
            "điểm danh theo Quy chế Suối Ngô (Điều 7, 9)."
        )
    elif any(c.status == UNVERIFIED for s in subjects for c in s.checkpoints):
        notes.append(
            "Mỗi bản ghi chỉ còn lần thay đổi gần nhất: lần cập nhật giữa kỳ bị lần sau ghi đè thì không còn "
            "thấy, nên các mục «chưa xác minh được» không tính là trễ hạn."
        )
    if holds and not any(c.attendance for c in classes):
        notes.append(f"Chưa có dữ liệu điểm danh của {source}: chưa đếm được buổi nghỉ và hạn nhập hàng tháng.")
    if any(c.moved for c in classes):
        notes.append(
            "Chuyển lớp, chuyển trường, thôi học: dữ liệu không ghi ngày chuyển, nên chỉ đếm số học sinh và lần "
            "cập nhật gần nhất, chưa xét trễ hạn."
        )
    if not teachers_known:
        notes.append(
            "Chưa biết giáo viên bộ môn của lớp nào: thêm tài khoản giáo viên bộ môn "
            "(`lienthong users add … --role teacher --class … --subject …`) để xem tiến độ theo giáo viên."
        )
    return tuple(notes)


def _holds_anything(school: SourceRecords) -> bool:
    """Whether the school's record holds anything at all (pulled or imported from its files)."""
    return bool(
        school.students
        or school.raw_names
        or school.sheets
        or school.results
        or school.training
        or school.absences
        or school.summaries
        or school.period_summaries
    )
