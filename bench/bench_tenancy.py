"""What school scoping costs (issue 19, item 1): the store's bulk paths and ORM paths, timed on a
SQLite store of one school, against the same code before tenancy.

Each measurement runs in a fresh process (``python -m bench.bench_tenancy --one``), the two
versions in alternation, median of 5 runs: importing 60,000 snapshot records (the import path),
importing them again unchanged, the reconciliation's bulk load of a source's payloads and of every
record's hash, and 2,000 students saved and read back through the ORM.

Measured here (2 shared CPUs, 2026-12-01, against 2b1f71c): import 60k new +1.5 %, unchanged
+4.9 %, bulk load of payloads +1.7 %, of hashes +10.5 % (81 → 89 ms); the ORM alone (2,000
students saved, read back by key) +27 % and +34 %: about 15–30 µs more per ORM statement (the
school's WHERE, the flush check). Whole commands do not move: ``reconcile --format json --full`` on
the 2,000-student demo store migrated to 0010, median of 5: 1,624 → 1,580 ms; with nothing changed
978 → 909 ms (same JSON out).

``python -m bench.bench_tenancy BASE_DIR`` where ``BASE_DIR/lienthong`` holds the earlier tree
(``git archive <commit> | tar -x -C BASE_DIR/lienthong``); ``--one`` measures the tree it imports.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

RUNS = 5
RECORDS = 60_000
STUDENTS = 2_000
NAMES = ("An", "Bình", "Cường", "Dũng", "Hoà", "Khánh", "Lan", "Minh")
T0 = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)


def _timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def one() -> dict[str, float]:
    """One process's measurements of the tree it imports."""
    from sqlmodel import Session

    from lienthong.mapping.canonical import Student
    from lienthong.store import repository
    from lienthong.store.db import make_engine, migrate, session_scope
    from lienthong.store.records import store_snapshots
    from lienthong.store.repository import SnapshotRecord
    from lienthong.store.tables import StudentRow

    folder = Path(tempfile.mkdtemp(prefix="lienthong-bench-tenancy-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    migrate(url)
    engine = make_engine(url)
    records = [
        SnapshotRecord(
            "excel",
            "diem",
            f"{i // 12:06d}:MON{i % 12}:1",
            1,
            {"ma_hs": f"{i // 12:06d}", "mon": f"MON{i % 12}", "tx": ["8", "7.5", "9"], "gk": "8", "ck": "7"},
        )
        for i in range(RECORDS)
    ]
    out: dict[str, float] = {}

    def load(work):
        with session_scope(engine) as session:
            work(session)

    try:  # since the import's readers write each record out (`store.snapshot_text`): timed here too
        from lienthong.store.snapshot_text import written

        def stored(session):
            return store_snapshots(session, [written(*record) for record in records], T0)

    except ImportError:  # the earlier tree, where storing serialised the payloads itself
        stored = lambda session: store_snapshots(session, records, T0)  # noqa: E731

    out["import 60k new"] = _timed(lambda: load(stored))
    out["import 60k unchanged"] = _timed(lambda: load(stored))
    try:  # the reconciliation's own statements since they left the ORM (`store.reconcile_queries`)
        from lienthong.store import reconcile_queries
        from lienthong.store.plain import opened

        def payloads(session):
            with opened(session) as db:
                return reconcile_queries.school_payloads(db, {"excel": ("diem",)})["excel"]

        def hashes(session):
            with opened(session) as db:
                return reconcile_queries.kind_counts(db)

    except ImportError:  # the earlier tree, where they were the repository's
        payloads = lambda session: repository.source_payloads(session, "excel", ("diem",))  # noqa: E731
        hashes = repository.snapshot_hashes

    out["bulk load payloads"] = _timed(lambda: load(payloads))
    out["kind counts"] = _timed(lambda: load(hashes))
    students = [
        Student(
            id=f"s{i}",
            full_name=f"Nguyễn Văn {NAMES[i % len(NAMES)]}",
            birth_date=date(2012, 1, 1),
            gender="1",
            class_code="9A1",
            links={"vnedu": f"v{i}"},
        )
        for i in range(STUDENTS)
    ]
    out["ORM save 2k students"] = _timed(lambda: load(lambda s: [repository.save_student(s, x) for x in students]))

    def read_back():
        with Session(engine) as session:
            for i in range(STUDENTS):
                session.get(StudentRow, f"s{i}")

    out["ORM get 2k students"] = _timed(read_back)
    engine.dispose()
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    return out


def _run(base: Path | None) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
    if base is not None:
        env["PYTHONPATH"] = str(base)
    done = subprocess.run(  # this file run as a script: `lienthong` is the tree PYTHONPATH names, else this one
        [sys.executable, str(Path(__file__).resolve()), "--one"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(base: Path) -> None:
    found: dict[str, dict[str, list[float]]] = {"before": {}, "tenancy": {}}
    for _ in range(RUNS):
        for name, tree in (("before", base), ("tenancy", None)):
            for key, value in _run(tree).items():
                found[name].setdefault(key, []).append(value)
    print(f"School scoping's cost, median of {RUNS} alternating runs (one process each):")
    for key in found["before"]:
        before, after = statistics.median(found["before"][key]), statistics.median(found["tenancy"][key])
        print(
            f"  {key:<24} before {before * 1000:7.0f} ms   tenancy {after * 1000:7.0f} ms   {after / before - 1:+6.1%}"
        )


if __name__ == "__main__":
    if sys.argv[1:] == ["--one"]:
        print(json.dumps(one()))
    else:
        main(Path(sys.argv[1]))
