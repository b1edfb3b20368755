"""A name typed with ``Ð`` (U+00D0, Latin Eth: some keyboards give it for ``Đ``) in a file that is
otherwise Unicode is read as ``Đ`` with a note at its cell — never refused as a TCVN3 file."""

from __future__ import annotations

import io

from openpyxl import Workbook

from lienthong.connectors.csdl.excel import read_student_list
from lienthong.connectors.gradebook.excel import Expect, read_score_book

ETH_NAME = "\u00d0ặng Thị Thu Hà"


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    book.active.title = "6A1"
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_student_list_reads_eth_as_d_and_says_where():
    read = read_student_list(
        _xlsx(
            [
                ["STT", "Mã lớp", "Mã định danh Bộ GD&ĐT", "Họ tên", "Ngày sinh", "Giới tính"],
                [1, "6A1", "0100000001", ETH_NAME, "03/09/2014", "Nữ"],
                [2, "6A1", "0100000002", "Trần Văn Bình", "12/01/2014", "Nam"],
            ]
        )
    )
    assert [r["HoTen"] for r in read.records] == ["Đặng Thị Thu Hà", "Trần Văn Bình"]
    [note] = [p for p in read.problems if p.cell]  # the sheet's own notes (no status column…) have no cell
    assert not note.fatal and note.cell == "D2" and "«Ð»" in note.message and "«Đ»" in note.message


def test_a_gradebook_reads_eth_as_d_and_says_where():
    read = read_score_book(
        _xlsx(
            [
                ["SỔ ĐIỂM MÔN TOÁN — LỚP 6A1 — HỌC KỲ I — NĂM HỌC 2025-2026"],
                ["TT", "Họ tên học sinh", "TX1", "TX2", "Giữa kì", "Cuối kì"],
                [1, ETH_NAME, 8, "7,5", 9, 8],
            ]
        ),
        Expect(semester="1"),
    )
    [record] = read.records
    assert record["ho_ten"] == "Đặng Thị Thu Hà" and record["lop"] == "6A1"
    notes = [p for p in read.problems if "«Ð»" in p.message]
    assert len(notes) == 1 and not notes[0].fatal and notes[0].cell == "B3"


def test_a_name_read_before_is_noted_again_on_every_book_and_row():
    """The reader keeps each name it read (the same students come on every book of an import): a
    name it knows still brings its note at each cell, on a later book as on the first."""
    rows = [
        ["SỔ ĐIỂM MÔN TOÁN — LỚP 6A1 — HỌC KỲ I — NĂM HỌC 2025-2026"],
        ["TT", "Họ tên học sinh", "Ngày sinh", "TX1", "TX2", "Giữa kì", "Cuối kì"],
        [1, ETH_NAME, "03/09/2014", 8, "7,5", 9, 8],
        [2, ETH_NAME, "03/09/2014", 7, 6, 5, 8],
    ]
    for _ in range(2):  # the second book: every name and birth date already read
        read = read_score_book(_xlsx(rows), Expect(semester="1"))
        assert [(r["ho_ten"], r["ngay_sinh"]) for r in read.records] == [("Đặng Thị Thu Hà", "03/09/2014")] * 2
        assert [p.cell for p in read.problems if "«Ð»" in p.message] == ["B3", "B4"]


def test_a_comment_subjects_marks_typed_with_eth_are_read_as_d():
    """«Ð», «CÐ» and «Ðạt» in a comment subject's cells (the same keyboards) were refused as not a
    mark ("phải là Đ hoặc CĐ; trong ô là «Ð»"): they are the marks Đ and CĐ."""
    read = read_score_book(
        _xlsx(
            [
                ["SỔ ĐIỂM MÔN GIÁO DỤC THỂ CHẤT — LỚP 6A1 — HỌC KỲ I — NĂM HỌC 2025-2026"],
                ["TT", "Họ tên học sinh", "TX1", "TX2", "Giữa kì", "Cuối kì"],
                [1, "Lê Minh An", "\u00d0", "C\u00d0", "\u00d0ạt", "Đ"],
            ]
        ),
        Expect(semester="1"),
    )
    assert read.rejected_rows == []
    [record] = read.records
    assert (record["tx"], record["gk"], record["ck"]) == (["Đ", "CĐ"], "Đ", "Đ")
