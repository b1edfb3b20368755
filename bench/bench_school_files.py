"""Issue 15's test school at a large school's size: ``tests/school_files/generator.py`` with 4 grades
× 12 classes × 42 students (2,016), every file it writes imported and reconciled through the CLI in
child processes, as the user runs them.

Prints the floor (reading every cell of every workbook with python-calamine and nothing else), the
import's wall time and its ratio to the floor (issue 15: within 2×), the children's peak resident
memory (``RUSAGE_CHILDREN``), the reconciliation's time (issue 15: import + reconcile ≤ 6 s), and the
precision and recall of the differences found against those injected.

Run: ``.venv/bin/python -m bench.bench_school_files [students per class]``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from python_calamine import CalamineWorkbook

from tests.school_files.generator import build, fold
from tests.school_files.test_school_files import signature_of


def _floor(files: list[Path]) -> tuple[float, int, float]:
    """Seconds (wall) to read every cell with python-calamine, the cells, and the processor seconds."""
    start, cpu, cells = time.perf_counter(), time.process_time(), 0
    for path in files:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            cells += sum(len(row) for row in book.get_sheet_by_name(name).to_python())
    return time.perf_counter() - start, cells, time.process_time() - cpu


def _children_cpu() -> float:
    """Processor seconds the finished child processes used so far (steadier than wall time on a shared machine)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _command(args: list[str], db: str) -> tuple[float, subprocess.CompletedProcess]:
    env = {**os.environ, "LIENTHONG_SCHOOL_YEAR": "2025-2026"}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "lienthong.cli.main", "--db", db, *args], capture_output=True, env=env)
    if done.returncode not in (0, 1):
        raise SystemExit(done.stdout.decode()[-2000:] + done.stderr.decode()[-2000:])
    return time.perf_counter() - start, done


def main(per_class: int = 42) -> None:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        school, files = build(Path(folder) / "tep", seed=15, per_grade=12, per_class=per_class)
        made = time.perf_counter() - started
        floor, cells, floor_cpu = _floor([f.path for f in files])
        db = f"sqlite:///{folder}/truong.db"
        _command(["db", "upgrade"], db)
        books = [str(f.path) for f in files if f.kind == "gradebook" and not f.args]
        mapped = [f for f in files if f.args]
        rest = [str(f.path) for f in files if f.kind != "gradebook"]
        took, cpu = 0.0, _children_cpu()
        for args in (books, [*mapped[0].args, *(str(f.path) for f in mapped)], rest):
            elapsed, _ = _command(["import", "--json", *args], db)
            took += elapsed
        cpu = _children_cpu() - cpu
        out, summary = Path(folder) / "found.jsonl", Path(folder) / "summary.json"
        reconciling, _ = _command(["reconcile", "--format", "json", "--out", str(out), "--summary", str(summary)], db)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        found = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
        by_vnedu = {s.vnedu_id: s.key for s in school.students}
        by_ministry = {s.ministry_id: s.key for s in school.students if s.ministry_id}
        tolerated = {("identity_doubt", None, None, None, f"{c}:{fold(w)}") for _, c, w in school.written_as}
        got = {signature_of(d, by_vnedu, by_ministry) for d in found} - tolerated
        expected, required = school.expected, school.required
        start, _ = _command(["db", "upgrade"], db)  # a command that has nothing to do: its start-up
        print(
            f"school files: {len(school.students)} students, {len(files)} files, {cells:,} cells "
            f"(generated in {made:.1f} s)\n"
            f"  floor (python-calamine, every cell): {floor:.2f} s\n"
            f"  import (3 commands, wall; one starts in {start:.2f} s): {took:.2f} s = {took / floor:.1f}× floor "
            f"(processor: {cpu:.2f} s = {cpu / floor_cpu:.1f}× the floor's {floor_cpu:.2f} s)\n"
            f"  reconcile (wall): {reconciling:.2f} s; import + reconcile {took + reconciling:.2f} s\n"
            f"  peak RSS of a child: {peak:.0f} MB\n"
            f"  differences: issue 15's list {len(required)} (+{len(expected - required)} beyond it), found "
            f"{len(found)} records; precision {len(expected & got) / max(1, len(got)):.3f}, recall "
            f"{len(required & got) / len(required):.3f}"
        )
        for signature in sorted(expected - got, key=str):
            print("  missed:", signature, "(beyond the list)" if signature not in required else "")
        for signature in sorted(got - expected, key=str)[:20]:
            print("  extra:", signature)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 42)
