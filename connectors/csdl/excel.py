"""CSDL ngành Excel templates: read the ministry's exports, write import files.

Every sheet is read whose first 12 rows hold the table's header, found through the header
vocabulary (`mapping.headers`: the province variants, annotated headers, line breaks, NFD);
every other sheet is reported as skipped with the reason, and every column not read is listed
with the reason (address, phone and parents' columns are never read: data minimisation).
Columns may come in any order; dates as text or serials; IDs that Excel turned into numbers
get their zeros back and are flagged. A file of the wrong kind, year or class is refused with
a message saying what it looks like. The writers keep writing exactly the contract's template.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.excel import (
    ExcelRead,
    FileKind,
    Problem,
    Table,
    cell_address,
    duplicate_faults,
    memorable,
    open_workbook,
    refuse_file,
    rows_of,
    shown,
    title_text,
)
from lienthong.mapping import catalogs
from lienthong.mapping import csdl_files as csdl_mapping
from lienthong.mapping.errors import MappingError
from lienthong.mapping.headers import SCORE_WORDS, HeaderMatch, header_key, match_header
from lienthong.mapping.normalize import (
    fold,
    name_with_notes,
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
    "lop": ["Lớp", "Lớp học", "Tên lớp"],
    "khoi": ["Khối", "Khối học"],
    "truong": ["Trường", "Tên trường"],
    "ma_dinh_danh": ["Mã định danh Bộ GD&ĐT", "Mã định danh", "Mã học sinh"],
    "ho_ten": ["Họ tên", "Họ và tên"],
    "ngay_sinh": ["Ngày sinh"],
    "gioi_tinh": ["Giới tính"],
    "ma_dan_toc": ["Mã dân tộc"],
    "dan_toc": ["Dân tộc"],
    "trang_thai": ["Trạng thái HS", "Trạng thái"],
    "so_dinh_danh": ["Số định danh cá nhân", "Số định danh"],
}
# Province exports may lack «Mã lớp»: then «Lớp học»/«Lớp» (with «Khối học» or «Trường»).
STUDENT_REQUIRED = (("ma_lop", "lop"), "ma_dinh_danh", "ho_ten", "ngay_sinh", "gioi_tinh")
RESULT_COLUMNS = {
    "stt": ["STT"],
    "ma_lop": ["Mã lớp"],
    "lop": ["Lớp", "Lớp học", "Tên lớp"],
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
# Columns a results sheet carries that are not read into a result: the name and birth date
# are the student list's (the ministry ID is the key).
_RESULT_NOT_READ = {
    "ho_ten": "họ tên lấy từ danh sách học sinh (khớp theo mã định danh)",
    "ngay_sinh": "ngày sinh lấy từ danh sách học sinh (khớp theo mã định danh)",
}
# A listed student the ministry has not yet given an ID: read, not stored (its records are keyed by the ID).
NO_MINISTRY_ID = "Học sinh chưa có Mã định danh Bộ GD&ĐT: chưa lưu (sẽ lưu khi CSDL ngành cấp mã và xuất lại danh sách)"
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
_BARE_YEAR = re.compile(r"\b(20\d\d)\s*-\s*(20\d\d)\b")
_GRADE = re.compile(r"\bkhoi\s*([6-9])\b")
_SUBJECT_KEYS = frozenset(header_key(t) for s in catalogs.subjects().values() for t in (s.name, *s.aliases))
KINDS = {
    "danh sách học sinh": (STUDENT_COLUMNS, STUDENT_REQUIRED),
    "kết quả học tập": (RESULT_COLUMNS, RESULT_REQUIRED),
}


@dataclass
class _Sheet:
    """One sheet holding the table a reader wants."""

    title: str
    rows: list[tuple]
    match: HeaderMatch
    table: Table
    year: str | None = None


def _sheets(data: bytes, columns: dict, required: tuple, kind: str) -> tuple[list[_Sheet], list[dict[str, str]]]:
    """Every sheet with the header of ``kind``, and every other sheet with why it was skipped.

    A header cell that names two wanted columns (``Mã định danh/CCCD``) refuses the file: what
    the column holds cannot be known."""
    book = open_workbook(data, PLATFORM)
    found: list[_Sheet] = []
    skipped: list[dict[str, str]] = []
    for sheet in book.worksheets:
        rows = rows_of(sheet)
        match = match_header(rows, columns, required)
        if match is None:
            skipped.append({"sheet": sheet.title, "reason": _why_skipped(rows, kind)})
            continue
        _refuse_ambiguous(sheet.title, match, columns)
        found.append(_Sheet(sheet.title, rows, match, Table(sheet.title, rows, match.row, match.columns, columns)))
    if found:
        return found, skipped
    for name in KINDS:
        if name != kind and any(s["reason"] == f"là {name}, không phải {kind}" for s in skipped):
            raise FileFormatError(PLATFORM, f"Tệp có vẻ là {name}, không phải {kind} như đã chọn.")
    names = ", ".join(columns[c if isinstance(c, str) else c[0]][0] for c in required)
    raise FileFormatError(PLATFORM, f"Không tìm thấy dòng tiêu đề của {kind} trong 12 dòng đầu (cần các cột: {names}).")


def _why_skipped(rows: list[tuple], kind: str) -> str:
    if not any(v not in (None, "") for row in rows[:200] for v in row):
        return "trang trống"
    for name, (cols, req) in KINDS.items():
        if name != kind and match_header(rows, cols, req) is not None:
            return f"là {name}, không phải {kind}"
    return f"không có dòng tiêu đề {kind} trong 12 dòng đầu (trang danh mục hoặc ghi chú)"


def _refuse_ambiguous(sheet: str, match: HeaderMatch, columns: dict) -> None:
    faults = []
    for cell in match.ambiguous:
        meant = " và ".join(f"«{columns[n][0]}»" for n in cell.columns if n in columns)
        others = [n for n in cell.columns if n not in columns]
        meant += f" và {len(others)} loại cột khác" if others and meant else ""
        faults.append(
            f"Trang «{sheet}», ô {cell_address(match.row + 1, cell.position)}: tiêu đề «{cell.text}» ứng với cả "
            f"{meant} nên không biết cột này chứa gì; hãy đổi tiêu đề cho rõ (mỗi cột một loại dữ liệu)."
        )
    if faults:
        raise FileFormatError(
            PLATFORM, "Không nhập tệp này (không lưu dòng nào):\n" + "\n".join(f"- {f}" for f in faults)
        )


def _unused(found: _Sheet, read: Iterable[str], notes: dict[str, str] | None = None) -> list[dict[str, str]]:
    """Every column of the sheet's table that is not read, with the reason (nothing vanishes
    in silence): known columns never read, columns this file kind does not need, unknown
    headers, and columns holding data under no header at all."""
    match, header = found.match, found.match.row + 1
    out = []
    for cell, reason in match.unused(read):
        if cell.column in (notes or {}):
            reason = (notes or {})[cell.column]
        out.append(
            {"sheet": found.title, "cell": cell_address(header, cell.position), "column": cell.text, "reason": reason}
        )
    headed = {cell.position for cell in match.cells}
    width = max((len(row) for row in found.rows[match.row + 1 :]), default=0)
    loose = [p for p in range(width) if p not in headed]
    if loose:
        seen: dict[int, int] = {}
        for number, row in enumerate(found.rows[match.row + 1 :], start=header + 1):
            for position in loose:
                if position not in seen and position < len(row) and row[position] not in (None, ""):
                    seen[position] = number
            if len(seen) == len(loose):
                break
        for position, number in sorted(seen.items()):
            out.append(
                {
                    "sheet": found.title,
                    "cell": cell_address(header, position),
                    "column": "",
                    "reason": "cột không có tiêu đề nhưng có dữ liệu "
                    f"(từ ô {cell_address(number, position)}): không đọc",
                }
            )
    return out


def _year_of(found: _Sheet) -> str | None:
    match = _YEAR.search(title_text(found.rows, found.match.row)) or _BARE_YEAR.search(fold(found.title))
    return f"{match[1]}-{match[2]}" if match else None


def _check_years(sheets: list[_Sheet], expected_year: str | None, kind: str) -> str | None:
    """The school year every sheet says (title rows or sheet name); a sheet of another year
    refuses the whole file, naming it."""
    for found in sheets:
        found.year = _year_of(found)
        if expected_year and found.year and found.year != expected_year:
            raise FileFormatError(
                PLATFORM,
                f"Trang «{found.title}»: tệp là {kind} năm học {found.year}, "
                f"không phải năm học {expected_year} như đã chọn. Không nhập tệp này (không lưu dòng nào).",
            )
    years = {f.year for f in sheets if f.year}
    if len(years) > 1:
        said = "; ".join(f"trang «{f.title}»: năm học {f.year}" for f in sheets if f.year)
        raise FileFormatError(
            PLATFORM,
            f"Tệp có {kind} của nhiều năm học ({said}). Không nhập tệp này (không lưu dòng nào): "
            "hãy bỏ các trang không thuộc năm học cần nhập.",
        )
    return next(iter(years), None)


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


def _personal_id(value: Any, table: Table, number: int, problems: list) -> dict[str, str | None]:
    """The personal ID: a 12-digit CCCD (zeros Excel dropped from a number restored and flagged);
    an old 9-digit CMND is flagged and not kept (it is not a personal ID, and nothing compares it); other
    lengths are flagged and not used; letters mixed with digits refuse the row."""
    if value in (None, ""):
        return {"SoDinhDanhCaNhan": None}
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFC", str(value)).strip()
    compact = re.sub(r"[\s.\-]", "", text)  # «074 209 009 517» typed in groups
    if not re.search(r"[0-9]", compact):  # «Chưa có», «-», «không»: no number given
        problems.append(table.problem(number, "so_dinh_danh", "Ô không ghi số nào: coi như chưa có số", fatal=False))
        return {"SoDinhDanhCaNhan": None}
    if not (compact.isascii() and compact.isdigit()):
        raise MappingError(
            "Số CCCD/định danh cá nhân chỉ gồm chữ số (CCCD 12 số, CMND cũ 9 số)", field="so_dinh_danh", value=value
        )
    if len(compact) == 12:
        return {"SoDinhDanhCaNhan": compact}
    if numeric and len(compact) in (10, 11):
        restored = compact.zfill(12)
        problems.append(
            table.problem(
                number,
                "so_dinh_danh",
                f"Mã được lưu dạng số nên mất số 0 đầu; đã khôi phục thành {restored}, "
                "hãy định dạng cột là Văn bản (Text)",
                fatal=False,
            )
        )
        return {"SoDinhDanhCaNhan": restored}
    if len(compact) == 9:
        problems.append(
            table.problem(
                number,
                "so_dinh_danh",
                "Số CMND cũ (9 số), không phải số định danh cá nhân 12 số: không dùng và không lưu "
                "(chỉ lưu dữ liệu cá nhân cần cho đối chiếu); hãy cập nhật số CCCD trên CSDL",
                fatal=False,
            )
        )
        return {"SoDinhDanhCaNhan": None}  # not kept: an ID nothing compares is personal data held for nothing
    problems.append(
        table.problem(
            number,
            "so_dinh_danh",
            f"Số định danh cá nhân phải có 12 chữ số (CMND cũ 9 số), ô có {len(compact)} chữ số: "
            "chưa dùng, hãy kiểm tra lại",
            fatal=False,
        )
    )
    return {"SoDinhDanhCaNhan": None}


def _class_code(row: tuple, columns: dict[str, int]) -> str:
    """The class: «Mã lớp» as written; otherwise «Lớp học»/«Lớp», completed by «Khối học» when it
    lacks the grade («A1» in Khối 6 → «6A1») and checked against it."""
    if "ma_lop" in columns:
        return str(_cell(row, columns, "ma_lop") or "").strip()
    name = _cell(row, columns, "lop")
    if name in (None, ""):
        raise MappingError("Thiếu lớp nên không nhập được dòng này", field="lop", value=name)
    if isinstance(name, float) and name.is_integer():
        name = int(name)
    text = "".join(unicodedata.normalize("NFC", str(name)).split())
    grade_cell = _cell(row, columns, "khoi")
    if grade_cell in (None, ""):
        return text
    if isinstance(grade_cell, float) and grade_cell.is_integer():
        grade_cell = int(grade_cell)
    grade = re.search(r"[0-9]{1,2}", str(grade_cell))
    if grade is None:
        raise MappingError("Khối phải ghi bằng số, ví dụ 6 hoặc Khối 6", field="khoi", value=grade_cell)
    lead = re.match(r"[0-9]{1,2}", text)
    if lead is None:
        return f"{int(grade[0])}{text}"
    if int(lead[0]) != int(grade[0]):
        raise MappingError(f"Lớp «{text}» không thuộc khối {int(grade[0])}", field="lop", value=name)
    return text


def _duplicate_faults(
    column_of: dict[str, str], seen: dict[Any, list[tuple[str, int, str]]], what: str = ""
) -> list[str]:
    """Every key on more than one row: on one sheet said as `duplicate_faults` says it, across
    sheets naming each sheet (stored by that key, the later row would silently replace the other)."""
    faults = []
    for key, places in seen.items():
        if len(places) < 2:
            continue
        code = key[1] if isinstance(key, tuple) else key
        sheets = {sheet for sheet, _, _ in places}
        if len(sheets) == 1:
            [sheet] = sheets
            faults += duplicate_faults(sheet, column_of[sheet], {code: [(n, a) for _, n, a in places]})
        else:
            where = "; ".join(f"trang «{sheet}» dòng {n} (ô {a})" for sheet, n, a in places)
            faults.append(f"Mã «{shown(code)}» có ở {len(places)} dòng{what}: {where}; dòng sau sẽ ghi đè dòng trước.")
    return faults


def read_student_list(data: bytes, expected_year: str | None = None, expected_class: str | None = None) -> ExcelRead:
    """Students of a ``DanhSachHocSinh`` export as CSDL records (SOAP field names), from every
    sheet that has the list's header; the others are reported as skipped with the reason.

    Province variants are read: no «Mã lớp» but «Lớp học»/«Lớp» with «Khối học» or «Trường»;
    the ministry ID under any of its names; the personal ID as «Số định danh cá nhân», «Số
    CCCD» or «Số CMND». Columns not read are listed in ``info["unused_columns"]`` (addresses,
    phones and parents are never read: data minimisation). A ministry ID on two rows refuses
    the whole file: stored by that ID, one row would silently replace the other."""
    kind = "danh sách học sinh"
    sheets, skipped = _sheets(data, STUDENT_COLUMNS, STUDENT_REQUIRED, kind)
    first = sheets[0]
    result = ExcelRead(
        info={
            "school_year": _check_years(sheets, expected_year, kind),
            "old_template": "ma hoc sinh" in [fold(str(v)) for v in first.rows[first.match.row] if v],
            "sheets": [],
            "skipped_sheets": skipped,
            "unused_columns": [],
        }
    )
    classes: set[str] = set()
    schools: dict[str, str] = {}
    ids: dict[str, list[tuple[str, int, str]]] = {}
    for found in sheets:
        table, columns = found.table, found.table.columns
        read = set(columns) - {"stt"} - ({"lop", "khoi"} if "ma_lop" in columns else set())
        notes = {"lop": "đã có cột «Mã lớp»", "khoi": "đã có cột «Mã lớp»"}
        result.info["unused_columns"] += _unused(found, read, notes)
        for wanted, assumed in _ASSUMED.items():  # what every student is taken as, said once per sheet
            if not any(name in columns for name in wanted):
                result.problems.append(Problem(found.match.row + 1, assumed, fatal=False, sheet=found.title))
        count = 0
        for offset, row in enumerate(found.rows[found.match.row + 1 :], start=found.match.row + 2):
            if _cell(row, columns, "ho_ten") in (None, ""):
                if _holds_any(row, columns, ("ma_dinh_danh", "ngay_sinh", "so_dinh_danh")):
                    result.problems.append(table.problem(offset, "ho_ten", "Thiếu họ tên nên không nhập được dòng này"))
                continue  # blank or note rows below the table
            try:
                record = _student(row, table, offset, result.problems)
            except MappingError as exc:
                result.problems.append(table.problem(offset, exc.field or "", exc.reason))
                continue
            school = _cell(row, columns, "truong")
            if school not in (None, ""):
                schools.setdefault(" ".join(str(school).split()).casefold(), " ".join(str(school).split()))
            if record["MaDinhDanh"]:
                ids.setdefault(record["MaDinhDanh"], []).append(
                    (found.title, offset, table.address(offset, "ma_dinh_danh"))
                )
            else:  # said here, at its cell: the mapping, which leaves the row out, knows no row
                result.problems.append(table.problem(offset, "ma_dinh_danh", NO_MINISTRY_ID, fatal=False))
            classes.add(record["MaLop"])
            result.records.append(record)
            count += 1
        result.info["sheets"].append({"sheet": found.title, "rows": count, "school_year": found.year})
    if len(schools) > 1:
        named = ", ".join(f"«{s}»" for s in sorted(schools.values()))
        raise FileFormatError(
            PLATFORM,
            f"Tệp có học sinh của {len(schools)} trường ({named}): hãy xuất riêng danh sách của trường mình.",
        )
    if schools:
        result.info["school_name"] = next(iter(schools.values()))
    if expected_class and classes - {expected_class}:
        found_classes = ", ".join(sorted(classes))
        raise FileFormatError(
            PLATFORM, f"Tệp có học sinh của lớp {found_classes}, không chỉ lớp {expected_class} như đã chọn."
        )
    refuse_file(PLATFORM, _duplicate_faults({s.title: s.table.heading("ma_dinh_danh") for s in sheets}, ids))
    return result


# A column a province's list may lack, and what each student is then taken as (`_student`)
_ASSUMED = {
    ("trang_thai",): "Danh sách không có cột «Trạng thái»: mọi học sinh được ghi là đang học",
    ("ma_dan_toc", "dan_toc"): "Danh sách không có cột «Dân tộc»: mọi học sinh được ghi là dân tộc Kinh",
}


def _holds_any(row: tuple, columns: dict[str, int], names: tuple[str, ...]) -> bool:
    """Whether a row without its key still holds a student's data (not a blank or note line)."""
    return any(_cell(row, columns, name) not in (None, "") for name in names)


def _name(value: Any, table: Table, number: int, problems: list) -> str:
    """A student's name, with a note at its cell when it was typed with ``Ð`` for ``Đ``."""
    name, said = name_with_notes(value, field="ho_ten")
    problems += [table.problem(number, "ho_ten", note, fatal=False) for note in said]
    return name


def _student(row: tuple, table: Table, number: int, problems: list) -> dict[str, Any]:
    columns = table.columns
    gender = _cell(row, columns, "gioi_tinh")
    ethnic = _cell(row, columns, "ma_dan_toc") or _cell(row, columns, "dan_toc")
    status = _cell(row, columns, "trang_thai")
    record = {
        "MaDinhDanh": _id(_cell(row, columns, "ma_dinh_danh"), 10, table, number, "ma_dinh_danh", problems),
        "HoTen": _name(_cell(row, columns, "ho_ten"), table, number, problems),
        "NgaySinh": parse_date(_cell(row, columns, "ngay_sinh"), field="ngay_sinh").isoformat(),
        "GioiTinh": catalogs.gender(gender, field="gioi_tinh").code if gender else None,
        "MaDanToc": catalogs.ethnicity(ethnic, field="ma_dan_toc").code if ethnic else "01",
        "MaLop": _class_code(row, columns),
        "TrangThai": catalogs.status(status, field="trang_thai").code if status else "1",
    }
    personal = _personal_id(_cell(row, columns, "so_dinh_danh"), table, number, problems)
    return {"MaDinhDanh": record.pop("MaDinhDanh"), **personal, **record}


def _semester_in(text: str) -> str | None:
    """The semester a title or a sheet name says (folded text): ``1``, ``2``, ``CN`` or ``None``."""
    text = re.sub(r"[_\-.]+", " ", text)
    if re.search(r"\bca nam\b|\bcn\b", text):
        return "CN"
    if re.search(r"\b(hoc k[iy]|hk)\s*(ii|2)\b", text):
        return "2"
    if re.search(r"\b(hoc k[iy]|hk)\s*(i|1)\b", text):
        return "1"
    return None


def _semester_of(found: _Sheet) -> str | None:
    """A results sheet's semester: its title rows, else its name (``Khoi6_HK1``), else ``CN`` when it
    has the year's columns; title and name that disagree refuse the file."""
    titled = _semester_in(title_text(found.rows, found.match.row))
    named = _semester_in(fold(found.title))
    if titled and named and titled != named:
        raise FileFormatError(
            PLATFORM,
            f"Trang «{found.title}»: tên trang ghi {_semester_words(named)} nhưng dòng tiêu đề ghi "
            f"{_semester_words(titled)}. Không nhập tệp này (không lưu dòng nào): hãy sửa cho khớp.",
        )
    if titled or named:
        return titled or named
    return "CN" if {"danh_hieu", "len_lop"} & set(found.match.columns) else None


def read_results(data: bytes, expected_year: str | None = None, semester: str | None = None) -> ExcelRead:
    """A ``KetQuaHocTap`` export as CSDL results (``KetQuaHocSinh`` field names), every sheet that
    has the results header (one per grade and semester, each sheet's semester from its title rows
    or its name); other sheets are reported as skipped with the reason, and so are sheets of
    another semester than the one asked for. A sheet of another school year refuses the whole
    file; so does a ministry ID on two rows of the same semester."""
    kind = "kết quả học tập"
    sheets, skipped = _sheets(data, RESULT_COLUMNS, RESULT_REQUIRED, kind)
    result = ExcelRead(
        info={
            "school_year": _check_years(sheets, expected_year, kind),
            "sheets": [],
            "skipped_sheets": skipped,
            "unused_columns": [],
        }
    )
    planned: list[tuple[_Sheet, str]] = []
    other: list[str] = []
    for found in sheets:
        found_semester = _semester_of(found)
        if semester and found_semester and found_semester != semester:
            other.append(found_semester)
            skipped.append(
                {
                    "sheet": found.title,
                    "reason": f"kết quả {_semester_words(found_semester)}, không phải "
                    f"{_semester_words(semester)} như đã chọn",
                }
            )
            continue
        if not (found_semester or semester):
            raise FileFormatError(
                PLATFORM,
                f"Trang «{found.title}»: tệp kết quả học tập không ghi học kỳ (không có dòng tiêu đề, tên trang "
                "không ghi HK1/HK2/CN): hãy chọn --semester 1 hoặc 2.",
            )
        planned.append((found, found_semester or semester))
    if not planned:
        raise FileFormatError(
            PLATFORM, f"Tệp là kết quả {_semester_words(other[0])}, không phải {_semester_words(semester)} như đã chọn."
        )
    ids: dict[tuple[str, str], list[tuple[str, int, str]]] = {}
    for found, period in planned:
        table, columns = found.table, found.table.columns
        read = set(columns) - {"stt", "ho_ten", "ngay_sinh"} - ({"lop"} if "ma_lop" in columns else set())
        result.info["unused_columns"] += _unused(found, read, {**_RESULT_NOT_READ, "lop": "đã có cột «Mã lớp»"})
        count = 0
        marks = _Marks(columns)
        for number, row in enumerate(found.rows[found.match.row + 1 :], start=found.match.row + 2):
            if _cell(row, columns, "ma_dinh_danh") in (None, ""):
                if _holds_any(row, columns, tuple(c for c in columns if c not in ("stt", "ma_dinh_danh", "ma_lop"))):
                    result.problems.append(
                        table.problem(number, "ma_dinh_danh", "Thiếu mã định danh nên không nhập được dòng này")
                    )
                continue  # blank or note rows below the table
            try:
                record = _result(row, table, number, period, result.problems, marks)
            except MappingError as exc:
                result.problems.append(table.problem(number, exc.field or "", exc.reason))
                continue
            if record["MaDinhDanh"]:
                ids.setdefault((period, record["MaDinhDanh"]), []).append(
                    (found.title, number, table.address(number, "ma_dinh_danh"))
                )
            result.records.append(record)
            count += 1
            classes = result.info.setdefault("classes", set())
            classes.add(str(_cell(row, columns, "ma_lop") or _cell(row, columns, "lop") or "").strip())
        grade = _GRADE.search(re.sub(r"[_\-.]+", " ", fold(found.title))) or _GRADE.search(
            title_text(found.rows, found.match.row)
        )
        result.info["sheets"].append(
            {
                "sheet": found.title,
                "semester": period,
                "grade": grade[1] if grade else None,
                "rows": count,
                "school_year": found.year,
            }
        )
    headings = {s.title: s.table.heading("ma_dinh_danh") for s in sheets}
    refuse_file(PLATFORM, _duplicate_faults(headings, ids, " của cùng một học kỳ"))
    return result


def _semester_words(code: str) -> str:
    return {"1": "học kỳ I", "2": "học kỳ II", "CN": "cả năm"}[code]


class _Marks:
    """A results sheet's subject columns, and the subject values read so far: a grade's sheet
    repeats a few dozen scores and marks over thousands of cells, each read (and checked) once.
    Only values read without refusal are kept: one that refuses its row is said at every cell."""

    def __init__(self, columns: dict[str, int]):
        self.subjects = [
            (name, name[4:], catalogs.subject(name[4:]).by_comment) for name in columns if name.startswith("mon:")
        ]
        # by whether the subject is assessed by comment: value → what it reads as (one dict each, so
        # that a cell is looked up by its value alone, without a key tuple made and hashed per cell)
        self.read: dict[bool, dict[Any, tuple[str, str]]] = {False: {}, True: {}}
        self.cells = [
            (columns[name], name, code, by_comment, self.read[by_comment]) for name, code, by_comment in self.subjects
        ]

    def value(self, name: str, by_comment: bool, value: Any) -> tuple[str, str]:
        """``("KetQuaDanhGia", "Đ")`` or ``("DiemTB", "8.5")`` for a subject cell; `MappingError` if neither."""
        known = self.read[by_comment].get(value) if memorable(value) else None
        if known is not None:
            return known
        found = (
            ("KetQuaDanhGia", parse_mark(value, field=name))
            if by_comment
            else (
                "DiemTB",
                str(parse_score(value, field=name)),  # a formula's 7.300000000000001 is 7,3: `parse_score`
            )
        )
        if memorable(value):
            self.read[by_comment][value] = found
        return found


def _result(
    row: tuple, table: Table, number: int, semester: str, problems: list, marks: _Marks | None = None
) -> dict[str, Any]:
    columns = table.columns
    marks = marks or _Marks(columns)
    subjects = []
    width = len(row)
    for index, name, code, by_comment, known in marks.cells:  # `_cell` and `_Marks.value`'s cache, inlined
        value = row[index] if index < width else None
        if type(value) is str:
            value = value.strip()
        if value is None or value == "":
            continue
        kind = type(value)
        found = (
            known.get(value)
            if kind is str or kind is float or (kind is int and not 0 <= value <= 1)  # `memorable`
            else None
        )
        field, read = found if found is not None else marks.value(name, by_comment, value)
        subjects.append({"MaMon": code, field: read})
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


_COUNT = re.compile(r"[0-9]{1,4}")


def _count(value: Any, field: str) -> int:
    """A number of sessions missed: a whole number, ``3`` or ``3.0`` as Excel may store it; text
    such as «ba» is a refused row, not a crash."""
    if value in (None, ""):
        return 0
    text = str(value).strip().removesuffix(".0")
    if isinstance(value, bool) or not _COUNT.fullmatch(text):  # isdigit() takes «²», int() does not
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
    from openpyxl import Workbook  # writing only: an import never loads it (~0.4 s with numpy)

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
    from openpyxl import Workbook  # writing only: an import never loads it (~0.4 s with numpy)

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


_RESULT_DETECT = (("ma_lop", "lop"), "ma_dinh_danh", "kq_hoc_tap", "kq_ren_luyen")


def _is_student_list(rows: list[tuple]) -> bool:
    """A student list's header, with no score, result or subject column (a teacher's gradebook
    that adds «Lớp» and «Giới tính» to its scores is not a student list)."""
    found = match_header(rows, STUDENT_COLUMNS, STUDENT_REQUIRED)
    if found is None:
        return False
    for cell in found.cells:
        key = header_key(cell.text)
        if SCORE_WORDS.match(key) or key in _SUBJECT_KEYS or {"kq_hoc_tap", "kq_ren_luyen"} & set(cell.columns):
            return False
    return True


def _is_results(rows: list[tuple]) -> bool:
    return match_header(rows, RESULT_COLUMNS, _RESULT_DETECT) is not None


FILE_KINDS = (
    FileKind(
        "csdl-hocsinh",
        PLATFORM,
        "danh sách học sinh của CSDL ngành",
        _is_student_list,
        lambda data, expect, column_map: read_student_list(data, expect.school_year),
        csdl_mapping.student_list_records,
        rank=10,
    ),
    FileKind(
        "csdl-ketqua",
        PLATFORM,
        "kết quả học tập của CSDL ngành",
        _is_results,
        lambda data, expect, column_map: read_results(data, expect.school_year, expect.semester),
        csdl_mapping.results_records,
        rank=30,
    ),
)
