"""CSDL files as provinces and schools have them, built by hand from domain.md and contracts/csdl.md.

Student lists without «Mã lớp» (``Lớp học`` + ``Khối học``, or ``Trường`` + ``Lớp``), the ministry
ID and the personal ID under their other names, dates as Excel serials, every column not read
accounted for; learning-results workbooks with one sheet per grade and semester.
"""

from __future__ import annotations

import datetime
import io
import unicodedata

from lienthong.connectors.csdl.excel import (
    IMPORT_HEADER,
    read_results,
    read_student_list,
    write_student_list,
)
from lienthong.connectors.file_kinds import detect_kind
from lienthong.mapping import catalogs
from tests.workbooks import refusal
from tests.workbooks import workbook as xlsx

PERSONAL = "không đọc: dữ liệu cá nhân không cần cho đối chiếu"
SERIAL_2014_09_05 = (datetime.date(2014, 9, 5) - datetime.date(1899, 12, 30)).days


def unused(read) -> dict[str, tuple[str, str]]:
    return {u["column"]: (u["cell"], u["reason"]) for u in read.info["unused_columns"]}


# --- student lists ---------------------------------------------------------------------------------

# As a Sở exports it (an HCMC list seen in a public school tool): no «Mã lớp», «Lớp học» and
# «Khối học», the personal ID as «Số CMND», addresses, phone and parents beside.
PROVINCE_HEADER = ["STT", "Mã định danh Bộ Giáo dục và Đào tạo", "Họ tên", "Ngày sinh\n(dd/mm/yyyy)",
                   "Giới tính", "Dân tộc", "Trạng thái", "SĐT liên hệ", "Nơi sinh chi tiết",
                   "Tổ/thôn Hộ khẩu thường trú", "Chỗ ở hiện nay", "Số CMND", "Ngày cấp", "Tên cha",
                   "Nghề nghiệp mẹ", "Lớp học", "Khối học"]  # fmt: skip


def province_list() -> bytes:
    return xlsx(
        {
            "DanhSach": [
                ["SỞ GIÁO DỤC VÀ ĐÀO TẠO"],
                ["DANH SÁCH HỌC SINH", None, "Năm học 2025-2026"],
                [unicodedata.normalize("NFD", h) if i % 4 == 1 else h for i, h in enumerate(PROVINCE_HEADER)],
                [
                    1,
                    "7900000001",
                    "Nguyễn Văn An",
                    SERIAL_2014_09_05,
                    "Nam",
                    "Kinh",
                    "Đang học",
                    "0909123456",
                    "Bệnh viện Hùng Vương",
                    "Tổ 2 khu 1",
                    "44 tổ 2",
                    "023456789",
                    "17/04/2023",
                    "Nguyễn Văn Ba",
                    "Nội trợ",
                    "A1",
                    "Khối 6",
                ],
                [
                    2,
                    "7900000002",
                    "Trần Thị Bình",
                    datetime.datetime(2013, 3, 1),
                    "Nữ",
                    "Tày",
                    "Đang học",
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    "7A2",
                    7,
                ],
                [
                    3,
                    "7900000003",
                    "Lê Văn Cường",
                    "01/01/2014",
                    "Nam",
                    "Kinh",
                    "Đang học",
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    "7A1",
                    "Khối 6",
                ],
            ],  # fmt: skip
            "DM_DanToc": [["Mã", "Tên"], ["01", "Kinh"], ["02", "Tày"]],
        }
    )


def test_a_province_list_without_class_code_is_read_with_its_grade():
    read = read_student_list(province_list(), expected_year="2025-2026")
    assert [(r["MaLop"], r["NgaySinh"], r["MaDanToc"]) for r in read.records] == [
        ("6A1", "2014-09-05", "01"),  # «A1» in Khối 6; the birth date an Excel serial
        ("7A2", "2013-03-01", "02"),
    ]
    [wrong_grade] = read.rejected_rows
    assert (wrong_grade.row, wrong_grade.cell, wrong_grade.column) == (6, "P6", "Lớp học")
    assert "không thuộc khối 6" in wrong_grade.message
    assert detect_kind(province_list()) == "csdl-hocsinh"


def test_an_old_cmnd_is_flagged_and_not_kept():
    # personal data that nothing compares is not held (Luật Bảo vệ dữ liệu cá nhân): said, not stored
    read = read_student_list(province_list())
    first = read.records[0]
    assert first["SoDinhDanhCaNhan"] is None and "023456789" not in str(read.records)
    [flag] = [p for p in read.problems if not p.fatal]
    assert (flag.cell, flag.column) == ("L4", "Số CMND") and "CMND cũ (9 số)" in flag.message
    assert "không lưu" in flag.message


def test_every_column_not_read_is_listed_and_no_address_is_kept():
    read = read_student_list(province_list())
    listed = unused(read)
    places = [("SĐT liên hệ", "H3"), ("Nơi sinh chi tiết", "I3"), ("Tổ/thôn Hộ khẩu thường trú", "J3"),
              ("Chỗ ở hiện nay", "K3"), ("Ngày cấp", "M3"), ("Tên cha", "N3"), ("Nghề nghiệp mẹ", "O3")]  # fmt: skip
    for column, cell in places:
        assert listed[column] == (cell, PERSONAL), column
    assert set(listed) == {"SĐT liên hệ", "Nơi sinh chi tiết", "Tổ/thôn Hộ khẩu thường trú", "Chỗ ở hiện nay",
                           "Ngày cấp", "Tên cha", "Nghề nghiệp mẹ"}  # fmt: skip
    kept = {str(v) for r in read.records for v in r.values()}
    assert not kept & {"0909123456", "Bệnh viện Hùng Vương", "Tổ 2 khu 1", "44 tổ 2", "Nguyễn Văn Ba", "Nội trợ"}
    assert read.info["skipped_sheets"] == [
        {
            "sheet": "DM_DanToc",
            "reason": "không có dòng tiêu đề danh sách học sinh trong 12 dòng đầu (trang danh mục hoặc ghi chú)",
        }  # fmt: skip
    ]
    assert read.info["sheets"] == [{"sheet": "DanhSach", "rows": 2, "school_year": "2025-2026"}]


SCHOOL_HEADER = ["STT", "Trường", "Lớp", "Mã định danh Bộ GD&ĐT", "Họ và tên", "Ngày sinh", "Giới tính",
                 "Số CCCD", "Địa chỉ"]  # fmt: skip


def test_school_and_class_columns_and_personal_ids_as_excel_left_them():
    data = xlsx(
        {
            "Sheet1": [
                SCHOOL_HEADER,
                [1, "THCS Bình An", "6A1", "7900000001", "Nguyễn Văn An", "05/09/2014", "Nam", 1214000456, "x"],
                [2, "THCS Bình An", "6A1", "7900000002", "Trần Thị Bình", "06/09/2014", "Nữ", "079214000123", None],
                [3, "THCS Bình An", "6A2", "7900000003", "Lê Văn Cường", "07/09/2014", "Nam", "Chưa có", None],
                [4, "THCS Bình An", "6A2", "7900000004", "Phạm Thị Dung", "08/09/2014", "Nữ", "07921400O789", None],
                [5, "THCS Bình An", "6A2", "7900000005", "Hồ Văn Em", "09/09/2014", "Nam", "07921400078", None],
            ]
        }
    )
    read = read_student_list(data)
    assert [(r["MaLop"], r["SoDinhDanhCaNhan"]) for r in read.records] == [
        ("6A1", "001214000456"),  # a number: its zeros restored, flagged
        ("6A1", "079214000123"),
        ("6A2", None),  # «Chưa có»: no number given, flagged
        ("6A2", None),  # 11 digits typed as text: not guessed, flagged
    ]
    [letters] = read.rejected_rows  # a letter O among the digits: the row is refused, saying why
    assert (letters.row, letters.cell, letters.column, letters.value) == (5, "H5", "Số CCCD", "07921400O789")
    assert "chỉ gồm chữ số" in letters.message
    flags = [(p.row, p.cell) for p in read.problems if not p.fatal and p.cell]  # the sheet's own notes: no cell
    assert flags == [(2, "H2"), (4, "H4"), (6, "H6")]
    assert read.info["school_name"] == "THCS Bình An"
    assert unused(read) == {"Địa chỉ": ("I1", PERSONAL)}


def test_a_list_of_two_schools_is_refused():
    data = xlsx(
        {
            "Sheet1": [
                SCHOOL_HEADER,
                [1, "THCS Bình An", "6A1", "7900000001", "Nguyễn Văn An", "05/09/2014", "Nam", None, None],
                [2, "THCS Suối Ngô", "6A1", "7900000002", "Trần Thị Bình", "06/09/2014", "Nữ", None, None],
            ]
        }
    )
    assert "2 trường («THCS Bình An», «THCS Suối Ngô»)" in refusal(lambda: read_student_list(data))


def test_a_header_that_names_two_columns_refuses_the_file_naming_the_cell():
    header = ["STT", "Mã lớp", "Mã định danh/Số CCCD", "Họ tên", "Ngày sinh", "Giới tính"]
    data = xlsx({"Sheet1": [header, [1, "6A1", "7900000001", "Nguyễn Văn An", "05/09/2014", "Nam"]]})
    message = refusal(lambda: read_student_list(data))
    assert "Trang «Sheet1», ô C1: tiêu đề «Mã định danh/Số CCCD» ứng với cả «Mã định danh Bộ GD&ĐT» và " in message
    assert "«Số định danh cá nhân»" in message


def test_data_under_no_header_is_reported_not_dropped():
    header = ["STT", "Mã lớp", "Mã định danh", "Họ tên", "Ngày sinh", "Giới tính"]
    rows = [header, [1, "6A1", "7900000001", "Nguyễn Văn An", "05/09/2014", "Nam", None, "ghi chú tay"]]
    read = read_student_list(xlsx({"Sheet1": rows}))
    assert unused(read) == {"": ("H1", "cột không có tiêu đề nhưng có dữ liệu (từ ô H2): không đọc")}


def test_one_sheet_per_class_every_sheet_read_and_an_id_on_two_sheets_refuses():
    header = ["STT", "Mã lớp", "Mã định danh Bộ GD&ĐT", "Họ tên", "Ngày sinh", "Giới tính"]
    sheets = {
        "6A1": [["Lớp 6A1"], header, [1, "6A1", "7900000001", "Nguyễn Văn An", "05/09/2014", "Nam"]],
        "Ghi chú": [["Danh sách tải từ CSDL ngày 05/09/2025"]],
        "6A2": [header, [1, "6A2", "7900000002", "Trần Thị Bình", "06/09/2014", "Nữ"]],
        "Trống": [],
    }
    read = read_student_list(xlsx(sheets))
    assert [r["MaLop"] for r in read.records] == ["6A1", "6A2"]
    assert [s["sheet"] for s in read.info["sheets"]] == ["6A1", "6A2"]
    assert [(s["sheet"], s["reason"][:20]) for s in read.info["skipped_sheets"]] == [
        ("Ghi chú", "không có dòng tiêu đ"),
        ("Trống", "trang trống"),
    ]
    sheets["6A2"].append([2, "6A2", "7900000001", "Nguyễn Văn An", "05/09/2014", "Nam"])
    message = refusal(lambda: read_student_list(xlsx(sheets)))
    assert "Mã «7900000001» có ở 2 dòng: trang «6A1» dòng 3 (ô C3); trang «6A2» dòng 3 (ô C3)" in message


def test_a_gradebook_with_class_and_gender_is_not_taken_for_a_student_list():
    header = ["STT", "Mã định danh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "TX1", "TX2", "GK", "CK"]
    data = xlsx({"6A1": [header, [1, "7900000001", "Nguyễn Văn An", "05/09/2014", "Nam", "6A1", 8, 7, 9, 8]]})
    assert detect_kind(data) != "csdl-hocsinh"


def test_the_import_file_still_has_exactly_the_contract_template():
    records = read_student_list(province_list()).records
    written = write_student_list(records)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(written)).active
    assert [c.value for c in sheet[1]] == IMPORT_HEADER
    assert sheet["B2"].value == "6A1" and sheet["L2"].value is None  # no CMND in the personal-ID column


# --- learning results, one sheet per grade and semester ---------------------------------------------

RESULT_HEADER = ["STT", "Mã lớp", "Mã định danh Bộ GD&ĐT", "Họ tên", "Ngày sinh", "Toán", "Ng.Ngữ", "Sử",
                 "KQ học tập", "KQ rèn luyện", "Nghỉ có phép", "Nghỉ không phép"]  # fmt: skip


def results_sheet(year: str, cls: str, ids: list[str], title: str = "") -> list[list]:
    rows = [["KẾT QUẢ HỌC TẬP " + title], [f"Năm học {year}"], RESULT_HEADER]
    for n, code in enumerate(ids, start=1):
        rows.append([n, cls, code, f"Học sinh {n}", "05/09/2014", "8,5", "7", "9", "Tốt", "Tốt", 0, 1])
    return rows


def results_book(**override) -> dict[str, list[list]]:
    sheets = {
        "Hướng dẫn": [["Mỗi trang là một khối và một học kỳ"]],
        "Khoi6_HK1": results_sheet("2025-2026", "6A1", ["7900000001", "7900000002"]),
        "Khoi6_HK2": results_sheet("2025-2026", "6A1", ["7900000001", "7900000002"]),
        "Khoi7_HK1": results_sheet("2025-2026", "7A1", ["7900000011"]),
        "DM_Mon": [["Mã môn", "Tên môn"], ["TOAN", "Toán"]],
    }
    sheets.update(override)
    return sheets


def test_every_results_sheet_is_read_with_its_own_semester_and_the_others_are_reported():
    read = read_results(xlsx(results_book()), expected_year="2025-2026")
    assert [(s["sheet"], s["semester"], s["grade"], s["rows"]) for s in read.info["sheets"]] == [
        ("Khoi6_HK1", "1", "6", 2),
        ("Khoi6_HK2", "2", "6", 2),
        ("Khoi7_HK1", "1", "7", 1),
    ]
    assert sorted((r["MaDinhDanh"], r["HocKy"]) for r in read.records) == [
        ("7900000001", "1"), ("7900000001", "2"), ("7900000002", "1"), ("7900000002", "2"), ("7900000011", "1"),
    ]  # fmt: skip
    assert {m["MaMon"] for m in read.records[0]["Mon"]} == {"TOAN", "NN1"}
    assert [s["sheet"] for s in read.info["skipped_sheets"]] == ["Hướng dẫn", "DM_Mon"]
    assert read.info["school_year"] == "2025-2026" and read.info["classes"] == {"6A1", "7A1"}
    su = [u for u in read.info["unused_columns"] if u["column"] == "Sử"]
    assert [u["sheet"] for u in su] == ["Khoi6_HK1", "Khoi6_HK2", "Khoi7_HK1"]
    assert su[0]["cell"] == "H3" and su[0]["reason"] == catalogs.header_reason("phan_mon:SU")
    names = [u for u in read.info["unused_columns"] if u["column"] == "Họ tên"]
    assert len(names) == 3 and "danh sách học sinh" in names[0]["reason"]


def test_sheets_of_another_semester_than_asked_are_skipped_with_the_reason():
    read = read_results(xlsx(results_book()), semester="2")
    assert [s["sheet"] for s in read.info["sheets"]] == ["Khoi6_HK2"]
    assert {s["sheet"]: s["reason"] for s in read.info["skipped_sheets"]}["Khoi7_HK1"] == (
        "kết quả học kỳ I, không phải học kỳ II như đã chọn"
    )
    only_first = results_book()
    del only_first["Khoi6_HK2"]
    assert "Tệp là kết quả học kỳ I, không phải học kỳ II" in refusal(
        lambda: read_results(xlsx(only_first), semester="2")
    )


def test_a_sheet_of_another_year_among_good_ones_refuses_the_whole_file_naming_it():
    sheets = results_book(Khoi8_HK1=results_sheet("2024-2025", "8A1", ["7900000021"]))
    message = refusal(lambda: read_results(xlsx(sheets), expected_year="2025-2026"))
    assert message.startswith(
        "Trang «Khoi8_HK1»: tệp là kết quả học tập năm học 2024-2025, không phải năm học 2025-2026"
    )
    mixed = refusal(lambda: read_results(xlsx(sheets)))
    assert "trang «Khoi8_HK1»: năm học 2024-2025" in mixed and "Không nhập tệp này" in mixed


def test_one_student_twice_in_a_semester_refuses_the_file_but_once_per_semester_is_fine():
    sheets = results_book(Khoi7_HK1=results_sheet("2025-2026", "7A1", ["7900000011", "7900000001"]))
    message = refusal(lambda: read_results(xlsx(sheets)))
    assert "Mã «7900000001» có ở 2 dòng của cùng một học kỳ: trang «Khoi6_HK1» dòng 4 (ô C4); " in message
    assert "trang «Khoi7_HK1» dòng 5 (ô C5)" in message


def test_a_sheet_name_and_title_that_disagree_on_the_semester_refuse_the_file():
    sheets = results_book(Khoi7_HK1=results_sheet("2025-2026", "7A1", ["7900000011"], title="HỌC KỲ II"))
    assert "Trang «Khoi7_HK1»: tên trang ghi học kỳ I nhưng dòng tiêu đề ghi học kỳ II" in refusal(
        lambda: read_results(xlsx(sheets))
    )


def test_a_results_sheet_without_any_semester_asks_for_one_naming_the_sheet():
    data = xlsx({"Khoi6": results_sheet("2025-2026", "6A1", ["7900000001"])})
    assert "Trang «Khoi6»" in refusal(lambda: read_results(data)) and "--semester" in refusal(
        lambda: read_results(data)
    )
    assert read_results(data, semester="1").records[0]["HocKy"] == "1"


def test_a_results_workbook_of_a_province_without_class_code_is_recognised():
    header = ["STT", "Lớp", "Mã định danh Bộ Giáo dục và Đào tạo", "Họ và tên", "Toán", "KQ học tập", "KQ rèn luyện"]
    data = xlsx({"K6_HKI": [header, [1, "6A1", "7900000001", "Nguyễn Văn An", 8.5, "Tốt", "Tốt"]]})
    assert detect_kind(data) == "csdl-ketqua"
    read = read_results(data)
    assert read.records[0]["HocKy"] == "1" and read.info["classes"] == {"6A1"}
