"""A whole student year through `assess_student`: what `lienthong assess` computes."""

from decimal import Decimal

from lienthong.assessment.engine import Missing, SemesterScores, StudentYear, SubjectYear, assess_student
from lienthong.mapping import catalogs

D = Decimal


def full_year(
    score: str = "8.5",
    mark: str = "Đ",
    overrides: dict | None = None,
    grade: int = 8,
    training=("T", "T"),
    absences: int = 3,
) -> StudentYear:
    subjects = []
    for code, info in catalogs.subjects().items():
        if overrides and code in overrides:
            subjects.append(overrides[code])
            continue
        count = 2 if info.by_comment else {"CN": 3, "GDCD": 2, "TIN": 2}.get(code, 4)
        value = mark if info.by_comment else D(score)
        semester = SemesterScores(tx=(value,) * count, gk=value, ck=value)
        subjects.append(SubjectYear(code, semester, semester))
    return StudentYear("2024-2025", grade, tuple(subjects), *training, absences)


def test_all_good_scores_give_tot_and_gioi():
    result = assess_student(full_year("8.5"))
    assert result.learning == {"hk1": "T", "hk2": "T", "cn": "T"}
    assert result.training == {"hk1": "T", "hk2": "T", "cn": "T"}
    assert (result.promotion, result.title, result.missing) == ("LL", "G", ())


def test_all_nines_give_xuat_sac():
    assert assess_student(full_year("9.0")).title == "XS"


def test_missing_gk_nulls_that_semester_the_year_and_promotion():
    toan = SubjectYear(
        "TOAN", SemesterScores(tx=(D(8),) * 4, gk=None, ck=D(8)), SemesterScores(tx=(D(8),) * 4, gk=D(8), ck=D(8))
    )
    result = assess_student(full_year(overrides={"TOAN": toan}))
    assert result.subjects["TOAN"] == {"hk1": None, "hk2": D("8.0"), "cn": None}
    assert result.learning == {"hk1": None, "hk2": "T", "cn": None}
    assert result.promotion is None and result.title is None
    assert result.missing == (Missing("TOAN", "hk1", "gk"),)


def test_too_few_tx_for_cong_nghe_in_grade_8_is_missing():
    semester = SemesterScores(tx=(D(8), D(8)), gk=D(8), ck=D(8))  # grade 8 needs 3
    result = assess_student(full_year(overrides={"CN": SubjectYear("CN", semester, semester)}))
    assert Missing("CN", "hk1", "tx") in result.missing
    assert result.subjects["CN"]["cn"] is None


def test_two_tx_suffice_for_cong_nghe_in_grade_6():
    semester = SemesterScores(tx=(D(8), D(8)), gk=D(8), ck=D(8))
    result = assess_student(full_year(grade=6, overrides={"CN": SubjectYear("CN", semester, semester)}))
    assert result.missing == () and result.subjects["CN"]["cn"] == D("8.0")


def test_comment_subject_year_is_semester_two():
    hk1 = SemesterScores(tx=("Đ", "CĐ"), gk="Đ", ck="Đ")
    hk2 = SemesterScores(tx=("Đ", "Đ"), gk="Đ", ck="Đ")
    result = assess_student(full_year(overrides={"GDTC": SubjectYear("GDTC", hk1, hk2)}))
    assert result.subjects["GDTC"] == {"hk1": "CĐ", "hk2": "Đ", "cn": "Đ"}
    assert result.learning["hk1"] == "K"  # Tốt-worthy scores, one comment CĐ: Đạt, raised (k.3)
    assert result.learning["cn"] == "T"


def test_absent_subject_is_missing_for_both_semesters():
    year = full_year()
    year = StudentYear(year.school_year, year.grade, tuple(s for s in year.subjects if s.code != "TIN"), "T", "T", 0)
    result = assess_student(year)
    assert "TIN" not in result.subjects
    assert {(m.subject, m.semester) for m in result.missing} == {("TIN", "hk1"), ("TIN", "hk2")}
    assert result.learning["cn"] is None


def test_many_absences_repeat_the_year():
    assert assess_student(full_year(absences=46)).promotion == "OL"


def test_missing_training_and_absences_are_reported():
    result = assess_student(full_year(training=(None, "T"), absences=None))
    assert result.training == {"hk1": None, "hk2": "T", "cn": None}
    assert Missing(None, "hk1", "training") in result.missing
    assert Missing(None, "cn", "absences") in result.missing
    assert result.promotion is None
