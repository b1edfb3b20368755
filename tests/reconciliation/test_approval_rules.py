"""Approval rules the review found open: a sheet waiting for the principal goes out only when every
corrected cell of it is approved; only the principal lets a board member approve."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlmodel import Session, select

from lienthong.reconciliation import resolution
from lienthong.store import accounts
from lienthong.store.accounts import AccountError
from lienthong.store.tables import DiscrepancyRow, OutboxItemRow, SyncRunRow

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=timezone.utc)
PASSWORD = "mat-khau-dai-1"
SHEET = "1800000001:TOAN:1"


def people(session: Session):
    it = accounts.add_user(session, "it.an", "Lê An", "it", PASSWORD, NOW)
    teacher = accounts.add_user(session, "gv.lan", "Nguyễn Lan", "gvcn", PASSWORD, NOW, {"class": ["6A1"]}, by=it)
    principal = accounts.add_user(session, "ht.minh", "Trần Minh", "principal", PASSWORD, NOW, by=it)
    return it, teacher, principal


def correction(cell: str, mine: str, theirs: str) -> DiscrepancyRow:
    record = {
        "student": {"name": "Lê Văn An", "keys": {"vnedu": "1800000001", "csdl": "7900000001"}},
        "subject": "TOAN",
        "semester": "1",
        "field": cell,
        "values": {"gradebook": mine, "vnedu": theirs},
        "message": "…",
        "suggestion": "…",
    }
    return DiscrepancyRow(
        id=f"d-{cell}",
        kind="score_mismatch",
        class_code="6A1",
        record=record,
        status="open",
        first_seen=NOW,
        last_seen=NOW,
    )


@pytest.fixture
def sheet(engine):
    with Session(engine) as session:
        session.add(SyncRunRow(id=1, started_at=NOW, platforms="vnedu", mode="full", status="completed"))
        session.flush()  # the run first: the outbox item refers to it
        session.add(correction("tx0", "8,0", "7,0"))  # as reconciliation writes scores
        session.add(correction("gk", "9,0", "6,0"))
        session.add(
            OutboxItemRow(
                run_id=1,
                platform="vnedu",
                entity="diem",
                key=SHEET,
                payload={},
                kind="correction",
                status="awaiting_approval",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        actors = people(session)
        session.commit()
    return actors


def status(engine) -> str:
    with Session(engine) as session:
        return session.exec(select(OutboxItemRow).where(OutboxItemRow.key == SHEET)).one().status


def test_the_sheet_waits_until_every_corrected_cell_is_approved(engine, sheet):
    _, teacher, principal = sheet
    with Session(engine) as session:
        for cell, value in (("tx0", "8"), ("gk", "9")):
            resolution.propose(session, f"d-{cell}", value, "đối chiếu bài gốc", teacher, NOW)
        assert resolution.approve(session, "d-tx0", principal, NOW) == 0  # gk not approved yet
        session.commit()
    assert status(engine) == "awaiting_approval"
    with Session(engine) as session:
        assert resolution.approve(session, "d-gk", principal, NOW) == 1
        session.commit()
    assert status(engine) == "pending"


def test_a_cell_approved_at_another_value_cancels_the_sheet(engine, sheet):
    _, teacher, principal = sheet
    with Session(engine) as session:
        resolution.propose(session, "d-tx0", "8", "đúng sổ", teacher, NOW)
        resolution.propose(session, "d-gk", "7", "sổ điểm nhầm", teacher, NOW)
        resolution.approve(session, "d-tx0", principal, NOW)
        assert resolution.approve(session, "d-gk", principal, NOW) == 0
        session.commit()
    assert status(engine) == "cancelled"


def test_only_the_principal_lets_a_board_member_approve(engine, sheet):
    it, teacher, principal = sheet
    with Session(engine) as session:
        with pytest.raises(AccountError, match="Hiệu trưởng trao"):
            accounts.add_user(session, "bgh.ha", "Vũ Hà", "board", PASSWORD, NOW, {"delegation": ["approve"]}, by=it)
        board = accounts.add_user(session, "bgh.ha", "Vũ Hà", "board", PASSWORD, NOW, by=it)
        with pytest.raises(AccountError, match="Chỉ Hiệu trưởng"):
            accounts.delegate(session, "bgh.ha", it)
        with pytest.raises(AccountError, match="Đã có tài khoản Hiệu trưởng"):
            accounts.add_user(session, "ht.gia", "Giả", "principal", PASSWORD, NOW, by=it)
        resolution.propose(session, "d-tx0", "8", "đúng sổ", teacher, NOW)
        with pytest.raises(resolution.NotAllowed):
            resolution.approve(session, "d-tx0", board, NOW)
        accounts.delegate(session, "bgh.ha", principal)
        delegated = accounts.authenticate(session, "bgh.ha", PASSWORD)
        assert delegated.delegated and resolution.approve(session, "d-tx0", delegated, NOW) == 0  # gk still waits
