"""CSDL ngành Excel templates: read the ministry's exports, write import files.

Headers are found by folded text anywhere in the first 12 rows of any sheet (catalog sheets
are skipped because they lack the columns); columns may come in any order and with line
breaks or NFD; dates as text or serials; IDs that Excel turned into numbers get their
zeros back and are flagged. Address columns are never read (data minimisation). A file of
the wrong kind, year or class is refused with a message saying what it looks like.
"""

from __future__ import annotations

import io
import re
from typing import Any

from openpyxl import Workbook

from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.excel import (
    ExcelRead,
    FileKind,
    Table,
    duplicate_faults,
    find_header,
    open_workbook,
    refuse_file,
    rows_of,
    title_text,
)
from lienthong.mapping import catalogs
from lienthong.mapping import csdl as csdl_mapping
from lienthong.mapping.errors import MappingError
from lienthong.mapping.normalize import (
    clean_name,
    fold,
    parse_date,
    parse_level,
    parse_mark,
    parse_promotion,
    parse_score,
    parse_title,
    restore_digits,
    safe_text,
)

PLATFORM = "csdl"
STUDENT_COLUMNS = {
    "stt": ["STT"],
    "ma_lop": ["Mã lớp"],
    "ma_dinh_danh": ["Mã định danh Bộ GD&ĐT", "Mã định danh", "Mã học sinh"],
    "ho_ten": ["Họ tên", "Họ và tên"],
    "ngay_sinh": ["Ngày sinh"],
    "gioi_tinh": ["Giới tính"],
    "ma_dan_toc": ["Mã dân tộc"],
    "dan_toc": ["Dân tộc"],
    "trang_thai": ["Trạng thái HS", "Trạng thái"],
    "so_dinh_danh": ["Số định danh cá nhân", "Số định danh"],
}
STUDENT_REQUIRED = ("ma_lop", "ma_dinh_danh", "ho_ten", "ngay_sinh", "gioi_tinh")
RESULT_COLUMNS = {
    "stt": ["STT"],
    "ma_lop": ["Mã lớp"],
    "ma_dinh_danh": ["Mã định danh Bộ GD&ĐT", "Mã định danh", "Mã học sinh"],
    "ho_ten": ["Họ tên", "Họ và tên"],
    "ngay_sinh": ["Ngày sinh"],
    "kq_hoc_tap": ["KQ học tập"],
    "kq_ren_luyen": ["KQ rèn luyện"],
    "nghi_co_phep": ["Nghỉ có phép"],
    "nghi_khong_phep": ["Nghỉ không phép"],
    "danh_hieu": ["Danh hiệu"],
    "len_lop": ["Lên lớp"],
    **{f"mon:{s.code}": [s.name, *s.aliases] for s in catalogs.subjects().values()},
}
RESULT_REQUIRED = ("ma_dinh_danh", "kq_hoc_tap", "kq_ren_luyen")
# The current template, in order (contracts/csdl.md), without the address columns we never keep.
IMPORT_HEADER = [
    "STT",
    "Mã lớp",
    "Mã định danh Bộ GD&ĐT",
    "Họ tên",
    "Ngày sinh",
    "Giới tính",
    "Mã dân tộc",
    "Dân tộc",
    "Trạng thái HS",
    "Ngày nhập trạng thái",
    "Loại khuyết tật",
    "Số định danh cá nhân",
]
_YEAR = re.compile(r"nam hoc:?\s*(\d{4})\s*-\s*(\d{4})")


def _locate(data: bytes, columns: dict, required: tuple, kind: str) -> Table:
    book = open_workbook(data, PLATFORM)
    for sheet in book.worksheets:
        rows = rows_of(sheet)
        found = find_header(rows, columns, required)
        if found:
            return Table(sheet.title, rows, *found, columns)
    other = {
        "danh sách học sinh": (STUDENT_COLUMNS, STUDENT_REQUIRED),
        "kết quả học tập": (RESULT_COLUMNS, RESULT_REQUIRED),
    }
    for name, (cols, req) in other.items():
        if name != kind and any(find_header(rows_of(s, 12), cols, req) for s in book.worksheets):
            raise FileFormatError(PLATFORM, f"Tệp có vẻ là {name}, không phải {kind} như đã chọn.")
    names = ", ".join(columns[c][0] for c in required)
    raise FileFormatError(PLATFORM, f"Không tìm thấy dòng tiêu đề của {kind} trong 12 dòng đầu (cần các cột: {names}).")


def _check_year(rows: list[tuple], header_row: int, expected_year: str | None, kind: str) -> str | None:
    match = _YEAR.search(title_text(rows, header_row))
    found = f"{match[1]}-{match[2]}" if match else None
    if expected_year and found and found != expected_year:
        raise FileFormatError(
            PLATFORM, f"Tệp là {kind} năm học {found}, không phải năm học {expected_year} như đã chọn."
        )
    return found


def _cell(row: tuple, columns: dict[str, int], name: str) -> Any:
    index = columns.get(name)
    value = row[index] if index is not None and index < len(row) else None
    return value.strip() if isinstance(value, str) else value


def _id(value: Any, width: int, table: Table, number: int, name: str, problems: list) -> str | None:
    if value in (None, ""):
        return None
    text, restored = restore_digits(value, width, field=name)
    if restored:
        problems.append(
            table.problem(
                number,
                name,
                f"Mã được lưu dạng số nên mất số 0 đầu; đã khôi phục thành {text}, hãy định dạng cột là Văn bản (Text)",
                fatal=False,
            )
        )
    return text


def read_student_list(data: bytes, expected_year: str | None = None, expected_class: str | None = None) -> ExcelRead:
    """Students of a ``DanhSachHocSinh`` export as CSDL records (SOAP field names).

    A ministry ID on two rows refuses the whole file: stored by that ID, one row would silently
    replace the other."""
    table = _locate(data, STUDENT_COLUMNS, STUDENT_REQUIRED, "danh sách học sinh")
    rows, header_row, columns = table.rows, table.header, table.columns
    result = ExcelRead(
        info={
            "school_year": _check_year(rows, header_row, expected_year, "danh sách học sinh"),
            "old_template": "ma hoc sinh" in [fold(str(v)) for v in rows[header_row] if v],
        }
    )
    classes = set()
    ids: dict[str, list[tuple[int, str]]] = {}
    for offset, row in enumerate(rows[header_row + 1 :], start=header_row + 2):
        if _cell(row, columns, "ho_ten") in (None, ""):
            if _holds_any(row, columns, ("ma_dinh_danh", "ngay_sinh", "so_dinh_danh")):
                result.problems.append(table.problem(offset, "ho_ten", "Thiếu họ tên nên không nhập được dòng này"))
            continue  # blank or note rows below the table
        try:
            record = _student(row, table, offset, result.problems)
        except MappingError as exc:
            result.problems.append(table.problem(offset, exc.field or "", exc.reason))
            continue
        _seen(ids, record["MaDinhDanh"], table, offset)
        classes.add(record["MaLop"])
        result.records.append(record)
    if expected_class and classes - {expected_class}:
        found = ", ".join(sorted(classes))
        raise FileFormatError(PLATFORM, f"Tệp có học sinh của lớp {found}, không chỉ lớp {expected_class} như đã chọn.")
    refuse_file(PLATFORM, duplicate_faults(table.sheet, table.heading("ma_dinh_danh"), ids))
    return result


def _holds_any(row: tuple, columns: dict[str, int], names: tuple[str, ...]) -> bool:
    """Whether a row without its key still holds a student's data (not a blank or note line)."""
    return any(_cell(row, columns, name) not in (None, "") for name in names)


def _seen(ids: dict[str, list[tuple[int, str]]], key: str | None, table: Table, number: int) -> None:
    if key:
        ids.setdefault(key, []).append((number, table.address(number, "ma_dinh_danh")))


def _student(row: tuple, table: Table, number: int, problems: list) -> dict[str, Any]:
    columns = table.columns
    gender = _cell(row, columns, "gioi_tinh")
    ethnic = _cell(row, columns, "ma_dan_toc") or _cell(row, columns, "dan_toc")
    status = _cell(row, columns, "trang_thai")
    return {
        "MaDinhDanh": _id(_cell(row, columns, "ma_dinh_danh"), 10, table, number, "ma_dinh_danh", problems),
        "SoDinhDanhCaNhan": _id(_cell(row, columns, "so_dinh_danh"), 12, table, number, "so_dinh_danh", problems),
        "HoTen": clean_name(_cell(row, columns, "ho_ten"), field="ho_ten"),
        "NgaySinh": parse_date(_cell(row, columns, "ngay_sinh"), field="ngay_sinh").isoformat(),
        "GioiTinh": catalogs.gender(gender, field="gioi_tinh").code if gender else None,
        "MaDanToc": catalogs.ethnicity(ethnic, field="ma_dan_toc").code if ethnic else "01",
        "MaLop": str(_cell(row, columns, "ma_lop") or "").strip(),
        "TrangThai": catalogs.status(status, field="trang_thai").code if status else "1",
    }


def read_results(data: bytes, expected_year: str | None = None, semester: str | None = None) -> ExcelRead:
    """A ``KetQuaHocTap`` export as CSDL results (``KetQuaHocSinh`` field names); a ministry ID on
    two rows refuses the whole file."""
    table = _locate(data, RESULT_COLUMNS, RESULT_REQUIRED, "kết quả học tập")
    rows, header_row, columns = table.rows, table.header, table.columns
    titles = title_text(rows, header_row)
    result = ExcelRead(info={"school_year": _check_year(rows, header_row, expected_year, "kết quả học tập")})
    found_semester = (
        "CN" if "ca nam" in titles else "2" if "hoc ky ii" in titles else "1" if "hoc ky i" in titles else None
    )
    if found_semester is None and ("danh_hieu" in columns or "len_lop" in columns):
        found_semester = "CN"  # only the year's results have a title and a promotion
    if semester and found_semester and found_semester != semester:
        raise FileFormatError(
            PLATFORM,
            f"Tệp là kết quả {_semester_words(found_semester)}, không phải {_semester_words(semester)} như đã chọn.",
        )
    if not (found_semester or semester):
        raise FileFormatError(
            PLATFORM, "Tệp kết quả học tập không ghi học kỳ (không có dòng tiêu đề): hãy chọn --semester 1 hoặc 2."
        )
    ids: dict[str, list[tuple[int, str]]] = {}
    for number, row in enumerate(rows[header_row + 1 :], start=header_row + 2):
        if _cell(row, columns, "ma_dinh_danh") in (None, ""):
            if _holds_any(row, columns, tuple(c for c in columns if c not in ("stt", "ma_dinh_danh", "ma_lop"))):
                result.problems.append(
                    table.problem(number, "ma_dinh_danh", "Thiếu mã định danh nên không nhập được dòng này")
                )
            continue  # blank or note rows below the table
        try:
            record = _result(row, table, number, found_semester or semester, result.problems)
        except MappingError as exc:
            result.problems.append(table.problem(number, exc.field or "", exc.reason))
            continue
        _seen(ids, record["MaDinhDanh"], table, number)
        result.records.append(record)
        result.info.setdefault("classes", set()).add(str(_cell(row, columns, "ma_lop") or "").strip())
    refuse_file(PLATFORM, duplicate_faults(table.sheet, table.heading("ma_dinh_danh"), ids))
    return result


def _semester_words(code: str) -> str:
    return {"1": "học kỳ I", "2": "học kỳ II", "CN": "cả năm"}[code]


def _result(row: tuple, table: Table, number: int, semester: str, problems: list) -> dict[str, Any]:
    columns = table.columns
    subjects = []
    for name in columns:
        if not name.startswith("mon:"):
            continue
        code, value = name[4:], _cell(row, columns, name)
        if value in (None, ""):
            continue
        if catalogs.subject(code).by_comment:
            subjects.append({"MaMon": code, "KetQuaDanhGia": parse_mark(value, field=name)})
        else:
            subjects.append({"MaMon": code, "DiemTB": str(parse_score(value, field=name))})
    title = _cell(row, columns, "danh_hieu")
    promotion = _cell(row, columns, "len_lop")
    return {
        "MaDinhDanh": _id(_cell(row, columns, "ma_dinh_danh"), 10, table, number, "ma_dinh_danh", problems),
        "HocKy": semester,
        "Mon": subjects,
        "KetQuaHocTap": _level(_cell(row, columns, "kq_hoc_tap"), "kq_hoc_tap"),
        "KetQuaRenLuyen": _level(_cell(row, columns, "kq_ren_luyen"), "kq_ren_luyen"),
        "SoBuoiNghiCoPhep": _count(_cell(row, columns, "nghi_co_phep"), "nghi_co_phep"),
        "SoBuoiNghiKhongPhep": _count(_cell(row, columns, "nghi_khong_phep"), "nghi_khong_phep"),
        "DanhHieu": parse_title(str(title), field="danh_hieu") if title else None,
        "LenLop": parse_promotion(str(promotion), field="len_lop") if promotion else None,
    }


def _count(value: Any, field: str) -> int:
    """A number of sessions missed: a whole number, ``3`` or ``3.0`` as Excel may store it; text
    such as «ba» is a refused row, not a crash."""
    if value in (None, ""):
        return 0
    text = str(value).strip().removesuffix(".0")
    if isinstance(value, bool) or not re.fullmatch(r"[0-9]{1,4}", text):  # isdigit() takes «²», int() does not
        raise MappingError("Số buổi nghỉ phải là số nguyên không âm", field=field, value=value)
    return int(text)


def _level(value: Any, field: str) -> str | None:
    """Empty while not yet assessed (a required score is missing); otherwise a level code."""
    return None if value in (None, "") else parse_level(value, field=field)


def _append(sheet, values: list) -> None:
    """One row of an import file, each text cell made safe: a name read from a file must reach
    the CSDL (and whoever opens the file) as text, never as a formula."""
    sheet.append([safe_text(v) for v in values])


def write_student_list(records: list[dict[str, Any]]) -> bytes:
    """An import file in the current template: one header row, values as text in the CSDL's codes."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    _append(sheet, IMPORT_HEADER)
    ethnic = {e.code: e.name for e in catalogs.ethnicities()}
    statuses = {s.code: s.name for s in catalogs.statuses()}
    for number, r in enumerate(records, start=1):
        born = r["NgaySinh"]
        values = [
            str(number),
            r["MaLop"],
            r.get("MaDinhDanh") or "",
            r["HoTen"],
            f"{born[8:10]}/{born[5:7]}/{born[:4]}",
            "Nam" if r["GioiTinh"] == "1" else "Nữ",
            r["MaDanToc"],
            ethnic[r["MaDanToc"]],
            statuses[r["TrangThai"]],
            "",
            "",
            r.get("SoDinhDanhCaNhan") or "",
        ]
        _append(sheet, values)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.number_format = "@"  # text: IDs keep their leading zeros
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_results(records: list[dict[str, Any]], students: dict[str, dict[str, Any]], semester: str) -> bytes:
    """A ``KetQuaHocTap`` import file for one semester (``1``, ``2`` or ``CN``): the current header
    texts in order, one header row, values as text in the CSDL's codes (``T``, ``Đ``, ``LL``…).

    Args:
        records: results with ``KetQuaHocSinh`` field names.
        students: ``MaDinhDanh`` → the student's ``HoTen``, ``NgaySinh`` (ISO) and ``MaLop``.
    """
    subjects = list(catalogs.subjects().values())
    header = [
        "STT",
        "Mã lớp",
        "Mã định danh Bộ GD&ĐT",
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
    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    _append(sheet, header)
    for number, record in enumerate(records, start=1):
        student = students[record["MaDinhDanh"]]
        born = student["NgaySinh"]
        values = {m["MaMon"]: m.get("DiemTB") or m.get("KetQuaDanhGia") or "" for m in record.get("Mon", [])}
        row = [
            str(number),
            student["MaLop"],
            record["MaDinhDanh"],
            student["HoTen"],
            f"{born[8:10]}/{born[5:7]}/{born[:4]}",
            *(str(values.get(s.code, "")) for s in subjects),
            record.get("KetQuaHocTap") or "",
            record.get("KetQuaRenLuyen") or "",
            str(record.get("SoBuoiNghiCoPhep", 0)),
            str(record.get("SoBuoiNghiKhongPhep", 0)),
        ]
        if semester == "CN":
            row += [record.get("DanhHieu") or "", record.get("LenLop") or ""]
        _append(sheet, row)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.number_format = "@"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_RESULT_DETECT = ("ma_lop", "ma_dinh_danh", "kq_hoc_tap", "kq_ren_luyen")

FILE_KINDS = (
    FileKind(
        "csdl-hocsinh",
        PLATFORM,
        "danh sách học sinh của CSDL ngành",
        lambda rows: find_header(rows, STUDENT_COLUMNS, STUDENT_REQUIRED) is not None,
        lambda data, expect, column_map: read_student_list(data, expect.school_year),
        csdl_mapping.student_list_records,
        rank=10,
    ),
    FileKind(
        "csdl-ketqua",
        PLATFORM,
        "kết quả học tập của CSDL ngành",
        lambda rows: find_header(rows, RESULT_COLUMNS, _RESULT_DETECT) is not None,
        lambda data, expect, column_map: read_results(data, expect.school_year, expect.semester),
        csdl_mapping.results_records,
        rank=30,
    ),
)
