"""school tenancy: every row of school data belongs to a school (ma_truong); row-level security

Every school table gets a ``ma_truong`` column. Where a natural key is only unique within a
school (a class code "9A1", teacher ids, a platform's key for a student, cursors, run leases,
lock windows, discrepancy ids, the audit log's numbering) the school is part of the primary key
and of the references to it; national keys (the ministry's student ID) stay unique as they were.

Tables whose primary key changes are rebuilt (copied aside, created anew, copied back), the same
way on SQLite and PostgreSQL; ``sync_run`` and ``outbox_item`` only gain the column. Existing rows
get the store's school: the ``school`` table's single row, else the configured ``ma_truong`` of the
command that opens the store (`store.db.migrate`), ``LIENTHONG_MA_TRUONG``, or ``ma_truong`` in the
file ``LIENTHONG_CONFIG`` names; a store with rows and no known school is
refused, unchanged, with what to set.

On PostgreSQL: the role ``lienthong_app`` (NOLOGIN, NOBYPASSRLS) gets the application's rights,
and every school table gets ``ENABLE`` + ``FORCE ROW LEVEL SECURITY`` and a policy letting a
transaction see and write only the rows of the school in ``lienthong.school`` (`store.tenancy`
sets it, and acts as ``lienthong_app`` when the login role would bypass the policies).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 12:00:00
"""

import os
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import context, op

revision: str = "0010"
down_revision: Union[str, None] = "0009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

APP_ROLE = "lienthong_app"
UNNAMED = "-"  # `store.tenancy.UNNAMED`: a new store's school until one is registered

# Rebuilt tables, parents first: table → (new primary key, references to other rebuilt tables)
REBUILT: dict[str, tuple[tuple[str, ...], list[tuple[tuple[str, ...], str, tuple[str, ...]]]]] = {
    "teacher": (("id",), []),
    "school_class": (("school_year", "code"), [(("homeroom_teacher_id",), "teacher", ("id",))]),
    "student": (("id",), []),
    "student_link": (("platform", "external_key"), [(("student_id",), "student", ("id",))]),
    "score_sheet": (
        ("student_id", "subject_code", "school_year", "semester"),
        [(("student_id",), "student", ("id",))],
    ),
    "absence": (("student_id", "day", "session"), [(("student_id",), "student", ("id",))]),
    "training_result": (("student_id", "school_year", "semester"), [(("student_id",), "student", ("id",))]),
    "period_result": (("student_id", "school_year", "period"), [(("student_id",), "student", ("id",))]),
    "lock_window": (("platform", "school_year", "semester", "kind"), []),
    "source_snapshot": (("source", "entity", "key"), []),
    "sync_cursor": (("platform", "entity", "scope"), []),
    "audit_log": (("id",), []),
    "discrepancy": (("id",), []),
    "resolution": ((), [(("discrepancy_id",), "discrepancy", ("id",))]),  # keeps its own id
    "imported_file": (("sha256",), []),
    "run_lease": (("platform",), []),
    "reconcile_state": (("id",), []),
}
# Unique constraints that become unique within a school
WITHIN_SCHOOL = {"student_link": ("student_id", "platform"), "audit_log": ("hash",)}
GAINING = ("sync_run", "outbox_item")  # same primary key: only the column is added


def school_tables() -> list[str]:
    return [*REBUILT, *GAINING]


def upgrade() -> None:
    bind = op.get_bind()
    code = _store_school(bind)
    inspector = sa.inspect(bind)
    shapes = {name: _shape(inspector, name) for name in REBUILT}
    for name in REBUILT:
        op.execute(f"CREATE TABLE _old_{name} AS SELECT * FROM {name}")
    for name in reversed(list(REBUILT)):
        op.drop_table(name)
    for name, (key, references) in REBUILT.items():
        _create(name, key, references, shapes[name])
        columns = ", ".join(_quoted(bind, column["name"]) for column in shapes[name]["columns"])
        op.execute(
            sa.text(f"INSERT INTO {name} (ma_truong, {columns}) SELECT :code, {columns} FROM _old_{name}").bindparams(
                code=code
            )
        )
        op.execute(f"DROP TABLE _old_{name}")
    op.create_index("ix_resolution_ma_truong", "resolution", ["ma_truong"])
    for name in GAINING:
        op.add_column(
            name,
            sa.Column("ma_truong", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False, server_default=code),
        )
        if bind.dialect.name == "postgresql":  # SQLite cannot drop a default in place; the code fills it
            op.alter_column(name, "ma_truong", server_default=None)
        op.create_index(f"ix_{name}_ma_truong", name, ["ma_truong"])
    op.drop_index("ix_outbox_live", table_name="outbox_item")
    op.create_index("ix_outbox_live", "outbox_item", ["ma_truong", "platform", "entity", "key", "status"])
    if bind.dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('resolution', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM resolution"
        )
        # every table with the column: a school table another branch added before this one too
        inspector = sa.inspect(bind)
        owned = [t for t in inspector.get_table_names() if t != "school" and _has_school(inspector, t)]
        _row_level_security(sorted(owned))


def downgrade() -> None:
    raise RuntimeError(
        "Migration 0010 (school tenancy) cannot be undone in place: restore the backup taken before it "
        "(`lienthong backup restore`)."
    )


# --- the store's school -------------------------------------------------------------------------


def _store_school(bind: sa.Connection) -> str:
    """The code existing rows get; registered in ``school`` when rows exist and it was not there."""
    registered = list(bind.execute(sa.text("SELECT ma_truong FROM school")).scalars())
    if len(registered) > 1:
        raise RuntimeError(
            "The store lists several schools in table `school` but its rows carry no school: "
            "keep the one school this store belongs to, then migrate again."
        )
    code = registered[0] if registered else _configured_school()
    if code is not None:
        if not registered and _has_rows(bind):
            bind.execute(
                sa.text(
                    "INSERT INTO school (ma_truong, name, province_code, commune_code) VALUES (:c, :c, :p, '')"
                ).bindparams(c=code, p=code[:2])
            )
        return code
    if _has_rows(bind):
        raise RuntimeError(
            "Migration 0010 needs the school this store's data belongs to: set LIENTHONG_MA_TRUONG "
            "(the 8-digit ma_truong) or ma_truong in the configuration file, then migrate again. "
            "Nothing was changed."
        )
    return UNNAMED


def _configured_school() -> str | None:
    """The school the opening command was configured with, else ``LIENTHONG_MA_TRUONG``, else the
    configuration file ``LIENTHONG_CONFIG`` names."""
    given = context.config.attributes.get("lienthong.ma_truong") if context.config else None
    code = given or os.environ.get("LIENTHONG_MA_TRUONG", "").strip()
    if not code and os.environ.get("LIENTHONG_CONFIG"):
        try:
            from lienthong.config.settings import Settings

            code = Settings().ma_truong
        except Exception:  # noqa: BLE001 - a configuration that cannot be read names no school
            code = ""
    return code or None


def _has_rows(bind: sa.Connection) -> bool:
    return any(bind.execute(sa.text(f"SELECT 1 FROM {name} LIMIT 1")).first() for name in school_tables())


# --- rebuilding a table ---------------------------------------------------------------------------


def _shape(inspector, name: str) -> dict:
    return {
        "columns": inspector.get_columns(name),
        "indexes": [i for i in inspector.get_indexes(name) if not i.get("duplicates_constraint")],
        "uniques": inspector.get_unique_constraints(name),
        "foreign_keys": inspector.get_foreign_keys(name),
    }


def _create(name: str, key: tuple[str, ...], references: list, shape: dict) -> None:
    columns = [sa.Column("ma_truong", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False)]
    for column in shape["columns"]:
        if name == "resolution" and column["name"] == "id":
            columns.append(sa.Column("id", sa.Integer(), nullable=False, autoincrement=True))
        else:
            columns.append(sa.Column(column["name"], column["type"], nullable=column["nullable"], autoincrement=False))
    constraints: list = [sa.PrimaryKeyConstraint("ma_truong", *key) if key else sa.PrimaryKeyConstraint("id")]
    rebuilt_refs = {columns_ for columns_, _, _ in references}
    for columns_, parent, parent_columns in references:
        constraints.append(
            sa.ForeignKeyConstraint(
                ["ma_truong", *columns_],
                [f"{parent}.ma_truong", *(f"{parent}.{c}" for c in parent_columns)],
                onupdate="CASCADE",
            )
        )
    for fk in shape["foreign_keys"]:  # references to tables kept as they are (a run)
        if tuple(fk["constrained_columns"]) not in rebuilt_refs:
            constraints.append(
                sa.ForeignKeyConstraint(
                    fk["constrained_columns"], [f"{fk['referred_table']}.{c}" for c in fk["referred_columns"]]
                )
            )
    for unique in shape["uniques"]:
        cols = tuple(unique["column_names"])
        if WITHIN_SCHOOL.get(name) == cols:
            cols = ("ma_truong", *cols)
        constraints.append(sa.UniqueConstraint(*cols))
    op.create_table(name, *columns, *constraints)
    for index in shape["indexes"]:
        op.create_index(index["name"], name, index["column_names"], unique=bool(index.get("unique")))


def _has_school(inspector, name: str) -> bool:
    return any(column["name"] == "ma_truong" for column in inspector.get_columns(name))


def _quoted(bind: sa.Connection, name: str) -> str:
    return bind.dialect.identifier_preparer.quote(name)


# --- PostgreSQL: the application's role and the policies -------------------------------------------


def _row_level_security(tables: list[str]) -> None:
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} NOLOGIN NOBYPASSRLS;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- created meanwhile by a migration of another database of the same server
        END
        $$
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}"
    )
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {APP_ROLE}")
    for name in tables:
        op.execute(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY school_rows ON {name} "
            "USING (ma_truong = current_setting('lienthong.school', true)) "
            "WITH CHECK (ma_truong = current_setting('lienthong.school', true))"
        )
