"""The installation's own runs (``installation_run``): jobs of the whole database, not of one school
(a backup with every school's rows). Read and written through the plain engine, like the registry."""

from __future__ import annotations

from typing import Optional

from sqlmodel import Session, select

from lienthong.store.tables import InstallationRunRow


def record_run(session: Session, row: InstallationRunRow) -> InstallationRunRow:
    session.add(row)
    return row


def recent_runs(session: Session, limit: int, kind: Optional[str] = None) -> list[InstallationRunRow]:
    """The newest first."""
    statement = select(InstallationRunRow).order_by(InstallationRunRow.id.desc()).limit(limit)
    if kind is not None:
        statement = statement.where(InstallationRunRow.kind == kind)
    return list(session.exec(statement).all())
