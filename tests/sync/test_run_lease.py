"""One run per platform: the run lease (`run_lease`).

Two runs started together for the same platform: one does the work, the other stops with
`RunBusy` and writes nothing. A run that dies leaves its lease to expire; the next run takes it
over and only then marks the dead run "interrupted". A live run renews its lease at every step
and is never marked.

Each test runs on SQLite and PostgreSQL (the `engine` fixture). The race is run against the
vnEdu simulator (its write counter, `GET /_sim/writes`, says who did the work); the rest use an
in-memory platform whose pull can be held at a gate.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from lienthong.connectors.base import PullPage
from lienthong.store import queries
from lienthong.store.db import session_scope
from lienthong.store.tables import RunLeaseRow, SyncCursorRow, SyncRunRow
from lienthong.sync.run import LeaseLost, RunBusy, RunOptions, run_once
from tests.sync.conftest import SUBJECTS, import_books, make_sims, pinned, vnedu
from tests.sync.memory_connector import MemoryConnector

P = "alpha"  # the in-memory platform
RACES = 20
WIPED = 2  # score sheets cleared in vnEdu before each race: the work the winner does


class Clock:
    """A clock the test moves by hand (every run of a test shares it)."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class GatedPlatform(MemoryConnector):
    """An in-memory platform with one entity to pull, one page, whose pull can wait at gates:
    ``entered`` before the page, ``leave`` after it (the page is committed by then). ``arrived`` is
    set when the pull reaches the first gate: the run's first step (and its lease's renewal) is done."""

    pulls = ("diem",)

    def __init__(
        self,
        name: str,
        tag: str,
        entered: threading.Event | None = None,
        leave: threading.Event | None = None,
        arrived: threading.Event | None = None,
    ):
        super().__init__(name)
        self.tag, self.entered, self.leave, self.arrived = tag, entered, leave, arrived

    async def pull(self, entity, cursor=None, **scope):
        if self.arrived:
            self.arrived.set()
        if self.entered:
            assert await asyncio.to_thread(self.entered.wait, 30)
        yield PullPage([], {"by": self.tag})
        if self.leave:
            assert await asyncio.to_thread(self.leave.wait, 30)


def once(engine, connector, clock, progress=None, **options):
    async def go():
        return await run_once({connector.name: connector}, engine, RunOptions(**options), clock, progress)

    return asyncio.run(go())


def runs(engine) -> dict[int, str]:
    with Session(engine) as session:
        return {row.id: row.status for row in session.exec(select(SyncRunRow))}


def lease(engine, platform: str = P) -> RunLeaseRow | None:
    with Session(engine) as session:
        row = session.get(RunLeaseRow, platform)
        session.expunge_all()
        return row


def dead_run(engine, clock, holder: str = "may-khac:4242") -> int:
    """What a run killed hard leaves behind: its row "running" and its lease, still alive."""
    with session_scope(engine) as session:
        row = SyncRunRow(started_at=clock(), platforms=P, mode="incremental", status="running")
        session.add(row)
        session.flush()
        assert queries.insert_lease(session, P, row.id, holder, clock(), clock() + timedelta(seconds=120))
        return row.id


def expire(engine, platform: str = P) -> None:
    """The lease's run stops renewing it: it expired a second before its last heartbeat."""
    table = RunLeaseRow.__table__
    with session_scope(engine) as session:
        current = session.get(RunLeaseRow, platform)
        session.execute(
            sa.update(table)
            .where(table.c.platform == platform)
            .values(expires_at=current.heartbeat_at - timedelta(seconds=1))
        )


def wait_for_lease(engine, platform: str = P) -> RunLeaseRow:
    """The lease of a run started in another thread, once it has it."""
    for _ in range(300):
        if held := lease(engine, platform):
            return held
        threading.Event().wait(0.1)
    raise AssertionError("the run never took its lease")


def in_thread(work):
    pool = ThreadPoolExecutor(1)
    return pool, pool.submit(work)


# --- two runs started together against the vnEdu simulator -----------------------------------


def sim_writes(sims) -> dict[str, int]:
    answer = httpx.get(f"{sims.servers['vnedu'].url}/_sim/writes", timeout=10)
    answer.raise_for_status()
    return answer.json()["by_key"]


def wipe(sims, keys: list[tuple[str, str, str]]) -> None:
    """Someone clears these sheets' GK in vnEdu: the gradebook still has it, so each is one fill."""
    for key in keys:
        sheet = sims.vnedu.scores[key]
        sheet.update(ddg_gk=None, version=sheet["version"] + 1, updated_at=sims.vnedu.clock().isoformat())
    sims.vnedu.revision += 1


async def first_read(sims, engine) -> None:
    async with vnedu(sims) as api:
        await run_once({"vnedu": api}, engine, RunOptions(), pinned)


def racer(sims, engine, start: threading.Barrier, lost: threading.Event):
    """One `lienthong sync --once` for vnEdu. The winner's pull waits until the other run has
    given up, so that the two always overlap however the threads are scheduled."""

    def go():
        async def run():
            async with vnedu(sims) as api:
                real_pull = api.pull

                async def pull(entity, cursor=None, **scope):
                    assert await asyncio.to_thread(lost.wait, 30), "the other run never gave up"
                    async for page in real_pull(entity, cursor, **scope):
                        yield page

                api.pull = pull
                start.wait(30)
                return await run_once({"vnedu": api}, engine, RunOptions(), pinned)

        try:
            return asyncio.run(run())
        except RunBusy:
            lost.set()
            raise

    return go


def test_two_runs_started_together_one_works_and_the_other_is_busy(engine):
    sims = make_sims()
    try:
        import_books(engine, sims)
        asyncio.run(first_read(sims, engine))  # so that each race reads little
        assert sim_writes(sims) == {}
        sheets = sorted(
            k for k in sims.vnedu.scores if k[1] in SUBJECTS and k[2] == "1" and sims.vnedu.scores[k]["ddg_gk"]
        )
        for race in range(RACES):
            wiped = sheets[race * WIPED : (race + 1) * WIPED]
            wipe(sims, wiped)
            start, lost = threading.Barrier(2), threading.Event()
            with ThreadPoolExecutor(2) as pool:
                futures = [pool.submit(racer(sims, engine, start, lost)) for _ in range(2)]
                outcomes = [f.exception(timeout=120) or f.result() for f in futures]
            busy = [o for o in outcomes if isinstance(o, RunBusy)]
            done = [o for o in outcomes if not isinstance(o, BaseException)]
            assert len(busy) == 1 and len(done) == 1, outcomes  # never an IntegrityError, never both
            assert busy[0].platform == "vnedu" and "Đang có lượt đồng bộ khác cho vnedu" in busy[0].message
            assert done[0].status == "completed" and done[0].delivered["vnedu"]["applied"] == WIPED
            writes = sim_writes(sims)
            assert len(writes) == (race + 1) * WIPED and set(writes.values()) == {1}  # each fill once
            assert runs(engine) == {r: "completed" for r in runs(engine)}  # the busy run left no row
            assert len(runs(engine)) == race + 2
            assert lease(engine, "vnedu") is None  # the winner gave the platform back
    finally:
        sims.stop()


# --- a dead run's lease ----------------------------------------------------------------------


def test_a_live_lease_stops_the_next_run_before_it_writes_anything(engine):
    clock = Clock(pinned())
    dead = dead_run(engine, clock)
    platform = GatedPlatform(P, "next")

    with pytest.raises(RunBusy) as busy:
        once(engine, platform, clock)

    assert busy.value.message == (
        "Đang có lượt đồng bộ khác cho alpha (từ 10:00 23/11/2026, máy may-khac:4242): chờ nó xong rồi chạy lại."
    )
    assert (busy.value.platform, busy.value.holder) == (P, "may-khac:4242")
    assert busy.value.since == pinned()
    assert runs(engine) == {dead: "running"}  # not marked: its lease is alive
    assert lease(engine).run_id == dead
    with Session(engine) as session:
        assert session.exec(select(SyncCursorRow)).all() == []


def test_an_expired_lease_is_taken_over_and_only_then_its_run_is_marked_interrupted(engine):
    clock = Clock(pinned())
    dead = dead_run(engine, clock)
    clock.now += timedelta(seconds=119)
    with pytest.raises(RunBusy):
        once(engine, GatedPlatform(P, "early"), clock)
    assert runs(engine) == {dead: "running"}

    clock.now += timedelta(seconds=1)  # 120 s without a heartbeat: the lease has expired
    report = once(engine, GatedPlatform(P, "next"), clock)

    assert report.status == "completed"
    assert runs(engine) == {dead: "interrupted", report.run_id: "completed"}
    assert lease(engine) is None


def test_an_expired_lease_set_in_the_past_is_taken_over(engine):
    clock = Clock(pinned())
    dead = dead_run(engine, clock)
    expire(engine)

    report = once(engine, GatedPlatform(P, "next"), clock)

    assert runs(engine) == {dead: "interrupted", report.run_id: "completed"}


def test_a_run_that_ended_is_never_marked_interrupted(engine):
    clock = Clock(pinned())
    first = once(engine, GatedPlatform(P, "first"), clock)
    second = once(engine, GatedPlatform(P, "second"), clock)

    assert runs(engine) == {first.run_id: "completed", second.run_id: "completed"}


def test_a_run_stopped_by_an_error_frees_its_platform_for_the_next_run(engine):
    class Broken(GatedPlatform):
        async def pull(self, entity, cursor=None, **scope):
            raise RuntimeError("a bug")
            yield

    clock = Clock(pinned())
    with pytest.raises(RuntimeError):
        once(engine, Broken(P, "broken"), clock)
    [(stopped, status)] = runs(engine).items()
    assert status == "running" and lease(engine).run_id == stopped  # as after a hard kill...

    report = once(engine, GatedPlatform(P, "next"), clock)  # ...but free at once, not when its lease runs out

    assert runs(engine) == {stopped: "interrupted", report.run_id: "completed"}


def test_a_dry_run_takes_no_lease(engine):
    clock = Clock(pinned())
    dead = dead_run(engine, clock)

    report = once(engine, GatedPlatform(P, "dry"), clock, dry_run=True)

    assert report.status == "completed" and runs(engine) == {dead: "running"}


def test_two_platforms_busy_on_one_take_neither(engine):
    clock = Clock(pinned())
    dead = dead_run(engine, clock)  # holds alpha
    both = {"alpha": GatedPlatform("alpha", "a"), "beta": GatedPlatform("beta", "b")}

    with pytest.raises(RunBusy):
        asyncio.run(run_once(both, engine, RunOptions(), clock))

    assert lease(engine, "beta") is None and runs(engine) == {dead: "running"}


# --- a live run ------------------------------------------------------------------------------


def test_a_live_run_renews_its_lease_at_each_step_and_is_never_marked_interrupted(engine):
    clock = Clock(pinned())
    entered, leave, committed = threading.Event(), threading.Event(), threading.Event()
    platform = GatedPlatform(P, "live", entered, leave)
    pool, running = in_thread(lambda: once(engine, platform, clock, lambda *_: committed.set(), lease_seconds=120))
    try:
        wait_for_lease(engine)
        clock.now += timedelta(seconds=100)  # a slow platform: the page comes 100 s later
        entered.set()
        assert committed.wait(30)
        [(live, _)] = runs(engine).items()
        held = lease(engine)
        assert (held.run_id, held.expires_at - held.heartbeat_at) == (live, timedelta(seconds=120))
        assert held.heartbeat_at > held.acquired_at  # renewed with the page

        clock.now += timedelta(seconds=50)  # 150 s after it started: past its first expiry
        with pytest.raises(RunBusy):
            once(engine, GatedPlatform(P, "other"), clock)
        assert runs(engine) == {live: "running"}
    finally:
        leave.set()
        report = running.result(timeout=60)
        pool.shutdown()
    assert runs(engine) == {live: "completed"} and report.status == "completed"


def test_a_run_whose_lease_was_taken_over_stops_before_writing_more(engine):
    clock = Clock(pinned())
    entered, arrived = threading.Event(), threading.Event()
    slow = GatedPlatform(P, "slow", entered, arrived=arrived)
    pool, running = in_thread(lambda: once(engine, slow, clock))
    try:
        wait_for_lease(engine)
        # the slow run waits in its pull, its first step done: expired before that step, its lease
        # would be renewed by it (a live run renews at every step) and no other run could take it
        assert arrived.wait(30)
        [(slow_run, _)] = runs(engine).items()
        expire(engine)  # it looked dead: no heartbeat for longer than the lease
        report = once(engine, GatedPlatform(P, "next"), clock)
        assert runs(engine) == {slow_run: "interrupted", report.run_id: "completed"}
    finally:
        entered.set()
        with pytest.raises(LeaseLost) as lost:
            running.result(timeout=60)
        pool.shutdown()

    assert isinstance(lost.value, RunBusy) and "lượt này dừng lại" in lost.value.message
    with Session(engine) as session:  # the slow run's page was not committed
        assert [row.cursor for row in session.exec(select(SyncCursorRow))] == [{"by": "next"}]
    assert runs(engine) == {slow_run: "interrupted", report.run_id: "completed"}
