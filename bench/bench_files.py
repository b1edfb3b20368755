"""An Excel-only school's year (issue 8): import a 2,000-student school's full set of exports
and reconcile them (aim: under 60 s together), with peak memory, against reading the same
workbooks cell by cell with python-calamine and nothing else (the floor any importer pays;
issue 15's aim: import within 2x of it).

Run as the user would: `lienthong import` and `lienthong reconcile` in a child process, whose
peak resident memory is read from the kernel (``RUSAGE_CHILDREN``). Times are wall clock; the
processor time of the import and the floor is printed too (steadier on a shared machine).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from python_calamine import CalamineWorkbook

from lienthong.simulators.exports import write_school_files
from lienthong.simulators.school import generate_school
from lienthong.simulators.views import build_platform_data

YEAR_END = date(2026, 6, 15)


def _floor(files: list[Path]) -> tuple[float, int, float]:
    """Seconds (wall) to read every cell of every workbook with python-calamine, the cells, and the
    processor seconds it took."""
    start, cpu, cells = time.perf_counter(), time.process_time(), 0
    for path in files:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            cells += sum(len(row) for row in book.get_sheet_by_name(name).to_python())
    return time.perf_counter() - start, cells, time.process_time() - cpu


def _command(args: list[str], db: str) -> float:
    env = {**os.environ, "LIENTHONG_SCHOOL_YEAR": "2025-2026"}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "lienthong.cli.main", "--db", db, *args], capture_output=True, env=env)
    if done.returncode not in (0, 1):
        raise SystemExit(done.stdout.decode()[-2000:] + done.stderr.decode()[-2000:])
    return time.perf_counter() - start


def _in_process(files: list[Path], db: str, readers: int | None = None) -> tuple[float, float, float]:
    """The import itself (every file read, checked and stored), without the interpreter's start:
    what the ratio against the floor is about. Returns wall and processor seconds, the processor
    seconds of the worker processes included (``readers``: as `import_files` chooses by default)."""
    from datetime import datetime, timezone

    from lienthong.connectors.spreadsheet import _opened
    from lienthong.store.db import make_engine
    from lienthong.sync.file_import import Wanted, import_file, import_files

    engine = make_engine(db)
    # the code is loaded once before timing (the floor's reader is loaded too), and nothing read is kept
    import_file(
        None, files[0].name, files[0].read_bytes(), None, Wanted("2025-2026"), None, "bench", datetime.now, True
    )
    _opened.cache_clear()
    start, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
    reports = import_files(  # as `lienthong import` reads them: the next ones read by workers meanwhile
        engine,
        [(path.name, path) for path in files],
        None,
        Wanted("2025-2026"),
        None,
        "bench",
        lambda: datetime.now(timezone.utc),
        readers=readers,
    )
    for report in reports:
        if report.error:
            raise SystemExit(f"{report.name}: {report.error}")
    elapsed, used = time.perf_counter() - start, time.process_time() - cpu
    engine.dispose()
    return elapsed, used, _children_cpu() - children


def _children_cpu() -> float:
    """Processor seconds of the finished child processes (the workers, once they stopped)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        school = generate_school(1, 2000, YEAR_END)
        files = write_school_files(school, build_platform_data(school, 1), Path(tmp) / "files")
        sheets = sum(len(CalamineWorkbook.from_path(str(f)).sheet_names) for f in files)
        floor, cells, floor_cpu = _floor(files)
        inside_db = f"sqlite:///{tmp}/inside.db"
        _command(["db", "upgrade"], inside_db)
        inside, inside_cpu = _in_process(files, inside_db)
        floor_again, _, floor_cpu_again = _floor(files)  # on both sides of the import: the machine's load drifts
        floor, floor_cpu = min(floor, floor_again), min(floor_cpu, floor_cpu_again)
        db = f"sqlite:///{tmp}/school.db"
        _command(["db", "upgrade"], db)
        imported = _command(["import", "--json", *map(str, files)], db)
        reconciled = _command(
            ["reconcile", "--format", "json", "--out", f"{tmp}/found.jsonl", "--summary", f"{tmp}/summary.json"], db
        )
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    total = imported + reconciled
    print(
        f"files: {len(files)} workbooks, {sheets} sheets, {cells:,} cells of a 2000-student school: "
        f"import in process {inside:.2f} s = {inside / floor:.2f}x reading every cell with bare python-calamine "
        f"({floor:.2f} s; aim: within 2x; processor time {inside_cpu:.2f} s = {inside_cpu / floor_cpu:.2f}x "
        f"{floor_cpu:.2f} s); as commands: import {imported:.1f} s + reconcile {reconciled:.1f} s "
        f"= {total:.1f} s (aim: 6 s), peak memory of the commands {peak_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
