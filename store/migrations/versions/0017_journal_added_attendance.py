"""snapshot change journal: additions journaled for attendance only

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 01:30:00

0016 journals every record added while the school keeps a reconciliation state. An incremental
reconciliation takes additions of one kind only, the school's attendance (``diem_danh``:
`reconciliation.runs.ADDABLE`); a record of any other kind added makes the next run full, which
it also finds from the kind's count of records (more than the state's count plus the additions
journaled). So the other kinds' additions need no journal row: the outcome of every run is the
same, and an import into a school that keeps a state (every import after the first, now that
``lienthong import`` reconciles) no longer writes, reads back and deletes a journal row per new
record (a semester's score books: tens of thousands). The trigger's condition tests the kind
first, so that no other row looks up the state either (a school's first import: 0.2 s less).
"""

from typing import Sequence, Union

from alembic import op

revision: str = "0017"
down_revision: Union[str, None] = "0016"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

JOURNALED_ADDITIONS = "diem_danh"  # `reconciliation.runs.ADDABLE`, as of this revision
_COLUMNS = '(ma_truong, source, entity, "key", change)'


def _sqlite_added(condition: str) -> str:
    return f"""CREATE TRIGGER snapshot_added AFTER INSERT ON source_snapshot
    WHEN {condition}
    BEGIN
        INSERT INTO snapshot_change {_COLUMNS} VALUES (NEW.ma_truong, NEW.source, NEW.entity, NEW."key", 'added');
    END"""


_STATE_KEPT = "EXISTS (SELECT 1 FROM reconcile_state WHERE ma_truong = NEW.ma_truong)"


def upgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS snapshot_added" + _on())
    if _postgresql():  # the function checks the state; the trigger's condition spares it every other row
        op.execute(
            "CREATE TRIGGER snapshot_added AFTER INSERT ON source_snapshot FOR EACH ROW "
            f"WHEN (NEW.entity = '{JOURNALED_ADDITIONS}') EXECUTE FUNCTION snapshot_journal()"
        )
    else:
        op.execute(_sqlite_added(f"NEW.entity = '{JOURNALED_ADDITIONS}' AND {_STATE_KEPT}"))


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS snapshot_added" + _on())
    if _postgresql():
        op.execute(
            "CREATE TRIGGER snapshot_added AFTER INSERT ON source_snapshot FOR EACH ROW "
            "EXECUTE FUNCTION snapshot_journal()"
        )
    else:
        op.execute(_sqlite_added(_STATE_KEPT))


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _on() -> str:
    return " ON source_snapshot" if _postgresql() else ""
