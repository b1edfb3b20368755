"""``lienthong run``: the daemon on the school's server (APScheduler 3).

Schedules come from configuration as crontab lines in ``Asia/Ho_Chi_Minh`` (incremental
syncs in school hours, a full sync at night); the job store is the same database, so
schedules survive restarts. One run per (school, platform) at a time; SIGTERM lets the
current run finish its batch, then stops. ``/metrics`` serves Prometheus metrics.

After every sync the school's findings are brought up to date (`reconcile_after_sync`): an
incremental reconciliation after the syncs of the day, a full one after the nightly full sync (what
incremental runs could miss is caught there). So the discrepancy register, the dashboard and a
person's own ``lienthong reconcile`` (incremental from the state kept) follow the platforms, and the
change journal the incremental runs read is emptied as it fills.

Backups (Bình An regulation, art. 8: each semester and year) go into ``[records] archive_dir``
on ``[schedule] backup`` (weekly by default) and at the end of each semester and of the year
(``[schedule] semester_ends``). Each is recorded as a run (mode ``backup``) that the IT page and
``lienthong runs`` show; a failed one is a failed run and a log line, never the daemon's end.
"""

from __future__ import annotations

import signal
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from prometheus_client import start_http_server
from sqlmodel import Session

from lienthong.config.logging import configure, get_logger
from lienthong.config.settings import Settings
from lienthong.connectors.factory import build_connectors
from lienthong.records import backup as backups
from lienthong.store import audit, installation
from lienthong.store.backup import BackupUnavailable
from lienthong.store.db import migrate
from lienthong.store.tables import InstallationRunRow, SyncRunRow
from lienthong.store.tenancy import unscoped
from lienthong.sync import findings, service
from lienthong.sync.metrics import record_reconcile, record_run
from lienthong.sync.run import RunBusy


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def sync_job(platform: str, full: bool) -> None:
    """One scheduled run for one platform (module level: the job store keeps a reference)."""
    settings = Settings()
    log = get_logger(school=settings.ma_truong, platform=platform)
    engine = service.school_engine(settings)
    try:
        report = service.sync_blocking(settings, platforms=[platform], full=full, engine=engine)
    except RunBusy as exc:  # the other run (a full one over an incremental one) carries on: nothing lost
        log.info("run_skipped_busy", since=exc.since.isoformat() if exc.since else None)
        return
    record_run(report)
    log.info("run_finished", run=report.run_id, status=report.status, errors=len(report.errors))
    reconcile_after_sync(settings, full=full, engine=engine)


def reconcile_after_sync(settings: Settings, full: bool = False, engine=None) -> str:
    """The school's findings brought up to date after a sync (`findings.reconcile_stored`: ``--full``
    with ``full``); returns the outcome (``completed``, ``no_data``, ``failed``), counted in
    ``/metrics`` and logged without a student's data. A failure is logged, never the end of the
    daemon or of the sync it follows (its records are stored: the next run takes them up). Two
    syncs ending together reconcile in turn (`store.school_lock`)."""
    log = get_logger(school=settings.ma_truong)
    started = time.perf_counter()
    done = findings.reconcile_stored(settings, engine, full)
    if done.outcome == "completed":
        log.info("reconcile_finished", full=full, found=done.total, new=done.new, closed=done.closed)
    elif done.outcome == "no_data":
        log.info("reconcile_no_data")
    else:
        log.error("reconcile_failed", error=done.error)
    record_reconcile(done.outcome, time.perf_counter() - started)
    return done.outcome


DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def crontab(line: str, zone: str) -> CronTrigger:
    """A crontab line as cron reads it. APScheduler 3 counts weekdays from Monday = 0, cron from
    Sunday = 0: the weekday numbers are written as names first, so ``1-6`` is Monday to Saturday."""
    fields = line.split()
    if len(fields) == 5:
        fields[4] = ",".join(_weekdays(part) for part in fields[4].split(","))
    return CronTrigger.from_crontab(" ".join(fields), timezone=zone)


def _weekdays(part: str) -> str:
    days, _, step = part.partition("/")
    first, dash, last = days.partition("-")
    if not (first.isdigit() and (not dash or last.isdigit())):
        return part  # "*", names: as they are
    suffix = f"/{step}" if step else ""
    if not dash:
        return DAYS[int(first) % 8] + suffix
    start, end = int(first), int(last)
    if start == 0 and end < 7:  # Sunday first: cron's start of the week is APScheduler's end
        return "sun" + (f",mon-{DAYS[end]}{suffix}" if end >= 1 else "")
    return f"{DAYS[start]}-{DAYS[end]}{suffix}"


BACKUP_ACTOR = "system:daemon"
BACKUP_HOUR = 22  # a semester's last day, after the day's entries


def backup_triggers(settings: Settings) -> dict[str, CronTrigger]:
    """The backup schedule by reason: ``weekly`` (``[schedule] backup``), ``semester-1`` and
    ``year`` (the days in ``[schedule] semester_ends``), in the configured timezone."""
    zone = settings.timezone
    triggers: dict[str, CronTrigger] = {}
    if settings.schedule.backup.strip():
        triggers["weekly"] = crontab(settings.schedule.backup, zone)
    ends = settings.schedule.semester_ends
    for index, day in enumerate(ends):
        month, date_ = (int(part) for part in day.split("-"))
        reason = "year" if index == len(ends) - 1 else f"semester-{index + 1}"
        triggers[reason] = CronTrigger(month=month, day=date_, hour=BACKUP_HOUR, minute=0, timezone=zone)
    return triggers


def next_backups(settings: Settings, now: datetime) -> dict[str, datetime]:
    """When each scheduled backup runs next after ``now`` (for tests and the IT page)."""
    return {reason: t.get_next_fire_time(None, now) for reason, t in backup_triggers(settings).items()}


def backup_job(reason: str) -> None:
    """One scheduled backup (module level: the job store keeps a reference)."""
    run_backup(Settings(), reason)


def _make_backup(settings: Settings, reason: str, started: datetime, log) -> tuple[str, dict]:
    """A backup into ``[records] archive_dir``: its status and summary (a failure said in Vietnamese,
    logged by its kind, never with a student's data)."""
    summary: dict = {"reason": reason}
    try:
        target = settings.records.archive_dir
        if target is None:
            raise BackupUnavailable("Chưa khai báo [records] archive_dir: không có nơi đặt bản sao lưu.")
        check = backups.make_backup(settings.database_url, Path(target), started, BACKUP_ACTOR)
        summary["folder"] = check.folder.name
        summary["rows"] = sum(t["rows"] for t in check.manifest["tables"].values())
        return "completed", summary
    except (BackupUnavailable, backups.BackupDamaged, OSError) as exc:
        summary["errors"] = {"backup": str(exc)}
        log.error("backup_failed", reason=reason, error=type(exc).__name__)
    except Exception as exc:  # noqa: BLE001 - the daemon carries on; the run says it failed
        summary["errors"] = {"backup": f"Sao lưu không thành công ({type(exc).__name__})."}
        log.error("backup_failed", reason=reason, error=type(exc).__name__)
    return "failed", summary


def run_backup(settings: Settings, reason: str, clock: Callable[[], datetime] = _now, engine=None) -> SyncRunRow:
    """A backup into ``[records] archive_dir``, recorded as a run of the school (completed or failed)
    and audited; a failure is logged by its kind (never a student's data) and returned, not raised."""
    log = get_logger(school=settings.ma_truong)
    engine = engine or service.school_engine(settings)
    started = clock()
    status, summary = _make_backup(settings, reason, started, log)
    run = SyncRunRow(
        started_at=started, finished_at=clock(), platforms="", mode="backup", status=status, summary=summary
    )
    try:
        with Session(engine) as session:
            session.add(run)
            action = "backup_made" if status == "completed" else "backup_failed"
            audit.append(session, BACKUP_ACTOR, action, summary, clock())
            session.commit()
            session.refresh(run)
    except Exception as exc:  # noqa: BLE001 - a store that cannot be written to is logged, not fatal
        log.error("backup_not_recorded", reason=reason, error=type(exc).__name__)
    if status == "completed":
        log.info("backup_made", reason=reason, folder=summary["folder"])
    return run


def run_installation_backup(
    settings: Settings, reason: str, engine, clock: Callable[[], datetime] = _now
) -> InstallationRunRow:
    """A backup of the whole database (every school's rows: on PostgreSQL with row-level security
    the login role must bypass it, `store.backup.check_dump_role`), recorded as an installation run
    (``installation_run``: no school's, read by IT with ``lienthong runs --installation``)."""
    log = get_logger(school="all")
    started = clock()
    status, summary = _make_backup(settings, reason, started, log)
    run = InstallationRunRow(
        kind="backup", reason=reason, started_at=started, finished_at=clock(), status=status, summary=summary
    )
    try:
        with Session(unscoped(engine)) as session:
            installation.record_run(session, run)
            session.commit()
            session.refresh(run)
    except Exception as exc:  # noqa: BLE001 - a store that cannot be written to is logged, not fatal
        log.error("backup_not_recorded", reason=reason, error=type(exc).__name__)
    if status == "completed":
        log.info("backup_made", reason=reason, folder=summary["folder"], rows=summary["rows"])
    return run


def _backup_ids(settings: Settings) -> dict[str, str]:
    if settings.records.archive_dir is None:
        return {}
    return {f"{settings.ma_truong}:backup:{reason}": reason for reason in backup_triggers(settings)}


def _schedule_backups(scheduler: BackgroundScheduler, settings: Settings, log) -> None:
    if settings.records.archive_dir is None:
        log.warning("backup_not_scheduled", why="no [records] archive_dir")
    triggers = backup_triggers(settings)
    for job_id, reason in _backup_ids(settings).items():
        scheduler.add_job(  # a semester's backup missed while the server was off runs when it is back
            backup_job, triggers[reason], args=[reason], id=job_id, replace_existing=True, misfire_grace_time=None
        )


def _drop_stale_backups(scheduler: BackgroundScheduler, settings: Settings) -> None:
    """Backup jobs kept in the job store from an older configuration (a day or line removed)."""
    wanted = _backup_ids(settings)
    for job in scheduler.get_jobs():
        if job.id.startswith(f"{settings.ma_truong}:backup:") and job.id not in wanted:
            job.remove()


def run_daemon(settings: Settings, stop: threading.Event | None = None) -> int:
    stop = stop or threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # first: a SIGTERM while starting stops cleanly too
    configure("INFO")
    log = get_logger(school=settings.ma_truong)
    migrate(settings.database_url)
    audit.configure_from(settings)  # the daemon's entries are anchored like the commands'
    platforms = list(build_connectors(settings))  # credentials fail here, at start-up
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=settings.database_url)},
        executors={"default": ThreadPoolExecutor(max(2, len(platforms)))},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 600},
        timezone=settings.timezone,
    )
    for platform in platforms:
        for mode, line in (("incremental", settings.schedule.incremental), ("full", settings.schedule.full)):
            scheduler.add_job(
                sync_job,
                crontab(line, settings.timezone),
                args=[platform, mode == "full"],
                id=f"{settings.ma_truong}:{platform}:{mode}",
                replace_existing=True,
                next_run_time=_now() if mode == "incremental" and settings.schedule.run_at_start else None,
            )
    _schedule_backups(scheduler, settings, log)
    start_http_server(settings.schedule.metrics_port, addr="127.0.0.1")
    scheduler.start()
    _drop_stale_backups(scheduler, settings)
    log.info("daemon_started", platforms=platforms, metrics_port=settings.schedule.metrics_port)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    log.info("daemon_stopping")
    scheduler.shutdown(wait=True)  # the run in progress finishes its batch
    return 0
