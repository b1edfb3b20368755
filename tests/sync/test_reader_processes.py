"""``lienthong import`` starts its file readers before it loads anything else
(`sync.reader_processes`): the readers it makes take those workers, the files are read as
before, and workers started for a command that reads nothing stop on their own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lienthong.cli.fast import files_to_import
from lienthong.sync import reader_processes
from lienthong.sync.file_import import Wanted
from lienthong.sync.file_readers import Readers
from tests.workbooks import workbook


def _book(folder: Path, name: str, number: int) -> Path:
    path = folder / name
    rows = [[f"SỔ ĐIỂM MÔN TOÁN — LỚP 6A{number}"], ["STT", "Họ và tên", "TX1", "GK", "CK"], [1, "Lê An", 8, 7, 9]]
    path.write_bytes(workbook({f"6A{number}": rows}))
    return path


@pytest.fixture
def books(tmp_path) -> list[Path]:
    return [_book(tmp_path, f"toan-6a{n}.xlsx", n) for n in (1, 2, 3)]


@pytest.fixture(autouse=True)
def _none_left():
    yield
    reader_processes.release()  # a test that failed before taking them


def test_the_files_an_import_names_are_counted_before_the_app_reads_its_line(books):
    a, b, c = map(str, books)
    assert files_to_import(["import", a, b, c]) == 3
    assert files_to_import(["--db", "sqlite:///x.db", "import", "--json", a, b]) == 2
    # an option's value is not a file, even when a file has that name; a path that is no file is not counted
    assert files_to_import(["import", "--kind", a, b, "--map", "GK=GKTN+GKTH", c, "khong-co.xlsx"]) == 2
    assert files_to_import(["import", "--dry-run", a]) == 1
    assert files_to_import(["import", a, b, "--help"]) == 0  # help reads nothing
    assert files_to_import(["read", a, b]) == 0  # another command
    assert files_to_import(["--la", "import", a, b]) == 0  # an option the app alone knows what to do with
    assert files_to_import(["reconcile", "--out", a]) == 0


def test_the_workers_started_early_are_the_ones_that_read(books):
    reader_processes.start_early(2)
    early = [started.process.pid for started in reader_processes._EARLY]
    assert len(early) == 2
    with Readers(2, None, Wanted("2025-2026", "1"), None) as readers:
        assert [worker.process.pid for worker in readers._workers] == early
        reports = [read.report for read in readers.read([(path.name, path) for path in books])]
    assert reader_processes._EARLY == []
    assert [(r.name, r.error, r.rows, r.classes) for r in reports] == [
        (path.name, None, 1, [f"6A{n}"]) for n, path in enumerate(books, 1)
    ]


def test_workers_are_started_past_the_early_ones_and_never_twice(books):
    reader_processes.start_early(1)
    reader_processes.start_early(1)  # asked again: the one started is counted
    assert len(reader_processes._EARLY) == 1
    with Readers(2, None, Wanted("2025-2026", "1"), None) as readers:
        assert len({worker.process.pid for worker in readers._workers}) == 2
        assert len([read for read in readers.read([(path.name, path) for path in books]) if not read.report.error]) == 3


def test_a_worker_started_early_and_never_taken_stops_when_the_command_ends():
    started = reader_processes.start()
    os.close(started.tasks)  # as the command's exit closes them
    os.close(started.answers)
    assert started.process.wait(timeout=60) == 0


def test_the_import_command_reads_its_files_with_the_workers_it_started_first(books, tmp_path):
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "LIENTHONG_SCHOOL_YEAR": "2025-2026",
        "LIENTHONG_DATABASE_URL": f"sqlite:///{tmp_path / 'truong.db'}",
    }
    command = [sys.executable, "-m", "lienthong.cli.main", "import", "--json", "--semester", "1", *map(str, books)]
    subprocess.run([sys.executable, "-m", "lienthong.cli.main", "db", "upgrade"], env=env, check=True, timeout=300)
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    reports = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["file"], r["rows"], r["classes"]) for r in reports] == [
        (path.name, 1, [f"6A{n}"]) for n, path in enumerate(books, 1)
    ]
    # a line the app refuses: the workers started for it stop with the command, which says why
    refused = subprocess.run(
        [*command[:4], "--semester", "5", *map(str, books)], capture_output=True, text=True, env=env, timeout=60
    )
    assert refused.returncode == 2
    assert "--semester phải là 1, 2 hoặc CN" in refused.stderr


def test_a_worker_that_cannot_be_started_early_is_left_to_the_readers(books, monkeypatch):
    def refused():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(reader_processes, "start", refused)
    reader_processes.start_early(2)  # nothing raised before the command's error boundary
    assert reader_processes._EARLY == []


def test_workers_started_early_and_not_taken_are_stopped_when_the_reading_ends(books):
    """The command guessed 2 workers from its line; the import used 1 (or none): the one left idled
    through the reconciliation after the import, until the command ended. It stops once the files are
    read."""
    from lienthong.sync.file_import import started_readers

    reader_processes.start_early(2)
    left = reader_processes._EARLY[1].process
    with started_readers(1, None, Wanted("2025-2026", "1"), None) as readers:
        assert len(reader_processes._EARLY) == 1 and left.poll() is None  # still there while files are read
        assert [r.report.error for r in readers.read([(path.name, path) for path in books])] == [None] * 3
    assert reader_processes._EARLY == [] and left.wait(timeout=30) is not None
    reader_processes.start_early(1)
    with started_readers(0, None, Wanted("2025-2026", "1"), None) as none:
        assert none is None
    assert reader_processes._EARLY == []
