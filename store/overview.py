"""The reads behind the department's «Các trường» page (`sync.schools_overview`): one school's live
figures gathered in one transaction, and what says that its stored records have not moved.

A province's page reads hundreds of schools one after another, each through its own scope
(`store.tenancy.for_school`: on PostgreSQL the transaction sets ``lienthong.school`` and acts as
``lienthong_app``, so row-level security is the backstop of every statement here). One school
then costs one transaction of a few small aggregate statements (`school_state`), with no ORM
object built: the runs are read as plain rows, columns the page needs only. A read across schools
in one statement is not possible under those policies (a transaction sees one school), and the
page must not read school data with a role that bypasses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

import sqlalchemy as sa
from sqlmodel import Session

from lienthong.store import tenancy
from lienthong.store.tables import (
    DiscrepancyRow,
    ImportedFileRow,
    OutboxItemRow,
    SourceSnapshotRow,
    SyncRunRow,
    UserRow,
    UserScopeRow,
)


@dataclass(frozen=True)
class RunLine:
    """One run as the page reads it (no summary, no approval)."""

    id: int
    platforms: str
    status: str
    started_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class SchoolState:
    """What one school's row of the page is made of, read in one transaction of its scope."""

    discrepancies: int  # live (every status but closed)
    read: dict[str, datetime]  # source → when it was last read
    outbox: list[tuple[str, str, int]]  # (platform, status, count)
    successes: list[tuple[str, datetime | None]]  # (platforms of a run, end of its last good run)
    runs: list[RunLine]  # the latest real runs, newest first
    version: tuple  # moves when the records behind completeness and the portal's rate move


def school_state(session: Session, live: Iterable[str], runs_read: int) -> SchoolState:
    """The figures of the session's school (`tenancy.require_school`): live discrepancies (statuses
    ``live``), each source's last read, the outbox by platform and status, each platform set's last
    good run, the latest ``runs_read`` real runs, and `records_version`."""
    school = tenancy.require_school(session)
    disc, snap, out, run, files = (
        DiscrepancyRow.__table__,
        SourceSnapshotRow.__table__,
        OutboxItemRow.__table__,
        SyncRunRow.__table__,
        ImportedFileRow.__table__,
    )
    mine = {t: t.c[tenancy.COLUMN] == school for t in (disc, snap, out, run, files)}
    discrepancies = session.execute(
        sa.select(sa.func.count()).select_from(disc).where(mine[disc], disc.c.status.in_(list(live)))
    ).scalar_one()
    read = session.execute(
        sa.select(snap.c.source, sa.func.max(snap.c.seen_at), sa.func.count()).where(mine[snap]).group_by(snap.c.source)
    ).all()
    outbox = session.execute(
        sa.select(out.c.platform, out.c.status, sa.func.count(), sa.func.max(out.c.updated_at))
        .where(mine[out])
        .group_by(out.c.platform, out.c.status)
    ).all()
    successes = session.execute(
        sa.select(run.c.platforms, sa.func.max(run.c.finished_at))
        .where(mine[run], run.c.status.in_(("completed", "approved")), run.c.dry_run.is_(False))
        .group_by(run.c.platforms)
    ).all()
    latest = session.execute(
        sa.select(run.c.id, run.c.platforms, run.c.status, run.c.started_at, run.c.finished_at)
        .where(mine[run], run.c.dry_run.is_(False))
        .order_by(run.c.id.desc())
        .limit(runs_read)
    ).all()
    imported = session.execute(sa.select(sa.func.count()).select_from(files).where(mine[files])).scalar_one()
    done = [(count, at) for _, status, count, at in outbox if status == "done"]
    version = (
        sum(count for _, _, count in read),
        max((at for _, at, _ in read if at is not None), default=None),
        sum(count for count, _ in done),
        max((at for _, at in done if at is not None), default=None),
        imported,
    )
    return SchoolState(
        int(discrepancies),
        {source: at for source, at, _ in read if at is not None},
        [(platform, status, int(count)) for platform, status, count, _ in outbox],
        [(platforms, at) for platforms, at in successes],
        [RunLine(*row) for row in latest],
        version,
    )


def accounts_version(session: Session) -> tuple:
    """What moves when an account or its classes and subjects change (installation-wide: the
    completeness figures name each class's teachers)."""
    user = UserRow.__table__
    users = session.execute(
        sa.select(sa.func.count(), sa.func.max(user.c.id), sa.func.sum(sa.cast(user.c.disabled, sa.Integer)))
    ).one()
    scopes = session.execute(sa.select(sa.func.count()).select_from(UserScopeRow)).scalar()
    return (*users, scopes)


def schools_floor(engine: sa.Engine, codes: Iterable[str]) -> Any:
    """One trivial transaction per school, each under its own scope: the floor a page that reads its
    schools one by one cannot go under (`bench.bench_department` measures against it)."""
    for code in codes:
        with Session(tenancy.for_school(engine, code)) as session:
            session.execute(sa.select(sa.func.count()).select_from(DiscrepancyRow.__table__).where(sa.false()))
