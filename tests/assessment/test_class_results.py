"""What a GVCN confirms (`assessment.results`): the re-test subjects by Circular 22, the lists, and
a fingerprint that moves with any confirmed value and with nothing else."""

import pytest

from lienthong.assessment.results import StudentResult, changed_students, class_content, fingerprint, retest_subjects


def pupil(key: str, promotion: str | None = "LL", **more) -> StudentResult:
    base = dict(key=key, name=f"Em {key}", learning="Đ", training="Đ", promotion=promotion, subjects={"TOAN": "6.0"})
    return StudentResult(**{**base, **more})


def test_retest_subjects_are_score_subjects_below_5_and_comment_subjects_at_cd():
    subjects = {"TOAN": "4.9", "VAN": "5.0", "NN1": "4,5", "GDTC": "CĐ", "NT": "Đ", "TD": "Miễn", "LS": ""}
    assert retest_subjects(subjects) == ["GDTC", "NN1", "TOAN"]


def test_the_year_lists_come_from_the_promotion_and_the_earlier_approval():
    students = [
        pupil("3", "KTL", subjects={"TOAN": "3.5", "VAN": "7.0"}),
        pupil("1", "RLH"),
        pupil("2", "OL", status="3"),
        pupil("4", "LL", title="XS"),
        pupil("5", "LL"),
    ]
    content = class_content("9A1", "2026-2027", "CN", students, earlier={"5": "KTL", "4": "LL"})
    assert [s["key"] for s in content["students"]] == ["1", "2", "3", "4", "5"]
    assert content["retest"] == [{"key": "3", "name": "Em 3", "subjects": ["TOAN"]}]
    assert content["summer_training"] == [{"key": "1", "name": "Em 1"}]
    assert content["stay_back"] == [{"key": "2", "name": "Em 2"}]
    assert content["transfers"] == [{"key": "2", "name": "Em 2", "status": "3"}]
    assert content["titles"] == [{"key": "4", "name": "Em 4", "title": "XS"}]
    assert content["passed_after_retest"] == [{"key": "5", "name": "Em 5", "before": "KTL"}]
    semester = class_content("9A1", "2026-2027", "HK1", students)
    assert "retest" not in semester and "titles" not in semester
    with pytest.raises(ValueError):
        class_content("9A1", "2026-2027", "HK3", students)


def test_the_fingerprint_moves_with_any_confirmed_value_and_not_with_the_order():
    students = [pupil("1"), pupil("2", absences_unexcused=3)]
    one = class_content("9A1", "2026-2027", "CN", students)
    again = class_content("9A1", "2026-2027", "CN", list(reversed(students)))
    assert fingerprint(one) == fingerprint(again) and len(fingerprint(one)) == 64
    for changed in (
        pupil("2", absences_unexcused=4),
        pupil("2", absences_unexcused=3, training="K"),
        pupil("2", absences_unexcused=3, subjects={"TOAN": "6.1"}),
        pupil("2", absences_unexcused=3, promotion="KTL"),
    ):
        other = class_content("9A1", "2026-2027", "CN", [students[0], changed])
        assert fingerprint(other) != fingerprint(one)
        assert changed_students(one, other) == ["2"]
    assert fingerprint(class_content("9A2", "2026-2027", "CN", students)) != fingerprint(one)
