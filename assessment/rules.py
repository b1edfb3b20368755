"""Rule sets of Circular 22, one per period of validity, looked up by school year.

A draft amendment of Circular 22 is pending; when it is issued it becomes a second
`RuleSet` with its own ``first_year``, and years before it keep computing as they did.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from lienthong.assessment import subjects as catalogs
from lienthong.assessment.errors import AssessmentError


@dataclass(frozen=True)
class RuleSet:
    """The numbers of one version of the assessment rules.

    Attributes:
        name: the legal text, for reports.
        first_year: first school year (its starting calendar year) it applies to grade 6;
            Circular 22 rolled out one grade a year (grade 6 in 2021-2022 … grade 9 in
            2024-2025).
        tx_by_periods: (max periods per year, ĐĐGtx per semester) for score subjects, in
            ascending order; the last bound is open.
        tx_comment: ĐĐGtx per semester for subjects assessed by comment.
    """

    name: str
    first_year: int
    tx_by_periods: tuple[tuple[int | None, int], ...] = ((35, 2), (70, 3), (None, 4))
    tx_comment: int = 2
    weight_gk: int = 2
    weight_ck: int = 3
    weight_hk2: int = 2
    good: Decimal = Decimal("8.0")  # Tốt: at least `min_count` subjects from here
    fair: Decimal = Decimal("6.5")  # Tốt: every subject from here; Khá: `min_count` from here
    passing: Decimal = Decimal("5.0")
    floor: Decimal = Decimal("3.5")  # Đạt: no subject below this
    min_count: int = 6
    excellent: Decimal = Decimal("9.0")  # Học sinh Xuất sắc: `min_count` year averages from here
    max_absences: int = 45

    def applies_to(self, start_year: int, grade: int) -> bool:
        return start_year >= self.first_year + (grade - 6)

    def required_tx(self, subject_code: str, grade: int) -> int:
        """ĐĐGtx required per semester for a subject in a grade."""
        info = catalogs.subject(subject_code)
        if info.by_comment:
            return self.tx_comment
        return self.tx_for_periods(info.periods_by_grade[grade])

    def tx_for_periods(self, periods: int) -> int:
        """ĐĐGtx required per semester of a subject assessed by score with ``periods`` a year."""
        for bound, count in self.tx_by_periods:
            if bound is None or periods <= bound:
                return count
        raise AssertionError("tx_by_periods must end with an open bound")


CIRCULAR_22 = RuleSet(name="Thông tư 22/2021/TT-BGDĐT", first_year=2021)
RULESETS: tuple[RuleSet, ...] = (CIRCULAR_22,)


def rules_for(school_year: str, grade: int) -> RuleSet:
    """The rule set in force for a grade in a school year (``"2024-2025"``).

    Raises:
        AssessmentError: the year is not one Circular 22 (or a later set) governs.
    """
    if grade not in (6, 7, 8, 9):
        raise AssessmentError("Khối lớp THCS phải từ 6 đến 9", value=grade, field="grade")
    start = int(school_year[:4])
    for rules in _newest_first(RULESETS):
        if rules.applies_to(start, grade):
            return rules
    raise AssessmentError(
        f"Khối {grade} năm học {school_year} chưa đánh giá theo Thông tư 22 "
        "(áp dụng từ khối 6 năm 2021-2022, mỗi năm thêm một khối)",
        value=school_year,
        field="school_year",
    )


@cache
def _newest_first(rulesets: tuple[RuleSet, ...]) -> tuple[RuleSet, ...]:
    """The rule sets, the latest first (sorted once: every student's semester asks)."""
    return tuple(sorted(rulesets, key=lambda r: r.first_year, reverse=True))
