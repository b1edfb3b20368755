"""What Circular 22 requires to be entered for one subject in one semester, and how much of it
a score sheet holds: the counts behind the completeness figures.

Every subject has one ĐĐGgk and one ĐĐGck per semester; its ĐĐGtx follow `RuleSet.required_tx`
(by periods a year for subjects assessed by score: ≤ 35 → 2, > 35 to 70 → 3, > 70 → 4; 2 for a
subject assessed by comment). A school year has 35 teaching weeks, so lessons a week give the
periods: 1 a week (35) → 2 ĐĐGtx, 2 a week (70) → 3, 3 or more (≥ 105) → 4.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

from lienthong.assessment import subjects as catalogs
from lienthong.assessment.engine import CHUA_DAT, DAT, comment_result
from lienthong.assessment.errors import AssessmentError
from lienthong.assessment.rules import CIRCULAR_22, RuleSet, rules_for

WEEKS_A_YEAR = 35  # the ministry's school-year plan: 35 teaching weeks


def periods_a_year(lessons_a_week: int | Fraction, weeks: int = WEEKS_A_YEAR) -> int:
    """Periods a year of a subject taught ``lessons_a_week`` (1.5 a week: ``Fraction(3, 2)``)."""
    if lessons_a_week < 0:
        raise AssessmentError("Số tiết mỗi tuần không được âm", value=lessons_a_week, field="lessons_a_week")
    return int(Fraction(lessons_a_week) * weeks)


def tx_for_lessons(lessons_a_week: int | Fraction, rules: RuleSet = CIRCULAR_22) -> int:
    """ĐĐGtx required per semester of a subject assessed by score, from its lessons a week."""
    return rules.tx_for_periods(periods_a_year(lessons_a_week))


@dataclass(frozen=True)
class Required:
    """The assessments one student must have in one subject and semester."""

    subject: str
    tx: int  # ĐĐGtx
    by_comment: bool
    gk: int = 1
    ck: int = 1

    @property
    def total(self) -> int:
        return self.tx + self.gk + self.ck


def required_assessments(subject_code: str, grade: int, school_year: str) -> Required:
    """What the rules in force for ``school_year`` require of a subject in ``grade`` each semester.

    Raises:
        AssessmentError: an unknown subject, a grade outside THCS, a year without Circular 22.
    """
    rules = rules_for(school_year, grade)
    info = catalogs.subject(subject_code)
    return Required(info.code, rules.required_tx(info.code, grade), info.by_comment)


def _entered(value: Any) -> bool:
    return value is not None and value != ""


@dataclass(frozen=True)
class Entered:
    """How much of one student's required assessments of a subject and semester are entered."""

    tx: int  # ĐĐGtx entered, up to the number required (more do not make up for a missing ĐĐGgk)
    gk: bool
    ck: bool
    required: Required

    @property
    def count(self) -> int:
        return self.tx + self.gk + self.ck

    @property
    def complete(self) -> bool:
        return self.count == self.required.total


def entered(tx: Sequence[Any], gk: Any, ck: Any, required: Required) -> Entered:
    """Count what a score sheet holds against ``required`` (blank: ``None`` or ``""``)."""
    return Entered(*entered_counts(tx, gk, ck, required.tx), required)


def entered_counts(tx: Sequence[Any], gk: Any, ck: Any, required_tx: int) -> tuple[int, bool, bool]:
    """`entered` as plain numbers: ĐĐGtx entered (up to ``required_tx``), ĐĐGgk and ĐĐGck entered.
    Counted in C: a school has a quarter of a million sheets."""
    if type(tx) is not list:
        tx = list(tx)
    given = len(tx) - tx.count(None) - tx.count("")
    return min(given, required_tx), _entered(gk), _entered(ck)


def comment_outcome(tx: Sequence[Any], gk: Any, ck: Any, required: Required) -> str | None:
    """A comment subject's semester result when every required assessment is entered: ``Đ`` when
    all are Đ, ``CĐ`` otherwise; ``None`` while one is missing (or for a subject assessed by score)."""
    if not required.by_comment or not entered(tx, gk, ck, required).complete:
        return None
    marks = [value for value in tx if _entered(value)] + [gk, ck]
    return comment_result(DAT if mark == DAT else CHUA_DAT for mark in marks)
