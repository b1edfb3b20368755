"""Reconciliation as a person waits for it, full and incremental (issue 16, item 4): whole
processes, median of 5 runs taken in alternation, each against the floor measured beside it (a
bare Python process that reads every stored snapshot row with sqlite3 and decodes it with orjson).

- ``reconcile --format json`` on the 2,000-student demo database, as typed (the demo reconciled it:
  an incremental run) and with ``--full``: aim within 2.5x the floor.
- ``reconcile --format json`` after a sync that changed 20 students (one score sheet each, written
  as a pull writes it, before each timed run): aim within 1.5x the floor; and after a day's
  attendance (20 absences added): the same aim.
- The file-flow database (issue 15's Excel school, 2,016 students, every file imported):
  ``reconcile --format json`` as typed and with ``--full``: within 3x its floor.

Each process's peak resident memory and CPU time (user + system) come from the kernel (``wait4``:
that child's own ``ru_maxrss`` and times); the highest peak over the runs of each command is shown,
and the median CPU time beside the wall time (on a shared machine it moves far less).

``python -m bench.bench_incremental [--keep]``: ``--keep`` reuses the databases of an earlier run.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.bench_startup import FLOOR, _env, _lienthong, demo_database
from bench.launcher import launcher

RUNS = 5
FOLDER = Path("/tmp/lienthong-bench-incremental")
CHANGED = 20


def _demo(keep: bool) -> Path:
    """A copy of the demo database (the start-up benchmark's), so that the writes here touch
    nobody else's."""
    database = FOLDER / "demo.db"
    if keep and database.exists():
        return database
    source = demo_database(keep=True)
    FOLDER.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):  # the copy whole, its log folded in: the original untouched
        Path(f"{database}{suffix}").unlink(missing_ok=True)
        if Path(f"{source}{suffix}").exists():
            shutil.copy(f"{source}{suffix}", f"{database}{suffix}")
    checkpoint = f"import sqlite3; sqlite3.connect({str(database)!r}).execute('PRAGMA wal_checkpoint(TRUNCATE)')"
    subprocess.run([sys.executable, "-c", checkpoint], check=True)
    return database


def _files(keep: bool) -> Path:
    """Issue 15's Excel test school at a large school's size, every file imported."""
    from tests.school_files.generator import build

    database = FOLDER / "files.db"
    if keep and database.exists():
        return database
    FOLDER.mkdir(parents=True, exist_ok=True)
    database.unlink(missing_ok=True)
    folder = FOLDER / "tep"
    shutil.rmtree(folder, ignore_errors=True)
    _, files = build(folder, seed=15, per_grade=12, per_class=42)
    env = {**_env(database), "LIENTHONG_SCHOOL_YEAR": "2025-2026"}
    lienthong = _lienthong()
    subprocess.run([lienthong, "db", "upgrade"], env=env, check=True, capture_output=True)
    books = [str(f.path) for f in files if f.kind == "gradebook" and not f.args]
    mapped = [f for f in files if f.args]
    rest = [str(f.path) for f in files if f.kind != "gradebook"]
    for args in (books, [*mapped[0].args, *(str(f.path) for f in mapped)], rest):
        done = subprocess.run([lienthong, "import", "--json", *args], env=env, capture_output=True)
        if done.returncode not in (0, 1):
            raise SystemExit(done.stderr.decode()[-2000:])
    return database


def _once(command: list[str], env: dict[str, str]) -> tuple[float, float, int, int]:
    """(wall seconds, CPU seconds, peak resident KiB, exit code) of one process, output discarded.
    CPU time (user + system, the child's own from ``wait4``) is shown beside the wall time: on a
    machine other work shares, it moves far less. The process is started by `bench.launcher`, so
    that its peak memory is its own (a child of this benchmark, which holds the changed sheets,
    would start with this one's)."""
    return tuple(launcher().run(command, env))  # type: ignore[return-value]


class _Sync:
    """What a sync that changed ``CHANGED`` students writes: one score sheet of each, its final
    assessment moved (and moved back the next time), a new version as vnEdu gives it."""

    def __init__(self, database: Path):
        from lienthong.store.db import make_engine
        from lienthong.store.repository import snapshot_versions

        self.engine = make_engine(f"sqlite:///{database}")  # scoped to the store's one school
        from sqlmodel import Session

        with Session(self.engine) as session:
            sheets = snapshot_versions(session, "vnedu", "diem")
        by_student: dict[str, str] = {}
        for key in sorted(sheets):
            by_student.setdefault(key.split(":")[0], key)
        self.sheets = sheets
        self.keys = list(by_student.values())
        self.rng = random.Random(16)
        self.turn = 0

    def __call__(self) -> None:
        from sqlmodel import Session

        from lienthong.store.repository import SnapshotRecord, upsert_snapshots

        self.turn += 1
        records = []
        for key in self.rng.sample(self.keys, CHANGED):
            version, payload = self.sheets[key]
            payload = {**payload, "ddg_ck": "5" if payload.get("ddg_ck") != "5" else "6"}
            self.sheets[key] = (version + 1, payload)
            records.append(SnapshotRecord("vnedu", "diem", key, version + 1, payload))
        with Session(self.engine) as session:
            upsert_snapshots(session, records, datetime.now(timezone.utc))
            session.commit()


class _Attendance:
    """What a day's attendance sync writes: ``CHANGED`` new absences (one session each, of
    students picked at random, on days before today), as vnEdu's attendance pages give them."""

    def __init__(self, sync: _Sync):
        self.engine, self.rng, self.turn = sync.engine, random.Random(17), 0
        self.students = sorted({key.split(":")[0] for key in sync.keys})

    def __call__(self) -> None:
        from datetime import date, timedelta

        from sqlmodel import Session

        from lienthong.store.repository import SnapshotRecord, upsert_snapshots

        self.turn += 1
        day = (date.today() - timedelta(days=self.turn)).strftime("%d/%m/%Y")
        records = []
        for student in self.rng.sample(self.students, CHANGED):
            payload = {"ma_hoc_sinh": student, "ngay": day, "buoi": "S", "loai": "K", "ly_do": "", "version": 1}
            records.append(SnapshotRecord("vnedu", "diem_danh", f"{student}:{day}:S", 1, payload))
        with Session(self.engine) as session:
            upsert_snapshots(session, records, datetime.now(timezone.utc))
            session.commit()


def _measure(commands: dict, runs: int = RUNS) -> dict[str, dict]:
    """Each command ``runs`` times in turn (its preparation, untimed, just before it)."""
    import statistics

    seconds: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    peak: dict[str, int] = {name: 0 for name in commands}
    codes: dict[str, set[int]] = {name: set() for name in commands}
    for _ in range(runs):
        for name, (command, env, prepare) in commands.items():
            if prepare is not None:
                prepare()
            elapsed, used, rss, code = _once(command, env)
            seconds[name].append(elapsed)
            cpu[name].append(used)
            peak[name] = max(peak[name], rss)
            codes[name].add(code)
    return {
        name: {
            "median": statistics.median(seconds[name]),
            "cpu": statistics.median(cpu[name]),
            "spread": (min(seconds[name]), max(seconds[name])),
            "peak_mb": peak[name] / 1024,
            "exit": sorted(codes[name]),
        }
        for name in commands
    }


def main(keep: bool = False) -> None:
    lienthong = _lienthong()
    demo, files = _demo(keep), _files(keep)
    on_demo, on_files = _env(demo), {**_env(files), "LIENTHONG_SCHOOL_YEAR": "2025-2026"}
    json_out = [lienthong, "reconcile", "--format", "json"]
    sync = _Sync(demo)
    commands = {
        "demo floor: sqlite3 + orjson": ([sys.executable, "-c", FLOOR, str(demo)], _env(), None),
        "demo reconcile --full": ([*json_out, "--full"], on_demo, None),
        f"demo reconcile after {CHANGED} changed": (json_out, on_demo, sync),
        "demo reconcile, nothing changed": (json_out, on_demo, None),
        f"demo reconcile after {CHANGED} absences": (json_out, on_demo, _Attendance(sync)),
        "files floor: sqlite3 + orjson": ([sys.executable, "-c", FLOOR, str(files)], _env(), None),
        "files reconcile --full": ([*json_out, "--full"], on_files, None),
        "files reconcile, nothing changed": (json_out, on_files, None),
    }
    for command, env, _ in commands.values():  # one untimed round: files in the page cache, states saved
        _once(command, env)
    start = time.perf_counter()
    found = _measure(commands)
    floors = {"demo": found["demo floor: sqlite3 + orjson"], "files": found["files floor: sqlite3 + orjson"]}
    print(f"Reconcile as whole processes, median of {RUNS} alternating runs ({time.perf_counter() - start:.0f} s):")
    for name, result in found.items():
        low, high = result["spread"]
        floor = floors[name.split()[0]]
        print(
            f"  {name:<36} {result['median'] * 1000:7.0f} ms ({low * 1000:.0f}–{high * 1000:.0f}) "
            f"{result['median'] / floor['median']:5.2f}x the floor; CPU {result['cpu'] * 1000:5.0f} ms "
            f"{result['cpu'] / floor['cpu']:5.2f}x; peak {result['peak_mb']:6.1f} MB  exit {result['exit']}"
        )
    # The aims name the command as typed (``reconcile --format json``: on a database already
    # reconciled, as the demo's and an imported school's are, an incremental run); shown for
    # ``--full`` (every student recomputed) too.
    aims = (
        ("demo reconcile, nothing changed", "demo", 2.5),
        ("demo reconcile --full", "demo", 2.5),
        (f"demo reconcile after {CHANGED} changed", "demo", 1.5),
        (f"demo reconcile after {CHANGED} absences", "demo", 1.5),
        ("files reconcile, nothing changed", "files", 3.0),
        ("files reconcile --full", "files", 3.0),
    )
    for name, floor, aim in aims:
        ratio = found[name]["median"] / floors[floor]["median"]
        cpu = found[name]["cpu"] / floors[floor]["cpu"]
        print(
            f"  aim: {name} within {aim}x the floor: {ratio:.2f}x wall, {cpu:.2f}x CPU "
            f"{'met' if ratio <= aim else 'NOT met'}"
        )


if __name__ == "__main__":
    main(keep="--keep" in sys.argv[1:])
