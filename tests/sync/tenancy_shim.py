"""Tenancy for the distributed tests until the tenancy branch lands: each school's rows in its own
PostgreSQL schema (``school_<ma_truong>``), reached through `store.tenancy.for_school` replaced here.

Once the real tenancy is in (every stored row carries ``ma_truong``: `TENANCY_LANDED`), nothing here
is used and the tests run on the real one. Worker subprocesses start through
``python -m tests.sync.distributed_worker``, which installs the shim first when it is needed."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import SQLModel

from lienthong.store.tables import SyncRunRow

TENANCY_LANDED = "ma_truong" in SyncRunRow.__table__.c
INSTALLATION_TABLES = {"school", "rate_slot"}  # the registry and the shared limits are the installation's
_engines: dict[tuple[str, str], sa.Engine] = {}


def schema(ma_truong: str) -> str:
    return f"school_{ma_truong}"


def prepare(engine: sa.Engine, codes: list[str]) -> None:
    """Each school's schema with a copy of every school-owned table (no-op once tenancy landed)."""
    if TENANCY_LANDED:
        return
    for code in codes:  # one transaction per school: a province's tables at once exceed the lock table
        statements = [f'CREATE SCHEMA "{schema(code)}"'] + [
            f'CREATE TABLE "{schema(code)}"."{table.name}" (LIKE public."{table.name}" INCLUDING ALL)'
            for table in SQLModel.metadata.sorted_tables
            if table.name not in INSTALLATION_TABLES
        ]
        with engine.begin() as connection:
            connection.exec_driver_sql(";\n".join(statements))


def for_school(engine: sa.Engine, ma_truong: str) -> sa.Engine:
    """``engine`` (its pool shared) with each connection it hands out pointed at the school's schema
    first (the installation's tables stay reachable in ``public``)."""
    key = (id(engine), ma_truong)
    if key not in _engines:
        scoped = engine.execution_options(lienthong_school=ma_truong)
        path = f'SET search_path TO "{schema(ma_truong)}", public'

        @sa.event.listens_for(scoped, "engine_connect")
        def _point(connection: sa.Connection) -> None:
            raw = connection.connection.dbapi_connection
            raw.cursor().execute(path)
            raw.commit()  # before SQLAlchemy begins: a rollback of the work must not undo it

        _engines[key] = scoped
    return _engines[key]


def install() -> None:
    """Route every `for_school` of the distributed code through the schemas (no-op once tenancy landed)."""
    if TENANCY_LANDED:
        return
    from lienthong.store import tenancy
    from lienthong.sync.distributed import jobs, schools

    for module in (tenancy, jobs, schools):
        module.for_school = for_school
