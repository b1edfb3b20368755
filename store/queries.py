"""Every query of the sync engine, the outbox, the register and the resolution workflow.

The layers above hold no ``select()``: they ask here, by what they need, so that a fourth
platform, the dashboard or tenancy scoping change one module, not seven.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from lienthong.store import tenancy
from lienthong.store.tables import (
    AuditLogRow,
    ClassRow,
    DiscrepancyRow,
    LockWindowRow,
    OutboxItemRow,
    ResolutionRow,
    RunLeaseRow,
    SourceReadRow,
    SourceSnapshotRow,
    SyncRunRow,
    TeacherRow,
)

# Outbox statuses that are still alive: pending (to send) · awaiting_approval (a correction:
# principal first) · held (the run is held) · conflict (re-planned after the next read)
# awaiting_results (a class's year results: the principal approves them first)
OPEN_OUTBOX = ("pending", "awaiting_approval", "held", "conflict", "awaiting_results")


# --- runs ----------------------------------------------------------------------------------


def running_runs(session: Session) -> list[SyncRunRow]:
    return list(session.exec(select(SyncRunRow).where(SyncRunRow.status == "running")))


def recent_runs(session: Session, limit: int) -> list[SyncRunRow]:
    return list(session.exec(select(SyncRunRow).order_by(SyncRunRow.id.desc()).limit(limit)))


def latest_real_runs(session: Session, limit: int) -> list[SyncRunRow]:
    """The last ``limit`` runs that were not dry runs, newest first."""
    query = select(SyncRunRow).where(SyncRunRow.dry_run.is_(False)).order_by(SyncRunRow.id.desc()).limit(limit)
    return list(session.exec(query))


# --- outbox --------------------------------------------------------------------------------


def open_items(session: Session, platform: str, entity: str, key: str) -> list[OutboxItemRow]:
    """The live items for one record of one platform (at most a few)."""
    return list(
        session.exec(
            select(OutboxItemRow).where(
                OutboxItemRow.platform == platform,
                OutboxItemRow.entity == entity,
                OutboxItemRow.key == key,
                OutboxItemRow.status.in_(OPEN_OUTBOX),
            )
        ).all()
    )


def unbatched_pending(session: Session, platform: str) -> list[OutboxItemRow]:
    return list(
        session.exec(
            select(OutboxItemRow)
            .where(
                OutboxItemRow.platform == platform, OutboxItemRow.status == "pending", OutboxItemRow.batch_key.is_(None)
            )
            .order_by(OutboxItemRow.entity, OutboxItemRow.key)
        ).all()
    )


def pending_batches(session: Session, platform: str) -> list[tuple[str, str]]:
    """(batch key, entity) of every committed batch still to send, sorted."""
    return sorted(
        session.exec(
            select(OutboxItemRow.batch_key, OutboxItemRow.entity)
            .where(
                OutboxItemRow.platform == platform,
                OutboxItemRow.status == "pending",
                OutboxItemRow.batch_key.is_not(None),
            )
            .distinct()
        ).all()
    )


def batch_items(session: Session, batch_key: str) -> list[OutboxItemRow]:
    return list(
        session.exec(
            select(OutboxItemRow)
            .where(OutboxItemRow.batch_key == batch_key, OutboxItemRow.status == "pending")
            .order_by(OutboxItemRow.key)
        ).all()
    )


def items_of_run(session: Session, run_id: int, status: str) -> list[OutboxItemRow]:
    return list(
        session.exec(select(OutboxItemRow).where(OutboxItemRow.run_id == run_id, OutboxItemRow.status == status)).all()
    )


def awaiting_approval(session: Session, platform: str, entity: str, key: str) -> list[OutboxItemRow]:
    return list(
        session.exec(
            select(OutboxItemRow).where(
                OutboxItemRow.platform == platform,
                OutboxItemRow.entity == entity,
                OutboxItemRow.key == key,
                OutboxItemRow.status == "awaiting_approval",
            )
        ).all()
    )


def entity_items(session: Session, platform: str, entity: str, statuses: Iterable[str]) -> list[OutboxItemRow]:
    """Every item of one platform's entity in these statuses, oldest first (a plan reads them once)."""
    return list(
        session.exec(
            select(OutboxItemRow)
            .where(
                OutboxItemRow.platform == platform,
                OutboxItemRow.entity == entity,
                OutboxItemRow.status.in_(list(statuses)),
            )
            .order_by(OutboxItemRow.id)
        ).all()
    )


def record_items(session: Session, platform: str, entity: str, key: str) -> list[OutboxItemRow]:
    """Every item ever queued for one record, whatever its status, newest first."""
    return list(
        session.exec(
            select(OutboxItemRow)
            .where(OutboxItemRow.platform == platform, OutboxItemRow.entity == entity, OutboxItemRow.key == key)
            .order_by(OutboxItemRow.id.desc())
        ).all()
    )


def queue_counts(session: Session) -> Counter:
    """Outbox items by status."""
    return Counter(session.exec(select(OutboxItemRow.status)).all())


def dead_items(session: Session, limit: int) -> list[OutboxItemRow]:
    return list(
        session.exec(
            select(OutboxItemRow).where(OutboxItemRow.status == "dead").order_by(OutboxItemRow.id.desc()).limit(limit)
        ).all()
    )


# --- discrepancy register and resolutions --------------------------------------------------


def discrepancies(session: Session, classes: Iterable[str] | None = None) -> dict[str, DiscrepancyRow]:
    """Stored discrepancies by id, all or those of ``classes``."""
    query = select(DiscrepancyRow)
    if classes is not None:
        query = query.where(DiscrepancyRow.class_code.in_(list(classes)))
    return {row.id: row for row in session.exec(query)}


def count_discrepancies(session: Session, statuses: Iterable[str]) -> int:
    """How many stored discrepancies have one of ``statuses`` (counted in the database)."""
    query = select(sa.func.count(DiscrepancyRow.id)).where(DiscrepancyRow.status.in_(list(statuses)))
    return int(session.exec(query).one())


def resolutions(session: Session, discrepancy_id: str) -> list[ResolutionRow]:
    return list(
        session.exec(
            select(ResolutionRow).where(ResolutionRow.discrepancy_id == discrepancy_id).order_by(ResolutionRow.id)
        )
    )


def identity_proposals(session: Session) -> list[tuple[DiscrepancyRow, ResolutionRow]]:
    """Every proposal made on an identity doubt (a teacher's row said to be one of the school's
    children), each with its doubt, oldest first."""
    return list(
        session.exec(
            select(DiscrepancyRow, ResolutionRow)
            .join(ResolutionRow, ResolutionRow.discrepancy_id == DiscrepancyRow.id)
            .where(DiscrepancyRow.kind == "identity_doubt", ResolutionRow.step == "proposed")
            .order_by(ResolutionRow.at, ResolutionRow.id)
        )
    )


# --- snapshots -----------------------------------------------------------------------------


def last_seen(session: Session) -> dict[str, datetime]:
    """When each source was last read (pulled or imported: ``source_read``)."""
    table, snap = SourceReadRow.__table__, SourceSnapshotRow.__table__
    held = sa.exists().where(snap.c.ma_truong == table.c.ma_truong, snap.c.source == table.c.source)
    rows = session.execute(  # of the sources it holds records of (`reconcile_queries.last_seen`)
        sa.select(table.c.source, table.c.read_at)
        .where(tenancy.school_column(session, table), held)
        .order_by(table.c.source)
    )
    return {source: at for source, at in rows if at is not None}


# --- outbox: what a plan must not send again -------------------------------------------------


def refused_items(session: Session, platform: str, entity: str, key: str) -> list[OutboxItemRow]:
    """The dead letters for one record: what the platform refused (a person looks at them)."""
    return list(
        session.exec(
            select(OutboxItemRow).where(
                OutboxItemRow.platform == platform,
                OutboxItemRow.entity == entity,
                OutboxItemRow.key == key,
                OutboxItemRow.status == "dead",
            )
        ).all()
    )


# --- run leases: one run per platform ------------------------------------------------------
# Every lease time is written and compared in UTC: SQLite keeps a time without its zone, and
# two processes (or a test's pinned clock) may not share one.


def _utc(at: datetime) -> datetime:
    return at.astimezone(timezone.utc)


def insert_lease(session: Session, platform: str, run_id: int, holder: str, now: datetime, until: datetime) -> bool:
    """Take a free platform: True when the row was inserted. Of two runs inserting at once the
    primary key lets one in; the other inserts nothing (no IntegrityError, no read first)."""
    table = RunLeaseRow.__table__
    insert = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}[session.get_bind().dialect.name]
    statement = insert(table).values(
        ma_truong=tenancy.require_school(session),
        platform=platform,
        run_id=run_id,
        holder=holder,
        acquired_at=_utc(now),
        heartbeat_at=_utc(now),
        expires_at=_utc(until),
    )
    # RETURNING, not rowcount: psycopg reports no row count for INSERT … ON CONFLICT
    inserted = statement.on_conflict_do_nothing(index_elements=["ma_truong", "platform"]).returning(table.c.platform)
    return session.execute(inserted).first() is not None


def lease_of(session: Session, platform: str) -> RunLeaseRow | None:
    query = select(RunLeaseRow).where(RunLeaseRow.platform == platform).execution_options(populate_existing=True)
    return session.exec(query).first()


def take_over_lease(
    session: Session,
    platform: str,
    from_run: int,
    run_id: int,
    holder: str,
    now: datetime,
    until: datetime,
    holder_gone: bool = False,
) -> bool:
    """Take ``from_run``'s lease if it has expired (or its holder is known to be gone): a
    compare-and-set in one UPDATE, so of two runs that found it free only one gets it."""
    table = RunLeaseRow.__table__
    free = sa.true() if holder_gone else table.c.expires_at <= _utc(now)
    statement = (
        sa.update(table)
        .where(tenancy.school_column(session, table), table.c.platform == platform, table.c.run_id == from_run, free)
        .values(run_id=run_id, holder=holder, acquired_at=_utc(now), heartbeat_at=_utc(now), expires_at=_utc(until))
    )
    return session.execute(statement).rowcount == 1


def renew_leases(session: Session, run_id: int, platforms: list[str], now: datetime, until: datetime) -> list[str]:
    """Push back the leases ``run_id`` holds; returns the platforms it no longer holds."""
    table = RunLeaseRow.__table__
    statement = (
        sa.update(table)
        .where(tenancy.school_column(session, table), table.c.run_id == run_id, table.c.platform.in_(platforms))
        .values(heartbeat_at=_utc(now), expires_at=_utc(until))
    )
    if session.execute(statement).rowcount == len(platforms):
        return []
    held = set(session.exec(select(RunLeaseRow.platform).where(RunLeaseRow.run_id == run_id)))
    return [platform for platform in platforms if platform not in held]


def release_leases(session: Session, run_id: int) -> None:
    """The run ended: its platforms are free at once."""
    table = RunLeaseRow.__table__
    session.execute(sa.delete(table).where(tenancy.school_column(session, table), table.c.run_id == run_id))


def expire_leases(session: Session, run_id: int, now: datetime) -> None:
    """The run stopped on an error: its platforms are free, and the next run, taking a lease
    over, marks the run interrupted (as it would after a hard kill)."""
    table = RunLeaseRow.__table__
    mine = tenancy.school_column(session, table)
    session.execute(sa.update(table).where(mine, table.c.run_id == run_id).values(expires_at=_utc(now)))


def interrupt_run(session: Session, run_id: int) -> bool:
    """Mark a run that died while running; True when it was still marked running."""
    table = SyncRunRow.__table__
    statement = sa.update(table).where(
        tenancy.school_column(session, table), table.c.id == run_id, table.c.status == "running"
    )
    return session.execute(statement.values(status="interrupted")).rowcount == 1


# --- homeroom teachers named by the school (a file-only school's class list has no GVCN) -----


def set_homeroom_teacher(session: Session, school_year: str, class_code: str, full_name: str, grade: int) -> None:
    """Name the GVCN of a class for a school year (in the caller's transaction). A teacher is
    kept once per name: the same person named for a second class is the same row."""
    teacher_id = f"ten:{full_name}"
    if tenancy.get(session, TeacherRow, teacher_id) is None:
        session.add(TeacherRow(id=teacher_id, full_name=full_name))
        session.flush()  # the class row refers to it
    row = tenancy.get(session, ClassRow, (school_year, class_code))
    if row is None:
        session.add(ClassRow(school_year=school_year, code=class_code, grade=grade, homeroom_teacher_id=teacher_id))
    else:
        row.homeroom_teacher_id = teacher_id
        session.add(row)


# --- operations: what the IT and principal pages show -----------------------------------------


def outbox_counts(session: Session) -> list[tuple[str, str, int]]:
    """(platform, status, how many) over the outbox."""
    return list(
        session.exec(
            select(OutboxItemRow.platform, OutboxItemRow.status, sa.func.count()).group_by(
                OutboxItemRow.platform, OutboxItemRow.status
            )
        ).all()
    )


def last_good_runs(session: Session) -> list[tuple[str, datetime | None]]:
    """(the run's platforms as stored, when the last completed or approved real run of them ended)."""
    return list(
        session.exec(
            select(SyncRunRow.platforms, sa.func.max(SyncRunRow.finished_at))
            .where(SyncRunRow.status.in_(("completed", "approved")), SyncRunRow.dry_run.is_(False))
            .group_by(SyncRunRow.platforms)
        ).all()
    )


def platform_windows(session: Session) -> list[LockWindowRow]:
    """The lock windows read from the platforms."""
    return list(session.exec(select(LockWindowRow).order_by(LockWindowRow.platform, LockWindowRow.semester)))


def held_runs(session: Session) -> list[SyncRunRow]:
    """Runs waiting for an administrator, oldest first."""
    return list(session.exec(select(SyncRunRow).where(SyncRunRow.status == "held").order_by(SyncRunRow.id)))


def delivered(session: Session, platform: str, entity: str) -> list[tuple[str, datetime]]:
    """(key, when applied) of every delivered item of one platform's entity."""
    return list(
        session.exec(
            select(OutboxItemRow.key, OutboxItemRow.updated_at).where(
                OutboxItemRow.platform == platform, OutboxItemRow.entity == entity, OutboxItemRow.status == "done"
            )
        ).all()
    )


def first_done(session: Session, platform: str | None, entity: str) -> list[tuple[str, datetime]]:
    """(key, when first applied) of every delivered item of ``entity`` (of ``platform`` when given)."""
    query = select(OutboxItemRow.key, sa.func.min(OutboxItemRow.updated_at)).where(
        OutboxItemRow.entity == entity, OutboxItemRow.status == "done"
    )
    if platform is not None:
        query = query.where(OutboxItemRow.platform == platform)
    return list(session.exec(query.group_by(OutboxItemRow.key)).all())


def audit_page(session: Session, limit: int, offset: int, action: str | None) -> tuple[list[AuditLogRow], int]:
    """A page of the audit log, newest first (``action`` only, when given), and how many in all."""
    query = select(AuditLogRow)
    counted = select(sa.func.count()).select_from(AuditLogRow)
    if action:
        query = query.where(AuditLogRow.action == action)
        counted = counted.where(AuditLogRow.action == action)
    total = session.exec(counted).one()
    return list(session.exec(query.order_by(AuditLogRow.id.desc()).offset(offset).limit(limit))), total
