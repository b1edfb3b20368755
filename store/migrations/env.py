"""Alembic environment: migrations of lienthong's own tables only."""

from alembic import context
from sqlalchemy import event
from sqlmodel import SQLModel

import lienthong.store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from lienthong.store.db import make_engine, own_schema_name
from lienthong.store.tenancy import unscoped


def run_migrations_online() -> None:
    base = make_engine(context.config.get_main_option("sqlalchemy.url"))
    if base.dialect.name == "sqlite":
        _transactional_ddl(base)
    # Unscoped: a migration works on every school's rows, as the role that owns the tables.
    engine = unscoped(base)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            include_name=own_schema_name,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            transactional_ddl=True,  # SQLite too (`_transactional_ddl`): all steps or none
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def _transactional_ddl(engine) -> None:
    """SQLite can roll DDL back, but its Python driver opens no transaction before a CREATE or
    DROP: without this an upgrade refused halfway (0010 on a store whose school is unknown) would
    leave the migrations before it committed. The upgrade is one transaction, as on PostgreSQL."""

    @event.listens_for(engine, "connect")
    def _driver_leaves_transactions_to_us(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN")

    engine.dispose()  # a connection opened before (the store's check on opening) is not reused


run_migrations_online()
