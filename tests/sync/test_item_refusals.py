"""Per-item outcomes when a platform refuses a whole batch.

vnEdu answers a request with one malformed item with HTTP 422 for the whole request; in a trial
that dead-lettered 125 approved items and the next run held them again. Now a batch refused as
a whole (a `PermanentError`, not an auth error) is cut into batches of one, each with a key
derived from the batch's key and the item's id and committed before sending; only the items the
platform refuses alone are dead letters, and a refused change is not planned (held, sent) again.

Outbox tests use `MemoryConnector` (subclassed below to refuse whole batches) and a migrated
database (SQLite and PostgreSQL); the last test runs the whole engine against the vnEdu simulator.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlmodel import Session

from lienthong.connectors.base import PushOutcome
from lienthong.connectors.errors import AuthError, PermanentError, TransientError
from lienthong.store.db import session_scope
from lienthong.store.tables import SyncRunRow
from lienthong.sync.outbox import new_changes
from lienthong.sync.run import RunOptions, approve_run, hold_reason, run_once
from tests.sync.conftest import import_books, make_sims, pinned, vnedu
from tests.sync.memory_connector import Answer, MemoryConnector, PushCall
from tests.sync.test_outbox_outcomes import (
    A,
    batch,
    batch_order,
    by_key,
    change,
    items,
    new_run,
    plan,
    send,
    snapshots,
)
from tests.sync.test_sync_engine import blank_class

REFUSAL = "vnEdu từ chối yêu cầu (422): Dữ liệu gửi lên không hợp lệ"


class RefusesWholeBatches(MemoryConnector):
    """A platform that refuses, every time, any request holding one of the ``bad`` keys (a batch
    of one included), as vnEdu refuses a request with one malformed item."""

    def __init__(self, name: str, bad: set[str], max_batch: int = 50, error: type = PermanentError):
        super().__init__(name, max_batch=max_batch)
        self.bad, self.error = bad, error

    async def push(self, entity, items, idempotency_key):
        keys = tuple(self.key_of(item) for item in items)
        if self.bad & set(keys):
            self.calls.append(PushCall(entity, keys, tuple(dict(i) for i in items), idempotency_key))
            raise self.error(self.name, REFUSAL)
        return await super().push(entity, items, idempotency_key)


class Killed(BaseException):
    """The process died here (no product code catches a BaseException)."""


@pytest.fixture
def run_id(engine) -> int:
    return new_run(engine)


def keys(count: int) -> list[str]:
    return [f"k{i:03d}" for i in range(count)]


def alone(platform: MemoryConnector) -> list[PushCall]:
    return [call for call in platform.calls if len(call.keys) == 1]


# --- the split ---------------------------------------------------------------------------


def test_one_bad_item_no_longer_sinks_its_batch(engine, run_id):
    plan(engine, run_id, [change(A, k) for k in keys(6)])
    assert batch(engine, A, 6) == 1
    [whole] = batch_order(engine, A)
    platform = RefusesWholeBatches(A, {"k002"}, max_batch=6)

    delivery = send(platform, engine, windows=[])

    assert delivery.outcomes == Counter({"applied": 5, "dead": 1})
    assert (delivery.error, delivery.waiting_window) == ("", 0)
    rows = by_key(engine, A)
    assert (rows["k002"].status, rows["k002"].message) == ("dead", REFUSAL)
    assert {k: (r.status, r.message, r.attempts) for k, r in rows.items() if k != "k002"} == {
        k: ("done", "", 2) for k in keys(6) if k != "k002"
    }  # the refused batch, then alone
    assert platform.calls[0].idempotency_key == whole and len(platform.calls[0].keys) == 6
    singles = alone(platform)
    assert [c.keys[0] for c in singles] == keys(6)  # each item alone, in order, right after
    assert len({c.idempotency_key for c in singles} | {whole}) == 7  # a key of its own each
    assert {r.batch_key for r in rows.values()} == {c.idempotency_key for c in singles}
    assert send(platform, engine, windows=[]).outcomes == Counter()  # nothing left, nothing resent
    assert len(platform.calls) == 7


def test_of_125_approved_items_only_the_refused_ones_are_dead(engine, run_id):
    plan(engine, run_id, [change(A, k) for k in keys(125)])
    assert batch(engine, A, 50) == 3
    bad = {"k007", "k060", "k061"}  # in the first two batches; the third goes through
    platform = RefusesWholeBatches(A, bad, max_batch=50)

    delivery = send(platform, engine, windows=[])

    assert delivery.outcomes == Counter({"applied": 122, "dead": 3})
    rows = by_key(engine, A)
    assert {k for k, r in rows.items() if r.status == "dead"} == bad
    assert {r.message for k, r in rows.items() if k in bad} == {REFUSAL}
    assert [len(c.keys) for c in platform.calls].count(50) == 2  # the two refused batches...
    assert len(alone(platform)) == 100  # ...went out item by item; the third batch did not
    assert [len(c.keys) for c in platform.calls].count(25) == 1


def test_an_item_alone_is_recorded_by_its_own_answer(engine, run_id):
    plan(engine, run_id, [change(A, k) for k in keys(4)])
    batch(engine, A, 4)
    platform = RefusesWholeBatches(A, {"k000"}, max_batch=4)
    platform.answer("k001", Answer(PushOutcome.INVALID, None, "Điểm không hợp lệ"))
    platform.answer("k002", Answer(PushOutcome.APPLIED, 7))
    platform.answer("k003", Answer(PushOutcome.CONFLICT, 9, "phiên bản khác"))

    delivery = send(platform, engine, windows=[])

    assert delivery.outcomes == Counter({"dead": 1, "invalid": 1, "applied": 1, "conflict": 1})
    rows = by_key(engine, A)
    assert {k: (r.status, r.message) for k, r in rows.items()} == {
        "k000": ("dead", REFUSAL),
        "k001": ("dead", "Điểm không hợp lệ"),
        "k002": ("done", ""),
        "k003": ("conflict", "phiên bản khác"),
    }
    assert snapshots(engine, A)["k002"][0] == 7  # an acknowledged item is what the platform holds


def test_a_batch_of_one_refused_is_dead_at_once(engine, run_id):
    plan(engine, run_id, [change(A, "k000")])
    platform = RefusesWholeBatches(A, {"k000"})

    assert send(platform, engine, windows=[]).outcomes == Counter({"dead": 1})
    assert len(platform.calls) == 1
    assert (by_key(engine, A)["k000"].status, by_key(engine, A)["k000"].attempts) == ("dead", 1)


def test_lost_credentials_are_not_split(engine, run_id):
    plan(engine, run_id, [change(A, k) for k in keys(4)])
    batch(engine, A, 4)
    before = {k: r.batch_key for k, r in by_key(engine, A).items()}
    platform = RefusesWholeBatches(A, {"k001"}, max_batch=4, error=AuthError)

    with pytest.raises(AuthError):
        send(platform, engine, windows=[])

    assert len(platform.calls) == 1
    assert {k: (r.status, r.batch_key) for k, r in by_key(engine, A).items()} == {
        k: ("pending", b) for k, b in before.items()
    }


# --- the split survives failures ----------------------------------------------------------


def test_a_transient_error_while_sending_alone_resumes_with_the_same_keys(engine, run_id):
    plan(engine, run_id, [change(A, k) for k in keys(4)])
    batch(engine, A, 4)
    platform = RefusesWholeBatches(A, {"k000"}, max_batch=4).raise_on("k002", TransientError(A, "quá tải"))

    first = send(platform, engine, windows=[])

    assert (first.error, first.outcomes) == ("quá tải", Counter({"dead": 1, "applied": 1}))
    rows = by_key(engine, A)
    assert {k: r.status for k, r in rows.items()} == {
        "k000": "dead",
        "k001": "done",
        "k002": "pending",
        "k003": "pending",
    }
    waiting = {k: rows[k].batch_key for k in ("k002", "k003")}

    second = send(platform, engine, windows=[])

    assert second.outcomes == Counter({"applied": 2})
    again = {c.keys[0]: c.idempotency_key for c in platform.calls[-2:]}
    assert again == waiting  # the batches of one were committed: the same keys go out again
    assert len(platform.calls_with("k002")) == 3  # in the batch, alone (failed), alone again


def test_a_crash_after_the_split_resends_each_item_alone_under_its_key(engine, run_id):
    plan(engine, run_id, [change(A, k) for k in keys(3)])
    batch(engine, A, 3)

    class DiesAlone(RefusesWholeBatches):
        async def push(self, entity, items, idempotency_key):
            if len(items) == 1 and not alone(self):
                self.calls.append(PushCall(entity, ("k000",), (), idempotency_key))
                raise Killed("the process died while sending the first item alone")
            return await super().push(entity, items, idempotency_key)

    dying = DiesAlone(A, {"k001"}, max_batch=3)
    with pytest.raises(Killed):
        send(dying, engine, windows=[])
    split = {k: r.batch_key for k, r in by_key(engine, A).items()}
    assert {r.status for r in by_key(engine, A).values()} == {"pending"}

    restarted = RefusesWholeBatches(A, {"k001"}, max_batch=3)
    delivery = send(restarted, engine, windows=[])

    assert delivery.outcomes == Counter({"applied": 2, "dead": 1})
    assert {c.keys[0]: c.idempotency_key for c in restarted.calls} == split  # no new batch, no new key
    assert alone(dying)[0].idempotency_key == split["k000"]


# --- what the next run does with them ------------------------------------------------------


def test_a_refused_change_is_not_planned_held_or_sent_again(engine, run_id):
    plan(engine, run_id, [change(A, k, kind="blank") for k in keys(4)], status="held")
    with session_scope(engine) as session:
        session.get(SyncRunRow, run_id).status = "held"
    assert approve_run(engine, run_id, "quan-tri", pinned) == 4
    platform = RefusesWholeBatches(A, {"k003"}, max_batch=4)
    for k in keys(3):
        platform.answer(k, Answer(PushOutcome.APPLIED, 4))
    send(platform, engine, windows=[])

    # the next plan: the applied items are what the platform holds now, so only the refused one
    # would be planned again, with the same payload (the platform's version has not moved)
    assert set(snapshots(engine, A)) == set(keys(3))
    again = [change(A, "k003", kind="blank")]
    with Session(engine) as session:
        fresh = new_changes(session, again)
    assert fresh == [] and hold_reason(fresh, Counter({"6A": 4}), 0.05) == ""
    assert plan(engine, new_run(engine), again) == Counter({"refused": 1})
    assert send(platform, engine, windows=[]).outcomes == Counter()
    assert len(platform.calls_with("k003")) == 2  # the batch, then alone: never again
    # a different change for the same record is a new item
    assert plan(engine, new_run(engine), [change(A, "k003", kind="blank", version=4)]) == Counter({"blank": 1})


def test_planning_a_refused_change_again_withdraws_the_unsent_item_planned_since(engine, run_id):
    plan(engine, run_id, [change(A, "k000", gk="5")])
    send(RefusesWholeBatches(A, {"k000"}), engine, windows=[])  # refused: dead
    plan(engine, new_run(engine), [change(A, "k000", gk="6")])  # the teacher changed it, then back

    assert plan(engine, new_run(engine), [change(A, "k000", gk="5")]) == Counter({"refused": 1})

    assert [(r.payload["ddg_gk"], r.status) for r in items(engine, A)] == [("5", "dead"), ("6", "superseded")]


# --- the whole engine against vnEdu --------------------------------------------------------


def refusing(api, student: str):
    """vnEdu refusing every request that holds ``student``'s sheet (HTTP 422 for the whole
    request): the connector sends that item with a malformed version."""
    real_push = api.push
    seen: list[tuple[str, ...]] = []

    async def push(entity, items, idempotency_key):
        seen.append(tuple(i["ma_hoc_sinh"] for i in items))
        wire = [{**i, "version": "?"} if i["ma_hoc_sinh"] == student else i for i in items]
        return await real_push(entity, wire, idempotency_key)

    api.push = push
    return seen


def test_an_approved_run_refused_by_vnedu_for_one_student_applies_the_rest_and_is_not_held_again(engine):
    sims = make_sims()
    try:
        import_books(engine, sims, edit=blank_class("6A1"))
        bad = sorted(s.vnedu_id for s in sims.school.students if s.class_code == "6A1")[3]
        calls: list[list] = []  # per run: the students of each request

        def run():
            async def go():
                async with vnedu(sims) as api:
                    calls.append(refusing(api, bad))
                    return await run_once({"vnedu": api}, engine, RunOptions(), pinned)

            return asyncio.run(go())

        held = run()
        assert held.status == "held"
        class_size = approve_run(engine, held.run_id, "quan-tri", pinned)

        after = run()

        assert after.status == "completed"
        whole, *singles = calls[-1]  # the class in one request, refused; then each student alone
        assert bad in whole and len(whole) == class_size
        assert sorted(singles) == sorted((student,) for student in whole)
        assert after.delivered["vnedu"] == Counter({"applied": class_size - 1, "dead": 1})
        writes = sims.vnedu.writes.as_dict()
        assert writes["total"] == class_size - 1 and set(writes["by_key"].values()) == {1}
        assert not any(key.startswith(f"diem:{bad}:") for key in writes["by_key"])

        again = run()  # the refused blank is not planned, held or sent again

        assert again.status == "completed" and not again.hold_reason
        assert again.planned == Counter({"refused": 1})
        assert not any(bad in call for call in calls[-1])
        assert sims.vnedu.writes.as_dict()["total"] == class_size - 1
    finally:
        sims.stop()
