"""SQLModel tables (storage). The canonical pydantic models are the vocabulary; these are
how it is kept. `store.records` maps between the two explicitly.

Scores are stored as text (``"8.5"``, ``"Đ"``) so that exact decimals and marks survive
every database unchanged.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


def _json() -> Any:
    return Field(default=None, sa_column=sa.Column(sa.JSON, nullable=True))


def _when(**kwargs: Any) -> Any:
    return Field(sa_column=sa.Column(sa.DateTime(timezone=True), **kwargs))


class SchoolRow(SQLModel, table=True):
    __tablename__ = "school"

    ma_truong: str = Field(primary_key=True, max_length=8)
    name: str
    province_code: str = Field(max_length=2)
    commune_code: str = Field(max_length=5)


class TeacherRow(SQLModel, table=True):
    __tablename__ = "teacher"

    id: str = Field(primary_key=True)
    full_name: str


class ClassRow(SQLModel, table=True):
    __tablename__ = "school_class"

    school_year: str = Field(primary_key=True, max_length=9)
    code: str = Field(primary_key=True, max_length=8)
    grade: int
    homeroom_teacher_id: Optional[str] = Field(default=None, foreign_key="teacher.id")


class StudentRow(SQLModel, table=True):
    __tablename__ = "student"

    id: str = Field(primary_key=True)
    full_name: str
    name_key: str = Field(index=True)  # folded for matching (tone placement, NFD, case)
    birth_date: date
    gender: str = Field(max_length=1)
    ethnicity_code: str = Field(max_length=2)
    class_code: str = Field(index=True, max_length=8)
    status: str = Field(max_length=1)
    ministry_id: Optional[str] = Field(default=None, max_length=10, unique=True)
    personal_id: Optional[str] = Field(default=None, max_length=12, index=True)


class StudentLinkRow(SQLModel, table=True):
    """One platform's key for a student; every platform's key is kept side by side."""

    __tablename__ = "student_link"
    __table_args__ = (sa.UniqueConstraint("student_id", "platform"),)

    platform: str = Field(primary_key=True, max_length=16)
    external_key: str = Field(primary_key=True)
    student_id: str = Field(foreign_key="student.id", index=True)


class ScoreSheetRow(SQLModel, table=True):
    __tablename__ = "score_sheet"

    student_id: str = Field(primary_key=True, foreign_key="student.id")
    subject_code: str = Field(primary_key=True, max_length=8)
    school_year: str = Field(primary_key=True, max_length=9)
    semester: str = Field(primary_key=True, max_length=1)
    tx: list = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    gk: Optional[str] = Field(default=None, max_length=4)
    ck: Optional[str] = Field(default=None, max_length=4)
    comment: str = ""


class AbsenceRow(SQLModel, table=True):
    __tablename__ = "absence"

    student_id: str = Field(primary_key=True, foreign_key="student.id")
    day: date = Field(primary_key=True)
    session: str = Field(primary_key=True, max_length=1)
    kind: str = Field(max_length=1)
    reason: str = ""


class TrainingResultRow(SQLModel, table=True):
    __tablename__ = "training_result"

    student_id: str = Field(primary_key=True, foreign_key="student.id")
    school_year: str = Field(primary_key=True, max_length=9)
    semester: str = Field(primary_key=True, max_length=1)
    level: str = Field(max_length=2)
    comment: str = ""


class PeriodResultRow(SQLModel, table=True):
    """A semester's or the year's result (SemesterResult / YearResult)."""

    __tablename__ = "period_result"

    student_id: str = Field(primary_key=True, foreign_key="student.id")
    school_year: str = Field(primary_key=True, max_length=9)
    period: str = Field(primary_key=True, max_length=2)
    subjects: dict = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    learning: Optional[str] = Field(default=None, max_length=2)
    training: Optional[str] = Field(default=None, max_length=2)
    absences_excused: int = 0
    absences_unexcused: int = 0
    promotion: Optional[str] = Field(default=None, max_length=3)
    title: Optional[str] = Field(default=None, max_length=2)


class LockWindowRow(SQLModel, table=True):
    __tablename__ = "lock_window"

    platform: str = Field(primary_key=True, max_length=16)
    school_year: str = Field(primary_key=True, max_length=9)
    semester: str = Field(primary_key=True, max_length=2)
    kind: str = Field(primary_key=True, max_length=16)
    opens_at: datetime = _when(nullable=False)
    closes_at: datetime = _when(nullable=False)
    locked: bool


class SourceSnapshotRow(SQLModel, table=True):
    """The last record seen from a source, by key: what pulls compare against.

    Upserted by (source, entity, key) with the platform's version and a content hash, so
    that re-pulling unchanged records writes nothing and stale versions never win.
    """

    __tablename__ = "source_snapshot"

    source: str = Field(primary_key=True, max_length=16)
    entity: str = Field(primary_key=True, max_length=32)
    key: str = Field(primary_key=True)
    version: int
    content_hash: str = Field(max_length=64)
    payload: dict = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    seen_at: datetime = _when(nullable=False, index=True)
