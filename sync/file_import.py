"""Exports and gradebooks people bring, kept as per-source snapshots: the Excel-only school's pull.

Each file's kind is detected from its headers (or given), read through the connectors' Excel
readers, checked against what the user meant (school year, semester, class), and stored as
the same snapshots an API pull would give, under the platform that declares the kind
(`connectors.file_kinds`) — all or nothing. The file's SHA-256 is the source version: the same file imported again
writes nothing. Records from files carry version 0, so an API pull of the same record
(versions from 1) supersedes them and a later file never overwrites API data.

Reading a file (`sync.file_reading.read_file`) is pure; storing it is done here, one file at a
time, in the order given, in one session per command whose commits each take the files stored
in the last second (`_Keeper`). `import_files` — the one path of ``lienthong import`` (and its
``--dry-run``), the dashboard's uploads and the benchmarks — reads the next files in worker
processes (`sync.file_readers`) while it stores the current one.
"""

from __future__ import annotations

import gc
import time
from collections import deque
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, NamedTuple

import orjson

from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.excel import Problem
from lienthong.connectors.file_kinds import FILE_KINDS
from lienthong.connectors.gradebook.excel import Expect
from lienthong.connectors.spreadsheet import ReadAhead
from lienthong.store import audit_chain, imports, plain
from lienthong.store.plain import Plain
from lienthong.store.snapshot_text import hashed_text
from lienthong.sync import reader_processes
from lienthong.sync.file_readers import Readers, load
from lienthong.sync.file_reading import FileRead, ImportReport, Wanted, account_for_sheets, read_file
from lienthong.sync.reader_processes import reader_count

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlmodel import Session

FILE_VERSION = 0
# The kind of the score owner's files (a teacher's gradebook): the one kind whose later file is newer truth.
OWNER_KIND = next(name for name, kind in FILE_KINDS.items() if kind.owner)
__all__ = ["ImportReport", "Wanted", "account_for_sheets", "import_file", "import_files", "import_score_book"]


@dataclass
class _Found:
    """A file's records as its platform's mapping made them and its reader wrote them out, to
    store under ``source``: scores (``diem``) with ``version``, everything else with `FILE_VERSION`."""

    source: str
    version: int
    stored: list[tuple[str, str, str, bytes]]  # (entity, key, content hash, JSON text as UTF-8)

    def stamp(self, entity: str) -> int:
        return self.version if entity == "diem" else FILE_VERSION

    def fresh(self, written: dict) -> tuple[list[Group], int]:
        """The records to write, one group per entity (`store.imports.store_rows` takes one entity
        at a time; a key seen twice in the file is written once, as it is last), and how many keys
        are left out because this command already wrote them as they are (``written``: (source,
        entity) → key → (version, content hash); the same student on 23 score books is written once)."""
        grouped: dict[str, dict[str, tuple]] = {}
        for record in self.stored:  # in the file's order: each entity's keys in the order they first came
            group = grouped.get(record[0])
            if group is None:
                group = grouped[record[0]] = {}
            group[record[1]] = record
        if sum(map(len, grouped.values())) != len(self.stored):
            return self._fresh_one_by_one(written)  # a key twice in the file (rare): record by record
        groups, unchanged = [], 0
        for entity, group in grouped.items():
            stamp, rows = self.stamp(entity), list(group.values())
            known = written.get((self.source, entity))
            if known:  # what earlier files wrote as it is here is left out
                rows = [row for row in rows if known.get(row[1]) != (stamp, row[2])]
                unchanged += len(group) - len(rows)
            if rows:
                groups.append(Group(self.source, entity, stamp, rows))
        if unchanged and len(groups) > 1:  # each group where its first record to write came, as below
            place = {id(record): i for i, record in enumerate(self.stored)}
            groups.sort(key=lambda group: place[id(group.rows[0])])
        return groups, unchanged

    def _fresh_one_by_one(self, written: dict) -> tuple[list[Group], int]:
        """`fresh`, record by record: a key twice in the file keeps the place of its first record
        written and the value of its last (one left out as written before is not written)."""
        groups: dict[str, dict[str, tuple]] = {}
        repeated = set()
        for record in self.stored:
            entity, key, digest = record[0], record[1], record[2]
            if written.get((self.source, entity), {}).get(key) == (self.stamp(entity), digest):
                repeated.add((entity, key))
                continue
            groups.setdefault(entity, {})[key] = record
        unchanged = sum(1 for entity, key in repeated if key not in groups.get(entity, ()))
        return [Group(self.source, e, self.stamp(e), list(rows.values())) for e, rows in groups.items()], unchanged

    @staticmethod
    def remember(written: dict, groups: list[Group]) -> None:
        """Add what was just written to ``written`` (see `fresh`)."""
        for group in groups:
            version = group.version
            written.setdefault((group.source, group.entity), {}).update(
                {row[1]: (version, row[2]) for row in group.rows}
            )


class Group(NamedTuple):
    """A file's records of one entity to write: ``rows`` are ``(entity, key, content hash, JSON
    text)`` as the file's read holds them, each key once, all stored with ``version``."""

    source: str
    entity: str
    version: int
    rows: list[tuple[str, str, str, bytes]]


@contextmanager
def _collector_paused():
    """An import builds a few hundred thousand small dicts, lists and tuples that all live until the
    file is stored; the cyclic collector would walk them again and again for nothing (a third of
    an import's time). Reading makes no reference cycles worth collecting, so the collector waits
    until the file is done (and runs as usual after it)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def import_files(
    engine: sa.Engine | Plain | None,
    files: Iterable[tuple[str, Path | bytes]],
    kind: str | None,
    wanted: Wanted,
    mapping: dict | None,
    actor: str,
    clock: Callable[[], datetime],
    dry_run: bool = False,
    readers: int | Readers | None = None,
) -> Iterator[ImportReport]:
    """Import files one by one, in the order given, each stored whole or refused whole (its
    ``report.error``), yielding each one's report once what it stored is committed (files stored
    within `COMMIT_SECONDS` of each other are committed together: `_Keeper`). ``files``: (name shown
    in the report, path or content). ``engine``: the store, an engine or a command's own plain
    connection (`_Keeper`). ``dry_run``: read and check only (``engine`` may be ``None``).

    While a file is stored, the next ones are read in worker processes (`sync.file_readers`;
    ``readers`` of them, by default one per processor, none with one processor or one file: then
    they are read here, their parse started ahead in threads; or ``readers`` already started by the
    caller (`started_readers`, for the same ``kind``, ``wanted`` and ``mapping``), which stops them).
    Reading is the same function either way, and storing stays here: the reports and the rows
    stored do not depend on it. The same record stored unchanged by an earlier file of the same
    call is not written again (the same student on 23 score books is written once)."""
    files = list(files)
    written: dict = {}
    with ExitStack() as stack, _Keeper(None if dry_run else engine, actor, clock, dry_run) as keeper:
        pool = readers
        if pool is None or isinstance(pool, int):
            count = reader_count(len(files)) if pool is None else pool
            pool = stack.enter_context(started_readers(count, kind, wanted, mapping))
        if pool is not None:
            reads = pool.read(files)
            while (read := _next(reads)) is not None:
                with _collector_paused():
                    keeper.keep(read, written)
                yield from keeper.ready()
        else:
            for name, data in _read_ahead(files):
                with _collector_paused():
                    read = data if isinstance(data, FileRead) else read_file(name, data, kind, wanted, mapping)
                    keeper.keep(read, written)
                yield from keeper.ready()
        yield from keeper.ready(last=True)


@contextmanager
def started_readers(count: int, kind: str | None, wanted: Wanted, mapping: dict | None) -> Iterator[Readers | None]:
    """``count`` worker processes reading files for `import_files` (``None`` for none: the files are
    then read in the command), stopped when the block ends. A command starts them before it opens
    the store (`reader_count` of its files), so that they load the readers while it does: on an
    existing school's store SQLite's integrity check alone takes a few tenths of a second."""
    try:
        if not count:
            yield None
            return
        with Readers(count, kind, wanted, mapping) as pool:
            yield pool
    finally:
        reader_processes.release()  # any started with the command and not taken


def _next(reads: Iterator[FileRead]) -> FileRead | None:
    with _collector_paused():  # the read comes back as a few hundred thousand small objects
        return next(reads, None)


def import_file(
    engine: sa.Engine | Plain | None,
    name: str,
    data: bytes,
    kind: str | None,
    wanted: Wanted,
    mapping: dict | None,
    actor: str,
    clock: Callable[[], datetime],
    dry_run: bool = False,
    written: dict | None = None,
) -> ImportReport:
    """Read one file and keep what it holds, as `import_files` does for each of its files; a file
    refused whole stores nothing (``report.error``). ``written``: records stored unchanged by
    earlier calls, (source, entity) → key → (version, content hash), filled here (see `_Found.fresh`)."""
    with _Keeper(None if dry_run else engine, actor, clock, dry_run) as keeper, _collector_paused():
        keeper.keep(read_file(name, data, kind, wanted, mapping), written if written is not None else {})
        (report,) = keeper.ready(last=True)
    return report


# How long stored files may wait for their commit (seconds). Each commit writes every page the
# files since the last one changed, and a file's snapshots land all over the key indexes (a
# score book has a row for every student): committed file by file, a school's 40 files wrote
# its 40 MB of pages four times over (160 MB, a third of the command's own processor time).
# Bounded, because SQLite has one writer: another writer (the dashboard, the daemon) waits
# for the commit, and gives up after its busy timeout (5 s, `store.db`).
COMMIT_SECONDS = 1.0


def _what_others_said_kept(db: Plain, group: Group) -> Group:
    """A teacher's book names its students with the columns it has: one with birth dates, the next
    without. A student's field the book leaves empty keeps what the school's other books stored
    (a book without the column says nothing about it), so that the birth date the matcher uses
    for name-keyed rows is not lost to whichever book came last, and importing one book again does
    not rewrite (and send back to the reconciliation) every student the others named."""
    if group.entity != "hoc_sinh":
        return group
    stored = imports.stored_texts(db, group.source, group.entity, [row[1] for row in group.rows])
    if not stored:
        return group
    rows = []
    for row in group.rows:
        before = stored.get(row[1])
        if before is not None:
            payload, known = orjson.loads(row[3]), orjson.loads(before)
            kept = {field: known.get(field) if value is None else value for field, value in payload.items()}
            if kept != payload:
                row = (row[0], row[1], *hashed_text(kept))
        rows.append(row)
    return group._replace(rows=rows)


class _Keeper:
    """Stores the reads of one command, each file whole or not at all, in the order given, on one
    connection; files stored since the last commit are committed together, once the oldest of them
    has waited `COMMIT_SECONDS` (looked at as each file is stored) and at the end. A file's report
    is handed out (`ready`) only once what it stored is committed, so what a person is told was
    stored is stored: when the command stops on an error (the database's: a file refused whole is
    only a report), the files stored and not yet committed are rolled back with it, none of their
    reports having been given. Their audit checkpoints are written after the commit, never before.

    ``store``: ``None`` for a dry run; a `Plain` connection of the command's own (`store.plain.
    open_sqlite`: SQLAlchemy never loaded), committed and closed by its opener; or an engine, on
    which one session (`store.records.import_session`) lends its driver connection to the same
    statements (`store.plain.opened`) and compares a file's results with the approved ones."""

    def __init__(self, store: Any, actor: str, clock: Callable[[], datetime], dry_run: bool):
        self.store, self.actor, self.clock, self.dry_run = store, actor, clock, dry_run
        self.waiting: list[ImportReport] = []  # in order; the stored ones not yet committed
        self.since: float | None = None  # when the first file not yet committed was stored
        self.checkpoints: list = []  # the audit entries' checkpoints, written once committed
        self._stack = ExitStack()
        self._session: Any = None
        self._db: Plain | None = None

    def __enter__(self) -> _Keeper:
        return self

    def __exit__(self, *_: object) -> None:
        if isinstance(self.store, Plain):
            self.store.connection.rollback()  # a batch not committed (the command stopped on an error)
        self._stack.close()  # the session's is rolled back as it closes

    def _opened(self) -> Plain:
        """The connection of the transaction under way (a session's begins a new one after each commit:
        on PostgreSQL each transaction is scoped to the school as it begins, `store.tenancy`)."""
        if self._db is None:
            if isinstance(self.store, Plain):
                imports.for_import(self.store)
                self._db = self.store
            else:
                from lienthong.store.records import import_session

                if self._session is None:
                    self._session = self._stack.enter_context(import_session(self.store))
                self._db = self._stack.enter_context(plain.opened(self._session))
        return self._db

    def keep(self, read: FileRead, written: dict) -> None:
        """Store one file's read whole, or nothing (what its report says); its report waits for `ready`."""
        report = read.report
        self.waiting.append(report)
        report.dry_run = self.dry_run
        # a later gradebook is newer truth: its scores' version is the time it is stored (read here, in
        # the order files are stored, whichever process read it)
        version = int(self.clock().timestamp()) if read.dated else FILE_VERSION
        if report.error or self.dry_run:
            return
        found = _Found(read.source, version, read.stored)
        db = self._opened()
        known = imports.imported_at(db, report.sha256)
        if known is not None and imports.stored_alike(db, found.source, found.stored):
            report.already_imported_at = known
            report.stored["unchanged"] = len(found.stored)
            return
        # imported before, but what is stored moved since (a later file changed a score) or the file
        # is read otherwise (another semester or subject chosen): stored again, as the user asks, and
        # what its last read stored that this one does not bring is taken back (`imports.taken_back`)
        report.imported_before = known
        groups, unchanged = found.fresh(written)
        if report.kind == OWNER_KIND:
            groups = [_what_others_said_kept(db, group) for group in groups]
        results = any(group.entity in RESULT_ENTITIES for group in groups)
        asked = (results and self._session is None) or known is not None
        approved = asked and imports.has_approved_results(db)  # asked once, and only where it matters
        if results and self._session is None and approved:
            report.error = APPROVED_MEANWHILE  # nothing stored: see `APPROVED_MEANWHILE`
            return
        if known is not None:  # an approved class's results change only through the principal: kept
            keep = RESULT_ENTITIES if approved else ()
            report.taken_back = imports.taken_back(db, report.sha256, found.source, found.stored, keep)
        now = self.clock()
        if unchanged:
            report.stored["unchanged"] += unchanged
        for group in groups:
            report.stored.update(imports.store_rows(db, *group, now))
        if results and self._session is not None:
            _approved_moved(self._session, report, now)
        summary = {"kind": report.kind, "rows": report.rows, "refused": len(report.refused), **report.stored}
        if report.taken_back and report.taken_back[0]:
            summary["removed"] = report.taken_back[0]
        imports.add_imported_file(
            db, report.sha256, report.name, report.kind, report.school_year, now, self.actor, summary, found.stored
        )
        detail = {"file": report.name, "sha256": report.sha256, **summary}
        checkpoint = audit_chain.append(db, self.actor, "file_imported", detail, now)
        if checkpoint is not None:
            self.checkpoints.append(checkpoint)
        _Found.remember(written, groups)
        if self.since is None:
            self.since = time.monotonic()

    def ready(self, last: bool = False) -> list[ImportReport]:
        """The reports whose files are committed (or stored nothing), in order: all of them when
        nothing waits for a commit, or when the commit is due (the oldest stored file waited
        `COMMIT_SECONDS`, or ``last``: no file follows)."""
        if self.since is not None:
            if not last and time.monotonic() - self.since < COMMIT_SECONDS:
                return []
            self._commit()
        ready, self.waiting = self.waiting, []
        return ready

    def _commit(self) -> None:
        if self._session is not None:
            self._session.commit()
            self._db = None  # the next file's statements go in the session's next transaction
        else:
            self.store.commit()
        self.since = None
        audit_chain.write_checkpoints(self.checkpoints)
        self.checkpoints = []


# A store opened without SQLAlchemy (`store.plain.open_sqlite`) is opened so only when the school has
# no approved results (`store.imports.has_approved_results`: a file that changes them must leave a
# discrepancy for the principal, `reconciliation.results`). Should the principal approve results
# while such an import runs, a file bringing results after that is not stored.
APPROVED_MEANWHILE = (
    "Chưa lưu tệp này: Hiệu trưởng vừa duyệt kết quả của lớp trong lúc đang nhập. Hãy nhập lại tệp này "
    "(lần nhập sau sẽ so với kết quả đã duyệt và báo thay đổi, nếu có)."
)


def _read_ahead(files: list[tuple[str, Path | bytes]]) -> Iterator[tuple[str, bytes | FileRead]]:
    """Each file's bytes in the order given (or a read refusing it when it cannot be opened), while
    the next few are checked and parsed in threads (`ReadAhead`): the caller reads them one by one,
    in order, and the parse of the next files overlaps the reading and storing of this one."""
    with ReadAhead() as ahead:

        def opened(name: str, source: Path | bytes) -> tuple[str, bytes | FileRead]:
            data = load(name, source)
            if isinstance(data, bytes):
                ahead.submit(data)
            return name, data

        upcoming = iter(files)
        waiting = deque(opened(*file) for _, file in zip(range(ahead.threads + 1), upcoming))
        while waiting:
            loaded = waiting.popleft()
            following = next(upcoming, None)
            if following is not None:
                waiting.append(opened(*following))
            yield loaded


RESULT_ENTITIES = ("hoc_sinh", "tong_hop")  # what a class's confirmed results are read from


def _approved_moved(session: Session, report: ImportReport, now: datetime) -> None:
    """Results the principal approved are locked: a file that changes them is kept as what the file
    says, the approved values stay (and are what goes out), and the change becomes a discrepancy."""
    from lienthong.reconciliation.results import record_changes_in_store

    for row in record_changes_in_store(session, now):
        report.notes.append(Problem(0, row.record["message"] + " " + row.record["suggestion"], fatal=False))


def import_score_book(
    engine: sa.Engine,
    data: bytes,
    expect: Expect,
    mapping: dict | None,
    actor: str,
    clock: Callable[[], datetime],
    name: str = "sổ điểm",
) -> ImportReport:
    """A teacher's gradebook, the owner of scores; a file refused whole raises `FileFormatError`."""
    report = import_file(
        engine,
        name,
        data,
        OWNER_KIND,
        Wanted(expect.school_year, expect.semester, None, expect.subject, expect.semester_now, expect.semester_asked),
        mapping,
        actor,
        clock,
    )
    if report.error:
        raise FileFormatError(FILE_KINDS[OWNER_KIND].source, report.error)
    return report
