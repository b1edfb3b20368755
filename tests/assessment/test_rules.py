"""Required assessment counts and the lookup of rules by school year and grade."""

import pytest

from lienthong.assessment import AssessmentError, rules_for
from lienthong.mapping import catalogs

EXPECTED_TX = {  # ĐĐGtx per semester by periods per year (Điều 7 k.1)
    "VAN": 4,
    "TOAN": 4,
    "NN1": 4,
    "LSDL": 4,
    "KHTN": 4,  # > 70 periods
    "GDCD": 2,
    "TIN": 2,  # 35 periods
    "GDTC": 2,
    "NT": 2,
    "HDTN": 2,
    "GDDP": 2,  # assessed by comment: always 2
}


@pytest.mark.parametrize("grade", [6, 7, 8, 9])
@pytest.mark.parametrize("code", sorted(EXPECTED_TX))
def test_required_tx(code, grade):
    assert rules_for("2025-2026", grade).required_tx(code, grade) == EXPECTED_TX[code]


@pytest.mark.parametrize(("grade", "expected"), [(6, 2), (7, 2), (8, 3), (9, 3)])
def test_cong_nghe_has_three_in_grades_8_and_9(grade, expected):
    # Công nghệ: 35 periods in grades 6–7, 52 in grades 8–9 (> 35 to 70 → 3)
    assert rules_for("2025-2026", grade).required_tx("CN", grade) == expected


def test_catalog_has_twelve_subjects_four_by_comment():
    subjects = catalogs.subjects()
    assert list(subjects) == ["VAN", "TOAN", "NN1", "GDCD", "LSDL", "KHTN", "CN", "TIN", "GDTC", "NT", "HDTN", "GDDP"]
    assert {c for c, s in subjects.items() if s.by_comment} == {"GDTC", "NT", "HDTN", "GDDP"}


@pytest.mark.parametrize(
    ("year", "grade"), [("2021-2022", 6), ("2022-2023", 7), ("2023-2024", 8), ("2024-2025", 9), ("2030-2031", 9)]
)
def test_circular_22_applies_from_its_rollout(year, grade):
    assert rules_for(year, grade).name.startswith("Thông tư 22")


@pytest.mark.parametrize(("year", "grade"), [("2020-2021", 6), ("2022-2023", 8), ("2023-2024", 9)])
def test_years_before_the_rollout_have_no_rules(year, grade):
    with pytest.raises(AssessmentError, match="chưa đánh giá theo Thông tư 22"):
        rules_for(year, grade)


def test_grade_outside_thcs_is_refused():
    with pytest.raises(AssessmentError, match="từ 6 đến 9"):
        rules_for("2024-2025", 10)
