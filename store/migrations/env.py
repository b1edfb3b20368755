"""Alembic environment: migrations of lienthong's own tables only."""

from alembic import context
from sqlmodel import SQLModel

import lienthong.store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from lienthong.store.db import make_engine
from lienthong.store.tenancy import unscoped

OWN_TABLES = set(SQLModel.metadata.tables)


def include_name(name, type_, parent_names):
    # Tables of other libraries (the task queue's, later) are not ours to drop or alter.
    if type_ == "table":
        return name in OWN_TABLES or name == "alembic_version"
    return True


def run_migrations_online() -> None:
    # Unscoped: a migration works on every school's rows, as the role that owns the tables.
    engine = unscoped(make_engine(context.config.get_main_option("sqlalchemy.url")))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            include_name=include_name,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
