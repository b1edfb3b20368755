"""Exports and gradebooks people bring, kept as per-source snapshots: the Excel-only school's pull.

Each file's kind is detected from its headers (or given), read through the connectors' Excel
readers, checked against what the user meant (school year, semester, class), and stored as
the same snapshots an API pull would give — vnEdu's score book and year summary as the
``vnedu`` source, the ministry's exports as ``csdl``, a teacher's book as ``gradebook`` —
all or nothing. The file's SHA-256 is the source version: the same file imported again
writes nothing. Records from files carry version 0, so an API pull of the same record
(versions from 1) supersedes them and a later file never overwrites API data.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

import sqlalchemy as sa
from sqlmodel import Session

from lienthong.connectors.csdl.excel import read_results, read_student_list
from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.excel import ExcelRead, Problem
from lienthong.connectors.file_kinds import WORDS, UnknownKind, detect_kind
from lienthong.connectors.gradebook.excel import Expect, read_score_book
from lienthong.connectors.vnedu.excel import read_summary
from lienthong.store.repository import SnapshotRecord, upsert_snapshots
from lienthong.store.tables import ImportedFileRow
from lienthong.store import audit

FILE_VERSION = 0


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
    stored: Counter = field(default_factory=Counter)
    already_imported_at: datetime | None = None
    error: str | None = None  # the whole file was refused: why

    def as_json(self) -> dict[str, Any]:
        return {"file": self.name, "sha256": self.sha256, "kind": self.kind, "school_year": self.school_year,
                "semesters": self.semesters, "classes": self.classes, "students": self.students,
                "cells": self.cells, "rows": self.rows, "stored": dict(self.stored),
                "already_imported": self.already_imported_at is not None, "error": self.error,
                "refused": [{"row": p.row, "column": p.column, "reason": p.message} for p in self.refused],
                "notes": [{"row": p.row, "column": p.column, "note": p.message} for p in self.notes]}


def _wire(value: Any) -> str | None:
    return None if value is None else (value if isinstance(value, str) else f"{value}".removesuffix(".0"))


def _trimmed(values: list) -> list:
    values = list(values)
    while values and values[-1] is None:
        values.pop()
    return values


def _file_student(code: str, name: str, born: str | None, class_code: str | None) -> dict[str, Any]:
    """vnEdu's student as far as its exports show one: no gender, status or IDs of other platforms."""
    return {"ma_hoc_sinh": code, "ho_ten": name, "ngay_sinh": born, "ma_lop": class_code, "gioi_tinh": None,
            "trang_thai": None, "ma_dinh_danh_bo": None, "so_dinh_danh_ca_nhan": None, "tu_tep": True}


def _score_snapshots(read: ExcelRead, source: str, version: int, report: ImportReport) -> list[SnapshotRecord]:
    out = []
    for record in read.records:
        if not record["ma_hoc_sinh"]:
            report.refused.append(Problem(record["dong"], f"Em {record['ho_ten']} ({record['lop']}) không có Mã học "
                                                         "sinh vnEdu nên chưa đối chiếu được: hãy thêm cột Mã học sinh",
                                          "Mã học sinh"))
            continue
        payload = {"ma_hoc_sinh": record["ma_hoc_sinh"], "ma_mon": record["ma_mon"], "hoc_ky": int(record["hoc_ky"]),
                   "ddg_tx": _trimmed(_wire(v) for v in record["tx"]), "ddg_gk": _wire(record["gk"]),
                   "ddg_ck": _wire(record["ck"]), "nhan_xet": record.get("nhan_xet") or ""}
        if source == "gradebook":
            payload["lop"] = record["lop"]
        report.cells += sum(v is not None for v in [*record["tx"], record["gk"], record["ck"]])
        key = f"{payload['ma_hoc_sinh']}:{payload['ma_mon']}:{payload['hoc_ky']}"
        out.append(SnapshotRecord(source, "diem", key, version, payload))
        if source == "vnedu" and record.get("ngay_sinh"):
            out.append(SnapshotRecord("vnedu", "hoc_sinh", record["ma_hoc_sinh"], FILE_VERSION,
                                      _file_student(record["ma_hoc_sinh"], record["ho_ten"], record["ngay_sinh"],
                                                    record["lop"])))
    sheets = read.info.get("sheets", [])
    report.semesters = sorted({s["semester"] for s in sheets})
    report.classes = sorted({s["class_code"] for s in sheets if s.get("class_code")})
    report.school_year = next((s["school_year"] for s in sheets if s.get("school_year")), None)
    return out


def _summary_snapshots(read: ExcelRead, report: ImportReport) -> list[SnapshotRecord]:
    out = []
    for record in read.records:
        out.append(SnapshotRecord("vnedu", "tong_hop", record["ma_hoc_sinh"], FILE_VERSION, record))
        out.append(SnapshotRecord("vnedu", "hoc_sinh", record["ma_hoc_sinh"], FILE_VERSION,
                                  _file_student(record["ma_hoc_sinh"], record["ho_ten"], record["ngay_sinh"],
                                                record["ma_lop"])))
        report.cells += len(record["mon"])
    report.semesters = ["CN"]
    report.classes = sorted({s["class_code"] for s in read.info["sheets"]})
    report.school_year = next((s["school_year"] for s in read.info["sheets"] if s.get("school_year")), None)
    return out


def _csdl_snapshots(read: ExcelRead, kind: str, report: ImportReport) -> list[SnapshotRecord]:
    out = []
    report.school_year = read.info.get("school_year")
    for record in read.records:
        if not record["MaDinhDanh"]:
            report.notes.append(Problem(0, f"Em {record.get('HoTen', '')} chưa có Mã định danh Bộ GD&ĐT: chưa lưu",
                                        "Mã định danh Bộ GD&ĐT", fatal=False))
            continue
        if kind == "csdl-hocsinh":
            out.append(SnapshotRecord("csdl", "hoc_sinh", record["MaDinhDanh"], FILE_VERSION, record))
            report.classes.append(record["MaLop"])
        else:
            out.append(SnapshotRecord("csdl", "ket_qua", f"{record['MaDinhDanh']}:{record['HocKy']}", FILE_VERSION,
                                      record))
            report.semesters = sorted({*report.semesters, record["HocKy"]})
            report.cells += len(record["Mon"])
    report.classes = sorted(set(report.classes) | (read.info.get("classes") or set()) - {""})
    return out


def _read(kind: str, data: bytes, wanted: Wanted, mapping: dict | None, clock: Callable[[], datetime],
          report: ImportReport) -> list[SnapshotRecord]:
    if kind in ("vnedu-sodiem", "gradebook"):
        if wanted.semester == "CN":
            raise FileFormatError("excel", "Sổ điểm là của một học kỳ (1 hoặc 2), không phải cả năm.")
        source = "vnedu" if kind == "vnedu-sodiem" else "gradebook"
        read = read_score_book(data, Expect(wanted.subject, wanted.semester, wanted.school_year), mapping,
                               keep_unreadable=source == "vnedu")
        version = FILE_VERSION if source == "vnedu" else int(clock().timestamp())  # later gradebook, newer truth
        snapshots = _score_snapshots(read, source, version, report)
    elif kind == "vnedu-tonghop":
        if wanted.semester not in (None, "CN"):
            raise FileFormatError("vnedu", f"Tệp là bảng tổng hợp cả năm, không phải học kỳ {wanted.semester}.")
        read = read_summary(data, wanted.school_year)
        snapshots = _summary_snapshots(read, report)
    elif kind == "csdl-hocsinh":
        read = read_student_list(data, wanted.school_year)
        snapshots = _csdl_snapshots(read, kind, report)
    else:
        read = read_results(data, wanted.school_year, wanted.semester)
        snapshots = _csdl_snapshots(read, kind, report)
    report.rows = len(read.records)
    report.refused += read.rejected_rows
    report.notes += [p for p in read.problems if not p.fatal]
    report.students = len({s.key for s in snapshots if s.entity == "hoc_sinh"} or
                          {s.payload.get("ma_hoc_sinh") or s.payload.get("MaDinhDanh") for s in snapshots})
    _check_meant(report, wanted)
    return snapshots


def _check_meant(report: ImportReport, wanted: Wanted) -> None:
    if wanted.class_code and report.classes and report.classes != [wanted.class_code]:
        raise FileFormatError("excel", f"Tệp có {_classes(report.classes)}, không chỉ lớp {wanted.class_code} như "
                                       "đã chọn.")
    if wanted.school_year and report.school_year and report.school_year != wanted.school_year:
        raise FileFormatError("excel", f"Tệp là của năm học {report.school_year}, không phải năm học "
                                       f"{wanted.school_year} như đã chọn.")


def _check_kind(data: bytes, kind: str) -> None:
    """A kind the user chose must be what the file looks like (a vnEdu export is no teacher's
    gradebook); a file whose kind cannot be told (columns to map) is read as chosen."""
    try:
        looks = detect_kind(data)  # an unsafe or unreadable file is refused here, whatever it was said to be
    except UnknownKind:
        return
    if looks != kind:
        raise FileFormatError("excel", f"Tệp có vẻ là {WORDS[looks]} ({looks}), không phải {WORDS[kind]} ({kind}) "
                                       "như đã chọn.")


def _classes(classes: list[str]) -> str:
    shown = ", ".join(classes[:8]) + ("…" if len(classes) > 8 else "")
    return f"lớp {shown}"


def import_file(engine: sa.Engine, name: str, data: bytes, kind: str | None, wanted: Wanted, mapping: dict | None,
                actor: str, clock: Callable[[], datetime]) -> ImportReport:
    """Read one file and keep what it holds; a file refused whole stores nothing (``report.error``)."""
    report = ImportReport(name, hashlib.sha256(data).hexdigest())
    try:
        report.kind = kind or detect_kind(data)
        if kind:
            _check_kind(data, kind)
        snapshots = _read(report.kind, data, wanted, mapping, clock, report)
    except FileFormatError as exc:
        report.error = exc.message if report.kind is None or kind else f"{WORDS[report.kind].capitalize()}: {exc.message}"
        return report
    with Session(engine) as session:
        known = session.get(ImportedFileRow, report.sha256)
        if known is not None:
            report.already_imported_at = known.imported_at
            report.stored["unchanged"] = len(snapshots)
            return report
        now = clock()
        for group in _by_entity(snapshots):
            for start in range(0, len(group), 500):
                report.stored.update(o.value for o in upsert_snapshots(session, group[start:start + 500], now))
        summary = {"kind": report.kind, "rows": report.rows, "refused": len(report.refused), **report.stored}
        session.add(ImportedFileRow(sha256=report.sha256, name=name, kind=report.kind, school_year=report.school_year,
                                    imported_at=now, actor=actor, summary=summary))
        audit.append(session, actor, "file_imported", {"file": name, "sha256": report.sha256, **summary}, now)
        session.commit()  # the whole file or nothing
    return report


def _by_entity(records: list[SnapshotRecord]) -> list[list[SnapshotRecord]]:
    """`upsert_snapshots` takes one source and entity per call; a student seen on every sheet is kept once."""
    groups: dict[tuple[str, str], dict[str, SnapshotRecord]] = {}
    for record in records:
        groups.setdefault((record.source, record.entity), {})[record.key] = record
    return [list(g.values()) for g in groups.values()]


def import_score_book(engine: sa.Engine, data: bytes, expect: Expect, mapping: dict | None, actor: str,
                      clock: Callable[[], datetime], name: str = "sổ điểm") -> ImportReport:
    """A teacher's gradebook, the owner of scores; a file refused whole raises `FileFormatError`."""
    report = import_file(engine, name, data, "gradebook",
                         Wanted(expect.school_year, expect.semester, None, expect.subject), mapping, actor, clock)
    if report.error:
        raise FileFormatError("gradebook", report.error)
    return report
