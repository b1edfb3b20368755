"""What a person waits for, as whole processes (issue 16): from process start to exit, median of
5 runs taken in alternation (so that a busy moment of the machine hits every command alike).

- ``python -c pass``: the bare interpreter (same Python, same site-packages).
- ``lienthong --help``: aim within 1.5x the bare interpreter.
- ``lienthong reconcile --format json`` on the 2,000-student demo database (``lienthong demo
  --no-wait``, built in a scratch folder), and with ``--full`` when the command has it.
- The floor: a bare Python process that reads every ``source_snapshot`` row with sqlite3 and
  decodes its payload with orjson, keeping them all (what any reconciliation of that database
  must at least do). Aim: ``reconcile --format json`` within 2.5x of it.

Each process's peak resident memory comes from the kernel (``wait4``: that child's own
``ru_maxrss``, not the running maximum over all children), the commands started by a small
process of their own (`bench.launcher`): a child forked by this benchmark would start with its
peak.

``python -m bench.bench_startup [--keep]``: ``--keep`` reuses the demo database of an earlier
run (building it takes about half a minute).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.launcher import launcher

RUNS = 5
FOLDER = Path("/tmp/lienthong-bench-startup")

FLOOR = """
import sqlite3, sys, orjson
connection = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
payloads = [orjson.loads(payload) for (payload,) in connection.execute("SELECT payload FROM source_snapshot")]
print(len(payloads))
"""


def _lienthong() -> str:
    found = shutil.which("lienthong", path=str(Path(sys.executable).parent))
    if not found:
        raise SystemExit("the lienthong console script is not installed beside this Python")
    return found


def _env(database: Path | None = None) -> dict[str, str]:
    # PYTHONDONTWRITEBYTECODE (set in some shells and CI images) would make every timed process
    # compile lienthong's modules again; an installed lienthong runs from its bytecode, which the
    # untimed first round writes.
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["COLUMNS"] = "120"  # the help of a wide terminal, as on a school's desktop
    if database is not None:
        env["LIENTHONG_DATABASE_URL"] = f"sqlite:///{database}"
    return env


def demo_database(keep: bool = False) -> Path:
    """The demo's database (2,000 students, three simulated platforms, the teachers' gradebooks)."""
    database = FOLDER / "var" / "demo.db"
    if keep and database.exists():
        return database
    shutil.rmtree(FOLDER, ignore_errors=True)
    FOLDER.mkdir(parents=True)
    start = time.perf_counter()
    subprocess.run(
        [_lienthong(), "demo", "--no-wait"], cwd=FOLDER, env=_env(), check=True, stdout=subprocess.DEVNULL, timeout=900
    )
    print(f"demo database built in {time.perf_counter() - start:.0f} s: {database}")
    return database


def _once(command: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """(seconds, peak resident KiB, exit code) of one process, its output discarded (started by
    `bench.launcher`, so that its peak is its own)."""
    ran = launcher().run(command, env)
    return ran.seconds, ran.peak_kib, ran.exit_code


def measure(commands: dict[str, tuple[list[str], dict[str, str]]], runs: int = RUNS) -> dict[str, dict]:
    """Each command ``runs`` times, in turn; median seconds and highest peak memory per command."""
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    peak: dict[str, int] = {name: 0 for name in commands}
    codes: dict[str, set[int]] = {name: set() for name in commands}
    for _ in range(runs):
        for name, (command, env) in commands.items():
            elapsed, rss, code = _once(command, env)
            seconds[name].append(elapsed)
            peak[name] = max(peak[name], rss)
            codes[name].add(code)
    return {
        name: {
            "median": statistics.median(seconds[name]),
            "spread": (min(seconds[name]), max(seconds[name])),
            "peak_mb": peak[name] / 1024,
            "exit": sorted(codes[name]),
        }
        for name in commands
    }


def _has_full_option() -> bool:
    from lienthong.cli.help_text import HELP

    return "--full" in HELP.get("lienthong reconcile", "")


def main(keep: bool = False) -> None:
    lienthong = _lienthong()
    database = demo_database(keep)
    with_db = _env(database)
    commands = {
        "python -c pass": ([sys.executable, "-c", "pass"], _env()),
        "lienthong --help": ([lienthong, "--help"], _env()),
        "floor: sqlite3 + orjson": ([sys.executable, "-c", FLOOR, str(database)], _env()),
        "reconcile --format json": ([lienthong, "reconcile", "--format", "json"], with_db),
    }
    if _has_full_option():
        commands["reconcile --format json --full"] = ([lienthong, "reconcile", "--format", "json", "--full"], with_db)
    # One untimed round: the database and the interpreter's files in the page cache for all alike.
    for command, env in commands.values():
        _once(command, env)
    found = measure(commands)

    python, floor = found["python -c pass"]["median"], found["floor: sqlite3 + orjson"]["median"]
    print(f"Start-up and reconcile as whole processes, median of {RUNS} alternating runs ({database.name}):")
    for name, result in found.items():
        low, high = result["spread"]
        base = python if name in ("python -c pass", "lienthong --help") else floor
        against = "python -c pass" if base is python else "the floor"
        print(
            f"  {name:<32} {result['median'] * 1000:8.1f} ms  (runs {low * 1000:.0f}–{high * 1000:.0f} ms)  "
            f"{result['median'] / base:5.2f}x {against:<14}  peak {result['peak_mb']:6.1f} MB  exit {result['exit']}"
        )
    help_ratio = found["lienthong --help"]["median"] / python
    reconcile_ratio = found["reconcile --format json"]["median"] / floor
    print(f"  aims: --help within 1.5x python -c pass: {help_ratio:.2f}x {'met' if help_ratio <= 1.5 else 'NOT met'}")
    print(
        f"        reconcile --format json within 2.5x the floor: {reconcile_ratio:.2f}x "
        f"{'met' if reconcile_ratio <= 2.5 else 'NOT met'}"
    )


if __name__ == "__main__":
    main(keep="--keep" in sys.argv[1:])
