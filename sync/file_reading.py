"""The read phase of one file's import: what it is, what it holds, whether it is what the user meant.

Pure given the file's bytes, the kind chosen (or none), what the user meant (`Wanted`) and the
column map: no database, no clock, no state kept between files — so that it runs the same in the
command's own process or in a worker process (`sync.file_readers`), and loads only the
connectors and the mapping (a worker starts without the store, the reconciliation or the CLI).
The one thing that depends on when a file is stored, a gradebook's version, is taken by the
caller when it stores the file (`FileRead.dated`).
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.excel import FileKind, Problem, open_workbook, rows_of
from lienthong.connectors.file_kinds import FILE_KINDS, WORDS, UnknownKind, detect_kind
from lienthong.connectors.gradebook.excel import Expect
from lienthong.connectors.spreadsheet import Sheet, column_letters, column_number
from lienthong.mapping.calendar import semester_in_progress
from lienthong.store.snapshot_text import hashed_text

log = logging.getLogger(__name__)

# Said when a file could not be read for want of memory, or the reader stopped on it: the file is
# refused whole like any unsafe file (the command and the other files go on).
OUT_OF_MEMORY = (
    "Tệp cần quá nhiều bộ nhớ để đọc; có thể tệp hỏng hoặc cố ý gây quá tải. Không đọc. "
    "Hãy mở tệp bằng Excel, kiểm tra rồi lưu lại và gửi lại."
)
READER_FAILED = (
    "Không đọc được tệp: chương trình đọc tệp gặp lỗi ({what}). Hãy báo cho quản trị CNTT kèm tên tệp; "
    "các tệp khác vẫn được nhập."
)


@dataclass(frozen=True)
class Wanted:
    """What the user means to import; a file that says otherwise is refused whole."""

    school_year: str | None = None
    semester: str | None = None  # "1", "2", "CN"
    class_code: str | None = None
    subject: str | None = None
    # What a teacher's book that names no semester (and none was asked for) is read as, with a note:
    # the semester in progress when the book is of the current school year (`mapping.calendar.semester_in_progress`).
    semester_now: str | None = None
    # None is in progress in that school year (it is over, or to come): such a book is refused, asking
    # which semester it is (`mapping.calendar.semester_in_progress` gives no semester to read it as).
    semester_asked: bool = False


def as_of(wanted: Wanted, today: date) -> Wanted:
    """``wanted`` with what a teacher's book naming no semester is read as on ``today`` (the school's
    day): the semester in progress in its school year, or, in a year over or to come, none (asked)."""
    now = semester_in_progress(wanted.school_year, today)
    return replace(wanted, semester_now=now, semester_asked=now is None)


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
    already_imported_at: datetime | None = None  # imported before, as it is stored: nothing stored
    imported_before: datetime | None = None  # imported before, and stored again (see `file_import._Keeper.keep`)
    # then: the records its last import stored that this one does not bring, removed and kept
    # (another file brought them since); ``None``: not known (`store.imports.taken_back`)
    taken_back: tuple[int, int, int] | None = None  # removed, kept (another file's), kept (approved results)
    error: str | None = None  # the whole file was refused: why
    dry_run: bool = False  # read and checked only: nothing was stored

    def refusal_said(self) -> str:
        """Why the whole file was refused, then that nothing of it was kept, as a person reads it
        (the command, the upload page): said once, where the reason does not say it already."""
        error = self.error or ""
        return error if "không lưu" in error.lower() else f"{error} Không lưu gì từ tệp này."

    def again_said(self) -> str:
        """Why a file imported before was stored again, and what its last import stored that this
        one no longer brings (`store.imports.taken_back`): after «Tệp này đã được nhập lúc …; »."""
        said = (
            "dữ liệu đang lưu đã khác tệp (một tệp nhập sau đã sửa, hoặc lần này chọn học kỳ, môn hay lớp khác) "
            "nên được lưu lại theo tệp"
        )
        if self.taken_back is None:  # imported before the store kept each import's records
            return said + "; những gì lần trước đã đọc theo học kỳ, môn hay lớp khác vẫn còn"
        removed, kept, approved = self.taken_back
        if removed:
            said += f"; đã gỡ {removed} bản ghi lần trước đọc theo học kỳ, môn hay lớp khác"
        if kept:
            said += f"; giữ {kept} bản ghi lần trước đã lưu vì tệp khác cũng có hoặc đã sửa chúng"
        if approved:
            said += (
                f"; giữ {approved} kết quả lần trước đã lưu vì Hiệu trưởng đã duyệt kết quả của lớp "
                "(chỉ sửa qua đề xuất được duyệt)"
            )
        return said

    def read_said(self) -> str:
        """The sheets read, in one line («Đã đọc 2 trang: 6A1 (40 dòng), 6A2.»), or ``""``."""
        read = [sheet for sheet in self.sheets if sheet.get("status") == "read"]
        shown = [f"{s['sheet']}" + (f" ({s['rows']} dòng)" if s.get("rows") is not None else "") for s in read]
        return f"Đã đọc {len(read)} trang: {', '.join(shown)}." if read else ""

    def left_out_said(self) -> list[str]:
        """Each sheet not read and each column not used, with why: the lines the command and the
        upload page show under a file, so that nothing of it is left out in silence."""
        lines = []
        for sheet in self.sheets:
            if sheet.get("status") != "read":
                reason = sheet.get("reason", "").rstrip(".")  # some reasons end with a sentence of their own
                lines.append(f"Trang «{sheet['sheet']}»: không đọc — {reason}.")
        for column in self.unused_columns:
            cell = f" (ô {column['cell']})" if column.get("cell") else ""
            lines.append(
                f"Cột «{column.get('column', '')}» trang «{column.get('sheet', '')}»{cell}: không dùng — "
                f"{column.get('reason', '')}."
            )
        return lines

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
            "imported_again": self.imported_before is not None,
            **(
                {"taken_back": dict(zip(("removed", "kept", "kept_approved"), self.taken_back))}
                if self.taken_back
                else {}
            ),
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
        **({"withheld": True} if problem.withheld else {}),  # scores left out until the school says how
    }


@dataclass
class FileRead:
    """One file read and checked: its report and, unless it was refused whole, the records its
    platform's mapping made of it, to store under ``source`` (``stored``: each one's entity, key,
    and payload as it is stored — its content hash and JSON text (UTF-8), `store.snapshot_text` — written
    out here, where the file is read: the storing process handles two strings per record).
    ``dated``: the file is the score owner's (a teacher's gradebook), whose scores are stored with
    the clock's time as their version (a later gradebook is newer truth) — the caller reads its
    clock for it when it stores the file, as it did when reading and storing were one step."""

    report: ImportReport
    source: str = ""
    stored: list[tuple[str, str, str, bytes]] = field(default_factory=list)  # (entity, key, hash, JSON text)
    dated: bool = False


def account_for_sheets(data: bytes, read: Any, kind: str) -> list[dict[str, Any]]:
    """Every sheet of the workbook, each either read (with what the reader found on it) or skipped
    with the reader's reason — or, for a sheet the reader did not mention, why it was not read:
    nothing in a workbook disappears without a line in the report."""
    named: dict[str, dict[str, Any]] = {}
    unused: dict[str, set[str]] = {}  # each sheet's columns the reader listed as not used, by letters
    for column in read.info.get("unused_columns", []):
        unused.setdefault(str(column.get("sheet")), set()).add(str(column.get("cell", "")).rstrip("0123456789"))
    for found in read.info.get("sheets", []):
        named.setdefault(str(found.get("sheet")), {"status": "read", "kind": kind, **found})
    for skipped in read.info.get("skipped_sheets", []):
        named.setdefault(str(skipped.get("sheet")), {"status": "skipped", **skipped})
    book = open_workbook(data, "excel")  # already open: the reader's parse is reused
    sheets = []
    for sheet in book.worksheets:
        entry = named.get(sheet.title)
        if entry is not None and entry["status"] == "read":
            _hidden_read(sheet, entry, unused.get(sheet.title, set()))
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


HIDDEN_ROWS_SAID = 12  # a sheet's hidden rows named in its note; the others counted


def _hidden_read(sheet: Sheet, entry: dict[str, Any], unused: set[str]) -> None:
    """Name in a read sheet's entry the columns and rows it hides in Excel that hold a value and
    were read all the same (``hidden_columns``: letters, ``hidden_rows``: numbers): a teacher hides
    an old column or a student who left rather than deleting them, and would not know the import
    took them. Not a column the reader listed as not used, nor vnEdu's ``ID`` column (``id_column``),
    which every score book vnEdu exports hides; the notes saying so are `hidden_notes`."""
    by_design = {entry["id_column"]} if entry.get("id_column") else set()
    hidden = sheet.hidden
    if not (hidden.columns or hidden.rows):
        return
    rows = sheet.rows()
    width = max(map(len, rows), default=0)
    columns = {n for first, last in hidden.columns for n in range(first, min(last, width) + 1)}
    skipped = unused | by_design
    held = [
        letters
        for n, letters in ((n, column_letters(n)) for n in sorted(columns))
        if letters not in skipped and any(len(r) >= n and r[n - 1] is not None for r in rows)
    ]
    held_rows = sorted(n for n in hidden.rows if n <= len(rows) and any(v is not None for v in rows[n - 1]))
    if held:
        entry["hidden_columns"] = held
        entry["hidden_headings"] = [_heading(rows, column_number(letters.encode())) for letters in held]
    if held_rows:
        entry["hidden_rows"] = held_rows


def _heading(rows: list[tuple], column: int) -> str:
    """What a column is called: its text in the sheet's heading row (of the first 12, the one with
    the most texts), or in the row above it (a group heading over two-row headers); ``""`` if none."""
    top = rows[:12]
    heading = max(range(len(top)), key=lambda i: sum(type(v) is str for v in top[i]), default=0)
    for row in [top[heading], *top[max(heading - 1, 0) : heading]] if top else ():
        if len(row) >= column and type(row[column - 1]) is str and row[column - 1].strip():
            return " ".join(row[column - 1].split())
    return ""


def hidden_notes(sheets: list[dict[str, Any]]) -> list[Problem]:
    """One note for each read sheet's hidden columns and one for its hidden rows that were read."""
    notes = []
    for entry in sheets:
        if entry.get("hidden_columns"):
            named = zip(entry["hidden_columns"], entry["hidden_headings"])  # set together by `_hidden_read`
            columns = ", ".join(f"{letters} («{heading}»)" if heading else letters for letters, heading in named)
            notes.append(
                Problem(
                    0,
                    f"cột {columns} đang bị ẩn trong tệp nhưng vẫn được đọc như "
                    "mọi cột; nếu là cột cũ không dùng nữa, hãy xoá cột rồi nhập lại",
                    fatal=False,
                    sheet=entry["sheet"],
                )
            )
        rows = entry.get("hidden_rows") or []
        if rows:
            said = ", ".join(map(str, rows[:HIDDEN_ROWS_SAID]))
            more = f" và {len(rows) - HIDDEN_ROWS_SAID} dòng khác" if len(rows) > HIDDEN_ROWS_SAID else ""
            notes.append(
                Problem(
                    0,
                    f"dòng {said}{more} đang bị ẩn trong tệp nhưng vẫn được đọc; nếu là học sinh đã chuyển đi "
                    "hay dòng cũ, hãy xoá dòng rồi nhập lại",
                    fatal=False,
                    sheet=entry["sheet"],
                )
            )
    return notes


def read_file(name: str, data: bytes, kind: str | None, wanted: Wanted, mapping: dict | None) -> FileRead:
    """Read one file and check it against what the user meant; a file refused whole comes back
    with ``report.error`` saying why (a reader that fails or runs out of memory on it included:
    the file is refused, the command goes on with the next)."""
    done = FileRead(ImportReport(name, hashlib.sha256(data).hexdigest()))
    report = done.report
    try:
        report.kind = kind or detect_kind(data)
        if kind:
            _check_kind(data, kind)
        _read(report.kind, data, wanted, mapping, done)
        _check_meant(report, wanted)
    except FileFormatError as exc:
        report.error = exc.message if report.kind is None or kind else f"{_opening(WORDS[report.kind])}: {exc.message}"
    except MemoryError:
        report.error = OUT_OF_MEMORY
    except Exception as exc:  # a reader's fault: the file is refused, never half stored nor the command stopped
        where = traceback.extract_tb(exc.__traceback__)[-1]
        log.error("file reader failed: %s at %s:%s", type(exc).__name__, where.filename, where.lineno)
        report.error = READER_FAILED.format(what=type(exc).__name__)
    if report.error:
        done.stored = []
    return done


def _read(kind_name: str, data: bytes, wanted: Wanted, mapping: dict | None, done: FileRead) -> None:
    kind, report = FILE_KINDS[kind_name], done.report
    if kind.periods == "semester" and wanted.semester == "CN":
        raise FileFormatError("excel", f"{_opening(kind.words)} là của một học kỳ (1 hoặc 2), không phải cả năm.")
    if kind.periods == "year" and wanted.semester not in (None, "CN"):
        raise FileFormatError("excel", f"Tệp là {kind.words}, không phải học kỳ {wanted.semester}.")
    read = kind.read(
        data,
        Expect(wanted.subject, wanted.semester, wanted.school_year, wanted.semester_now, wanted.semester_asked),
        mapping,
    )
    found = kind.records(read)
    done.dated = bool(kind.owner)  # a later gradebook is newer truth: its version is when it is stored
    report.semesters, report.classes = found.semesters, found.classes
    # a book that names no year is stored as of the year the import is for: said, not left blank («năm học ?»)
    report.school_year = found.school_year or wanted.school_year
    report.cells = found.cells
    report.rows = len(read.records)
    report.refused += [*read.rejected_rows, *(_problem(*refusal) for refusal in found.refused)]
    report.notes += [p for p in read.problems if not p.fatal]
    report.notes += [_problem(*note, fatal=False) for note in found.notes]
    report.sheets = account_for_sheets(data, read, kind_name)
    report.notes += hidden_notes(report.sheets)
    report.unused_columns = list(read.info.get("unused_columns", []))
    if not read.records and not report.refused:
        report.notes.append(_nothing_below_the_header(kind, report.sheets))
    stored = found.stored  # (entity, key, payload)
    report.students = len(
        {key for entity, key, _ in stored if entity == "hoc_sinh"}
        or {payload.get("ma_hoc_sinh") or payload.get("MaDinhDanh") for _, _, payload in stored}
    )
    done.source, done.stored = kind.source, _written(stored)


# A student's payload that a score book's mapping hands back as the same object for every book naming
# that student (`mapping.vnedu_files`: ~2,000 students on each of ~24 books): id → (the payload, its
# hash, its text), written out once per process. The payload is held, so its id names no other
# object while it is here; a stored payload is never changed once made.
_STUDENTS_WRITTEN: dict[int, tuple[dict[str, Any], str, bytes]] = {}
STUDENTS_WRITTEN_KEPT = 16384  # a school's students, several times over


def _written(stored: list[tuple[str, str, dict[str, Any]]]) -> list[tuple[str, str, str, bytes]]:
    """Each record as `store.snapshot_text.written_out` writes it: ``(entity, key, hash, text)``, one dump each."""
    out, known = [], _STUDENTS_WRITTEN
    append = out.append
    for entity, key, payload in stored:
        if entity == "hoc_sinh":
            seen = known.get(id(payload))
            if seen is None or seen[0] is not payload:
                if len(known) >= STUDENTS_WRITTEN_KEPT:
                    known.clear()
                seen = known[id(payload)] = (payload, *hashed_text(payload))
            append((entity, key, seen[1], seen[2]))
        else:
            digest, text = hashed_text(payload)
            append((entity, key, digest, text))
    return out


def _nothing_below_the_header(kind: FileKind, sheets: list[dict[str, Any]]) -> Problem:
    """A file whose tables hold their header and no row: a note when its kind says what that means
    (`FileKind.empty`), else refused whole, naming the sheets read."""
    if kind.empty:
        return Problem(0, kind.empty, fatal=False)
    read = [f"«{sheet['sheet']}»" for sheet in sheets if sheet.get("status") == "read"]
    where = f"Trang {read[0]}" if len(read) == 1 else f"Các trang {', '.join(read)}"
    raise FileFormatError(
        "excel", f"{where} chỉ có dòng tiêu đề, không có học sinh nào: không có gì để nhập (có thể tệp xuất chưa hết)."
    )


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


def _opening(words: str) -> str:
    """A kind's words opening a sentence: its first letter upper-case, the rest as written («CSDL
    ngành» stays upper-case: `str.capitalize` wrote «csdl ngành»)."""
    return words[:1].upper() + words[1:]


def _classes(classes: list[str]) -> str:
    shown = ", ".join(classes[:8]) + ("…" if len(classes) > 8 else "")
    return f"lớp {shown}"
