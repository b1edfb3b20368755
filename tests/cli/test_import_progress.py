"""``import`` of several files shows a progress bar at a terminal (files, rows, time left) and
nothing of it off a terminal or with ``--json``: scripts get only their lines."""

from __future__ import annotations

import io

from rich.console import Console

from lienthong.cli.import_command import run_import
from lienthong.sync.file_import import Wanted
from tests.workbooks import workbook


def _books(tmp_path, count: int) -> list:
    paths = []
    for number in range(count):
        path = tmp_path / f"so-diem-{number}.xlsx"
        path.write_bytes(
            workbook(
                {
                    "6A1": [
                        ["SỔ ĐIỂM MÔN TOÁN — LỚP 6A1"],
                        ["STT", "Họ và tên", "TX1", "GK", "CK"],
                        [1, "Lê An", 8, 7, 9],
                    ]
                }
            )
        )
        paths.append(path)
    return paths


def _run(paths, terminal: bool) -> str:
    out = io.StringIO()
    console = Console(file=out, force_terminal=terminal, width=160, markup=False, highlight=False)
    code = run_import(paths, None, Wanted("2025-2026", "1"), None, False, "test", console, dry_run=True)
    assert code == 0
    return out.getvalue()


def test_several_files_at_a_terminal_show_the_bar(tmp_path, monkeypatch):
    monkeypatch.setenv("LIENTHONG_SCHOOL_YEAR", "2025-2026")
    shown = _run(_books(tmp_path, 3), terminal=True)
    assert "Đang nhập" in shown and "3/3" in shown and "dòng" in shown
    assert shown.count("so-diem-") == 3  # each file's own report is still there


def test_no_bar_off_a_terminal(tmp_path, monkeypatch):
    monkeypatch.setenv("LIENTHONG_SCHOOL_YEAR", "2025-2026")
    shown = _run(_books(tmp_path, 3), terminal=False)
    assert "Đang nhập" not in shown and "\x1b[" not in shown
