"""Books as teachers keep them, from an audit of the Excel-only flow as a new school would use it
(each case was a defect: the layout, what lienthong did, what it does now)."""

from __future__ import annotations

from lienthong.connectors.gradebook.excel import SUMMARY_ROW, Expect, read_score_book
from tests.workbooks import workbook

TITLE = [["SỔ ĐIỂM MÔN TOÁN"], ["Lớp 6A1 — Học kỳ I — Năm học 2025-2026"]]
HEADER = ["STT", "Mã HS", "Họ và tên", "TX1", "TX2", "GK", "CK"]


def _read(rows: list[list], **merged) -> object:
    return read_score_book(workbook({"6A1": [*TITLE, *rows]}, merged or None), Expect(subject="TOAN", semester="1"))


def test_lines_below_the_class_are_said_and_not_read_as_students():
    """A «Trung bình» row became a student («Chưa rõ em Trung bình» in the reconciliation) and a
    «Tổng» row (35 in each column) was refused as a student with scores out of range."""
    read = _read(
        [
            HEADER,
            [1, "1803463794", "Hoàng Quốc Thịnh", 7, 7, 7, 7],
            [None, None, "Tống Văn An", 8, 8, 8, 8],  # a family name, not «Tổng»: a student
            [None, None, "Trung bình", 7.5, 7.5, 7.5, 7.5],
            [None, None, "TỔNG CỘNG", 15, 15, 15, 15],
            [None, None, "Điểm TB lớp:", None, None, None, 7.5],
            [None, None, "Sĩ số: 2", None, None, None, None],
        ]
    )
    assert [r["ho_ten"] for r in read.records] == ["Hoàng Quốc Thịnh", "Tống Văn An"]
    assert read.rejected_rows == []
    said = [(p.cell, p.value) for p in read.problems if p.message == SUMMARY_ROW]
    assert said == [("C6", "Trung bình"), ("C7", "TỔNG CỘNG"), ("C8", "Điểm TB lớp:"), ("C9", "Sĩ số: 2")]
    assert not any(p.fatal for p in read.problems)
