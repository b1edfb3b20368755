"""snapshot hashes index: every record's content hash read in key order from an index alone

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 12:30:00

Each reconciliation first reads every stored record's ``(source, entity, key, content_hash,
seen_at)`` to see which students' records moved (`store.reconcile_queries.snapshot_hashes`). Through
the primary key's index each of those rows was a lookup in the table, whose rows hold the payloads:
0.24 s of an incremental run of 0.9 s on a 2,000-student school. From an index that carries the
two columns the same read takes 0.09 s, for 8 MB more on that school's 25 MB file and one more
index entry per record a pull or an import writes.
"""

from typing import Sequence, Union

from alembic import op

revision: str = "0015"
down_revision: Union[str, None] = "0014"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = ["ma_truong", "source", "entity", "key", "content_hash", "seen_at"]


def upgrade() -> None:
    op.create_index("ix_source_snapshot_hashes", "source_snapshot", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_source_snapshot_hashes", table_name="source_snapshot")
