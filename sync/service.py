"""The sync use cases, one function each, returning data: the CLI, the daemon and the
dashboard only present what these return.

Errors a person can fix (configuration, an unknown platform, a run that is not held) are
raised as `ConfigError` / `ValueError` with a Vietnamese message.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable

import sqlalchemy as sa
from sqlmodel import Session

from lienthong.config.settings import Settings, SettingsError
from lienthong.connectors.base import Connector
from lienthong.connectors.errors import ConfigError
from lienthong.connectors.factory import build_connectors
from lienthong.mapping.canonical import LockWindow
from lienthong.reconciliation.authority import ScoreAuthority
from lienthong.store import audit, installation, queries, tenancy
from lienthong.store.accounts import Actor
from lienthong.store.db import check_store, make_engine, upgrade_if_behind
from lienthong.store.tables import InstallationRunRow, OutboxItemRow, SyncRunRow

if TYPE_CHECKING:  # the run (and its logging) loads with a sync: `open_store` alone serves read-only commands
    from lienthong.sync.run import RunReport

Progress = Callable[[str, str, int], None]


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def open_store(settings: Settings, create: bool = False) -> sa.Engine:
    """The configured database, checked (it exists unless ``create``; a SQLite file passes its
    integrity check) and migrated to the current schema when it is behind (a store already at
    the head costs one read of its version: Alembic is loaded only to migrate), scoped to the
    configured school (``ma_truong``; `store.tenancy`)."""
    check_store(settings.database_url, create)
    engine = make_engine(settings.database_url)
    upgrade_if_behind(engine, settings.database_url, settings.ma_truong)
    audit.configure_from(settings)  # the key and checkpoint file every entry of this process is anchored with
    return school_engine(settings, engine)


def school_engine(settings: Settings, engine: sa.Engine | None = None) -> sa.Engine:
    """``engine`` (else one for the configured database) scoped to the configured school: the
    store's one school when no ``ma_truong`` is configured (`store.tenancy.own_school`)."""
    engine = engine or make_engine(settings.database_url)
    if not settings.ma_truong:
        return engine
    tenancy.claim(engine, settings.ma_truong, settings.records.school_name)
    return tenancy.for_school(engine, settings.ma_truong)


def school_windows(settings: Settings) -> list[LockWindow]:
    """The school's own entry windows (Suoi Ngo regulation, art. 3) as canonical lock windows."""
    return [
        LockWindow(
            platform="school",
            school_year=settings.current_school_year(),
            semester=w.semester,
            kind=w.kind,
            opens_at=w.opens,
            closes_at=w.closes,
            locked=False,
        )
        for w in settings.lock_windows
    ]


def connectors_for(settings: Settings, platforms: list[str] | None = None) -> dict[str, Connector]:
    """Every configured connector (a run of some ``platforms`` still plans for the others); an
    unknown name in ``platforms`` lists the configured ones."""
    try:
        built = build_connectors(settings)
    except SettingsError as exc:
        raise ConfigError("config", str(exc)) from None
    unknown = sorted(set(platforms or []) - set(built))
    if unknown:
        raise ConfigError("config", f"Không có hệ thống {', '.join(unknown)} trong cấu hình (có: {', '.join(built)})")
    return built


async def sync(
    settings: Settings,
    platforms: list[str] | None = None,
    full: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    clock: Callable[[], datetime] = now,
    engine: sa.Engine | None = None,
    connectors: dict[str, Connector] | None = None,
    lease_seconds: float | None = None,
) -> RunReport:
    """One run over the configured platforms (or ``platforms``): pull, plan, deliver.
    ``connectors``: built by the caller (a worker shares their rate limits; `connectors_for`
    otherwise), closed here either way; ``lease_seconds``: see `run.RunOptions`."""
    from lienthong.sync.run import LEASE_SECONDS, RunOptions, run_once

    connectors = connectors if connectors is not None else connectors_for(settings, platforms)
    try:
        engine = engine or open_store(settings)
        options = RunOptions(
            platforms,
            full,
            dry_run,
            school_windows=school_windows(settings),
            authority=ScoreAuthority.from_settings(settings.authority.scores),
            school_source=settings.authority.school,
            lease_seconds=lease_seconds or LEASE_SECONDS,
        )
        return await run_once(connectors, engine, options, clock, progress)
    finally:
        for connector in connectors.values():
            await connector.aclose()


def sync_blocking(settings: Settings, **kwargs) -> RunReport:
    return asyncio.run(sync(settings, **kwargs))


def exit_code(report: RunReport) -> int:
    """0 done · 1 done with refusals, errors or a hold · 3 a platform did not answer."""
    if report.unreachable:
        return 3
    refused = sum(outcomes.get("dead", 0) for outcomes in report.delivered.values())
    return 0 if report.status == "completed" and not report.errors and not refused else 1


@dataclass(frozen=True)
class RunHistory:
    runs: list[SyncRunRow]
    queue: dict[str, int]  # outbox items by status
    refused: list[OutboxItemRow]  # the newest dead letters


def history(engine: sa.Engine, limit: int = 20, refused: int = 20) -> RunHistory:
    with Session(engine) as session:
        return RunHistory(
            queries.recent_runs(session, limit),
            dict(queries.queue_counts(session)),
            queries.dead_items(session, refused),
        )


def installation_history(engine: sa.Engine, limit: int = 20) -> list[InstallationRunRow]:
    """The installation's own runs (a backup with every school's rows), the newest first: no school's,
    read without naming one."""
    with Session(tenancy.unscoped(engine)) as session:
        return installation.recent_runs(session, limit)


class NotAllowed(ValueError):
    """An account that may not take this step (said in Vietnamese)."""


RUN_APPROVERS = ("it", "principal")


def approve(engine: sa.Engine, run_id: int, actor: Actor, clock: Callable[[], datetime] = now) -> int:
    """Release a held run (IT or the principal); returns how many changes go out with the next delivery."""
    if actor.role not in RUN_APPROVERS:
        raise NotAllowed(f"{actor.shown()} không duyệt được lần chạy bị tạm giữ: chỉ quản trị CNTT hoặc Hiệu trưởng.")
    from lienthong.sync.run import approve_run

    return approve_run(engine, run_id, actor.ref, clock)


def verify_audit(engine: sa.Engine) -> dict[str, audit.AuditReport]:
    """Each audit chain the store answers for, checked (`store.audit.check_chains`): the school's (or
    every school's, on a store acting for none), then the installation's."""
    return audit.check_chains(engine)
