"""initial tables

Revision ID: 0001
Revises:
Create Date: 2026-11-23 13:32:56.213710
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0001"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # The order autogenerate wrote, kept: tables without foreign keys first, then the ones
    # referencing student or teacher, so each table exists before anything points to it.
    _create_lock_window()
    _create_school()
    _create_source_snapshot()
    _create_student()
    _create_teacher()
    _create_absence()
    _create_period_result()
    _create_school_class()
    _create_score_sheet()
    _create_student_link()
    _create_training_result()


def _create_lock_window() -> None:
    op.create_table(
        "lock_window",
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("school_year", sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
        sa.Column("semester", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "school_year", "semester", "kind"),
    )


def _create_school() -> None:
    op.create_table(
        "school",
        sa.Column("ma_truong", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("province_code", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("commune_code", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.PrimaryKeyConstraint("ma_truong"),
    )


def _create_source_snapshot() -> None:
    op.create_table(
        "source_snapshot",
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "entity", "key"),
    )
    with op.batch_alter_table("source_snapshot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_snapshot_seen_at"), ["seen_at"], unique=False)


def _create_student() -> None:
    op.create_table(
        "student",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("full_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("gender", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("ethnicity_code", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("class_code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("ministry_id", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("personal_id", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ministry_id"),
    )
    with op.batch_alter_table("student", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_student_class_code"), ["class_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_student_name_key"), ["name_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_student_personal_id"), ["personal_id"], unique=False)


def _create_teacher() -> None:
    op.create_table(
        "teacher",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("full_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def _create_absence() -> None:
    op.create_table(
        "absence",
        sa.Column("student_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("session", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
        ),
        sa.PrimaryKeyConstraint("student_id", "day", "session"),
    )


def _create_period_result() -> None:
    op.create_table(
        "period_result",
        sa.Column("student_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("school_year", sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("subjects", sa.JSON(), nullable=False),
        sa.Column("learning", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
        sa.Column("training", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
        sa.Column("absences_excused", sa.Integer(), nullable=False),
        sa.Column("absences_unexcused", sa.Integer(), nullable=False),
        sa.Column("promotion", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
        ),
        sa.PrimaryKeyConstraint("student_id", "school_year", "period"),
    )


def _create_school_class() -> None:
    op.create_table(
        "school_class",
        sa.Column("school_year", sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("homeroom_teacher_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["homeroom_teacher_id"],
            ["teacher.id"],
        ),
        sa.PrimaryKeyConstraint("school_year", "code"),
    )


def _create_score_sheet() -> None:
    op.create_table(
        "score_sheet",
        sa.Column("student_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("subject_code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("school_year", sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
        sa.Column("semester", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("tx", sa.JSON(), nullable=False),
        sa.Column("gk", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=True),
        sa.Column("ck", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=True),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
        ),
        sa.PrimaryKeyConstraint("student_id", "subject_code", "school_year", "semester"),
    )


def _create_student_link() -> None:
    op.create_table(
        "student_link",
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("external_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("student_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
        ),
        sa.PrimaryKeyConstraint("platform", "external_key"),
        sa.UniqueConstraint("student_id", "platform"),
    )
    with op.batch_alter_table("student_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_student_link_student_id"), ["student_id"], unique=False)


def _create_training_result() -> None:
    op.create_table(
        "training_result",
        sa.Column("student_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("school_year", sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
        sa.Column("semester", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
        ),
        sa.PrimaryKeyConstraint("student_id", "school_year", "semester"),
    )


def downgrade() -> None:
    op.drop_table("training_result")
    with op.batch_alter_table("student_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_student_link_student_id"))

    op.drop_table("student_link")
    op.drop_table("score_sheet")
    op.drop_table("school_class")
    op.drop_table("period_result")
    op.drop_table("absence")
    op.drop_table("teacher")
    with op.batch_alter_table("student", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_student_personal_id"))
        batch_op.drop_index(batch_op.f("ix_student_name_key"))
        batch_op.drop_index(batch_op.f("ix_student_class_code"))

    op.drop_table("student")
    with op.batch_alter_table("source_snapshot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_snapshot_seen_at"))

    op.drop_table("source_snapshot")
    op.drop_table("school")
    op.drop_table("lock_window")
