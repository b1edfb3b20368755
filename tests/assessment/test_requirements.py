"""What Circular 22 requires per subject and semester, and how much of it a sheet holds: ĐĐGtx by
lessons a week (35 weeks a year: 1 a week → 2, 2 → 3, 3 or more → 4), one ĐĐGgk, one ĐĐGck."""

from fractions import Fraction

import pytest

from lienthong.assessment import AssessmentError
from lienthong.assessment.requirements import (
    Required,
    comment_outcome,
    entered,
    periods_a_year,
    required_assessments,
    tx_for_lessons,
)
from lienthong.assessment.rules import CIRCULAR_22


@pytest.mark.parametrize(
    ("lessons", "tx"),
    [(1, 2), (2, 3), (3, 4), (4, 4), (Fraction(3, 2), 3), (Fraction(1, 2), 2)],
)
def test_tx_by_lessons_a_week(lessons, tx):
    assert tx_for_lessons(lessons) == tx


@pytest.mark.parametrize(("periods", "tx"), [(35, 2), (36, 3), (52, 3), (70, 3), (71, 4), (140, 4)])
def test_tx_by_periods_at_the_bounds(periods, tx):
    assert CIRCULAR_22.tx_for_periods(periods) == tx


def test_a_week_of_lessons_is_35_periods_and_negative_is_refused():
    assert periods_a_year(1) == 35 and periods_a_year(Fraction(3, 2)) == 52
    with pytest.raises(AssessmentError):
        periods_a_year(-1)


@pytest.mark.parametrize(
    ("code", "grade", "tx", "by_comment"),
    [
        ("TOAN", 6, 4, False),  # 4 lessons a week
        ("TIN", 7, 2, False),  # 1 lesson a week
        ("CN", 6, 2, False),  # 35 periods
        ("CN", 8, 3, False),  # 52 periods: 1.5 a week
        ("GDTC", 9, 2, True),  # comment subjects: always 2
        ("HDTN", 6, 2, True),
    ],
)
def test_required_assessments_per_subject(code, grade, tx, by_comment):
    need = required_assessments(code, grade, "2026-2027")
    assert (need.tx, need.gk, need.ck, need.by_comment, need.total) == (tx, 1, 1, by_comment, tx + 2)


def test_unknown_subject_or_a_year_before_circular_22_is_refused():
    with pytest.raises(AssessmentError):
        required_assessments("HOA", 8, "2026-2027")
    with pytest.raises(AssessmentError):
        required_assessments("TOAN", 9, "2022-2023")  # grade 9 came under Circular 22 in 2024-2025


TOAN = Required("TOAN", 4, False)
GDTC = Required("GDTC", 2, True)


def test_entered_counts_required_cells_only_and_blanks_are_none_or_empty():
    got = entered(["8", "", None, "7", "9", "10"], "8", None, TOAN)  # five ĐĐGtx, no ĐĐGck
    assert (got.tx, got.gk, got.ck, got.count, got.complete) == (4, True, False, 5, False)
    assert entered(["8", "7", "9", "6"], "8", "7", TOAN).complete
    assert entered([], "", "", TOAN).count == 0


@pytest.mark.parametrize(
    ("tx", "gk", "ck", "outcome"),
    [
        (["Đ", "Đ"], "Đ", "Đ", "Đ"),
        (["Đ", "CĐ"], "Đ", "Đ", "CĐ"),
        (["Đ"], "Đ", "Đ", None),  # one ĐĐGtx missing: no result yet
        (["Đ", "Đ"], "Đ", None, None),
    ],
)
def test_comment_outcome_needs_every_required_assessment(tx, gk, ck, outcome):
    assert comment_outcome(tx, gk, ck, GDTC) == outcome


def test_score_subjects_have_no_comment_outcome():
    assert comment_outcome(["8"] * 4, "8", "8", TOAN) is None
