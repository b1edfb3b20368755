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
from typing import Any

from lienthong.assessment.engine import (
    SemesterScores,
    StudentYear,
    SubjectYear,
    assess_student,
    promotion,
    title,
    year_training,
)
from lienthong.assessment.rules import rules_for
from lienthong.mapping import catalogs
from lienthong.mapping.canonical import YearResult
from lienthong.mapping.errors import MappingError
from lienthong.mapping.normalize import LEVEL_WORDS, PROMOTION_WORDS, TITLE_WORDS, format_score
from lienthong.mapping.sources import SourceRecords
from lienthong.mapping.vnedu import EXEMPT, score_cells
from lienthong.reconciliation.discrepancy import Discrepancy

TITLE_SHOWN = {**TITLE_WORDS, None: "không có danh hiệu"}


class ParsedSheets:
    """Score sheets by key, each parsed once however many comparisons read it."""

    def __init__(self, sheets: dict[str, dict]):
        self.raw = sheets
        self._parsed: dict[str, dict[str, Any] | None] = {}

    def cells(self, key: str, by_comment: bool) -> dict[str, Any] | None:
        if key not in self._parsed:
            sheet = self.raw.get(key)
            self._parsed[key] = None if sheet is None else score_cells(sheet, by_comment)
        return self._parsed[key]


def entered_subjects(sheets: ParsedSheets, key: str, semesters: tuple[str, ...]) -> tuple[SubjectYear, ...] | None:
    """Every catalog subject's entered scores from vnEdu's sheets; ``None`` when a sheet is
    missing or holds an unreadable value (reported as a score difference, not judged here)."""
    subjects = []
    for code, info in catalogs.subjects().items():
        entered = {}
        for semester in semesters:
            cells = sheets.cells(f"{key}:{code}:{semester}", info.by_comment)
            if cells is None:
                return None
            if any(isinstance(v, tuple) for v in cells.values()):
                return None
            entered[f"hk{semester}"] = SemesterScores(
                tx=tuple(cells[f"tx{i}"] for i in range(4) if cells[f"tx{i}"] is not None),
                gk=cells["gk"],
                ck=cells["ck"],
            )
        subjects.append(SubjectYear(code, **entered))
    return tuple(subjects)


def _shown(value: Any) -> str:
    if value is None:
        return "(trống)"
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
        student = school.students[key]
        if (result is None and summary is None) or not (student.class_code or "")[:1].isdigit():
            continue
        subjects = entered_subjects(sheets, key, ("1", "2"))
        if subjects is None:
            continue
        grade = int(student.class_code[0])
        try:
            year = assess_student(StudentYear(school_year, grade, subjects))
        except MappingError:
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
    rules = rules_for(school_year, grade)
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
    for code, value in result.subjects.items():
        expected = year.subjects.get(code, {}).get("cn")
        if expected is None or value is None or value == EXEMPT or value == expected:
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
