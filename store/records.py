"""Explicit mapping between canonical models (the vocabulary) and table rows (storage)."""

from __future__ import annotations

from decimal import Decimal

from lienthong.mapping.canonical import Mark, ScoreSheet, Student
from lienthong.mapping.normalize import name_key
from lienthong.store.tables import ScoreSheetRow, StudentLinkRow, StudentRow


def _stored(value: Decimal | Mark | None) -> str | None:
    if value is None:
        return None
    return value.value if isinstance(value, Mark) else str(value)


def student_to_rows(student: Student) -> tuple[StudentRow, list[StudentLinkRow]]:
    row = StudentRow(
        id=student.id,
        full_name=student.full_name,
        name_key=name_key(student.full_name),
        birth_date=student.birth_date,
        gender=student.gender.value,
        ethnicity_code=student.ethnicity_code,
        class_code=student.class_code,
        status=student.status.value,
        ministry_id=student.ministry_id,
        personal_id=student.personal_id,
    )
    links = [
        StudentLinkRow(platform=p, external_key=k, student_id=student.id) for p, k in sorted(student.links.items())
    ]
    return row, links


def student_from_rows(row: StudentRow, links: list[StudentLinkRow]) -> Student:
    return Student(
        id=row.id,
        full_name=row.full_name,
        birth_date=row.birth_date,
        gender=row.gender,
        ethnicity_code=row.ethnicity_code,
        class_code=row.class_code,
        status=row.status,
        ministry_id=row.ministry_id,
        personal_id=row.personal_id,
        links={link.platform: link.external_key for link in links},
    )


def score_sheet_to_row(sheet: ScoreSheet) -> ScoreSheetRow:
    return ScoreSheetRow(
        student_id=sheet.student_id,
        subject_code=sheet.subject_code,
        school_year=sheet.school_year,
        semester=sheet.semester.value,
        tx=[_stored(v) for v in sheet.tx],
        gk=_stored(sheet.gk),
        ck=_stored(sheet.ck),
        comment=sheet.comment,
    )


def score_sheet_from_row(row: ScoreSheetRow) -> ScoreSheet:
    return ScoreSheet(
        student_id=row.student_id,
        subject_code=row.subject_code,
        school_year=row.school_year,
        semester=row.semester,
        tx=list(row.tx),
        gk=row.gk,
        ck=row.ck,
        comment=row.comment,
    )
