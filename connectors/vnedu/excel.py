"""vnEdu's Excel exports for schools without API access (contracts/vnedu.md, "Excel exports").

``Sổ điểm môn học`` is a score book with a fixed two-row header, a hidden ``ID`` column
(kept for re-import) and a computed ``ĐTBmhk`` that is compared, never trusted; it is read
by the gradebook reader, which handles both layouts. ``Bảng tổng hợp kết quả cuối năm`` is
read here: one sheet per class, the year's subject values and results written out in words.
"""

from __future__ import annotations

import re
from typing import Any

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
from lienthong.connectors.gradebook.excel import Expect, detect_columns, read_score_book
from lienthong.mapping import catalogs
from lienthong.mapping import vnedu as vnedu_mapping
from lienthong.mapping.errors import LegacyEncodingError, MappingError
from lienthong.mapping.normalize import (
    clean_name,
    parse_date,
    parse_level,
    parse_mark,
    parse_promotion,
    parse_score,
    parse_title,
)

__all__ = ["Expect", "read_score_book", "read_summary", "SUMMARY_COLUMNS", "SUMMARY_REQUIRED"]

PLATFORM = "vnedu"
SUMMARY_COLUMNS = {
    "stt": ["STT"],
    "ma_hoc_sinh": ["Mã học sinh", "Mã HS"],
    "ho_ten": ["Họ và tên", "Họ tên"],
    "ngay_sinh": ["Ngày sinh"],
    "kq_hoc_tap": ["KQ học tập", "Kết quả học tập"],
    "kq_ren_luyen": ["KQ rèn luyện", "Kết quả rèn luyện"],
    "tong_nghi": ["Tổng số buổi nghỉ"],
    "danh_hieu": ["Danh hiệu"],
    "len_lop": ["Lên lớp"],
    **{f"mon:{s.code}": [s.name, *s.aliases] for s in catalogs.subjects().values()},
}
SUMMARY_REQUIRED = ("ma_hoc_sinh", "ho_ten", "kq_hoc_tap", "tong_nghi")
_YEAR = re.compile(r"nam hoc:?\s*(\d{4})\s*-\s*(\d{4})")
_CLASS = re.compile(r"\blop:?\s*([6-9][a-z]\w{0,4})\b")


def read_summary(data: bytes, expected_year: str | None = None, expected_class: str | None = None) -> ExcelRead:
    """Every class sheet of a ``Bảng tổng hợp kết quả cuối năm`` as one record per student."""
    book = open_workbook(data, PLATFORM)
    result = ExcelRead(info={"sheets": []})
    faults: list[str] = []  # what refuses the whole file: one student on two rows of a sheet
    for sheet in book.worksheets:
        rows = rows_of(sheet)
        found = find_header(rows, SUMMARY_COLUMNS, SUMMARY_REQUIRED)
        if found is None:
            continue
        header, columns = found
        titles = title_text(rows, header)
        year = _YEAR.search(titles)
        school_year = f"{year[1]}-{year[2]}" if year else None
        if expected_year and school_year and school_year != expected_year:
            raise FileFormatError(
                PLATFORM,
                f"Trang «{sheet.title}»: bảng tổng hợp năm học {school_year}, không phải "
                f"năm học {expected_year} như đã chọn.",
            )
        cls = _CLASS.search(titles)
        class_code = (cls[1] if cls else sheet.title).upper()
        if expected_class and class_code != expected_class:
            continue  # another class's sheet of the same workbook
        result.info["sheets"].append({"sheet": sheet.title, "class_code": class_code, "school_year": school_year})
        table = Table(sheet.title, rows, header, columns, SUMMARY_COLUMNS)
        codes: dict[str, list[tuple[int, str]]] = {}
        for number, row in enumerate(rows[header + 1 :], start=header + 2):
            _row(row, table, number, class_code, result, codes)
        faults += duplicate_faults(sheet.title, table.heading("ma_hoc_sinh"), codes)
    if not result.info["sheets"]:
        raise FileFormatError(
            PLATFORM,
            "Không tìm thấy bảng tổng hợp kết quả cuối năm (cần các cột Mã học sinh, "
            "Họ và tên, KQ học tập, Tổng số buổi nghỉ trong 12 dòng đầu).",
        )
    refuse_file(PLATFORM, faults)
    return result


def _cell(row: tuple, columns: dict[str, int], name: str) -> Any:
    index = columns.get(name)
    value = row[index] if index is not None and index < len(row) else None
    return value.strip() if isinstance(value, str) else value


def _row(row: tuple, table: Table, number: int, class_code: str, result: ExcelRead, codes: dict[str, list]) -> None:
    columns = table.columns
    code = _cell(row, columns, "ma_hoc_sinh")
    if code in (None, ""):
        if _holds_a_student(row, columns):
            result.problems.append(
                table.problem(number, "ma_hoc_sinh", "Thiếu mã học sinh nên không nhập được dòng này")
            )
        return  # blank and note rows below the table
    codes.setdefault(str(code).removesuffix(".0"), []).append((number, table.address(number, "ma_hoc_sinh")))
    try:
        record = _record(row, columns, class_code)
    except LegacyEncodingError as exc:
        raise FileFormatError(PLATFORM, f"{table.place(number, exc.field or '')}: {exc.reason}") from None
    except MappingError as exc:
        result.problems.append(table.problem(number, exc.field or "", exc.reason))
        return
    result.records.append(record)


def _holds_a_student(row: tuple, columns: dict[str, int]) -> bool:
    """A name and a result without a code: a student's row that cannot be stored, not a note line
    below the table (which holds one text and nothing in the result columns)."""
    if _cell(row, columns, "ho_ten") in (None, ""):
        return False
    return any(
        _cell(row, columns, name) not in (None, "") for name in columns if name not in ("stt", "ho_ten", "ma_hoc_sinh")
    )


def _record(row: tuple, columns: dict, class_code: str) -> dict[str, Any]:
    subjects = {}
    for name in columns:
        value = _cell(row, columns, name)
        if not name.startswith("mon:") or value in (None, ""):
            continue
        info = catalogs.subject(name[4:])
        subjects[info.code] = parse_mark(value, field=name) if info.by_comment else str(parse_score(value, field=name))
    learning, training = _cell(row, columns, "kq_hoc_tap"), _cell(row, columns, "kq_ren_luyen")
    title, promotion = _cell(row, columns, "danh_hieu"), _cell(row, columns, "len_lop")
    absences = _cell(row, columns, "tong_nghi")
    if absences not in (None, "") and not re.fullmatch(r"[0-9]{1,4}", str(absences).strip().removesuffix(".0")):
        raise MappingError("Tổng số buổi nghỉ phải là số nguyên không âm", field="tong_nghi", value=absences)
    return {
        "ma_hoc_sinh": str(_cell(row, columns, "ma_hoc_sinh")).removesuffix(".0"),
        "ho_ten": clean_name(_cell(row, columns, "ho_ten"), field="ho_ten"),
        "ngay_sinh": (
            parse_date(_cell(row, columns, "ngay_sinh"), field="ngay_sinh").strftime("%d/%m/%Y")
            if _cell(row, columns, "ngay_sinh") not in (None, "")
            else None
        ),
        "ma_lop": class_code,
        "mon": subjects,
        "kq_hoc_tap": parse_level(learning, field="kq_hoc_tap") if learning not in (None, "") else None,
        "kq_ren_luyen": parse_level(training, field="kq_ren_luyen") if training not in (None, "") else None,
        "tong_buoi_nghi": int(float(absences)) if absences not in (None, "") else None,
        "danh_hieu": parse_title(str(title), field="danh_hieu") if title else None,
        "len_lop": parse_promotion(str(promotion), field="len_lop") if promotion else None,
    }


def _is_score_book(rows: list[tuple]) -> bool:
    located = detect_columns(rows)
    return bool(located) and located[1].row_id is not None and located[1].code is not None  # vnEdu's hidden ID


FILE_KINDS = (
    FileKind(
        "vnedu-sodiem",
        PLATFORM,
        "sổ điểm môn học xuất từ vnEdu",
        _is_score_book,
        lambda data, expect, column_map: read_score_book(data, expect, column_map, keep_unreadable=True),
        vnedu_mapping.score_book_records,
        rank=40,
        periods="semester",
    ),
    FileKind(
        "vnedu-tonghop",
        PLATFORM,
        "bảng tổng hợp kết quả cuối năm của vnEdu",
        lambda rows: find_header(rows, SUMMARY_COLUMNS, SUMMARY_REQUIRED) is not None,
        lambda data, expect, column_map: read_summary(data, expect.school_year),
        vnedu_mapping.summary_records,
        rank=20,
        periods="year",
    ),
)
