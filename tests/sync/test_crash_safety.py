"""Crash safety: ``lienthong sync --once`` killed with SIGKILL at random points, then restarted.

Before each run someone wipes a few scores in vnEdu (new work for the gradebook, the owner,
to fill); the run is killed at a random moment — during pulls, between the decision and the
outbox, in the middle of a push batch. At the end every wiped score must have been written
back exactly once (the simulator counts writes per key) and equal the gradebook.
"""

import os
import random
import signal
import subprocess
import threading
import time
from datetime import timedelta

import pytest

from lienthong.simulators.faults import FaultProfile
from tests.cli.test_assess_cli import lienthong
from tests.sync.conftest import import_books, make_sims, pinned

SCORE_SUBJECTS = ("VAN", "TOAN", "NN1", "GDCD", "LSDL", "KHTN", "CN", "TIN")
KILLS = 30


class Ticking:
    """vnEdu's clock, one second further at every reading, as a real platform's would be. Read from
    the simulator's threads and the test's at once (a killed client's request may still be served
    while the test wipes scores): without the lock two readers could interleave and hand a later
    write an earlier time than one already pulled, which an ``updated_since`` cursor rightly skips."""

    def __init__(self):
        self.now = pinned()
        self.lock = threading.Lock()

    def __call__(self):
        with self.lock:
            self.now += timedelta(seconds=1)
            return self.now


def wipe(sims, rng, taken: set, count: int) -> None:
    """Someone clears the GK of ``count`` score sheets in vnEdu (each sheet at most once)."""
    keys = [k for k in sims.vnedu.scores if k[1] in SCORE_SUBJECTS and k not in taken]
    for key in rng.sample(keys, count):
        sheet = sims.vnedu.scores[key]
        sheet.update(ddg_gk=None, version=sheet["version"] + 1, updated_at=sims.vnedu.clock().isoformat())
        taken.add(key)
    sims.vnedu.revision += 1


@pytest.mark.slow
def test_sigkill_at_30_random_points_then_everything_applied_exactly_once(tmp_path, sqlite_engine):
    sims = make_sims()
    sims.vnedu.clock = Ticking()
    try:
        import_books(sqlite_engine, sims, subjects=SCORE_SUBJECTS)
        truth = {
            (s.vnedu_id, code, "1"): s.scores[code]["hk1"]["gk"]
            for s in sims.school.students
            for code in SCORE_SUBJECTS
        }
        config = tmp_path / "lienthong.toml"
        config.write_text(
            f'ma_truong = "{sims.school.ma_truong}"\n'
            f'database_url = "sqlite:///{tmp_path / "sync.db"}"\n'
            f'[vnedu]\nbase_url = "{sims.servers["vnedu"].url}"\nclient_id = "lienthong-demo"\nrate_limit = 0\n',
            encoding="utf-8",
        )
        env = {
            "PATH": "/usr/bin:/bin",
            "LIENTHONG_CONFIG": str(config),
            "LIENTHONG_VNEDU_CLIENT_SECRET": "demo-secret",
            "COLUMNS": "120",
        }
        sims.set_faults(FaultProfile(latency_ms=25))  # every request takes a moment: kills land mid-flight
        rng = random.Random(2026)
        wiped: set = set()
        # How long one uninterrupted run takes here (machines differ by 3x): kills are drawn inside
        # that span, so a fast machine does not let most runs finish before the kill.
        wipe(sims, rng, wiped, 15)
        started = time.monotonic()
        calibration = subprocess.run([*lienthong(), "sync", "--once"], env=env, capture_output=True, timeout=300)
        span = time.monotonic() - started
        assert calibration.returncode == 0, calibration.stdout.decode()[-2000:]
        killed = attempts = killed_with_work_left = 0
        while killed < KILLS and attempts < 3 * KILLS:
            attempts += 1
            wipe(sims, rng, wiped, 15)
            process = subprocess.Popen(
                [*lienthong(), "sync", "--once"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            started = time.monotonic()
            time.sleep(rng.uniform(0.2, 0.85) * span)
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                killed += 1
                killed_with_work_left += sims.vnedu.writes.as_dict()["total"] < len(wiped)
            else:  # finished first: the machine got faster, aim earlier next time
                span = min(span, time.monotonic() - started)
            process.wait()
        sims.set_faults(FaultProfile())
        for _ in range(5):  # restart until the outbox is empty
            done = subprocess.run([*lienthong(), "sync", "--once"], env=env, capture_output=True, timeout=300)
            if done.returncode == 0:
                break
        assert done.returncode == 0, done.stdout.decode()[-2000:]
        writes = sims.vnedu.writes.as_dict()["by_key"]
        assert set(writes) == {f"diem:{sid}:{mon}:1" for sid, mon, _ in wiped}  # nothing lost, nothing extra
        assert set(writes.values()) == {1}  # and nothing applied twice
        assert killed == KILLS and killed_with_work_left >= KILLS // 2  # most kills cut real work short
        for key in wiped:  # vnEdu holds the gradebook's value again
            assert sims.vnedu.scores[key]["ddg_gk"].replace(",", ".") == truth[key].replace(",", ".")
    finally:
        sims.stop()
