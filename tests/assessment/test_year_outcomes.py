"""Whole-year outcomes through `assess_student`, and single semesters through `assess_semester`.

Every expected value below is worked out by hand from the Circular 22 rules in
/work/shared/domain.md (not from the engine): the averages, the Điều 9 k.2 table and its
k.3 adjustment, the Điều 8 year training table, the promotion codes OL / RLH / KTL / LL,
the titles XS / G and the report of what is missing when an assessment is blank.

Grade 8 in 2024-2025 is used throughout unless said otherwise. ĐĐGtx required per semester
(domain.md: ≤ 35 periods → 2, > 35 to 70 → 3, > 70 → 4; comment subjects 2):
VAN, TOAN, NN1, LSDL, KHTN (105–140 periods) → 4; GDCD, TIN (35) → 2; CN (52 in grade 8) → 3;
GDTC, NT, HDTN, GDDP (by comment) → 2.

A semester where every assessment of a subject has the same score v averages exactly v
(Σ = v·(n + 5), divided by n + 5), so most cases below give a subject one score a semester.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from lienthong.assessment.engine import (
    Missing,
    SemesterScores,
    StudentYear,
    SubjectYear,
    YearAssessment,
    assess_semester,
    assess_student,
)
from tests.hand_made import TX_GRADE_8

D = Decimal
YEAR, GRADE = "2024-2025", 8
SCORE_CODES = ("VAN", "TOAN", "NN1", "GDCD", "LSDL", "KHTN", "CN", "TIN")
COMMENT_CODES = ("GDTC", "NT", "HDTN", "GDDP")
CATALOG = SCORE_CODES[:4] + ("LSDL", "KHTN", "CN", "TIN") + COMMENT_CODES  # the catalog's order


def flat(code: str, value, grade: int = GRADE) -> SemesterScores:
    """Every required assessment of ``code`` at ``value`` (a score string or Đ/CĐ)."""
    count = TX_GRADE_8[code] if grade in (8, 9) else {**TX_GRADE_8, "CN": 2}[code]
    v = value if value in ("Đ", "CĐ") else D(value)
    return SemesterScores(tx=(v,) * count, gk=v, ck=v)


def both(value) -> tuple:
    return value if isinstance(value, tuple) else (value, value)


def student(
    scores: dict | None = None,
    marks: dict | None = None,
    training=("T", "T"),
    absences: int | None = 0,
    replace: dict | None = None,
    drop: tuple = (),
    grade: int = GRADE,
) -> StudentYear:
    """A full year in catalog order: score subjects default to 8.5 and comment subjects to Đ in
    both semesters; ``scores``/``marks`` give a value or an (hk1, hk2) pair per subject;
    ``replace`` gives a whole `SubjectYear`; ``drop`` leaves subjects out entirely."""
    scores, marks, replace = scores or {}, marks or {}, replace or {}
    subjects = []
    for code in CATALOG:
        if code in drop:
            continue
        if code in replace:
            subjects.append(replace[code])
            continue
        default = "Đ" if code in COMMENT_CODES else "8.5"
        hk1, hk2 = both((marks if code in COMMENT_CODES else scores).get(code, default))
        subjects.append(SubjectYear(code, flat(code, hk1, grade), flat(code, hk2, grade)))
    return StudentYear(YEAR, grade, tuple(subjects), training[0], training[1], absences)


def same_year(value: str) -> dict:
    return {"hk1": value, "hk2": value, "cn": value}


def outcome(result: YearAssessment) -> tuple:
    return result.learning["cn"], result.training["cn"], result.promotion, result.title


# --- lên lớp and the titles -------------------------------------------------------------------


def test_all_at_8_5_is_tot_lên_lớp_học_sinh_giỏi_exactly():
    expected_subjects = {code: same_year(D("8.5")) for code in SCORE_CODES}
    expected_subjects.update({code: same_year("Đ") for code in COMMENT_CODES})
    assert assess_student(student()) == YearAssessment(
        subjects=expected_subjects,
        learning=same_year("T"),
        training=same_year("T"),
        promotion="LL",
        title="G",
        missing=(),
    )


@pytest.mark.parametrize(
    ("hk1", "hk2", "cn", "title"),
    [
        ("8.8", "9.1", "9.0", "XS"),  # (8.8 + 18.2) / 3 = 9.0 exactly
        ("8.9", "9.0", "9.0", "XS"),  # 26.9 / 3 = 8.966… → 9.0 (rounded, not truncated)
        ("8.8", "9.0", "8.9", "G"),  # 26.8 / 3 = 8.933… → 8.9: only five subjects at 9.0
        ("9.2", "8.9", "9.0", "XS"),  # 27.0 / 3: semester II counts twice
        ("9.3", "8.8", "9.0", "XS"),  # 26.9 / 3 → 9.0
        ("9.4", "8.7", "8.9", "G"),  # 26.8 / 3 → 8.9
    ],
)
def test_xuất_sắc_needs_six_year_averages_at_9_0(hk1, hk2, cn, title):
    # five subjects at 9.0 all year, the sixth (KHTN) from the semesters, two more at 8.5
    scores = {code: "9.0" for code in ("VAN", "TOAN", "NN1", "GDCD", "LSDL")}
    scores["KHTN"] = (hk1, hk2)
    result = assess_student(student(scores))
    assert result.subjects["KHTN"] == {"hk1": D(hk1), "hk2": D(hk2), "cn": D(cn)}
    assert outcome(result) == ("T", "T", "LL", title)
    assert result.missing == ()


def test_six_at_9_0_and_two_at_6_5_is_still_xuất_sắc():
    scores = {code: "9.0" for code in SCORE_CODES[:6]} | {"CN": "6.5", "TIN": "6.5"}
    # Tốt: all ≥ 6.5 and six ≥ 8.0; six year averages ≥ 9.0 → XS
    assert outcome(assess_student(student(scores))) == ("T", "T", "LL", "XS")


def test_xuất_sắc_needs_learning_tốt_too():
    scores = {code: "9.5" for code in SCORE_CODES[:7]} | {"TIN": "6.4"}  # one below 6.5: Khá
    assert outcome(assess_student(student(scores))) == ("K", "T", "LL", None)


@pytest.mark.parametrize(
    ("training", "year_training", "title"),
    [
        (("T", "T"), "T", "G"),
        (("K", "T"), "T", "G"),  # II Tốt and I ≥ Khá → Tốt
        (("Đ", "T"), "K", None),  # II Tốt and I Đạt → Khá: no title
        (("CĐ", "T"), "K", None),
        (("T", "K"), "K", None),  # II Khá and I Tốt → Khá
        (("T", "Đ"), "K", None),  # II Đạt and I Tốt → Khá
        (("K", "Đ"), "Đ", None),
        (("CĐ", "K"), "Đ", None),  # II Khá and I Chưa đạt → Đạt: still lên lớp
    ],
)
def test_year_training_is_derived_and_decides_the_title(training, year_training, title):
    result = assess_student(student(training=training))
    assert result.training == {"hk1": training[0], "hk2": training[1], "cn": year_training}
    assert outcome(result) == ("T", year_training, "LL", title)


@pytest.mark.parametrize(
    ("hk1", "hk2", "cn", "learning", "title"),
    [
        ("6.2", "6.6", "6.5", "T", "G"),  # 19.4 / 3 = 6.466… → 6.5: every subject ≥ 6.5
        ("6.1", "6.6", "6.4", "K", None),  # 19.3 / 3 = 6.433… → 6.4: Khá (k.3: one level only)
        ("6.5", "6.5", "6.5", "T", "G"),
    ],
)
def test_year_learning_is_judged_on_the_rounded_year_averages(hk1, hk2, cn, learning, title):
    result = assess_student(student({"TIN": (hk1, hk2)}))
    assert result.subjects["TIN"] == {"hk1": D(hk1), "hk2": D(hk2), "cn": D(cn)}
    assert outcome(result) == (learning, "T", "LL", title)


def test_semester_levels_and_the_year_level_are_each_judged_on_their_own_averages():
    # GDCD 4.0 in semester I, 8.0 in semester II: year (4.0 + 16.0) / 3 = 6.666… → 6.7
    result = assess_student(student({"GDCD": ("4.0", "8.0")}))
    assert result.subjects["GDCD"] == {"hk1": D("4.0"), "hk2": D("8.0"), "cn": D("6.7")}
    # hk1: seven at 8.5, one at 4.0 → Đạt by the table, Tốt without GDCD → Khá (k.3)
    assert result.learning == {"hk1": "K", "hk2": "T", "cn": "T"}
    assert outcome(result) == ("T", "T", "LL", "G")


def test_year_average_from_real_assessments_of_both_semesters():
    toan = SubjectYear(
        "TOAN",
        SemesterScores(tx=(D(8), D("7.5"), D(9), D(6)), gk=D(7), ck=D("8.5")),  # 70/9 = 7.77… → 7.8
        SemesterScores(tx=(D(9), D(9), D(8), D(7)), gk=D(8), ck=D(9)),
    )  # 76/9 = 8.44… → 8.4
    result = assess_student(student(replace={"TOAN": toan}))
    assert result.subjects["TOAN"] == {"hk1": D("7.8"), "hk2": D("8.4"), "cn": D("8.2")}  # 24.6 / 3 = 8.2


# --- comment subjects over the year ---------------------------------------------------------------


def test_comment_subjects_cđ_in_semester_one_only_do_not_count_for_the_year():
    result = assess_student(student(marks={"GDTC": ("CĐ", "Đ"), "NT": ("CĐ", "Đ")}))
    assert result.subjects["GDTC"] == {"hk1": "CĐ", "hk2": "Đ", "cn": "Đ"}
    assert result.subjects["NT"] == {"hk1": "CĐ", "hk2": "Đ", "cn": "Đ"}
    # hk1: two comment subjects CĐ → Chưa đạt (leaving one out still leaves a CĐ: no k.3)
    assert result.learning == {"hk1": "CĐ", "hk2": "T", "cn": "T"}
    assert outcome(result) == ("T", "T", "LL", "G")


def test_comment_subject_cđ_in_semester_two_is_the_year_result():
    result = assess_student(student(marks={"HDTN": ("Đ", "CĐ")}))
    assert result.subjects["HDTN"] == {"hk1": "Đ", "hk2": "CĐ", "cn": "CĐ"}
    # Tốt-worthy scores, one comment subject CĐ → Đạt by the table → Khá (k.3)
    assert result.learning == {"hk1": "T", "hk2": "K", "cn": "K"}
    assert outcome(result) == ("K", "T", "LL", None)


def test_one_cđ_mark_among_the_assessments_makes_the_semester_cđ():
    gddp = SubjectYear(
        "GDDP", SemesterScores(tx=("Đ", "Đ"), gk="Đ", ck="CĐ"), SemesterScores(tx=("Đ", "CĐ"), gk="Đ", ck="Đ")
    )
    result = assess_student(student(replace={"GDDP": gddp}))
    assert result.subjects["GDDP"] == {"hk1": "CĐ", "hk2": "CĐ", "cn": "CĐ"}


# --- Điều 9 k.3: the one-subject adjustment over a whole year ---------------------------------------


@pytest.mark.parametrize(
    ("scores", "marks", "learning", "promotion"),
    [
        # domain.md's examples: seven at 8.5 and one at 4.0 → Đạt → Khá
        ({"GDCD": "4.0"}, {}, "K", "LL"),
        # seven at 8.5 and one at 3.0 → Chưa đạt → Đạt: lên lớp, not kiểm tra lại
        ({"GDCD": "3.0"}, {}, "Đ", "LL"),
        # all score subjects Tốt-worthy but one comment subject CĐ → Đạt → Khá
        ({}, {"NT": "CĐ"}, "K", "LL"),
        # Chưa đạt raised to Đạt because Khá holds without the 3.0 subject
        ({c: "7.0" for c in SCORE_CODES[:6]} | {"CN": "5.0", "TIN": "3.0"}, {}, "Đ", "LL"),
        # Đạt by the table, Khá without the 4.0: only one level below Khá → no raise
        ({c: "7.0" for c in SCORE_CODES[:7]} | {"TIN": "4.0"}, {}, "Đ", "LL"),
        # two subjects to blame: no raise
        ({"GDCD": "4.0", "TIN": "4.0"}, {}, "Đ", "LL"),
        ({"GDCD": "4.0", "TIN": "3.0"}, {}, "CĐ", "KTL"),
        # a score below 3.5 and a comment subject CĐ: two subjects to blame → Chưa đạt stays
        ({"GDCD": "3.0"}, {"NT": "CĐ"}, "CĐ", "KTL"),
        # the k.3 raise is one step only: Chưa đạt → Đạt, never Khá
        ({"GDCD": "0.0"}, {}, "Đ", "LL"),
    ],
)
def test_k3_adjustment_over_the_year(scores, marks, learning, promotion):
    result = assess_student(student(scores, marks))
    assert result.learning == same_year(learning)
    assert outcome(result) == (learning, "T", promotion, None)


# --- kiểm tra lại, rèn luyện hè, ở lại lớp ------------------------------------------------------------


def test_kiểm_tra_lại_when_training_is_đạt_and_learning_chưa_đạt():
    # five at 5.0 and three at 4.0: fewer than six ≥ 5.0 → Chưa đạt; no single subject to blame
    scores = {c: "5.0" for c in SCORE_CODES[:5]} | {"KHTN": "4.0", "CN": "4.0", "TIN": "4.0"}
    result = assess_student(student(scores, training=("Đ", "Đ"), absences=10))
    assert result.learning == same_year("CĐ")
    assert result.training == same_year("Đ")
    assert (result.promotion, result.title, result.missing) == ("KTL", None, ())


def test_kiểm_tra_lại_when_two_comment_subjects_are_cđ_in_semester_two():
    result = assess_student(student(marks={"GDTC": ("Đ", "CĐ"), "GDDP": ("Đ", "CĐ")}))
    assert result.learning == {"hk1": "T", "hk2": "CĐ", "cn": "CĐ"}
    assert outcome(result) == ("CĐ", "T", "KTL", None)


def test_six_at_5_0_is_enough_to_pass():
    scores = {c: "5.0" for c in SCORE_CODES[:6]} | {"CN": "3.5", "TIN": "3.5"}  # none below 3.5
    assert outcome(assess_student(student(scores, training=("Đ", "Đ")))) == ("Đ", "Đ", "LL", None)


def test_one_score_below_3_5_with_only_six_passing_is_kiểm_tra_lại():
    scores = {c: "5.0" for c in SCORE_CODES[:6]} | {"CN": "3.5", "TIN": "3.4"}
    assert outcome(assess_student(student(scores, training=("Đ", "Đ")))) == ("CĐ", "Đ", "KTL", None)


@pytest.mark.parametrize(
    ("training", "scores", "learning"),
    [
        (("T", "CĐ"), {}, "T"),  # training Chưa đạt whatever the learning: rèn luyện hè
        (("CĐ", "CĐ"), {}, "T"),
        (("K", "CĐ"), {c: "4.0" for c in SCORE_CODES}, "CĐ"),  # re-test waits for the summer
    ],
)
def test_rèn_luyện_hè_when_year_training_is_chưa_đạt(training, scores, learning):
    result = assess_student(student(scores, training=training, absences=0))
    assert result.training == {"hk1": training[0], "hk2": "CĐ", "cn": "CĐ"}
    assert outcome(result) == (learning, "CĐ", "RLH", None)


@pytest.mark.parametrize(("absences", "promotion"), [(0, "LL"), (45, "LL"), (46, "OL"), (120, "OL")])
def test_absences_over_45_repeat_the_year(absences, promotion):
    result = assess_student(student(absences=absences))
    assert result.promotion == promotion
    assert result.learning["cn"] == "T" and result.training["cn"] == "T"


@pytest.mark.parametrize(
    ("scores", "training", "absences", "promotion"),
    [
        ({c: "4.0" for c in SCORE_CODES}, ("T", "T"), 46, "OL"),  # before kiểm tra lại
        ({}, ("T", "CĐ"), 46, "OL"),  # before rèn luyện hè
        ({c: "4.0" for c in SCORE_CODES}, ("CĐ", "CĐ"), 46, "OL"),
        ({c: "4.0" for c in SCORE_CODES}, ("CĐ", "CĐ"), 45, "RLH"),
        ({c: "4.0" for c in SCORE_CODES}, ("T", "T"), 45, "KTL"),
    ],
)
def test_ở_lại_lớp_comes_before_every_other_outcome(scores, training, absences, promotion):
    assert assess_student(student(scores, training=training, absences=absences)).promotion == promotion


# --- what is missing when assessments are blank --------------------------------------------------------


def test_blank_tx_of_one_semester_is_reported_exactly():
    toan = SubjectYear(
        "TOAN", flat("TOAN", "8.5"), SemesterScores(tx=(D(8), None, D(8), D(8)), gk=D(8), ck=D(8))
    )  # 3 of 4 ĐĐGtx
    result = assess_student(student(replace={"TOAN": toan}))
    assert result.missing == (Missing("TOAN", "hk2", "tx"),)
    assert result.subjects["TOAN"] == {"hk1": D("8.5"), "hk2": None, "cn": None}
    assert result.learning == {"hk1": "T", "hk2": None, "cn": None}
    assert result.training == same_year("T")
    assert (result.promotion, result.title) == (None, None)


def test_blank_gk_and_ck_are_each_reported_in_order():
    van = SubjectYear("VAN", SemesterScores(tx=(D(8),) * 4, gk=None, ck=None), flat("VAN", "8.0"))
    result = assess_student(student(replace={"VAN": van}))
    assert result.missing == (Missing("VAN", "hk1", "gk"), Missing("VAN", "hk1", "ck"))
    assert result.subjects["VAN"] == {"hk1": None, "hk2": D("8.0"), "cn": None}
    assert result.learning == {"hk1": None, "hk2": "T", "cn": None}


def test_everything_blank_in_one_semester_lists_tx_gk_ck():
    khtn = SubjectYear("KHTN", flat("KHTN", "7.0"), SemesterScores())
    result = assess_student(student(replace={"KHTN": khtn}))
    assert result.missing == (Missing("KHTN", "hk2", "tx"), Missing("KHTN", "hk2", "gk"), Missing("KHTN", "hk2", "ck"))
    assert result.subjects["KHTN"] == {"hk1": D("7.0"), "hk2": None, "cn": None}


def test_a_semester_not_given_at_all_is_missing_like_a_blank_one():
    lsdl = SubjectYear("LSDL", None, flat("LSDL", "7.0"))
    result = assess_student(student(replace={"LSDL": lsdl}))
    assert result.missing == (Missing("LSDL", "hk1", "tx"), Missing("LSDL", "hk1", "gk"), Missing("LSDL", "hk1", "ck"))
    assert result.subjects["LSDL"] == {"hk1": None, "hk2": D("7.0"), "cn": None}
    assert result.learning == {"hk1": None, "hk2": "T", "cn": None}


@pytest.mark.parametrize(
    ("code", "count", "missing"),
    [
        ("TOAN", 3, True),
        ("TOAN", 4, False),  # > 70 periods: 4 ĐĐGtx
        ("CN", 2, True),
        ("CN", 3, False),  # 52 periods in grade 8: 3
        ("GDCD", 1, True),
        ("GDCD", 2, False),  # 35 periods: 2
        ("TIN", 1, True),
        ("TIN", 2, False),
        ("GDTC", 1, True),
        ("GDTC", 2, False),  # by comment: 2
    ],
)
def test_required_number_of_tx_in_grade_8(code, count, missing):
    value = "Đ" if code in COMMENT_CODES else D("8.0")
    semester = SemesterScores(tx=(value,) * count, gk=value, ck=value)
    result = assess_student(student(replace={code: SubjectYear(code, semester, flat(code, value))}))
    assert result.missing == ((Missing(code, "hk1", "tx"),) if missing else ())
    gap = "CĐ" if code in COMMENT_CODES else None  # a comment subject with a gap is Chưa đạt (domain.md)
    assert result.subjects[code]["hk1"] == (gap if missing else value)


def test_cong_nghe_needs_two_tx_in_grade_7():
    semester = SemesterScores(tx=(D(8), D(8)), gk=D(8), ck=D(8))
    result = assess_student(student(grade=7, replace={"CN": SubjectYear("CN", semester, semester)}))
    assert result.missing == ()
    assert result.subjects["CN"] == same_year(D("8.0"))


def test_blank_comment_assessment_is_reported_missing():
    gdtc = SubjectYear("GDTC", SemesterScores(tx=("Đ", None), gk="Đ", ck="Đ"), flat("GDTC", "Đ"))
    result = assess_student(student(replace={"GDTC": gdtc}))
    assert result.missing == (Missing("GDTC", "hk1", "tx"),)


def test_blank_comment_assessment_makes_that_semester_chưa_đạt():
    gdtc = SubjectYear("GDTC", SemesterScores(tx=("Đ", None), gk="Đ", ck="Đ"), flat("GDTC", "Đ"))
    result = assess_student(student(replace={"GDTC": gdtc}))
    assert result.subjects["GDTC"]["hk1"] == "CĐ"


def test_comment_subject_year_is_semester_two_even_when_semester_one_is_incomplete():
    gdtc = SubjectYear("GDTC", SemesterScores(tx=("Đ", "Đ"), gk="Đ", ck=None), flat("GDTC", "Đ"))
    result = assess_student(student(replace={"GDTC": gdtc}))
    assert result.subjects["GDTC"]["cn"] == "Đ"


def test_several_gaps_are_reported_in_subject_then_semester_then_kind_order():
    van = SubjectYear("VAN", SemesterScores(tx=(D(8),) * 4, gk=None, ck=D(8)), flat("VAN", "8.0"))
    gdtc = SubjectYear("GDTC", flat("GDTC", "Đ"), SemesterScores())
    result = assess_student(student(replace={"VAN": van, "GDTC": gdtc}, training=("T", None), absences=None))
    assert result.missing == (
        Missing("VAN", "hk1", "gk"),
        Missing("GDTC", "hk2", "tx"),
        Missing("GDTC", "hk2", "gk"),
        Missing("GDTC", "hk2", "ck"),
        Missing(None, "hk2", "training"),
        Missing(None, "cn", "absences"),
    )
    assert result.subjects["VAN"] == {"hk1": None, "hk2": D("8.0"), "cn": None}
    assert result.subjects["GDTC"] == {"hk1": "Đ", "hk2": "CĐ", "cn": "CĐ"}  # a gap: Chưa đạt; the year is HK II
    # HK II: one comment subject CĐ makes the table's Đạt, raised one step (Điều 9 k.3) to Khá
    assert result.learning == {"hk1": None, "hk2": "K", "cn": None}
    assert result.training == {"hk1": "T", "hk2": None, "cn": None}
    assert (result.promotion, result.title) == (None, None)


def test_a_subject_not_given_is_missing_in_both_semesters_after_the_given_ones():
    van = SubjectYear("VAN", SemesterScores(tx=(D(8),) * 4, gk=D(8), ck=None), flat("VAN", "8.0"))
    result = assess_student(student(replace={"VAN": van}, drop=("TIN",)))
    assert "TIN" not in result.subjects
    assert result.missing == (
        Missing("VAN", "hk1", "ck"),
        Missing("TIN", "hk1", "tx"),
        Missing("TIN", "hk1", "gk"),
        Missing("TIN", "hk1", "ck"),
        Missing("TIN", "hk2", "tx"),
        Missing("TIN", "hk2", "gk"),
        Missing("TIN", "hk2", "ck"),
    )
    assert result.learning == same_year(None)
    assert (result.promotion, result.title) == (None, None)


def test_missing_training_of_both_semesters():
    result = assess_student(student(training=(None, None)))
    assert result.missing == (Missing(None, "hk1", "training"), Missing(None, "hk2", "training"))
    assert result.training == same_year(None)
    assert result.learning == same_year("T")
    assert (result.promotion, result.title) == (None, None)


def test_missing_absences_leave_the_promotion_open_but_not_the_title():
    result = assess_student(student(absences=None))
    assert result.missing == (Missing(None, "cn", "absences"),)
    assert (result.promotion, result.title) == (None, "G")


def test_zero_absences_are_not_missing():
    result = assess_student(student(absences=0))
    assert (result.missing, result.promotion) == ((), "LL")


# --- assess_semester -------------------------------------------------------------------------------


def semester_of(
    scores: dict | None = None,
    marks: dict | None = None,
    replace: dict | None = None,
    grade: int = GRADE,
    semester: str = "hk1",
) -> tuple[dict, str | None]:
    year = student(scores, marks, replace=replace, grade=grade)
    return assess_semester(YEAR, grade, year.subjects, semester)


def test_assess_semester_gives_every_catalog_subject_and_the_level():
    values, level = semester_of()
    assert list(values) == list(CATALOG)
    assert values == {**{c: D("8.5") for c in SCORE_CODES}, **{c: "Đ" for c in COMMENT_CODES}}
    assert level == "T"


def test_assess_semester_reads_only_the_semester_asked():
    values, level = semester_of({"TOAN": ("8.5", "4.0"), "VAN": ("4.0", "8.5")}, {"NT": ("Đ", "CĐ")}, semester="hk2")
    assert (values["TOAN"], values["VAN"], values["NT"]) == (D("4.0"), D("8.5"), "CĐ")
    # seven at 8.5, one at 4.0 and a comment subject CĐ: two to blame → Đạt stays
    assert level == "Đ"


@pytest.mark.parametrize(
    ("code", "semester", "expected"),
    [
        # CN in grade 8 has 3 ĐĐGtx: divisor 8, exact quotients ending in 5 round half up
        ("CN", SemesterScores(tx=(D("7.3"), D("5.6"), D("5.2")), gk=D("5.8"), ck=D("8.1")), "6.8"),  # 6.75
        ("CN", SemesterScores(tx=(D("8.4"), D("6.5"), D("1.3")), gk=D("9.9"), ck=D("2.0")), "5.3"),  # 5.25
        ("CN", SemesterScores(tx=(D("4.0"), D("6.3"), D("8.7")), gk=D("6.1"), ck=D("2.8")), "5.0"),  # 4.95
        ("CN", SemesterScores(tx=(D("4.0"), D("6.3"), D("8.7")), gk=D("6.1"), ck=D("2.7")), "4.9"),  # 4.9125
        ("CN", SemesterScores(tx=(D(10), D(10), D(10)), gk=D(10), ck=D(10)), "10.0"),
        ("CN", SemesterScores(tx=(D(0), D(0), D("0.4")), gk=D(0), ck=D(0)), "0.1"),  # 0.05 → 0.1
        # GDCD (2 ĐĐGtx): (6 + 7 + 14 + 24) / 7 = 7.285… → 7.3
        ("GDCD", SemesterScores(tx=(D(6), D(7)), gk=D(7), ck=D(8)), "7.3"),
        # TOAN (4 ĐĐGtx): (30.5 + 14 + 25.5) / 9 = 7.77… → 7.8
        ("TOAN", SemesterScores(tx=(D(8), D("7.5"), D(9), D(6)), gk=D(7), ck=D("8.5")), "7.8"),
        # ck weighs 3, gk 2: (4·5 + 2·5 + 3·10) / 9 = 6.66… → 6.7; swapped → (20 + 20 + 15) / 9 = 6.11… → 6.1
        ("VAN", SemesterScores(tx=(D(5),) * 4, gk=D(5), ck=D(10)), "6.7"),
        ("VAN", SemesterScores(tx=(D(5),) * 4, gk=D(10), ck=D(5)), "6.1"),
    ],
)
def test_assess_semester_averages_round_half_up_to_one_decimal(code, semester, expected):
    values, _ = semester_of(replace={code: SubjectYear(code, semester, semester)})
    assert values[code] == D(expected)
    assert str(values[code]) == expected  # one decimal, exactly


def test_assess_semester_half_up_decides_the_level():
    others = {c: "7.0" for c in SCORE_CODES if c != "CN"}
    at_4_95 = SemesterScores(tx=(D("4.0"), D("6.3"), D("8.7")), gk=D("6.1"), ck=D("2.8"))
    at_4_91 = SemesterScores(tx=(D("4.0"), D("6.3"), D("8.7")), gk=D("6.1"), ck=D("2.7"))
    # 4.95 → 5.0: every subject ≥ 5.0, seven ≥ 6.5 → Khá
    assert semester_of(others, replace={"CN": SubjectYear("CN", at_4_95, at_4_95)}) == (
        {**{c: D("7.0") for c in SCORE_CODES}, "CN": D("5.0"), **{c: "Đ" for c in COMMENT_CODES}},
        "K",
    )
    # 4.9125 → 4.9: Đạt, and Khá without CN is only one level above: no raise
    assert semester_of(others, replace={"CN": SubjectYear("CN", at_4_91, at_4_91)})[1] == "Đ"


@pytest.mark.parametrize(
    ("marks", "expected"),
    [
        (("Đ", "Đ", "Đ", "Đ"), "Đ"),
        (("CĐ", "Đ", "Đ", "Đ"), "CĐ"),  # a ĐĐGtx
        (("Đ", "CĐ", "Đ", "Đ"), "CĐ"),
        (("Đ", "Đ", "CĐ", "Đ"), "CĐ"),  # the ĐĐGgk
        (("Đ", "Đ", "Đ", "CĐ"), "CĐ"),  # the ĐĐGck
        (("CĐ", "CĐ", "CĐ", "CĐ"), "CĐ"),
    ],
)
def test_assess_semester_comment_subject_is_đạt_only_when_every_mark_is_đ(marks, expected):
    semester = SemesterScores(tx=marks[:2], gk=marks[2], ck=marks[3])
    values, _ = semester_of(replace={"HDTN": SubjectYear("HDTN", semester, semester)})
    assert values["HDTN"] == expected


def score_set(*values: str) -> dict:
    return dict(zip(SCORE_CODES, values, strict=True))


@pytest.mark.parametrize(
    ("scores", "marks", "level"),
    [
        # Tốt: all ≥ 6.5, at least six ≥ 8.0
        (score_set(*["8.0"] * 6, "6.5", "6.5"), {}, "T"),
        (score_set(*["8.0"] * 5, "7.9", "6.5", "6.5"), {}, "K"),  # five ≥ 8.0
        (score_set(*["8.0"] * 7, "6.4"), {}, "K"),  # one below 6.5 (one level below Tốt: no k.3)
        # Khá: all ≥ 5.0, at least six ≥ 6.5
        (score_set(*["6.5"] * 6, "5.0", "5.0"), {}, "K"),
        (score_set(*["6.5"] * 5, "6.4", "5.0", "5.0"), {}, "Đ"),  # five ≥ 6.5
        (score_set(*["6.5"] * 7, "4.9"), {}, "Đ"),  # one below 5.0; Khá without it is one level up only
        # Đạt: at least six ≥ 5.0, none below 3.5, at most one comment CĐ
        (score_set(*["5.0"] * 6, "3.5", "3.5"), {}, "Đ"),
        (score_set(*["5.0"] * 5, "4.9", "4.9", "4.9"), {}, "CĐ"),  # five ≥ 5.0
        (score_set(*["5.0"] * 6, "3.5", "3.4"), {}, "CĐ"),  # one below 3.5
        (score_set(*["6.0"] * 8), {"GDTC": "CĐ"}, "Đ"),  # one comment CĐ: not Khá
        (score_set(*["6.0"] * 8), {"GDTC": "CĐ", "NT": "CĐ"}, "CĐ"),  # two CĐ
        # k.3 within one semester
        (score_set(*["8.5"] * 7, "4.0"), {}, "K"),
        (score_set(*["8.5"] * 7, "3.0"), {}, "Đ"),
        (score_set(*["8.5"] * 8), {"GDDP": "CĐ"}, "K"),
    ],
)
def test_assess_semester_level_boundaries(scores, marks, level):
    assert semester_of(scores, marks)[1] == level


def test_assess_semester_blank_assessment_gives_none_for_the_subject_and_the_level():
    toan = SubjectYear("TOAN", SemesterScores(tx=(D(8),) * 4, gk=D(8), ck=None), flat("TOAN", "8.0"))
    values, level = semester_of(replace={"TOAN": toan})
    assert values["TOAN"] is None and level is None
    assert values["VAN"] == D("8.5")  # the others are still computed
    values, level = semester_of(replace={"TOAN": toan}, semester="hk2")  # semester II is complete
    assert (values["TOAN"], level) == (D("8.0"), "T")


def test_assess_semester_subject_not_given_or_semester_not_entered_is_none():
    year = student()
    without_tin = tuple(s for s in year.subjects if s.code != "TIN")
    values, level = assess_semester(YEAR, GRADE, without_tin, "hk1")
    assert list(values) == list(CATALOG) and values["TIN"] is None and level is None
    only_hk1 = tuple(SubjectYear(s.code, s.hk1, None) for s in year.subjects)
    values, level = assess_semester(YEAR, GRADE, only_hk1, "hk2")
    assert values == {code: ("CĐ" if code in COMMENT_CODES else None) for code in CATALOG} and level is None


def test_assess_semester_blank_tx_for_comment_subject_is_chua_dat():
    nt = SubjectYear("NT", SemesterScores(tx=("Đ",), gk="Đ", ck="Đ"), flat("NT", "Đ"))
    values, level = semester_of(replace={"NT": nt})
    # Chưa đạt: Tốt without it becomes the table's Đạt, raised one step (Điều 9 k.3) to Khá
    assert (values["NT"], level, semester_of()[1]) == ("CĐ", "K", "T")


@pytest.mark.parametrize(("grade", "complete"), [(6, True), (7, True), (8, False), (9, False)])
def test_assess_semester_cong_nghe_tx_count_follows_the_grade(grade, complete):
    semester = SemesterScores(tx=(D(8), D(8)), gk=D(8), ck=D(8))
    values, level = semester_of(replace={"CN": SubjectYear("CN", semester, semester)}, grade=grade)
    assert (values["CN"], level) == ((D("8.0"), "T") if complete else (None, None))
