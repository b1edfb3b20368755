"""Distributed mode: throughput of 1, 2 and 4 ``lienthong worker`` processes, and vnEdu's shared limit.

Latency-bound sync jobs: 200 synthetic schools (12 students each, a few scores to write back) on one
vnEdu simulator answering every request 50 ms late (its fault profile); each school has its own
partner client. The same full syncs of every school run with 1, 2 and 4 worker processes; printed:
jobs per second and the ratio against 1 worker (aim: >= 3.5 at 4, the work waits on the network).

Then the limit: 40 schools sharing ONE partner client, 4 workers at once; printed: the most requests
the simulator saw from that client in any second (vnEdu's limit is 10) and how many it refused (429).

Needs PostgreSQL: ``LIENTHONG_TEST_DATABASE_URL`` (a superuser URL; a database is created and dropped).
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from tests.conftest import PG_URL_ENV
from tests.sync.fleet import Fleet

SCHOOLS, WORKERS, LATENCY_MS = 200, (1, 2, 4), 50
SHARED_SCHOOLS = 40


def _wait_workers(fleet: Fleet, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with fleet.engine.connect() as connection:
            if connection.execute(sa.text("SELECT count(*) FROM procrastinate_workers")).scalar_one() >= count:
                return
        time.sleep(0.1)
    raise RuntimeError("workers did not start")


def _round(fleet: Fleet, workers: int) -> float:
    """Seconds for every school's full sync with ``workers`` processes (from queueing to the last done)."""
    processes = fleet.workers(workers)
    _wait_workers(fleet, workers)
    started = time.monotonic()
    fleet.enqueue_all(full=True)
    fleet.wait_done(timeout=900)
    elapsed = time.monotonic() - started
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)
    fleet.processes.clear()
    return elapsed


def throughput(admin: str, folder: Path) -> dict[int, float]:
    fleet = Fleet(admin, folder, SCHOOLS).start()
    rng = random.Random(7)
    try:
        fleet.set_latency(LATENCY_MS)
        rates: dict[int, float] = {}
        for index, workers in enumerate(WORKERS):
            if index:  # new work for the next round: a few more scores wiped in every school
                for code in fleet.codes():
                    fleet._wipe(fleet.sims.state(code), rng)
            rates[workers] = SCHOOLS / _round(fleet, workers)
            print(f"  {workers} worker(s): {rates[workers]:.2f} jobs/s", flush=True)
        busiest = max(r["max_per_second"] for r in fleet.sims.platform.rates().values())
        print(f"  most requests one client sent in any second: {busiest} (limit 10)")
        return rates
    finally:
        fleet.stop()


def shared_limit(admin: str, folder: Path) -> tuple[int, int, int]:
    fleet = Fleet(admin, folder, SHARED_SCHOOLS, shared_client=True).start()
    try:
        fleet.set_latency(LATENCY_MS)
        _round(fleet, 4)
        [(client, seen)] = fleet.sims.platform.rates().items()
        return seen["max_per_second"], seen["limited"], seen["requests"]
    finally:
        fleet.stop()


def main() -> None:
    admin = os.environ.get(PG_URL_ENV)
    if not admin:
        print(f"bench_workers: skipped (set {PG_URL_ENV})")
        return
    print(f"Distributed workers: {SCHOOLS} schools, full syncs, {LATENCY_MS} ms per request at the simulator")
    with tempfile.TemporaryDirectory() as folder:
        rates = throughput(admin, Path(folder) / "a")
    for workers, rate in rates.items():
        print(f"  throughput with {workers} worker(s) = {rate / rates[1]:.2f}x one worker")
    with tempfile.TemporaryDirectory() as folder:
        busiest, refused, requests = shared_limit(admin, Path(folder) / "b")
    print(
        f"Shared limit: {SHARED_SCHOOLS} schools on one partner client, 4 workers: at most {busiest} requests "
        f"in any second at the simulator (limit 10), {refused} refused with 429, {requests} requests in all"
    )


if __name__ == "__main__":
    main()
