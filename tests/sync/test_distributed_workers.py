"""Province scale on a real PostgreSQL: 3 ``lienthong worker`` processes and a scheduler sync 100
synthetic schools on one vnEdu simulator and 8 more on the CSDL's (each signing in with its own
password); one worker is SIGKILLed in the middle of a job.

Every (school, platform) job completes; each score wiped in vnEdu is written back exactly once, and
each approved year result reaches the CSDL exactly once, in its own school (the simulators count
writes per school and key); no two runs of the same (school, platform) overlapped (from the run
records); no client ever went over vnEdu's 10 requests/s; and no school's rows are visible under
another school's scope, through the ORM or raw SQL (row-level security)."""

from __future__ import annotations

import os
import re
import signal
import time
from datetime import datetime, timezone

import pytest
from sqlmodel import Session, select

from lienthong.store.tables import SyncRunRow
from lienthong.store.tenancy import for_school, unscoped
from lienthong.sync.distributed.app import RECONCILE
from tests.conftest import PG_URL_ENV, need_service
from tests.sync.fleet import Fleet

SCHOOLS = 100
CSDL_SCHOOLS = 8
STARTING = re.compile(r"Starting job lienthong\.sync\[\d+\]\(.*ma_truong='(\d{8})'")


def kill_mid_job(fleet: Fleet, process, log: str, after: int, timeout: float = 120) -> tuple[set[str], datetime]:
    """SIGKILL ``process`` a moment into a sync job, once ``after`` jobs have succeeded: the schools
    it had started (a worker runs several jobs at once: any of them may be cut short), and when it
    was dead."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fleet.job_counts().get("succeeded", 0) >= after:
            lines = (fleet.folder / log).read_text(encoding="utf-8", errors="replace").splitlines()
            found = STARTING.search(lines[-1]) if lines else None
            if found and _running(fleet, found[1]):  # into the run (its requests take 50 ms each), not before it
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
                text = (fleet.folder / log).read_text(encoding="utf-8", errors="replace")
                return set(STARTING.findall(text)), datetime.now(timezone.utc).replace(microsecond=0)
        time.sleep(0.02)
    raise AssertionError("no job to interrupt")


def _running(fleet: Fleet, code: str, wait: float = 2.0) -> bool:
    """Whether the school's sync run is recorded and not finished, waiting a moment for the job to
    record it (a busy worker takes a while to get there: a fixed pause would kill it before)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        runs = fleet.runs(code)
        if runs and runs[-1].finished_at is None:
            return True
        if runs and runs[-1].finished_at is not None:
            return False  # over already: wait for another job to start
        time.sleep(0.02)
    return False


@pytest.mark.slow
@pytest.mark.postgres
def test_three_workers_100_schools_one_killed_mid_job(tmp_path):
    admin = os.environ.get(PG_URL_ENV)
    if not admin:
        need_service(f"PostgreSQL not configured: set {PG_URL_ENV}")
    fleet = Fleet(admin, tmp_path, SCHOOLS, lease_seconds=6, stalled_after_s=4, csdl_schools=CSDL_SCHOOLS).start()
    try:
        assert fleet.enqueue_all() == SCHOOLS + CSDL_SCHOOLS
        assert fleet.enqueue_all() == 0  # each (school, platform) waits once: the queueing lock
        fleet.set_latency(50)
        workers = fleet.workers(3)
        fleet.spawn("scheduler", log="scheduler.log")
        started, dead_at = kill_mid_job(fleet, workers[0], "worker-0.log", after=20)

        assert fleet.wait_done(timeout=240) == {"succeeded": SCHOOLS + CSDL_SCHOOLS}  # the killed one too
        everyone = set(fleet.codes()) | set(fleet.csdl_codes())
        # each sync queued the school's reconciliation (one waiting at most per school): all ran
        assert set(fleet.wait_done(timeout=240, task=RECONCILE)) == {"succeeded"}
        assert fleet.reconciled() == everyone
        for code in sorted(everyone):
            runs = fleet.runs(code)
            assert [r.status for r in runs][-1] == "completed", code
            for before, after in zip(runs, runs[1:]):  # one run of a (school, platform) at a time
                if before.finished_at is not None:
                    assert after.started_at >= before.finished_at, code
                else:  # a killed run: its successor started once it was dead (its lease taken over)
                    assert before.status == "interrupted" and code in started, code
                    assert after.started_at >= dead_at, code
        for code in fleet.codes():
            writes = fleet.sims.state(code).writes.as_dict()["by_key"]
            assert set(writes) == {f"diem:{sid}:{mon}:{hk}" for sid, mon, hk in fleet.wiped[code]}, code
            assert set(writes.values()) == {1}, code  # nothing lost, nothing doubled
        # the CSDL: each school's approved year results written once, in that school only (the
        # simulator prefixes each write by the school whose session made it)
        expected = {f"{code}:ket_qua:{mid}:CN": 1 for code, mids in fleet.approved.items() for mid in mids}
        assert len(expected) == 3 * CSDL_SCHOOLS
        assert fleet.sims.csdl.writes_as_dict()["by_key"] == expected
        for code, mids in fleet.approved.items():
            held = fleet.sims.csdl_state(code).results
            assert {mid for (mid, period), r in held.items() if period == "CN" and r["LenLop"] == "LL"} >= mids, code
        cut_short = {code for code in everyone if any(r.status == "interrupted" for r in fleet.runs(code))}
        assert cut_short and cut_short <= started  # the kill landed mid-job, and only on that worker's jobs
        for code in cut_short:
            killed_runs = fleet.runs(code)
            assert killed_runs[0].status == "interrupted" and killed_runs[0].finished_at is None
            assert len(killed_runs) >= 2
        victim = min(cut_short)
        rates = fleet.sims.platform.rates()
        assert len(rates) == SCHOOLS and max(r["max_per_second"] for r in rates.values()) <= 10
        assert "job_stalled_retried" in (tmp_path / "scheduler.log").read_text(encoding="utf-8")
        for code in (
            victim,
            *sorted(everyone - {victim})[:3],
            fleet.csdl_codes()[0],
        ):  # one school's scope shows its rows only
            with Session(for_school(fleet.engine, code)) as session:
                assert {r.ma_truong for r in session.exec(select(SyncRunRow))} == {code}
                raw = session.connection().exec_driver_sql  # a query that forgets its filter: the policies
                assert raw("SELECT DISTINCT ma_truong FROM source_snapshot").scalars().all() == [code]
                assert raw("SELECT DISTINCT ma_truong FROM sync_run").scalars().all() == [code]
        with unscoped(fleet.engine).connect() as connection:  # the table owner sees the province
            stored = connection.exec_driver_sql("SELECT DISTINCT ma_truong FROM source_snapshot").scalars().all()
        assert set(stored) == everyone
    finally:
        fleet.stop()
