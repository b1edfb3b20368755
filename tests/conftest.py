"""Shared fixtures: databases (SQLite always, PostgreSQL when configured or required)."""

from __future__ import annotations

import os
import uuid
from typing import Iterator

import pytest
import sqlalchemy as sa

PG_URL_ENV = "LIENTHONG_TEST_DATABASE_URL"


def services_required() -> bool:
    return os.environ.get("LIENTHONG_REQUIRE_SERVICES") == "1"


def need_service(reason: str) -> None:
    """Skip locally when a service is missing; fail in CI, where services are required."""
    if services_required():
        pytest.fail(f"{reason} (LIENTHONG_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    admin_url = os.environ.get(PG_URL_ENV)
    if not admin_url:
        need_service(f"PostgreSQL not configured: set {PG_URL_ENV}")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"lt_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        need_service(f"PostgreSQL at {PG_URL_ENV} is not reachable: {exc.orig}")
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """The same test on the embedded default and on the production database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'lienthong.db'}"
    return request.getfixturevalue("postgres_url")


def _migrated(url: str):
    from lienthong.store.db import make_engine, migrate

    migrate(url)
    return make_engine(url)


@pytest.fixture
def sqlite_engine(tmp_path):
    """A migrated SQLite database in the test's folder (``sync.db``, for tests that hand its path on)."""
    engine = _migrated(f"sqlite:///{tmp_path / 'sync.db'}")
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    """A migrated database: the same test on the embedded default and on the production database."""
    url = f"sqlite:///{tmp_path / 'sync.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    engine = _migrated(url)
    yield engine
    engine.dispose()
