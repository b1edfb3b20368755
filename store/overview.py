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

import functools
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
    SourceReadRow,
    SourceSnapshotRow,
    SyncRunRow,
    UserRow,
    UserScopeRow,
)


@dataclass(frozen=True)
class RunLine:
    """One run as the page reads it (no summary, no approval); ``names``: the platforms it included."""

    id: int
    platforms: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    names: frozenset[str]


@dataclass(frozen=True)
class SchoolState:
    """What one school's row of the page is made of, read in one transaction of its scope."""

    discrepancies: int  # live (every status but closed)
    read: dict[str, datetime]  # source → when it was last read
    outbox: list[tuple[str, str, int]]  # (platform, status, count)
    successes: list[tuple[str, datetime | None]]  # (platforms of a run, end of its last good run)
    runs: list[RunLine]  # the latest real runs, newest first
    version: tuple  # moves when the records behind completeness and the portal's rate move


def school_states(
    engine: sa.Engine, codes: Iterable[str], live: Iterable[str], runs_read: int
) -> dict[str, SchoolState]:
    """Each school's `SchoolState`: one transaction per school, each under that school's scope
    (`tenancy.scope_connection`, so that the transaction begins as every scoped one does: on
    PostgreSQL ``lienthong.school`` set and the application's role taken), on one connection
    checked out once, and one statement per school (`_statement`). ``live``: the statuses of a
    live discrepancy; ``runs_read``: how many of the latest real runs are read."""
    codes = list(codes)
    out: dict[str, SchoolState] = {}
    if not codes:
        return out
    statement = _statement(tuple(live), runs_read)
    with tenancy.for_school(engine, codes[0]).connect() as connection:
        for code in codes:
            tenancy.scope_connection(connection, code)
            with connection.begin() as transaction:
                rows = connection.execute(statement, {"school": code}).all()
                transaction.rollback()  # read only
            out[code] = _state(rows)
    return out


@functools.lru_cache(maxsize=8)
def _statement(live: tuple[str, ...], runs_read: int) -> sa.CompoundSelect:
    """Every figure of one school (the parameter ``school``) as tagged rows of one ``UNION ALL``:
    ``(tag, a, b, n, at, until)``. Each part names the school too (the policies are the backstop,
    not the filter). Built once: a page of 200 schools spent more time building it than running it."""
    school = sa.bindparam("school", type_=sa.String())
    disc, snap, out, run, files = (
        DiscrepancyRow.__table__,
        SourceSnapshotRow.__table__,
        OutboxItemRow.__table__,
        SyncRunRow.__table__,
        ImportedFileRow.__table__,
    )
    read = SourceReadRow.__table__
    read_at = (  # when each source was last read (`store.reconcile_queries.mark_read`)
        sa.select(read.c.read_at)
        .where(read.c.ma_truong == school, read.c.source == snap.c.source)
        .correlate(snap)
        .scalar_subquery()
    )
    latest = (
        sa.select(run.c.id, run.c.platforms, run.c.status, run.c.started_at, run.c.finished_at)
        .where(run.c.ma_truong == school, run.c.dry_run.is_(False))
        .order_by(run.c.id.desc())
        .limit(runs_read)
        .subquery()
    )
    none = sa.null()
    parts = [
        # the runs first: their typed columns type the union's (a time read back as a time on SQLite)
        sa.select(
            sa.literal("r"), latest.c.platforms, latest.c.status, latest.c.id, latest.c.started_at, latest.c.finished_at
        ),
        sa.select(sa.literal("d"), none, none, sa.func.count(), none, none)
        .select_from(disc)
        .where(disc.c.ma_truong == school, disc.c.status.in_(list(live))),
        sa.select(sa.literal("l"), snap.c.source, none, sa.func.count(), read_at, none)
        .where(snap.c.ma_truong == school)
        .group_by(snap.c.source),
        sa.select(sa.literal("o"), out.c.platform, out.c.status, sa.func.count(), sa.func.max(out.c.updated_at), none)
        .where(out.c.ma_truong == school)
        .group_by(out.c.platform, out.c.status),
        sa.select(sa.literal("s"), run.c.platforms, none, none, none, sa.func.max(run.c.finished_at))
        .where(run.c.ma_truong == school, run.c.status.in_(("completed", "approved")), run.c.dry_run.is_(False))
        .group_by(run.c.platforms),
        sa.select(sa.literal("f"), none, none, sa.func.count(), none, none)
        .select_from(files)
        .where(files.c.ma_truong == school),
    ]
    return sa.union_all(*parts)


def _state(rows: list[Any]) -> SchoolState:
    discrepancies = imported = 0
    read: list[tuple[str, datetime | None, int]] = []
    outbox: list[tuple[str, str, int, datetime | None]] = []
    successes: list[tuple[str, datetime | None]] = []
    runs: list[RunLine] = []
    for tag, a, b, n, at, until in rows:
        if tag == "r":
            runs.append(RunLine(int(n), a, b, at, until, frozenset(p.strip() for p in (a or "").split(","))))
        elif tag == "d":
            discrepancies = int(n)
        elif tag == "l":
            read.append((a, at, int(n)))
        elif tag == "o":
            outbox.append((a, b, int(n), at))
        elif tag == "s":
            successes.append((a, until))
        else:
            imported = int(n)
    runs.sort(key=lambda r: r.id, reverse=True)  # a union keeps no order
    done = [(count, at) for _, status, count, at in outbox if status == "done"]
    version = (
        sum(count for _, _, count in read),
        max((at for _, at, _ in read if at is not None), default=None),
        sum(count for count, _ in done),
        max((at for _, at in done if at is not None), default=None),
        imported,
    )
    return SchoolState(
        discrepancies,
        {source: at for source, at, _ in read if at is not None},
        [(platform, status, count) for platform, status, count, _ in outbox],
        successes,
        runs,
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


def schools_floor(engine: sa.Engine, codes: Iterable[str]) -> None:
    """One trivial transaction per school, each under its own scope (as `school_states` takes them,
    on one connection): the floor a page that reads its schools one by one under row-level security
    cannot go under (`bench.bench_department` measures against it)."""
    codes = list(codes)
    with tenancy.for_school(engine, codes[0]).connect() as connection:
        for code in codes:
            tenancy.scope_connection(connection, code)
            with connection.begin() as transaction:
                connection.execute(sa.select(sa.func.count()).select_from(DiscrepancyRow.__table__).where(sa.false()))
                transaction.rollback()
