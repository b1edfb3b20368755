"""Subject averages (ĐTBmhk, ĐTBmcn) and comment results, Circular 22 Điều 9 k.1."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lienthong.assessment import comment_result, rules_for, semester_average, year_average

D = Decimal
RULES = rules_for("2024-2025", 8)


def test_issue_example_toan():
    hk1 = semester_average([D(8), D("7.5"), D(9), D(6)], D(7), D("8.5"), RULES)
    hk2 = semester_average([D(9), D(9), D(8), D(7)], D(8), D(9), RULES)
    assert (hk1, hk2) == (D("7.8"), D("8.4"))
    assert year_average(hk1, hk2, RULES) == D("8.2")


def test_two_tx_subject_divides_by_seven():
    # (6 + 7 + 2·7 + 3·8) / 7 = 51/7 = 7.2857… → 7.3
    assert semester_average([D(6), D(7)], D(7), D(8), RULES) == D("7.3")


def test_year_average_weights_semester_two_double():
    # (6.0 + 2·9.0) / 3 = 8.0 — semester II counts twice
    assert year_average(D(6), D(9), RULES) == D("8.0")
    assert year_average(D(9), D(6), RULES) == D("7.0")


@pytest.mark.parametrize(
    ("tx", "gk", "ck", "expected", "float_gives"),
    [
        # exact quotient 6.75: binary floats compute 6.7499999… and round to 6.7
        (["7.3", "5.6", "5.2"], "5.8", "8.1", "6.8", 6.7),
        # exact quotient 4.95 (float 4.9499999…) decides Đạt vs the 5.0 threshold
        (["4.0", "6.3", "8.7"], "6.1", "2.8", "5.0", 4.9),
        # exact quotient 5.25 is representable: Python's round() goes to even (5.2)
        (["8.4", "6.5", "1.3"], "9.9", "2.0", "5.3", 5.2),
    ],
)
def test_half_up_where_floats_round_wrong(tx, gk, ck, expected, float_gives):
    assert len(tx) == 3  # a subject with 3 ĐĐGtx: divisor 8, exact hundredths end in 5
    as_float = round((sum(map(float, tx)) + 2 * float(gk) + 3 * float(ck)) / 8, 1)
    assert as_float == float_gives  # the trap is real
    assert semester_average([D(v) for v in tx], D(gk), D(ck), RULES) == D(expected)


scores = st.integers(min_value=0, max_value=100).map(lambda n: Decimal(n) / 10)


def _half_up(value: Fraction) -> Fraction:
    # independent oracle: exact rational arithmetic, then half-up to tenths
    return Fraction(int(value * 10 + Fraction(1, 2)), 10)


@given(tx=st.lists(scores, min_size=2, max_size=4), gk=scores, ck=scores)
def test_semester_average_matches_exact_oracle_and_stays_in_range(tx, gk, ck):
    result = semester_average(tx, gk, ck, RULES)
    exact = (sum(map(Fraction, tx)) + 2 * Fraction(gk) + 3 * Fraction(ck)) / (len(tx) + 5)
    assert Fraction(result) == _half_up(exact)
    assert min(*tx, gk, ck) <= result <= max(*tx, gk, ck)
    assert result == result.quantize(Decimal("0.1"))


@given(hk1=scores, hk2=scores)
def test_year_average_in_range(hk1, hk2):
    result = year_average(hk1, hk2, RULES)
    assert min(hk1, hk2) <= result <= max(hk1, hk2)
    assert Fraction(result) == _half_up((Fraction(hk1) + 2 * Fraction(hk2)) / 3)


@given(
    tx=st.lists(scores, min_size=2, max_size=4),
    gk=scores,
    ck=scores,
    which=st.integers(min_value=0, max_value=5),
    bump=st.integers(min_value=1, max_value=100),
)
def test_raising_any_score_never_lowers_the_average(tx, gk, ck, which, bump):
    before = semester_average(tx, gk, ck, RULES)
    values = [*tx, gk, ck]
    index = which % len(values)
    values[index] = min(Decimal(10), values[index] + Decimal(bump) / 10)
    after = semester_average(values[:-2], values[-2], values[-1], RULES)
    assert after >= before


def test_comment_result_all_dat_is_dat():
    assert comment_result(["Đ", "Đ", "Đ", "Đ"]) == "Đ"


def test_comment_result_one_chua_dat_is_chua_dat():
    assert comment_result(["Đ", "CĐ", "Đ", "Đ"]) == "CĐ"
