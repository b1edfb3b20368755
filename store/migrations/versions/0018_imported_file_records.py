"""imported file records: what each import stored, to take back what a file read again no longer brings

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 14:20:00

A teacher's book that names no semester is read as the semester in progress, and the import says
to import it again with ``--semester`` when that is wrong. Read again, the book was stored under the
semester chosen, but what the first read stored under the other semester stayed: scores of the
wrong semester, compared and reported as differences. Each import now keeps the records it stored
(entity, key and content hash, compressed: `store.imports.packed`), so that the same file read
otherwise removes its earlier records that it no longer brings (`store.imports.taken_back`). Files
imported before this revision have none kept: their earlier records stay, as before.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: Union[str, None] = "0017"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("imported_file") as table:
        table.add_column(sa.Column("records", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("imported_file") as table:
        table.drop_column("records")
