"""Reading and writing canonical records and per-source snapshots.

Writes are idempotent upserts by key, so a pull that is repeated (after a crash, or
because ``updated_since`` is inclusive) changes nothing the second time.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any, NamedTuple

import orjson
import sqlalchemy as sa
from sqlmodel import Session, select

from lienthong.mapping.canonical import ScoreSheet, Student
from lienthong.store import plain, reconcile_queries, tenancy
from lienthong.store.records import score_sheet_from_row, score_sheet_to_row, student_from_rows, student_to_rows
from lienthong.store.snapshot_text import content_hash
from lienthong.store.tables import ScoreSheetRow, SourceSnapshotRow, StudentLinkRow, StudentRow


def save_student(session: Session, student: Student) -> None:
    """Insert or replace a student and their platform links."""
    row, links = student_to_rows(student)
    tenancy.merge(session, row)
    existing = session.exec(select(StudentLinkRow).where(StudentLinkRow.student_id == student.id)).all()
    wanted = {(link.platform, link.external_key) for link in links}
    for old in existing:
        if (old.platform, old.external_key) not in wanted:
            session.delete(old)
    session.flush()
    for link in links:
        tenancy.merge(session, link)


def load_student(session: Session, student_id: str) -> Student | None:
    row = tenancy.get(session, StudentRow, student_id)
    if row is None:
        return None
    links = session.exec(select(StudentLinkRow).where(StudentLinkRow.student_id == student_id)).all()
    return student_from_rows(row, list(links))


def find_student_by_link(session: Session, platform: str, external_key: str) -> Student | None:
    link = tenancy.get(session, StudentLinkRow, (platform, external_key))
    return load_student(session, link.student_id) if link else None


def save_score_sheet(session: Session, sheet: ScoreSheet) -> None:
    tenancy.merge(session, score_sheet_to_row(sheet))


def load_score_sheets(session: Session, student_id: str, school_year: str) -> list[ScoreSheet]:
    rows = session.exec(
        select(ScoreSheetRow)
        .where(ScoreSheetRow.student_id == student_id, ScoreSheetRow.school_year == school_year)
        .order_by(ScoreSheetRow.subject_code, ScoreSheetRow.semester)
    ).all()
    return [score_sheet_from_row(r) for r in rows]


# --- per-source snapshots ----------------------------------------------------------------


class SnapshotOutcome(str, Enum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    STALE = "stale"  # an older version than the one stored: ignored


class SnapshotRecord(NamedTuple):
    """One source record to keep (a tuple: an import makes a hundred thousand of them)."""

    source: str
    entity: str
    key: str
    version: int
    payload: dict[str, Any]


def upsert_snapshot(session: Session, record: SnapshotRecord, seen_at: datetime) -> SnapshotOutcome:
    """Keep the newest version of a source record; unchanged content costs no write.

    A record with a lower version than the stored one is stale (a replayed page, a
    reordered answer) and never overwrites; the same version with the same content only
    refreshes ``seen_at``.
    """
    return upsert_snapshots(session, [record], seen_at)[0]


def load_snapshots(session: Session, source: str, entity: str) -> list[SourceSnapshotRow]:
    return list(
        session.exec(
            select(SourceSnapshotRow)
            .where(SourceSnapshotRow.source == source, SourceSnapshotRow.entity == entity)
            .order_by(SourceSnapshotRow.key)
        ).all()
    )


def upsert_snapshots(session: Session, records: list[SnapshotRecord], seen_at: datetime) -> list[SnapshotOutcome]:
    """`upsert_snapshot` for a page of records of one source and entity.

    One query reads what is stored; new rows go in with one multi-row insert and changed
    rows with one executemany update (a full sync writes tens of thousands of rows).
    """
    if not records:
        return []
    table = SourceSnapshotRow.__table__
    source, entity = records[0].source, records[0].entity
    school = tenancy.require_school(session)
    mine = table.c.ma_truong == school
    stored = {
        key: (version, digest)
        for key, version, digest in session.execute(
            sa.select(table.c.key, table.c.version, table.c.content_hash).where(
                mine, table.c.source == source, table.c.entity == entity, table.c.key.in_([r.key for r in records])
            )
        )
    }
    outcomes, inserts, updates, touched = [], {}, [], []
    for record in records:
        digest = content_hash(record.payload)
        known = stored.get(record.key)
        if known is None:
            inserts[record.key] = {
                "ma_truong": school,
                "source": source,
                "entity": entity,
                "key": record.key,
                "version": record.version,
                "content_hash": digest,
                "payload": record.payload,
                "seen_at": seen_at,
            }
            stored[record.key] = (record.version, digest)
            outcomes.append(SnapshotOutcome.NEW)
        elif record.version < known[0]:
            outcomes.append(SnapshotOutcome.STALE)
        elif known == (record.version, digest):
            touched.append({"k": record.key})
            outcomes.append(SnapshotOutcome.UNCHANGED)
        else:
            updates.append(
                {"k": record.key, "version": record.version, "content_hash": digest, "payload": record.payload}
            )
            stored[record.key] = (record.version, digest)
            outcomes.append(SnapshotOutcome.CHANGED)
    session.flush()  # ORM work pending in this session goes first
    if inserts or updates or touched:  # first: see `reconcile_queries.mark_read`
        with plain.opened(session) as db:
            reconcile_queries.mark_read(db, source, seen_at)
    where = sa.and_(mine, table.c.source == source, table.c.entity == entity, table.c.key == sa.bindparam("k"))
    if inserts:
        session.execute(sa.insert(table), list(inserts.values()))
        with plain.opened(session) as db:
            reconcile_queries.journal_additions(db, source, entity, list(inserts))
    if updates:
        session.execute(
            sa.update(table)
            .where(where)
            .values(
                version=sa.bindparam("version"),
                content_hash=sa.bindparam("content_hash"),
                payload=sa.bindparam("payload"),
                seen_at=seen_at,
            ),
            updates,
        )
    if touched:
        session.execute(sa.update(table).where(where).values(seen_at=seen_at), touched)
    session.expire_all()  # ORM objects loaded earlier must not hide these writes
    return outcomes


def snapshot_versions(session: Session, source: str, entity: str) -> dict[str, tuple[int, dict]]:
    """Every stored record of a source and entity as ``key → (version, payload)``, without ORM objects."""
    table = SourceSnapshotRow.__table__
    rows = session.execute(
        sa.select(table.c.key, table.c.version, table.c.payload).where(
            tenancy.school_column(session, table), table.c.source == source, table.c.entity == entity
        )
    )
    return {key: (version, payload) for key, version, payload in rows}


def entity_payloads(session: Session, source: str, entity: str) -> dict[str, dict]:
    """Every stored record of one entity of a source, ``key → payload`` (the JSON text decoded by
    orjson, as `reconcile_queries.school_payloads` does, without reading the source's other entities)."""
    table = SourceSnapshotRow.__table__
    rows = session.connection().execute(
        sa.select(table.c.key, sa.cast(table.c.payload, sa.Text)).where(
            tenancy.school_column(session, table), table.c.source == source, table.c.entity == entity
        )
    )
    return {key: orjson.loads(text) for key, text in rows}


def student_classes(session: Session, source: str) -> dict[str, str]:
    """A source's student key → class, for counting what a plan would do to each class."""
    return {key: payload.get("ma_lop") for key, (_, payload) in snapshot_versions(session, source, "hoc_sinh").items()}
