"""Alembic environment: migrations of lienthong's own tables only."""

from alembic import context
from sqlmodel import SQLModel

import lienthong.store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from lienthong.store.db import make_engine, own_schema_name


def run_migrations_online() -> None:
    engine = make_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            include_name=own_schema_name,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
