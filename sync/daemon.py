"""``lienthong run``: the daemon on the school's server (APScheduler 3).

Schedules come from configuration as crontab lines in ``Asia/Ho_Chi_Minh`` (incremental
syncs in school hours, a full sync at night); the job store is the same database, so
schedules survive restarts. One run per (school, platform) at a time; SIGTERM lets the
current run finish its batch, then stops. ``/metrics`` serves Prometheus metrics.
"""

from __future__ import annotations

import signal
import threading
from datetime import datetime, timezone

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from prometheus_client import start_http_server

from lienthong.config.logging import configure, get_logger
from lienthong.config.settings import Settings
from lienthong.connectors.factory import build_connectors
from lienthong.store import audit
from lienthong.store.db import make_engine, migrate
from lienthong.sync import service
from lienthong.sync.metrics import record_run
from lienthong.sync.run import RunBusy


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def sync_job(platform: str, full: bool) -> None:
    """One scheduled run for one platform (module level: the job store keeps a reference)."""
    settings = Settings()
    log = get_logger(school=settings.ma_truong, platform=platform)
    try:
        report = service.sync_blocking(
            settings, platforms=[platform], full=full, engine=make_engine(settings.database_url)
        )
    except RunBusy as exc:  # the other run (a full one over an incremental one) carries on: nothing lost
        log.info("run_skipped_busy", since=exc.since.isoformat() if exc.since else None)
        return
    record_run(report)
    log.info("run_finished", run=report.run_id, status=report.status, errors=len(report.errors))


def run_daemon(settings: Settings, stop: threading.Event | None = None) -> int:
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
                CronTrigger.from_crontab(line, timezone=settings.timezone),
                args=[platform, mode == "full"],
                id=f"{settings.ma_truong}:{platform}:{mode}",
                replace_existing=True,
                next_run_time=_now() if mode == "incremental" and settings.schedule.run_at_start else None,
            )
    start_http_server(settings.schedule.metrics_port, addr="127.0.0.1")
    scheduler.start()
    log.info("daemon_started", platforms=platforms, metrics_port=settings.schedule.metrics_port)
    stop = stop or threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    log.info("daemon_stopping")
    scheduler.shutdown(wait=True)  # the run in progress finishes its batch
    return 0
