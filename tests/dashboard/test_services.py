"""The services the pages stand on, tested without the web: the access rules (`store.access`),
the lock-window rule and the decision over a selection (`reconciliation.resolution`), throttled
sign-in (`store.accounts.sign_in`)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session

from lienthong.mapping.canonical import LockWindow
from lienthong.reconciliation import resolution
from lienthong.store import access, accounts
from lienthong.store.tables import DiscrepancyRow
from tests.dashboard.conftest import BIO, MINE, MINE_GK, NOW, OTHER, PASSWORD, build_store


@pytest.fixture
def people(engine):
    return build_store(engine)


def test_each_role_gets_its_scope(people):
    may = {
        role: (s.student_data, s.propose, s.approve, s.classes, s.operations, s.department)
        for role, s in ((role, access.scope_of(actor)) for role, actor in people.items())
    }
    assert may == {
        "it": (False, False, False, None, True, True),
        "principal": (True, True, True, None, True, False),
        "board": (True, False, False, None, False, False),
        "gvcn": (True, True, False, frozenset({"6A1"}), False, False),
        "teacher": (True, False, False, frozenset({"6A1"}), False, False),
        "department_head": (True, False, False, None, False, False),
        "parent": (True, False, False, None, False, False),
        "so_gddt": (False, False, False, None, False, True),  # aggregate figures of its schools, nothing else
    }
    assert access.scope_of(people["so_gddt"]).schools is None  # given "*": every school


def test_a_delegated_board_member_proposes_and_approves(engine, people):
    with Session(engine) as session:
        accounts.delegate(session, "bgh.ha", people["principal"])
        board = accounts.authenticate(session, "bgh.ha", PASSWORD)
    scope = access.scope_of(board)
    assert scope.propose and scope.approve


def test_scoped_queries_refuse_outside_and_filter_inside(engine, people):
    with Session(engine) as session:
        assert {r.id for r in access.discrepancies(session, people["gvcn"])} == {MINE, MINE_GK, BIO}
        assert {r.id for r in access.discrepancies(session, people["principal"])} == {MINE, MINE_GK, BIO, OTHER}
        assert access.discrepancies(session, people["department_head"]) == []  # Ngữ văn: none here
        with pytest.raises(access.Forbidden, match="lớp 6A2"):
            access.discrepancies(session, people["gvcn"], "6A2")
        with pytest.raises(access.Forbidden):
            access.discrepancy(session, people["parent"], OTHER)
        with pytest.raises(access.Forbidden, match="không xem được dữ liệu học sinh"):
            access.discrepancies(session, people["it"])
        with pytest.raises(access.NotFound):
            access.discrepancy(session, people["principal"], "khong-co")
        assert access.visible_classes(session, people["gvcn"]) == ["6A1"]
        assert access.counts_by_class(session, people["gvcn"]) == {"6A1": {"open": 3}}
        session.get(DiscrepancyRow, MINE).status = "closed"
        assert MINE not in {r.id for r in access.discrepancies(session, people["gvcn"])}


def test_the_queue_holds_the_last_proposals_oldest_first(engine, people):
    with Session(engine) as session:
        resolution.propose(session, MINE_GK, "9", "bài gốc", people["gvcn"], NOW)
        resolution.propose(session, MINE, "8", "bài gốc", people["gvcn"], NOW)
        resolution.propose(session, BIO, "Tày", "giấy khai sinh", people["gvcn"], NOW)  # no approval needed
        queue = access.approval_queue(session, people["principal"])
        assert [(row.id, step.value["value"]) for row, step in queue] == [(MINE_GK, "9,0"), (MINE, "8,0")]
        with pytest.raises(access.Forbidden):
            access.approval_queue(session, people["gvcn"])


def window(semester: str, platform: str = "school", locked: bool = False, closes: datetime | None = None):
    return LockWindow(
        platform=platform,
        school_year="2026-2027",
        semester=semester,
        kind="diem",
        opens_at=NOW - timedelta(days=60),
        closes_at=closes or NOW + timedelta(days=30),
        locked=locked,
    )


def test_a_closed_window_holds_corrections_of_its_semester_only(engine):
    build_store(engine)
    with Session(engine) as session:
        score, bio = session.get(DiscrepancyRow, MINE), session.get(DiscrepancyRow, BIO)
        assert resolution.closed_window(score, [window("1")], NOW) is None
        assert resolution.closed_window(score, [window("2", closes=NOW)], NOW) is None  # another semester
        assert resolution.closed_window(score, [window("1", closes=NOW)], NOW) is not None  # the end is closed
        assert resolution.closed_window(score, [window("1", platform="vnedu", locked=True)], NOW) is not None
        assert resolution.closed_window(bio, [window("1", closes=NOW)], NOW) is None  # not an entered score
        with pytest.raises(resolution.WindowClosed, match="học kỳ I đã khoá .*của nhà trường"):
            resolution.refuse_closed_window(score, [window("1", closes=NOW)], NOW)


def test_a_selection_is_decided_one_by_one(engine, people):
    with Session(engine) as session:
        resolution.propose(session, MINE, "8", "bài gốc", people["gvcn"], NOW)
        resolution.propose(session, MINE_GK, "9", "bài gốc", people["gvcn"], NOW)
        decisions = resolution.decide(session, [MINE, OTHER, MINE, MINE_GK], True, people["principal"], NOW, "ok")
        assert [(d.discrepancy_id, d.done, d.refused) for d in decisions] == [
            (MINE, True, ""),
            (OTHER, False, "rule"),  # nothing proposed there
            (MINE_GK, True, ""),
        ]
        assert sum(d.released for d in decisions) == 1
        rejected = resolution.decide(session, [MINE], False, people["principal"], NOW, " ")
        assert rejected[0].refused == "rule"  # nothing waits any more


def test_sign_in_counts_failures_per_login_and_audits_each(engine, people):
    with Session(engine) as session:
        for minute in range(5):
            with pytest.raises(accounts.AccountError):
                accounts.sign_in(session, "GV.LAN", "sai", NOW + timedelta(minutes=minute))
        assert len(accounts.recent_failures(session, "gv.lan", NOW + timedelta(minutes=5))) == 5
        assert accounts.recent_failures(session, "ht.minh", NOW) == []
        with pytest.raises(accounts.Throttled):
            accounts.sign_in(session, "gv.lan", PASSWORD, NOW + timedelta(minutes=5))
        later = NOW + timedelta(minutes=15, seconds=1)
        assert accounts.sign_in(session, "gv.lan", PASSWORD, later).login == "gv.lan"
        assert accounts.recent_failures(session, "gv.lan", later) == []


def test_times_in_any_zone_are_compared_as_utc(engine, people):
    vn = timezone(timedelta(hours=7))
    with Session(engine) as session:
        for _ in range(5):
            with pytest.raises(accounts.AccountError):
                accounts.sign_in(session, "gv.lan", "sai", NOW.astimezone(vn))
        with pytest.raises(accounts.Throttled):
            accounts.sign_in(session, "gv.lan", PASSWORD, NOW + timedelta(minutes=1))
