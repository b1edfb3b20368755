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
from typing import Any

from openpyxl.utils import column_index_from_string

from assessment.engine import semester_average
from assessment.rules import CIRCULAR_22
from connectors.errors import FileFormatError
from connectors.excel import ExcelRead, Problem, open_workbook, rows_of, title_text
from mapping import catalogs
from mapping.errors import LegacyEncodingError, MappingError
from mapping.normalize import clean_name, fold, format_score, parse_mark, parse_score

PLATFORM = "gradebook"
NAME = {"ho va ten", "ho ten", "ten hoc sinh", "hoc sinh", "ho va ten hoc sinh"}
CODE = {"ma hoc sinh", "ma hs"}
TX = re.compile(r"^(tx\s*\d|mieng|15 phut|15'|kiem tra 15 phut|ddgtx\s*\d|thuong xuyen\s*\d)$")
GK = {"gk", "giua ki", "giua ky", "ddggk", "ktgk", "kiem tra giua ki", "kiem tra giua ky"}
CK = {"ck", "cuoi ki", "cuoi ky", "ddgck", "ktck", "kiem tra cuoi ki", "kiem tra cuoi ky"}
AVERAGE = {"dtbmhk", "dtb", "tb", "diem tb", "trung binh"}
COMMENT = {"nhan xet"}
HIDDEN_ID = {"id"}
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
    header_rows: int = 1


def parse_map(text: str) -> dict[str, Any]:
    """``--map "ho_ten=B,tx=D:E:F,gk=G,ck=H,dong=4"`` → a column mapping (letters; ``dong``: header row)."""
    mapping: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, value = part.partition("=")
        if key == "dong":
            mapping["header_row"] = int(value)
        elif key == "tx":
            mapping["tx"] = [column_index_from_string(v) - 1 for v in value.split(":")]
        else:
            mapping[key] = column_index_from_string(value) - 1
    return mapping


def _label(value: Any) -> str:
    return fold(str(value)) if value is not None else ""


def _detect(rows: list[tuple]) -> tuple[int, Columns] | None:
    for index, row in enumerate(rows[:12]):
        labels = [_label(v) for v in row]
        if not any(label in NAME for label in labels):
            continue
        below = [_label(v) for v in rows[index + 1]] if index + 1 < len(rows) else []
        two_rows = any(TX.match(label) for label in below)
        merged = [b if two_rows and b else a for a, b in zip(labels, below + [""] * len(labels))] if two_rows else labels
        columns = Columns(name=labels.index(next(lb for lb in labels if lb in NAME)), tx=[],
                          header_rows=2 if two_rows else 1)
        for position, label in enumerate(merged):
            if TX.match(label):
                columns.tx.append(position)
            for attr, names in (("gk", GK), ("ck", CK), ("code", CODE), ("average", AVERAGE), ("comment", COMMENT),
                                ("row_id", HIDDEN_ID)):
                if label in names and getattr(columns, attr) is None:
                    setattr(columns, attr, position)
        if columns.tx or columns.gk is not None or columns.ck is not None:
            return index, columns
    return None


def _from_map(mapping: dict[str, Any]) -> tuple[int, Columns]:
    try:
        return mapping["header_row"] - 1, Columns(name=mapping["ho_ten"], tx=mapping.get("tx", []),
                                                  gk=mapping.get("gk"), ck=mapping.get("ck"), code=mapping.get("ma_hs"))
    except KeyError as missing:
        raise FileFormatError(PLATFORM, f"Cách ánh xạ cột thiếu {missing.args[0]} (ví dụ: --map "
                                        "\"dong=4,ho_ten=B,tx=D:E:F,gk=G,ck=H\")") from None


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
    if subject:
        info = catalogs.subject_by_name().get(re.sub(r"[\s\-'’]+", "", subject[1]))
        found["subject"] = info.code if info else None
    for key, wanted in (("school_year", expect.school_year), ("semester", expect.semester),
                        ("subject", expect.subject)):
        if wanted and found.get(key) and found[key] != wanted:
            raise FileFormatError(PLATFORM, f"Trang «{sheet_name}»: tệp ghi {_words(key, found[key])}, "
                                            f"không phải {_words(key, wanted)} như đã chọn.")
    return found


def _words(key: str, value: str) -> str:
    if key == "semester":
        return "học kỳ I" if value == "1" else "học kỳ II"
    if key == "subject":
        return f"môn {catalogs.subject(value).name}"
    return f"năm học {value}"


def read_score_book(data: bytes, expect: Expect = Expect(), mapping: dict[str, Any] | None = None) -> ExcelRead:
    """Every class sheet of a score book, as score sheets with what the file says about itself."""
    book = open_workbook(data, PLATFORM)
    result = ExcelRead()
    for sheet in book.worksheets:
        rows = rows_of(sheet)
        located = _from_map(mapping) if mapping else _detect(rows)
        if located is None:
            continue
        header, columns = located
        found = _titles(title_text(rows, header), sheet.title, expect)
        subject = found.get("subject") or expect.subject
        if subject is None:
            raise FileFormatError(PLATFORM, f"Trang «{sheet.title}»: không rõ môn học; hãy chọn môn khi nhập tệp.")
        semester = found.get("semester") or expect.semester or "1"
        _read_rows(rows[header + columns.header_rows:], header + columns.header_rows + 1, columns, subject,
                   semester, found, expect, result)
        result.info.setdefault("sheets", []).append({"sheet": sheet.title, **found, "subject": subject,
                                                     "semester": semester})
    if not result.info.get("sheets"):
        raise FileFormatError(PLATFORM, "Không nhận ra bảng điểm: cần một dòng tiêu đề có cột họ tên và các cột "
                                        "điểm (TX1, Miệng, 15 phút, GK, Giữa kì, CK, Cuối kì…). Hãy chỉ định "
                                        "cột bằng --map \"dong=4,ho_ten=B,tx=D:E:F,gk=G,ck=H\".")
    return result


def _value(raw: Any, by_comment: bool, field: str):
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return parse_mark(raw, field=field) if by_comment else parse_score(raw, field=field)


def _read_rows(rows: list[tuple], first_number: int, columns: Columns, subject: str, semester: str,
               found: dict, expect: Expect, result: ExcelRead) -> None:
    by_comment = catalogs.subject(subject).by_comment
    for number, row in enumerate(rows, start=first_number):
        cell = (lambda i: row[i] if i is not None and i < len(row) else None)
        name = cell(columns.name)
        if name is None or not str(name).strip():
            continue
        scores = [cell(i) for i in columns.tx] + [cell(columns.gk), cell(columns.ck)]
        if all(v is None or str(v).strip() == "" for v in scores) and not isinstance(cell(0), (int, float)):
            continue  # a note or signature line below the table
        try:
            full_name = clean_name(name, field="ho_ten")
            values = [_value(v, by_comment, label) for v, label in
                      zip(scores, [f"TX{i + 1}" for i in range(len(columns.tx))] + ["GK", "CK"])]
        except LegacyEncodingError as exc:
            raise FileFormatError(PLATFORM, exc.reason) from None
        except MappingError as exc:
            result.problems.append(Problem(number, exc.reason, exc.field or ""))
            continue
        record = {"ho_ten": full_name, "lop": found.get("class_code"), "ma_mon": subject, "hoc_ky": semester,
                  "tx": values[:-2], "gk": values[-2], "ck": values[-1],
                  "ma_hoc_sinh": str(cell(columns.code)).strip() if cell(columns.code) else None,
                  "row_id": cell(columns.row_id), "nhan_xet": str(cell(columns.comment) or "").strip()}
        _check_average(record, cell(columns.average), number, result, by_comment)
        result.records.append(record)


def _check_average(record: dict, shown: Any, number: int, result: ExcelRead, by_comment: bool) -> None:
    """vnEdu's ĐTBmhk is compared, never trusted."""
    tx = [v for v in record["tx"] if v is not None]
    if by_comment or shown in (None, "") or record["gk"] is None or record["ck"] is None or not tx:
        return
    computed = semester_average(tx, record["gk"], record["ck"], CIRCULAR_22)
    try:
        in_file = parse_score(shown)
    except MappingError:
        return
    if in_file != computed:
        result.problems.append(Problem(number, f"ĐTBmhk trong tệp {format_score(in_file)} khác giá trị tính lại "
                                               f"{format_score(computed)}", "ĐTBmhk", fatal=False))
