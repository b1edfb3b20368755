"""Every query of the sync engine, the outbox, the register and the resolution workflow.

The layers above hold no ``select()``: they ask here, by what they need, so that a fourth
platform, the dashboard or tenancy scoping change one module, not seven.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Iterable

import sqlalchemy as sa
from sqlmodel import Session, select

from lienthong.store.tables import DiscrepancyRow, OutboxItemRow, ResolutionRow, SourceSnapshotRow, SyncRunRow

# Outbox statuses that are still alive: pending (to send) · awaiting_approval (a correction:
# principal first) · held (the run is held) · conflict (re-planned after the next read)
OPEN_OUTBOX = ("pending", "awaiting_approval", "held", "conflict")


# --- runs ----------------------------------------------------------------------------------


def running_runs(session: Session) -> list[SyncRunRow]:
    return list(session.exec(select(SyncRunRow).where(SyncRunRow.status == "running")))


def recent_runs(session: Session, limit: int) -> list[SyncRunRow]:
    return list(session.exec(select(SyncRunRow).order_by(SyncRunRow.id.desc()).limit(limit)))


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


def resolutions(session: Session, discrepancy_id: str) -> list[ResolutionRow]:
    return list(
        session.exec(
            select(ResolutionRow).where(ResolutionRow.discrepancy_id == discrepancy_id).order_by(ResolutionRow.id)
        )
    )


# --- snapshots -----------------------------------------------------------------------------


def last_seen(session: Session) -> dict[str, datetime]:
    """When each source was last read (pulled or imported)."""
    table = SourceSnapshotRow.__table__
    rows = session.execute(sa.select(table.c.source, sa.func.max(table.c.seen_at)).group_by(table.c.source))
    return {source: at for source, at in rows if at is not None}
