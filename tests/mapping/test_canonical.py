"""Canonical models: validation that names the field and the offending value."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import ValidationError

from lienthong.mapping.canonical import (
    LockWindow,
    Mark,
    SchoolClass,
    ScoreSheet,
    Student,
    TrainingResult,
    YearResult,
)
from lienthong.mapping.errors import describe

SHEET = dict(student_id="s1", school_year="2024-2025", semester="1")


def error_of(model, **fields) -> str:
    with pytest.raises(ValidationError) as caught:
        model(**fields)
    return describe(caught.value)


def test_score_sheet_parses_every_score_form():
    sheet = ScoreSheet(subject_code="TOAN", tx=["8,5", 7, 9.5, None], gk="10", ck=Decimal("6.5"), **SHEET)
    assert sheet.tx == [Decimal("8.5"), Decimal("7.0"), Decimal("9.5"), None]
    assert sheet.model_dump(mode="json")["tx"] == ["8.5", "7.0", "9.5", None]


def test_comment_subject_takes_marks():
    sheet = ScoreSheet(subject_code="GDTC", tx=["Đạt", "CĐ"], gk="Đ", ck="Chưa đạt", **SHEET)
    assert sheet.tx == [Mark.DAT, Mark.CHUA_DAT] and sheet.ck == Mark.CHUA_DAT


@pytest.mark.parametrize(
    ("fields", "where", "value"),
    [
        (dict(subject_code="TOAN", tx=["8", "11"]), "tx[1]", "11"),
        (dict(subject_code="TOAN", gk="8,55"), "gk", "8,55"),
        (dict(subject_code="TOAN", ck="Đ"), "ck", "Đ"),  # a mark where a score is due
        (dict(subject_code="GDTC", tx=[8]), "tx[0]", "8"),  # a score where a mark is due
        (dict(subject_code="XYZ"), None, "XYZ"),
    ],
)
def test_score_sheet_errors_name_field_and_value(fields, where, value):
    message = error_of(ScoreSheet, **SHEET, **fields)
    if where:
        assert message.startswith(f"{where}:")
    assert value in message


def test_more_than_four_tx_refused():
    assert "tx" in error_of(ScoreSheet, subject_code="TOAN", tx=["8"] * 5, **SHEET)


@pytest.mark.parametrize("year", ["2024-2026", "2024", "24-25", "2024/2025"])
def test_school_year_format(year):
    message = error_of(TrainingResult, student_id="s", school_year=year, semester="1", level="T")
    assert message.startswith("school_year:") and year in message


def test_student_keeps_every_platform_key_side_by_side():
    student = Student(
        id="s1",
        full_name="Nguyễn Thị Hoà",
        birth_date="05/09/2012",
        gender="2",
        class_code="8A1",
        ministry_id="0123456789",
        personal_id="079212000123",
        links={"vnedu": "1800576647", "csdl": "0123456789", "school": "HS-001"},
    )
    assert student.links["vnedu"] == "1800576647"
    assert len(student.links) == 3


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ministry_id", "123456789"),  # 9 digits: a lost leading zero is not guessed here
        ("personal_id", 79212000123),
        ("birth_date", "31/02/2012"),
        ("full_name", "NguyÔn ThÞ Hµ"),  # TCVN3 mojibake never reaches the store
        ("ethnicity_code", "99"),
        ("gender", "3"),
    ],
)
def test_student_validation(field, value):
    fields = dict(id="s1", full_name="Lê Văn An", birth_date="05/09/2012", gender="1", class_code="8A1")
    fields[field] = value
    message = error_of(Student, **fields)
    assert field in message and str(value) in message


def test_a_malformed_platform_name_in_links_refused():
    # platforms are registered by configuration (a fourth one needs no code here): the name's form is checked
    assert "links" in error_of(
        Student,
        id="s",
        full_name="Lê An",
        birth_date="05/09/2012",
        gender="1",
        class_code="8A1",
        links={"Vn Edu!": "x"},
    )


def test_class_code_must_match_grade():
    assert "code" in error_of(SchoolClass, code="7A1", grade=8, school_year="2024-2025")


def test_year_result_levels():
    result = YearResult(
        student_id="s",
        school_year="2024-2025",
        subjects={"TOAN": "8,2", "GDTC": "Đ"},
        learning="T",
        training="K",
        promotion="LL",
    )
    assert result.subjects == {"TOAN": Decimal("8.2"), "GDTC": Mark.DAT}
    assert "promotion" in error_of(
        YearResult, student_id="s", school_year="2024-2025", subjects={}, learning="T", training="K", promotion="XX"
    )


def test_lock_window_open_between_bounds_unless_locked():
    now = datetime(2026, 11, 23, 8, tzinfo=timezone(timedelta(hours=7)))
    window = dict(
        platform="vnedu",
        school_year="2026-2027",
        semester="1",
        kind="diem",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=1),
    )
    assert LockWindow(locked=False, **window).is_open(now)
    assert not LockWindow(locked=True, **window).is_open(now)
    assert not LockWindow(locked=False, **window).is_open(now + timedelta(days=2))
