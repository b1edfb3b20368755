"""Excel exports of the CSDL ngành simulator, in the ministry's layout, quirks included.

Title rows above the header, header cells with line breaks and some in NFD, a dozen
catalog sheets to skip, two template versions with different column orders (the older one
says ``Mã học sinh``), dates as serials in one and text in the other, address columns that
a reader must drop, and some personal IDs stored as numbers (their leading zero lost).
"""

from __future__ import annotations

import io
import unicodedata
from datetime import date

from openpyxl import Workbook

from lienthong.simulators.catalog import (
    ETHNICITIES,
    GENDERS,
    LEVEL_WORDS,
    PROMOTION_WORDS,
    STATUSES,
    SUBJECTS,
    TITLE_WORDS,
)

GENDER_WORDS = GENDERS
CATALOG_SHEETS = [
    "DM_DanToc",
    "DM_TrangThai",
    "DM_GioiTinh",
    "DM_KhuyetTat",
    "DM_Tinh",
    "DM_Xa",
    "DM_TonGiao",
    "DM_QuocTich",
    "DM_DoiTuongCS",
    "DM_KhuVuc",
    "DM_LoaiHinh",
    "HuongDan",
]

# Column orders of the two template versions (v2 is current). Line breaks are the ministry's.
STUDENT_COLUMNS = {
    1: [
        "STT",
        "Mã lớp",
        "Mã học sinh",
        "Họ tên",
        "Ngày sinh",
        "Giới tính",
        "Dân tộc",
        "Mã dân tộc",
        "Trạng thái HS",
        "Số định danh\ncá nhân",
        "Tỉnh HSĐ",
        "Phường/Xã HSĐ",
    ],
    2: [
        "STT",
        "Mã lớp",
        "Mã định danh\nBộ GD&ĐT",
        "Họ tên",
        "Ngày sinh",
        "Giới tính",
        "Mã dân tộc",
        "Dân tộc",
        "Trạng thái HS",
        "Ngày nhập\ntrạng thái",
        "Loại khuyết tật",
        "Số định danh cá nhân",
        "Mã tỉnh HSĐ",
        "Tỉnh HSĐ",
        "Phường/Xã HSĐ",
    ],
}


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _catalogs(workbook: Workbook) -> None:
    for name in CATALOG_SHEETS:
        sheet = workbook.create_sheet(name)
        sheet.append(["Mã", "Tên"])
        if name == "DM_DanToc":
            for code, ethnic in ETHNICITIES.items():
                sheet.append([code, ethnic])


def _titles(sheet, school_name: str, title: str, year: str, extra: str = "") -> None:
    sheet.append(["BỘ GIÁO DỤC VÀ ĐÀO TẠO"])
    sheet.append([school_name])
    sheet.append([title])
    sheet.append([f"Năm học: {year}" + (f" - {extra}" if extra else "")])
    sheet.append([])


def student_list_workbook(state, ma_lop: str | None = None, version: int = 2) -> bytes:
    """``DanhSachHocSinh`` as the CSDL exports it (template ``version`` 1 or 2)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    _titles(sheet, state.school.name, "DANH SÁCH HỌC SINH", state.nam_hoc, f"Lớp {ma_lop}" if ma_lop else "")
    columns = STUDENT_COLUMNS[version]
    # Some exports come out of macOS tools: the header text in NFD.
    sheet.append([unicodedata.normalize("NFD", c) if i % 3 == 0 else c for i, c in enumerate(columns)])
    ethnic, statuses = ETHNICITIES, STATUSES
    rows = [s for _, s in sorted(state.students.items()) if not ma_lop or s["MaLop"] == ma_lop]
    for number, s in enumerate(rows, start=1):
        born = date.fromisoformat(s["NgaySinh"])
        personal = s.get("SoDinhDanhCaNhan")
        if personal and s["MaDinhDanh"] in state.numeric_ids:
            personal = int(personal)  # typed as a number: the leading zero is gone
        values = {
            "STT": number,
            "Mã lớp": s["MaLop"],
            "Mã học sinh": s["MaDinhDanh"],
            "Mã định danh\nBộ GD&ĐT": s["MaDinhDanh"],
            "Họ tên": unicodedata.normalize("NFD", s["HoTen"]) if number % 5 == 0 else s["HoTen"],
            "Ngày sinh": born if version == 1 else born.strftime("%d/%m/%Y"),
            "Giới tính": GENDER_WORDS[s["GioiTinh"]],
            "Dân tộc": ethnic[s["MaDanToc"]],
            "Mã dân tộc": s["MaDanToc"],
            "Trạng thái HS": statuses[s["TrangThai"]],
            "Ngày nhập\ntrạng thái": "05/09/" + state.nam_hoc[:4],
            "Loại khuyết tật": "",
            "Số định danh\ncá nhân": personal,
            "Số định danh cá nhân": personal,
            "Mã tỉnh HSĐ": "79",
            "Tỉnh HSĐ": "Thành phố Hồ Chí Minh",
            "Phường/Xã HSĐ": "Phường Bình An",
        }
        sheet.append([values[c] for c in columns])
    _catalogs(workbook)
    return _save(workbook)


def results_workbook(state, grade: int, semester: str) -> bytes:
    """``KetQuaHocTap`` for one grade and semester (``1``, ``2`` or ``CN``)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    label = {"1": "Học kỳ I", "2": "Học kỳ II", "CN": "Cả năm"}[semester]
    _titles(sheet, state.school.name, f"KẾT QUẢ HỌC TẬP KHỐI {grade}", state.nam_hoc, label)
    subjects = list(SUBJECTS.values())
    header = [
        "STT",
        "Mã lớp",
        "Mã định danh\nBộ GD&ĐT",
        "Họ tên",
        "Ngày sinh",
        *(s.name for s in subjects),
        "KQ học tập",
        "KQ rèn luyện",
        "Nghỉ có phép",
        "Nghỉ không phép",
    ]
    if semester == "CN":
        header += ["Danh hiệu", "Lên lớp"]
    sheet.append(header)
    number = 0
    for (mid, hk), result in sorted(state.results.items()):
        student = state.students.get(mid)
        if hk != semester or student is None or not student["MaLop"].startswith(str(grade)):
            continue
        number += 1
        values = {
            m["MaMon"]: (m.get("DiemTB") or "").replace(".", ",") or m.get("KetQuaDanhGia") or "" for m in result["Mon"]
        }
        row = [
            number,
            student["MaLop"],
            mid,
            student["HoTen"],
            date.fromisoformat(student["NgaySinh"]).strftime("%d/%m/%Y"),
            *(values.get(s.code, "") for s in subjects),
            LEVEL_WORDS.get(result.get("KetQuaHocTap") or "", ""),
            LEVEL_WORDS.get(result.get("KetQuaRenLuyen") or "", ""),
            result["SoBuoiNghiCoPhep"],
            result["SoBuoiNghiKhongPhep"],
        ]
        if semester == "CN":
            row += [
                TITLE_WORDS.get(result.get("DanhHieu") or "", ""),
                PROMOTION_WORDS.get(result.get("LenLop") or "", ""),
            ]
        sheet.append(row)
    _catalogs(workbook)
    return _save(workbook)
