"""vnEdu's Excel exports for schools without API access (contracts/vnedu.md, "Excel exports").

``Sổ điểm môn học`` is a score book with a fixed two-row header, a hidden ``ID`` column
(kept for re-import) and a computed ``ĐTBmhk`` that is compared, never trusted; it is read
by the gradebook reader, which handles both layouts.

``Bảng tổng hợp kết quả`` is read here, in both layouts schools have: the contract's simple
one (one header row, ``Tổng số buổi nghỉ``) and vnEdu's real one ("BẢNG TỔNG HỢP KẾT QUẢ GIÁO
DỤC HỌC KỲ 2, NĂM HỌC 2025-2026": title rows, a header over two rows with ``Buổi nghỉ`` over
``P | K | Tổng`` and a sub-row ``(HS 1)``/``(N.xét)``/``(Học kỳ 2)`` under the subjects,
``Số định danh cá nhân``, abbreviated subjects, cells ``Miễn`` or ``-``). One sheet per class;
each sheet's period (``1``, ``2`` or ``CN``) is told by its title, else its sub-row, else what
the user chose — never assumed.

``Thống kê chi tiết nề nếp của học sinh`` (vnEdu's discipline export) is the only per-day
absence record a file-only school has: each absence row becomes vnEdu attendance sessions
(``diem_danh``: morning ``S``, afternoon ``C``, a whole day both; excused ``P``, unexcused
``K``); its other forms (late, uniform…) are reported as not attendance.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.excel import (
    ExcelRead,
    FileKind,
    Problem,
    Table,
    cell_address,
    duplicate_faults,
    find_header,
    memorable,
    open_workbook,
    refuse_file,
    rows_of,
    title_text,
)
from lienthong.connectors.gradebook.excel import Expect, detect_columns, read_score_book
from lienthong.mapping import catalogs
from lienthong.mapping import vnedu_files as vnedu_mapping
from lienthong.mapping.calendar import school_year_of, semester_of
from lienthong.mapping.errors import LegacyEncodingError, MappingError
from lienthong.mapping.normalize import (
    fold,
    name_with_notes,
    nfc,
    parse_date,
    parse_level,
    parse_mark,
    parse_promotion,
    parse_score,
    parse_title,
    restore_digits,
)
from lienthong.mapping.vnedu_files import EXEMPT

__all__ = [
    "Expect",
    "read_score_book",
    "read_summary",
    "read_discipline",
    "absence_form",
    "SUMMARY_COLUMNS",
    "SUMMARY_REQUIRED",
    "DISCIPLINE_COLUMNS",
]

PLATFORM = "vnedu"
PERIOD_WORDS = {"1": "học kỳ 1", "2": "học kỳ 2", "CN": "cả năm"}

# --- the summary -------------------------------------------------------------------------------

# Subjects by the catalog's name and aliases; ``GDTC`` (the catalog's code, the column vnEdu writes).
_SUBJECT_EXTRA = {"GDTC": ["GDTC"]}
SUMMARY_COLUMNS = {
    "stt": ["STT", "TT"],
    "ma_hoc_sinh": ["Mã học sinh", "Mã HS"],
    "ho_ten": ["Họ và tên", "Họ tên"],
    "ngay_sinh": ["Ngày sinh"],
    "so_dinh_danh": ["Số định danh cá nhân", "Số định danh", "Mã định danh cá nhân"],
    "kq_hoc_tap": ["KQ học tập", "Kết quả học tập", "KQHT"],
    "kq_ren_luyen": ["KQ rèn luyện", "Kết quả rèn luyện", "KQRL"],
    # One column (the contract's year layout) or a group over ``P | K | Tổng`` (vnEdu's real one):
    # told apart by the sub-row under it.
    "nghi": ["Tổng số buổi nghỉ", "Buổi nghỉ", "Số buổi nghỉ", "Nghỉ học"],
    "nghi_p": ["Số buổi nghỉ có phép", "Nghỉ có phép"],
    "nghi_k": ["Số buổi nghỉ không phép", "Nghỉ không phép"],
    "danh_hieu": ["Danh hiệu", "Danh hiệu thi đua"],
    "len_lop": ["Lên lớp", "Kết quả lên lớp"],
    **{f"mon:{s.code}": [s.name, *s.aliases, *_SUBJECT_EXTRA.get(s.code, [])] for s in catalogs.subjects().values()},
}
SUMMARY_REQUIRED = ("ma_hoc_sinh", "ho_ten", "kq_hoc_tap", "nghi")
# Columns of the older program or components of an integrated subject: never compared, always listed.
_COMPONENTS = {
    **dict.fromkeys(("li", "ly", "vat li", "vat ly", "hoa", "hoa hoc", "sinh", "sinh hoc"), "KHTN"),
    **dict.fromkeys(("su", "lich su", "dia", "dia li", "dia ly"), "LSDL"),
}
_EXCUSED = {"p", "co phep", "cp"}
_UNEXCUSED = {"k", "khong phep", "kp"}
_TOTAL = {"tong", "tong so", "cong", "tong cong", "tc"}
_BLANK = {"-", "–", "—", "--"}  # vnEdu writes "-" where there is nothing
_EXEMPT_WORDS = {"mien", "mien hoc", "mien giam"}
_YEAR = re.compile(r"nam hoc:?\s*(\d{4})\s*-\s*(\d{4})")
_CLASS = re.compile(r"\blop:?\s*([6-9][a-z]\w{0,4})\b")
_PERIODS = (
    (re.compile(r"\b(?:hoc k[yi]|hk)\s*(?:1|i)\b"), "1"),
    (re.compile(r"\b(?:hoc k[yi]|hk)\s*(?:2|ii)\b"), "2"),
    (re.compile(r"\b(?:ca nam|cuoi nam)\b"), "CN"),
)
_NOTE = re.compile(r"\s*\([^()]*\)\s*$")  # "(HS 1)", "(N.xét)", "(dd/mm/yyyy)" after a header's words


def _periods_in(text: str) -> set[str]:
    return {period for pattern, period in _PERIODS if pattern.search(text)}


def _bare(value: Any) -> Any:
    """A header cell without the note in brackets after its words: «Toán\\n(HS 1)» → «Toán»."""
    return _bare_text(value) if isinstance(value, str) else value


@lru_cache(maxsize=4096)
def _bare_text(value: str) -> str:
    # a summary's ~50 sheets repeat one header: its cells are worked out once
    text = " ".join(value.split())
    return _NOTE.sub("", text) or text


def _header_rows(rows: list[tuple], within: int = 12) -> list[tuple]:
    return [tuple(_bare(v) for v in row) for row in rows[:within]]


def _find_summary(rows: list[tuple]) -> tuple[int, dict[str, int]] | None:
    return find_header(_header_rows(rows), SUMMARY_COLUMNS, SUMMARY_REQUIRED)


def _text(value: Any) -> str:
    return nfc(str(value)) if value not in (None, "") and str(value).strip() else ""


@dataclass
class _Layout:
    """Where a summary sheet keeps what it holds: positions, the second header row, unused columns."""

    header: int
    columns: dict[str, int]
    sub: tuple | None  # the second header row (``None``: one-row header)
    labels: dict[str, str] = field(default_factory=dict)  # column → its header as the file writes it
    unused: list[tuple[int, str, str]] = field(default_factory=list)  # (position, header, reason)

    @property
    def first_data(self) -> int:
        return self.header + (2 if self.sub is not None else 1)


def _layout(rows: list[tuple], header: int, columns: dict[str, int]) -> _Layout:
    top = rows[header]
    below = rows[header + 1] if header + 1 < len(rows) else ()
    is_sub = bool(below) and all(
        below[columns[n]] in (None, "") if columns[n] < len(below) else True for n in ("ma_hoc_sinh", "ho_ten")
    )
    sub = below if is_sub and any(_text(v) for v in below) else None
    layout = _Layout(header, dict(columns), sub)
    width = max(len(top), len(sub or ()))
    starts = sorted({p for p in range(len(top)) if _text(top[p])})

    def span(position: int) -> range:
        following = [p for p in starts if p > position]
        return range(position, following[0] if following else width)

    def sub_text(position: int) -> str:
        return _text(sub[position]) if sub is not None and position < len(sub) else ""

    nghi = columns["nghi"]
    parts = {fold(_bare(sub_text(p))): p for p in span(nghi)} if sub is not None else {}
    group = _text(top[nghi])
    found = {
        name: next((p for k, p in parts.items() if k in words), None)
        for name, words in (("nghi_p", _EXCUSED), ("nghi_k", _UNEXCUSED), ("tong_nghi", _TOTAL))
    }
    grouped = any(p is not None for p in found.values())  # «Buổi nghỉ» over «P | K | Tổng»
    del layout.columns["nghi"]
    if grouped:
        for name, position in found.items():
            if position is not None:
                layout.columns[name] = position
                layout.labels[name] = f"{group} {sub_text(position)}"
    else:
        layout.columns["tong_nghi"] = nghi
    for name, position in layout.columns.items():
        layout.labels.setdefault(name, _text(top[position]) or sub_text(position))
    used = set(layout.columns.values())
    group_span = set(span(nghi)) if grouped else set()
    for position in range(width):
        head = _text(top[position]) if position < len(top) else ""
        below_text = sub_text(position)
        if position in used or not (head or below_text):
            continue
        if head:
            label = head
        else:
            owner = nghi if position in group_span else max((p for p in starts if p < position), default=None)
            label = f"{_text(top[owner])} {below_text}" if owner is not None else below_text
        layout.unused.append((position, label, _why_unused(head or label)))
    return layout


def _why_unused(header: str) -> str:
    words = fold(_bare(header))
    component = _COMPONENTS.get(words)
    if component:
        return (
            f"«{header}» là phân môn (hoặc môn của chương trình cũ); Thông tư 22 đánh giá môn "
            f"{catalogs.subject(component).name} nên cột này không dùng để đối chiếu"
        )
    return "không phải cột của bảng tổng hợp mà chương trình đối chiếu; không đọc"


class _SummaryTable(Table):
    """A summary sheet's table, its two-row headers named as the file writes them («Buổi nghỉ P»);
    ``subjects``: its subject columns as `_record` reads them (`_subject_cells`)."""

    labels: dict[str, str]
    subjects: list[tuple[int, str, str, bool, dict]]

    def heading(self, name: str) -> str:
        return self.labels.get(name) or super().heading(name)


def _period(sheet: str, rows: list[tuple], layout: _Layout, expected: str | None) -> str:
    """The sheet's period from its title, else its sub-row; refused when they disagree or say nothing."""
    titles = title_text(rows, layout.header)
    said = _periods_in(titles)
    under = set()
    for row in (rows[layout.header], layout.sub or ()):
        for value in row:
            if isinstance(value, str) and "(" in value:
                under |= _periods_in(fold(value))
    if len(said) > 1 or len(under) > 1 or (said and under and said != under):
        found = ", ".join(PERIOD_WORDS[p] for p in sorted(said | under))
        raise FileFormatError(
            PLATFORM,
            f"Trang «{sheet}»: tiêu đề và dòng dưới tiêu đề cột ghi nhiều kỳ khác nhau ({found}); "
            "không biết bảng tổng hợp là của kỳ nào. Hãy xuất lại từng kỳ một.",
        )
    period = next(iter(said or under), None) or expected
    if period is None:
        raise FileFormatError(
            PLATFORM,
            f"Trang «{sheet}»: tiêu đề không ghi «HỌC KỲ 1», «HỌC KỲ 2» hay «CẢ NĂM» nên không biết bảng "
            "tổng hợp là của kỳ nào; hãy chọn kỳ khi nhập (--semester 1, 2 hoặc CN).",
        )
    if expected and period != expected:
        raise FileFormatError(
            PLATFORM,
            f"Trang «{sheet}»: bảng tổng hợp {PERIOD_WORDS[period]}, không phải {PERIOD_WORDS[expected]} như đã chọn.",
        )
    return period


def read_summary(
    data: bytes,
    expected_year: str | None = None,
    expected_class: str | None = None,
    expected_semester: str | None = None,
) -> ExcelRead:
    """Every class sheet of a vnEdu ``Bảng tổng hợp kết quả`` (a semester's or the year's) as one
    record per student; ``info``: ``sheets`` read (with their period), ``skipped_sheets``,
    ``unused_columns``."""
    book = open_workbook(data, PLATFORM)
    result = ExcelRead(info={"sheets": [], "skipped_sheets": [], "unused_columns": []})
    faults: list[str] = []  # what refuses the whole file: one student on two rows of a sheet
    read_as: dict[bool, dict] = {False: {}, True: {}}  # the book's subject values read so far (`_subject_cells`)
    for sheet in book.worksheets:
        rows = rows_of(sheet)
        found = _find_summary(rows)
        if found is None:
            result.info["skipped_sheets"].append(
                {
                    "sheet": sheet.title,
                    "reason": "trang trống"
                    if not any(v not in (None, "") for row in rows for v in row)
                    else "không có dòng tiêu đề của bảng tổng hợp (Mã học sinh, Họ và tên, KQ học tập, "
                    "Buổi nghỉ) trong 12 dòng đầu",
                }
            )
            continue
        layout = _layout(rows, *found)
        titles = title_text(rows, layout.header)
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
            result.info["skipped_sheets"].append(
                {"sheet": sheet.title, "reason": f"bảng của lớp {class_code}, không phải lớp {expected_class} đã chọn"}
            )
            continue
        period = _period(sheet.title, rows, layout, expected_semester)
        result.info["sheets"].append(
            {
                "sheet": sheet.title,
                "class_code": class_code,
                "school_year": school_year,
                "semester": period,
                "homeroom": homeroom_teacher(rows, layout.header),
            }
        )
        result.info["unused_columns"] += [
            {"sheet": sheet.title, "cell": cell_address(layout.header + 1, p), "column": label, "reason": reason}
            for p, label, reason in layout.unused
        ]
        table = _SummaryTable(sheet.title, rows, layout.header, layout.columns, SUMMARY_COLUMNS)
        table.labels = layout.labels
        table.subjects = _subject_cells(layout.columns, read_as)
        codes: dict[str, list[tuple[int, str]]] = {}
        for number, row in enumerate(rows[layout.first_data :], start=layout.first_data + 1):
            _row(row, table, number, (class_code, period, school_year), result, codes)
        faults += duplicate_faults(sheet.title, table.heading("ma_hoc_sinh"), codes)
    if not result.info["sheets"]:
        raise FileFormatError(
            PLATFORM,
            "Không tìm thấy bảng tổng hợp kết quả (cần các cột Mã học sinh, Họ và tên, KQ học tập, "
            "Buổi nghỉ hoặc Tổng số buổi nghỉ trong 12 dòng đầu).",
        )
    refuse_file(PLATFORM, faults)
    return result


# «GVCN: Nguyễn Thị Lan», «Giáo viên chủ nhiệm: …» in a title row, up to the next field or the row's end
_HOMEROOM = re.compile(
    r"(?:GVCN|gi[aá]o\s+vi[eê]n\s+ch[uủ]\s+nhi[eệ]m)\s*:\s*(.+?)\s*"
    r"(?:$|[-–—,;|]|\s{2,}|\b(?:L[ớo]p|N[ăa]m h[ọo]c|Sĩ số)\b)",
    re.IGNORECASE,
)


def homeroom_teacher(rows: list[tuple], header: int) -> str | None:
    """The homeroom teacher a sheet's title rows name (vnEdu's summaries print «GVCN: …» above the
    table), as written; ``None`` when they name none."""
    for row in rows[:header]:
        for value in row:
            if isinstance(value, str) and (found := _HOMEROOM.search(unicodedata.normalize("NFC", value))):
                name = " ".join(found[1].split())
                return name if any(ch.isalpha() for ch in name) else None
    return None


def _cell(row: tuple, columns: dict[str, int], name: str) -> Any:
    index = columns.get(name)
    value = row[index] if index is not None and index < len(row) else None
    if isinstance(value, str):
        value = value.strip()
        return None if value in _BLANK or not value else value
    return value


def _row(
    row: tuple, table: _SummaryTable, number: int, sheet: tuple, result: ExcelRead, codes: dict[str, list]
) -> None:
    columns = table.columns
    code = _cell(row, columns, "ma_hoc_sinh")
    if code in (None, ""):
        if _holds_a_student(row, columns):
            result.problems.append(
                table.problem(number, "ma_hoc_sinh", "Thiếu mã học sinh nên không nhập được dòng này")
            )
        return  # blank and note rows below the table
    codes.setdefault(_code(code), []).append((number, table.address(number, "ma_hoc_sinh")))
    notes: list[Problem] = []
    try:
        record = _record(row, table, number, sheet, notes)
    except LegacyEncodingError as exc:
        raise FileFormatError(PLATFORM, f"{table.place(number, exc.field or '')}: {exc.reason}") from None
    except MappingError as exc:
        result.problems.append(table.problem(number, exc.field or "", exc.reason))
        return
    result.problems += notes
    result.records.append(record)


def _code(value: Any) -> str:
    """A student code as text: Excel and calamine give a typed 1800000001 as 1800000001 or 1800000001.0."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().removesuffix(".0")


def _holds_a_student(row: tuple, columns: dict[str, int]) -> bool:
    """A name and a result without a code: a student's row that cannot be stored — not a note or
    signature line below the table («Người lập biểu» under the names, «Hiệu trưởng» under a
    subject), whose cells read as no score, level, count or date."""
    if _cell(row, columns, "ho_ten") in (None, ""):
        return False
    return any(
        _reads_as_a_result(_cell(row, columns, name))
        for name in columns
        if name not in ("stt", "ho_ten", "ma_hoc_sinh")
    )


def _reads_as_a_result(value: Any) -> bool:
    if value in (None, ""):
        return False
    if isinstance(value, (int, float, datetime.date)) and not isinstance(value, bool):
        return True
    text = str(value).strip()
    if re.fullmatch(r"\d{1,2}(?:[.,]\d+)?|\d{1,2}/\d{1,2}/\d{4}|\d{9,12}", text) or fold(text) == "mien":
        return True
    for parse in (parse_level, parse_mark):
        try:
            parse(text)
            return True
        except MappingError:
            pass
    return False


def _count(row: tuple, columns: dict, name: str, what: str) -> int | None:
    value = _cell(row, columns, name)
    if value is None:
        return None
    text = str(value).strip().removesuffix(".0")
    if isinstance(value, bool) or not re.fullmatch(r"[0-9]{1,4}", text):
        raise MappingError(f"{what} phải là số nguyên không âm", field=name, value=value)
    return int(text)


def _subject_value(value: Any, by_comment: bool, name: str) -> str:
    if isinstance(value, str) and fold(value) in _EXEMPT_WORDS:
        return EXEMPT  # exempt (health, disability): kept, never read as a missing result
    return parse_mark(value, field=name) if by_comment else str(parse_score(value, field=name))


def _name(value: Any, table: Table, number: int, notes: list[Problem]) -> str:
    """A student's name, with a note at its cell when it was typed with ``Ð`` for ``Đ``."""
    name, said = name_with_notes(value, field="ho_ten")
    notes += [table.problem(number, "ho_ten", note, fatal=False) for note in said]
    return name


def _subject_cells(columns: dict[str, int], seen: dict[bool, dict]) -> list[tuple[int, str, str, bool, dict]]:
    """A summary's subject columns as `_record` reads them: (position, column name, subject code,
    assessed by comment, what each value read so far reads as: ``seen``, the book's, by kind). A
    school's summary holds ~25,000 subject cells and a few hundred values: each is read once per
    kind of subject (scored or by comment), and the cells are taken from the row by position, not
    through `_cell` (a third of a summary's read)."""
    cells = []
    for name, position in columns.items():
        if name.startswith("mon:"):
            info = catalogs.subject(name[4:])
            cells.append((position, name, info.code, info.by_comment, seen[info.by_comment]))
    return cells


def _record(row: tuple, table: _SummaryTable, number: int, sheet: tuple, notes: list[Problem]) -> dict[str, Any]:
    class_code, period, school_year = sheet
    columns = table.columns
    subjects = {}
    width = len(row)
    for position, name, code, by_comment, seen in table.subjects:  # `_cell`, inlined (see `_subject_cells`)
        value = row[position] if position < width else None
        if value is None:
            continue
        if type(value) is str:
            value = value.strip()
            if not value or value in _BLANK:
                continue
        elif not memorable(value):  # True, False, 0 and 1 are equal: each read as itself
            subjects[code] = _subject_value(value, by_comment, name)
            continue
        found = seen.get(value)
        if found is None:
            found = seen[value] = _subject_value(value, by_comment, name)
        subjects[code] = found
    learning, training = _cell(row, columns, "kq_hoc_tap"), _cell(row, columns, "kq_ren_luyen")
    title, promotion = _cell(row, columns, "danh_hieu"), _cell(row, columns, "len_lop")
    excused = _count(row, columns, "nghi_p", "Số buổi nghỉ có phép")
    unexcused = _count(row, columns, "nghi_k", "Số buổi nghỉ không phép")
    total = _count(row, columns, "tong_nghi", "Tổng số buổi nghỉ")
    if total is not None and excused is not None and unexcused is not None and total != excused + unexcused:
        notes.append(
            table.problem(
                number,
                "tong_nghi",
                f"Tổng số buổi nghỉ {total} khác số có phép {excused} cộng không phép {unexcused}; "
                "giữ như tệp ghi, hãy kiểm tra lại điểm danh trên vnEdu",
                fatal=False,
            )
        )
    if total is None and excused is not None and unexcused is not None:
        total = excused + unexcused
    born = _cell(row, columns, "ngay_sinh")
    return {
        "ma_hoc_sinh": _code(_cell(row, columns, "ma_hoc_sinh")),
        "ho_ten": _name(_cell(row, columns, "ho_ten"), table, number, notes),
        "ngay_sinh": parse_date(born, field="ngay_sinh").strftime("%d/%m/%Y") if born is not None else None,
        "so_dinh_danh_ca_nhan": _personal_id(row, table, number, notes),
        "ma_lop": class_code,
        "hoc_ky": period,
        "nam_hoc": school_year,
        "mon": subjects,
        "kq_hoc_tap": parse_level(learning, field="kq_hoc_tap") if learning is not None else None,
        "kq_ren_luyen": parse_level(training, field="kq_ren_luyen") if training is not None else None,
        "nghi_co_phep": excused,
        "nghi_khong_phep": unexcused,
        "tong_buoi_nghi": total,
        "danh_hieu": parse_title(str(title), field="danh_hieu") if title is not None else None,
        "len_lop": parse_promotion(str(promotion), field="len_lop") if promotion is not None else None,
    }


def _personal_id(row: tuple, table: Table, number: int, notes: list[Problem]) -> str | None:
    """The 12-digit personal ID, zeros Excel dropped put back (flagged); one that is no ID is flagged and not kept."""
    value = _cell(row, table.columns, "so_dinh_danh")
    if value is None:
        return None
    try:
        text, restored = restore_digits(value, 12, field="so_dinh_danh")
    except MappingError:
        notes.append(
            table.problem(
                number, "so_dinh_danh", "Số định danh cá nhân phải gồm 12 chữ số; không lưu số này", fatal=False
            )
        )
        return None
    if restored:
        notes.append(
            table.problem(
                number,
                "so_dinh_danh",
                f"Mã được lưu dạng số nên mất số 0 đầu; đã khôi phục thành {text}, hãy định dạng cột là Văn bản (Text)",
                fatal=False,
            )
        )
    return text


# --- the discipline (absence) export -------------------------------------------------------------

DISCIPLINE_COLUMNS = {
    "stt": ["STT", "TT"],
    "ma_hoc_sinh": ["Mã học sinh", "Mã HS"],
    "ho_ten": ["Họ và tên", "Họ tên"],
    "lop": ["Lớp", "Tên lớp"],
    "hinh_thuc": ["Hình thức", "Hình thức vi phạm", "Nội dung"],
    "ghi_chu": ["Ghi chú", "Lý do"],
    "ngay": ["Ngày", "Ngày vi phạm", "Ngày nghỉ"],
}
DISCIPLINE_REQUIRED = ("ma_hoc_sinh", "ho_ten", "hinh_thuc", "ngay")
NOT_ATTENDANCE = "not_attendance"
_WORD = re.compile(r"[a-z0-9]+")
_FORM_CODE = re.compile(r"\(([a-z]{1,3})\)\s*$")


def absence_form(text: str) -> tuple[str, tuple[str, ...]] | str | None:
    """What a ``Hình thức`` says: ``(kind, sessions)`` for an absence (``P``/``K``; ``S``, ``C`` or
    both for a whole day or when no session is named), `NOT_ATTENDANCE` for other forms (late,
    uniform, a missed lesson), ``None`` for an absence whose kind cannot be told."""
    folded = fold(text)
    words = " ".join(_WORD.findall(folded))
    padded = f" {words} "
    if " nghi " not in padded or " tiet " in padded:  # «Nghỉ tiết» is a missed lesson, not a session
        return NOT_ATTENDANCE
    if any(f" {w} " in padded for w in ("khong phep", "khong co phep", "khong ly do", "khong co ly do")):
        kind = "K"
    elif any(f" {w} " in padded for w in ("co phep", "phep", "co ly do")):
        kind = "P"
    else:
        code = _FORM_CODE.search(folded)
        kind = {"p": "P", "k": "K"}.get(code[1]) if code else None
    if kind is None:
        return None
    morning, afternoon = " sang " in padded, " chieu " in padded
    if " ca ngay " in padded or morning == afternoon:
        return kind, ("S", "C")
    return kind, ("S",) if morning else ("C",)


def read_discipline(data: bytes, expect: Expect | None = None) -> ExcelRead:
    """Every sheet of vnEdu's ``Thống kê chi tiết nề nếp`` as absence rows (one record per row:
    ``ma_hoc_sinh``, ``ngay`` dd/mm/yyyy, ``buoi`` list, ``loai``, ``ly_do``…); ``info``:
    ``sheets``, ``skipped_sheets``, ``unused_columns``, ``not_attendance`` (form → rows)."""
    expect = expect or Expect()
    book = open_workbook(data, PLATFORM)
    result = ExcelRead(info={"sheets": [], "skipped_sheets": [], "unused_columns": [], "not_attendance": {}})
    seen: dict[tuple[str, str, str], tuple[str, str, str]] = {}  # (code, day, session) → (kind, place, form)
    other: dict[str, list[Problem]] = {}
    for sheet in book.worksheets:
        rows = rows_of(sheet)
        found = find_header(_header_rows(rows), DISCIPLINE_COLUMNS, DISCIPLINE_REQUIRED)
        if found is None:
            result.info["skipped_sheets"].append(
                {
                    "sheet": sheet.title,
                    "reason": "không có dòng tiêu đề của thống kê nề nếp (Mã học sinh, Họ và tên, Hình thức, "
                    "Ngày) trong 12 dòng đầu",
                }
            )
            continue
        header, columns = found
        used = set(columns.values())
        result.info["unused_columns"] += [
            {
                "sheet": sheet.title,
                "cell": cell_address(header + 1, p),
                "column": _text(v),
                "reason": "điểm thi đua"
                if fold(_text(v)) in ("tong", "diem thi dua", "diem")
                else "không dùng cho điểm danh; không đọc",
            }
            for p, v in enumerate(rows[header])
            if p not in used and _text(v)
        ]
        table = Table(sheet.title, rows, header, columns, DISCIPLINE_COLUMNS)
        before = len(result.records)
        titles = _block_titles(rows, header, columns)
        above: tuple | None = None  # the student row a merged continuation row belongs to
        for number, row in enumerate(rows[header + 1 :], start=header + 2):
            if number - 1 in titles or not any(_text(v) for v in row):
                above = None  # a class's block ends at a blank row or the next block's title
                continue
            if above is not None and _continues(row, columns):
                row = above = _carried(row, above, columns)  # the next one's day may be this one's
            elif _cell(row, columns, "ma_hoc_sinh") is not None:
                above = row
            _discipline_row(row, table, number, expect, result, seen, other)
        result.info["sheets"].append({"sheet": sheet.title, "rows": len(result.records) - before})
    if not result.info["sheets"]:
        raise FileFormatError(
            PLATFORM,
            "Không tìm thấy thống kê nề nếp (cần các cột Mã học sinh, Họ và tên, Hình thức, Ngày trong 12 dòng đầu).",
        )
    _refuse_another_years_file(result, expect)
    for form, places in other.items():
        first = places[0]
        result.info["not_attendance"][form] = len(places)
        result.problems.append(
            Problem(
                first.row,
                f"«{form}» không phải nghỉ học nên không tính vào điểm danh ({len(places)} dòng)",
                first.column,
                fatal=False,
                sheet=first.sheet,
                cell=first.cell,
                value=first.value,
            )
        )
    return result


_CARRIED = ("stt", "ma_hoc_sinh", "ho_ten", "lop")


def _block_titles(rows: list[tuple], header: int, columns: dict[str, int]) -> set[int]:
    """Rows (0-based) of the title blocks vnEdu repeats for each class below the first: the
    export of a whole grade or school is one sheet of class blocks, each with the school's name,
    «THỐNG KÊ CHI TIẾT NỀ NẾP», «Từ ngày: … Khối: …», «Đến ngày: … Lớp: …» and the header again.
    A block's title runs up from its repeated header to the blank row above it."""
    heading = [fold(_text(rows[header][p])) for p in columns.values()]
    titles: set[int] = set()
    for index in range(header + 1, len(rows)):
        row = rows[index]
        if [fold(_text(row[p])) if p < len(row) else "" for p in columns.values()] != heading:
            continue
        titles.add(index)
        above = index - 1
        while above > header and any(_text(v) for v in rows[above]) and not _student_like(rows[above], columns):
            titles.add(above)
            above -= 1
    return titles


def _student_like(row: tuple, columns: dict[str, int]) -> bool:
    """A row that is a student's (a code of digits) or a continuation of one: never a title."""
    code = _cell(row, columns, "ma_hoc_sinh")
    return _code(code).isdigit() if code is not None else _continues(row, columns)


def _continues(row: tuple, columns: dict[str, int]) -> bool:
    """A second, third… incident of the student above: vnEdu merges the student's STT, code,
    name and class cells down over all their incidents (and the day over incidents of one day),
    so the lower rows hold only the form and the points."""
    return _cell(row, columns, "hinh_thuc") is not None and all(_cell(row, columns, n) is None for n in _CARRIED)


def _carried(row: tuple, above: tuple, columns: dict[str, int]) -> tuple:
    """``row`` with the merged cells' values read from the row above (the student's, or an earlier
    incident's carrying them); an empty day is the day above merged down (incidents of one day)."""
    filled = list(row) + [None] * (max(columns.values()) + 1 - len(row))
    for name in (*_CARRIED, "ngay"):
        position = columns.get(name)
        if position is not None and _cell(row, columns, name) is None and position < len(above):
            filled[position] = above[position]
    return tuple(filled)


def _refuse_another_years_file(result: ExcelRead, expect: Expect) -> None:
    """A file none of whose absences falls in the chosen year is another year's export: it is
    refused whole, saying its year, rather than each of its rows one by one."""
    days = result.info.pop("other_years", [])
    if result.records or not days:
        return
    years = ", ".join(sorted({school_year_of(d) for d in days}))
    raise FileFormatError(
        PLATFORM,
        f"Tệp là thống kê nề nếp năm học {years} (ngày {min(days):%d/%m/%Y} – {max(days):%d/%m/%Y}), "
        f"không phải năm học {expect.school_year} như đã chọn.",
    )


def _discipline_row(
    row: tuple,
    table: Table,
    number: int,
    expect: Expect,
    result: ExcelRead,
    seen: dict,
    other: dict[str, list[Problem]],
) -> None:
    columns = table.columns
    code, name, form = (_cell(row, columns, n) for n in ("ma_hoc_sinh", "ho_ten", "hinh_thuc"))
    if code is None and name is None and form is None:
        return  # blank rows, totals and signatures below the table
    if code is None:
        result.problems.append(table.problem(number, "ma_hoc_sinh", "Thiếu mã học sinh nên không nhập được dòng này"))
        return
    code = _code(code)
    if not code.isdigit():
        result.problems.append(table.problem(number, "ma_hoc_sinh", "Mã học sinh phải là dãy chữ số"))
        return
    if form is None:
        result.problems.append(table.problem(number, "hinh_thuc", "Thiếu hình thức nên không biết là nghỉ gì"))
        return
    meaning = absence_form(str(form))
    if meaning == NOT_ATTENDANCE:
        other.setdefault(nfc(str(form)), []).append(table.problem(number, "hinh_thuc", "", fatal=False))
        return
    if meaning is None:
        result.problems.append(
            table.problem(
                number,
                "hinh_thuc",
                "Không rõ hình thức nghỉ này là có phép (P) hay không phép (K); dòng không được nhập",
            )
        )
        return
    kind, sessions = meaning
    try:
        day = _day(_cell(row, columns, "ngay"))
        who = _name(name, table, number, result.problems) if name is not None else ""
    except LegacyEncodingError as exc:
        raise FileFormatError(PLATFORM, f"{table.place(number, exc.field or '')}: {exc.reason}") from None
    except MappingError as exc:
        result.problems.append(table.problem(number, exc.field or "ngay", exc.reason))
        return
    refusal = _outside(day, expect)
    if refusal:
        if school_year_of(day) != expect.school_year:
            result.info.setdefault("other_years", []).append(day)
        result.problems.append(table.problem(number, "ngay", refusal))
        return
    where = table.address(number, "hinh_thuc")
    kept = []
    for session in sessions:
        earlier = seen.get((code, day.isoformat(), session))
        if earlier is None:
            seen[(code, day.isoformat(), session)] = (kind, where, str(form))
            kept.append(session)
        elif earlier[0] != kind:
            result.problems.append(
                table.problem(
                    number,
                    "hinh_thuc",
                    f"Buổi {'sáng' if session == 'S' else 'chiều'} {day:%d/%m/%Y} của em này đã ghi ở ô {earlier[1]} "
                    f"là «{nfc(earlier[2])}»; hai dòng nói khác nhau nên dòng này không được nhập",
                )
            )
            return
    if not kept:
        result.problems.append(
            table.problem(number, "hinh_thuc", "Buổi nghỉ này đã có ở dòng trên; chỉ tính một lần", fatal=False)
        )
        return
    cls = _cell(row, columns, "lop")
    note = _cell(row, columns, "ghi_chu")
    result.records.append(
        {
            "ma_hoc_sinh": code,
            "ho_ten": who,
            "lop": str(cls).strip().upper() if cls is not None else None,
            "ngay": day.strftime("%d/%m/%Y"),
            "buoi": kept,
            "loai": kind,
            "hinh_thuc": nfc(str(form)),
            "ly_do": nfc(str(note)) if note is not None else "",
            "dong": number,
        }
    )


def _day(value: Any) -> date:
    if value is None:
        raise MappingError("Thiếu ngày nghỉ", field="ngay", value=value)
    if isinstance(value, str):
        value = value.split()[0] if value.split() else value  # «02/10/2025 07:00»: the day
    return parse_date(value, field="ngay")


def _outside(day: date, expect: Expect) -> str | None:
    """Why a day is not in what the user chose (the school year, the semester), or ``None``."""
    if expect.school_year and school_year_of(day) != expect.school_year:
        return f"Ngày {day:%d/%m/%Y} không thuộc năm học {expect.school_year} đã chọn; dòng không được nhập"
    if expect.semester in ("1", "2") and semester_of(day) != expect.semester:
        return f"Ngày {day:%d/%m/%Y} không thuộc học kỳ {expect.semester} đã chọn; dòng không được nhập"
    return None


def _is_discipline(rows: list[tuple]) -> bool:
    return find_header(_header_rows(rows), DISCIPLINE_COLUMNS, DISCIPLINE_REQUIRED) is not None


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
        "bảng tổng hợp kết quả (học kỳ hoặc cả năm) của vnEdu",
        lambda rows: _find_summary(rows) is not None,
        lambda data, expect, column_map: read_summary(data, expect.school_year, expected_semester=expect.semester),
        vnedu_mapping.summary_records,
        rank=20,
        periods="any",
    ),
    FileKind(
        "vnedu-nenep",
        PLATFORM,
        "thống kê nề nếp (nghỉ học) xuất từ vnEdu",
        _is_discipline,
        lambda data, expect, column_map: read_discipline(data, expect),
        vnedu_mapping.discipline_records,
        rank=25,
        periods="any",
        empty="Không có dòng nghỉ học nào: hiểu là không học sinh nào nghỉ học trong thời gian của tệp.",
    ),
)
