"""The stored confirmations and approvals of class results (`ResultApprovalRow`): every query of
the results workflow (`reconciliation.results`) and of the sync core that pushes approved year
results. Rows are per school (``ma_truong``): the session's school (`store.tenancy`) picks them."""

from __future__ import annotations

import orjson
import sqlalchemy as sa
from sqlmodel import Session, select

from lienthong.store import tenancy
from lienthong.store.tables import ResultApprovalRow, SourceSnapshotRow

PERIODS = ("HK1", "HK2", "CN")
STATES = ("chua_xac_nhan", "da_xac_nhan", "da_duyet")


def approval(session: Session, school_year: str, class_code: str, period: str) -> ResultApprovalRow | None:
    return session.get(ResultApprovalRow, (school_year, class_code, period))


def approvals(
    session: Session, school_year: str, period: str | None = None, classes: list[str] | None = None
) -> list[ResultApprovalRow]:
    """The school's rows of a school year (of one period, of some classes), by class and period."""
    query = select(ResultApprovalRow).where(ResultApprovalRow.school_year == school_year)
    if period is not None:
        query = query.where(ResultApprovalRow.period == period)
    if classes is not None:
        query = query.where(ResultApprovalRow.class_code.in_(classes))
    return list(session.exec(query.order_by(ResultApprovalRow.class_code, ResultApprovalRow.period)))


def approved(session: Session, school_year: str, period: str) -> dict[str, ResultApprovalRow]:
    """Class → its approved results of ``period`` (only those in state ``da_duyet``)."""
    return {row.class_code: row for row in approvals(session, school_year, period) if row.state == "da_duyet"}


def school_payloads(session: Session, source: str, entities: tuple[str, ...]) -> dict[str, dict[str, dict]]:
    """The stored records of some entities of one source (``entity → key → payload``): the students
    and their period summaries, without the score sheets beside them."""
    table = SourceSnapshotRow.__table__
    statement = sa.select(table.c.entity, table.c.key, sa.cast(table.c.payload, sa.Text)).where(
        tenancy.school_column(session, table), table.c.source == source, table.c.entity.in_(entities)
    )
    out: dict[str, dict[str, dict]] = {entity: {} for entity in entities}
    for entity, key, payload in session.connection().execute(statement):
        out[entity][key] = orjson.loads(payload)
    return out


def approved_years(session: Session) -> list[str]:
    """The school years in which the session's school has results approved now, sorted."""
    table = ResultApprovalRow.__table__
    statement = (
        sa.select(table.c.school_year)
        .where(table.c.state == "da_duyet", tenancy.school_column(session, table))
        .distinct()
    )
    return sorted(row[0] for row in session.connection().execute(statement))
