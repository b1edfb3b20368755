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


IN_FLIGHT_SECONDS = 300.0  # a slot never given back (its worker died mid-request) is free after this


def take_rate_slot(engine: sa.Engine, platform: str, client_id: str, rate: int, window: float, slot: str) -> float:
    """Take the request slot ``slot`` for ``client_id`` on ``platform``: ``0.0`` when taken, else how
    many seconds to wait before asking again.

    A slot counts from when it is taken until ``window`` seconds after its request was answered
    (`give_back_rate_slot`), so that however late a request leaves or arrives, any ``window`` of
    arrivals at the platform holds at most ``rate`` of them, sent by all processes together: the row
    is locked (``FOR UPDATE``) while it is decided, and times are the database's own clock, so workers
    on machines whose clocks differ agree."""
    table = RateSlotRow.__table__
    key = (table.c.platform == platform) & (table.c.client_id == client_id)
    with engine.begin() as connection:
        now = _locked_row(connection, table, key, platform, client_id)
        sent = connection.execute(sa.select(table.c.sent).where(key).with_for_update()).scalar_one()
        live = [
            entry
            for entry in sent
            if (entry[2] is None and entry[1] > now - IN_FLIGHT_SECONDS)
            or (entry[2] is not None and entry[2] > now - window)
        ]
        taken = len(live) < rate
        if taken:
            live.append([slot, now, None])
        if live != sent:
            connection.execute(sa.update(table).where(key).values(sent=live))
    if taken:
        return 0.0
    answered = [entry[2] for entry in live if entry[2] is not None]
    return max(min(answered) + window - now, 0.005) if answered else 0.05  # all out: wait for an answer


def give_back_rate_slot(engine: sa.Engine, platform: str, client_id: str, slot: str) -> None:
    """The request of ``slot`` was answered (or failed): its slot frees ``window`` seconds from now."""
    table = RateSlotRow.__table__
    key = (table.c.platform == platform) & (table.c.client_id == client_id)
    with engine.begin() as connection:
        now = _locked_row(connection, table, key, platform, client_id)
        sent = connection.execute(sa.select(table.c.sent).where(key).with_for_update()).scalar_one()
        kept = [[entry[0], entry[1], now] if entry[0] == slot and entry[2] is None else entry for entry in sent]
        if kept != sent:
            connection.execute(sa.update(table).where(key).values(sent=kept))


def _locked_row(connection: sa.Connection, table: sa.Table, key, platform: str, client_id: str) -> float:
    """Make sure the (platform, client) row exists; the database's time now, in seconds."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            postgresql_insert(table).values(platform=platform, client_id=client_id, sent=[]).on_conflict_do_nothing()
        )
        return float(connection.execute(sa.text("SELECT extract(epoch FROM clock_timestamp())")).scalar_one())
    if connection.execute(sa.select(table.c.platform).where(key)).first() is None:  # SQLite: one writer at a time
        connection.execute(sa.insert(table).values(platform=platform, client_id=client_id, sent=[]))
    return time.time()
