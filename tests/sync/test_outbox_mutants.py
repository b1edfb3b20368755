"""The outbox's bookkeeping when more than one batch is refused, locked or retried, and a
re-plan after a conflict: written from mutation testing (bench/mutation.md), each test pins
what `sync.outbox` records where no other test looked (attempt counts that add up, totals
over several batches, delivery going on after a locked batch).

Same helpers and platform as `test_outbox_outcomes` (a migrated SQLite file, `MemoryConnector`).
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import Session

from lienthong.connectors.base import PushOutcome
from lienthong.connectors.errors import LockedError, PermanentError, TransientError
from lienthong.sync.outbox import new_changes
from tests.sync.memory_connector import Answer, MemoryConnector
from tests.sync.test_outbox_outcomes import (
    A,
    batch_members,
    by_key,
    change,
    items,
    new_run,
    plan,
    send,
    six_items_in_three_batches,
)


@pytest.fixture
def run_id(engine) -> int:
    return new_run(engine)


def test_a_change_planned_again_after_a_conflict_is_a_new_item_even_with_the_same_payload(engine, run_id):
    platform = MemoryConnector(A, max_batch=2)
    platform.answer("k1", Answer(PushOutcome.CONFLICT, 9, "vnEdu có phiên bản 9"))
    plan(engine, run_id, [change(A, "k1")])
    send(platform, engine, windows=[])

    with Session(engine) as session:  # a conflict does not count as already planned
        assert [c.key for c in new_changes(session, [change(A, "k1")])] == ["k1"]
    counts = plan(engine, new_run(engine), [change(A, "k1")])

    assert counts == Counter({"fill": 1})
    assert [(r.status, r.attempts) for r in items(engine, A)] == [("superseded", 1), ("pending", 0)]


def test_batches_refused_as_locked_all_wait_count_their_attempt_and_the_rest_still_goes(engine, run_id):
    order = six_items_in_three_batches(engine, run_id)
    first, second, third = (batch_members(engine, A, key) for key in order)
    platform = (
        MemoryConnector(A, max_batch=2)
        .raise_on(first[0], LockedError(A, "Dữ liệu đang khoá"))
        .raise_on(second[0], LockedError(A, "Dữ liệu đang khoá"))
    )

    delivery = send(platform, engine, windows=[])

    assert [c.idempotency_key for c in platform.calls] == order  # the third batch went out too
    assert (delivery.waiting_window, delivery.outcomes, delivery.error) == (4, Counter({"applied": 2}), "")
    rows = by_key(engine, A)
    assert {k: (rows[k].status, rows[k].attempts, rows[k].message, rows[k].batch_key) for k in first + second} == {
        k: ("pending", 1, "Dữ liệu đang khoá", None) for k in first + second
    }
    assert {(rows[k].status, rows[k].attempts) for k in third} == {("done", 1)}

    again = send(platform, engine, windows=[])  # the window opened: new batches, one more attempt

    assert (again.waiting_window, again.outcomes) == (0, Counter({"applied": 4}))
    assert {k: (r.status, r.attempts) for k, r in by_key(engine, A).items()} == {
        **{k: ("done", 2) for k in first + second},
        **{k: ("done", 1) for k in third},
    }


def test_refused_batches_add_up_and_an_item_tried_before_counts_every_attempt(engine, run_id):
    order = six_items_in_three_batches(engine, run_id)
    first, second, third = (batch_members(engine, A, key) for key in order)
    platform = MemoryConnector(A, max_batch=2).raise_on(first[0], TransientError(A, "vnEdu quá tải"))
    assert send(platform, engine, windows=[]).error == "vnEdu quá tải"  # the first batch: one attempt so far

    for key in (first[0], first[0], second[0], second[0]):  # each batch refused, then that item alone too
        platform.raise_on(key, PermanentError(A, "Lớp không tồn tại"))
    delivery = send(platform, engine, windows=[])

    assert delivery.outcomes == Counter({"dead": 2, "applied": 4})
    rows = by_key(engine, A)
    assert {k: (r.status, r.attempts) for k, r in rows.items()} == {
        first[0]: ("dead", 3),  # the overloaded try, the refused batch, alone
        first[1]: ("done", 3),
        second[0]: ("dead", 2),
        second[1]: ("done", 2),
        **{k: ("done", 1) for k in third},
    }
