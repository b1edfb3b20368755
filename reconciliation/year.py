"""Year results (cả năm): what the results source (the CSDL) and the school's own year summary
(vnEdu's) hold, against Circular 22 applied to the school's detailed scores of both semesters.

Compared per linked student: each subject's year value, the year learning level, the
training level (the results source's against the school's), the title and the promotion
outcome (both recomputed from the recomputed learning level, the training level and the
absences), and the absence total. The school's own summary is checked against its own
scores the same way.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from lienthong.assessment.engine import (
    SemesterScores,
    SubjectYear,
    Value,
    assess_semester_cells,
    level_of,
    promotion,
    title,
    year_average,
    year_training,
)
from lienthong.assessment.rules import RuleSet, rules_for
from lienthong.mapping import catalogs
from lienthong.mapping.canonical import YearResult
from lienthong.mapping.errors import MappingError
from lienthong.mapping.normalize import LEVEL_WORDS, PROMOTION_WORDS, TITLE_WORDS, format_score
from lienthong.mapping.sources import SourceRecords
from lienthong.mapping.vnedu import CELLS, EXEMPT, sheet_values
from lienthong.reconciliation.discrepancy import EMPTY, Discrepancy

TITLE_SHOWN = {**TITLE_WORDS, None: "không có danh hiệu"}
_NO_YEAR: dict = {}  # a subject the recomputation has no year value of
_UNSEEN = object()


def _read_as_comment(code: str, kinds: dict[str, bool]) -> bool:
    """Whether a subject's cells are marks (Đ/CĐ): as `authority.diff_sheets` reads them (an
    unknown subject, which it skips, as scores)."""
    by_comment = kinds.get(code)
    if by_comment is None:
        try:
            by_comment = catalogs.subject(code).by_comment
        except MappingError:
            by_comment = False
        kinds[code] = by_comment
    return by_comment


def _subject_code(key: str) -> str:
    parts = key.split(":", 2)
    return parts[1] if len(parts) > 1 else ""


class SheetTable(dict):
    """Score sheets by key, for comparing two sources in bulk, each sheet's cells read once.

    On first use every sheet's cells are read as its subject reads them (`mapping.vnedu.
    sheet_values`: ``7,5`` and ``7.5`` are one score); two tables are compared by those values,
    key by key (a tuple comparison each: cheaper in memory than digests of buckets, which would
    hash every sheet of both sides first). The values read are kept for every later reader
    (`ParsedSheets`).
    """

    def __init__(self, sheets: dict[str, dict]):
        super().__init__(sheets)
        self._values: dict[str, tuple] | None = None
        self._kinds: dict[str, bool] = {}  # subject code → read as marks

    def _read(self) -> dict[str, tuple]:
        if self._values is not None:
            return self._values
        values: dict[str, tuple] = {}
        kinds, read = self._kinds, sheet_values
        for key, sheet in self.items():
            parts = key.split(":", 2)
            code = parts[1] if len(parts) > 1 else ""
            by_comment = kinds.get(code)
            if by_comment is None:
                by_comment = _read_as_comment(code, kinds)
            values[key] = read(sheet, by_comment)
        self._values = values
        return values

    def differing(self, other: "SheetTable") -> list[str]:
        """Keys of this table that the other holds with other values (as read: ``7,5`` is ``7.5``)."""
        theirs = other._read()
        return sorted(
            key for key, mine in self._read().items() if (their := theirs.get(key)) is not None and their != mine
        )

    def values_of(self, key: str, by_comment: bool, code: str | None = None) -> tuple | None:
        """One sheet's values in `CELLS` order, read once: from the digest when it read them so.
        ``code``: the key's subject, when the caller knows it."""
        sheet = self.get(key)
        if sheet is None:
            return None
        read = self._values.get(key) if self._values is not None else None
        if read is not None and self._kinds.get(_subject_code(key) if code is None else code) == by_comment:
            return read
        return sheet_values(sheet, by_comment)


class ParsedSheets:
    """Score sheets by key, each parsed once however many comparisons read it, and each
    student's semester assessed once for every check that reads it (`semester`)."""

    def __init__(self, sheets: dict[str, dict]):
        self.raw = sheets
        self._parsed: dict[str, tuple | None] = {}
        self._semesters: dict[tuple, tuple[dict[str, Value | None], str | None] | None] = {}

    def values(self, key: str, by_comment: bool, code: str | None = None) -> tuple | None:
        """A sheet's values in `CELLS` order (``tx0``…``tx3``, ``gk``, ``ck``), ``None`` without one.
        ``code``: the key's subject, when the caller knows it."""
        parsed = self._parsed.get(key, _UNSEEN)
        if parsed is _UNSEEN:
            raw = self.raw
            if isinstance(raw, SheetTable):
                parsed = raw.values_of(key, by_comment, code)
            else:
                sheet = raw.get(key)
                parsed = None if sheet is None else sheet_values(sheet, by_comment)
            self._parsed[key] = parsed
        return parsed

    def cells(self, key: str, by_comment: bool) -> dict[str, Any] | None:
        """A sheet's values by cell name (`mapping.vnedu.score_cells`), ``None`` without one."""
        values = self.values(key, by_comment)
        return None if values is None else dict(zip(CELLS, values))

    def semester(
        self, key: str, school_year: str, grade: int, semester: str
    ) -> tuple[dict[str, Value | None], str | None] | None:
        """One student's semester under Circular 22 (`assess_semester`): each subject's value
        (its average, or Đ/CĐ) and the learning level; ``None`` when a sheet is missing or
        unreadable, or the rules do not govern the year and grade. Computed once, read by the
        average check, the semester's learning level and the year's (`compare_year`)."""
        asked = (key, school_year, grade, semester)
        found = self._semesters.get(asked, _UNSEEN)
        if found is _UNSEEN:
            cells = self._entered(key, semester)
            try:
                found = None if cells is None else assess_semester_cells(school_year, grade, cells)
            except MappingError:
                found = None
            self._semesters[asked] = found
        return found

    def _entered(self, key: str, semester: str) -> dict[str, tuple] | None:
        """`entered_subjects` of one semester as `assess_semester_cells` reads it (the same
        sheets, the same refusals), without building its records."""
        cells = {}
        parsed, read, raw = self._parsed, self.values, self.raw
        # the table's own reading, when it read every sheet already (`SheetTable.differing`)
        table = raw._values if isinstance(raw, SheetTable) else None
        kinds = raw._kinds if table is not None else {}
        for code, by_comment in _catalog():
            sheet_key = f"{key}:{code}:{semester}"
            values = table.get(sheet_key) if table is not None and kinds.get(code) == by_comment else None
            if values is None:  # not read by the table (or no such sheet): as `values` reads it
                values = parsed.get(sheet_key, _UNSEEN)
                if values is _UNSEEN:
                    values = read(sheet_key, by_comment, code)
            if values is None or tuple in map(type, values):  # missing, or an unreadable value
                return None
            tx0, tx1, tx2, tx3, gk, ck = values
            if tx3 is not None and tx2 is not None and tx1 is not None and tx0 is not None:
                cells[code] = ([tx0, tx1, tx2, tx3], gk, ck)  # every ĐĐGtx given: no list to sift
            else:
                cells[code] = ([v for v in (tx0, tx1, tx2, tx3) if v is not None], gk, ck)
        return cells


@cache
def rules_in_force(school_year: str, grade: int) -> RuleSet:
    """`rules_for`, worked out once per year and grade: each student's semesters and year ask it
    again (some 15,000 times in a full run of a large school, 2 µs each)."""
    return rules_for(school_year, grade)


@cache
def _catalog() -> tuple[tuple[str, bool], ...]:
    """Every catalog subject in order, with whether it is assessed by comment."""
    return tuple((code, info.by_comment) for code, info in catalogs.subjects().items())


def entered_subjects(sheets: ParsedSheets, key: str, semesters: tuple[str, ...]) -> tuple[SubjectYear, ...] | None:
    """Every catalog subject's entered scores from vnEdu's sheets; ``None`` when a sheet is
    missing or holds an unreadable value (reported as a score difference, not judged here)."""
    subjects = []
    for code, info in catalogs.subjects().items():
        entered = {}
        for semester in semesters:
            values = sheets.values(f"{key}:{code}:{semester}", info.by_comment)
            if values is None:
                return None
            if tuple in map(type, values):  # an unreadable value: ("?", text)
                return None
            tx = values[:4]
            entered[f"hk{semester}"] = SemesterScores(
                tx=tuple([v for v in tx if v is not None]) if None in tx else tx, gk=values[4], ck=values[5]
            )
        subjects.append(SubjectYear(code, **entered))
    return tuple(subjects)


def _shown(value: Any) -> str:
    if value is None:
        return EMPTY
    return format_score(value) if isinstance(value, Decimal) else str(value)


def compare_year(
    held: SourceRecords,
    school: SourceRecords,
    links: dict[str, str],
    school_year: str,
    sheets: ParsedSheets | None = None,
    identity: str | None = None,
) -> list[Discrepancy]:
    """Every linked student's year results (the results source's ``CN`` record, the school's own
    year summary) against Circular 22 applied to both semesters of the school's scores."""
    sheets = sheets or ParsedSheets(school.sheets)
    out: list[Discrepancy] = []
    for key, anchor in links.items():
        result, summary = held.year_result(anchor), school.summaries.get(key)
        if result is None and summary is None:
            continue
        student = school.students[key]
        if not (student.class_code or "")[:1].isdigit():
            continue
        grade = int(student.class_code[0])
        year = _year(sheets, key, school_year, grade)
        if year is None:
            continue
        who = _Student(student.full_name, student.class_code, {school.name: key, (identity or held.name): anchor})
        given = [school.training.get(f"{key}:{p}") for p in ("1", "2")]
        conduct = year_training(*given) if all(given) else None  # the year's level, derived (Điều 8)
        if result is not None:
            out += _against(
                who, held, school, held.name, held.title, result, year, summary, school_year, grade, conduct
            )
        if summary is not None:
            out += _against(
                who,
                held,
                school,
                f"{school.name}_tonghop",
                f"bảng tổng hợp {school.title}",
                summary,
                year,
                None,
                school_year,
                grade,
            )
        if result is not None and summary is not None and summary.absence_total is not None:
            if result.absence_total != summary.absence_total:
                out.append(
                    who.discrepancy(
                        "absence_mismatch",
                        "so_buoi_nghi",
                        {school.name: summary.absence_total, held.name: result.absence_total},
                        f"Tổng số buổi nghỉ cả năm của em {who.name} ({who.cls}): {school.title} "
                        f"{summary.absence_total} – {held.title} {result.absence_total}",
                        None,
                        f"Đối chiếu sổ điểm danh và cập nhật {held.title}",
                    )
                )
    return out


class _Year:
    """What the year checks read of a student's year under Circular 22: each subject's year
    value and the year's learning level, as `assess_student` gives them (``subjects[code]["cn"]``,
    ``learning["cn"]``), from the two semesters already assessed (`ParsedSheets.semester`)."""

    def __init__(self, subjects: dict[str, dict[str, Value | None]], learning: str | None):
        self.subjects, self.learning = subjects, {"cn": learning}


def _year(sheets: ParsedSheets, key: str, school_year: str, grade: int) -> _Year | None:
    """``None`` where `assess_student` could not tell (a sheet missing or unreadable in either
    semester, a year or grade the rules do not govern)."""
    first = sheets.semester(key, school_year, grade, "1")
    second = sheets.semester(key, school_year, grade, "2") if first is not None else None
    if second is None:
        return None
    rules = rules_in_force(school_year, grade)  # it governs: both semesters were assessed under it
    hk1, hk2 = first[0], second[0]
    subjects = {code: {"cn": _year_value(hk1[code], hk2[code], rules)} for code in hk1}
    return _Year(subjects, level_of((v["cn"] for v in subjects.values()), rules))


def _year_value(hk1: Value | None, hk2: Value | None, rules: RuleSet) -> Value | None:
    """A subject's year value (Điều 9 k.1): semester II's result for a comment subject, else the
    year average of the two semester averages (none when either is missing)."""
    if isinstance(hk2, str):
        return hk2
    if hk1 is None or hk2 is None:
        return None
    return year_average(hk1, hk2, rules)  # type: ignore[arg-type]


class _Student:
    def __init__(self, name: str, cls: str, keys: dict[str, str]):
        self.name, self.cls, self.keys = name, cls, keys

    def discrepancy(
        self, kind: str, field: str, values: dict, message: str, subject: str | None, suggestion: str
    ) -> Discrepancy:
        return Discrepancy(
            kind, self.name, self.keys, field, values, message, self.cls, subject, "CN", suggestion=suggestion
        )


def _against(
    who: _Student,
    held: SourceRecords,
    school: SourceRecords,
    source: str,
    label: str,
    result: YearResult,
    year,
    summary: YearResult | None,
    school_year: str,
    grade: int,
    conduct: str | None = None,
) -> list[Discrepancy]:
    """One source's year results against the recomputation (``source``: its name in the records)."""
    from_results = source == held.name
    fix = (
        f"Gửi lại kết quả cả năm lên {held.title} sau khi Hiệu trưởng duyệt"
        if from_results
        else f"Tính lại tổng hợp cuối năm trên {school.title}"
    )
    out = _year_values(who, school, source, label, result, year, fix)
    learning = year.learning["cn"]
    if learning and result.learning and result.learning != learning:
        out.append(
            who.discrepancy(
                "result_mismatch",
                f"{source}.cn.KetQuaHocTap",
                {source: result.learning, school.name: learning},
                f"Kết quả học tập cả năm của em {who.name} ({who.cls}): {label} «{LEVEL_WORDS[result.learning]}» "
                f"– tính lại theo Thông tư 22 «{LEVEL_WORDS[learning]}»",
                None,
                fix,
            )
        )
    given = (summary.training if summary else None) or conduct
    training = given or result.training
    if from_results and given and result.training != training:
        out.append(
            who.discrepancy(
                "result_mismatch",
                f"{source}.cn.KetQuaRenLuyen",
                {source: result.training, school.name: training},
                f"Kết quả rèn luyện cả năm của em {who.name} ({who.cls}): {held.title} "
                f"«{LEVEL_WORDS.get(result.training, '')}» – {school.title} «{LEVEL_WORDS[training]}»",
                None,
                fix,
            )
        )
    if not learning or not training:
        return out
    rules = rules_in_force(school_year, grade)
    scores = [v["cn"] for v in year.subjects.values() if isinstance(v["cn"], Decimal)]
    award = title(learning, training, scores, rules)
    if result.title != award and (result.title or result.learning):
        out.append(
            who.discrepancy(
                "result_mismatch",
                f"{source}.cn.DanhHieu",
                {source: result.title, school.name: award},
                f"Danh hiệu của em {who.name} ({who.cls}): {label} «{TITLE_SHOWN[result.title]}» – tính lại theo "
                f"Thông tư 22 «{TITLE_SHOWN[award]}»",
                None,
                fix,
            )
        )
    absences = (
        result.absence_total if result.absence_total is not None else (summary.absence_total if summary else None)
    )
    if absences is not None and result.promotion:
        outcome = promotion(learning, training, absences, rules)
        if result.promotion != outcome:
            out.append(
                who.discrepancy(
                    "result_mismatch",
                    f"{source}.cn.LenLop",
                    {source: result.promotion, school.name: outcome},
                    f"Kết quả lên lớp của em {who.name} ({who.cls}): {label} «{PROMOTION_WORDS[result.promotion]}» – "
                    f"tính lại theo Thông tư 22 «{PROMOTION_WORDS[outcome]}»",
                    None,
                    fix,
                )
            )
    return out


def _year_values(
    who: _Student, school: SourceRecords, source: str, label: str, result: YearResult, year, fix: str
) -> list[Discrepancy]:
    """Each subject's year value as the source holds it against the recomputation."""
    out = []
    subjects = year.subjects
    for code, value in result.subjects.items():
        expected = subjects.get(code, _NO_YEAR).get("cn")
        # equal values first: a Decimal asked whether it equals a text (EXEMPT) checks that text
        # against the numbers' abstract classes, the slowest part of the loop
        if expected is None or value is None or value == expected or value == EXEMPT:
            continue  # an exempt subject (vnEdu's «Miễn») has no year value to check
        info = catalogs.subject(code)
        out.append(
            who.discrepancy(
                "average_mismatch",
                f"{source}.cn.{code}",
                {source: _shown(value), school.name: _shown(expected)},
                f"{'ĐTB' if not info.by_comment else 'Kết quả'} cả năm môn {info.name} của em {who.name} ({who.cls}): "
                f"{label} {_shown(value)} – tính lại từ điểm {school.title} {_shown(expected)}",
                code,
                fix,
            )
        )
    return out
