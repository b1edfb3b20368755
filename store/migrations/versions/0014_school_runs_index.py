"""school runs index: a school's latest runs read from the index alone (the department's page)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 17:00:00

The «Các trường» page reads, for each of a province's schools, its latest runs and each platform's
last good run (`store.overview`). ``sync_run`` holds every school's runs interleaved in time, so
by ``ix_sync_run_ma_truong`` each of those rows was a heap page of its own: about 7 ms a school
with 300 runs. Keyed by (school, id) and carrying the columns the page reads, the index answers
both from itself (PostgreSQL: an index-only scan, backwards for the latest; ``INCLUDE`` is
PostgreSQL's, SQLite gets the two key columns).
"""

from typing import Sequence, Union

from alembic import op

revision: str = "0014"
down_revision: Union[str, None] = "0013"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INCLUDED = ["platforms", "status", "dry_run", "started_at", "finished_at"]


def upgrade() -> None:
    op.create_index("ix_sync_run_school_latest", "sync_run", ["ma_truong", "id"], postgresql_include=INCLUDED)


def downgrade() -> None:
    op.drop_index("ix_sync_run_school_latest", table_name="sync_run")
