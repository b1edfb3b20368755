"""Teachers' gradebooks as they are (issue 15, items 4 and 5): name-only and ID-keyed layouts,
extra columns, one sheet per class, sheets without a table, split mid-/end-of-term tests.

Every workbook is built here by hand from the facts in domain.md ("What goes wrong in real
files") and contracts/vnedu.md (the teacher's gradebook), not from the simulators: a header
near the top, `TT | Họ tên học sinh | TX1 … | Giữa kì | Cuối kì`, books keyed by `Mã định danh`
or `MSHS`, `Số định danh`/`CCCD`, extra columns (`Tên lớp`, `Email`, `Điểm cộng/trừ`), and tests
split into parts (`GKTN | GKTH | CKTN | CKTH`, or `Trắc nghiệm | Tự luận` under a group).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from lienthong.connectors.file_kinds import detect_kind
from lienthong.connectors.gradebook.excel import Expect, parse_map, read_score_book
from tests.workbooks import refusal, workbook

TOAN = Expect(subject="TOAN", semester="1")
HINT_GK = 'cột GKTN, GKTH là phần của bài kiểm tra giữa kì; hãy cho biết cách cộng bằng --map "GK=GKTN+GKTH"'


def unused(read, sheet: str | None = None) -> dict[str, dict]:
    """Unused columns by cell (``"6A1!E4"``), as the lead prints them."""
    return {f"{u['sheet']}!{u['cell']}": u for u in read.info["unused_columns"] if sheet is None or u["sheet"] == sheet}


# --- layouts ---------------------------------------------------------------------------------------


def test_tt_and_ho_ten_hoc_sinh_with_giua_ki_cuoi_ki_is_a_gradebook():
    data = workbook(
        {
            "6A1": [
                ["SỔ ĐIỂM MÔN TOÁN — LỚP 6A1"],
                ["TT", "Họ tên học sinh", "TX1", "TX2", "TX3", "Giữa kì", "Cuối kì"],
                [1, "Nguyễn Văn An", 8, "7,5", 9, 7, "8.5"],
                [2, "Lê Thị Hoa", 6, 7, None, 5, 6],
            ]
        }
    )
    assert detect_kind(data) == "gradebook"
    read = read_score_book(data, TOAN)
    first, second = read.records
    assert (first["ho_ten"], first["lop"], first["trang"]) == ("Nguyễn Văn An", "6A1", "6A1")
    assert first["tx"] == [Decimal("8"), Decimal("7.5"), Decimal("9")]
    assert (first["gk"], first["ck"]) == (Decimal("7"), Decimal("8.5"))
    assert second["tx"] == [Decimal("6"), Decimal("7"), None]
    assert all(
        r["ma_hoc_sinh"] is None and r["ma_dinh_danh"] is None and r["so_dinh_danh"] is None for r in read.records
    )
    assert read.problems == [] and read.info["unused_columns"] == [] and read.info["skipped_sheets"] == []


def test_a_book_keyed_by_the_ministry_id_one_sheet_per_class_with_extra_columns():
    header = [
        "STT",
        "Mã định danh",
        "Họ và tên",
        "Ngày sinh (dd/mm/yyyy)",
        "Tên lớp",
        "Email",
        "TX1",
        "TX2",
        "GK",
        "CK",
        "Điểm cộng/trừ",
    ]
    data = workbook(
        {
            "6A1": [
                ["SỔ ĐIỂM MÔN TOÁN"],
                ["Học kỳ I — Năm học 2026-2027"],
                header,
                [1, "0790000001", "Nguyễn Văn An", "05/09/2014", "6A1", "an@example.vn", 8, 7, 7, 8, "+0,5"],
                [2, 790000002, "Lê Thị Hoa", "12/03/2014", "6A1", None, 6, 7, 5, 6, None],  # lost its zero
                [3, 790000003, "Phạm Văn Cao", None, "6A1", None, 9, 9, 9, 9, None],  # lost its zero
            ],
            "6A2": [
                ["SỔ ĐIỂM MÔN TOÁN"],
                ["Học kỳ I — Năm học 2026-2027"],
                header,
                [1, "0790000011", "Trần Minh Đức", "01/01/2014", "Lớp 6a2", None, 5, 5, 5, 5, None],
                [2, "12345", "Đỗ Thu Trang", "02/02/2014", "6A2", None, 7, 7, 7, 7, None],  # not an ID
            ],
        }
    )
    read = read_score_book(data, TOAN)
    by_name = {r["ho_ten"]: r for r in read.records}
    assert by_name["Nguyễn Văn An"]["ma_dinh_danh"] == "0790000001"
    assert by_name["Lê Thị Hoa"]["ma_dinh_danh"] == "0790000002"  # leading zero restored
    assert by_name["Nguyễn Văn An"]["ngay_sinh"] == "05/09/2014"
    assert by_name["Trần Minh Đức"]["lop"] == "6A2" and by_name["Nguyễn Văn An"]["lop"] == "6A1"
    assert by_name["Đỗ Thu Trang"]["ma_dinh_danh"] is None  # kept, matched by name
    assert len(read.records) == 5 and not read.rejected_rows
    notes = {(p.sheet, p.cell): p for p in read.problems}
    restored = notes[("6A1", "B5")]
    assert "2 mã" in restored.message and "B6" in restored.message and restored.column == "Mã định danh"
    wrong = notes[("6A2", "B5")]
    assert "mã định danh" in wrong.message and "họ tên" in wrong.message and wrong.value == "12345"
    columns = unused(read)
    assert set(columns) == {"6A1!F3", "6A1!K3", "6A2!F3", "6A2!K3"}
    assert columns["6A1!F3"]["column"] == "Email" and "thư điện tử" in columns["6A1!F3"]["reason"]
    assert columns["6A1!K3"]["column"] == "Điểm cộng/trừ" and "Thông tư 22" in columns["6A1!K3"]["reason"]
    assert [s["classes"] for s in read.info["sheets"]] == [["6A1"], ["6A2"]]


def test_a_class_column_that_contradicts_the_sheet_refuses_the_row():
    data = workbook(
        {
            "7A1": [
                ["Họ và tên", "Lớp", "TX1", "GK", "CK"],
                ["Nguyễn Văn An", "7A1", 8, 7, 8],
                ["Lê Thị Hoa", "7A3", 6, 5, 6],
            ]
        }
    )
    read = read_score_book(data, TOAN)
    [problem] = read.problems
    assert problem.fatal and problem.cell == "B3" and "7A3" in problem.message and "7A1" in problem.message
    assert [r["ho_ten"] for r in read.records] == ["Nguyễn Văn An"]


def test_one_sheet_for_several_classes_takes_each_row_s_class_from_its_column():
    data = workbook(
        {
            "Khối 6": [
                ["STT", "Họ và tên", "Tên lớp", "TX1", "GK", "CK"],
                [1, "Nguyễn Văn An", "6A1", 8, 7, 8],
                [2, "Lê Thị Hoa", "6A2", 6, 5, 6],
            ]
        }
    )
    read = read_score_book(data, TOAN)
    assert [r["lop"] for r in read.records] == ["6A1", "6A2"]
    assert read.info["sheets"][0]["class_code"] is None and read.info["sheets"][0]["classes"] == ["6A1", "6A2"]


def test_mshs_of_ten_digits_is_the_ministry_id():
    data = workbook(
        {
            "8A1": [
                ["MSHS", "Họ và tên", "TX1", "GK", "CK"],
                ["0790000001", "Nguyễn Văn An", 8, 7, 8],
                [790000002, "Lê Thị Hoa", 6, 5, 6],
            ]
        }
    )
    read = read_score_book(data, TOAN)
    assert [r["ma_dinh_danh"] for r in read.records] == ["0790000001", "0790000002"]
    assert read.info["unused_columns"] == []


def test_mshs_of_the_school_s_own_numbering_is_listed_and_rows_are_matched_by_name():
    data = workbook(
        {
            "8A1": [
                ["MSHS", "Họ và tên", "TX1", "GK", "CK"],
                ["HS001", "Nguyễn Văn An", 8, 7, 8],
                [2, "Lê Thị Hoa", 6, 5, 6],
            ]
        }
    )
    read = read_score_book(data, TOAN)
    assert [r["ma_dinh_danh"] for r in read.records] == [None, None]
    assert [r["ma_hoc_sinh"] for r in read.records] == [None, None]
    [column] = read.info["unused_columns"]
    assert column["cell"] == "A1" and column["column"] == "MSHS"
    assert "mã riêng của trường" in column["reason"] and "họ tên" in column["reason"]


def test_personal_id_columns_cccd_and_so_dinh_danh():
    data = workbook(
        {
            "9A1": [
                ["STT", "Họ và tên", "Số định danh", "TX1", "GK", "CK"],
                [1, "Nguyễn Văn An", "079214000001", 8, 7, 8],
                [2, "Lê Thị Hoa", 79214000002, 6, 5, 6],  # a number: lost its leading zero
                [3, "Phạm Văn Cao", 123456789, 6, 5, 6],  # an old 9-digit CMND: not the personal ID
            ],
            "9A2": [
                ["STT", "Họ và tên", "Số CCCD", "TX1", "GK", "CK"],
                [1, "Trần Minh Đức", "001214000003", 8, 7, 8],
            ],
        }
    )
    read = read_score_book(data, TOAN)
    assert [r["so_dinh_danh"] for r in read.records] == ["079214000001", "079214000002", None, "001214000003"]
    notes = {p.cell: p for p in read.problems}
    assert not notes["C3"].fatal and "khôi phục" in notes["C3"].message
    assert not notes["C4"].fatal and "12 chữ số" in notes["C4"].message


def test_an_id_on_two_rows_of_a_sheet_refuses_the_file():
    data = workbook(
        {
            "6A1": [
                ["Mã định danh", "Họ và tên", "TX1", "GK", "CK"],
                ["0790000001", "Nguyễn Văn An", 8, 7, 8],
                ["0790000001", "Lê Thị Hoa", 6, 5, 6],
            ]
        }
    )
    message = refusal(lambda: read_score_book(data, TOAN))
    assert "«0790000001» có ở 2 dòng" in message and "A2, A3" in message


def test_a_name_split_into_ho_dem_and_ten():
    data = workbook({"6A1": [["STT", "Họ đệm", "Tên", "TX1", "GK", "CK"], [1, "Nguyễn Văn", "An", 8, 7, 8]]})
    [record] = read_score_book(data, TOAN).records
    assert record["ho_ten"] == "Nguyễn Văn An"


def test_sheets_without_a_table_are_reported_as_skipped_with_the_reason():
    data = workbook(
        {
            "Hướng dẫn": [["Cách nhập điểm"], ["Điểm ghi một chữ số thập phân, ví dụ 8,5"]],
            "6A1": [["Họ và tên", "TX1", "GK", "CK"], ["Nguyễn Văn An", 8, 7, 8]],
            "Trống": [],
        }
    )
    read = read_score_book(data, TOAN)
    skipped = {s["sheet"]: s["reason"] for s in read.info["skipped_sheets"]}
    assert skipped["Trống"] == "trang trống"
    assert "không có dòng tiêu đề của sổ điểm" in skipped["Hướng dẫn"] and "«Cách nhập điểm»" in skipped["Hướng dẫn"]
    assert [s["sheet"] for s in read.info["sheets"]] == ["6A1"]


def test_a_column_with_data_but_no_header_is_listed():
    data = workbook({"6A1": [["Họ và tên", "TX1", "GK", "CK"], ["Nguyễn Văn An", 8, 7, 8, "đã thi bù"]]})
    read = read_score_book(data, TOAN)
    [column] = read.info["unused_columns"]
    assert column["cell"] == "E1" and "không có tiêu đề" in column["reason"] and "E2" in column["reason"]


def test_a_second_column_of_one_role_is_listed_not_silently_ignored():
    data = workbook({"6A1": [["Họ và tên", "TX1", "GK", "GK", "CK"], ["Nguyễn Văn An", 8, 7, 6, 8]]})
    read = read_score_book(data, TOAN)
    assert read.records[0]["gk"] == Decimal("7")
    [column] = read.info["unused_columns"]
    assert column["cell"] == "D1" and "cột C" in column["reason"]


# --- split tests -----------------------------------------------------------------------------------

SPLIT = {
    "7A1": [
        ["SỔ ĐIỂM MÔN TOÁN — LỚP 7A1"],
        ["STT", "Họ và tên", "TX1", "TX2", "GKTN", "GKTH", "CKTN", "CKTH"],
        [1, "Nguyễn Văn An", 8, 7, 5.75, 3.5, "2,25", "3,1"],  # 9.25 → 9.3; 5.35 → 5.4 (half-up, exact)
        [2, "Lê Thị Hoa", 6, 7, 3, 4, 4, 5],
        [3, "Phạm Văn Cao", 9, 9, 6, "4,5", 5, 5],  # GK 10.5: refused
        [4, "Trần Minh Đức", 5, 5, 4, None, None, None],  # a part missing: GK left blank and noted
    ]
}


def test_split_parts_without_a_map_are_listed_with_the_hint_and_noted():
    read = read_score_book(workbook(SPLIT), TOAN)
    assert [r["gk"] for r in read.records] == [None] * 4 and [r["ck"] for r in read.records] == [None] * 4
    assert read.records[0]["tx"] == [Decimal("8"), Decimal("7")]
    columns = unused(read)
    assert set(columns) == {"7A1!E2", "7A1!F2", "7A1!G2", "7A1!H2"}
    assert columns["7A1!E2"]["reason"] == HINT_GK and columns["7A1!E2"]["column"] == "GKTN"
    assert 'hãy cho biết cách cộng bằng --map "CK=CKTN+CKTH"' in columns["7A1!G2"]["reason"]
    notes = [p for p in read.problems if not p.fatal]
    assert len(notes) == 2 and not read.rejected_rows  # never "0 warnings"
    assert notes[0].cell == "E2" and "Cột GKTN, GKTH là phần" in notes[0].message and "Chưa nhập" in notes[0].message


def test_split_parts_with_the_school_s_map_are_summed_and_rounded_per_circular_22():
    read = read_score_book(workbook(SPLIT), TOAN, parse_map("GK=GKTN+GKTH,CK=CKTN+CKTH"))
    by_name = {r["ho_ten"]: r for r in read.records}
    assert by_name["Nguyễn Văn An"]["gk"] == Decimal("9.3")  # 5.75 + 3.5 = 9.25
    assert by_name["Nguyễn Văn An"]["ck"] == Decimal("5.4")  # 2.25 + 3.1 = 5.35 (a float would give 5.3)
    assert (by_name["Lê Thị Hoa"]["gk"], by_name["Lê Thị Hoa"]["ck"]) == (Decimal("7.0"), Decimal("9.0"))
    assert "Phạm Văn Cao" not in by_name
    [refused] = read.rejected_rows
    assert refused.row == 5 and refused.cell == "E5" and refused.column == "GKTN + GKTH"
    assert "6 + 4,5 = 10,5, lớn hơn 10" in refused.message and "E5, F5" in refused.message
    missing = next(p for p in read.problems if not p.fatal)
    assert missing.row == 6 and "F6" in missing.message and by_name["Trần Minh Đức"]["gk"] is None
    assert read.info["unused_columns"] == []


def test_a_part_with_three_decimals_refuses_the_row():
    data = workbook({"7A1": [["Họ và tên", "TX1", "GKTN", "GKTH"], ["Nguyễn Văn An", 8, "5,755", 3]]})
    read = read_score_book(data, TOAN, parse_map("GK=GKTN+GKTH"))
    [problem] = read.problems
    assert problem.fatal and problem.cell == "C2" and "hai chữ số thập phân" in problem.message


def test_parts_under_a_merged_group_header_in_two_rows():
    data = workbook(
        {
            "7A2": [
                ["STT", "Họ và tên", "ĐĐGtx", None, "Giữa kì", None, "Cuối kì", None, "Ghi chú"],
                [None, None, "TX1", "TX2", "Trắc nghiệm", "Tự luận", "Trắc nghiệm", "Tự luận", None],
                [1, "Nguyễn Văn An", 8, 7, "4,25", 4, 3, "4,5", None],
            ]
        },
        merged={"7A2": ["C1:D1", "E1:F1", "G1:H1", "A1:A2", "B1:B2", "I1:I2"]},
    )
    assert detect_kind(data) == "gradebook"
    before = read_score_book(data, TOAN)
    assert set(unused(before)) == {"7A2!E2", "7A2!F2", "7A2!G2", "7A2!H2", "7A2!I1"}
    assert "GK=Trắc nghiệm+Tự luận" in unused(before)["7A2!E2"]["reason"]
    assert "cuối kì" in unused(before)["7A2!G2"]["reason"]
    read = read_score_book(data, TOAN, parse_map("GK=Trắc nghiệm+Tự luận,CK=Trắc nghiệm+Tự luận"))
    [record] = read.records
    assert (record["gk"], record["ck"], record["tx"]) == (Decimal("8.3"), Decimal("7.5"), [Decimal(8), Decimal(7)])
    assert set(unused(read)) == {"7A2!I1"}


@pytest.mark.parametrize("header", [["GK TN", "GK TL"], ["GK-TN", "GK-TL"], ["Giữa kì trắc nghiệm", "Giữa kì tự luận"]])
def test_part_header_variants(header):
    data = workbook({"6A1": [["Họ và tên", "TX1", *header], ["Nguyễn Văn An", 8, 5, "4,5"]]})
    assert "GK=" in unused(read_score_book(data, TOAN))["6A1!C1"]["reason"]
    read = read_score_book(data, TOAN, parse_map(f"GK={header[0]}+{header[1]}"))
    assert read.records[0]["gk"] == Decimal("9.5")


def test_a_book_with_the_whole_test_beside_its_parts_reads_the_whole_and_lists_the_parts():
    data = workbook({"6A1": [["Họ và tên", "TX1", "GKTN", "GKTH", "GK"], ["Nguyễn Văn An", 8, 4, 3, 7]]})
    read = read_score_book(data, TOAN)
    assert read.records[0]["gk"] == Decimal("7") and not read.problems
    assert all("cột «GK» (ô E1)" in u["reason"] for u in read.info["unused_columns"])


def test_a_map_naming_a_part_the_file_does_not_have_is_refused():
    data = workbook(SPLIT)
    assert "«GK=GKTN+GKTX»" in refusal(lambda: read_score_book(data, TOAN, parse_map("GK=GKTN+GKTX")))
    assert "«GK=GKA+GKB»" in refusal(lambda: read_score_book(data, TOAN, parse_map("GK=GKA+GKB")))


# --- parse_map ------------------------------------------------------------------------------------


def test_parse_map_adds_combine_and_keeps_its_other_forms():
    assert parse_map("GK=GKTN+GKTH,CK=CKTN+CKTH")["combine"] == {"gk": ["gktn", "gkth"], "ck": ["cktn", "ckth"]}
    both = parse_map("Miệng 1=TX1,Thi HK=CK,GK=GKTN+GKTH")
    assert both["labels"] == {"mieng 1": "tx", "thi hk": "ck"} and both["combine"] == {"gk": ["gktn", "gkth"]}
    letters = parse_map("dong=2,ho_ten=B,tx=C:D,gk=E,ck=F")
    assert letters == {"header_row": 2, "ho_ten": 1, "tx": [2, 3], "gk": 4, "ck": 5}
    assert "dấu +" in refusal(lambda: parse_map("GK=GKTN+"))
    assert "phần khác nhau" in refusal(lambda: parse_map("GK=GKTN+gktn"))


def test_a_letter_map_lists_the_columns_it_does_not_name():
    data = workbook(
        {"6A1": [["Số", "Tên em", "Nói", "Viết", "Giữa", "Cuối", "Email"], [1, "An Văn", 8, 7, 9, 8, "x@y"]]}
    )
    read = read_score_book(data, TOAN, parse_map("dong=1,ho_ten=B,tx=C:D,gk=E,ck=F"))
    assert read.records[0]["ck"] == Decimal("8")
    assert {u["cell"]: u["column"] for u in read.info["unused_columns"]} == {"G1": "Email"}


# --- vnEdu's score-book export through the same reader ---------------------------------------------


def _vnedu_book_6a1(*rows: list) -> bytes:
    """vnEdu's Toán score book of 6A1, semester I, as it exports it (title rows, a two-row header
    with ĐĐGtx over TX1 and TX2), holding ``rows`` from row 7."""
    head = ["STT", "ID", "Mã học sinh", "Họ và tên", "Ngày sinh", "ĐĐGtx", None, "ĐĐGgk", "ĐĐGck", "ĐTBmhk"]
    titles = [["SỔ ĐIỂM MÔN Toán"], ["LỚP 6A1"], ["HỌC KỲ I"], ["NĂM HỌC 2026-2027"]]
    sub = [None, None, None, None, None, "TX1", "TX2", None, None, None]
    return workbook({"6A1": [*titles, head, sub, *rows]}, merged={"6A1": ["F5:G5"]})


def test_vnedu_score_book_export_reads_as_before_with_nothing_unused():
    data = _vnedu_book_6a1([1, 10231, 1866700001, "Nguyễn Thị Hoà", "05/09/2014", 8, "7,5", 7, "8,5", "7,9"])
    assert detect_kind(data) == "vnedu-sodiem"
    read = read_score_book(data, Expect(subject="TOAN", semester="1"), keep_unreadable=True)
    [record] = read.records
    assert record["ma_hoc_sinh"] == "1866700001" and record["row_id"] == 10231 and record["lop"] == "6A1"
    assert record["ma_dinh_danh"] is None and record["so_dinh_danh"] is None
    assert read.info["unused_columns"] == [] and read.info["skipped_sheets"] == [] and read.problems == []


def test_score_columns_with_unknown_headers_refuse_the_file_instead_of_a_partial_read():
    data = workbook(
        {
            "6A1": [
                ["Số", "Mã HS", "Họ tên", "Kiểm tra nói", "Bài viết", "Giữa HK", "Thi HK"],
                [1, "1800000001", "Nguyễn Văn An", "8", "7", "8", "7,5"],
            ]
        }
    )
    message = refusal(lambda: read_score_book(data, TOAN))
    assert "«Kiểm tra nói» (ô D1), «Bài viết» (ô E1), «Thi HK» (ô G1) có điểm" in message and "--map" in message
    read = read_score_book(data, TOAN, parse_map("Kiểm tra nói=TX1,Bài viết=TX2,Thi HK=CK"))
    assert read.records[0]["gk"] == Decimal("8") and read.records[0]["ck"] == Decimal("7.5")


def test_parts_with_headers_of_the_school_s_own_are_named_in_the_map():
    data = workbook({"6A1": [["Họ và tên", "TX1", "Phần 1", "Phần 2", "CK"], ["Nguyễn Văn An", 8, "3,75", 4, 7]]})
    assert "«Phần 1» (ô C1), «Phần 2» (ô D1) có điểm" in refusal(lambda: read_score_book(data, TOAN))
    read = read_score_book(data, TOAN, parse_map("GK=Phần 1+Phần 2"))
    assert read.records[0]["gk"] == Decimal("7.8") and read.info["unused_columns"] == []


def test_averages_of_other_periods_are_listed_not_refused():
    data = workbook(
        {"6A2": [["Họ và tên", "TX1", "GK", "CK", "ĐTB HK1", "TBcn"], ["Nguyễn Văn An", 8, 7, 8, 7.5, 7.7]]}
    )
    read = read_score_book(data, Expect(subject="TOAN", semester="2"))
    assert {u["cell"] for u in read.info["unused_columns"]} == {"E1", "F1"}
    assert all("tính lại" in u["reason"] for u in read.info["unused_columns"])


def test_vnedu_average_is_checked_and_only_a_wrong_one_is_noted():
    """ĐTBmhk is compared with Circular 22's average of the row's scores (worked in tenths): a right
    one says nothing, a wrong one is noted at its cell with both values, a blank TX is left out."""
    data = _vnedu_book_6a1(
        [1, 10231, 1866700001, "Nguyễn Thị Hoà", "05/09/2014", 8, "7,5", 7, "8,5", "7,9"],
        [2, 10232, 1866700002, "Trần Văn Bình", "06/09/2014", 8, "7,5", 7, "8,5", "8,0"],
        [3, 10233, 1866700003, "Lê Văn Cường", "07/09/2014", 9, None, 7, 8, 7.8],
        [4, 10234, 1866700004, "Phạm Thị Dung", "08/09/2014", 9, None, 7, 8, 8.1],
    )
    read = read_score_book(data, Expect(subject="TOAN", semester="1"), keep_unreadable=True)
    assert len(read.records) == 4
    noted = {p.cell: p.message for p in read.problems}
    assert set(noted) == {"J8", "J10"}, noted
    assert noted["J8"] == "ĐTBmhk trong tệp 8,0 khác giá trị tính lại 7,9"
    assert noted["J10"] == "ĐTBmhk trong tệp 8,1 khác giá trị tính lại 7,8"
    assert all(not p.fatal and p.column == "ĐTBmhk" for p in read.problems)
