"""Learning levels (Điều 9 k.2, k.3), year training (Điều 8), promotion and titles."""

from decimal import Decimal
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lienthong.assessment import learning_level, promotion, rules_for, title, year_training

RULES = rules_for("2024-2025", 9)
ALL_D = ["Đ", "Đ", "Đ", "Đ"]


def s(*values):
    return [Decimal(str(v)) for v in values]


@pytest.mark.parametrize(
    ("scores", "marks", "expected"),
    [
        (s(8, 8, 8, 8, 8, 8, 6.5, 6.5), ALL_D, "T"),  # six ≥ 8.0, all ≥ 6.5
        (s(8, 8, 8, 8, 8, 7.9, 9, 9.5), ALL_D, "T"),
        (s(8, 8, 8, 8, 8, 7.9, 7.9, 7.9), ALL_D, "K"),  # only five ≥ 8.0
        (s(9, 9, 9, 9, 9, 9, 9, 6.4), ALL_D, "K"),  # one below 6.5: not Tốt, but Khá
        (s(6.5, 6.5, 6.5, 6.5, 6.5, 6.5, 5, 5), ALL_D, "K"),
        (s(6.5, 6.5, 6.5, 6.5, 6.5, 6.4, 5, 5), ALL_D, "Đ"),  # five ≥ 6.5
        (s(5, 5, 5, 5, 5, 5, 3.5, 3.5), ALL_D, "Đ"),  # six ≥ 5.0, none < 3.5
        (s(5, 5, 5, 5, 5, 4.9, 9, 9), ALL_D, "Đ"),
        (s(5, 5, 5, 5, 5, 4.9, 4.9, 4.9), ALL_D, "CĐ"),  # five ≥ 5.0
        (s(5, 5, 5, 5, 5, 5, 5, 3.4), ["Đ", "Đ", "Đ", "CĐ"], "CĐ"),  # k.3 cannot lift Đạt… blocked
        (s(6, 6, 6, 6, 6, 6, 6, 6), ["Đ", "Đ", "CĐ", "CĐ"], "CĐ"),  # two comment subjects CĐ
        (s(6, 6, 6, 6, 6, 6, 6, 6), ["Đ", "Đ", "Đ", "CĐ"], "Đ"),  # one CĐ: Đạt, not Khá
    ],
)
def test_table_rows(scores, marks, expected):
    assert learning_level(scores, marks, RULES) == expected


def test_k3_example_seven_at_8_5_one_at_4_0_is_raised_from_dat_to_kha():
    assert learning_level(s(*[8.5] * 7, 4.0), ALL_D, RULES) == "K"


def test_k3_example_seven_at_8_5_one_at_3_0_is_raised_from_chua_dat_to_dat():
    assert learning_level(s(*[8.5] * 7, 3.0), ALL_D, RULES) == "Đ"


def test_k3_example_tot_scores_one_comment_cd_is_raised_from_dat_to_kha():
    assert learning_level(s(*[8.5] * 8), ["Đ", "Đ", "CĐ", "Đ"], RULES) == "K"


def test_k3_raises_chua_dat_one_step_when_kha_holds_without_one_subject():
    # Without the 3.0 subject every score is ≥ 5.0 and six are ≥ 6.5: Khá; CĐ → Đạt.
    assert learning_level(s(7, 7, 7, 7, 7, 7, 5, 3.0), ALL_D, RULES) == "Đ"


def test_k3_does_not_apply_one_level_below():
    # Tốt without the 6.0 subject, but the table gives Khá: only one level below, no raise.
    assert learning_level(s(*[9] * 7, 6.0), ALL_D, RULES) == "K"


def test_k3_does_not_apply_when_two_subjects_are_to_blame():
    assert learning_level(s(*[8.5] * 6, 4.0, 4.0), ALL_D, RULES) == "Đ"


levels = ["T", "K", "Đ", "CĐ"]
# Điều 8 as domain.md writes it: (semester II, semester I) → year
YEAR_TABLE = {
    ("T", "T"): "T",
    ("T", "K"): "T",
    ("T", "Đ"): "K",
    ("T", "CĐ"): "K",
    ("K", "T"): "K",
    ("K", "K"): "K",
    ("K", "Đ"): "K",
    ("K", "CĐ"): "Đ",
    ("Đ", "T"): "K",
    ("Đ", "K"): "Đ",
    ("Đ", "Đ"): "Đ",
    ("Đ", "CĐ"): "Đ",
    ("CĐ", "T"): "CĐ",
    ("CĐ", "K"): "CĐ",
    ("CĐ", "Đ"): "CĐ",
    ("CĐ", "CĐ"): "CĐ",
}


@pytest.mark.parametrize(("hk2", "hk1"), list(product(levels, levels)))
def test_year_training_all_sixteen_pairs(hk2, hk1):
    assert year_training(hk1=hk1, hk2=hk2) == YEAR_TABLE[(hk2, hk1)]


def test_year_training_table_is_complete():
    assert len(YEAR_TABLE) == 16


@pytest.mark.parametrize(
    ("learning", "training", "absences", "expected"),
    [
        ("T", "T", 45, "LL"),  # 45 sessions is still allowed
        ("T", "T", 46, "OL"),  # more than 45: repeats the year whatever the results
        ("Đ", "CĐ", 0, "RLH"),
        ("CĐ", "CĐ", 0, "RLH"),  # training first; the re-test waits for the summer
        ("CĐ", "Đ", 10, "KTL"),
        ("Đ", "Đ", 10, "LL"),
        ("CĐ", "T", 50, "OL"),
    ],
)
def test_promotion(learning, training, absences, expected):
    assert promotion(learning, training, absences, RULES) == expected


def test_titles():
    six_excellent = s(9, 9, 9, 9, 9, 9, 8, 8)
    five_excellent = s(9, 9, 9, 9, 9, 8.9, 8, 8)
    assert title("T", "T", six_excellent, RULES) == "XS"
    assert title("T", "T", five_excellent, RULES) == "G"
    assert title("T", "K", six_excellent, RULES) is None
    assert title("K", "T", six_excellent, RULES) is None


scores8 = st.lists(st.integers(min_value=0, max_value=100).map(lambda n: Decimal(n) / 10), min_size=8, max_size=8)
marks4 = st.lists(st.sampled_from(["Đ", "CĐ"]), min_size=4, max_size=4)
RANK = {"CĐ": 0, "Đ": 1, "K": 2, "T": 3}


@given(scores=scores8, marks=marks4, index=st.integers(0, 7), bump=st.integers(1, 100))
def test_raising_any_score_never_lowers_the_level(scores, marks, index, bump):
    before = learning_level(scores, marks, RULES)
    raised = list(scores)
    raised[index] = min(Decimal(10), raised[index] + Decimal(bump) / 10)
    assert RANK[learning_level(raised, marks, RULES)] >= RANK[before]


@given(scores=scores8, marks=marks4, index=st.integers(0, 3))
def test_turning_a_comment_mark_to_dat_never_lowers_the_level(scores, marks, index):
    before = learning_level(scores, marks, RULES)
    improved = list(marks)
    improved[index] = "Đ"
    assert RANK[learning_level(scores, improved, RULES)] >= RANK[before]
