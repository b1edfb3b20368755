"""The header vocabulary (mapping/catalogs/headers.csv) as a table of the variants schools write.

Each row: the header text as it stands in a file, the canonical column it must be read as, and
where that spelling was seen. Files are built by hand here (openpyxl), never by the simulators.
"""

from __future__ import annotations

import io
import unicodedata

import pytest
from openpyxl import Workbook

from lienthong.connectors.csdl.excel import RESULT_COLUMNS, STUDENT_COLUMNS, read_student_list
from lienthong.connectors.excel import find_header, open_workbook, rows_of
from lienthong.mapping import catalogs
from lienthong.mapping.headers import header_key, match_header, vocabulary

NFD = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731 (macOS tools write headers so)
WANTED = {**STUDENT_COLUMNS, **RESULT_COLUMNS}

# header text, canonical column, where it was seen
VARIANTS = [
    ("Mã định danh Bộ GD&ĐT", "ma_dinh_danh", "contracts/csdl.md"),
    ("Mã định danh\nBộ GD&ĐT", "ma_dinh_danh", "contracts/csdl.md (line break in the cell)"),
    ("Mã định danh Bộ GDĐT", "ma_dinh_danh", "public staff-list importer"),
    ("Mã định danh Bộ Giáo dục và Đào tạo", "ma_dinh_danh", "domain.md; anhtuan-hash/catrich2798"),
    (NFD("Mã định danh Bộ Giáo dục và Đào tạo"), "ma_dinh_danh", "domain.md (NFD from macOS)"),
    ("Ma dinh danh Bo GD&DT", "ma_dinh_danh", "domain.md (typed without tone marks)"),
    ("Mã định danh", "ma_dinh_danh", "domain.md (teachers' books)"),
    ("Mã định danh Bộ GD&ĐT của học sinh", "ma_dinh_danh", "annotated: leading words"),
    ("Mã ÐỊNH DANH BỘ GD&ÐT", "ma_dinh_danh", "domain.md: Ð (U+00D0) typed for Đ"),
    ("Mã định danh cá nhân", "so_dinh_danh", "public CSDL list validator (not the ministry ID)"),
    ("Mã định danh 12 số", "so_dinh_danh", "public CSDL list validator"),
    ("Số định danh cá nhân", "so_dinh_danh", "contracts/csdl.md"),
    ("Số định danh\ncá nhân", "so_dinh_danh", "contracts/csdl.md (line break)"),
    ("Số CCCD", "so_dinh_danh", "domain.md"),
    ("Số CMND", "so_dinh_danh", "domain.md; anhtuan-hash/catrich2798"),
    ("Số CMND/CCCD", "so_dinh_danh", "public forms"),
    ("CCCD", "so_dinh_danh", "public CSDL list validator"),
    ("Họ tên", "ho_ten", "contracts/csdl.md"),
    ("Họ và tên", "ho_ten", "contracts/vnedu.md"),
    ("Họ và tên học sinh", "ho_ten", "issue 15"),
    ("HỌ VÀ TÊN", "ho_ten", "capitals"),
    ("Ho va ten", "ho_ten", "hoanghungict/System-Management"),
    ("Ngày sinh", "ngay_sinh", "contracts/csdl.md"),
    ("Ngày sinh (dd/mm/yyyy)", "ngay_sinh", "domain.md (note in parentheses)"),
    ("Ngày sinh\n(dd/mm/yyyy)", "ngay_sinh", "domain.md (note on a second line)"),
    ("Ngày tháng năm sinh", "ngay_sinh", "public importers"),
    ("Ngày, tháng, năm sinh", "ngay_sinh", "NguyenVanDuc1997/hoso-hocsinh (a THCS's lists, 2019)"),
    ("Ngày tháng năm sinh\n(ngày-tháng -năm)", "ngay_sinh", "NguyenVanDuc1997/hoso-hocsinh (note on a second line)"),
    (NFD("Giới tính"), "gioi_tinh", "contracts/csdl.md (NFD)"),
    ("Giới tính (*)", "gioi_tinh", "required-field mark"),
    ("Mã lớp", "ma_lop", "contracts/csdl.md"),
    ("Lớp học", "lop", "domain.md; anhtuan-hash/catrich2798"),
    ("Lớp", "lop", "domain.md"),
    ("Khối học", "khoi", "domain.md; anhtuan-hash/catrich2798"),
    ("Khối", "khoi", "issue 15"),
    ("Trường", "truong", "domain.md"),
    ("Trạng thái HS", "trang_thai", "contracts/csdl.md"),
    ("KQ học tập", "kq_hoc_tap", "contracts/csdl.md"),
    ("Kết quả rèn luyện", "kq_ren_luyen", "vnEdu summary"),
    ("Số buổi nghỉ có phép", "nghi_co_phep", "contracts/csdl.md (SoBuoiNghiCoPhep)"),
    # subjects (assessment/subjects.csv): vnEdu's abbreviations beside the full names
    ("Ngữ văn", "mon:VAN", "contracts/csdl.md"),
    ("Ng.Ngữ", "mon:NN1", "domain.md (vnEdu summary)"),
    ("Ng.ngữ", "mon:NN1", "issue 15"),
    ("Ng. Ngữ", "mon:NN1", "space after the dot"),
    ("Tiếng Anh", "mon:NN1", "contracts/csdl.md"),
    ("C.Nghệ", "mon:CN", "domain.md"),
    ("C.nghệ", "mon:CN", "issue 15"),
    ("LS&ĐL", "mon:LSDL", "domain.md"),
    ("Lịch sử & Địa lý", "mon:LSDL", "«&» for «và», «lý» for «lí»"),
    ("NDGDCĐP", "mon:GDDP", "domain.md"),
    ("HĐTN&HN", "mon:HDTN", "domain.md"),
    ("Tin", "mon:TIN", "domain.md"),
    ("GDTC", "mon:GDTC", "domain.md"),
    # never read: personal data, components and old-program subjects
    ("Họ tên cha", "phu_huynh", "public CSDL lookup bot (not the student's name)"),
    ("Họ và tên mẹ", "phu_huynh", "guard against «Họ và tên» leading words"),
    ("Ngày sinh cha", "phu_huynh", "guard against «Ngày sinh» leading words"),
    (
        "Họ tên chủ hộ trong sổ hộ khẩu của học sinh (nếu thuộc diện hộ nghèo đa chiều theo tiêu chí thu nhập)",
        "phu_huynh",
        "NguyenVanDuc1997/hoso-hocsinh: the head of household, read as the student's name by «Họ tên» before",
    ),
    ("Họ tên cha (mẹ) \nhoặc người giám hộ", "phu_huynh", "NguyenVanDuc1997/hoso-hocsinh"),
    ("Tổ/thôn Hộ khẩu thường trú", "dia_chi", "anhtuan-hash/catrich2798 (HCMC export)"),
    ("Nơi thường trú Xã (cũ)", "dia_chi", "anhtuan-hash/catrich2798"),
    ("Địa chỉ liên hệ", "dia_chi", "leading words of «Địa chỉ»"),
    ("Phường/Xã HSĐ", "dia_chi", "contracts/csdl.md"),
    ("SĐT liên hệ", "dien_thoai", "anhtuan-hash/catrich2798"),
    ("Lí", "phan_mon:LI", "domain.md (vnEdu summary)"),
    ("Lý", "phan_mon:LI", "«lý» for «lí»"),
    ("Hóa", "phan_mon:HOA", "domain.md"),
    ("Hoá", "phan_mon:HOA", "old tone placement"),
    ("Sinh", "phan_mon:SINH", "brief (old program)"),
    ("Sử", "phan_mon:SU", "domain.md"),
    ("Địa", "phan_mon:DIA", "domain.md"),
    ("Âm nhạc", "phan_mon:AN", "component of Nghệ thuật"),
]


@pytest.mark.parametrize(("text", "column", "source"), VARIANTS, ids=[v[0].replace("\n", "⏎") for v in VARIANTS])
def test_each_header_variant_is_read_as_its_column(text, column, source):
    names, _ = vocabulary(WANTED).classify(text)
    assert names == (column,), source


@pytest.mark.parametrize(
    "text",
    ["Ngoại ngữ 2", "Ghi chú riêng", "Số", "Lớp trưởng", "Địa điểm", "Sinh hoạt", "(HS 1)"],
)
def test_words_that_only_begin_like_a_column_are_not_that_column(text):
    names, _ = vocabulary(WANTED).classify(text)
    assert not (set(names) & set(WANTED)), names


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        ("Mã định danh/Số CCCD", ("ma_dinh_danh", "so_dinh_danh")),
        ("CCCD hoặc Mã định danh Bộ GD&ĐT", ("ma_dinh_danh", "so_dinh_danh")),
        ("Họ tên/Ngày sinh", ("ho_ten", "ngay_sinh")),
    ],
)
def test_a_header_naming_two_columns_is_ambiguous(text, columns):
    assert vocabulary(WANTED).classify(text)[0] == columns


def test_the_catalog_gives_one_column_per_header_and_says_where_each_came_from():
    words = catalogs.header_words()
    assert len(words) > 100
    by_key: dict[str, set[str]] = {}
    for word in words:
        by_key.setdefault(header_key(word.header), set()).add(word.column)
        assert word.source.strip() and word.use in catalogs.HEADER_USES
    assert {k: v for k, v in by_key.items() if len(v) > 1} == {}
    assert catalogs.header_reason("dia_chi") == "không đọc: dữ liệu cá nhân không cần cho đối chiếu"
    assert "phân môn" in catalogs.header_reason("phan_mon:SU") and catalogs.header_reason("ho_ten") is None


def test_the_subject_catalog_and_the_header_catalog_do_not_claim_the_same_words():
    subject_keys = {header_key(t) for s in catalogs.subjects().values() for t in (s.name, *s.aliases)}
    header_keys = {header_key(w.header) for w in catalogs.header_words()}
    assert subject_keys & header_keys == set()


def book(*rows: list) -> list[tuple]:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return rows_of(open_workbook(buffer.getvalue(), "test").worksheets[0])


def test_find_header_keeps_its_signature_and_uses_the_vocabulary():
    rows = book(
        ["DANH SÁCH HỌC SINH"],
        ["STT", "Lớp học", "Mã định danh Bộ Giáo dục và Đào tạo", "Họ và tên học sinh", "Ngày sinh\n(dd/mm/yyyy)"],
    )
    wanted = {"ma_dinh_danh": ["Mã định danh Bộ GD&ĐT"], "ho_ten": ["Họ tên"], "ngay_sinh": ["Ngày sinh"]}
    assert find_header(rows, wanted, ["ma_dinh_danh", "ho_ten"]) == (
        1,
        {"ma_dinh_danh": 2, "ho_ten": 3, "ngay_sinh": 4},
    )
    assert find_header(rows, wanted, ["ma_dinh_danh", "ho_ten"], within=1) is None
    assert find_header(rows, {**wanted, "lop": []}, [("ma_lop", "lop"), "ho_ten"])[1]["lop"] == 1


def test_an_exact_header_wins_over_one_matched_by_its_leading_words():
    rows = book(["Họ tên học sinh lớp trước", "Họ tên", "Ngày sinh"])
    assert find_header(rows, {"ho_ten": ["Họ tên"]}, ["ho_ten"]) == (0, {"ho_ten": 1})


def test_every_cell_of_the_header_row_is_accounted_for():
    rows = book(
        ["STT", "Mã định danh", "Họ tên", "Họ tên cha", "Sử", "Ghi chú", "Cột lạ", "Họ và tên", "Địa chỉ/SĐT",
         "Lớp/Ghi chú"]
    )  # fmt: skip
    match = match_header(rows, {"stt": ["STT"], "ma_dinh_danh": [], "ho_ten": []}, ["ho_ten"])
    reasons = {cell.text: reason for cell, reason in match.unused()}
    assert reasons == {
        "Họ tên cha": "không đọc: dữ liệu cá nhân không cần cho đối chiếu",
        "Sử": catalogs.header_reason("phan_mon:SU"),
        "Ghi chú": "không cần cho đối chiếu",
        "Cột lạ": "không nhận ra tên cột nên không đọc",
        "Họ và tên": "trùng nghĩa với cột «Họ tên» (cột C) đã đọc",
        "Địa chỉ/SĐT": "không đọc: dữ liệu cá nhân không cần cho đối chiếu",
        "Lớp/Ghi chú": "tên cột ứng với cả «Ghi chú» và «Lớp» nên không biết cột chứa gì",
    }


def test_the_vocabulary_reads_a_province_list_end_to_end():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["STT", NFD("Lớp học"), "Mã định danh Bộ GD&ÐT", "HỌ VÀ TÊN", "Ngày sinh (dd/mm/yyyy)", "Phái"])
    sheet.append([1, "6A1", "7900000001", "Nguyễn Văn An", "05/09/2014", "Nam"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    read = read_student_list(buffer.getvalue())
    assert [(r["MaDinhDanh"], r["MaLop"], r["GioiTinh"]) for r in read.records] == [("7900000001", "6A1", "1")]
