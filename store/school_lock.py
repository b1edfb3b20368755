"""One run of a kind per school at a time, across threads and processes: `one_at_a_time`.

Why: a school's reconciliation reads the change journal and the saved state, then writes the
register, the state and the journal's consumption. Two at once on one school (the daemon's after a
sync beside a teacher's ``lienthong reconcile``, or the dashboard's after an upload) would each
register the same new differences, and the second's insert failed on the register's key (the
person saw "Cơ sở dữ liệu từ chối thay đổi"). Taking turns, the second starts from what the first
left and both succeed.

- Within a process: a lock per (database, school, purpose).
- PostgreSQL: a transaction-level advisory lock on (purpose, school), held until the run's
  transaction ends, so released by its commit or rollback whatever happens to the process.
- SQLite: an ``flock`` on a small file beside the database (``<database>-<purpose>-<school>.lock``),
  released when the run ends or its process dies. SQLite's own locks cannot serve: a run reads
  for seconds before it writes, and a writer waiting on SQLite gives up after its busy timeout.

A run waits for the one before it, up to `WAIT_SECONDS`; past that the other run is taken as stuck
and this one refuses with `SchoolBusy` (in Vietnamese), having read and written nothing.
"""

from __future__ import annotations

import os
import threading
import time
import zlib
from contextlib import contextmanager
from typing import Iterator

from lienthong.store.plain import Plain

# A school's full reconciliation takes seconds; a run that holds a school longer than this is stuck.
WAIT_SECONDS = 600.0
_POLL_SECONDS = 0.05
# Any fixed number, distinct from `store.audit_chain.APPEND_LOCK`: the first key of the advisory lock.
_ADVISORY_BASE = 0x4C540000

_HELD: dict[tuple[str, str, str], threading.Lock] = {}
_HELD_GUARD = threading.Lock()


class SchoolBusy(Exception):
    """Another run of the same kind holds the school past the wait (`WAIT_SECONDS`)."""

    def __init__(self, school: str, purpose: str, waited: float):
        self.message = (
            f"Trường {school} đang có một lần {_WORDS.get(purpose, purpose)} khác chạy quá {waited:.0f} giây "
            "(có thể đã bị treo): chờ lần đó xong, hoặc dừng tiến trình đó, rồi chạy lại."
        )
        super().__init__(self.message)


_WORDS = {"reconcile": "đối chiếu"}


@contextmanager
def one_at_a_time(db: Plain, purpose: str, wait: float = WAIT_SECONDS) -> Iterator[None]:
    """Hold ``purpose`` (such as ``"reconcile"``) for ``db``'s school until the block ends; waits for
    a holder elsewhere, up to ``wait`` seconds (`SchoolBusy` past it). Enter it before the run reads
    anything: what it reads must be what the run before it left. On PostgreSQL the lock lasts until
    ``db``'s transaction ends, which the block must therefore end with (commit or rollback)."""
    deadline = time.monotonic() + wait
    path = None if db.postgresql else _sqlite_file(db)
    local = _local_lock(path or "", db.school, purpose)
    if not local.acquire(timeout=max(wait, 0)):
        raise SchoolBusy(db.school, purpose, wait)
    try:
        if db.postgresql:
            _advisory(db, purpose, deadline, wait)
            yield
        elif path:
            name = db.school if db.school.isalnum() else f"{zlib.crc32(db.school.encode()):08x}"
            with _file_lock(f"{path}-{purpose}-{name}.lock", db.school, purpose, deadline, wait):
                yield
        else:  # a database in memory: no other process can reach it
            yield
    finally:
        local.release()


def _local_lock(database: str, school: str, purpose: str) -> threading.Lock:
    with _HELD_GUARD:
        return _HELD.setdefault((database, school, purpose), threading.Lock())


def _sqlite_file(db: Plain) -> str | None:
    """The main database's file, ``None`` for one in memory."""
    for _, name, file in db.rows("PRAGMA database_list"):
        if name == "main":
            return file or None
    return None


def _advisory(db: Plain, purpose: str, deadline: float, wait: float) -> None:
    key = _ADVISORY_BASE + zlib.crc32(purpose.encode()) % 0xFFFF
    while not db.rows("SELECT pg_try_advisory_xact_lock(?, hashtext(?))", (key, db.school))[0][0]:
        if time.monotonic() >= deadline:
            raise SchoolBusy(db.school, purpose, wait)
        time.sleep(_POLL_SECONDS)


@contextmanager
def _file_lock(path: str, school: str, purpose: str, deadline: float, wait: float) -> Iterator[None]:
    import fcntl  # POSIX only, as the daemon's platforms are

    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise SchoolBusy(school, purpose, wait) from None
                time.sleep(_POLL_SECONDS)
        yield  # closing the descriptor releases the lock
    finally:
        os.close(descriptor)
