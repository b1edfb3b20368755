"""Files read in worker processes (`sync.file_readers`): a file that stops, hangs or exhausts its worker
is refused whole with a clear message, the others are read and stored as usual, in the order given,
and the command neither hangs nor loses a file."""

from __future__ import annotations

import errno
import time
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import pytest
import sqlalchemy as sa

from lienthong.sync import file_import
from lienthong.sync.file_import import Wanted, import_files
from lienthong.sync.file_readers import STOPPED, TOO_SLOW, Readers, load
from lienthong.sync.file_reading import OUT_OF_MEMORY, read_file
from tests.sync.reader_faults import hangs_on_slow, stops_on_crash, wants_memory_on_big
from tests.workbooks import workbook

WANTED = Wanted("2025-2026", "1")


def _book(folder: Path, name: str, number: int) -> Path:
    path = folder / name
    path.write_bytes(
        workbook(
            {
                f"6A{number}": [
                    [f"SỔ ĐIỂM MÔN TOÁN — LỚP 6A{number}"],
                    ["STT", "Họ và tên", "TX1", "GK", "CK"],
                    [1, "Lê An", 8, 7, 9],
                    [2, "Trần Bình", 6, 7, 9],
                ]
            }
        )
    )
    return path


def _read_with(reader, names: list[str], folder: Path, count: int = 2, **limits) -> list:
    files = [(name, _book(folder, name, number)) for number, name in enumerate(names, 1)]
    with Readers(count, None, WANTED, None, reader=reader, **limits) as readers:
        return [read.report for read in readers.read(files)]


def test_a_file_that_stops_its_worker_is_refused_and_the_rest_are_read_in_order(tmp_path):
    names = ["a.xlsx", "crash.xlsx", "b.xlsx", "c.xlsx", "d.xlsx", "e.xlsx"]
    reports = _read_with(stops_on_crash, names, tmp_path)
    assert [r.name for r in reports] == names
    assert [r.error for r in reports] == [None, STOPPED, None, None, None, None]
    assert reports[1].sha256  # named like any refused file
    assert all(r.rows == 2 and r.classes == [f"6A{i}"] for i, r in enumerate(reports, 1) if not r.error)


def test_workers_that_stop_before_reading_anything_leave_the_files_to_the_command(tmp_path):
    names = ["crash-1.xlsx", "crash-2.xlsx", "a.xlsx", "b.xlsx", "c.xlsx"]
    reports = _read_with(stops_on_crash, names, tmp_path)
    assert [r.error for r in reports] == [STOPPED, STOPPED, None, None, None]
    assert [r.rows for r in reports[2:]] == [2, 2, 2]


def test_a_file_that_hangs_is_refused_after_the_limit_and_the_rest_are_read(tmp_path):
    started = time.monotonic()
    reports = _read_with(hangs_on_slow, ["a.xlsx", "slow.xlsx", "b.xlsx", "c.xlsx"], tmp_path, limit=3)
    assert time.monotonic() - started < 15
    assert [r.error for r in reports] == [None, TOO_SLOW, None, None]
    assert "quá 120 giây" in TOO_SLOW  # what the person reads: the real limit


def test_a_worker_s_memory_is_capped_and_a_file_past_it_is_refused(tmp_path):
    reports = _read_with(wants_memory_on_big, ["a.xlsx", "big.xlsx", "b.xlsx"], tmp_path, memory=1 << 30)
    assert [r.error for r in reports] == [None, OUT_OF_MEMORY, None]


def test_a_file_refused_by_its_worker_stores_nothing_and_the_others_are_stored(tmp_path, sqlite_engine, monkeypatch):
    monkeypatch.setattr(file_import, "Readers", partial(Readers, reader=stops_on_crash))
    names = ["a.xlsx", "crash.xlsx", "b.xlsx"]
    files = [(name, _book(tmp_path, name, number)) for number, name in enumerate(names, 1)]
    clock = lambda: datetime(2025, 12, 1, tzinfo=timezone.utc)  # noqa: E731
    reports = list(import_files(sqlite_engine, files, None, WANTED, None, "it", clock, readers=2))
    assert [r.error is None for r in reports] == [True, False, True]
    with sqlite_engine.connect() as connection:
        stored = connection.execute(sa.text("select name from imported_file order by name")).scalars().all()
    assert stored == ["a.xlsx", "b.xlsx"]


def test_files_given_as_content_are_read_in_order_without_the_pipes_filling():
    rows = [["SỔ ĐIỂM MÔN TOÁN — LỚP 6A1"], ["STT", "Họ và tên", "TX1", "GK", "CK"]]
    given, family = ["An", "Bình", "Chi", "Dũng", "Hà", "Lan"], ["Lê", "Trần", "Nguyễn", "Phạm", "Vũ"]
    rows += [
        [n, f"{family[n % 5]} Văn {given[n % 6]}{' ' + given[n // 6 % 6] if n > 30 else ''}", 8, 7, 9]
        for n in range(1, 3001)
    ]
    data = workbook({"6A1": rows})
    assert len(data) > 64 << 10  # more than a pipe holds, each way
    names = [f"so-diem-{number}.xlsx" for number in range(6)]
    with Readers(2, None, WANTED, None) as readers:
        reads = list(readers.read([(name, data) for name in names]))
    here = read_file(names[0], data, None, WANTED, None)
    alone = here.report
    assert alone.error is None and alone.rows > 2000
    assert [r.report.as_json() for r in reads] == [{**alone.as_json(), "file": name} for name in names]
    # what a worker hands back is what the command would have read itself, record for record
    assert len(here.stored) > 3000 and here.source and here.dated
    assert all((r.source, r.stored, r.dated) == (here.source, here.stored, here.dated) for r in reads)


def test_a_worker_loads_the_readers_without_the_canonical_models_or_pydantic():
    """A worker loads what reading a file needs: every kind's reader and mapping, not the canonical
    models nor pydantic (a third of a second more at every worker's start, for nothing it uses)."""
    import subprocess
    import sys

    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, lienthong.sync.file_reading as r, lienthong.connectors.file_kinds as k; "
            "print(sorted(k.KINDS)); print(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic' "
            "or m == 'lienthong.mapping.canonical'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert loaded[0] == str(
        sorted(("gradebook", "vnedu-sodiem", "vnedu-tonghop", "vnedu-nenep", "csdl-hocsinh", "csdl-ketqua"))
    )
    assert loaded[1] == "[]"


class _Unreadable:
    """A path the system refuses to read, as it refuses it."""

    def __init__(self, fault: OSError):
        self.fault = fault

    def read_bytes(self) -> bytes:
        raise self.fault

    def __str__(self) -> str:
        return "so-diem.xlsx"


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        (FileNotFoundError(errno.ENOENT, "No such file or directory"), "Không tìm thấy tệp"),
        (IsADirectoryError(errno.EISDIR, "Is a directory"), "Đây là một thư mục, không phải tệp"),
        (PermissionError(errno.EACCES, "Permission denied"), "Không có quyền đọc tệp"),
        (OSError(errno.EIO, "Input/output error"), "Không đọc được tệp từ ổ đĩa (mã lỗi EIO)"),
    ],
    ids=["missing", "folder", "permission", "other"],
)
def test_a_file_that_cannot_be_opened_is_refused_in_vietnamese(fault, said):
    read = load("so-diem.xlsx", _Unreadable(fault))
    error = read.report.error
    assert error.startswith(said) and error.endswith(".") and fault.strerror not in error
