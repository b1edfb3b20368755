"""The portal's report templates (``contracts/portal.md``) as workbooks, built from counts: what the
school submits, built here (not in the connector, which only carries the file).

One header row with these texts, one row per grade or class, then a ``Tổng`` row;
percentages with one decimal and a comma, each group summing to 100,0 (largest remainder).
``tom_tat`` repeats the total row's counts keyed by header text. The simulator checks
submissions against these same column lists.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Mapping

from openpyxl import Workbook
from openpyxl.styles import Font

from lienthong.assessment.statistics import percentages
from lienthong.mapping.normalize import safe_text

LEVELS = ["Tốt", "Khá", "Đạt", "Chưa đạt"]
LEVEL_CODES = {"T": "Tốt", "K": "Khá", "Đ": "Đạt", "CĐ": "Chưa đạt"}
OUTCOMES = {"LL": "Lên lớp", "KTL": "Kiểm tra lại", "RLH": "Rèn luyện hè", "OL": "Ở lại lớp"}
TITLES = {"XS": "HS Xuất sắc", "G": "HS Giỏi"}
TEMPLATES = {
    "TK-CLGD": [
        "Khối",
        "Tổng số HS",
        *(f"Học tập {lv}" for lv in LEVELS),
        *(f"Học tập {lv} (%)" for lv in LEVELS),
        *(f"Rèn luyện {lv}" for lv in LEVELS),
        *(f"Rèn luyện {lv} (%)" for lv in LEVELS),
        *OUTCOMES.values(),
        *TITLES.values(),
    ],
    "TK-CHUYENCAN": ["Lớp", "Sĩ số", "Buổi nghỉ có phép", "Buổi nghỉ không phép", "HS nghỉ quá 45 buổi (lũy kế)"],
    "TK-BIENDONG": ["Lớp", "Chuyển đến", "Chuyển đi", "Thôi học", "Nghỉ học xin học lại"],
}
TOTAL = "Tổng"


@dataclass(frozen=True)
class StudentOutcome:
    """What TK-CLGD counts of one student (levels as codes; promotion and title for the year)."""

    grade: int
    learning: str
    training: str
    promotion: str | None = None
    title: str | None = None


@dataclass
class Report:
    form: str
    rows: list[list] = field(default_factory=list)

    @property
    def header(self) -> list[str]:
        return TEMPLATES[self.form]

    def total_row(self) -> list:
        return next(r for r in self.rows if r[0] == TOTAL)

    def summary(self) -> dict:
        """``tom_tat``: the total row's counts, keyed by header text."""
        return {h: v for h, v in zip(self.header[1:], self.total_row()[1:]) if not h.endswith("(%)")}

    def workbook(self, title: str) -> bytes:
        book = Workbook()
        sheet = book.active
        sheet.title = self.form
        _append(sheet, [title])
        _append(sheet, [])
        _append(sheet, self.header)
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in self.rows:
            _append(sheet, row)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()


def _append(sheet, values: list) -> None:
    """One row, each text cell made safe: a class code or title read from a file must show as
    text in the portal's workbook, never run as a formula."""
    sheet.append([safe_text(v) for v in values])


def _with_total(form: str, rows: list[list]) -> Report:
    """Rows of counts only, then their total."""
    width = len(TEMPLATES[form])
    return Report(form, rows + [[TOTAL, *(sum(r[i] for r in rows) for i in range(1, width))]])


def _percent_text(values) -> list[str]:
    return [f"{v:.1f}".replace(".", ",") for v in values]


def _quality_row(label, counts_row: list) -> list:
    header = TEMPLATES["TK-CLGD"]
    by = dict(zip(header, counts_row))
    learning = [by[f"Học tập {lv}"] for lv in LEVELS]
    training = [by[f"Rèn luyện {lv}"] for lv in LEVELS]
    values = {
        **by,
        **dict(zip((f"Học tập {lv} (%)" for lv in LEVELS), _percent_text(percentages(learning)))),
        **dict(zip((f"Rèn luyện {lv} (%)" for lv in LEVELS), _percent_text(percentages(training)))),
    }
    return [label, *(values[h] for h in header[1:])]


def quality_report(outcomes: Iterable[StudentOutcome]) -> Report:
    """TK-CLGD: one row per grade 6–9 and a total row."""
    header = TEMPLATES["TK-CLGD"]
    rows = []
    students = list(outcomes)
    for grade in (6, 7, 8, 9):
        mine = [s for s in students if s.grade == grade]
        counts = {h: 0 for h in header[1:]}
        counts["Tổng số HS"] = len(mine)
        for s in mine:
            counts[f"Học tập {LEVEL_CODES[s.learning]}"] += 1
            counts[f"Rèn luyện {LEVEL_CODES[s.training]}"] += 1
            if s.promotion:
                counts[OUTCOMES[s.promotion]] += 1
            if s.title:
                counts[TITLES[s.title]] += 1
        rows.append(_quality_row(grade, [grade, *(counts[h] for h in header[1:])]))
    return _quality_with_total(rows)


def _quality_with_total(rows: list[list]) -> Report:
    """Grade rows, then the total of their counts, whose percentages come from those totals."""
    header = TEMPLATES["TK-CLGD"]
    count_columns = [i for i, h in enumerate(header) if i > 0 and not h.endswith("(%)")]
    total = [TOTAL] + [0] * (len(header) - 1)
    for row in rows:
        for i in count_columns:
            total[i] += row[i]
    return Report("TK-CLGD", rows + [_quality_row(TOTAL, total)])


def attendance_report(classes: dict[str, tuple[int, int, int, int]]) -> Report:
    """TK-CHUYENCAN: per class (size, excused, unexcused, pupils over 45 sessions so far)."""
    return _with_total("TK-CHUYENCAN", [[code, *values] for code, values in sorted(classes.items())])


LEFT = ("3", "4")  # StudentStatus codes of pupils no longer at the school: moved away, dropped out
OVER = 45  # sessions absent in the year beyond which a pupil stays back (Circular 22: more than 45)


def attendance_counts(
    students: Mapping[str, tuple[str, str]],
    absences: Iterable[tuple[str, date, str]],
    first: date,
    last: date,
    year_start: date,
) -> dict[str, tuple[int, int, int, int]]:
    """TK-CHUYENCAN's counts per class for the month ``first``–``last``.

    ``students``: student key → (class code, status code); ``absences``: (student key, day, "P"|"K"),
    one per session. A class's size counts the pupils still at the school; the month's sessions are
    those of its pupils on days inside the month; «nghỉ quá 45 buổi (lũy kế)» counts pupils whose
    sessions from ``year_start`` to ``last`` are more than 45, excused and unexcused together."""
    size: dict[str, int] = {}
    for class_code, status in students.values():
        if status not in LEFT:
            size[class_code] = size.get(class_code, 0) + 1
    excused = dict.fromkeys(size, 0)
    unexcused = dict.fromkeys(size, 0)
    so_far: dict[str, int] = {}
    for key, day, kind in absences:
        found = students.get(key)
        if found is None or found[1] in LEFT or not year_start <= day <= last:
            continue
        so_far[key] = so_far.get(key, 0) + 1
        if day >= first:
            (excused if kind == "P" else unexcused)[found[0]] += 1
    over = dict.fromkeys(size, 0)
    for key, sessions in so_far.items():
        if sessions > OVER:
            over[students[key][0]] += 1
    return {code: (size[code], excused[code], unexcused[code], over[code]) for code in size}


def changes_report(classes: dict[str, tuple[int, int, int, int]]) -> Report:
    """TK-BIENDONG: per class (transferred in, transferred out, dropped out, returned)."""
    return _with_total("TK-BIENDONG", [[code, *values] for code, values in sorted(classes.items())])
