"""Crash safety at fixed points, in process: the deterministic partner of ``test_crash_safety``.

A run is "killed" at one named point — by a ``BaseException`` that no product code catches,
raised from a wrapped step — and then run again from scratch: a new engine on the same SQLite
file, a new connector, a new ``run_once``, the same simulators. Whatever the point, the end
must be the same: every wiped score written back to vnEdu exactly once (the simulator's
``GET /_sim/writes`` counts real writes per key), nothing left open in the outbox, a batch that
went out before the kill re-sent with the same idempotency key, and the killed run, left
"running", marked "interrupted" by the next one.

The points, in the order a run reaches them:

================================  ==========================================================
``pull_page_uncommitted``         inside the transaction of the 3rd score page (rolled back)
``pull_page_committed``           just after the 3rd score page was committed with its cursor
``plan_committed``                after the plan/outbox transaction
``batches_committed``             batches (and their keys) committed, nothing pushed yet
``applied_not_recorded``          vnEdu applied the first batch; its answer never recorded
``applied_not_recorded_second``   first batch recorded; vnEdu applied the second, unrecorded
``answer_recorded``               first batch's answer recorded, before the second is read
``delivery_recorded``             every answer recorded, the run not yet finished
================================  ==========================================================
"""

from __future__ import annotations

import asyncio
import random
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import pytest
from sqlmodel import Session, select

import lienthong.sync.pull as pull_module
import lienthong.sync.run as run_module
from lienthong.store import queries
from lienthong.store.db import make_engine, migrate
from lienthong.store.repository import snapshot_versions
from lienthong.store.tables import OutboxItemRow, SyncCursorRow, SyncRunRow
from lienthong.sync.run import RunOptions, RunReport, run_once
from tests.sync.conftest import SUBJECTS, import_books, make_sims, pinned, vnedu

WIPED = 12  # score sheets whose GK someone clears in vnEdu before the run
MAX_BATCH = 5  # so that the 12 fills go out as three batches (5, 5, 2)
PAGE = 500  # vnEdu's page size: the 3600 score sheets of semester 1 come in 8 pages


class Killed(BaseException):
    """The process died here: not an ``Exception``, so no ``except Exception`` swallows it."""


# --- the world ------------------------------------------------------------------------------


def wipe(sims, count: int) -> set[tuple[str, str, str]]:
    """Someone clears the GK of ``count`` semester-1 score sheets in vnEdu (the gradebook, the
    owner, still has them: each becomes one "fill" to push)."""
    keys = sorted(k for k in sims.vnedu.scores if k[1] in SUBJECTS and k[2] == "1")
    chosen = set(random.Random(7).sample(keys, count))
    for key in chosen:
        sheet = sims.vnedu.scores[key]
        sheet.update(ddg_gk=None, version=sheet["version"] + 1, updated_at=sims.vnedu.clock().isoformat())
    sims.vnedu.revision += 1
    return chosen


def sim_writes(sims) -> dict[str, int]:
    """What vnEdu really wrote, per key, as its control endpoint reports it."""
    answer = httpx.get(f"{sims.servers['vnedu'].url}/_sim/writes", timeout=10)
    answer.raise_for_status()
    return answer.json()["by_key"]


@dataclass(frozen=True)
class Sent:
    attempt: int  # 1: the run that was killed, 2: the restart
    idempotency_key: str
    keys: tuple[str, ...]  # the record keys of the batch, in the order sent


@dataclass
class Wire:
    """Every push that reached the connector, across both runs."""

    sent: list[Sent] = field(default_factory=list)

    def of(self, attempt: int) -> list[Sent]:
        return [s for s in self.sent if s.attempt == attempt]


@dataclass(frozen=True)
class Kill:
    """Where the first run dies. ``push``: "before" or "after" the real push, on push number
    ``on_push`` (1-based); ``patch``: a step of the engine to wrap instead (see `armed`)."""

    push: str | None = None
    on_push: int = 1
    patch: str | None = None


def connector(sims, wire: Wire, attempt: int, kill: Kill | None = None):
    """A fresh vnEdu connector (as a restarted process builds it) whose pushes are recorded and,
    in the killed run, die at the chosen point."""
    api = vnedu(sims)
    api.max_batch = MAX_BATCH
    real_push = api.push
    count = 0

    async def push(entity, items, idempotency_key):
        nonlocal count
        count += 1
        keys = tuple(f"{i['ma_hoc_sinh']}:{i['ma_mon']}:{i['hoc_ky']}" for i in items)
        dies = kill is not None and kill.push is not None and count == kill.on_push
        if dies and kill.push == "before":
            raise Killed(f"before push {count}")
        wire.sent.append(Sent(attempt, idempotency_key, keys))
        answers = await real_push(entity, items, idempotency_key)
        if dies and kill.push == "after":
            raise Killed(f"after push {count}: the platform applied it, the answer is lost")
        return answers

    api.push = push
    return api


def nth_call(real, n: int, when=lambda *a, **k: True, after: bool = False):
    """``real``, dying at its ``n``-th call that ``when`` accepts: before it runs, or just after."""
    calls = 0

    def wrapped(*args, **kwargs):
        nonlocal calls
        if when(*args, **kwargs):
            calls += 1
            if calls == n and not after:
                raise Killed(f"{real.__name__} call {n}")
        result = real(*args, **kwargs)
        if after and calls == n and when(*args, **kwargs):
            raise Killed(f"after {real.__name__} call {n}")
        return result

    return wrapped


def deliver_then_die(real):
    async def wrapped(*args, **kwargs):
        await real(*args, **kwargs)
        raise Killed("after every answer was recorded")

    return wrapped


@contextmanager
def armed(monkeypatch, kill: Kill):
    """The engine-step patches of ``kill``, removed again when the killed run is over."""
    with monkeypatch.context() as patch:
        if kill.patch == "save_cursor":  # inside the page's transaction: the page is rolled back
            patch.setattr(
                pull_module,
                "save_cursor",
                nth_call(pull_module.save_cursor, 3, lambda s, platform, entity, *a: entity == "diem"),
            )
        elif kill.patch == "plan":
            patch.setattr(run_module, "_plan", nth_call(run_module._plan, 1, after=True))
        elif kill.patch == "batch_items":  # the next batch is read only after the last answer is committed
            patch.setattr(queries, "batch_items", nth_call(queries.batch_items, 2))
        elif kill.patch == "deliver":
            patch.setattr(run_module, "deliver", deliver_then_die(run_module.deliver))
        yield


def die_after_page(n: int, entity: str):
    """A progress callback: called once a page is committed; dies after the ``n``-th of ``entity``."""
    seen = 0

    def progress(platform, pulled, records):
        nonlocal seen
        if pulled == entity:
            seen += 1
            if seen == n:
                raise Killed(f"after {entity} page {n} was committed")

    return progress


def run(sims, url: str, wire: Wire, attempt: int, kill: Kill | None = None, progress=None) -> RunReport:
    """One run as a fresh process would do it: its own engine and connector."""
    engine = make_engine(url)

    async def go():
        async with connector(sims, wire, attempt, kill) as api:
            return await run_once({"vnedu": api}, engine, RunOptions(), pinned, progress)

    try:
        return asyncio.run(go())
    finally:
        engine.dispose()


# --- what the database holds --------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    runs: dict[int, str]
    items: list[OutboxItemRow]
    score_snapshots: int
    score_cursor: bool


def held(url: str) -> Held:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            runs = {r.id: r.status for r in session.exec(select(SyncRunRow))}
            items = list(session.exec(select(OutboxItemRow).order_by(OutboxItemRow.id)))
            session.expunge_all()
            snapshots = len(snapshot_versions(session, "vnedu", "diem"))
            cursor = (
                session.exec(
                    select(SyncCursorRow).where(SyncCursorRow.platform == "vnedu", SyncCursorRow.entity == "diem")
                ).first()
                is not None
            )
        return Held(runs, items, snapshots, cursor)
    finally:
        engine.dispose()


# --- the points ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    kill: Kill
    progress: object = None  # a progress callback factory, for the pull points
    # what the killed run leaves behind
    snapshots: int | None = None  # score snapshots committed (None: all 3600)
    items: int = WIPED  # outbox items written
    batched: bool = True  # their batch keys committed
    done: str = "none"  # "none" · "first" (the first batch sent) · "all"
    writes_at_kill: str = "none"  # "none" · "first" (batch) · "sent" (every batch the killed run sent)
    resent: int = 0  # batches of the killed run that the restart sends again, same key


POINTS = {
    "pull_page_uncommitted": Point(Kill(patch="save_cursor"), snapshots=2 * PAGE, items=0, batched=False),
    "pull_page_committed": Point(
        Kill(), progress=lambda: die_after_page(3, "diem"), snapshots=3 * PAGE, items=0, batched=False
    ),
    "plan_committed": Point(Kill(patch="plan"), batched=False),
    "batches_committed": Point(Kill(push="before")),
    "applied_not_recorded": Point(Kill(push="after"), writes_at_kill="first", resent=1),
    "applied_not_recorded_second": Point(Kill(push="after", on_push=2), done="first", writes_at_kill="sent", resent=1),
    "answer_recorded": Point(Kill(patch="batch_items"), done="first", writes_at_kill="first"),
    "delivery_recorded": Point(Kill(patch="deliver"), done="all", writes_at_kill="sent"),
}


def diem_key(key: tuple[str, str, str]) -> str:
    return ":".join(key)


@pytest.mark.parametrize("name", list(POINTS))
def test_a_run_killed_at_a_fixed_point_resumes_and_applies_every_write_exactly_once(name, tmp_path, monkeypatch):
    point = POINTS[name]
    url = f"sqlite:///{tmp_path / 'sync.db'}"
    migrate(url)
    sims = make_sims()
    try:
        setup = make_engine(url)
        import_books(setup, sims)
        setup.dispose()
        truth = {
            (s.vnedu_id, code, "1"): s.scores[code]["hk1"]["gk"] for s in sims.school.students for code in SUBJECTS
        }
        wiped = wipe(sims, WIPED)
        wire = Wire()

        # --- the run that dies ---------------------------------------------------------------
        with armed(monkeypatch, point.kill), pytest.raises(Killed):
            run(sims, url, wire, 1, point.kill, point.progress() if point.progress else None)

        at_kill = held(url)
        [killed_run] = at_kill.runs
        assert at_kill.runs == {killed_run: "running"}
        assert at_kill.score_snapshots == (point.snapshots if point.snapshots is not None else 3600)
        assert at_kill.score_cursor  # a page's cursor is committed with the page
        assert len(at_kill.items) == point.items
        assert all(i.status in ("pending", "done") for i in at_kill.items)
        assert all((i.batch_key is not None) == point.batched for i in at_kill.items)
        first = wire.of(1)[0].keys if wire.of(1) else ()
        done_at_kill = {i.key for i in at_kill.items if i.status == "done"}
        assert done_at_kill == {"none": set(), "first": set(first), "all": {diem_key(k) for k in wiped}}[point.done]
        sent_at_kill = [k for s in wire.of(1) for k in s.keys]
        expected_writes = {"none": [], "first": list(first), "sent": sent_at_kill}
        assert sorted(sim_writes(sims)) == sorted(f"diem:{k}" for k in expected_writes[point.writes_at_kill])
        committed_batches = {i.batch_key for i in at_kill.items if i.status == "pending" and i.batch_key}

        # --- the restart: new engine, new connector, nothing patched -------------------------
        report = run(sims, url, wire, 2)

        assert report.status == "completed" and not report.errors, report.as_json()
        # every wiped score written back exactly once, and nothing else written
        assert sim_writes(sims) == {f"diem:{diem_key(k)}": 1 for k in wiped}
        for key in wiped:
            assert sims.vnedu.scores[key]["ddg_gk"].replace(",", ".") == truth[key].replace(",", ".")
        end = held(url)
        # one item per change (none planned twice), all acknowledged, nothing open
        assert sorted(i.key for i in end.items) == sorted(diem_key(k) for k in wiped)
        assert {i.status for i in end.items} == {"done"}  # nothing pending, held or in conflict
        # the killed run is marked, the restart finished
        assert end.runs == {killed_run: "interrupted", report.run_id: "completed"}
        # a batch committed before the kill goes out again under the key it was given
        restarted = wire.of(2)
        assert {s.idempotency_key for s in restarted} == {i.batch_key for i in end.items if i.key not in done_at_kill}
        assert committed_batches <= {s.idempotency_key for s in restarted}
        before = {s.idempotency_key: s.keys for s in wire.of(1)}
        again = [s for s in restarted if s.idempotency_key in before]
        assert len(again) == point.resent
        assert all(s.keys == before[s.idempotency_key] for s in again)  # the same batch, the same key
        for key in (diem_key(k) for k in wiped):  # however often a change went out, it had one key
            assert len({s.idempotency_key for s in wire.sent if key in s.keys}) == 1
        assert sorted(k for s in restarted for k in s.keys) == sorted({diem_key(k) for k in wiped} - done_at_kill)
    finally:
        sims.stop()
