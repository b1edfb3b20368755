"""Exports and gradebooks people bring, kept as per-source snapshots: the Excel-only school's pull.

Each file's kind is detected from its headers (or given), read through the connectors' Excel
readers, checked against what the user meant (school year, semester, class), and stored as
the same snapshots an API pull would give, under the platform that declares the kind
(`connectors.file_kinds`) — all or nothing. The file's SHA-256 is the source version: the same file imported again
writes nothing. Records from files carry version 0, so an API pull of the same record
(versions from 1) supersedes them and a later file never overwrites API data.
"""

from __future__ import annotations

import gc
import hashlib
from collections import Counter, deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import sqlalchemy as sa
from sqlmodel import Session

from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.excel import Problem, open_workbook, rows_of
from lienthong.connectors.file_kinds import FILE_KINDS, WORDS, UnknownKind, detect_kind
from lienthong.connectors.gradebook.excel import Expect
from lienthong.connectors.spreadsheet import ReadAhead
from lienthong.reconciliation.results import record_changes_in_store
from lienthong.store import audit
from lienthong.store.records import import_session, imported_at, store_snapshots
from lienthong.store.repository import SnapshotRecord
from lienthong.store.tables import ImportedFileRow

FILE_VERSION = 0
# The kind of the score owner's files (a teacher's gradebook): the one kind whose later file is newer truth.
OWNER_KIND = next(name for name, kind in FILE_KINDS.items() if kind.owner)


@dataclass(frozen=True)
class Wanted:
    """What the user means to import; a file that says otherwise is refused whole."""

    school_year: str | None = None
    semester: str | None = None  # "1", "2", "CN"
    class_code: str | None = None
    subject: str | None = None


@dataclass
class ImportReport:
    """What one file brought: for the person at the terminal and for scripts (``--json``)."""

    name: str
    sha256: str = ""
    kind: str | None = None
    school_year: str | None = None
    semesters: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    students: int = 0
    cells: int = 0
    rows: int = 0
    refused: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    sheets: list[dict[str, Any]] = field(default_factory=list)  # every sheet: read, or skipped and why
    unused_columns: list[dict[str, Any]] = field(default_factory=list)  # {"sheet", "cell", "column", "reason"}
    stored: Counter = field(default_factory=Counter)
    already_imported_at: datetime | None = None
    error: str | None = None  # the whole file was refused: why
    dry_run: bool = False  # read and checked only: nothing was stored

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.name,
            "sha256": self.sha256,
            "kind": self.kind,
            "school_year": self.school_year,
            "semesters": self.semesters,
            "classes": self.classes,
            "students": self.students,
            "cells": self.cells,
            "rows": self.rows,
            "stored": dict(self.stored),
            "already_imported": self.already_imported_at is not None,
            "error": self.error,
            "dry_run": self.dry_run,
            "sheets": self.sheets,
            "unused_columns": self.unused_columns,
            "refused": [_problem_json(p, "reason") for p in self.refused],
            "notes": [_problem_json(p, "note") for p in self.notes],
        }


def _problem_json(problem: Problem, said: str) -> dict[str, Any]:
    """Where (sheet, row, cell, column as the file heads it) and what (the value, why)."""
    return {
        "sheet": problem.sheet,
        "row": problem.row,
        "cell": problem.cell,
        "column": problem.column,
        "value": problem.value,
        said: problem.message,
    }


def account_for_sheets(data: bytes, read: Any, kind: str) -> list[dict[str, Any]]:
    """Every sheet of the workbook, each either read (with what the reader found on it) or skipped
    with the reader's reason — or, for a sheet the reader did not mention, why it was not read:
    nothing in a workbook disappears without a line in the report."""
    named: dict[str, dict[str, Any]] = {}
    for found in read.info.get("sheets", []):
        named.setdefault(str(found.get("sheet")), {"status": "read", "kind": kind, **found})
    for skipped in read.info.get("skipped_sheets", []):
        named.setdefault(str(skipped.get("sheet")), {"status": "skipped", **skipped})
    book = open_workbook(data, "excel")  # already open: the reader's parse is reused
    sheets = []
    for sheet in book.worksheets:
        entry = named.get(sheet.title)
        if entry is None:
            holds = any(v is not None for row in rows_of(sheet, 40) for v in row)
            reason = (
                f"không có bảng {WORDS[kind]} (không tìm thấy dòng tiêu đề trong 12 dòng đầu)"
                if holds
                else "trang trống"
            )
            entry = {"sheet": sheet.title, "status": "skipped", "reason": reason}
        sheets.append(entry)
    sheets += [{"sheet": name, "status": "skipped", "reason": why} for name, why in book.skipped]
    return sheets


def _read(
    kind_name: str,
    data: bytes,
    wanted: Wanted,
    mapping: dict | None,
    clock: Callable[[], datetime],
    report: ImportReport,
) -> _Found:
    kind = FILE_KINDS[kind_name]
    if kind.periods == "semester" and wanted.semester == "CN":
        raise FileFormatError("excel", f"{kind.words.capitalize()} là của một học kỳ (1 hoặc 2), không phải cả năm.")
    if kind.periods == "year" and wanted.semester not in (None, "CN"):
        raise FileFormatError("excel", f"Tệp là {kind.words}, không phải học kỳ {wanted.semester}.")
    read = kind.read(data, Expect(wanted.subject, wanted.semester, wanted.school_year), mapping)
    found = kind.records(read)
    version = int(clock().timestamp()) if kind.owner else FILE_VERSION  # a later gradebook is newer truth
    report.semesters, report.classes, report.school_year = found.semesters, found.classes, found.school_year
    report.cells = found.cells
    report.rows = len(read.records)
    report.refused += [*read.rejected_rows, *(_problem(*refusal) for refusal in found.refused)]
    report.notes += [p for p in read.problems if not p.fatal]
    report.notes += [_problem(*note, fatal=False) for note in found.notes]
    report.sheets = account_for_sheets(data, read, kind_name)
    report.unused_columns = list(read.info.get("unused_columns", []))
    stored = found.stored  # (entity, key, payload)
    report.students = len(
        {key for entity, key, _ in stored if entity == "hoc_sinh"}
        or {payload.get("ma_hoc_sinh") or payload.get("MaDinhDanh") for _, _, payload in stored}
    )
    return _Found(kind.source, version, stored)


@dataclass
class _Found:
    """A file's records as its platform's mapping made them, to store under ``source``: scores
    (``diem``) with ``version``, everything else with `FILE_VERSION`."""

    source: str
    version: int
    stored: list[tuple[str, str, dict[str, Any]]]

    def fresh(self, written: dict) -> tuple[list[list[SnapshotRecord]], int]:
        """The records to write, one list per entity (`store_snapshots` takes one entity at a time;
        a key seen twice in the file is written once, as it is last), and how many keys are left
        out because this command already wrote them as they are (``written``: (source, entity) →
        key → (version, payload); the same student on 23 score books is written once)."""
        source, version, make = self.source, self.version, SnapshotRecord._make
        groups: dict[str, dict[str, SnapshotRecord]] = {}
        earlier: dict[str, dict] = {}  # entity → what earlier files wrote of it
        repeated = set()
        for entity, key, payload in self.stored:
            stamp = version if entity == "diem" else FILE_VERSION
            known = earlier.get(entity)
            if known is None:
                known = earlier[entity] = written.get((source, entity), {})
            same = known.get(key)
            if same is not None and same[0] == stamp and same[1] == payload:
                repeated.add((entity, key))
                continue
            group = groups.get(entity)
            if group is None:
                group = groups[entity] = {}
            group[key] = make((source, entity, key, stamp, payload))
        unchanged = sum(1 for entity, key in repeated if key not in groups.get(entity, ()))
        return [list(group.values()) for group in groups.values()], unchanged

    @staticmethod
    def remember(written: dict, groups: list[list[SnapshotRecord]]) -> None:
        """Add what was just written to ``written`` (see `fresh`)."""
        for group in groups:
            known = written.setdefault((group[0].source, group[0].entity), {})
            known.update((record.key, (record.version, record.payload)) for record in group)


def _problem(row: int, message: str, column: str, sheet: str = "", fatal: bool = True) -> Problem:
    """A refusal or note the platform's mapping made of a read row (it knows no cell address)."""
    return Problem(row, message, column, fatal, sheet=sheet)


def _check_meant(report: ImportReport, wanted: Wanted) -> None:
    if wanted.class_code and report.classes and report.classes != [wanted.class_code]:
        raise FileFormatError(
            "excel", f"Tệp có {_classes(report.classes)}, không chỉ lớp {wanted.class_code} như đã chọn."
        )
    if wanted.school_year and report.school_year and report.school_year != wanted.school_year:
        raise FileFormatError(
            "excel", f"Tệp là của năm học {report.school_year}, không phải năm học {wanted.school_year} như đã chọn."
        )


def _check_kind(data: bytes, kind: str) -> None:
    """A kind the user chose must be what the file looks like (a vnEdu export is no teacher's
    gradebook); a file whose kind cannot be told (columns to map) is read as chosen."""
    try:
        looks = detect_kind(data)  # an unsafe or unreadable file is refused here, whatever it was said to be
    except UnknownKind:
        return
    if looks != kind:
        raise FileFormatError(
            "excel", f"Tệp có vẻ là {WORDS[looks]} ({looks}), không phải {WORDS[kind]} ({kind}) như đã chọn."
        )


def _classes(classes: list[str]) -> str:
    shown = ", ".join(classes[:8]) + ("…" if len(classes) > 8 else "")
    return f"lớp {shown}"


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


def import_file(
    engine: sa.Engine,
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
    """Read one file and keep what it holds; a file refused whole stores nothing (``report.error``).
    ``dry_run``: read and check only, report what would be kept (``engine`` may then be ``None``).
    ``written``: records this command already stored from earlier files, (source, entity) → key →
    (version, payload), filled here (the caller passes the same dict for every file of one
    command): the same student on 23 score books is written once, not 23 times."""
    with _collector_paused():
        return _import_file(engine, name, data, kind, wanted, mapping, actor, clock, dry_run, written)


def _import_file(
    engine: sa.Engine,
    name: str,
    data: bytes,
    kind: str | None,
    wanted: Wanted,
    mapping: dict | None,
    actor: str,
    clock: Callable[[], datetime],
    dry_run: bool,
    written: dict | None,
) -> ImportReport:
    report = ImportReport(name, hashlib.sha256(data).hexdigest(), dry_run=dry_run)
    try:
        report.kind = kind or detect_kind(data)
        if kind:
            _check_kind(data, kind)
        found = _read(report.kind, data, wanted, mapping, clock, report)
        _check_meant(report, wanted)
    except FileFormatError as exc:
        report.error = (
            exc.message if report.kind is None or kind else f"{WORDS[report.kind].capitalize()}: {exc.message}"
        )
        return report
    if dry_run:
        return report
    with import_session(engine) as session:
        known = imported_at(session, report.sha256)
        if known is not None:
            report.already_imported_at = known
            report.stored["unchanged"] = len(found.stored)
            return report
        now = clock()
        memo = written if written is not None else {}
        groups, unchanged = found.fresh(memo)
        if unchanged:
            report.stored["unchanged"] += unchanged
        for group in groups:
            report.stored.update(store_snapshots(session, group, now))
        if any(group[0].entity in RESULT_ENTITIES for group in groups):
            _approved_moved(session, report, now)
        summary = {"kind": report.kind, "rows": report.rows, "refused": len(report.refused), **report.stored}
        session.add(
            ImportedFileRow(
                sha256=report.sha256,
                name=name,
                kind=report.kind,
                school_year=report.school_year,
                imported_at=now,
                actor=actor,
                summary=summary,
            )
        )
        audit.append(session, actor, "file_imported", {"file": name, "sha256": report.sha256, **summary}, now)
        session.commit()  # the whole file or nothing
    _Found.remember(memo, groups)
    return report


def read_files(paths: Iterable[Path]) -> Iterator[tuple[Path, bytes | OSError]]:
    """Each file's bytes in the order given (or why it could not be read), while the next few are
    checked and parsed in threads (`ReadAhead`): the caller imports them one by one, in order, as
    before, and the parse of the next files overlaps the mapping and storing of this one."""
    with ReadAhead() as ahead:

        def load(path: Path) -> tuple[Path, bytes | OSError]:
            try:
                data = path.read_bytes()
            except OSError as exc:
                return path, exc
            ahead.submit(data)
            return path, data

        upcoming = iter(paths)
        waiting = deque(load(path) for _, path in zip(range(ahead.threads + 1), upcoming))
        while waiting:
            loaded = waiting.popleft()
            following = next(upcoming, None)
            if following is not None:
                waiting.append(load(following))
            yield loaded


RESULT_ENTITIES = ("hoc_sinh", "tong_hop")  # what a class's confirmed results are read from


def _approved_moved(session: Session, report: ImportReport, now: datetime) -> None:
    """Results the principal approved are locked: a file that changes them is kept as what the file
    says, the approved values stay (and are what goes out), and the change becomes a discrepancy."""
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
        Wanted(expect.school_year, expect.semester, None, expect.subject),
        mapping,
        actor,
        clock,
    )
    if report.error:
        raise FileFormatError(FILE_KINDS[OWNER_KIND].source, report.error)
    return report
