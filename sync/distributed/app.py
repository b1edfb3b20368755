"""The Procrastinate app: the jobs as tasks with their locks, the schedules as periodic tasks,
stalled jobs handed to another worker. ``lienthong worker``, ``scheduler`` and ``enqueue`` start here.

Each sync (and submission) is followed by the school's reconciliation, queued as its own job (in
full after a full sync), as the daemon reconciles after each sync: several syncs ending together
leave one reconciliation waiting, which reads every change stored until it starts.

Locks: a sync of (school, platform) — and the portal's submission, which is the portal's sync —
holds ``lock = queueing_lock = "<ma_truong>:<platform>"``: one such job runs at a time, and one
waits at most (a schedule that fires again while one waits adds nothing). A school's
reconciliation holds ``"<ma_truong>:reconcile"``; a backup ``"<ma_truong|all>:backup"``.

Schedules: the scheduler defers one small ``tick`` job a minute (de-duplicated across schedulers by
Procrastinate) and runs it itself, on its own queue; the tick reads ``[schedule]`` (crontab lines in
the configured timezone, as the daemon does) and defers each (school, platform) job that is due.
Workers that die (their heartbeat stops for ``[engine] stalled_after_s``) leave their jobs in
``doing``: ``retry_stalled`` (the scheduler's too) puts them back in the queue; the run a dead worker
left is taken over at once on the same machine, else when its lease expires (`sync.run`).
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from functools import cache
from typing import Any

import sqlalchemy as sa

from lienthong.config.logging import get_logger
from lienthong.config.settings import Settings, SettingsError
from lienthong.store.db import make_engine
from lienthong.sync.distributed import jobs
from lienthong.sync.distributed.schools import all_schools

QUEUE = "lienthong"
SCHEDULER_QUEUE = "lienthong-scheduler"  # the scheduler's own small jobs: the tick, stalled jobs handed on
SYNC, RECONCILE, BACKUP, TICK, RETRY_STALLED = (
    "lienthong.sync",
    "lienthong.reconcile",
    "lienthong.backup",
    "lienthong.tick",
    "lienthong.retry_stalled",
)


def conninfo(database_url: str) -> str:
    """The libpq connection string of a ``postgresql+psycopg://`` URL (distributed mode is PostgreSQL only)."""
    from psycopg.conninfo import make_conninfo

    url = sa.engine.make_url(database_url)
    if not url.drivername.startswith("postgresql"):
        raise SettingsError(
            'Chế độ phân tán ([engine] mode = "distributed") cần PostgreSQL: database_url phải là postgresql+psycopg://…'
        )
    fields: dict[str, Any] = {"dbname": url.database, "user": url.username, "password": url.password}
    fields.update({"host": url.host, "port": url.port})
    for name, value in url.query.items():
        fields[name] = value[-1] if isinstance(value, tuple) else value
    return make_conninfo(**{k: str(v) for k, v in fields.items() if v not in (None, "")})


def stalled_cron(seconds: float) -> str:
    """How often stalled jobs are looked for: about twice per ``stalled_after_s`` (seconds field last)."""
    every = max(1, min(59, int(seconds // 2)))
    return f"* * * * * */{every}"


def busy_retry(settings: Settings):
    """A job whose (school, platform) another run holds waits and tries again, for as long as a dead
    run's lease can last, and a little more."""
    import procrastinate

    wait = max(1, min(15, int(settings.engine.lease_seconds // 5)))
    attempts = int(settings.engine.lease_seconds // wait) + 10
    return procrastinate.RetryStrategy(max_attempts=attempts, wait=wait, retry_exceptions={jobs.Busy})


def build_app(settings: Settings, periodic: bool = False):
    """The app on ``settings.database_url``; ``periodic``: with the schedules (the scheduler's)."""
    import procrastinate

    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo(settings.database_url), min_size=1, max_size=4),
    )
    engine = _engine(settings.database_url)
    retry = busy_retry(settings)

    @app.task(name=SYNC, queue=QUEUE, retry=retry)
    def sync_task(ma_truong: str, platform: str, full: bool = False) -> None:
        jobs.sync_school(engine, settings, ma_truong, platform, full)
        # then the school's findings, as the daemon reconciles after each sync: one job waits at most
        # (its queueing lock), and it reads every change stored until it starts
        defer(app, *job_for("reconcile", ma_truong, full=full))

    @app.task(name=RECONCILE, queue=QUEUE)
    def reconcile_task(ma_truong: str, full: bool = False) -> None:
        jobs.reconcile_school(engine, settings, ma_truong, full)

    @app.task(name=BACKUP, queue=QUEUE)
    def backup_task(reason: str, ma_truong: str | None = None) -> None:
        jobs.backup(engine, settings, reason, ma_truong)

    async def tick(timestamp: int) -> None:
        for task_name, kwargs, key in due_jobs(engine, settings, timestamp):
            await defer_async(app, task_name, kwargs, key)

    async def retry_stalled(timestamp: int) -> None:
        log = get_logger()
        stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=settings.engine.stalled_after_s)
        for job in stalled:
            await app.job_manager.retry_job(job)
            log.warning("job_stalled_retried", job=job.id, task=job.task_name, lock=job.lock)

    # on the scheduler's own queue: never behind a province's syncs waiting for a worker
    tick_task = app.task(name=TICK, queue=SCHEDULER_QUEUE, queueing_lock=TICK)(tick)
    stalled_task = app.task(name=RETRY_STALLED, queue=SCHEDULER_QUEUE, queueing_lock=RETRY_STALLED)(retry_stalled)
    if periodic:
        app.periodic(cron="* * * * *", periodic_id="schedule")(tick_task)
        app.periodic(cron=stalled_cron(settings.engine.stalled_after_s), periodic_id="stalled")(stalled_task)
    return app


@cache
def _engine(url: str) -> sa.Engine:
    return make_engine(url)


def job_for(what: str, ma_truong: str | None, platform: str | None = None, full: bool = False, reason: str = "manual"):
    """(task name, arguments, lock key) of a job asked for by hand (``lienthong enqueue``)."""
    if what == "sync":
        if not ma_truong or not platform:
            raise SettingsError("enqueue sync cần --school và --platform")
        return SYNC, {"ma_truong": ma_truong, "platform": platform, "full": full}, jobs.lock_key(ma_truong, platform)
    if what == "submit":
        if not ma_truong:
            raise SettingsError("enqueue submit cần --school")
        return SYNC, {"ma_truong": ma_truong, "platform": jobs.PORTAL}, jobs.lock_key(ma_truong, jobs.PORTAL)
    if what == "reconcile":
        if not ma_truong:
            raise SettingsError("enqueue reconcile cần --school")
        asked = {"ma_truong": ma_truong, **({"full": True} if full else {})}
        return RECONCILE, asked, jobs.lock_key(ma_truong, "reconcile")
    if what == "backup":
        return BACKUP, {"reason": reason, "ma_truong": ma_truong}, jobs.lock_key(ma_truong or "all", "backup")
    raise SettingsError(f"Không có loại việc «{what}» (có: sync, reconcile, submit, backup)")


def due_jobs(engine: sa.Engine, settings: Settings, timestamp: int) -> list[tuple[str, dict, str]]:
    """The jobs the schedules start at the minute ``timestamp`` (seconds, UTC): each registered
    school's platforms on ``[schedule] incremental`` / ``full``, the backups on theirs."""
    from lienthong.sync.daemon import backup_triggers, crontab

    moment = datetime.fromtimestamp(timestamp, timezone.utc)
    found: list[tuple[str, dict, str]] = []
    lines = (("full", settings.schedule.full), ("incremental", settings.schedule.incremental))
    due = [mode for mode, line in lines if line.strip() and _fires(crontab(line, settings.timezone), moment)]
    if due:
        full = due[0] == "full"  # both at once: the full one covers the incremental
        for row in all_schools(engine):
            for platform in sorted(row.platforms or {}):
                found.append(job_for("sync", row.ma_truong, platform, full))
    if settings.records.archive_dir is not None:
        for reason, trigger in backup_triggers(settings).items():
            if _fires(trigger, moment):
                found.append(job_for("backup", None, reason=reason))
    return found


def _fires(trigger, moment: datetime) -> bool:
    at = moment.astimezone(trigger.timezone).replace(second=0, microsecond=0)
    return trigger.get_next_fire_time(None, at) == at


def defer(app, task_name: str, kwargs: dict, key: str) -> int | None:
    """Queue a job with its lock; ``None`` when the same job already waits (its queueing lock)."""
    import procrastinate.exceptions

    try:
        return app.tasks[task_name].configure(lock=key, queueing_lock=key).defer(**kwargs)
    except procrastinate.exceptions.AlreadyEnqueued:
        return None


async def defer_async(app, task_name: str, kwargs: dict, key: str) -> int | None:
    import procrastinate.exceptions

    try:
        return await app.tasks[task_name].configure(lock=key, queueing_lock=key).defer_async(**kwargs)
    except procrastinate.exceptions.AlreadyEnqueued:
        get_logger().info("job_already_queued", lock=key)
        return None


def health(settings: Settings) -> str | None:
    """Why a worker here could not work (said in Vietnamese), or ``None`` when it can: the
    database answers within 5 s and holds the task queue's tables (the compose file's healthcheck;
    one plain connection, not the worker's pool, which would wait 30 s for a server that is down)."""
    import psycopg

    try:
        with psycopg.connect(conninfo(settings.database_url), connect_timeout=5) as connection:
            queue = connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()[0]
    except psycopg.Error as exc:
        return f"Không kết nối được cơ sở dữ liệu ({type(exc).__name__})."
    if queue is None:
        return "Cơ sở dữ liệu chưa có bảng hàng đợi việc: chạy `lienthong db upgrade`."
    return None


def run_worker(settings: Settings, concurrency: int | None = None, scheduler: bool = False) -> int:
    """A worker (``lienthong worker``) or the scheduler (``lienthong scheduler``: the schedules'
    deferrals and its own queue's small jobs, never a sync), until SIGTERM or Ctrl-C."""
    from lienthong.config.logging import configure
    from lienthong.store import audit

    configure("INFO")
    audit.configure_from(settings)
    log = get_logger(role="scheduler" if scheduler else "worker", pid=os.getpid())
    app = build_app(settings, periodic=scheduler)
    log.info("worker_started", concurrency=concurrency or settings.engine.concurrency)
    app.run_worker(
        queues=[SCHEDULER_QUEUE] if scheduler else [QUEUE],
        concurrency=1 if scheduler else (concurrency or settings.engine.concurrency),
        name="scheduler" if scheduler else f"worker-{os.getpid()}",
        update_heartbeat_interval=settings.engine.heartbeat_s,
        stalled_worker_timeout=settings.engine.stalled_after_s,
        install_signal_handlers=True,
    )
    log.info("worker_stopped")
    return 0
