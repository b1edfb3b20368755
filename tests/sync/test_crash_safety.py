"""Crash safety: ``lienthong sync --once`` killed with SIGKILL at random points, then restarted.

Every planned change must reach vnEdu exactly once (the simulator counts writes per key),
and nothing may be lost, wherever the process died: during pulls, between the decision and
the outbox, or in the middle of a push batch.
"""

import os
import random
import signal
import subprocess
import time

from simulators.faults import FaultProfile
from tests.cli.test_assess_cli import lienthong
from tests.sync.conftest import import_books, make_sims

SCORE_SUBJECTS = ("VAN", "TOAN", "NN1", "GDCD", "LSDL", "KHTN", "CN", "TIN")
KILLS = 30


def test_sigkill_at_30_random_points_then_everything_applied_exactly_once(tmp_path, engine):
    sims = make_sims(score_missing=0.9)  # ~400 cells to fill: three batches, many pages
    try:
        import_books(engine, sims, subjects=SCORE_SUBJECTS)
        expected = {f"diem:{s.vnedu_id}:{d.field.split('.')[1]}:1"
                    for d in sims.data.differences if d.kind == "score_missing"
                    for s in sims.school.students if s.key == d.student}
        config = tmp_path / "lienthong.toml"
        config.write_text(
            f'ma_truong = "{sims.school.ma_truong}"\n'
            f'database_url = "sqlite:///{tmp_path / "sync.db"}"\n'
            f'[vnedu]\nbase_url = "{sims.servers["vnedu"].url}"\nclient_id = "lienthong-demo"\nrate_limit = 0\n',
            encoding="utf-8")
        env = {"PATH": "/usr/bin:/bin", "LIENTHONG_CONFIG": str(config), "LIENTHONG_VNEDU_CLIENT_SECRET": "demo-secret",
               "COLUMNS": "120"}
        sims.set_faults(FaultProfile(latency_ms=25))  # every request takes a moment: kills land mid-flight
        rng = random.Random(2026)
        killed = attempts = killed_with_work_left = 0
        while killed < KILLS and attempts < 3 * KILLS:
            attempts += 1
            process = subprocess.Popen([*lienthong(), "sync", "--once"], env=env, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.4, 3.0))
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                killed += 1
                killed_with_work_left += sims.vnedu.writes.as_dict()["total"] < len(expected)
            process.wait()
        sims.set_faults(FaultProfile())
        for _ in range(5):  # restart until the outbox is empty
            done = subprocess.run([*lienthong(), "sync", "--once"], env=env, capture_output=True, timeout=300)
            if done.returncode == 0:
                break
        assert done.returncode == 0, done.stdout.decode()[-2000:]
        writes = sims.vnedu.writes.as_dict()["by_key"]
        assert killed == KILLS and killed_with_work_left >= 10  # many kills cut real work short
        assert set(writes) == expected and len(expected) > 200  # nothing lost, nothing extra
        assert set(writes.values()) == {1}  # and nothing applied twice
    finally:
        sims.stop()
