"""The daemon's backups (Bình An regulation, art. 8: each semester and year): when they run, by
an injected clock, and what a failed one leaves (a failed run and a log line, not a stopped daemon)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from lienthong.config.settings import Settings
from lienthong.records.backup import verify_backup
from lienthong.store.db import make_engine, migrate
from lienthong.store.tables import AuditLogRow, SyncRunRow
from lienthong.sync import daemon

VN = timezone(timedelta(hours=7))


def _settings(tmp_path, **schedule) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'school.db'}",
        ma_truong="79000001",
        schedule=schedule,
        records={"archive_dir": tmp_path / "archive"},
    )


def test_backups_run_weekly_and_at_the_end_of_each_semester_and_the_year(tmp_path):
    settings = _settings(tmp_path)
    now = datetime(2026, 12, 1, 4, 0, tzinfo=timezone.utc)  # a Tuesday
    found = {k: v.astimezone(VN).replace(tzinfo=None) for k, v in daemon.next_backups(settings, now).items()}
    assert found == {
        "weekly": datetime(2026, 12, 6, 2, 0),  # Sunday 02:00 in Vietnam, as cron reads "0 2 * * 0"
        "semester-1": datetime(2027, 1, 15, 22, 0),
        "year": datetime(2027, 5, 31, 22, 0),
    }
    after_year = daemon.next_backups(settings, datetime(2027, 6, 1, tzinfo=timezone.utc))
    assert after_year["semester-1"].astimezone(VN).date().isoformat() == "2028-01-15"


def test_school_calendar_and_weekly_line_come_from_configuration(tmp_path):
    settings = _settings(tmp_path, backup="", semester_ends=["01-10", "03-31", "05-25"])
    found = daemon.next_backups(settings, datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert sorted(found) == ["semester-1", "semester-2", "year"]  # no weekly line: none
    assert found["year"].astimezone(VN).replace(tzinfo=None) == datetime(2027, 5, 25, 22, 0)
    with pytest.raises(ValueError, match="MM-DD"):
        _settings(tmp_path, semester_ends=["15/01"])


@pytest.mark.parametrize(
    "line,expected",
    [
        ("*/30 6-18 * * 1-6", "Mon"),  # Monday to Saturday, as cron reads it
        ("0 2 * * 0", "Sun"),
        ("0 2 * * 7", "Sun"),
        ("0 2 * * 0-1", "Sun"),
        ("0 2 * * 3-5", "Wed"),
        ("0 2 * * 5-7", "Sun"),
    ],
)
def test_crontab_weekdays_are_read_as_cron_reads_them(line, expected):
    saturday_night = datetime(2026, 11, 28, 22, 0, tzinfo=VN)
    fire = daemon.crontab(line, "Asia/Ho_Chi_Minh").get_next_fire_time(None, saturday_night)
    assert fire.strftime("%a") == expected


def test_a_scheduled_backup_is_a_run_and_an_audit_entry(tmp_path):
    settings = _settings(tmp_path)
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    at = datetime(2027, 1, 15, 15, 0, tzinfo=timezone.utc)
    run = daemon.run_backup(settings, "semester-1", clock=lambda: at, engine=engine)
    assert run.status == "completed" and run.mode == "backup"
    folder = tmp_path / "archive" / run.summary["folder"]
    assert verify_backup(folder).manifest["by"] == daemon.BACKUP_ACTOR
    with Session(engine) as session:
        assert [r.status for r in session.exec(select(SyncRunRow))] == ["completed"]
        assert [a.action for a in session.exec(select(AuditLogRow))] == ["backup_made"]


def test_a_failed_backup_is_a_failed_run_never_a_crash(tmp_path, capsys):
    settings = _settings(tmp_path)
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    (tmp_path / "archive").write_text("not a folder")  # the archive disk is not what it should be
    at = datetime(2027, 5, 31, 15, 0, tzinfo=timezone.utc)
    run = daemon.run_backup(settings, "year", clock=lambda: at, engine=engine)
    assert run.status == "failed" and run.summary["errors"]["backup"]
    with Session(engine) as session:
        assert [r.status for r in session.exec(select(SyncRunRow))] == ["failed"]
        assert [a.action for a in session.exec(select(AuditLogRow))] == ["backup_failed"]
    no_archive = Settings(database_url=settings.database_url, records={})
    assert daemon.run_backup(no_archive, "weekly", clock=lambda: at, engine=engine).status == "failed"


def test_the_daemon_schedules_the_backups_and_forgets_those_no_longer_configured(tmp_path):
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    def scheduled(settings):
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{tmp_path / 'jobs.db'}")},
            timezone=settings.timezone,
        )
        daemon._schedule_backups(scheduler, settings, daemon.get_logger())
        scheduler.start(paused=True)
        daemon._drop_stale_backups(scheduler, settings)
        found = {job.id: job for job in scheduler.get_jobs()}
        scheduler.shutdown(wait=False)
        return found

    jobs = scheduled(_settings(tmp_path, semester_ends=["01-10", "03-31", "05-25"]))
    assert sorted(jobs) == [f"79000001:backup:{r}" for r in ("semester-1", "semester-2", "weekly", "year")]
    assert jobs["79000001:backup:year"].misfire_grace_time is None  # missed while off: run when back
    jobs = scheduled(_settings(tmp_path, backup=""))
    assert sorted(jobs) == ["79000001:backup:semester-1", "79000001:backup:year"]
    no_archive = Settings(database_url=f"sqlite:///{tmp_path / 'school.db'}", ma_truong="79000001")
    assert scheduled(no_archive) == {}
