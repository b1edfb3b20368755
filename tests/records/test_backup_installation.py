"""A backup of a province's database (distributed mode, PostgreSQL with row-level security): the
job without a school dumps every school's rows (restored into a new database, each school's rows
are all there), is recorded as an installation run that IT reads without naming a school, and a
login role that row-level security would restrict is refused with the reason instead of making a
copy without the schools' rows."""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from lienthong.config.settings import Settings
from lienthong.records import backup as backups
from lienthong.store.db import make_engine, migrate
from lienthong.store.tenancy import for_school, unscoped
from lienthong.sync import service
from lienthong.sync.distributed import jobs
from lienthong.sync.distributed.schools import add_school
from tests.conftest import PG_URL_ENV, need_service
from tests.results_school import PUPILS, store_school

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)
SCHOOLS = {"79010001": 1, "79010002": 2, "79010003": 3}  # school → pupils (each: 1 student row, 3 summaries)


@pytest.fixture
def province(postgres_url, monkeypatch, tmp_path):
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        need_service("pg_dump/pg_restore not installed (postgresql-client)")
    monkeypatch.delenv("LIENTHONG_CONFIG", raising=False)
    migrate(postgres_url)
    engine = make_engine(postgres_url)
    for code, pupils in SCHOOLS.items():
        add_school(
            engine, code, f"Trường {code}", "79", "26734", {"vnedu": {"base_url": "http://x", "client_id": "c"}}, NOW
        )
        store_school(for_school(engine, code), PUPILS[:pupils], at=NOW)
    yield engine
    engine.dispose()


def per_school(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with unscoped(engine).connect() as connection:  # the superuser: the whole database
            rows = connection.exec_driver_sql("SELECT ma_truong, count(*) FROM source_snapshot GROUP BY 1").all()
    finally:
        engine.dispose()
    return dict(rows)


@pytest.mark.postgres
def test_the_installation_backup_holds_every_school_and_is_recorded_for_it(
    province, postgres_url, second_database, tmp_path, monkeypatch
):
    settings = Settings(database_url=postgres_url, records={"archive_dir": str(tmp_path / "kho")})
    outcome = jobs.backup(province, settings, "weekly")

    assert outcome.status == "completed"
    [run] = service.installation_history(province)
    assert (run.id, run.kind, run.reason, run.status) == (outcome.run_id, "backup", "weekly", "completed")
    folder = tmp_path / "kho" / run.summary["folder"]
    assert folder.is_dir() and run.summary["rows"] > 0
    done = backups.restore(folder, second_database)
    assert done.check.manifest["tables"]["source_snapshot"]["rows"] == 4 * sum(SCHOOLS.values())
    assert per_school(second_database) == {code: 4 * n for code, n in SCHOOLS.items()}  # every school's rows
    with province.connect() as connection:  # nothing of the run went into a school's runs
        assert connection.exec_driver_sql("SELECT count(*) FROM sync_run").scalar() == 0

    from rich.console import Console

    from lienthong.cli.sync_commands import list_installation_runs

    monkeypatch.setenv("LIENTHONG_DATABASE_URL", postgres_url)
    console = Console(record=True, width=200, markup=False, highlight=False)
    assert list_installation_runs(5, console=console) == 0
    shown = console.export_text()
    assert "sao lưu toàn bộ" in shown and "hoàn tất" in shown and run.summary["folder"] in shown


@pytest.fixture
def restricted_url(postgres_url):
    """A login role with the application's rights and no BYPASSRLS (row-level security applies)."""
    admin = sa.create_engine(os.environ[PG_URL_ENV], isolation_level="AUTOCOMMIT")
    role = f"lt_restricted_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS IN ROLE lienthong_app")
    yield sa.engine.make_url(postgres_url).set(username=role).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
    admin.dispose()


@pytest.mark.postgres
def test_a_role_that_row_level_security_restricts_is_refused_and_the_failure_recorded(
    province, restricted_url, tmp_path
):
    settings = Settings(database_url=restricted_url, records={"archive_dir": str(tmp_path / "kho")})
    engine = make_engine(restricted_url)
    try:
        outcome = jobs.backup(engine, settings, "weekly")
        [run] = service.installation_history(engine)  # IT reads the failure, under that role too
    finally:
        engine.dispose()
    assert outcome.status == "failed" and run.status == "failed"
    assert "BYPASSRLS" in run.summary["errors"]["backup"]
    assert not (tmp_path / "kho").exists() or not any((tmp_path / "kho").iterdir())  # no partial copy left
