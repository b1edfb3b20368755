"""distributed jobs: the school registry's columns, shared rate limits, Procrastinate's schema

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 12:00:00

On PostgreSQL the task queue's own tables (Procrastinate 3.10) are created here too, once; on
SQLite (embedded mode, one school) there is no task queue and that step is skipped.
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: Union[str, None] = "0010"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("school") as batch:
        batch.add_column(sa.Column("platforms", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("added_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "rate_slot",
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("sent", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "client_id"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        apply_queue_schema(bind)


def apply_queue_schema(bind) -> None:
    """Procrastinate's tables, types and functions, unless they are there already."""
    if bind.exec_driver_sql("SELECT to_regclass('procrastinate_jobs')").scalar() is not None:
        return
    from procrastinate.schema import SchemaManager

    cursor = bind.connection.cursor()  # the DB-API cursor: the schema's text holds '%' signs, no parameters
    try:
        cursor.execute(SchemaManager.get_schema())
    finally:
        cursor.close()


def downgrade() -> None:
    op.drop_table("rate_slot")
    with op.batch_alter_table("school") as batch:
        batch.drop_column("added_at")
        batch.drop_column("active")
        batch.drop_column("platforms")
    # Procrastinate's tables stay: jobs and their history are not this schema's to drop
