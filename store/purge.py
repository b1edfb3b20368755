"""Removing one student's stored records, the only deletion of personal records there is.

Called only through `records.retention.purge`, which refuses any student whose retention
period (at least 5 years after leaving or graduating) has not ended.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from lienthong.store import tenancy
from lienthong.store.tables import SourceSnapshotRow


def delete_student_records(session: Session, key: str, source: str | None = None) -> int:
    """Every stored record (of ``source``, or of any source) about the student ``key``: the student,
    and records keyed ``key:…`` such as score sheets, absences and results; returns how many went."""
    table = SourceSnapshotRow.__table__
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    about = sa.or_(table.c.key == key, table.c.key.like(f"{escaped}:%", escape="\\"))
    statement = sa.delete(table).where(tenancy.school_column(session, table), about)
    if source is not None:
        statement = statement.where(table.c.source == source)
    return session.execute(statement).rowcount or 0
