"""result approval: the GVCN confirms a class's period results, the principal approves them

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 06:00:00
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: Union[str, None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "result_approval",
        sa.Column("ma_truong", text(length=8), nullable=False),
        sa.Column("school_year", text(length=9), nullable=False),
        sa.Column("class_code", text(length=8), nullable=False),
        sa.Column("period", text(length=3), nullable=False),
        sa.Column("state", text(length=16), nullable=False),
        sa.Column("fingerprint", text(length=64), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("earlier", sa.JSON(), nullable=False),
        sa.Column("confirmed_by", text(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", text(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ever_approved", sa.Boolean(), nullable=False),
        sa.Column("reopened_by", text(), nullable=True),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopen_reason", text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ma_truong", "school_year", "class_code", "period"),
    )
    op.create_index("ix_result_approval_state", "result_approval", ["state"])


def downgrade() -> None:
    op.drop_index("ix_result_approval_state", table_name="result_approval")
    op.drop_table("result_approval")
