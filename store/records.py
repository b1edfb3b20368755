"""Explicit mapping between canonical models (the vocabulary) and table rows (storage)."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any, Iterator, Sequence

import sqlalchemy as sa
from sqlmodel import Session

from lienthong.mapping.canonical import Mark, ScoreSheet, Student
from lienthong.mapping.normalize import name_key
from lienthong.store.tables import ImportedFileRow, ScoreSheetRow, SourceSnapshotRow, StudentLinkRow, StudentRow


def _stored(value: Decimal | Mark | None) -> str | None:
    if value is None:
        return None
    return value.value if isinstance(value, Mark) else str(value)


def student_to_rows(student: Student) -> tuple[StudentRow, list[StudentLinkRow]]:
    row = StudentRow(
        id=student.id,
        full_name=student.full_name,
        name_key=name_key(student.full_name),
        birth_date=student.birth_date,
        gender=student.gender.value,
        ethnicity_code=student.ethnicity_code,
        class_code=student.class_code,
        status=student.status.value,
        ministry_id=student.ministry_id,
        personal_id=student.personal_id,
    )
    links = [
        StudentLinkRow(platform=p, external_key=k, student_id=student.id) for p, k in sorted(student.links.items())
    ]
    return row, links


def student_from_rows(row: StudentRow, links: list[StudentLinkRow]) -> Student:
    return Student(
        id=row.id,
        full_name=row.full_name,
        birth_date=row.birth_date,
        gender=row.gender,
        ethnicity_code=row.ethnicity_code,
        class_code=row.class_code,
        status=row.status,
        ministry_id=row.ministry_id,
        personal_id=row.personal_id,
        links={link.platform: link.external_key for link in links},
    )


def score_sheet_to_row(sheet: ScoreSheet) -> ScoreSheetRow:
    return ScoreSheetRow(
        student_id=sheet.student_id,
        subject_code=sheet.subject_code,
        school_year=sheet.school_year,
        semester=sheet.semester.value,
        tx=[_stored(v) for v in sheet.tx],
        gk=_stored(sheet.gk),
        ck=_stored(sheet.ck),
        comment=sheet.comment,
    )


def score_sheet_from_row(row: ScoreSheetRow) -> ScoreSheet:
    return ScoreSheet(
        student_id=row.student_id,
        subject_code=row.subject_code,
        school_year=row.school_year,
        semester=row.semester,
        tx=list(row.tx),
        gk=row.gk,
        ck=row.ck,
        comment=row.comment,
    )


# --- an import's snapshots, in bulk ---------------------------------------------------------------


def imported_at(session: Session, sha256: str) -> datetime | None:
    """When the file with this SHA-256 was imported into the session's school, ``None`` if never."""
    from lienthong.store.tenancy import school_column

    table = ImportedFileRow.__table__
    return session.execute(
        sa.select(table.c.imported_at).where(school_column(session, table), table.c.sha256 == sha256)
    ).scalar()


@contextmanager
def import_session(engine: Any) -> Iterator[Session]:
    """A session for storing one imported file (committed by the caller: all of it or nothing).

    On a SQLite store in WAL mode its commit does not wait for the disk (``synchronous=NORMAL``,
    for this session's connection only; the store's setting is back when it ends): the commit is
    still atomic and survives the process being killed, and only a power cut right after it can
    undo it — the file's ``imported_files`` row goes with its records, so importing it again
    stores it then. Waiting for the disk at each of a school's 40 files cost more than reading them.
    Nor does it copy the log into the database every 4 MB (`IMPORT_CHECKPOINT_PAGES`).
    """
    with engine.connect() as connection:
        previous = None
        if connection.dialect.name == "sqlite":
            if str(connection.exec_driver_sql("PRAGMA journal_mode").scalar()).lower() == "wal":
                previous = (
                    int(connection.exec_driver_sql("PRAGMA synchronous").scalar()),
                    int(connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()),
                )
                connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
                connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint={IMPORT_CHECKPOINT_PAGES}")
            connection.commit()  # the setting cannot change inside a transaction: none is open
        try:
            with Session(bind=connection) as session:
                yield session
        finally:
            if previous is not None:
                connection.rollback()
                connection.exec_driver_sql(f"PRAGMA synchronous={previous[0]}")
                connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint={previous[1]}")
                connection.commit()


# The write-ahead log an import lets grow before copying it into the database (pages of 4 KB:
# 64 MB). SQLite's default, 1,000 pages, copied a school's import into the database a dozen
# times over, the same index pages again and again (a tenth of the import's time); the log is
# copied once when the command's last connection closes, or by the next writer past the default.
IMPORT_CHECKPOINT_PAGES = 16384


_KEYS_PER_QUERY = 500  # under every engine's limit of bound parameters per statement


def store_snapshots(session: Session, records: Sequence[Any], seen_at: datetime) -> Counter:
    """`store.repository.upsert_snapshots` for the records of an imported file, with the same rules
    and outcomes (a new key is inserted, a changed one updated, an older version ignored, an
    unchanged one only marked as seen), counted by outcome (``{"new": 38, …}``).

    ``records`` are `WrittenRecord`s of one source and entity, each key once: their payloads
    already hashed and written as JSON text where the file was read (`store.snapshot_text`). A
    file brings tens of thousands of them: the rows go to the driver in one ``executemany`` per
    statement, past the ORM's per-row work.
    """
    from lienthong.store.repository import SnapshotOutcome  # repository imports this module
    from lienthong.store.tenancy import require_school

    counts: Counter = Counter()
    if not records:
        return counts
    table = SourceSnapshotRow.__table__
    connection = session.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    name = dialect.identifier_preparer.format_table(table)
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    source, entity = records[0].source, records[0].entity
    school = require_school(session)
    stored: dict[str, tuple[int, str]] = {}
    for start in range(0, len(records), _KEYS_PER_QUERY):
        keys = [r.key for r in records[start : start + _KEYS_PER_QUERY]]
        found = connection.exec_driver_sql(
            f"SELECT {quote('key')}, version, content_hash FROM {name} WHERE ma_truong = {mark} AND source = {mark} "
            f"AND entity = {mark} AND {quote('key')} IN ({', '.join([mark] * len(keys))})",
            (school, source, entity, *keys),
        )
        stored.update((key, (version, digest)) for key, version, digest in found)
    when = _bound(table.c.seen_at.type, dialect, seen_at)
    inserts, updates, touched, stale = [], [], [], []
    order = []  # the outcomes in the order their first record came, as `upsert_snapshots` counts them
    found = stored.get
    for _, _, key, version, digest, text in records:
        known = found(key)
        if known is None:
            if not inserts:
                order.append((SnapshotOutcome.NEW, inserts))
            inserts.append((school, source, entity, key, version, digest, text, when))
        elif version < known[0]:
            if not stale:
                order.append((SnapshotOutcome.STALE, stale))
            stale.append(key)
        elif known[0] == version and known[1] == digest:
            if not touched:
                order.append((SnapshotOutcome.UNCHANGED, touched))
            touched.append((when, school, source, entity, key))
        else:
            if not updates:
                order.append((SnapshotOutcome.CHANGED, updates))
            updates.append((version, digest, text, when, school, source, entity, key))
    for outcome, outcomes in order:
        counts[outcome.value] = len(outcomes)
    # In key order: each row then lands beside the one before it in the key's indexes (the primary
    # key's and `ix_source_snapshot_hashes`), where a file's order scatters them over the pages:
    # half the time of writing a school's files (80,000 records: 2.9 → 1.5 s on SQLite).
    for rows, key_at in ((inserts, 3), (updates, 7), (touched, 4)):
        rows.sort(key=itemgetter(key_at))
    session.flush()  # ORM work pending in this session goes first
    payload = f"CAST({mark} AS JSON)" if dialect.name == "postgresql" else mark
    where = f"WHERE ma_truong = {mark} AND source = {mark} AND entity = {mark} AND {quote('key')} = {mark}"
    if inserts:
        connection.exec_driver_sql(
            f"INSERT INTO {name} (ma_truong, source, entity, {quote('key')}, version, content_hash, payload, seen_at) "
            f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark}, {mark}, {payload}, {mark})",
            inserts,
        )
    if updates:
        connection.exec_driver_sql(
            f"UPDATE {name} SET version = {mark}, content_hash = {mark}, payload = {payload}, seen_at = {mark} {where}",
            updates,
        )
    if touched:
        connection.exec_driver_sql(f"UPDATE {name} SET seen_at = {mark} {where}", touched)
    session.expire_all()  # ORM objects loaded earlier must not hide these writes
    return counts


def _bound(column_type: Any, dialect: Any, value: Any) -> Any:
    """``value`` as the column's type gives it to the driver (SQLite keeps a time as text)."""
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    return process(value) if process else value
