"""snapshot change journal: which stored records changed or went, written by the database itself

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 18:30:00

An incremental reconciliation needs to know which stored records changed since the last one.
It used to read every record's key and content hash (60,000 on a 2,000-student school: about
110 ms of a 650 ms command) to find out. Now triggers on ``source_snapshot`` write a row into
``snapshot_change`` whenever a record's content hash changes (``change`` = ``changed``), a record
goes (deleted, or its key changed: ``removed``, the old key) or a record is added (``added``).
Triggers rather than the writers: every path that writes ``source_snapshot`` (pulls, imports,
purges, a restore, a hand edit) is journaled, with no writer able to forget it.

Additions are journaled only while the school has a saved reconciliation state: with none, the
next reconciliation reads everything anyway, and a school's first import (80,000 records) pays
no journal row per record. A reconciliation compares each kind's count of records with the
state's plus the additions journaled: a record added while no state was saved (before a first
run commits its state) shows as a count the journal does not explain, and that run is full. The
reconciliation deletes the rows it took into account (`store.reconcile_queries.consume_changes`).

``ix_source_snapshot_hashes`` (0015), read only to find those changes, goes: one index entry less
per record written. ``ix_source_snapshot_seen_at`` (``seen_at`` alone) becomes
``(ma_truong, source, seen_at)``: each source's last reading is then one index lookup.

On PostgreSQL the journal is a school table like the others (row-level security, the application
role's rights), and the trigger function runs as the writer, under the writer's school.
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

from lienthong.store import tenancy

revision: str = "0016"
down_revision: Union[str, None] = "0015"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_COLUMNS = '(ma_truong, source, entity, "key", change)'

SQLITE_TRIGGERS = [
    # a record whose content changed (an upsert's UPDATE fires it too)
    f"""CREATE TRIGGER snapshot_changed AFTER UPDATE OF content_hash ON source_snapshot
    WHEN OLD.content_hash IS NOT NEW.content_hash
    BEGIN
        INSERT INTO snapshot_change {_COLUMNS} VALUES (NEW.ma_truong, NEW.source, NEW.entity, NEW."key", 'changed');
    END""",
    # a record moved to another key (no writer does; a hand edit might): the old one went
    f"""CREATE TRIGGER snapshot_moved AFTER UPDATE OF source, entity, "key" ON source_snapshot
    WHEN OLD.source IS NOT NEW.source OR OLD.entity IS NOT NEW.entity OR OLD."key" IS NOT NEW."key"
    BEGIN
        INSERT INTO snapshot_change {_COLUMNS} VALUES (OLD.ma_truong, OLD.source, OLD.entity, OLD."key", 'removed');
    END""",
    f"""CREATE TRIGGER snapshot_removed AFTER DELETE ON source_snapshot
    BEGIN
        INSERT INTO snapshot_change {_COLUMNS} VALUES (OLD.ma_truong, OLD.source, OLD.entity, OLD."key", 'removed');
    END""",
    # an added record, while the school keeps a state (see above)
    f"""CREATE TRIGGER snapshot_added AFTER INSERT ON source_snapshot
    WHEN EXISTS (SELECT 1 FROM reconcile_state WHERE ma_truong = NEW.ma_truong)
    BEGIN
        INSERT INTO snapshot_change {_COLUMNS} VALUES (NEW.ma_truong, NEW.source, NEW.entity, NEW."key", 'added');
    END""",
]

POSTGRESQL_TRIGGERS = [
    f"""CREATE FUNCTION snapshot_journal() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF EXISTS (SELECT 1 FROM reconcile_state WHERE ma_truong = NEW.ma_truong) THEN
                INSERT INTO snapshot_change {_COLUMNS}
                VALUES (NEW.ma_truong, NEW.source, NEW.entity, NEW."key", 'added');
            END IF;
        ELSIF TG_OP = 'DELETE' OR OLD.source IS DISTINCT FROM NEW.source OR OLD.entity IS DISTINCT FROM NEW.entity
                OR OLD."key" IS DISTINCT FROM NEW."key" THEN
            INSERT INTO snapshot_change {_COLUMNS} VALUES (OLD.ma_truong, OLD.source, OLD.entity, OLD."key", 'removed');
        ELSE
            INSERT INTO snapshot_change {_COLUMNS} VALUES (NEW.ma_truong, NEW.source, NEW.entity, NEW."key", 'changed');
        END IF;
        RETURN NULL;
    END
    $$""",
    """CREATE TRIGGER snapshot_changed AFTER UPDATE ON source_snapshot FOR EACH ROW
    WHEN (OLD.content_hash IS DISTINCT FROM NEW.content_hash OR OLD.source IS DISTINCT FROM NEW.source
          OR OLD.entity IS DISTINCT FROM NEW.entity OR OLD."key" IS DISTINCT FROM NEW."key")
    EXECUTE FUNCTION snapshot_journal()""",
    """CREATE TRIGGER snapshot_removed AFTER DELETE ON source_snapshot FOR EACH ROW
    EXECUTE FUNCTION snapshot_journal()""",
    """CREATE TRIGGER snapshot_added AFTER INSERT ON source_snapshot FOR EACH ROW
    EXECUTE FUNCTION snapshot_journal()""",
]


def upgrade() -> None:
    op.create_table(
        "snapshot_change",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ma_truong", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("change", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_snapshot_change_ma_truong", "snapshot_change", ["ma_truong", "id"])
    op.drop_index("ix_source_snapshot_hashes", table_name="source_snapshot")
    with op.batch_alter_table("source_snapshot", schema=None) as batch_op:
        batch_op.drop_index("ix_source_snapshot_seen_at")
    op.create_index("ix_source_snapshot_seen", "source_snapshot", ["ma_truong", "source", "seen_at"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for statement in POSTGRESQL_TRIGGERS:
            op.execute(statement)
        role = bind.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %s", (tenancy.APP_ROLE,)).scalar()
        if role:
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON snapshot_change TO {tenancy.APP_ROLE}")
            op.execute(f"GRANT USAGE, SELECT, UPDATE ON SEQUENCE snapshot_change_id_seq TO {tenancy.APP_ROLE}")
        for statement in tenancy.policy_sql("snapshot_change"):
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    on = " ON source_snapshot" if postgresql else ""
    triggers = ("snapshot_changed", "snapshot_removed", "snapshot_added") + (() if postgresql else ("snapshot_moved",))
    for trigger in triggers:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}{on}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS snapshot_journal()")
    op.drop_index("ix_source_snapshot_seen", table_name="source_snapshot")
    with op.batch_alter_table("source_snapshot", schema=None) as batch_op:
        batch_op.create_index("ix_source_snapshot_seen_at", ["seen_at"], unique=False)
    op.create_index(
        "ix_source_snapshot_hashes",
        "source_snapshot",
        ["ma_truong", "source", "entity", "key", "content_hash", "seen_at"],
    )
    op.drop_index("ix_snapshot_change_ma_truong", table_name="snapshot_change")
    op.drop_table("snapshot_change")
