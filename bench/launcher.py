"""Runs the benchmarks' commands from a small process of its own, so that each command's peak
memory is its own.

Linux keeps a process's peak resident size across ``exec`` and starts a forked child's peak at
what its parent held when it forked: a command started by a benchmark that has loaded a database
(hundreds of MB) reports that as its own peak, however little it uses. The launcher is a bare
Python reading one command per line: what it forks is a few MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import NamedTuple

_LOOP = r"""
import json, os, subprocess, sys, time
for line in sys.stdin:
    asked = json.loads(line)
    start = time.perf_counter()
    child = subprocess.Popen(asked["command"], env=asked["env"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    done = [elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, os.waitstatus_to_exitcode(status)]
    print(json.dumps(done), flush=True)
"""


class Ran(NamedTuple):
    seconds: float  # wall, from just before the process starts to its end
    cpu: float  # user + system seconds of that process alone
    peak_kib: int  # its own peak resident memory
    exit_code: int


class Launcher:
    """``Launcher().run(command, env)``: one command, its output discarded."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-c", _LOOP], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def run(self, command: list[str], env: dict[str, str]) -> Ran:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps({"command": command, "env": env}) + "\n")
        self._process.stdin.flush()
        answer = self._process.stdout.readline()
        if not answer:
            raise RuntimeError(f"the launcher stopped (exit {self._process.wait()})")
        return Ran(*json.loads(answer))

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait()


_SHARED: Launcher | None = None


def launcher() -> Launcher:
    """The process's one launcher, started on first use."""
    global _SHARED
    if _SHARED is None:
        _SHARED = Launcher()
    return _SHARED
