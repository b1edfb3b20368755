"""Explicit mapping between canonical models (the vocabulary) and table rows (storage)."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any, Iterator, Sequence

from sqlmodel import Session

from lienthong.mapping.canonical import Mark, ScoreSheet, Student
from lienthong.mapping.normalize import name_key
from lienthong.store import imports, plain
from lienthong.store.tables import ScoreSheetRow, StudentLinkRow, StudentRow


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


# --- an import's snapshots, in bulk (`store.imports`, on a session) ----------------------------------


def store_snapshots(session: Session, records: Sequence[Any], seen_at: datetime) -> Counter:
    """`store.imports.store_snapshots` in the session's transaction (its pending ORM work goes
    first, and its objects are expired after: they must not hide these writes)."""
    with plain.opened(session) as db:
        return imports.store_snapshots(db, records, seen_at)


@contextmanager
def import_session(engine: Any) -> Iterator[Session]:
    """A session for storing imported files (committed by the caller: each file whole or nothing).

    On a SQLite store in WAL mode its commit does not wait for the disk (``synchronous=NORMAL``,
    for this session's connection only; the store's setting is back when it ends): the commit is
    still atomic and survives the process being killed, and only a power cut right after it can
    undo it — the file's ``imported_files`` row goes with its records, so importing it again
    stores it then. Waiting for the disk at each of a school's 40 files cost more than reading them.
    Nor does it copy the log into the database every 4 MB (`store.imports.IMPORT_CHECKPOINT_PAGES`).
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
                connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint={imports.IMPORT_CHECKPOINT_PAGES}")
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
