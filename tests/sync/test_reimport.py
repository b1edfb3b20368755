"""Importing a file again: skipped only when what it holds is stored as it holds it.

A school found that a book imported once could never be imported again: not to undo a later book
(k1, then k1 with one score mended, then k1 again left the mended score), nor read another way
(the command's own advice, `--semester 2` for a book whose title names no semester, was answered
«đã được nhập … không thay đổi gì»). The file's SHA-256 now skips it only when each of its records
is stored with the same content.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

from lienthong.store.db import migrate
from tests.cli.test_assess_cli import lienthong
from tests.workbooks import workbook

HEADER = ["STT", "Họ và tên", "TX1", "TX2", "GK", "CK"]


def _book(path: Path, tx2: int, title: str = "Lớp 6A1 — Học kỳ I — Năm học 2025-2026") -> Path:
    rows = [["SỔ ĐIỂM MÔN TOÁN"], [title], HEADER, [1, "Lê Minh An", 6, tx2, 7, 7.5], [2, "Trần Thu Bình", 8, 8, 8, 8]]
    path.write_bytes(workbook({"6A1": rows}))
    return path


class _School:
    def __init__(self, folder: Path):
        self.file = folder / "x.db"
        self.url = f"sqlite:///{self.file}"
        migrate(self.url)

    def run(self, *args: str) -> subprocess.CompletedProcess:
        env = {"LIENTHONG_SCHOOL_YEAR": "2025-2026", "PATH": "/usr/bin:/bin", "COLUMNS": "400"}
        return subprocess.run(
            [*lienthong(), "--db", self.url, "import", "--no-reconcile", *args], capture_output=True, text=True, env=env
        )

    def sheets(self) -> dict[str, list]:
        with sqlite3.connect(self.file) as connection:
            rows = connection.execute(
                "SELECT key, payload FROM source_snapshot WHERE source = 'gradebook' AND entity = 'diem'"
            ).fetchall()
        return {key: json.loads(payload)["ddg_tx"] for key, payload in rows}


def test_a_book_imported_again_after_a_later_one_puts_its_scores_back(tmp_path: Path):
    school = _School(tmp_path)
    first, mended = _book(tmp_path / "k1.xlsx", 8), _book(tmp_path / "k1-sua.xlsx", 9)
    assert school.run(str(first)).returncode == 0
    before = school.sheets()
    assert sorted(before.values()) == [["6", "8"], ["8", "8"]]
    changed = school.run(str(mended))
    assert "Lưu (bản ghi): mới 0, thay đổi 1, không đổi 3" in changed.stdout  # one sheet, not the roster
    assert sorted(school.sheets().values()) == [["6", "9"], ["8", "8"]]
    again = school.run("--json", str(first))
    report = json.loads(again.stdout.splitlines()[0])
    assert report["imported_again"] is True and report["already_imported"] is False
    assert report["stored"] == {"changed": 1, "unchanged": 3}
    assert school.sheets() == before  # the first book's scores are back
    said = school.run(str(first)).stdout  # now as stored: skipped, and said so
    assert "đã được nhập lúc" in said and "không thay đổi gì" in said


def _semesters(school: _School) -> list[str]:
    return sorted(key.rsplit(":", 1)[1] for key in school.sheets())


def test_a_book_read_under_another_semester_is_stored_under_it_and_its_first_read_taken_back(tmp_path: Path):
    """The command's own advice (`--semester 2` for a book whose title names no semester) leaves the
    book's scores under semester 2 only: what the first read stored under semester 1 was this
    book read wrongly, and would be compared and reported as semester 1's scores."""
    school = _School(tmp_path)
    book = _book(tmp_path / "so-diem.xlsx", 8, title="Lớp 6A1 — Năm học 2025-2026")  # no semester named
    refused = school.run(str(book))  # a past year's book naming no semester: refused, asking which
    assert refused.returncode == 2 and "chọn học kỳ (lienthong import --semester 1 hoặc --semester 2" in refused.stdout
    assert _semesters(school) == []
    school.run("--semester", "1", str(book))  # read under semester 1, then the school finds it is semester 2's
    assert _semesters(school) == ["1", "1"]
    again = school.run("--json", "--semester", "2", str(book))
    assert again.returncode == 0, again.stdout + again.stderr
    report = json.loads(again.stdout.splitlines()[0])
    assert report["imported_again"] is True and report["taken_back"] == {"removed": 2, "kept": 0, "kept_approved": 0}
    assert _semesters(school) == ["2", "2"]
    said = school.run("--semester", "1", str(book)).stdout  # and back: semester 2's taken back
    assert "nên được lưu lại theo tệp; đã gỡ 2 bản ghi lần trước đọc theo học kỳ, môn hay lớp khác." in said
    assert _semesters(school) == ["1", "1"]
    with sqlite3.connect(school.file) as connection:
        removed = [row[0] for row in connection.execute("SELECT summary FROM imported_file")]
    assert [json.loads(summary).get("removed") for summary in removed] == [2]


def test_what_another_file_wrote_since_is_not_taken_back(tmp_path: Path):
    """A record of the first read that a later book changed (or also holds) is the later book's: kept."""
    school = _School(tmp_path)
    book = _book(tmp_path / "so-diem.xlsx", 8, title="Lớp 6A1 — Năm học 2025-2026")
    school.run("--semester", "1", str(book))  # read as semester 1
    school.run(str(_book(tmp_path / "hk1.xlsx", 9, title="Lớp 6A1 — Học kỳ I — Năm học 2025-2026")))  # An's mended
    said = school.run("--semester", "2", str(book)).stdout
    # An's sheet changed since, Bình's is held by hk1 too: neither was only this book's first read
    assert "nên được lưu lại theo tệp; giữ 2 bản ghi lần trước đã lưu vì tệp khác cũng có hoặc đã sửa chúng." in said
    assert _semesters(school) == ["1", "1", "2", "2"]
    assert sorted(school.sheets().values()) == [["6", "8"], ["6", "9"], ["8", "8"], ["8", "8"]]


def test_a_file_imported_before_its_records_were_kept_says_they_stay(tmp_path: Path):
    school = _School(tmp_path)
    book = _book(tmp_path / "so-diem.xlsx", 8, title="Lớp 6A1 — Năm học 2025-2026")
    school.run("--semester", "1", str(book))
    with sqlite3.connect(school.file) as connection:  # as an import before migration 0018 left it
        connection.execute("UPDATE imported_file SET records = NULL")
    said = school.run("--semester", "2", str(book)).stdout
    assert "những gì lần trước đã đọc theo học kỳ, môn hay lớp khác vẫn còn" in said
    assert _semesters(school) == ["1", "1", "2", "2"]


def test_the_same_scores_in_a_mended_book_change_nothing(tmp_path: Path):
    """A later book whose title only was mended: «thay đổi 0», not a change for every record."""
    school = _School(tmp_path)
    school.run(str(_book(tmp_path / "a.xlsx", 8)))
    mended = school.run(str(_book(tmp_path / "b.xlsx", 8, title="Lớp 6A1 - Học kỳ I - Năm học 2025-2026 (bản sửa)")))
    assert "Lưu (bản ghi): mới 0, thay đổi 0, không đổi 4" in mended.stdout


def test_each_reason_for_keeping_an_earlier_reading_is_said_apart():
    """Kept because another file holds them and kept because the principal approved the class's
    results were said as one reason («tệp khác cũng có hoặc đã sửa chúng»)."""
    from datetime import datetime

    from lienthong.sync.file_reading import ImportReport

    report = ImportReport("kq.xlsx", imported_before=datetime(2026, 1, 5), taken_back=(1, 2, 3))
    said = report.again_said()
    assert "; đã gỡ 1 bản ghi lần trước đọc theo học kỳ, môn hay lớp khác" in said
    assert "; giữ 2 bản ghi lần trước đã lưu vì tệp khác cũng có hoặc đã sửa chúng" in said
    assert "; giữ 3 kết quả lần trước đã lưu vì Hiệu trưởng đã duyệt kết quả của lớp" in said
    assert report.as_json()["taken_back"] == {"removed": 1, "kept": 2, "kept_approved": 3}
    alone = ImportReport("kq.xlsx", imported_before=datetime(2026, 1, 5), taken_back=(0, 0, 4)).again_said()
    assert "tệp khác" not in alone and "giữ 4 kết quả" in alone
