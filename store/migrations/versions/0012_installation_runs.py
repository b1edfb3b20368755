"""installation runs: the record of a job of the whole installation (a backup with every school's rows)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 16:00:00

The table carries no ``ma_truong`` and no row-level security policy: a backup of a province's
database is no school's, and IT reads its record without naming one. The application's role
(``lienthong_app``) gets its rights from the default privileges of migration 0010; they are granted
here again for a database whose tables another role created.
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: Union[str, None] = "0011"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "installation_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        role = bind.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = 'lienthong_app'").scalar()
        if role:
            op.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON installation_run TO lienthong_app")
            op.execute("GRANT USAGE, SELECT, UPDATE ON SEQUENCE installation_run_id_seq TO lienthong_app")


def downgrade() -> None:
    op.drop_table("installation_run")
