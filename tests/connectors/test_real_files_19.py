"""What session 19's hunt through real published school files found lienthong saying wrongly or not
at all (the layouts are the real files'; the people are invented)."""

from __future__ import annotations

import datetime
import json

from lienthong.connectors.file_kinds import detect_kind
from lienthong.connectors.gradebook.excel import Expect, read_score_book
from tests.workbooks import refusal, workbook


def test_an_empty_file_is_said_to_be_empty_not_to_be_something_other_than_excel():
    """A 0-byte «Lỗi 31.10.xlsx» (a copy that never finished) was «không phải là tệp Excel»."""
    for data in (b"", b"\0" * 4096, b" \r\n"):
        assert refusal(lambda data=data: detect_kind(data)).startswith("Tệp rỗng (không có nội dung nào)")


def test_an_unknown_file_s_refusal_names_every_kind_it_looked_for_the_discipline_export_too():
    """A meal-money workbook was told lienthong looked for score books, summaries and CSDL lists:
    the vnEdu discipline export (thống kê nề nếp), read too, was left out of the list."""
    book = workbook({"Tiền ăn": [["STT", "Họ và tên", "Tháng 9", "Tháng 10"], [1, "Lê An", 450000, 450000]]})
    said = refusal(lambda: detect_kind(book))
    assert "sổ điểm, bảng tổng hợp hay thống kê nề nếp của vnEdu, danh sách học sinh hay kết quả học tập CSDL" in said


def test_children_listed_without_any_score_are_said_not_dropped_from_the_count_in_silence():
    """A teacher's book (github VuKhang-lsts/SodiemHK22526, «so-diem.xlsx», Feb 2026) had a sheet whose
    27 children had class, name and birth date, no STT and no score yet: the sheet was «read» with
    no word, and the 27 were missing from the count."""
    born = datetime.datetime(2011, 3, 4)
    rows = [
        ["Lớp", "Họ và tên", "Ngày sinh", "TX1", "TX2", "GK", "CK"],
        ["10L3", "Lê Minh An", born, None, None, None, None],
        ["10L3", "Trần Thu Bình", born, None, None, None, None],
        ["10L3", "Phạm Chí", born, None, None, None, None],
        [None, None, None, None, None, None, None],
        [None, "Người lập bảng", None, None, None, None, None],  # a signature line: not a child
        [None, "Nguyễn Thị Lan", None, None, None, None, None],
    ]
    read = read_score_book(workbook({"MUL10L3": rows}), Expect(subject="TIN", semester="2"))
    notes = [p for p in read.problems if "chưa có điểm" in p.message]
    assert [(n.sheet, n.row, n.cell, n.fatal) for n in notes] == [("MUL10L3", 2, "B2", False)]
    assert notes[0].message.startswith("Trang «MUL10L3»: 3 dòng có học sinh (họ tên, ngày sinh hoặc lớp) nhưng chưa")
    assert "(các dòng 2–4)" in notes[0].message and not read.records


def test_a_split_test_waiting_for_its_map_makes_the_import_say_it_is_not_all_read(tmp_path):
    """A teacher's book with GKTN/GKTH and CKTN/CKTH (the same real file) imported its regular scores
    only — 401 of 890 cells left out — and exited 0, «đọc hết». The exit is now 1 and the JSON note
    says the scores are withheld until the school says how the parts add up; with ``--map`` it is 0."""
    from tests.cli.test_file_only import run

    rows = [
        ["SỔ ĐIỂM MÔN TIN HỌC — LỚP 9H01 — HỌC KỲ II — NĂM HỌC 2025-2026"],
        ["STT", "Họ và tên", "TX1", "TX2", "GKTN", "GKTH", "CKTN", "CKTH"],
        [1, "Lê Minh An", 8, 9, 3.5, 4.25, 4, 4.75],
        [2, "Trần Thu Bình", 7, 6, 2.75, 4, 3, 4.5],
    ]
    book = tmp_path / "tin-9h01.xlsx"
    book.write_bytes(workbook({"9H01": rows}))
    db = f"sqlite:///{tmp_path / 'truong.db'}"
    waiting = run(["import", "--dry-run", "--json", "--subject", "TIN", str(book)], db)
    (report,) = [json.loads(line) for line in waiting.stdout.splitlines()]
    assert waiting.returncode == 1, waiting.stdout + waiting.stderr
    withheld = [n for n in report["notes"] if n.get("withheld")]
    assert len(withheld) == 2 and all("--map" in n["note"] for n in withheld)
    mapped = run(
        ["import", "--dry-run", "--json", "--subject", "TIN", "--map", "GK=GKTN+GKTH,CK=CKTN+CKTH", str(book)], db
    )
    assert mapped.returncode == 0, mapped.stdout + mapped.stderr
    (read,) = [json.loads(line) for line in mapped.stdout.splitlines()]
    assert read["cells"] == 8 and not [n for n in read["notes"] if n.get("withheld")]
