"""source_read: when each source was last read, kept by the writers instead of an index on every record

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 08:00:00

``ix_source_snapshot_seen`` (``ma_truong, source, seen_at``, migration 0016) answered one question,
when each source was last read, for the reconciliation's report and the dashboard. It cost every
record written or seen again an index entry (~2 µs on SQLite: 0.2 s of a school's first import,
whose 70,000 records took 1.2 s to store) to answer a question asked once per run. The writers of
``source_snapshot`` now note the reading in ``source_read`` (one row per school and source, one
statement per batch written: `store.reconcile_queries.mark_read`). Filled from the stored
records' ``seen_at`` here; the index goes.
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

from lienthong.store import tenancy

revision: str = "0020"
down_revision: Union[str, None] = "0019"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "source_read",
        sa.Column("ma_truong", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ma_truong", "source"),
    )
    op.execute(
        "INSERT INTO source_read (ma_truong, source, read_at) "
        "SELECT ma_truong, source, MAX(seen_at) FROM source_snapshot GROUP BY ma_truong, source"
    )
    op.drop_index("ix_source_snapshot_seen", table_name="source_snapshot")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        role = bind.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %s", (tenancy.APP_ROLE,)).scalar()
        if role:
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON source_read TO {tenancy.APP_ROLE}")
        for statement in tenancy.policy_sql("source_read"):
            op.execute(statement)


def downgrade() -> None:
    op.create_index("ix_source_snapshot_seen", "source_snapshot", ["ma_truong", "source", "seen_at"])
    op.drop_table("source_read")
