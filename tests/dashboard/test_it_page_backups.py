"""The IT page shows the daemon's backups as runs (a failed one with its error) and their schedule."""

from __future__ import annotations

from lienthong.config.settings import Settings
from lienthong.sync import daemon
from tests.dashboard.conftest import NOW, SCHOOL_YEAR, make_site


def test_a_failed_backup_shows_as_a_failed_run_with_its_schedule(sqlite_engine, tmp_path):
    settings = Settings(database_url=str(sqlite_engine.url), school_year=SCHOOL_YEAR)  # no archive_dir
    site = make_site(sqlite_engine, settings)
    daemon.run_backup(settings, "semester-1", clock=lambda: NOW, engine=sqlite_engine)
    page = site.client("it").get("/cntt").text
    assert "sao lưu" in page and "thất bại" in page and "archive_dir" in page
    assert "<code>0 2 * * 0</code>" in page and "15/01 lúc 22:00" in page and "31/05 lúc 22:00" in page
