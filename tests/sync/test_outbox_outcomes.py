"""The transactional outbox, unit by unit: what `enqueue` writes, how `assign_batches`
groups, and what `deliver` records for every answer a platform can give.

The platform is `MemoryConnector` (scripted answers, every push recorded); the database is a
real migrated SQLite file (the `engine` fixture). Batches go out in the order of their keys
(hashes), so scripts name an item's key, never a batch's position.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from lienthong.connectors.base import PushOutcome
from lienthong.connectors.errors import AuthError, LockedError, PermanentError, TransientError
from lienthong.mapping.canonical import DataKind, LockWindow, Period
from lienthong.reconciliation.authority import PlannedChange
from lienthong.store.db import session_scope
from lienthong.store.repository import SnapshotRecord, snapshot_versions, upsert_snapshots
from lienthong.store.tables import OutboxItemRow, SyncRunRow
from lienthong.sync.outbox import Delivery, assign_batches, deliver, enqueue, new_changes, window_open
from lienthong.sync.state import RunStore
from tests.sync.memory_connector import Answer, MemoryConnector

VN = timezone(timedelta(hours=7))
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=VN)
A, B = "alpha", "beta"  # two platforms


def clock() -> datetime:
    return NOW


# --- helpers ------------------------------------------------------------------------------


def new_run(engine) -> int:
    with session_scope(engine) as session:
        run = SyncRunRow(started_at=NOW, platforms=f"{A},{B}", mode="incremental", status="running")
        session.add(run)
        session.flush()
        return run.id


def change(
    platform: str, key: str, entity: str = "diem", hk: int = 1, gk: str = "8", kind: str = "fill", version: int = 3
) -> PlannedChange:
    payload = {"ma": key, "hoc_ky": hk, "ddg_gk": gk, "version": version}
    return PlannedChange(platform, entity, key, payload, kind, "6A", ("gk",))


def plan(engine, run_id: int, changes: list[PlannedChange], status: str = "pending") -> Counter:
    with session_scope(engine) as session:
        return enqueue(
            session, run_id, changes, lambda c: "awaiting_approval" if c.kind == "correction" else status, NOW
        )


def batch(engine, platform: str, max_batch: int) -> int:
    with session_scope(engine) as session:
        return assign_batches(session, platform, max_batch, NOW)


def send(connector: MemoryConnector, engine, windows: list | None = None) -> Delivery:
    store = RunStore(engine)
    try:
        return asyncio.run(deliver(connector, store, clock, windows))
    finally:
        store.close()


def items(engine, platform: str | None = None) -> list[OutboxItemRow]:
    with Session(engine) as session:
        query = select(OutboxItemRow).order_by(OutboxItemRow.id)
        if platform:
            query = query.where(OutboxItemRow.platform == platform)
        rows = list(session.exec(query))
        session.expunge_all()
        return rows


def latest(engine, platform: str, key: str, entity: str = "diem") -> OutboxItemRow:
    """The newest item for one record (an item superseded by a re-plan is older)."""
    [*_, row] = [r for r in items(engine, platform) if r.key == key and r.entity == entity]
    return row


def by_key(engine, platform: str) -> dict[str, OutboxItemRow]:
    """The newest item of each record key (the tests never reuse a key across entities)."""
    return {r.key: r for r in items(engine, platform)}


def batch_order(engine, platform: str) -> list[str]:
    """The committed batch keys still to send, in the order `deliver` sends them (by key)."""
    return sorted({r.batch_key for r in items(engine, platform) if r.status == "pending" and r.batch_key})


def batch_members(engine, platform: str, batch_key: str) -> list[str]:
    return sorted(r.key for r in items(engine, platform) if r.batch_key == batch_key)


def snapshots(engine, platform: str, entity: str = "diem") -> dict[str, tuple[int, dict]]:
    with Session(engine) as session:
        return snapshot_versions(session, platform, entity)


def window(
    semester: str = "1",
    kind: DataKind = DataKind.SCORES,
    platform: str = "vnedu",
    locked: bool = False,
    opens: datetime = NOW - timedelta(days=30),
    closes: datetime = NOW + timedelta(days=30),
) -> LockWindow:
    return LockWindow(
        platform=platform,
        school_year="2026-2027",
        semester=Period(semester),
        kind=kind,
        opens_at=opens,
        closes_at=closes,
        locked=locked,
    )


@pytest.fixture
def run_id(engine) -> int:
    return new_run(engine)


# --- enqueue and new_changes --------------------------------------------------------------


def test_enqueue_writes_one_item_per_change_with_the_status_it_is_given(engine, run_id):
    counts = plan(
        engine,
        run_id,
        [
            change(A, "k1"),
            change(A, "k2", entity="diem_danh"),
            change(A, "k3", kind="correction"),
            change(B, "k1", kind="blank"),
        ],
    )

    assert counts == Counter({"fill": 2, "correction": 1, "blank": 1})
    rows = items(engine)
    assert [(r.platform, r.entity, r.key, r.kind, r.status) for r in rows] == [
        (A, "diem", "k1", "fill", "pending"),
        (A, "diem_danh", "k2", "fill", "pending"),
        (A, "diem", "k3", "correction", "awaiting_approval"),
        (B, "diem", "k1", "blank", "pending"),
    ]
    assert {(r.run_id, r.batch_key, r.attempts, r.message) for r in rows} == {(run_id, None, 0, "")}
    assert rows[0].payload == {"ma": "k1", "hoc_ky": 1, "ddg_gk": "8", "version": 3}


def test_enqueue_of_the_same_payload_again_writes_nothing(engine, run_id):
    plan(engine, run_id, [change(A, "k1"), change(A, "k2")])
    again = plan(engine, new_run(engine), [change(A, "k1"), change(A, "k2")])

    assert again == Counter({"already_planned": 2})
    assert [(r.key, r.status, r.run_id) for r in items(engine)] == [
        ("k1", "pending", run_id),
        ("k2", "pending", run_id),
    ]


def test_enqueue_of_a_new_payload_supersedes_the_unsent_item(engine, run_id):
    plan(engine, run_id, [change(A, "k1", gk="5"), change(A, "k2", gk="5")])
    counts = plan(engine, run_id, [change(A, "k1", gk="9")])

    assert counts == Counter({"fill": 1})
    assert [(r.key, r.payload["ddg_gk"], r.status) for r in items(engine)] == [
        ("k1", "5", "superseded"),
        ("k2", "5", "pending"),
        ("k1", "9", "pending"),
    ]


def test_enqueue_does_not_touch_an_item_already_in_a_batch(engine, run_id):
    plan(engine, run_id, [change(A, "k1", gk="5")])
    batch(engine, A, 2)
    [before] = items(engine)

    counts = plan(engine, run_id, [change(A, "k1", gk="9")])

    assert counts == Counter({"in_flight": 1})
    [after] = items(engine)
    assert (after.id, after.status, after.payload["ddg_gk"], after.batch_key) == (
        before.id,
        "pending",
        "5",
        before.batch_key,
    )


def test_enqueue_of_the_same_key_on_another_platform_is_its_own_item(engine, run_id):
    plan(engine, run_id, [change(A, "k1")])
    counts = plan(engine, run_id, [change(B, "k1")])

    assert counts == Counter({"fill": 1})
    assert [(r.platform, r.status) for r in items(engine)] == [(A, "pending"), (B, "pending")]


def test_new_changes_lists_only_what_the_outbox_does_not_hold(engine, run_id):
    plan(engine, run_id, [change(A, "planned"), change(A, "inflight"), change(A, "replan", gk="5")])
    with session_scope(engine) as session:
        inflight = session.exec(select(OutboxItemRow).where(OutboxItemRow.key == "inflight")).one()
        inflight.batch_key = "k" * 40
    wanted = [
        change(A, "planned"),
        change(A, "inflight", gk="1"),
        change(A, "replan", gk="9"),
        change(A, "fresh"),
        change(B, "planned"),
    ]

    with Session(engine) as session:
        fresh = new_changes(session, wanted)

    assert [(c.platform, c.key) for c in fresh] == [(A, "replan"), (A, "fresh"), (B, "planned")]


# --- assign_batches -----------------------------------------------------------------------


def test_batches_are_per_entity_and_semester_and_at_most_max_batch(engine, run_id):
    plan(
        engine,
        run_id,
        [
            *(change(A, f"s{i}", hk=1) for i in range(5)),
            change(A, "t0", hk=2),
            *(change(A, f"d{i}", entity="diem_danh", hk=1) for i in range(3)),
            change(A, "h0", entity="hoc_sinh"),
            change(B, "s0"),
            change(B, "s9"),
        ],
    )

    made = batch(engine, A, 2)

    assert made == 7  # diem/1: 2+2+1, diem/2: 1, diem_danh/1: 2+1, hoc_sinh: 1
    groups: dict[str, list[OutboxItemRow]] = {}
    for row in items(engine, A):
        groups.setdefault(row.batch_key, []).append(row)
    assert None not in groups and len(groups) == 7
    shapes = sorted(
        (rows[0].entity, str(rows[0].payload.get("hoc_ky", "")), tuple(sorted(r.key for r in rows)))
        for rows in groups.values()
    )
    assert shapes == [
        ("diem", "1", ("s0", "s1")),
        ("diem", "1", ("s2", "s3")),
        ("diem", "1", ("s4",)),
        ("diem", "2", ("t0",)),
        ("diem_danh", "1", ("d0", "d1")),
        ("diem_danh", "1", ("d2",)),
        ("hoc_sinh", "1", ("h0",)),
    ]
    for rows in groups.values():  # never two entities or two semesters in one batch
        assert len({(r.entity, r.payload["hoc_ky"]) for r in rows}) == 1
    assert [r.batch_key for r in items(engine, B)] == [None, None]  # another platform's items are not touched


def test_assigned_batches_are_committed_once_and_kept(engine, run_id):
    plan(engine, run_id, [change(A, f"k{i}") for i in range(3)])
    assert batch(engine, A, 2) == 2
    first = {r.key: r.batch_key for r in items(engine)}

    assert batch(engine, A, 2) == 0
    assert {r.key: r.batch_key for r in items(engine)} == first
    assert len(set(first.values())) == 2 and all(len(k) == 40 for k in first.values())


def test_only_pending_items_are_batched(engine, run_id):
    plan(engine, run_id, [change(A, "p1")])
    plan(engine, run_id, [change(A, "h1")], status="held")
    plan(engine, run_id, [change(A, "c1", kind="correction")])

    assert batch(engine, A, 2) == 1
    assert {r.key: (r.status, r.batch_key is not None) for r in items(engine)} == {
        "p1": ("pending", True),
        "h1": ("held", False),
        "c1": ("awaiting_approval", False),
    }


# --- deliver: item outcomes ---------------------------------------------------------------


def test_every_item_outcome_is_recorded_with_its_status_message_and_attempt(engine, run_id):
    platform = MemoryConnector(A, max_batch=3)
    platform.answer("k1", Answer(PushOutcome.APPLIED, 7))
    platform.answer("k2", Answer(PushOutcome.APPLIED))
    platform.answer("k3", Answer(PushOutcome.UNCHANGED, 3, "đã có"))
    platform.answer("k4", Answer(PushOutcome.CONFLICT, 9, "phiên bản khác"))
    platform.answer("k5", Answer(PushOutcome.INVALID, None, "Điểm không hợp lệ"))
    platform.answer("k6", Answer(PushOutcome.NOT_FOUND, None, "Không có học sinh"))
    platform.answer("k7", Answer(PushOutcome.LOCKED, None, "Đã khoá sổ"))
    plan(engine, run_id, [change(A, f"k{i}") for i in range(1, 8)])

    delivery = send(platform, engine, windows=[])

    assert delivery.outcomes == Counter(
        {"applied": 2, "unchanged": 1, "conflict": 1, "invalid": 1, "not_found": 1, "locked": 1}
    )
    assert (delivery.waiting_window, delivery.error) == (0, "")
    rows = by_key(engine, A)
    assert {k: (r.status, r.message, r.attempts) for k, r in rows.items()} == {
        "k1": ("done", "", 1),
        "k2": ("done", "", 1),
        "k3": ("done", "đã có", 1),
        "k4": ("conflict", "phiên bản khác", 1),
        "k5": ("dead", "Điểm không hợp lệ", 1),
        "k6": ("dead", "Không có học sinh", 1),
        "k7": ("pending", "Đã khoá sổ", 1),
    }
    assert sorted(len(c.keys) for c in platform.calls) == [1, 3, 3]
    assert sorted(platform.pushed_keys) == [f"k{i}" for i in range(1, 8)]
    assert rows["k7"].batch_key is None  # locked: a new batch next time
    assert all(rows[k].batch_key for k in ("k1", "k2", "k3", "k4", "k5", "k6"))


def test_payloads_are_sent_as_planned_with_the_batch_key_as_idempotency_key(engine, run_id):
    platform = MemoryConnector(A, max_batch=2)
    plan(engine, run_id, [change(A, "k1", gk="7.5"), change(A, "k2", gk="Đ")])

    send(platform, engine, windows=[])

    [call] = platform.calls
    [r1, r2] = items(engine)
    assert call.entity == "diem"
    assert call.keys == ("k1", "k2")
    assert call.items == (
        {"ma": "k1", "hoc_ky": 1, "ddg_gk": "7.5", "version": 3},
        {"ma": "k2", "hoc_ky": 1, "ddg_gk": "Đ", "version": 3},
    )
    assert call.idempotency_key == r1.batch_key == r2.batch_key


def test_applied_with_a_version_upserts_the_snapshot_and_nothing_else_does(engine, run_id):
    with session_scope(engine) as session:  # what the platform held before: k1 at version 5, k3 at version 3
        upsert_snapshots(
            session,
            [
                SnapshotRecord(A, "diem", "k1", 5, {"ma": "k1", "hoc_ky": 1, "ddg_gk": None}),
                SnapshotRecord(A, "diem", "k3", 3, {"ma": "k3", "hoc_ky": 1, "ddg_gk": None}),
            ],
            NOW,
        )
    platform = MemoryConnector(A, max_batch=3)
    platform.answer("k1", Answer(PushOutcome.APPLIED, 6))
    platform.answer("k2", Answer(PushOutcome.APPLIED, 1))
    platform.answer("k3", Answer(PushOutcome.UNCHANGED, 4))
    platform.answer("k4", Answer(PushOutcome.INVALID, 8, "sai"))
    platform.answer("k5", Answer(PushOutcome.APPLIED))
    platform.answer("k6", Answer(PushOutcome.CONFLICT, 9))
    plan(engine, run_id, [change(A, f"k{i}", gk=f"{i}") for i in range(1, 7)])

    send(platform, engine, windows=[])

    assert snapshots(engine, A) == {
        "k1": (6, {"ma": "k1", "hoc_ky": 1, "ddg_gk": "1"}),  # updated in place, "version" left out
        "k2": (1, {"ma": "k2", "hoc_ky": 1, "ddg_gk": "2"}),  # new
        "k3": (3, {"ma": "k3", "hoc_ky": 1, "ddg_gk": None}),  # unchanged: kept as it was
    }
    assert snapshots(engine, B) == {}


def test_snapshots_are_written_under_the_delivering_platforms_name(engine, run_id):
    alpha, beta = MemoryConnector(A), MemoryConnector(B)
    alpha.answer("k1", Answer(PushOutcome.APPLIED, 2))
    beta.answer("k1", Answer(PushOutcome.APPLIED, 40))
    plan(engine, run_id, [change(A, "k1", gk="1"), change(B, "k1", gk="2")])

    send(alpha, engine, windows=[])
    assert (snapshots(engine, A), snapshots(engine, B)) == ({"k1": (2, {"ma": "k1", "hoc_ky": 1, "ddg_gk": "1"})}, {})
    send(beta, engine, windows=[])
    assert snapshots(engine, B) == {"k1": (40, {"ma": "k1", "hoc_ky": 1, "ddg_gk": "2"})}


def test_a_locked_item_goes_out_again_in_a_new_batch(engine, run_id):
    platform = MemoryConnector(A, max_batch=2)
    platform.answer("k1", Answer(PushOutcome.LOCKED, None, "khoá"))
    plan(engine, run_id, [change(A, "k1"), change(A, "k2")])

    first = send(platform, engine, windows=[])
    second = send(platform, engine, windows=[])

    assert first.outcomes == Counter({"locked": 1, "applied": 1})
    assert second.outcomes == Counter({"applied": 1})
    [one, two] = platform.calls
    assert (one.keys, two.keys) == (("k1", "k2"), ("k1",))
    assert two.idempotency_key != one.idempotency_key
    row = by_key(engine, A)["k1"]
    assert (row.status, row.attempts, row.message, row.batch_key) == ("done", 2, "", two.idempotency_key)


def test_a_batch_answered_locked_entirely_gets_a_new_key_next_time(engine, run_id):
    platform = MemoryConnector(A, max_batch=2)
    platform.answer("k1", Answer(PushOutcome.LOCKED, None, "khoá"))
    platform.answer("k2", Answer(PushOutcome.LOCKED, None, "khoá"))
    plan(engine, run_id, [change(A, "k1"), change(A, "k2")])

    send(platform, engine, windows=[])
    send(platform, engine, windows=[])

    [one, two] = platform.calls
    assert (one.keys, two.keys) == (("k1", "k2"), ("k1", "k2"))
    assert two.idempotency_key != one.idempotency_key


def test_a_conflict_stays_until_a_new_plan_supersedes_it(engine, run_id):
    platform = MemoryConnector(A, max_batch=2)
    platform.answer("k1", Answer(PushOutcome.CONFLICT, 9, "vnEdu có phiên bản 9"))
    plan(engine, run_id, [change(A, "k1", gk="5", version=3), change(A, "k2")])
    send(platform, engine, windows=[])

    nothing = send(platform, engine, windows=[])  # a conflict is not sent again as it is
    assert (nothing.outcomes, len(platform.calls)) == (Counter(), 1)
    conflicted = latest(engine, A, "k1")
    assert (conflicted.status, conflicted.message, conflicted.attempts) == ("conflict", "vnEdu có phiên bản 9", 1)

    counts = plan(engine, new_run(engine), [change(A, "k1", gk="5", version=9)])  # re-planned after re-reading

    assert counts == Counter({"fill": 1})
    old, new = [r for r in items(engine, A) if r.key == "k1"]
    assert (old.id, old.status) == (conflicted.id, "superseded")
    assert (new.status, new.payload["version"], new.batch_key, new.attempts) == ("pending", 9, None, 0)
    again = send(platform, engine, windows=[])
    assert again.outcomes == Counter({"applied": 1})
    assert platform.calls[-1].items == ({"ma": "k1", "hoc_ky": 1, "ddg_gk": "5", "version": 9},)
    assert platform.calls[-1].idempotency_key != platform.calls[0].idempotency_key
    assert [(r.status, r.attempts) for r in items(engine, A) if r.key == "k1"] == [("superseded", 1), ("done", 1)]


def test_a_dead_item_is_not_sent_again(engine, run_id):
    platform = MemoryConnector(A, max_batch=2)
    platform.answer("k1", Answer(PushOutcome.INVALID, None, "sai"))
    plan(engine, run_id, [change(A, "k1")])

    send(platform, engine, windows=[])
    again = send(platform, engine, windows=[])

    assert (again.outcomes, len(platform.calls)) == (Counter(), 1)
    assert (latest(engine, A, "k1").status, latest(engine, A, "k1").attempts) == ("dead", 1)


# --- deliver: a whole batch refused or failed ---------------------------------------------


def six_items_in_three_batches(engine, run_id) -> list[str]:
    """Six items of one platform and entity in three committed batches, in sending order."""
    plan(engine, run_id, [change(A, f"k{i}") for i in range(6)])
    assert batch(engine, A, 2) == 3
    return batch_order(engine, A)


def test_a_refused_batch_is_split_only_the_refused_item_is_dead_and_the_next_batch_still_goes(engine, run_id):
    order = six_items_in_three_batches(engine, run_id)
    refused = batch_members(engine, A, order[0])
    platform = MemoryConnector(A, max_batch=2)
    platform.raise_on(refused[0], PermanentError(A, "Lớp không tồn tại"))  # the batch
    platform.raise_on(refused[0], PermanentError(A, "Lớp không tồn tại"))  # and that item sent alone

    delivery = send(platform, engine, windows=[])

    assert [c.idempotency_key for c in platform.calls][0] == order[0] and len(platform.calls) == 5  # 3 + 2 alone
    assert [c.keys for c in platform.calls[1:3]] == [(refused[0],), (refused[1],)]
    assert delivery.outcomes == Counter({"dead": 1, "applied": 5})
    assert (delivery.error, delivery.waiting_window) == ("", 0)
    rows = by_key(engine, A)
    assert (rows[refused[0]].status, rows[refused[0]].message) == ("dead", "Lớp không tồn tại")
    assert {k: r.status for k, r in rows.items() if k != refused[0]} == {k: "done" for k in rows if k != refused[0]}
    assert send(platform, engine, windows=[]).outcomes == Counter()  # nothing left, nothing resent
    assert len(platform.calls) == 5


def test_a_refused_batch_counts_every_attempt(engine, run_id):
    order = six_items_in_three_batches(engine, run_id)
    refused = batch_members(engine, A, order[0])
    platform = MemoryConnector(A, max_batch=2).raise_on(refused[0], PermanentError(A, "Lớp không tồn tại"))

    send(platform, engine, windows=[])

    assert [by_key(engine, A)[k].attempts for k in refused] == [2, 2]  # the batch, then each alone


def test_a_transient_error_stops_delivery_and_the_batch_goes_again_with_the_same_key(engine, run_id):
    order = six_items_in_three_batches(engine, run_id)
    failed = batch_members(engine, A, order[0])
    platform = MemoryConnector(A, max_batch=2).raise_on(failed[0], TransientError(A, "vnEdu quá tải", 30))

    first = send(platform, engine, windows=[])

    assert len(platform.calls) == 1  # the later batches were not attempted
    assert (first.error, first.outcomes, first.waiting_window) == ("vnEdu quá tải", Counter(), 0)
    rows = by_key(engine, A)
    for key, row in rows.items():
        tried = key in failed
        assert (row.status, row.attempts, row.message) == (
            "pending",
            1 if tried else 0,
            "vnEdu quá tải" if tried else "",
        )
    batch_of = {key: row.batch_key for key, row in rows.items()}

    # meanwhile the plan runs again: the failed batch's items are in flight, a new record is added
    counts = plan(engine, new_run(engine), [change(A, failed[0], gk="10"), change(A, "k9")])
    assert counts == Counter({"in_flight": 1, "fill": 1})

    second = send(platform, engine, windows=[])

    assert (second.error, second.outcomes) == ("", Counter({"applied": 7}))
    retried = [c for c in platform.calls[1:] if c.idempotency_key == order[0]]
    assert len(retried) == 1
    assert (retried[0].keys, retried[0].items) == (platform.calls[0].keys, platform.calls[0].items)
    assert {c.idempotency_key for c in platform.calls[1:]} == {*order, latest(engine, A, "k9").batch_key}
    rows = by_key(engine, A)
    assert {k: r.batch_key for k, r in rows.items() if k != "k9"} == batch_of  # no batch was re-cut
    assert {k: (r.status, r.attempts) for k, r in rows.items()} == {
        **{k: ("done", 2 if k in failed else 1) for k in batch_of},
        "k9": ("done", 1),
    }


def test_a_transient_error_on_a_later_batch_keeps_what_was_already_answered(engine, run_id):
    order = six_items_in_three_batches(engine, run_id)
    failed = batch_members(engine, A, order[1])
    platform = MemoryConnector(A, max_batch=2).raise_on(failed[0], TransientError(A, "hết thời gian chờ"))

    delivery = send(platform, engine, windows=[])

    assert [c.idempotency_key for c in platform.calls] == order[:2]
    assert (delivery.outcomes, delivery.error) == (Counter({"applied": 2}), "hết thời gian chờ")
    status = {k: (r.status, r.attempts) for k, r in by_key(engine, A).items()}
    assert status == {
        **{k: ("done", 1) for k in batch_members(engine, A, order[0])},
        **{k: ("pending", 1) for k in failed},
        **{k: ("pending", 0) for k in batch_members(engine, A, order[2])},
    }


def test_a_batch_refused_as_locked_waits_instead_of_dead_lettering(engine, run_id):
    order = six_items_in_three_batches(engine, run_id)
    locked = batch_members(engine, A, order[0])
    platform = MemoryConnector(A, max_batch=2).raise_on(locked[0], LockedError(A, "Dữ liệu đang khoá"))

    first = send(platform, engine, windows=[])

    assert "dead" not in first.outcomes
    assert [by_key(engine, A)[k].status for k in locked] == ["pending", "pending"]
    send(platform, engine, windows=[])  # the window opened again
    assert [by_key(engine, A)[k].status for k in locked] == ["done", "done"]


def test_lost_credentials_stop_delivery_and_dead_letter_nothing(engine, run_id):
    order = six_items_in_three_batches(engine, run_id)
    first_batch = batch_members(engine, A, order[0])
    platform = MemoryConnector(A, max_batch=2).raise_on(first_batch[0], AuthError(A, "Khoá API bị thu hồi"))
    before = {r.key: r.batch_key for r in items(engine, A)}

    try:
        delivery = send(platform, engine, windows=[])
    except AuthError:  # stopping by raising (run_once records it) is as good as reporting an error
        delivery = None

    assert len(platform.calls) == 1
    assert delivery is None or (delivery.error, delivery.outcomes) == ("Khoá API bị thu hồi", Counter())
    assert {r.key: (r.status, r.batch_key) for r in items(engine, A)} == {k: ("pending", b) for k, b in before.items()}


# --- deliver: two platforms ---------------------------------------------------------------


def test_delivery_for_one_platform_never_sends_another_platforms_items(engine, run_id):
    plan(
        engine,
        run_id,
        [
            *(change(A, f"k{i}", gk="a") for i in range(3)),
            change(A, "d1", entity="diem_danh", gk="a"),
            *(change(B, f"k{i}", gk="b") for i in range(4)),
        ],
    )
    alpha, beta = MemoryConnector(A, max_batch=2), MemoryConnector(B, max_batch=3)

    first = send(alpha, engine, windows=[])

    assert first.outcomes == Counter({"applied": 4})
    assert {item["ddg_gk"] for call in alpha.calls for item in call.items} == {"a"}
    assert sorted(alpha.pushed_keys) == ["d1", "k0", "k1", "k2"]
    assert [(r.status, r.batch_key, r.attempts) for r in items(engine, B)] == [("pending", None, 0)] * 4
    assert beta.calls == []

    second = send(beta, engine, windows=[])

    assert second.outcomes == Counter({"applied": 4})
    assert [len(c.keys) for c in beta.calls] in ([3, 1], [1, 3])  # beta's own max_batch
    assert {item["ddg_gk"] for call in beta.calls for item in call.items} == {"b"}
    assert len(alpha.calls) == 3  # alpha was not asked again
    assert not {c.idempotency_key for c in alpha.calls} & {c.idempotency_key for c in beta.calls}
    assert {r.status for r in items(engine)} == {"done"}


def test_one_platforms_failure_leaves_the_other_platform_alone(engine, run_id):
    plan(engine, run_id, [change(A, "k1"), change(B, "k1")])
    alpha = MemoryConnector(A).raise_on("k1", TransientError(A, "alpha sập"))
    beta = MemoryConnector(B).raise_on("k1", PermanentError(B, "beta từ chối"))

    assert send(alpha, engine, windows=[]).error == "alpha sập"
    assert [(r.status, r.attempts, r.message) for r in items(engine, B)] == [("pending", 0, "")]
    assert send(beta, engine, windows=[]).outcomes == Counter({"dead": 1})
    assert [(r.status, r.attempts, r.message) for r in items(engine, A)] == [("pending", 1, "alpha sập")]
    assert send(alpha, engine, windows=[]).outcomes == Counter({"applied": 1})
    assert [(r.platform, r.status) for r in items(engine)] == [(A, "done"), (B, "dead")]


# --- lock windows -------------------------------------------------------------------------


def test_a_closed_window_keeps_the_batch_for_later_with_the_same_key(engine, run_id):
    plan(
        engine,
        run_id,
        [
            *(change(A, f"s{i}", hk=1) for i in range(3)),
            change(A, "t0", hk=2),
            change(A, "d0", entity="diem_danh", hk=1),
        ],
    )
    platform = MemoryConnector(A, max_batch=2)
    closed = [window("1", locked=True), window("2")]  # the platform locked semester 1 scores

    waiting = send(platform, engine, windows=closed)

    assert waiting.waiting_window == 3
    assert (waiting.outcomes, waiting.error) == (Counter({"applied": 2}), "")
    assert sorted(platform.pushed_keys) == ["d0", "t0"]
    held = {k: (r.status, r.attempts, r.batch_key) for k, r in by_key(engine, A).items() if k.startswith("s")}
    assert {status for status, _, _ in held.values()} == {"pending"}
    assert {attempts for _, attempts, _ in held.values()} == {0}
    kept_keys = {key for _, _, key in held.values()}
    assert len(kept_keys) == 2 and None not in kept_keys

    again = send(platform, engine, windows=closed)  # still closed: still waiting, nothing sent
    assert (again.waiting_window, again.outcomes, len(platform.calls)) == (3, Counter(), 2)

    opened = send(platform, engine, windows=[window("1"), window("2")])

    assert (opened.waiting_window, opened.outcomes) == (0, Counter({"applied": 3}))
    assert {c.idempotency_key for c in platform.calls[2:]} == kept_keys
    assert {r.status for r in items(engine, A)} == {"done"}


def test_the_schools_window_is_closed_by_time(engine, run_id):
    plan(engine, run_id, [change(A, "s0", hk=1), change(A, "t0", hk=2)])
    platform = MemoryConnector(A, max_batch=2)
    school = [window("1", platform="school", closes=NOW - timedelta(hours=1)), window("2", platform="school")]

    delivery = send(platform, engine, windows=school)

    assert (delivery.waiting_window, delivery.outcomes) == (1, Counter({"applied": 1}))
    assert platform.pushed_keys == ["t0"]


def test_without_given_windows_delivery_asks_the_platform_once_and_only_when_there_is_work(engine, run_id):
    platform = MemoryConnector(A, max_batch=2, windows=[window("1", locked=True)])

    empty = send(platform, engine)
    assert (empty.outcomes, empty.waiting_window, empty.error, platform.window_requests) == (Counter(), 0, "", 0)

    plan(engine, run_id, [change(A, f"s{i}") for i in range(3)])
    delivery = send(platform, engine)

    assert (delivery.waiting_window, delivery.outcomes, platform.window_requests, platform.calls) == (
        3,
        Counter(),
        1,
        [],
    )


@pytest.mark.parametrize(
    ("windows", "entity", "semester", "expected"),
    [
        ([], "diem", "1", True),
        ([window("1", locked=True)], "diem", "1", False),
        ([window("1", locked=True)], "diem", "2", True),
        ([window("1", locked=True)], "diem_danh", "1", True),
        ([window("1", kind=DataKind.ATTENDANCE, locked=True)], "diem_danh", "1", False),
        ([window("1", locked=True)], "hoc_sinh", "1", True),
        ([window("1", locked=False, closes=NOW - timedelta(days=1))], "diem", "1", True),  # a platform's: its flag
        ([window("1", platform="school", closes=NOW - timedelta(days=1))], "diem", "1", False),
        ([window("1", platform="school", opens=NOW + timedelta(days=1))], "diem", "1", False),
        ([window("1", platform="school", closes=NOW)], "diem", "1", False),  # the end is excluded
        ([window("1", platform="school", opens=NOW)], "diem", "1", True),
        ([window("1", platform="school", locked=True)], "diem", "1", False),
        ([window("1"), window("1", platform="school", closes=NOW - timedelta(days=1))], "diem", "1", False),
    ],
)
def test_window_open(windows, entity, semester, expected):
    assert window_open(windows, entity, semester, NOW) is expected
