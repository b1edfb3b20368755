"""discrepancies

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:10:11.284454
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: Union[str, None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "discrepancy",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("class_code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("discrepancy", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discrepancy_class_code"), ["class_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_discrepancy_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_discrepancy_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("discrepancy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discrepancy_status"))
        batch_op.drop_index(batch_op.f("ix_discrepancy_kind"))
        batch_op.drop_index(batch_op.f("ix_discrepancy_class_code"))

    op.drop_table("discrepancy")
