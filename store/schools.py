"""The school registry (distributed mode) and the shared rate limits: every query on ``school``
and ``rate_slot``. Both are the installation's, not one school's: read through the plain engine."""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlmodel import Session, select

from lienthong.store.tables import RateSlotRow, SchoolRow


def schools(session: Session, active_only: bool = True) -> list[SchoolRow]:
    """The registered schools by code."""
    statement = select(SchoolRow).order_by(SchoolRow.ma_truong)
    if active_only:
        statement = statement.where(SchoolRow.active.is_(True))
    return list(session.exec(statement).all())


def school(session: Session, ma_truong: str) -> SchoolRow | None:
    return session.get(SchoolRow, ma_truong)


def save_school(session: Session, row: SchoolRow) -> SchoolRow:
    """Add the school, or replace what is registered under its code."""
    return session.merge(row)


def take_rate_slot(engine: sa.Engine, platform: str, client_id: str, rate: int, window: float) -> float:
    """Take one request slot for ``client_id`` on ``platform``: ``0.0`` when taken, else how many
    seconds to wait before asking again. At most ``rate`` slots are taken in any ``window``
    seconds by all processes together: the row is locked (``FOR UPDATE``) while it is decided,
    and times are the database's own clock, so workers on machines whose clocks differ agree."""
    table = RateSlotRow.__table__
    key = (table.c.platform == platform) & (table.c.client_id == client_id)
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        if postgres:
            connection.execute(
                postgresql_insert(table)
                .values(platform=platform, client_id=client_id, sent=[])
                .on_conflict_do_nothing()
            )
            now = float(connection.execute(sa.text("SELECT extract(epoch FROM clock_timestamp())")).scalar_one())
        else:  # one school, one process (embedded): SQLite serialises writers by itself
            now = time.time()
            if connection.execute(sa.select(table.c.platform).where(key)).first() is None:
                connection.execute(sa.insert(table).values(platform=platform, client_id=client_id, sent=[]))
        sent = connection.execute(sa.select(table.c.sent).where(key).with_for_update()).scalar_one()
        recent = [at for at in sent if at > now - window]
        taken = len(recent) < rate
        if taken:
            recent.append(now)
        if recent != sent:
            connection.execute(sa.update(table).where(key).values(sent=recent))
    return 0.0 if taken else max(recent[0] + window - now, 0.001)
