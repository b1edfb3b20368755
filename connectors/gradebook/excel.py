"""Score books in Excel: a teacher's own gradebook or vnEdu's ``Sổ điểm môn học`` export.

No fixed layout: a header row near the top with a name column and score columns
(``TX1``, ``Miệng``, ``15 phút``, ``GK``, ``Giữa kì``, ``CK``, ``Cuối kì``…), possibly over two
rows with ``ĐĐGtx`` merged above ``TX1``…``TX4``; ``8,5`` typed as text; blank and note rows;
one sheet per class. The title rows (subject, class, semester, year) are checked against
what the user asked for. When the columns cannot be recognised, a column mapping
(``--map``) says where they are. Nothing is compared before the user has seen what was read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl.utils import column_index_from_string, get_column_letter

from lienthong.assessment.engine import semester_average
from lienthong.assessment.rules import CIRCULAR_22
from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.excel import (
    ExcelRead,
    FileKind,
    Problem,
    blank_name_fault,
    cell_address,
    duplicate_faults,
    header_text,
    open_workbook,
    place,
    refuse_file,
    rows_of,
    shown,
    title_text,
)
from lienthong.mapping import catalogs
from lienthong.mapping import gradebook as gradebook_mapping
from lienthong.mapping.errors import LegacyEncodingError, MappingError
from lienthong.mapping.normalize import clean_name, fold, format_score, parse_date, parse_mark, parse_score

PLATFORM = "gradebook"
NAME = {"ho va ten", "ho ten", "ten hoc sinh", "hoc sinh", "ho va ten hoc sinh"}
CODE = {"ma hoc sinh", "ma hs"}
# "Miệng", "Miệng 2", "15 phút (3)", "KT 15 phút lần 2", "TX1"…
TX = re.compile(
    r"^(tx\s*\d|mieng|15 phut|15'|(?:kiem tra|kt) 15 phut|ddgtx\s*\d|thuong xuyen\s*\d)"
    r"(\s*\(?\s*(lan\s*)?\d\)?)?$"
)
GK = {"gk", "giua ki", "giua ky", "ddggk", "ktgk", "kiem tra giua ki", "kiem tra giua ky"}
CK = {"ck", "cuoi ki", "cuoi ky", "ddgck", "ktck", "kiem tra cuoi ki", "kiem tra cuoi ky"}
AVERAGE = {"dtbmhk", "dtb", "tb", "diem tb", "trung binh"}
COMMENT = {"nhan xet"}
HIDDEN_ID = {"id"}
BIRTH = {"ngay sinh"}
CLASS = re.compile(r"^[6-9][a-z]\w{0,4}$")


@dataclass(frozen=True)
class Expect:
    """What the user said the file is; title rows that disagree refuse the sheet."""

    subject: str | None = None  # catalog code
    semester: str | None = None  # "1", "2"
    school_year: str | None = None


@dataclass
class Columns:
    name: int
    tx: list[int]
    gk: int | None = None
    ck: int | None = None
    code: int | None = None
    average: int | None = None
    comment: int | None = None
    row_id: int | None = None
    birth: int | None = None
    header_rows: int = 1


ROLES = {
    "tx1": "tx",
    "tx2": "tx",
    "tx3": "tx",
    "tx4": "tx",
    "tx": "tx",
    "gk": "gk",
    "ck": "ck",
    "ho ten": "name",
    "ho_ten": "name",
    "ma hs": "code",
    "ma_hs": "code",
    "ma hoc sinh": "code",
}


LETTER_KEYS = ("ho_ten", "gk", "ck", "ma_hs")
_LETTERS = re.compile(r"[A-Za-z]{1,3}")
MAP_HELP = "dùng «Tên cột=TX1» (TX1…TX4, GK, CK, HO_TEN, MA_HS) hoặc «ho_ten=B,tx=D:E,gk=F,ck=G,dong=4»."


def parse_map(text: str) -> dict[str, Any]:
    """A column mapping for a gradebook whose header was not recognised, in one of two forms.

    By header text: ``"Miệng 1=TX1,Viết 15p=TX2,Thi HK=CK"`` (each text as it stands in the
    header row, folded when compared). By column letters: ``"dong=4,ho_ten=B,tx=D:E:F,gk=G,ck=H"``.
    Whether the rows and columns named exist is checked against each sheet when it is read.
    """
    mapping: dict[str, Any] = {}
    labels: dict[str, str] = {}
    texts: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if key == "dong":
            mapping["header_row"] = _row_number(part, value)
        elif key == "tx" and all(_LETTERS.fullmatch(v) for v in value.split(":")):
            mapping["tx"] = [column_index_from_string(v.upper()) - 1 for v in value.split(":")]
        elif key in LETTER_KEYS and _LETTERS.fullmatch(value):
            mapping[key] = column_index_from_string(value.upper()) - 1
        elif key in (*LETTER_KEYS, "tx") and fold(value) not in ROLES:
            raise FileFormatError(
                PLATFORM,
                f"«{part}» trong --map: cột ghi bằng chữ cái như trên đầu cột Excel (A, B, …, AA), "
                f"không phải «{value}»; {MAP_HELP}",
            )
        elif fold(value) in ROLES:
            labels[fold(key)] = ROLES[fold(value)]
            texts[fold(key)] = key
        else:
            raise FileFormatError(PLATFORM, f"Không hiểu «{part}» trong --map: {MAP_HELP}")
    if labels and mapping:
        # Two ways at once: the letters would be ignored without a word.
        raise FileFormatError(PLATFORM, f"--map trộn tên cột với chữ cái cột; hãy dùng một trong hai cách: {MAP_HELP}")
    if labels:
        mapping["labels"] = labels
        mapping["label_texts"] = texts  # as the user typed them, to name one the file does not have
    return mapping


def _row_number(part: str, value: str) -> int:
    """``dong=4``: the header's row number as Excel shows it, a positive whole number."""
    if not re.fullmatch(r"\d{1,7}", value) or int(value) < 1:
        raise FileFormatError(
            PLATFORM,
            f"«{part}» trong --map: «dong» là số thứ tự của dòng tiêu đề như Excel ghi bên trái "
            "(một số nguyên dương, ví dụ dong=4).",
        )
    return int(value)


def _label(value: Any) -> str:
    return fold(str(value)) if value is not None else ""


def detect_columns(rows: list[tuple], extra: dict[str, str] | None = None) -> tuple[int, Columns] | None:
    """The header row and its columns; ``extra`` maps header texts the user named to roles."""
    extra = extra or {}
    names = NAME | {text for text, role in extra.items() if role == "name"}
    for index, row in enumerate(rows[:12]):
        labels = [_label(v) for v in row]
        if not any(label in names for label in labels):
            continue
        below = [_label(v) for v in rows[index + 1]] if index + 1 < len(rows) else []
        two_rows = any(TX.match(label) for label in below)
        merged = (
            [b if two_rows and b else a for a, b in zip(labels, below + [""] * len(labels))] if two_rows else labels
        )
        columns = Columns(
            name=labels.index(next(lb for lb in labels if lb in names)), tx=[], header_rows=2 if two_rows else 1
        )
        for position, label in enumerate(merged):
            role = extra.get(label) or extra.get(labels[position])
            if role in ("gk", "ck", "code"):
                setattr(columns, role, position)
                continue
            if TX.match(label) or role == "tx":
                columns.tx.append(position)
            for attr, names in (
                ("gk", GK),
                ("ck", CK),
                ("code", CODE),
                ("average", AVERAGE),
                ("comment", COMMENT),
                ("row_id", HIDDEN_ID),
                ("birth", BIRTH),
            ):
                if label in names and getattr(columns, attr) is None:
                    setattr(columns, attr, position)
        if columns.tx or columns.gk is not None or columns.ck is not None:
            return index, columns
    return None


def _from_map(mapping: dict[str, Any], rows: list[tuple], sheet_name: str) -> tuple[int, Columns]:
    try:
        header, columns = (
            mapping["header_row"] - 1,
            Columns(
                name=mapping["ho_ten"],
                tx=mapping.get("tx", []),
                gk=mapping.get("gk"),
                ck=mapping.get("ck"),
                code=mapping.get("ma_hs"),
            ),
        )
    except KeyError as missing:
        raise FileFormatError(
            PLATFORM, f'Cách ánh xạ cột thiếu {missing.args[0]} (ví dụ: --map "dong=4,ho_ten=B,tx=D:E:F,gk=G,ck=H")'
        ) from None
    _check_bounds(header, columns, rows, sheet_name)
    return header, columns


def _used_width(rows: list[tuple]) -> int:
    """How many columns hold something: styled but empty cells do not count."""
    return max((i + 1 for row in rows for i, v in enumerate(row) if v not in (None, "")), default=0)


def _check_bounds(header: int, columns: Columns, rows: list[tuple], sheet_name: str) -> None:
    """A mapping that points past the table would read blanks and say nothing: refuse it instead."""
    if header >= len(rows):
        raise FileFormatError(
            PLATFORM,
            f"--map ghi dong={header + 1} nhưng trang «{sheet_name}» chỉ có {len(rows)} dòng; "
            "hãy ghi số dòng của dòng tiêu đề.",
        )
    width = _used_width(rows)
    named = [("ho_ten", columns.name), ("gk", columns.gk), ("ck", columns.ck), ("ma_hs", columns.code)]
    named += [("tx", position) for position in columns.tx]
    for key, position in named:
        if position is not None and position >= width:
            raise FileFormatError(
                PLATFORM,
                f"--map ghi {key}={get_column_letter(position + 1)} nhưng trang «{sheet_name}» chỉ có "
                f"dữ liệu đến cột {get_column_letter(max(width, 1))}; hãy kiểm tra lại chữ cái của cột.",
            )


def _titles(titles: str, sheet_name: str, expect: Expect) -> dict[str, Any]:
    """Subject, class, semester and year from the title rows; a mismatch refuses the sheet."""
    found: dict[str, Any] = {}
    year = re.search(r"nam hoc:?\s*(\d{4})\s*-\s*(\d{4})", titles)
    if year:
        found["school_year"] = f"{year[1]}-{year[2]}"
    semester = re.search(r"hoc ky:?\s*(ii|i|1|2)\b", titles)
    if semester:
        found["semester"] = "2" if semester[1] in ("ii", "2") else "1"
    cls = re.search(r"\blop:?\s*([6-9][a-z]\w{0,4})\b", titles)
    found["class_code"] = (cls[1] if cls else sheet_name).upper() if cls or CLASS.match(fold(sheet_name)) else None
    subject = re.search(r"so diem mon:?\s*(.+?)(?:\s+lop\b|\s+hoc ky\b|\s+nam hoc\b|$)", titles)
    info = catalogs.subject_by_name().get(re.sub(r"[\s\-'’]+", "", subject[1])) if subject else None
    found["subject"] = info.code if info else _subject_named_in(titles)
    for key, wanted in (
        ("school_year", expect.school_year),
        ("semester", expect.semester),
        ("subject", expect.subject),
    ):
        if wanted and found.get(key) and found[key] != wanted:
            raise FileFormatError(
                PLATFORM,
                f"Trang «{sheet_name}»: tệp ghi {_words(key, found[key])}, "
                f"không phải {_words(key, wanted)} như đã chọn.",
            )
    return found


def _subject_named_in(titles: str) -> str | None:
    """A hand-made title ("Sổ điểm cá nhân — Toán", "Môn: Ngữ văn"): the one subject it names."""
    named = {info.code for text, info in _SUBJECT_WORDS if re.search(rf"(?<!\w){re.escape(text)}(?!\w)", titles)}
    return named.pop() if len(named) == 1 else None


# Short aliases ("Văn") are left out: they occur in school and person names ("THCS Nguyễn Văn Trỗi").
_SUBJECT_WORDS = sorted(
    (
        (fold(text), info)
        for info in catalogs.subjects().values()
        for text in (info.name, *info.aliases)
        if len(text) >= 4
    ),
    key=lambda item: -len(item[0]),
)


def _words(key: str, value: str) -> str:
    if key == "semester":
        return "học kỳ I" if value == "1" else "học kỳ II"
    if key == "subject":
        return f"môn {catalogs.subject(value).name}"
    return f"năm học {value}"


@dataclass
class _Sheet:
    """One class sheet as read: where the header and columns are, to name a cell as Excel does."""

    title: str
    rows: list[tuple]
    header: int  # 0-based index of the (first) header row
    columns: Columns

    @property
    def first_data(self) -> int:
        return self.header + self.columns.header_rows

    def heading(self, position: int | None, fallback: str) -> str:
        """The column's header as the file writes it («Ngày sinh», «Miệng»), else our name for it."""
        return header_text(self.rows, self.header, position, self.columns.header_rows) or fallback

    def problem(self, number: int, position: int | None, message: str, fallback: str, raw: Any, fatal=True) -> Problem:
        return Problem(
            number,
            message,
            self.heading(position, fallback),
            fatal,
            sheet=self.title,
            cell=cell_address(number, position),
            value=shown(raw),
        )


def read_score_book(
    data: bytes, expect: Expect = Expect(), mapping: dict[str, Any] | None = None, keep_unreadable: bool = False
) -> ExcelRead:
    """Every class sheet of a score book, as score sheets with what the file says about itself.

    ``keep_unreadable``: for a platform's export, keep a value that is not a score (or Đ/CĐ) as
    text and note it, instead of refusing the row — a teacher's own book refuses it. A row with
    scores but no name, or a student code on two rows of a sheet, refuses the whole file.
    """
    book = open_workbook(data, PLATFORM)
    result = ExcelRead()
    seen = ""
    faults: list[str] = []
    headings: set[str] = set()
    for worksheet in book.worksheets:
        rows = rows_of(worksheet)
        seen = seen or _likely_header(rows, worksheet.title)
        located = _locate(rows, worksheet.title, mapping)
        if located is None:
            continue
        sheet = _Sheet(worksheet.title, rows, *located)
        headings |= {_label(v) for row in rows[sheet.header : sheet.first_data] for v in row}
        found = _titles(title_text(rows, sheet.header), sheet.title, expect)
        subject = found.get("subject") or expect.subject
        if subject is None:
            raise FileFormatError(PLATFORM, f"Trang «{sheet.title}»: không rõ môn học; hãy chọn môn khi nhập tệp.")
        semester = found.get("semester") or expect.semester or "1"
        faults += _read_rows(sheet, subject, semester, found, result, keep_unreadable)
        result.info.setdefault("sheets", []).append(
            {"sheet": sheet.title, **found, "subject": subject, "semester": semester}
        )
    if not result.info.get("sheets"):
        raise FileFormatError(
            PLATFORM,
            "Không nhận ra bảng điểm: cần một dòng tiêu đề có cột họ tên và các cột "
            "điểm (TX1, Miệng, 15 phút, GK, Giữa kì, CK, Cuối kì…). "
            + seen
            + 'Hãy chỉ định cột, ví dụ --map "Miệng 1=TX1,Viết=TX2,Thi HK=CK" hoặc '
            '--map "dong=4,ho_ten=B,tx=D:E:F,gk=G,ck=H".',
        )
    _check_labels_found(mapping, headings)
    refuse_file(PLATFORM, faults)
    return result


def _locate(rows: list[tuple], sheet_name: str, mapping: dict[str, Any] | None) -> tuple[int, Columns] | None:
    if mapping and "labels" in mapping:
        return detect_columns(rows, mapping["labels"])
    if not mapping:
        return detect_columns(rows)
    if not _used_width(rows):
        return None  # an empty sheet next to the class sheets: nothing to map, nothing to lose
    return _from_map(mapping, rows, sheet_name)


def _check_labels_found(mapping: dict[str, Any] | None, headings: set[str]) -> None:
    """A header text in ``--map`` that no header row has (a typo) would map nothing without a word."""
    texts = (mapping or {}).get("label_texts", {})
    missing = [texts[label] for label in (mapping or {}).get("labels", {}) if label not in headings]
    if missing:
        names = ", ".join(f"«{text}»" for text in missing)
        raise FileFormatError(
            PLATFORM,
            f"--map ghi cột {names} nhưng dòng tiêu đề của tệp không có cột nào như vậy; hãy chép đúng chữ ở đầu cột.",
        )


def _likely_header(rows: list[tuple], sheet_name: str) -> str:
    """The row that looks most like a header (most text cells in the first 12 rows), to show the user."""
    best = max(
        enumerate(rows[:12]), key=lambda r: sum(isinstance(v, str) and bool(v.strip()) for v in r[1]), default=None
    )
    if best is None or not any(isinstance(v, str) for v in best[1]):
        return ""
    cells = " | ".join(f"«{str(v).strip()}»" for v in best[1][:30] if v not in (None, ""))
    return f"Trang «{sheet_name}», dòng {best[0] + 1} có: {cells}. "


def _value(raw: Any, by_comment: bool, field: str):
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return parse_mark(raw, field=field) if by_comment else parse_score(raw, field=field)


def _kept(raw: Any, by_comment: bool, label: str, where: Problem, result: ExcelRead):
    """A platform's export holds what the platform holds: an unreadable value is kept as its text
    (reconciliation reports it against the gradebook) and noted, the row is not refused."""
    try:
        return _value(raw, by_comment, label)
    except LegacyEncodingError:
        raise
    except MappingError as exc:
        where.message, where.fatal = f"{exc.reason} (giữ nguyên «{raw}» để đối chiếu)", False
        result.problems.append(where)
        return str(raw).strip()


def _blank(value: Any) -> bool:
    return value is None or not str(value).strip()


def _looks_like_score(value: Any, by_comment: bool) -> bool:
    """A score (or Đ/CĐ) in a score column, as opposed to a signature or a note spilling over
    from below the table: only a score makes a nameless row someone's lost marks."""
    if isinstance(value, bool) or _blank(value):
        return False
    if isinstance(value, (int, float, Decimal)):
        return True
    if re.fullmatch(r"\d{1,2}(?:[.,]\d+)?", str(value).strip()):
        return True
    try:
        return by_comment and parse_mark(value) is not None
    except MappingError:
        return False


def _code(raw: Any) -> str | None:
    """A student code as text: Excel turns a typed 1800000001 into the number 1800000001.0."""
    return str(raw).strip().removesuffix(".0") if raw not in (None, "") and str(raw).strip() else None


def _read_rows(
    sheet: _Sheet, subject: str, semester: str, found: dict, result: ExcelRead, keep_unreadable: bool
) -> list[str]:
    """Read the sheet's rows into ``result``; return what must refuse the whole file (nameless
    rows with scores, student codes on two rows)."""
    by_comment = catalogs.subject(subject).by_comment
    columns = sheet.columns
    positions = [*columns.tx, columns.gk, columns.ck]
    labels = [f"TX{i + 1}" for i in range(len(columns.tx))] + ["GK", "CK"]
    fields = {"ho_ten": columns.name, "ngay_sinh": columns.birth, **dict(zip(labels, positions))}
    faults: list[str] = []
    codes: dict[str, list[tuple[int, str]]] = {}
    name_heading = sheet.heading(columns.name, "Họ và tên")
    for number, row in enumerate(sheet.rows[sheet.first_data :], start=sheet.first_data + 1):

        def cell(i, row=row):
            return row[i] if i is not None and i < len(row) else None

        scores = [cell(i) for i in positions]
        if _blank(cell(columns.name)):
            filled = [cell_address(number, i) for i in positions if _looks_like_score(cell(i), by_comment)]
            if filled:
                name_cell = cell_address(number, columns.name)
                faults.append(blank_name_fault(sheet.title, number, name_cell, name_heading, filled))
            continue
        if all(_blank(v) for v in scores) and not isinstance(cell(0), (int, float)):
            continue  # a note or signature line below the table
        code = _code(cell(columns.code))
        if code:
            codes.setdefault(code, []).append((number, cell_address(number, columns.code)))
        try:
            full_name = clean_name(cell(columns.name), field="ho_ten")
            born = cell(columns.birth)
            birth = parse_date(born, field="ngay_sinh").strftime("%d/%m/%Y") if born not in (None, "") else None
            values = [
                _kept(v, by_comment, label, sheet.problem(number, i, "", label, v), result)
                if keep_unreadable
                else _value(v, by_comment, label)
                for v, label, i in zip(scores, labels, positions)
            ]
        except LegacyEncodingError as exc:
            where = place(sheet.title, number, cell_address(number, fields.get(exc.field or "")))
            raise FileFormatError(PLATFORM, f"{where}: {exc.reason}") from None
        except MappingError as exc:
            position = fields.get(exc.field or "")
            result.problems.append(sheet.problem(number, position, exc.reason, exc.field or "", cell(position)))
            continue
        record = {
            "dong": number,
            "ho_ten": full_name,
            "ngay_sinh": birth,
            "lop": found.get("class_code"),
            "ma_mon": subject,
            "hoc_ky": semester,
            "tx": values[:-2],
            "gk": values[-2],
            "ck": values[-1],
            "ma_hoc_sinh": code,
            "row_id": cell(columns.row_id),
            "nhan_xet": str(cell(columns.comment) or "").strip(),
        }
        _check_average(
            record,
            cell(columns.average),
            sheet.problem(number, columns.average, "", "ĐTBmhk", None),
            result,
            by_comment,
        )
        result.records.append(record)
    return faults + duplicate_faults(sheet.title, sheet.heading(columns.code, "Mã học sinh"), codes)


def _check_average(record: dict, shown_value: Any, where: Problem, result: ExcelRead, by_comment: bool) -> None:
    """vnEdu's ĐTBmhk is compared, never trusted."""
    tx = [v for v in record["tx"] if v is not None]
    if (
        by_comment
        or shown_value in (None, "")
        or not tx
        or not all(isinstance(v, Decimal) for v in [*tx, record["gk"], record["ck"]])
    ):
        return
    computed = semester_average(tx, record["gk"], record["ck"], CIRCULAR_22)
    try:
        in_file = parse_score(shown_value)
    except MappingError:
        return
    if in_file != computed:
        where.message = f"ĐTBmhk trong tệp {format_score(in_file)} khác giá trị tính lại {format_score(computed)}"
        where.fatal, where.value = False, shown(shown_value)
        result.problems.append(where)


FILE_KINDS = (
    FileKind(
        "gradebook",
        PLATFORM,
        "sổ điểm cá nhân của giáo viên",
        lambda rows: bool(detect_columns(rows)),
        lambda data, expect, column_map: read_score_book(data, expect, column_map),
        gradebook_mapping.gradebook_records,
        rank=90,
        periods="semester",
        owner=True,
    ),
)
