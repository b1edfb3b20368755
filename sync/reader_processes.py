"""Starting the worker processes that read files (`sync.file_readers`), as early as a command can.

A worker is a new interpreter that loads the readers before it reads anything (about 0.25 s of a
processor). ``lienthong import`` used to start its workers once its own code was loaded (typer,
the command, the readers: 0.4 s), so the first file came back 0.8 s after the command started,
both processors mostly waiting in turn. `start_early`, called by the command's entry point
(`cli.main`) before it loads anything else, starts them at once: they load while the command
does, and `Readers` takes them (`take`) when it needs workers, starting new ones only past those.
Workers started early and never taken (the command refused its options, or read no file) see
their pipes close when the command exits, and stop.

Loads nothing of the readers nor of ``multiprocessing``: it runs before them.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import subprocess

MAX_READERS = 4  # past four, storing (in the command's own process) is what everyone waits for
# What a worker's answers pipe may hold (bytes), where the system lets a pipe hold more than its
# 64 KB (Linux: up to /proc/sys/fs/pipe-max-size, 1 MB unless raised): see `_widened`
ANSWERS_PIPE = (4 << 20, 1 << 20)
WORKER_CODE = "from lienthong.sync.file_readers import serve; serve({tasks}, {answers})"


class Started(NamedTuple):
    """A worker process just started, and the command's ends of its two pipes."""

    process: subprocess.Popen
    tasks: int  # the command writes the files to read here
    answers: int  # and reads the reads back from here
    at: float  # when it was started (`time.monotonic`): its loading time runs from here


_EARLY: list[Started] = []  # started by `start_early`, not yet taken


def usable_processors() -> int:
    """Processors this process may run on (``taskset`` and container limits included)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def reader_count(files: int) -> int:
    """Worker processes for ``files`` files: one per usable processor, at most `MAX_READERS` and
    one per file; none with one processor or one file (the command reads it itself: a worker's
    start would cost more than it saves)."""
    processors = usable_processors()
    if processors < 2 or files < 2:
        return 0
    return min(processors, MAX_READERS, files)


def start() -> Started:
    """A new worker (``python -c``: see `sync.file_readers`), loading the readers as it starts."""
    import subprocess

    tasks_in, tasks_out = os.pipe()
    answers_in, answers_out = os.pipe()
    _widened(answers_in)
    process = subprocess.Popen(
        [sys.executable, "-c", WORKER_CODE.format(tasks=tasks_in, answers=answers_out)],
        pass_fds=(tasks_in, answers_out),
        stdin=subprocess.DEVNULL,
    )
    os.close(tasks_in)
    os.close(answers_out)
    return Started(process, tasks_out, answers_in, time.monotonic())


def start_early(count: int) -> None:
    """Start ``count`` workers now, for the `Readers` this command will make (see the module's text).
    A worker that cannot be started here (no process left to the user…) is not: `Readers` starts its
    own later, inside the command's error boundary, which says why if it cannot either."""
    for _ in range(count - len(_EARLY)):
        try:
            _EARLY.append(start())
        except OSError:
            return


def take() -> Started:
    """A worker started early, if one is left, else a new one."""
    return _EARLY.pop(0) if _EARLY else start()


def release() -> None:
    """Stop the workers started early and not taken (the command read its files with fewer, or none):
    their task pipe closed, each stops as it would after its last file, rather than idle through
    the rest of the command (the reconciliation after an import)."""
    import subprocess

    while _EARLY:
        left = _EARLY.pop()
        for pipe in (left.tasks, left.answers):
            try:
                os.close(pipe)
            except OSError:
                pass
        try:
            left.process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # still loading: it stops on its own once it reads the closed pipe
            pass


def _widened(pipe: int) -> None:
    """Let the pipe hold a whole answer where the system allows it (`ANSWERS_PIPE`, else as it is).
    A worker's write of its answer returns only once the answer is in the pipe: in 64 KB it waited
    for the command to come and read it, which it does only between storing two files, and read
    nothing meanwhile (~0.4 s per worker over a school's files, whose answers are 0.3-1 MB). Once
    written, an answer is read whole even if the worker stops on its next file, as before."""
    try:
        import fcntl

        setting = fcntl.F_SETPIPE_SZ
    except (ImportError, AttributeError):  # not on Linux
        return
    for size in ANSWERS_PIPE:
        try:
            fcntl.fcntl(pipe, setting, size)
            return
        except OSError:  # past what an unprivileged process may ask (EPERM), or the user's pipes' total
            continue
