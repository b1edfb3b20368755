"""What each distributed job does: the embedded daemon's use cases, on one school's view of the store.

A job finds its school in the registry, builds that school's settings and connectors (their rate
limits shared through the database), and runs the same `sync.service` / `reconciliation.service`
/ backup code as ``lienthong run``; each sync is recorded as a run (``sync_run``) as there."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa

from lienthong.config.logging import get_logger
from lienthong.config.settings import Settings
from lienthong.store.tenancy import for_school
from lienthong.sync import service
from lienthong.sync.distributed.limits import share_limits
from lienthong.sync.distributed.schools import registered, school_settings

PORTAL = "portal"


class Busy(Exception):
    """Another run holds this (school, platform): the job is tried again later (never two at once)."""


@dataclass(frozen=True)
class Outcome:
    """What a job reports back (kept in the worker's log; the run itself is in ``sync_run``)."""

    run_id: int | None
    status: str
    errors: int = 0


def lock_key(ma_truong: str, what: str) -> str:
    """One job at a time per key: a school's platform (a sync, the portal's submission) or its reconciliation."""
    return f"{ma_truong}:{what}"


def sync_school(engine: sa.Engine, base: Settings, ma_truong: str, platform: str, full: bool = False) -> Outcome:
    """One sync run of ``platform`` for ``ma_truong``, as `service.sync` runs it for the daemon.

    Raises:
        Busy: another run holds the platform (a run of a worker that died keeps it until its lease expires).
    """
    from lienthong.sync.run import RunBusy

    row = registered(engine, ma_truong)
    settings = school_settings(base, row)
    log = get_logger(school=ma_truong, platform=platform)
    connectors = service.connectors_for(settings, [platform])
    share_limits(connectors, engine, base.engine.rate_window_s)
    try:
        report = asyncio.run(
            service.sync(
                settings,
                platforms=[platform],
                full=full,
                engine=for_school(engine, ma_truong),
                connectors=connectors,
                lease_seconds=base.engine.lease_seconds,
            )
        )
    except RunBusy as exc:
        log.info("job_busy", holder_since=exc.since.isoformat() if exc.since else None)
        raise Busy(exc.message) from None
    log.info("job_finished", run=report.run_id, status=report.status, errors=len(report.errors))
    return Outcome(report.run_id, report.status, len(report.errors))


def submit_portal(engine: sa.Engine, base: Settings, ma_truong: str) -> Outcome:
    """The portal's run for the school: its report requests read, the reports waiting sent."""
    return sync_school(engine, base, ma_truong, PORTAL)


def reconcile_school(engine: sa.Engine, base: Settings, ma_truong: str, full: bool = False) -> Outcome:
    """Reconcile the school's stored sources and record the findings, as ``lienthong reconcile`` does
    (``--full`` with ``full``)."""
    from lienthong.reconciliation import service as reconciliation

    settings = school_settings(base, registered(engine, ma_truong))
    log = get_logger(school=ma_truong)
    try:
        result = reconciliation.reconcile_school(
            for_school(engine, ma_truong),
            settings.current_school_year(),
            pushed=reconciliation.scores_pushed(settings),
            settings=settings,
            full=full,
        )
    except reconciliation.NoData:
        log.info("reconcile_no_data")
        return Outcome(None, "no_data")
    log.info("reconcile_finished", full=full, found=len(result.found), new=result.changes["new"])
    return Outcome(None, "completed")


def backup(engine: sa.Engine, base: Settings, reason: str, ma_truong: str | None = None) -> Outcome:
    """A backup of the database into ``[records] archive_dir``. Without a school (the scheduled
    one, lock ``all:backup``) it holds every school's rows and is recorded as an installation run
    (`run_installation_backup`); with a school, recorded in that school's runs (the daemon's
    `run_backup`)."""
    from lienthong.sync.daemon import run_backup, run_installation_backup

    clock = lambda: datetime.now(timezone.utc).replace(microsecond=0)  # noqa: E731
    if ma_truong is None:
        installation_run = run_installation_backup(base, reason, engine, clock)
        return Outcome(installation_run.id, installation_run.status)
    settings = school_settings(base, registered(engine, ma_truong))
    run = run_backup(settings, reason, clock, for_school(engine, ma_truong))
    return Outcome(run.id, run.status)
