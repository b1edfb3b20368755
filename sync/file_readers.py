"""Reading many files at once, in worker processes, while the command stores them one by one in order.

Reading a workbook (the safety scan, python-calamine's parse, the readers, the mapping) is Python
work that holds the interpreter's lock: threads cannot share it, processes can. `Readers` keeps a
few worker processes, each reading one file at a time with `sync.file_reading.read_file` — the
same function the command runs itself when there is one processor or one file — and hands the
reads back in the order the files were given, so that storing stays in the command's process,
one file at a time, each stored whole or refused whole, exactly as without workers.

A worker is a new interpreter (``python -c``, not a fork): it inherits none of the command's
threads, open database connections or logging handlers, and runs none of the command's own
code (``multiprocessing`` would run the caller's main module again in every child). It loads
only the readers (about 0.25 s of a processor, while the command loads its own code and opens its
database: `sync.reader_processes` starts it) and talks over two pipes.
Each worker's address space is capped (`WORKER_MEMORY`), on top of the bounds every workbook is
checked against before it is parsed; a file that runs a worker out of memory, stops it, or keeps
it past `READ_LIMIT_SECONDS` is refused with a clear message, the worker is replaced, and the
files after it are read as usual: no file is lost and no command hangs on one file. A worker
that stops before reading anything is not replaced (the files are then read by the others, or
by the command itself).
"""

from __future__ import annotations

import errno
import gc
import hashlib
import io
import logging
import os
import pickle
import resource
import struct
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from lienthong.connectors.spreadsheet import _opened
from lienthong.sync import reader_processes
from lienthong.sync.file_reading import OUT_OF_MEMORY, FileRead, ImportReport, Wanted, read_file

if TYPE_CHECKING:  # the command's side only: a worker does not load them (see `_Pipe`)
    import subprocess
    from multiprocessing.connection import Connection

log = logging.getLogger(__name__)

READ_LIMIT_SECONDS = 120  # a school's largest workbook is read in a few seconds
WORKER_MEMORY = 2 << 30  # address space of one worker; a file within the workbook bounds needs < 400 MB
START_LIMIT = 60  # a worker loads the readers in well under a second
QUEUED = 2  # files handed to one worker at a time: the one it reads and the next
# Reads per worker either sent or back and waiting for the command to store them: one more than a
# worker's queue, so that a worker whose files were quick goes on while the command waits for a
# slower one (a school's first file, the CSDL list, reads in four times as long as the next twelve:
# with `QUEUED` alone the other worker stood idle until it came back)
HELD = QUEUED + 1

STOPPED = (
    "Không đọc được tệp: chương trình đọc tệp dừng đột ngột khi đọc tệp này (có thể tệp hỏng hoặc cần quá "
    "nhiều bộ nhớ). Hãy mở tệp bằng Excel, kiểm tra rồi lưu lại và gửi lại; các tệp khác vẫn được nhập."
)
TOO_SLOW = (
    f"Không đọc được tệp: đọc quá {READ_LIMIT_SECONDS} giây (tệp của một trường đọc trong vài giây; có thể tệp "
    "hỏng hoặc cố ý gây quá tải). Hãy mở tệp bằng Excel, kiểm tra rồi lưu lại và gửi lại."
)

Source = Path | bytes  # a file to read: its path, or its content


def load(name: str, source: Source) -> FileRead | bytes:
    """The file's bytes, or a read refusing it when it cannot be opened (named by its path, as given)."""
    if isinstance(source, bytes):
        return source
    try:
        return source.read_bytes()
    except OSError as exc:
        return FileRead(ImportReport(str(source), error=unreadable(exc)))


def unreadable(exc: OSError) -> str:
    """Why a file could not be opened, in Vietnamese (the system's own text is English, or the
    language of the server's locale, never the teacher's)."""
    if isinstance(exc, FileNotFoundError):
        return "Không tìm thấy tệp: kiểm tra tên tệp và thư mục (gõ đúng dấu, đuôi .xlsx hoặc .xls)."
    if isinstance(exc, IsADirectoryError):
        return "Đây là một thư mục, không phải tệp: hãy ghi tên từng tệp trong đó (ví dụ thu-muc/*.xlsx)."
    if isinstance(exc, NotADirectoryError):
        return "Không tìm thấy tệp: một phần của đường dẫn là tệp, không phải thư mục."
    if isinstance(exc, PermissionError):
        return (
            "Không có quyền đọc tệp: hãy cấp quyền đọc cho tài khoản chạy lienthong, hoặc chép tệp sang thư mục khác."
        )
    code = errno.errorcode.get(exc.errno or 0, "")
    return f"Không đọc được tệp từ ổ đĩa{f' (mã lỗi {code})' if code else ''}: hãy chép tệp vào máy rồi nhập lại."


# --- in a worker ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    """What every file of one command is read with (sent to each worker once)."""

    kind: str | None
    wanted: Wanted
    mapping: dict | None
    memory: int
    reader: Callable[[str, bytes, str | None, Wanted, dict | None], FileRead] = read_file


class _Pipe:
    """A worker's end of one of its pipes, carrying messages as `multiprocessing.connection.Connection`
    frames them (its length as a 4-byte big-endian number, or -1 and an 8-byte one, then the bytes;
    an object pickled): the command's end is a `Connection`. A worker does not load
    ``multiprocessing`` (nor ``subprocess``) for it: a tenth of its start, paid by every worker of
    every import before it reads its first file."""

    def __init__(self, fd: int):
        self.fd = fd

    def _read(self, size: int) -> bytes:
        chunks, left = [], size
        while left:
            chunk = os.read(self.fd, min(left, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def recv(self) -> Any:
        (size,) = struct.unpack("!i", self._read(4))
        if size == -1:
            (size,) = struct.unpack("!Q", self._read(8))
        return pickle.loads(self._read(size))

    def send(self, value: Any) -> None:
        self.send_bytes(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))

    def send_bytes(self, data: bytes) -> None:
        size = len(data)
        header = struct.pack("!i", size) if size <= 0x7FFFFFFF else struct.pack("!iQ", -1, size)
        for part in (header, data):
            view = memoryview(part)
            while view:
                view = view[os.write(self.fd, view) :]


def serve(tasks: int, answers: int) -> None:
    """A worker (started by `Readers` as ``python -c``): read the files sent on the pipe ``tasks``,
    one at a time, and send each read back on ``answers``, until told to stop."""
    os.dup2(2, 1)  # nothing a worker prints may mix with the command's output (``--json``)
    incoming, outgoing = _Pipe(tasks), _Pipe(answers)
    try:
        sys.path[:] = incoming.recv()  # where the command found its code (a reader given by a test too)
        job: _Job = incoming.recv()
    except EOFError:
        return
    if job.memory:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = job.memory if hard == resource.RLIM_INFINITY else min(job.memory, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    gc.freeze()  # the loaded code is never garbage: the collector does not walk it again
    outgoing.send(None)  # loaded: the time limit of its first file runs from here
    while True:
        try:
            task = incoming.recv()
        except EOFError:
            return
        if task is None:
            return
        index, name, source = task
        # The collector waits until the read is pickled and dropped: reading makes no cycles worth
        # collecting (as in the command's process), and the first collection after it, due at once
        # (its allocations were counted), walked the whole read still held (~500,000 objects, once
        # per file: a fortieth of a worker's time); once it is dropped, only what outlives it.
        gc.disable()
        try:
            answer = _pickled((index, _read_one(name, source, job)))
        finally:
            gc.enable()
        outgoing.send_bytes(answer)
        del answer


def _pickled(answer: tuple[int, FileRead]) -> bytes:
    """An answer as `Connection.recv` unpickles it, pickled without the memo of objects seen: a read
    holds ~500,000 strings, each one seen once, that the memo would note on both sides for nothing
    (half the time to pickle, a third less to unpickle). A read is a tree of plain values; should
    one ever hold a cycle, it is pickled the usual way."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    try:
        pickler.dump(answer)
    except (ValueError, RecursionError):
        return pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
    return buffer.getvalue()


def _read_one(name: str, source: Source, job: _Job) -> FileRead:
    try:
        data = load(name, source)
        if isinstance(data, FileRead):
            return data
        return job.reader(name, data, job.kind, job.wanted, job.mapping)
    except MemoryError:
        return FileRead(ImportReport(name, error=OUT_OF_MEMORY))
    finally:
        _opened.cache_clear()  # the workbook is read: a worker keeps nothing of a file it answered for


# --- in the command's process ---------------------------------------------------------------------


@dataclass
class _Worker:
    process: subprocess.Popen
    tasks: Connection
    answers: Connection
    queue: deque = field(default_factory=deque)  # indices sent and not answered, in the order sent
    since: float = 0.0  # when it began the file at the head of its queue
    answered: int = 0
    loaded: bool = False  # it said it is ready (its start is not counted in a file's time)


class Readers:
    """Worker processes that read files and hand the reads back in order (see the module's text).

    Used as a context manager: the workers start on entering (they load the readers while the
    command goes on) and stop on leaving."""

    def __init__(
        self,
        count: int,
        kind: str | None,
        wanted: Wanted,
        mapping: dict | None,
        memory: int = WORKER_MEMORY,
        limit: float = READ_LIMIT_SECONDS,
        reader: Callable[..., FileRead] = read_file,
    ):
        self.count, self.limit = count, limit
        self._job = _Job(kind, wanted, mapping, memory, reader)
        self._workers: list[_Worker] = []
        self._again: deque = deque()  # (index, file) sent to a worker that stopped: to send again

    def __enter__(self) -> Readers:
        self._workers = [self._start() for _ in range(self.count)]
        return self

    def __exit__(self, *_: Any) -> None:
        for worker in self._workers:
            try:
                worker.tasks.send(None)
            except OSError:
                pass
        for worker in self._workers:
            self._stop(worker, wait=5)
        self._workers = []

    def _start(self) -> _Worker:
        from multiprocessing.connection import Connection

        started = reader_processes.take()  # one the command started as it began, if any is left
        tasks, answers = Connection(started.tasks, readable=False), Connection(started.answers, writable=False)
        worker = _Worker(started.process, tasks, answers, since=started.at)
        worker.tasks.send(list(sys.path))
        worker.tasks.send(self._job)
        return worker

    @staticmethod
    def _stop(worker: _Worker, wait: float = 0) -> None:
        import subprocess

        try:
            worker.process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()
        worker.tasks.close()
        worker.answers.close()

    def read(self, files: Iterable[tuple[str, Source]]) -> Iterator[FileRead]:
        """Each file read, in the order given; at most `HELD` files per worker are sent or read ahead
        of the one the caller waits for, so a long list never sits in memory read."""
        given = iter(enumerate(files))
        sent: dict[int, tuple[str, Source]] = {}
        done: dict[int, FileRead] = {}
        following, upcoming = 0, None  # upcoming: the next file, taken from ``files`` and not yet sent
        while True:
            while self._workers and len(sent) + len(done) < HELD * self.count:
                upcoming = upcoming or (self._again.popleft() if self._again else next(given, None))
                if upcoming is None:
                    break
                index, (name, source) = upcoming
                worker = min(self._workers, key=lambda w: len(w.queue))
                # content goes only to an idle worker: one sending its answer could not take it (pipes fill)
                if len(worker.queue) >= (1 if isinstance(source, bytes) else QUEUED):
                    break
                sent[index], upcoming = (name, source), None
                self._send(worker, index, name, source)
            if following in done:
                yield done.pop(following)
                following += 1
                continue
            if not self._workers:  # none could keep reading: the rest is read here, in order
                yield from self._read_here(sent, done, chain([upcoming] if upcoming else [], given))
                return
            if not sent:
                return
            self._collect(sent, done)

    def _read_here(self, sent: dict, done: dict, given: Iterator) -> Iterator[FileRead]:
        """The reads already back and the files left, in order, the files read in this process
        (when every worker stopped before reading anything)."""
        waiting = {**done, **sent, **dict(self._again)}
        for _, file in [*sorted(waiting.items()), *given]:
            if isinstance(file, FileRead):
                yield file
                continue
            data = load(*file)
            job = self._job
            yield data if isinstance(data, FileRead) else job.reader(file[0], data, job.kind, job.wanted, job.mapping)

    def _send(self, worker: _Worker, index: int, name: str, source: Source) -> None:
        if not worker.queue and worker.loaded:  # a new worker's time runs from when it is loaded
            worker.since = time.monotonic()
        worker.queue.append(index)
        try:
            worker.tasks.send((index, name, source))
        except OSError:  # it stopped: seen as its answers' end in `_collect`
            pass

    def _collect(self, sent: dict[int, tuple[str, Source]], done: dict[int, FileRead]) -> None:
        """Wait for any worker's next read (or its end: the file it was reading is refused)."""
        from multiprocessing.connection import wait

        busy = {worker.answers: worker for worker in self._workers if worker.queue}
        for connection in wait(list(busy), timeout=1.0):
            worker = busy[connection]
            try:
                answer = connection.recv()
            except (EOFError, OSError):
                self._replace(worker, sent, done, STOPPED)
                continue
            except MemoryError:
                self._replace(worker, sent, done, OUT_OF_MEMORY)
                continue
            worker.since = time.monotonic()
            if answer is None:  # loaded
                worker.loaded = True
                continue
            index, read = answer
            worker.queue.popleft()
            worker.answered += 1
            done[index] = read
            del sent[index]
        now = time.monotonic()
        for worker in list(self._workers):
            if worker.queue and now - worker.since > (self.limit if worker.loaded else max(self.limit, START_LIMIT)):
                self._replace(worker, sent, done, TOO_SLOW)

    def _replace(self, worker: _Worker, sent: dict, done: dict, why: str) -> None:
        """The worker stopped (or is stopped) on the file at the head of its queue: that file is
        refused with ``why``; the files queued behind it are sent again, first, to a new worker (or to
        the others, when this one stopped before reading anything: it is not started again)."""
        index = worker.queue.popleft()
        name, source = sent.pop(index)
        worker.process.kill()
        self._stop(worker)
        log.warning("file reader stopped: exit code %s after %d files", worker.process.returncode, worker.answered)
        done[index] = FileRead(ImportReport(name, _sha256(source), error=why))
        place = self._workers.index(worker)
        if worker.answered:
            self._workers[place] = self._start()
        else:
            del self._workers[place]
        self._again.extendleft(reversed([(waiting, sent.pop(waiting)) for waiting in worker.queue]))


def _sha256(source: Source) -> str:
    """The refused file's SHA-256, as the report of any other refused file carries it."""
    try:
        data = source if isinstance(source, bytes) else source.read_bytes()
    except OSError:
        return ""
    return hashlib.sha256(data).hexdigest()
