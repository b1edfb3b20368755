"""``import`` of several files reads the next ones in worker processes (`sync.file_readers`) or, with
one processor, parses them in threads (`connectors.spreadsheet.ReadAhead`) while the current one
is stored: the files still come one at a time and in order, each refused or kept whole, with the
reports a one-by-one import gives."""

from __future__ import annotations

import io
import json
import threading
from datetime import datetime

import pytest
from rich.console import Console

from lienthong.cli.import_command import run_import
from lienthong.connectors.spreadsheet import Book, _opened
from lienthong.sync import file_import
from lienthong.sync.file_import import Wanted, import_files
from tests.workbooks import workbook


def _book(tmp_path, number: int):
    path = tmp_path / f"so-diem-{number}.xlsx"
    path.write_bytes(
        workbook(
            {
                f"6A{number}": [
                    [f"SỔ ĐIỂM MÔN TOÁN — LỚP 6A{number}"],
                    ["STT", "Họ và tên", "TX1", "GK", "CK"],
                    [1, "Lê An", 8, 7, 9],
                    [2, "Trần Bình", "mười", 7, 9],
                ]
            }
        )
    )
    return path


def _files(tmp_path) -> list:
    broken = tmp_path / "hong.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook at all")
    return [_book(tmp_path, 1), tmp_path / "khong-co.xlsx", broken, _book(tmp_path, 2), _book(tmp_path, 3)]


def _reports(paths, capsys) -> list[dict]:
    """What ``import --json --dry-run`` prints, one report per file."""
    console = Console(file=io.StringIO(), width=160, markup=False, highlight=False)
    capsys.readouterr()
    run_import(paths, None, Wanted("2025-2026", "1"), None, True, "test", console, dry_run=True)
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.mark.parametrize("readers", [0, 2])
def test_files_read_ahead_come_in_order_with_the_reports_of_one_by_one(tmp_path, monkeypatch, capsys, readers):
    monkeypatch.setenv("LIENTHONG_SCHOOL_YEAR", "2025-2026")
    monkeypatch.setattr(file_import, "reader_count", lambda files: readers)
    paths = _files(tmp_path)
    together = _reports(paths, capsys)
    alone = [report for path in paths for report in _reports([path], capsys)]
    assert together == alone
    assert [r["error"] is None for r in together] == [True, False, False, True, True]
    assert "Không tìm thấy tệp" in together[1]["error"] and "không phải là tệp Excel" in together[2]["error"]
    assert [r["refused"][0]["cell"] for r in (together[0], together[3], together[4])] == ["C4"] * 3


def test_the_next_files_are_parsed_beside_the_one_being_read(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LIENTHONG_SCHOOL_YEAR", "2025-2026")
    parsed_on: list[str] = []
    rows_of = Book.rows_of

    def noted(self, sheet):
        parsed_on.append(threading.current_thread().name)
        return rows_of(self, sheet)

    monkeypatch.setattr(Book, "rows_of", noted)
    _opened.cache_clear()  # the same bytes opened by the test above are not parsed again
    files = [(path.name, path) for path in _files(tmp_path)]
    list(import_files(None, files, None, Wanted("2025-2026", "1"), None, "test", datetime.now, True, readers=0))
    assert len(parsed_on) == 3  # each good workbook's sheet, once
    assert all(name.startswith("read-ahead") for name in parsed_on)
