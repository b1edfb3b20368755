"""Standard output closed by its reader (``lienthong import … | head -1``): the command stops quietly,
exit 1 as click and rich stop then, without a traceback, and what it stored is whole: each file stored
with its audit entry, or not at all. The reader is gone before the command writes (a pipe whose read
end is closed), so that every write fails, not only the ones after ``head`` has had its line."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from lienthong.cli import exits
from lienthong.store.db import migrate
from tests.cli.test_assess_cli import lienthong
from tests.workbooks import workbook

QUIET_MARKS = ("Traceback", "Exception ignored", "Error", "Lỗi ngoài dự kiến")
FAMILY, GIVEN = ("Lê", "Trần", "Phạm", "Hoàng", "Vũ"), ("An", "Bình", "Chi", "Dũng", "Giang", "Hà")


def _books(folder: Path, count: int) -> list[str]:
    paths = []
    for number in range(count):
        path = folder / f"so-diem-{number}.xlsx"
        rows = [["SỔ ĐIỂM MÔN TOÁN — LỚP 6A1"], ["STT", "Họ và tên", "TX1", "GK", "CK"]]
        rows += [[i + 1, f"{FAMILY[i % 5]} Văn {GIVEN[i // 5]}", 8, 7, number] for i in range(30)]
        path.write_bytes(workbook({"6A1": rows}))
        paths.append(str(path))
    return paths


def _closed_stdout(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(args, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=300, env=env)
    finally:
        os.close(write_end)


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    db = tmp_path / "truong.db"
    migrate(f"sqlite:///{db}")
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LIENTHONG_LOG_DIR": str(tmp_path / "log"),
        "LIENTHONG_DATABASE_URL": f"sqlite:///{db}",
        "LIENTHONG_SCHOOL_YEAR": "2025-2026",
    }


def _stored(env: dict[str, str]) -> tuple[int, int]:
    """Files recorded as imported, and their audit entries."""
    path = env["LIENTHONG_DATABASE_URL"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as db:
        files = db.execute("SELECT count(*) FROM imported_file").fetchone()[0]
        audited = db.execute("SELECT count(*) FROM audit_log WHERE action = 'file_imported'").fetchone()[0]
    return files, audited


@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_import_into_a_closed_pipe_stops_quietly_and_keeps_each_file_whole(tmp_path, env, as_json):
    books = _books(tmp_path, 3)
    done = _closed_stdout([*lienthong(), "import", "--semester", "1", *(["--json"] if as_json else []), *books], env)
    assert done.returncode == exits.OUTPUT_CLOSED, done.stderr
    assert not any(mark in done.stderr for mark in QUIET_MARKS), done.stderr
    files, audited = _stored(env)
    assert files == audited <= 3
    verified = subprocess.run([*lienthong(), "audit", "verify"], capture_output=True, text=True, env=env, timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    again = subprocess.run(
        [*lienthong(), "import", "--semester", "1", *books], capture_output=True, text=True, env=env, timeout=300
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert _stored(env)[0] == 3


def test_help_into_a_closed_pipe_stops_quietly(env):
    done = _closed_stdout([*lienthong(), "import", "--help"], {**env, "COLUMNS": "100"})
    assert done.returncode == exits.OUTPUT_CLOSED and done.stderr == ""


# The error boundary itself, for every command (``reconcile`` is run without typer, `cli.fast`).
PRINTS_A_LOT = """
from lienthong.cli.errors import guarded
def command(standalone_mode):
    for _ in range(1000):
        print("khác biệt " * 20)
    return 0
guarded(command)
"""
BREAKS_ANOTHER_PIPE = """
from lienthong.cli.errors import guarded
def command(standalone_mode):
    raise BrokenPipeError(32, "a child process's pipe")
guarded(command)
"""


def test_the_error_boundary_ends_a_command_whose_output_was_closed_quietly(env):
    done = _closed_stdout([sys.executable, "-c", PRINTS_A_LOT], env)
    assert done.returncode == exits.OUTPUT_CLOSED and done.stderr == ""


def test_a_broken_pipe_that_is_not_standard_output_s_is_an_unexpected_error(env):
    done = subprocess.run([sys.executable, "-c", BREAKS_ANOTHER_PIPE], capture_output=True, text=True, env=env)
    assert done.returncode == exits.UNEXPECTED and "mã tham chiếu" in done.stderr
