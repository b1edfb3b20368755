"""run leases: one run per (school, platform)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 08:00:00
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: Union[str, None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "run_lease",
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["sync_run.id"]),
        sa.PrimaryKeyConstraint("platform"),
    )
    # A run left "running" before leases existed has no lease to expire, so no later run would
    # ever mark it; no run of the version without leases is alive while this one migrates.
    op.execute("UPDATE sync_run SET status = 'interrupted' WHERE status = 'running'")


def downgrade() -> None:
    op.drop_table("run_lease")
