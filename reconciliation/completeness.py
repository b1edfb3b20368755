"""What the school's score books still lack, and what a reconciliation could not check.

Circular 22 requires each subject's ĐĐGtx (as many as `RuleSet.required_tx` says for its
periods, or 2 for a comment subject), one ĐĐGgk and one ĐĐGck per semester. While a semester
is under way, blanks in the school's record (vnEdu) are normal: they are counted per class,
subject and semester (`figures`) for the report. Once the semester is over for a class — its
results exist in some source, or the school's score-entry window has closed — each required
assessment still blank is a ``missing_score`` for the class's homeroom teacher
(`missing_required`), whether or not a teacher's gradebook of the subject was imported. A
cell the gradebook holds a value for is left to the gradebook comparison (a discrepancy or a
push): one difference is raised once.

`skipped_checks` says which comparisons could not run and why (one source only, no
attendance or training in the files…), so that "no difference" is never said of what was not
compared.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat
from typing import TYPE_CHECKING, Any, Iterable, Iterator, NamedTuple

from lienthong.assessment.errors import AssessmentError
from lienthong.assessment.rules import rules_for
from lienthong.mapping import catalogs
from lienthong.mapping.calendar import VN_TZ
from lienthong.mapping.canonical import StudentStatus
from lienthong.mapping.errors import MappingError
from lienthong.mapping.registry import titles
from lienthong.mapping.sources import SourceRecords
from lienthong.reconciliation.discrepancy import Discrepancy

if TYPE_CHECKING:
    from lienthong.reconciliation.compare import Roles

SEMESTERS = ("1", "2")
GONE = {StudentStatus.CHUYEN_DI, StudentStatus.THOI_HOC, StudentStatus.CHUYEN_DI.value, StudentStatus.THOI_HOC.value}
RESULTS, WINDOW = "results", "window"  # why a semester counts as over
WHY_OVER = {RESULTS: "đã có kết quả học kỳ", WINDOW: "sổ điểm học kỳ đã khoá"}
SCORE_FINDINGS = ("missing_score", "score_mismatch")


def cell_word(cell: str) -> str:
    """``tx1`` → «ĐĐGtx thứ 2», ``gk`` → «ĐĐGgk»."""
    if cell.startswith("tx"):
        return f"ĐĐGtx thứ {int(cell[2:]) + 1}"
    return {"gk": "ĐĐGgk", "ck": "ĐĐGck"}[cell]


def _blank(value: Any) -> bool:
    return value is None or value == ""  # as `mapping.vnedu.score_cells` reads a cell: no value


def blank_required(sheet: dict, required_tx: int) -> list[str]:
    """The required cells of a score sheet left blank: ``gk``, ``ck``, and as many ĐĐGtx as the
    sheet lacks (Circular 22 counts entered ĐĐGtx), named by their first blank places."""
    tx = sheet.get("ddg_tx") or ()
    if type(tx) is not list:
        tx = list(tx)
    # counted in C (a school has a quarter of a million sheets): a blank is None or "" (`_blank`)
    short = required_tx - len(tx) + tx.count(None) + tx.count("")
    cells = _tx_blanks(tx, required_tx, short) if short > 0 else []
    gk, ck = sheet.get("ddg_gk"), sheet.get("ddg_ck")
    if gk is None or gk == "":
        cells.append("gk")
    if ck is None or ck == "":
        cells.append("ck")
    return cells


def _tx_blanks(tx: Any, required_tx: int, short: int) -> list[str]:
    """The first ``short`` blank ĐĐGtx places (past the entered ones: places not written yet)."""
    places = [i for i in range(max(len(tx), required_tx)) if i >= len(tx) or _blank(tx[i])]
    return [f"tx{i}" for i in places[:short]]


def closed_semesters(windows: Iterable[Any], school_year: str, at: datetime) -> dict[str, datetime]:
    """Semesters whose score-entry window (``kind`` ``diem``) closed before ``at``, with when it
    closed. ``windows``: the school's own windows (`config.settings.SchoolWindowSettings`) or
    canonical `LockWindow`s; a canonical window of another school year is left out."""
    closed: dict[str, datetime] = {}
    for window in windows:
        kind = getattr(window.kind, "value", window.kind)
        year = getattr(window, "school_year", school_year)
        closes = getattr(window, "closes", None) or getattr(window, "closes_at", None)
        if kind != "diem" or year != school_year or closes is None or str(window.semester) not in SEMESTERS:
            continue
        if closes.tzinfo is None:  # a window written without its offset is Vietnam's time
            closes = closes.replace(tzinfo=VN_TZ)
        if closes <= at:
            semester = str(window.semester)
            closed[semester] = max(closed.get(semester, closes), closes)
    return closed


# The semesters a result of a period says are over: its own, or both for the year's (CN).
_PERIOD_OVER = {**{semester: frozenset({semester}) for semester in SEMESTERS}, "CN": frozenset(SEMESTERS)}
_NONE_OVER: frozenset[str] = frozenset()


def over_semesters(sources: Iterable[SourceRecords], closed: Iterable[str] = ()) -> dict[str, dict[str, str]]:
    """Class → semester → why it is over (`RESULTS` or `WINDOW`). A semester is over for a class
    when a source holds a result of that semester (a year result: both) for a student of it, as
    that source lists the student, or the school's own record for the same ministry ID; and for
    every class once the score-entry window of the semester has closed (``closed``)."""
    sources = list(sources)
    by_ministry_id = {
        s.ministry_id: s.class_code for source in sources for s in source.students.values() if s.ministry_id
    }
    over: dict[str, dict[str, str]] = defaultdict(dict)
    for source in sources:
        periods: dict[str, set[str]] = defaultdict(set)
        for key in list(source.results) + [f"{k}:CN" for k in source.summaries]:
            student, period = key.rsplit(":", 1)
            periods[student] |= _PERIOD_OVER.get(period, _NONE_OVER)
        for student, done in periods.items():
            known = source.students.get(student)
            class_code = known.class_code if known else by_ministry_id.get(student)
            for semester in done if class_code else ():
                over[class_code][semester] = RESULTS
    classes = {s.class_code for source in sources for s in source.students.values() if s.class_code}
    for semester in closed:
        for class_code in classes:
            over[class_code].setdefault(semester, WINDOW)
    return dict(over)


class PlacedSheet(NamedTuple):  # a tuple: made for each of a school's quarter of a million sheets
    """A score sheet of a student still in the school, placed in a class, and how many ĐĐGtx its
    subject requires there (Circular 22)."""

    key: str
    student_key: str
    class_code: str
    subject: catalogs.SubjectInfo
    semester: str
    sheet: dict
    required_tx: int
    blank: int  # its required cells left blank, counted (`blank_count`): most sheets have none

    def blanks(self) -> list[str]:
        """Its required cells left blank (`blank_required`)."""
        return blank_required(self.sheet, self.required_tx)


class _Sheet(NamedTuple):
    key: str
    student_key: str
    class_code: str
    subject: catalogs.SubjectInfo
    semester: str
    sheet: dict
    blanks: tuple[str, ...]
    required: int  # cells this sheet must hold


_UNKNOWN: Any = object()


def placed_sheets(school: SourceRecords, school_year: str) -> Iterator[PlacedSheet]:
    """Each score sheet of the school's record whose student is still in the school, in a class of
    a grade Circular 22 governs this year, with the ĐĐGtx its subject requires there."""
    for key, student_key, class_code, subject, semester, sheet, tx in _placements(school, school_year):
        yield PlacedSheet(key, student_key, class_code, subject, semester, sheet, tx, blank_count(sheet, tx))


class SheetCounts(NamedTuple):
    """The school's `placed_sheets` as a full reconciliation reads them: each place's ``(class,
    subject code, semester) → [sheets, required cells]`` in the order the sheets come, and the
    sheets with a required cell blank (the only ones read one by one: a few of a quarter million)."""

    places: dict[tuple[str, str, str], list[int]]
    blank: list[PlacedSheet]


def counted_sheets(school: SourceRecords, school_year: str) -> SheetCounts:
    """`placed_sheets` counted without a record for each sheet: the blank cells counted inline
    (`blank_count` only for a sheet with some), 0.1 s of a full run less on a large school."""
    places: dict[tuple[str, str, str], list[int]] = {}
    blank: list[PlacedSheet] = []
    for key, student_key, class_code, subject, semester, sheet, tx in _placements(school, school_year):
        place = (class_code, subject.code, semester)
        count = places.get(place)
        if count is None:
            count = places[place] = [0, 0]
        count[0] += 1
        count[1] += tx + 2
        entered = sheet.get("ddg_tx") or ()
        if type(entered) is not list:
            entered = list(entered)
        short = tx - len(entered) + entered.count(None) + entered.count("")  # as `blank_count`
        gk, ck = sheet.get("ddg_gk"), sheet.get("ddg_ck")
        if short > 0 or gk is None or gk == "" or ck is None or ck == "":
            blank.append(
                PlacedSheet(key, student_key, class_code, subject, semester, sheet, tx, blank_count(sheet, tx))
            )
    return SheetCounts(places, blank)


def _placements(school: SourceRecords, school_year: str) -> Iterator[tuple]:
    """``(key, student key, class, subject, semester, sheet, ĐĐGtx required)`` of each sheet
    `placed_sheets` gives, in the order of the school's sheets."""
    classes: dict[str, str | None] = {}  # student key → class, None when not counted
    kinds: dict[str, catalogs.SubjectInfo | None] = {}  # subject code → catalog entry
    required: dict[tuple[str, str], int | None] = {}  # (code, class) → ĐĐGtx required
    students = school.students
    for key, sheet in school.sheets.items():
        parts = key.split(":")
        if len(parts) != 3 or parts[2] not in SEMESTERS:
            continue
        student_key, code, semester = parts
        if code in kinds:
            subject = kinds[code]
        else:
            try:
                subject = kinds[code] = catalogs.subject(code)
            except MappingError:
                subject = kinds[code] = None
        if subject is None:
            continue
        if student_key in classes:
            class_code = classes[student_key]
        else:
            class_code = classes[student_key] = _counted_class(students.get(student_key))
        if class_code is None:
            continue
        tx = required.get((code, class_code), _UNKNOWN)
        if tx is _UNKNOWN:
            tx = required[(code, class_code)] = _required_tx(code, int(class_code[0]), school_year)
        if tx is None:
            continue
        yield key, student_key, class_code, subject, semester, sheet, tx


def blank_count(sheet: dict, required_tx: int) -> int:
    """How many required cells of a score sheet are blank: ``len(blank_required(...))``, uncounted
    by name."""
    tx = sheet.get("ddg_tx") or ()
    if type(tx) is not list:
        tx = list(tx)
    short = required_tx - len(tx) + tx.count(None) + tx.count("")
    gk, ck = sheet.get("ddg_gk"), sheet.get("ddg_ck")
    return max(0, short) + (gk is None or gk == "") + (ck is None or ck == "")


def _counted_class(student: Any) -> str | None:
    """The class of a student still in the school, when it names a grade (``6A1``); else ``None``."""
    class_code = student.class_code if student else None
    if not class_code or not class_code[:1].isdigit() or student.status in GONE:
        return None
    return class_code


def _required_tx(code: str, grade: int, school_year: str) -> int | None:
    """ĐĐGtx required of a subject in a grade, ``None`` where Circular 22 does not govern."""
    try:
        return rules_for(school_year, grade).required_tx(code, grade)
    except AssessmentError:  # a grade or year Circular 22 does not govern
        return None


def missing_required(
    sources: dict[str, SourceRecords],
    school: SourceRecords,
    owner: SourceRecords | None,
    links: dict[str, str],
    anchor: str,
    school_year: str,
    found: list[Discrepancy],
    closed: Iterable[str] = (),
    semester: str | None = None,
    placed: Iterable[PlacedSheet] | None = None,
    over: dict[str, dict[str, str]] | None = None,
) -> list[Discrepancy]:
    """A ``missing_score`` for each required assessment blank in the school's record once its
    semester is over for the class (``semester``: only that one). ``owner``: the score owner as
    compared with the school's record (its sheets keyed by the school's student keys), ``None``
    when the school's record is not its target; a cell it holds a value for is the gradebook
    comparison's (already in ``found``, or pushed). A cell already in ``found`` is never raised twice.
    ``placed``, ``over``: the school's `placed_sheets` and `over_semesters` of ``sources`` and
    ``closed``, when the caller has them already."""
    if over is None:
        over = over_semesters(sources.values(), closed)
    if not over or not school.sheets:
        return []
    owned = owner.sheets if owner is not None else {}
    raised = {(d.keys.get(school.name), d.subject, d.semester, d.field) for d in found if d.kind in SCORE_FINDINGS}
    out = []
    for item in placed_sheets(school, school_year) if placed is None else placed:
        why = over.get(item.class_code, {}).get(item.semester)
        if not why or (semester and item.semester != semester) or not item.blank:
            continue
        blanks = item.blanks()  # only where the semester is over and some are blank
        if not blanks:
            continue
        item = _Sheet(*item[:6], tuple(blanks), item.required_tx + 2)
        theirs = owned.get(item.key)
        for cell in item.blanks:
            if (item.student_key, item.subject.code, item.semester, cell) in raised:
                continue
            if theirs is not None and not _owner_blank(theirs, cell):
                continue
            out.append(_missing(item, cell, why, school, owner if theirs is not None else None, links, anchor))
    return out


def _owner_blank(sheet: dict, cell: str) -> bool:
    if cell.startswith("tx"):
        tx = list(sheet.get("ddg_tx") or [])
        i = int(cell[2:])
        return i >= len(tx) or _blank(tx[i])
    return _blank(sheet.get(f"ddg_{cell}"))


def _missing(
    item: _Sheet,
    cell: str,
    why: str,
    school: SourceRecords,
    owner: SourceRecords | None,
    links: dict[str, str],
    anchor: str,
) -> Discrepancy:
    student = school.students[item.student_key]
    name, cls, word, subject = student.full_name, item.class_code, cell_word(cell), item.subject.name
    keys = {k: v for k, v in ((school.name, item.student_key), (anchor, links.get(item.student_key))) if v}
    values: dict[str, Any] = {school.name: None}
    if owner is not None:
        values[owner.name] = None
    also = f"; {owner.full_title or owner.title} cũng để trống" if owner is not None else ""
    return Discrepancy(
        "missing_score",
        name,
        keys,
        cell,
        values,
        f"Thiếu {word} môn {subject} HK{item.semester} của em {name} ({cls}) trên {school.title}: "
        f"học kỳ đã kết thúc ({WHY_OVER[why]}){also}",
        cls,
        item.subject.code,
        item.semester,
        suggestion=f"Giáo viên bộ môn {subject} nhập {word} vào {school.title} (cần Hiệu trưởng duyệt nếu sổ đã khoá)",
        detail={"over": why},
    )


@dataclass(frozen=True)
class Blanks:
    """How complete one class's score book of one subject and semester is in the school's record."""

    class_code: str
    subject: str  # code
    semester: str
    students: int  # students of the class still in the school
    sheets: int  # of them, with a score sheet of the subject
    required: int  # required cells over those sheets
    blank: int  # of them, still blank
    over: bool  # the semester is over: each blank is also a ``missing_score``

    def as_json(self) -> dict[str, Any]:
        return {
            "class": self.class_code,
            "subject": self.subject,
            "semester": self.semester,
            "students": self.students,
            "sheets": self.sheets,
            "required": self.required,
            "blank": self.blank,
            "over": self.over,
        }


def figures(
    sources: dict[str, SourceRecords], school: SourceRecords, school_year: str, closed: Iterable[str] = ()
) -> list[Blanks]:
    """Per class, subject and semester of the school's record: the required cells and how many
    are blank, and how many of the class's students have no sheet of the subject, for every
    semester the record holds sheets of."""
    over = over_semesters(sources.values(), closed)
    counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for item in placed_sheets(school, school_year):
        count = counts[(item.class_code, item.subject.code, item.semester)]
        count[0] += 1
        count[1] += item.required_tx + 2
        count[2] += item.blank
    enrolled: dict[str, int] = defaultdict(int)
    for student in school.students.values():
        if student.class_code and student.status not in GONE:
            enrolled[student.class_code] += 1
    held = {(cls, semester) for cls, _, semester in counts}
    out = []
    for cls, semester in sorted(held):
        for code in catalogs.subjects():
            sheets, required, blank = counts.get((cls, code, semester), (0, 0, 0))
            done = semester in over.get(cls, {})
            out.append(Blanks(cls, code, semester, enrolled[cls], sheets, required, blank, done))
    return out


@dataclass(frozen=True)
class Skipped:
    """A check that could not run, and why, in Vietnamese."""

    check: str  # students, scores, averages, training, absences, missing_scores
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"check": self.check, "reason": self.reason}


CROSS_SOURCE = ("students", "scores", "averages", "training", "absences")  # comparisons between two sources


def _title(sources: dict[str, SourceRecords], name: str, full: bool = False) -> str:
    source = sources.get(name)
    shown = (source.full_title if full else source.title) if source else ""
    return shown or titles().get(name, name)


def _subjects_of(sheets: Any) -> set[str]:
    # the keys split in C (`map`): a school's quarter of a million keys, looked at once each
    return {parts[1] for parts in map(str.split, sheets, repeat(":")) if len(parts) == 3}


def coverage(
    sources: dict[str, SourceRecords],
    roles: Roles,
    closed: Iterable[str] = (),
    over: dict[str, dict[str, str]] | None = None,
) -> tuple[list[str], list[Skipped]]:
    """Which checks ran (their names) and which were skipped, with why. ``over``: `over_semesters`
    of ``sources`` and ``closed``, when the caller has it already."""
    ran: list[str] = []
    skipped: list[Skipped] = []
    empty = SourceRecords("")
    school, anchor = sources.get(roles.school, empty), sources.get(roles.identity, empty)
    held, owner = sources.get(roles.results, empty), sources.get(roles.scores.owner, empty)
    school_t, anchor_t, held_t = (_title(sources, n) for n in (roles.school, roles.identity, roles.results))
    owner_t = _title(sources, roles.scores.owner, full=True)
    linked = bool(school.raw_names and anchor.raw_names)

    def check(name: str, reason: str | None) -> None:
        if reason:
            skipped.append(Skipped(name, reason))
        else:
            ran.append(name)

    if linked:
        check("students", None)
    elif school.raw_names or anchor.raw_names:
        only = school_t if school.raw_names else anchor_t
        check("students", f"Không đối chiếu danh sách học sinh: chỉ có một nguồn ({only})")
    else:
        check("students", "Không đối chiếu danh sách học sinh: chưa có danh sách học sinh nào")

    if school.name not in roles.scores.targets:
        check("scores", f"Không đối chiếu điểm với {owner_t}: cấu hình không yêu cầu {school_t} khớp với sổ điểm")
    elif not school.sheets:
        check("scores", f"Không đối chiếu điểm: chưa có sổ điểm {school_t}")
    elif not owner.sheets:
        check("scores", f"Không đối chiếu điểm với {owner_t}: chưa có sổ điểm nào của giáo viên")
    else:
        check("scores", None)
        lacking = sorted(_subjects_of(school.sheets) - _subjects_of(owner.sheets), key=list(catalogs.subjects()).index)
        if lacking:
            names = ", ".join(catalogs.subject(c).name for c in lacking)
            reason = f"Không đối chiếu điểm các môn {names} với {owner_t}: chưa có sổ điểm của các môn này"
            skipped.append(Skipped("scores", reason))

    results = [k for k in held.results if not k.endswith(":CN")]
    if not results:
        reason = f"chưa có kết quả học kỳ của {held_t}"
        check("averages", f"Không đối chiếu điểm trung bình và kết quả học tập: {reason}")
        check("training", f"Không đối chiếu kết quả rèn luyện: {reason}")
        check("absences", f"Không đối chiếu số buổi nghỉ: {reason}")
    elif not linked:
        reason = f"chưa ghép được học sinh {school_t} với {anchor_t} (thiếu danh sách học sinh)"
        for name, what in (("averages", "điểm trung bình và kết quả học tập"), ("training", "kết quả rèn luyện")):
            check(name, f"Không đối chiếu {what}: {reason}")
        check("absences", f"Không đối chiếu số buổi nghỉ: {reason}")
    else:
        check("averages", None if school.sheets else f"Không đối chiếu điểm trung bình: chưa có sổ điểm {school_t}")
        check("training", None if school.training else "Không đối chiếu kết quả rèn luyện: chưa có dữ liệu rèn luyện")
        check("absences", None if school.has_attendance else "Không đối chiếu số buổi nghỉ: chưa có dữ liệu điểm danh")

    if over is None:
        over = over_semesters(sources.values(), closed)
    if not school.sheets:
        check("missing_scores", f"Không kiểm tra điểm bắt buộc còn trống: chưa có sổ điểm {school_t}")
    elif not over:
        check(
            "missing_scores",
            # said by what is known, not by the calendar: a past year's files may hold no results either
            "Chưa báo thiếu điểm bắt buộc: chưa có học kỳ nào được biết là đã kết thúc (chưa có kết quả học kỳ "
            "nào, sổ điểm chưa khoá); số ô còn trống xem ở phần mức độ đầy đủ",
        )
    else:
        check("missing_scores", None)
    return ran, skipped


def compared_anything(ran: Iterable[str]) -> bool:
    """Whether any comparison between two sources ran."""
    return any(name in CROSS_SOURCE for name in ran)
