"""Score books in Excel: a teacher's own gradebook or vnEdu's ``Sổ điểm môn học`` export.

No fixed layout: a header row near the top with a name column and score columns (``TX1``,
``Miệng``, ``15 phút``, ``GK``, ``Giữa kì``, ``CK``, ``Cuối kì``…), possibly over two rows with
``ĐĐGtx`` merged above ``TX1``…``TX4``; ``8,5`` typed as text; blank and note rows; one sheet
per class. The title rows (subject, class, semester, year) are checked against what the user
asked for. When the columns cannot be recognised, a column mapping (``--map``) says where they
are. Nothing is compared before the user has seen what was read.

Who a row is: teachers key their books as they like, and every key is read, none required —
``Mã học sinh`` (vnEdu's code), ``Mã định danh`` (the ministry's 10-digit ID), ``Số định
danh``/``CCCD`` (the 12-digit personal ID), or the name alone (with ``Ngày sinh`` and the class
from the title, the sheet or a ``Lớp``/``Tên lớp`` column). ``MSHS`` is the ministry's ID when
most of its values have that shape (10 digits, or 9 in a number cell that lost its leading
zero); otherwise it is the school's own numbering, which no platform shares: the column is then
listed as not used and the rows are matched by name. IDs Excel turned into numbers get their
leading zeros back (one note per column of a sheet).

Split tests: part columns (``GKTN | GKTH | CKTN | CKTH``, ``GK TN``, ``Trắc nghiệm``/``Tự luận``
under a ``Giữa kì``/``Cuối kì`` group) are never combined by guess. The school says how, once:
``--map "GK=GKTN+GKTH,CK=CKTN+CKTH"`` (the sum of the parts, each 0–10 with up to two
decimals, the sum within 0–10 and rounded half-up to one decimal as Circular 22 rounds). Until
then the parts are listed as not used with that hint, and a note says the test was not read.

Every header cell of a recognised table is either used or listed in ``info["unused_columns"]``
(``{"sheet", "cell", "column", "reason"}``), every sheet without a table in
``info["skipped_sheets"]`` (``{"sheet", "reason"}``).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache, partial
from operator import is_not, itemgetter
from typing import Any, Callable

from lienthong.assessment.engine import round_half_up, semester_average
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
    memorable,
    open_workbook,
    place,
    refuse_file,
    rows_of,
    shown,
    title_text,
)
from lienthong.connectors.spreadsheet import column_letters, column_number
from lienthong.mapping import catalogs
from lienthong.mapping import gradebook_files as gradebook_mapping
from lienthong.mapping.errors import LegacyEncodingError, MappingError
from lienthong.mapping.normalize import (
    fold,
    format_score,
    name_with_notes,
    parse_date,
    parse_mark,
    parse_score,
    restore_digits,
)

PLATFORM = "gradebook"

# --- header vocabulary (folded text) ---------------------------------------------------------------

NAME = {
    "ho va ten",
    "ho ten",
    "ten hoc sinh",
    "hoc sinh",
    "ho va ten hoc sinh",
    "ho ten hoc sinh",
    "ho va ten hs",
    "ho ten hs",
}
SURNAME = {"ho", "ho dem", "ho va dem", "ho va ten dem", "ho lot", "ho va ten lot"}  # beside a «Tên» column
GIVEN = {"ten"}
CODE = {"ma hoc sinh", "ma hs"}  # vnEdu's code, as its exports name it
SCHOOL_NUMBER = {"mshs", "ma so hoc sinh", "ma so hs"}  # the ministry's ID or the school's own numbering
MINISTRY = re.compile(r"^ma (?:so )?dinh danh(?! ca nhan)(?: .*)?$|^ma dd(?:hs)?$")
PERSONAL = re.compile(r"^(?:so |ma so |ma )?dinh danh ca nhan$|^so dinh danh$|\bcccd\b|\bcmnd\b|\bcan cuoc\b")
CLASS_COLUMN = {"lop", "ten lop", "lop hoc"}
STT = {"stt", "tt", "so tt", "so thu tu", "so"}
# "Miệng", "Miệng 2", "15 phút (3)", "KT 15 phút lần 2", "TX1"…
# «HS1»/«Hệ số 1»: the coefficient-1 column of books kept since Circular 58 (github:solz9/L-4 DS_10Ly4.xlsx);
# under Circular 22 only regular assessments weigh 1, so it is a TX whichever rules the teacher learnt
TX = re.compile(
    r"^(tx\s*\d|mieng|15 phut|15'|(?:kiem tra|kt) 15 phut|ddgtx\s*\d|thuong xuyen\s*\d|hs\s*1(?!\d)|he so 1(?!\d))"
    r"(\s*\(?\s*(lan\s*)?\d\)?)?$"
)
_MID = r"(?:gk|giua (?:hoc )?k[iy]|giua hk|ddggk|ktgk)"
_END = r"(?:ck|cuoi (?:hoc )?k[iy]|cuoi hk|ddgck|ktck)"
_TEST_PREFIX = r"(?:(?:bai kiem tra|bai kt|kiem tra|kt|diem|thi|bai) )?"
_SEMESTER = r"(?: (?:i|ii|1|2|hk ?i|hk ?ii|hk ?1|hk ?2))?"
GK = re.compile(rf"^{_TEST_PREFIX}{_MID}{_SEMESTER}$")
CK = re.compile(rf"^{_TEST_PREFIX}{_END}{_SEMESTER}$")
# A group header over the regular assessments in a two-row header («ĐĐGtx», «Điểm thường xuyên»,
# «Hệ số 1» of books kept since Circular 58) and what its columns say below it: a number, a TX, an oral
# or 15-minute test (the coefficient-1 tests of those books)
TX_GROUP = re.compile(
    r"^(?:ddg ?tx|tx|diem tx|(?:diem |danh gia |kiem tra |diem kiem tra )?thuong xuyen|hs ?1|(?:diem )?he so 1)$"
)
TX_UNDER_GROUP = re.compile(r"^(?:(?:lan|l|cot|tx|m|mieng|15p|15 phut|15'|kt ?15p?|v|viet) ?)?\d{0,2}$")
_PART = r"(?:phan )?(?:tn|tl|th|trac nghiem|tu luan|thuc hanh)"
# A part of the mid- or end-of-term test in one header cell: "GKTN", "GK TL", "Cuối kì - Tự luận"
PART = re.compile(
    rf"^{_TEST_PREFIX}(?P<test>{_MID}|{_END})[\s\-_/.:]*(?P<part>{_PART})$"
    rf"|^(?P<part2>{_PART})[\s\-_/.:]*(?P<test2>{_MID}|{_END})$"
)
PART_UNDER_GROUP = re.compile(rf"^{_PART}$")  # "Trắc nghiệm" below a merged "Giữa kì"
AVERAGE = {"dtbmhk", "dtb", "tb", "diem tb", "trung binh", "dtbhk", "tbm", "tbmhk", "diem trung binh"}
COMMENT = {"nhan xet"}
HIDDEN_ID = {"id"}
BIRTH = {"ngay sinh", "ngay thang nam sinh", "ngay, thang, nam sinh", "ngay/thang/nam sinh"}
SHEET_CLASS = re.compile(r"^(?:lop\s*)?([6-9][a-z]\w{0,4})$")

# Why a header the reader knows is not used: (folded pattern, reason said to the teacher).
UNUSED_REASONS = (
    (re.compile(r"^(?:dia chi )?(?:e-?mail|thu dien tu)\b"), "địa chỉ thư điện tử: không thuộc sổ điểm, không nhập"),
    (
        re.compile(r"^(?:diem )?(?:cong|tru|cong/tru|cong tru|cong, tru|\+/-)(?: diem)?$|^diem (?:cong|tru)"),
        "điểm cộng/trừ không có trong Thông tư 22: không nhập",
    ),
    (
        re.compile(r"^(?:dtb ?)?(?:mcn|ca nam|cn)$|^dtbmcn$|^tbcn$|^dtb ca nam$|^trung binh ca nam$"),
        "điểm trung bình cả năm được tính lại từ hai học kỳ: không nhập",
    ),
    (
        re.compile(r"^(?:dtb|tbm?|diem tb|diem trung binh|trung binh)\b"),
        "điểm trung bình khác (học kỳ khác, cả năm) được tính lại theo Thông tư 22: không nhập",
    ),
    (
        re.compile(r"^(?:xep loai|danh gia|ket qua|hoc luc|hanh kiem|danh hieu)"),
        "kết quả, xếp loại do phần mềm tính lại theo Thông tư 22: không nhập",
    ),
    (re.compile(r"^(?:ghi chu|chu thich)"), "ghi chú của giáo viên: không nhập (vẫn còn trong tệp)"),
    (
        re.compile(r"^(?:gioi tinh|nu|nam/nu|dan toc|ton giao|noi sinh|que quan|dia chi|so dien thoai|sdt|dien thoai)"),
        "thông tin lý lịch không thuộc sổ điểm: hồ sơ học sinh lấy từ danh sách của trường",
    ),
)
UNUSED_DEFAULT = (
    "cột không thuộc sổ điểm (họ tên, mã, ngày sinh, lớp, TX, GK, CK, ĐTB, nhận xét): không nhập; "
    'nếu là cột điểm, hãy chỉ định bằng --map (ví dụ --map "Tên cột=TX1")'
)


@dataclass(frozen=True)
class Expect:
    """What the user said the file is; title rows that disagree refuse the sheet."""

    subject: str | None = None  # catalog code
    semester: str | None = None  # "1", "2"
    school_year: str | None = None
    # The semester a book is read as when neither its title nor the person says (the one in progress
    # by the school calendar, `sync.file_reading.Wanted`); each such sheet carries a note saying so.
    semester_now: str | None = None
    # No semester is in progress in the book's school year (a year over, or to come): a book that
    # names none is refused, asking which, rather than read as one (`sync.file_reading.Wanted`).
    semester_asked: bool = False


@dataclass(frozen=True)
class Part:
    """One part column of a split test (``GKTN``; ``Trắc nghiệm`` under ``Giữa kì``)."""

    position: int
    test: str  # "gk" or "ck"
    label: str  # the folded header as one text ("gktn", "trac nghiem")
    group: str = ""  # the folded group header above it in a two-row header ("giua ki")


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
    given: int | None = None  # «Tên» when the name is split into «Họ đệm» | «Tên»
    ministry: int | None = None  # «Mã định danh» (10 digits)
    personal: int | None = None  # «Số định danh», «CCCD» (12 digits)
    school_number: int | None = None  # «MSHS»: decided per sheet from its values
    class_column: int | None = None  # «Lớp», «Tên lớp»
    parts: list[Part] = field(default_factory=list)
    combine: dict[str, list[int]] = field(default_factory=dict)  # "gk" → part positions summed
    unused: list[tuple[int, str]] = field(default_factory=list)  # (position, reason)
    labels: list[str] = field(default_factory=list)  # folded header per position (lowest row)


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
    "ma dinh danh": "ministry",
    "ma_dinh_danh": "ministry",
    "so dinh danh": "personal",
    "so_dinh_danh": "personal",
    "cccd": "personal",
    "ngay sinh": "birth",
    "ngay_sinh": "birth",
    "lop": "class_column",
    # a column the teacher says is no score of Circular 22 (exercise counts, a bonus, her own
    # marks): the book is read without it, where a score-like column nobody named refuses it
    "khong": "skip",
    "bo qua": "skip",
    "khong nhap": "skip",
}
SKIPPED_BY_MAP = "--map ghi là không phải cột điểm: không nhập"
_ATTRIBUTE_ROLES = ("gk", "ck", "code", "ministry", "personal", "birth", "class_column")


LETTER_KEYS = ("ho_ten", "gk", "ck", "ma_hs")
_LETTERS = re.compile(r"[A-Za-z]{1,3}")
MAP_HELP = (
    "dùng «Tên cột=TX1» (TX1…TX4, GK, CK, HO_TEN, MA_HS, MA_DINH_DANH, SO_DINH_DANH, NGAY_SINH, LOP; "
    "KHONG cho cột không phải điểm), "
    "«ho_ten=B,tx=D:E,gk=F,ck=G,dong=4», hoặc «GK=GKTN+GKTH» để cộng các phần của một bài kiểm tra "
    "(trang nào chia khác thì thêm sau dấu |: «GK=GKTN+GKTH|GKTN»)."
)
TEST_WORDS = {"gk": "giữa kì", "ck": "cuối kì"}


def parse_map(text: str) -> dict[str, Any]:
    """A column mapping for a gradebook, in the forms below (combinable with ``GK=…+…``).

    By header text: ``"Miệng 1=TX1,Viết 15p=TX2,Thi HK=CK"`` (each text as it stands in the
    header row, folded when compared). By column letters: ``"dong=4,ho_ten=B,tx=D:E:F,gk=G,ck=H"``.
    How a split test adds up: ``"GK=GKTN+GKTH,CK=CKTN+CKTH"`` → ``mapping["combine"] =
    {"gk": ["gktn", "gkth"], "ck": [...]}`` (each part a header text; ``Trắc nghiệm`` names the
    part under that test's group). A book whose sheets split a test differently (grade 12 sheets
    ``GKTN | GKTH``, grade 9 sheets the whole test in ``GKTN``) says each way after a ``|``:
    ``"GK=GKTN+GKTH|GKTN"`` → also ``mapping["combine_ways"] = {"gk": [["gktn", "gkth"], ["gktn"]]}``;
    each sheet takes the way with the most parts it has all of. Whether the rows and columns named
    exist is checked against each sheet when it is read.
    """
    mapping: dict[str, Any] = {}
    labels: dict[str, str] = {}
    texts: dict[str, str] = {}
    combine: dict[str, list[str]] = {}
    alternatives: dict[str, list[list[str]]] = {}
    combine_texts: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if fold(key) in ("gk", "ck") and ("+" in value or "|" in value):
            ways = [[piece.strip() for piece in way.split("+")] for way in value.split("|")]
            folded = [[fold(piece) for piece in way] for way in ways]
            if (
                (len(ways) == 1 and len(ways[0]) < 2)
                or not all(all(way) for way in ways)
                or any(len(set(way)) < len(way) for way in folded)
                or len({tuple(sorted(way)) for way in folded}) < len(folded)
                or fold(key) in combine
            ):
                raise FileFormatError(
                    PLATFORM,
                    f"«{part}» trong --map: ghi các phần khác nhau, cách nhau bởi dấu +, ví dụ GK=GKTN+GKTH "
                    "(trang nào có ít phần hơn: thêm sau dấu |, ví dụ GK=GKTN+GKTH|GKTN).",
                )
            combine[fold(key)] = folded[0]
            if len(ways) > 1:
                alternatives[fold(key)] = folded
            combine_texts[fold(key)] = f"{key.upper()}={'|'.join('+'.join(way) for way in ways)}"
        elif key == "dong":
            mapping["header_row"] = _row_number(part, value)
        elif key == "tx" and all(_LETTERS.fullmatch(v) for v in value.split(":")):
            mapping["tx"] = [_column_index(v.upper()) - 1 for v in value.split(":")]
        elif key in LETTER_KEYS and _LETTERS.fullmatch(value):
            mapping[key] = _column_index(value.upper()) - 1
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
    if combine:
        mapping["combine"] = combine
        mapping["combine_texts"] = combine_texts
    if alternatives:
        mapping["combine_ways"] = alternatives
    return mapping


def _column_index(letters: str) -> int:
    """A column's number from its letters as Excel heads it (``A`` → 1, ``AA`` → 27)."""
    return column_number(letters.encode("ascii"))


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


_HEADER_NOTES = re.compile(r"\s*\([^)]*\)|[*:]+$")


def _bare(label: str) -> str:
    """A header without its notes: «Ngày sinh (dd/mm/yyyy)», «Họ và tên:», «Giữa kì*»."""
    return _HEADER_NOTES.sub("", label).strip()


def _test_of(label: str) -> str | None:
    if GK.match(label):
        return "gk"
    if CK.match(label):
        return "ck"
    return None


def _role(label: str, extra: dict[str, str]) -> Any:
    """What a header means: a role name, ``("part", test)``, or ``None``."""
    return _headed(label) if not extra else _role_of(label, extra)


@lru_cache(maxsize=4096)
def _headed(label: str) -> Any:
    """`_role` without a user's map: the same headers come on every sheet of every book."""
    return _role_of(label, {})


def _role_of(label: str, extra: dict[str, str]) -> Any:
    for text in dict.fromkeys((label, _bare(label))):
        if not text:
            continue
        if text in extra:
            return extra[text]
        if found := PART.match(text):
            test = found["test"] or found["test2"]
            return ("part", "gk" if re.fullmatch(_MID, test) else "ck")
        if TX.match(text):
            return "tx"
        if test := _test_of(text):
            return test
        for role, words in (
            ("name", NAME),
            ("surname", SURNAME),
            ("given", GIVEN),
            ("code", CODE),
            ("school_number", SCHOOL_NUMBER),
            ("class_column", CLASS_COLUMN),
            ("stt", STT),
            ("average", AVERAGE),
            ("comment", COMMENT),
            ("row_id", HIDDEN_ID),
            ("birth", BIRTH),
        ):
            if text in words:
                return role
        if PERSONAL.search(text):
            return "personal"
        if MINISTRY.match(text):
            return "ministry"
    return None


def detect_columns(rows: list[tuple], extra: dict[str, str] | None = None) -> tuple[int, Columns] | None:
    """The header row and its columns; ``extra`` maps header texts the user named to roles."""
    for index, row in enumerate(rows[:12]):
        below = rows[index + 1] if index + 1 < len(rows) else None
        if extra:
            columns = _header_columns(row, below, extra)
        else:  # every class sheet of a book has the same header rows: read once, copied for each sheet
            try:
                found = _known_header(row, below)
            except TypeError:  # an unhashable cell value
                found = _header_columns(row, below, {})
            columns = _copied(found) if found is not None else None
        if columns is not None:
            return index, columns
    return None


@lru_cache(maxsize=1024)
def _known_header(row: tuple, below: tuple | None) -> Columns | None:
    return _header_columns(row, below, {})


def known_header(text: str) -> bool:
    """Whether ``text`` is a header a teacher's book uses (a score, name, code, class… column)."""
    return _headed(_label(text)) is not None


def _copied(columns: Columns) -> Columns:
    """A sheet's own copy: a reader adds to a sheet's columns (split tests, unused ones)."""
    return replace(
        columns,
        tx=list(columns.tx),
        parts=list(columns.parts),
        combine={test: list(positions) for test, positions in columns.combine.items()},
        unused=list(columns.unused),
        labels=list(columns.labels),
    )


def _header_columns(row: tuple, below_row: tuple | None, extra: dict[str, str]) -> Columns | None:
    """``row`` read as a header row (with ``below_row`` as its second row when it has one), or ``None``."""
    top = [_label(v) for v in row]
    roles = [_role(label, extra) for label in top]
    if "name" in roles:
        name, given = roles.index("name"), None
    elif "surname" in roles and "given" in roles:
        name, given = roles.index("surname"), roles.index("given")
    else:
        return None
    below = [_label(v) for v in below_row] if below_row is not None else []
    two_rows = any(TX.match(label) or PART.match(label) or PART_UNDER_GROUP.match(label) for label in below)
    two_rows = two_rows or _tx_group_above(top, below, name)
    columns = Columns(name=name, tx=[], given=given, header_rows=2 if two_rows else 1)
    _fill(columns, top, below if two_rows else [], extra, taken={name, given} - {None})
    if columns.tx or columns.gk is not None or columns.ck is not None or columns.parts:
        return columns
    return None


def _fill(columns: Columns, top: list[str], below: list[str], extra: dict[str, str], taken: set[int]) -> None:
    """Give every header cell a role, a part of a split test, or a reason it is not used.

    Positions named by the user's ``--map`` (``extra``, ``taken``) come first; of two columns
    with one role the first is used and the second listed as not used."""
    width = max(len(top), len(below))
    top, below = top + [""] * (width - len(top)), below + [""] * (width - len(below))
    merged = [b or a for a, b in zip(top, below)]
    columns.labels = merged
    group = _groups(top, below)
    named = {p for p in range(width) if merged[p] in extra or top[p] in extra}
    for position in sorted(range(width), key=lambda p: p not in named):
        label = merged[position]
        if position in taken or not label:
            continue
        role = extra.get(label) or extra.get(top[position]) or _role(label, extra)
        if role is None and below[position] and PART_UNDER_GROUP.match(below[position]):
            test = _test_of(_bare(group[position]))
            role = ("part", test) if test else None
        if role is None and _under_tx_group(group[position], below[position]):  # «M1» under «Hệ số 1»
            role = "tx"
        if isinstance(role, tuple):
            columns.parts.append(Part(position, role[1], label, group[position] if below[position] else ""))
        elif role == "tx":
            columns.tx.append(position)
        elif role == "stt":
            continue  # the row number: tells table rows from notes, nothing to store
        elif role == "skip":
            columns.unused.append((position, SKIPPED_BY_MAP))
        elif role in ("name", "surname", "given"):
            columns.unused.append((position, "cột họ tên thứ hai: chỉ đọc cột họ tên đầu tiên"))
        elif role in (*_ATTRIBUTE_ROLES, "average", "comment", "row_id", "school_number"):
            if getattr(columns, role) is None:
                setattr(columns, role, position)
            else:
                first = column_letters(getattr(columns, role) + 1)
                columns.unused.append((position, f"cột trùng với cột {first}: chỉ đọc cột {first}"))
        else:
            columns.unused.append((position, _unused_reason(label)))
    columns.tx.sort()
    for position in columns.tx[MOST_TX:]:  # a fifth one would be stored and never compared: said instead
        columns.unused.append((position, MORE_TX))
    del columns.tx[MOST_TX:]


def _groups(top: list[str], below: list[str]) -> list[str]:
    """Each column's group header in a two-row header: a merged group cell holds its text in its
    first column only, and spans the columns after it that are blank above and named below."""
    group, current = [], ""
    for a, b in zip(top, below + [""] * (len(top) - len(below))):
        current = a or (current if b else "")
        group.append(current)
    return group


def _tx_group_above(top: list[str], below: list[str], name: int) -> bool:
    """Whether ``below`` is the second row of a header whose regular assessments' group spans
    columns (a merged «Hệ số 1» over «M1 | M2 | …»): the group's text only in its first column, its
    columns named below, and no name below the name's header (not a student's row under one row)."""
    if name >= len(below) or below[name]:
        return False
    groups = _groups(top, below)
    return any(not a and _under_tx_group(g, b) for a, g, b in zip(top, groups, below))


def _under_tx_group(group: str, below: str) -> bool:
    """A column of the regular assessments' group (`TX_GROUP`) whose own label says one of them."""
    return bool(below) and TX_UNDER_GROUP.match(below) is not None and TX_GROUP.match(_bare(group)) is not None


def _unused_reason(label: str) -> str:
    for pattern, reason in UNUSED_REASONS:
        if pattern.search(_bare(label) or label):
            return reason
    return UNUSED_DEFAULT


# What a letter map lacks, said as the person types it (``header_row`` is the reader's own name).
_MAP_KEYS_SAID = {"header_row": "dong=… (số dòng tiêu đề)", "ho_ten": "ho_ten=… (cột họ tên)"}


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
            PLATFORM,
            f"--map ghi cột bằng chữ cái nhưng thiếu «{_MAP_KEYS_SAID.get(missing.args[0], missing.args[0])}» "
            '(ví dụ: --map "dong=4,ho_ten=B,tx=D:E:F,gk=G,ck=H").',
        ) from None
    _check_bounds(header, columns, rows, sheet_name)
    taken = {columns.name, *columns.tx, columns.gk, columns.ck, columns.code} - {None}
    _fill(columns, [_label(v) for v in rows[header]], [], {}, taken)
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
                f"--map ghi {key}={column_letters(position + 1)} nhưng trang «{sheet_name}» chỉ có "
                f"dữ liệu đến cột {column_letters(max(width, 1))}; hãy kiểm tra lại chữ cái của cột.",
            )


# A title's year, semester, class and subject (`_titles`: every sheet of every score book)
_TITLE_YEAR = re.compile(r"nam hoc:?\s*(\d{4})\s*-\s*(\d{4})")
_TITLE_SEMESTER = re.compile(r"\b(?:hoc k[yi]|hk):?\s*(ii|i|1|2)\b")  # «Học kỳ I», «Học kì 2», «HK2», «HKII»
_TITLE_CLASS = re.compile(r"\blop:?\s*([6-9][a-z]\w{0,4})\b")
_TITLE_SUBJECT = re.compile(r"so diem mon:?\s*(.+?)(?:\s+lop\b|\s+hoc ky\b|\s+nam hoc\b|$)")


# A book whose titles name no subject (a real teacher's list with its header on row 1, github:solz9/L-4):
# «hãy chọn môn khi nhập tệp» did not say how.
_NO_SUBJECT = (
    "Trang «{sheet}»: không rõ môn học (không có dòng tiêu đề nào ghi môn). Hãy chọn môn khi nhập "
    "(lienthong import --subject TOAN, hoặc ô Môn khi tải tệp lên), hoặc thêm phía trên dòng tiêu đề "
    "cột một dòng ghi môn, ví dụ «Sổ điểm môn Toán»."
)


def known_subject(chosen: str | None) -> str | None:
    """The catalog code of the subject a person chose (``--subject``, the upload form), by its code
    in any case or by its name («Toán», «Ngữ văn»). A teacher of an upper secondary class types the
    subject she teaches (``LY``, ``HOA``): said in words with the codes the catalog has, not left
    to fail inside the reader as an internal error."""
    if chosen is None:
        return None
    text = chosen.strip()
    known = catalogs.subjects()
    if text.upper() in known:
        return text.upper()
    info = catalogs.subject_named(text)
    if info is not None:
        return info.code
    codes = ", ".join(f"{code} ({info.name})" for code, info in known.items())
    raise FileFormatError(
        PLATFORM,
        f"Môn «{shown(text)}» không có trong danh mục môn THCS của lienthong; hãy chọn một mã: {codes}.",
    )


_SEMESTER_ASKED = (
    "Trang «{sheet}»: tiêu đề không ghi học kỳ («Học kỳ I/II») và năm học {year} không phải năm học đang "
    "diễn ra, nên không biết sổ là của học kỳ nào. Hãy nhập lại và chọn học kỳ (lienthong import --semester 1 "
    "hoặc --semester 2, hoặc ô Học kỳ khi tải tệp lên)."
)


def _semester_assumed(sheet: _Sheet, semester: str, in_progress: bool) -> Problem:
    """The note of a sheet read as ``semester`` because nothing said which (``in_progress``: the
    semester the school calendar is in, else semester I for a book of another school year): a
    semester II book read as semester I would stand for semester I's scores, so the person is
    told which was taken and how to say otherwise."""
    shown_semester = "I" if semester == "1" else "II"
    other = "2" if semester == "1" else "1"
    why = ", học kỳ đang diễn ra" if in_progress else ""
    return Problem(
        1,  # where a title would say it
        f"Tiêu đề của trang không ghi học kỳ («Học kỳ I/II»): đã đọc là học kỳ "
        f"{shown_semester}{why}. Nếu không phải, hãy nhập lại và chọn học kỳ "
        f"(lienthong import --semester {other}, hoặc ô Học kỳ khi tải tệp lên).",
        "Học kỳ",
        False,
        sheet=sheet.title,
    )


def _titles(titles: str, sheet_name: str, expect: Expect) -> dict[str, Any]:
    """Subject, class, semester and year from the title rows; a mismatch refuses the sheet."""
    found: dict[str, Any] = {}
    year = _TITLE_YEAR.search(titles)
    if year:
        found["school_year"] = f"{year[1]}-{year[2]}"
    semester = _TITLE_SEMESTER.search(titles)
    if semester:
        found["semester"] = "2" if semester[1] in ("ii", "2") else "1"
    titled, named = _TITLE_CLASS.search(titles), SHEET_CLASS.match(fold(sheet_name))
    if titled and named and titled[1] != named[1]:  # a sheet copied for another class, half renamed
        raise FileFormatError(
            PLATFORM,
            f"Trang «{sheet_name}»: tên trang là lớp {named[1].upper()} nhưng tiêu đề ghi lớp {titled[1].upper()}; "
            "không rõ lớp nào đúng. Hãy sửa tên trang hoặc dòng tiêu đề cho đúng lớp rồi nhập lại.",
        )
    cls = titled or named
    found["class_code"] = cls[1].upper() if cls else None
    subject = _TITLE_SUBJECT.search(titles)
    info = catalogs.subject_named(subject[1]) if subject else None
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
    named = {info.code for word, info in _SUBJECT_WORD_PATTERNS if word.search(titles)}
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
# each one as a whole word, compiled once (`_subject_named_in` looks for every one in a sheet's titles)
_SUBJECT_WORD_PATTERNS = [(re.compile(rf"(?<!\w){re.escape(text)}(?!\w)"), info) for text, info in _SUBJECT_WORDS]


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

    def header_cell(self, position: int) -> str:
        """The address of the cell that holds the column's header (the lower row of a two-row header)."""
        for index in range(self.first_data - 1, self.header - 1, -1):
            row = self.rows[index] if index < len(self.rows) else ()
            if position < len(row) and not _blank(row[position]):
                return cell_address(index + 1, position)
        return cell_address(self.header + 1, position)

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

    def unused(self, position: int, reason: str, column: str | None = None) -> dict[str, str]:
        return {
            "sheet": self.title,
            "cell": self.header_cell(position),
            "column": column if column is not None else self.heading(position, ""),
            "reason": reason,
        }


def read_score_book(
    data: bytes, expect: Expect = Expect(), mapping: dict[str, Any] | None = None, keep_unreadable: bool = False
) -> ExcelRead:
    """Every class sheet of a score book, as score sheets with what the file says about itself.

    ``keep_unreadable``: for a platform's export, keep a value that is not a score (or Đ/CĐ) as
    text and note it, instead of refusing the row — a teacher's own book refuses it. A row with
    scores but no name, or a student code or ID on two rows of a sheet, refuses the whole file.

    Each record: ``dong``, ``trang`` (sheet), ``ho_ten``, ``ngay_sinh`` (dd/mm/yyyy), ``lop``,
    ``ma_mon``, ``hoc_ky``, ``tx``, ``gk``, ``ck``, ``ma_hoc_sinh`` (vnEdu's code),
    ``ma_dinh_danh`` (10 digits), ``so_dinh_danh`` (12 digits), ``row_id``, ``nhan_xet``.
    """
    expect = replace(expect, subject=known_subject(expect.subject))
    book = open_workbook(data, PLATFORM)
    result = ExcelRead(info={"sheets": [], "skipped_sheets": [], "unused_columns": []})
    result.info["skipped_sheets"] += [{"sheet": name, "reason": why} for name, why in getattr(book, "skipped", [])]
    seen = unplaced = ""
    faults: list[str] = []
    headings: set[str] = set()
    combined: set[tuple[str, str]] = set()  # (test, part text) of --map found in some sheet
    # by_comment → cell → value (`_Cells`); "averages": ĐTBmhk cell → score (`_check_average`); "tenths":
    # a score read → its tenths (`_Tenths`)
    parsed: dict[bool | str, dict] = {False: {None: None}, True: {None: None}, "averages": {}, "tenths": _Tenths()}
    for worksheet in book.worksheets:
        rows = rows_of(worksheet)
        located = _locate(rows, worksheet.title, mapping)
        if located is None:
            likely = _likely_header(rows, worksheet.title)  # what the person is shown; said only when wanted
            seen = seen or likely
            result.info["skipped_sheets"].append({"sheet": worksheet.title, "reason": _why_skipped(rows, likely)})
            continue
        sheet = _Sheet(worksheet.title, rows, *located)
        headings |= {_label(v) for row in rows[sheet.header : sheet.first_data] for v in row}
        found = _titles(title_text(rows, sheet.header), sheet.title, expect)
        subject = found.get("subject") or expect.subject
        if subject is None:
            raise FileFormatError(PLATFORM, _NO_SUBJECT.format(sheet=sheet.title))
        semester = found.get("semester") or expect.semester
        if semester is None and expect.semester_now is None and expect.semester_asked:
            raise FileFormatError(PLATFORM, _SEMESTER_ASKED.format(sheet=sheet.title, year=expect.school_year))
        if semester is None:  # neither the title nor the person says: the semester in progress, said aloud
            semester = expect.semester_now or "1"
            result.problems.append(_semester_assumed(sheet, semester, in_progress=bool(expect.semester_now)))
        parts_unused: list[dict] = []
        combined |= _resolve_parts(sheet, mapping, catalogs.subject(subject).by_comment, result, parts_unused)
        if not keep_unreadable and not _letters(mapping):  # a platform's export, a letter map: layout known
            unplaced = unplaced or _unplaced_scores(sheet)
        unused = [sheet.unused(position, reason) for position, reason in sheet.columns.unused] + parts_unused
        _decide_school_number(sheet, unused)
        classes: set[str] = set()
        first_record = len(result.records)
        faults += _read_rows(sheet, subject, semester, found, result, keep_unreadable, classes, parsed)
        unused += _headerless(sheet, result.records[first_record:])
        result.info["unused_columns"] += sorted(unused, key=lambda u: _column_order(u["cell"]))
        info = {"sheet": sheet.title, **found, "subject": subject, "semester": semester}
        if sheet.columns.row_id is not None:  # vnEdu's ID column is hidden in every score book it exports
            info["id_column"] = column_letters(sheet.columns.row_id + 1)
        if sheet.columns.class_column is not None:
            info["classes"] = sorted(classes)
            if not info.get("class_code") and len(classes) == 1:
                info["class_code"] = next(iter(classes))
        result.info["sheets"].append(info)
    if not result.info["sheets"]:
        raise FileFormatError(
            PLATFORM,
            "Không nhận ra bảng điểm: cần một dòng tiêu đề có cột họ tên và các cột "
            "điểm (TX1, Miệng, 15 phút, GK, Giữa kì, CK, Cuối kì…). "
            + seen
            + 'Hãy chỉ định cột, ví dụ --map "Miệng 1=TX1,Viết=TX2,Thi HK=CK" hoặc '
            '--map "dong=4,ho_ten=B,tx=D:E:F,gk=G,ck=H".',
        )
    faults += _same_students_on_two_sheets(result)
    _check_labels_found(mapping, headings)
    _check_combine_found(mapping, combined)
    if unplaced:  # after the checks of --map: a typo in it is the likelier cause
        raise FileFormatError(PLATFORM, unplaced)
    refuse_file(PLATFORM, faults)
    return result


_ROMAN = {"1": "I", "2": "II"}
# Circular 22's most ĐĐGtx a semester (a subject of more than 70 periods a year): the cells compared
MOST_TX = 4
MORE_TX = f"Thông tư 22 quy định nhiều nhất {MOST_TX} ĐĐGtx mỗi học kỳ: cột ĐĐGtx thứ {MOST_TX + 1} trở đi không nhập"


def _same_students_on_two_sheets(result: ExcelRead) -> list[str]:
    """A student's sheet of one class, subject and semester on two sheets of the book (a copy kept
    beside the book, «6A1 (2)»): stored by student, the later would replace the earlier in silence.
    With other scores it is a fault (which sheet is right is for the teacher); with the same scores
    a note (stored once). A class split over two sheets holds other students and says nothing."""
    first: dict[tuple, dict] = {}
    clashes: dict[tuple[str, str], list[tuple[dict, dict]]] = {}
    repeats: dict[tuple[str, str], list[tuple[dict, dict]]] = {}
    for record in result.records:
        who = record["ma_hoc_sinh"] or record["ma_dinh_danh"] or record["so_dinh_danh"]
        key = (record["lop"], record["ma_mon"], record["hoc_ky"], who or (fold(record["ho_ten"]), record["ngay_sinh"]))
        earlier = first.setdefault(key, record)
        if earlier["trang"] == record["trang"]:  # itself, or twice on one sheet (`_read_rows` says so)
            continue
        same = (earlier["tx"], earlier["gk"], earlier["ck"]) == (record["tx"], record["gk"], record["ck"])
        (repeats if same else clashes).setdefault((earlier["trang"], record["trang"]), []).append((earlier, record))
    for (one, other), pairs in repeats.items():
        result.problems.append(
            Problem(
                pairs[0][1]["dong"],
                f"Trang «{other}» ghi lại đúng điểm của {len(pairs)} học sinh đã có ở trang «{one}»: chỉ lưu một lần",
                fatal=False,
                sheet=other,
            )
        )
    faults = []
    for (one, other), pairs in clashes.items():
        record = pairs[0][0]
        rows = ", ".join(f"{a['dong']} và {b['dong']}" for a, b in pairs[:5]) + (", …" if len(pairs) > 5 else "")
        of_class = f" lớp {record['lop']}" if record["lop"] else ""
        semester = _ROMAN.get(record["hoc_ky"], record["hoc_ky"])
        faults.append(
            f"Trang «{one}» và trang «{other}» cùng ghi điểm môn {catalogs.subject(record['ma_mon']).name} "
            f"học kỳ {semester}{of_class} của {len(pairs)} học sinh nhưng khác nhau (dòng {rows}): "
            "không rõ trang nào đúng. Hãy xoá trang cũ, hoặc nhập từng trang trong một tệp riêng."
        )
    return faults


def _column_order(address: str) -> tuple[int, str]:
    letters = re.match(r"[A-Z]*", address)[0]
    return (len(letters), letters)


def _locate(rows: list[tuple], sheet_name: str, mapping: dict[str, Any] | None) -> tuple[int, Columns] | None:
    if mapping and "labels" in mapping:
        return detect_columns(rows, mapping["labels"])
    if not _letters(mapping):
        return detect_columns(rows)
    if not _used_width(rows):
        return None  # an empty sheet next to the class sheets: nothing to map, nothing to lose
    return _from_map(mapping, rows, sheet_name)


def _unplaced_scores(sheet: _Sheet) -> str:
    """Columns of scores whose header says nothing known («Kiểm tra nói», «Thi HK»): reading the
    rest would bring in part of the teacher's scores and compare blanks for the others, so the
    file is refused with the columns to name in ``--map`` (a letter map names them on purpose).
    Returns the message, ``""`` when there are none."""
    columns = sheet.columns
    rows = [row for row in sheet.rows[sheet.first_data :] if columns.name < len(row) and not _blank(row[columns.name])]
    unplaced = []
    for position, reason in columns.unused:
        if reason != UNUSED_DEFAULT:
            continue
        values = [row[position] for row in rows if position < len(row) and not _blank(row[position])]
        if values and sum(_looks_like_score(v, False) for v in values) * 2 >= len(values):
            unplaced.append(f"«{sheet.heading(position, '')}» (ô {sheet.header_cell(position)})")
    if not unplaced:
        return ""
    return (
        f"Trang «{sheet.title}»: cột {', '.join(unplaced)} có điểm nhưng không rõ là điểm nào "
        "(TX, GK hay CK); không nhập để khỏi sót điểm. "
        + _likely_header(sheet.rows, sheet.title)
        + 'Hãy chỉ định cột, ví dụ --map "Miệng 1=TX1,Viết=TX2,Thi HK=CK"; cột không phải điểm: '
        "«Tên cột=KHONG»."
    )


def _letters(mapping: dict[str, Any] | None) -> bool:
    """Whether ``--map`` places the columns by letter (``dong=4,ho_ten=B,…``)."""
    return bool(mapping) and any(key in mapping for key in ("header_row", "tx", *LETTER_KEYS))


def _why_skipped(rows: list[tuple], likely: str) -> str:
    if not _used_width(rows):
        return "trang trống"
    return "không có dòng tiêu đề của sổ điểm trong 12 dòng đầu (cần cột họ tên và cột điểm TX/GK/CK)" + (
        f"; {likely.strip()}" if likely else ""
    )


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


def _check_combine_found(mapping: dict[str, Any] | None, combined: set[tuple[str, str]]) -> None:
    """``GK=GKTN+GKTH`` where no sheet has those columns: a typo would add nothing without a word.
    The school's standing rule (``[files] gradebook_parts``) is for the books that split a test:
    a book that does not is read as it is."""
    if (mapping or {}).get("standing"):
        return
    ways = (mapping or {}).get("combine_ways", {})
    for test, parts in (mapping or {}).get("combine", {}).items():
        named = {part for way in ways.get(test, [parts]) for part in way}
        if not any((test, part) in combined for part in named):
            raise FileFormatError(
                PLATFORM,
                f"--map ghi «{mapping['combine_texts'][test]}» nhưng không trang nào có các cột đó; "
                "hãy chép đúng chữ ở đầu cột.",
            )


def _likely_header(rows: list[tuple], sheet_name: str) -> str:
    """The row that looks most like a header (most text cells in the first 12 rows), to show the user."""
    best = max(
        enumerate(rows[:12]), key=lambda r: sum(isinstance(v, str) and bool(v.strip()) for v in r[1]), default=None
    )
    if best is None or not any(isinstance(v, str) for v in best[1]):
        return ""
    # each cell on one line (a header's «ĐIỂM \nHỌC TẬP» broke the refusal over lines) and cut short
    cells = " | ".join(f"«{shown(v)}»" for v in best[1][:30] if v not in (None, ""))
    return f"Trang «{sheet_name}», dòng {best[0] + 1} có: {cells}. "


# --- split tests -------------------------------------------------------------------------------------


def _resolve_parts(
    sheet: _Sheet, mapping: dict[str, Any] | None, by_comment: bool, result: ExcelRead, unused: list[dict]
) -> set[tuple[str, str]]:
    """Which part columns make up GK and CK (``columns.combine``), from the school's ``--map``;
    parts nobody said how to add are listed as not used, with the hint, and noted. Returns the
    (test, text) of the ``--map`` parts this sheet has."""
    columns = sheet.columns
    wanted = (mapping or {}).get("combine", {})
    found: set[tuple[str, str]] = set()
    for test in ("gk", "ck"):
        chosen = _match_parts(sheet, test, wanted.get(test, []), mapping) if test in wanted else {}
        parts = [p for p in columns.parts if p.test == test]
        found |= {(test, text) for text in chosen}
        if not parts and not chosen:
            continue
        written = ", ".join(sheet.heading(p.position, p.label) for p in parts)
        plain = getattr(columns, test)
        if plain is not None:
            reason = (
                f"điểm {TEST_WORDS[test]} lấy ở cột «{sheet.heading(plain, test.upper())}» "
                f"(ô {sheet.header_cell(plain)}); các phần không được cộng thêm"
            )
        elif by_comment:
            reason = "môn đánh giá bằng nhận xét (Đ/CĐ): không cộng các phần của bài kiểm tra"
        elif chosen:
            columns.combine[test] = list(chosen.values())
            reason = f"không có trong --map «{mapping['combine_texts'][test]}»: không cộng"
        else:
            hint = "+".join(sheet.heading(p.position, p.label) for p in parts)
            reason = (
                f"cột {written} là phần của bài kiểm tra {TEST_WORDS[test]}; "
                f'hãy cho biết cách cộng bằng --map "{test.upper()}={hint}"'
            )
            first = parts[0].position
            result.problems.append(
                Problem(
                    sheet.first_data,  # the (lowest) header row, as Excel numbers it
                    f"{reason[0].upper()}{reason[1:]}. Chưa nhập điểm {TEST_WORDS[test]} của trang này.",
                    written,
                    False,
                    sheet=sheet.title,
                    cell=sheet.header_cell(first),
                    withheld=True,
                )
            )
        used = set(columns.combine.get(test, []))
        unused += [sheet.unused(p.position, reason) for p in parts if p.position not in used]
    return found


def _match_parts(sheet: _Sheet, test: str, texts: list[str], mapping: dict[str, Any]) -> dict[str, int]:
    """The columns a ``GK=…+…`` names on this sheet (text → position): a part column of that test
    whose header, or its text under the test's group, is the one named; any other header not yet
    used when the text is its whole header. All or none: part of them refuses the file. With
    ways after ``|`` the sheet takes the way with the most parts it has all of."""
    columns = sheet.columns
    ways = mapping.get("combine_ways", {}).get(test, [texts])
    named = [_parts_named(sheet, test, way, mapping) for way in ways]
    whole = [found for found, way in zip(named, ways, strict=True) if len(found) == len(way)]
    chosen = max(whole, key=len, default={})
    partial = next((found for found in named if found), {})
    if not chosen and partial:
        way = ways[named.index(partial)]
        lacking = ", ".join(f"«{t}»" for t in way if t not in partial)
        has = "+".join(sheet.heading(p, columns.labels[p]) for p in partial.values())
        raise FileFormatError(
            PLATFORM,
            f"Trang «{sheet.title}» không có cột {lacking} mà --map «{mapping['combine_texts'][test]}» ghi; "
            "hãy chép đúng chữ ở đầu cột, hoặc nếu trang này chia bài kiểm tra khác các trang kia, "
            f"ghi thêm cách cộng của nó sau dấu |, ví dụ «{mapping['combine_texts'][test]}|{has}».",
        )
    if chosen:  # the columns chosen are parts from now on, not columns left unused
        kept = {p.position for p in columns.parts}
        columns.parts += [Part(p, test, columns.labels[p]) for p in chosen.values() if p not in kept]
        columns.unused = [(p, reason) for p, reason in columns.unused if p not in chosen.values()]
    return chosen


def _parts_named(sheet: _Sheet, test: str, texts: list[str], mapping: dict[str, Any]) -> dict[str, int]:
    """The columns of this sheet that ``texts`` name (text → position); a text naming two refuses."""
    columns = sheet.columns
    free = {position for position, _ in columns.unused}  # headers no role took
    found: dict[str, int] = {}
    for text in texts:
        candidates = [
            p.position
            for p in columns.parts
            if p.test == test and (text in (p.label, _bare(p.label)) or text == f"{p.group} {p.label}".strip())
        ]
        candidates = candidates or [
            position for position in free if text in (columns.labels[position], _bare(columns.labels[position]))
        ]
        if len(candidates) > 1:
            cells = ", ".join(sheet.header_cell(p) for p in sorted(candidates))
            raise FileFormatError(
                PLATFORM,
                f"Trang «{sheet.title}»: --map «{mapping['combine_texts'][test]}» — có nhiều cột «{text}» "
                f"(ô {cells}); hãy ghi tên cột đầy đủ hơn.",
            )
        if candidates:
            found[text] = candidates[0]
    return found


_PART_TEXT = re.compile(r"^\d{1,2}(?:[.,]\d+)?$", re.ASCII)
_HUNDREDTH = Decimal("0.01")


def _part_score(raw: Any, field: str) -> Decimal:
    """One part of a split test: 0–10 with up to two decimals (``5,75``), as an exact decimal."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float, Decimal)):
        raise MappingError("Điểm không phải là số", value=raw, field=field)
    if isinstance(raw, float):
        number = Decimal(repr(raw))
    elif isinstance(raw, str):
        text = unicodedata.normalize("NFC", raw).strip()
        if not _PART_TEXT.match(text):
            raise MappingError("Điểm phải là số từ 0 đến 10, ví dụ 5,75", value=raw, field=field)
        number = Decimal(text.replace(",", "."))
    else:
        number = Decimal(raw)
    if not number.is_finite():
        raise MappingError("Điểm không phải là số", value=raw, field=field)
    if number.quantize(_HUNDREDTH) != number:
        raise MappingError("Điểm phần chỉ được có tối đa hai chữ số thập phân", value=raw, field=field)
    if not 0 <= number <= 10:
        raise MappingError("Điểm phải nằm trong khoảng từ 0 đến 10", value=raw, field=field)
    return number


def _number(value: Decimal) -> str:
    text = format(value, "f")
    return (text.rstrip("0").rstrip(".") if "." in text else text).replace(".", ",")


_SERIAL_ZERO = datetime.datetime(1899, 12, 31)  # Excel's day 0, as calamine dates days 1–59


def number_shown_as_date(raw: Any) -> float | None:
    """The number 0–10 a cell formatted as a date holds: Excel keeps the number typed (``3``) and
    shows it as «03/01/1900», calamine gives the date; ``None`` for any other value. No day of a
    school file falls in January 1900, so such a date in a score cell is always a number."""
    if type(raw) is datetime.time:
        serial = (raw.hour * 3600 + raw.minute * 60 + raw.second) / 86400
    elif type(raw) is datetime.datetime:
        serial = (raw - _SERIAL_ZERO).total_seconds() / 86400
    elif type(raw) is datetime.date:
        serial = (raw - _SERIAL_ZERO.date()).days
    else:
        return None
    return round(serial, 2) if 0 <= serial <= 10 else None


def _as_date_note(sheet: _Sheet, number: int, position: int, label: str, raw: Any, read: float) -> Problem:
    return sheet.problem(
        number,
        position,
        f"Ô {cell_address(number, position)} định dạng ngày tháng nên Excel hiện «{shown(raw)}»; "
        f"đã đọc là điểm {_number(Decimal(repr(read)))}. Hãy đổi định dạng các ô điểm thành Số",
        label,
        raw,
        fatal=False,
    )


def _part_or_date(raw: Any, position: int, sheet: _Sheet, number: int, result: ExcelRead) -> Decimal:
    field = f"part:{position}"
    try:
        return _part_score(raw, field)
    except MappingError:
        read = number_shown_as_date(raw)
        if read is None:
            raise
        result.problems.append(_as_date_note(sheet, number, position, sheet.heading(position, ""), raw, read))
        return _part_score(read, field)


def _combined(sheet: _Sheet, number: int, row: tuple, test: str, result: ExcelRead) -> Decimal | None:
    """The test's score as the sum of its parts (rounded as Circular 22 rounds); ``None`` when all
    parts are blank, or some are (noted: a missing part is not guessed as 0). Raises MappingError
    (with the part's header as field) for a part or a sum that is not a score."""
    positions = sheet.columns.combine[test]
    raws = [row[p] if p < len(row) else None for p in positions]
    if all(_blank(v) for v in raws):
        return None
    headings = [sheet.heading(p, "") for p in positions]
    cells = [cell_address(number, p) for p in positions]
    if any(_blank(v) for v in raws):
        blank = ", ".join(c for c, v in zip(cells, raws) if _blank(v))
        result.problems.append(
            Problem(
                number,
                f"Thiếu điểm phần ở ô {blank} nên chưa cộng được điểm {TEST_WORDS[test]}; "
                "điểm này để trống, hãy điền đủ các phần",
                " + ".join(headings),
                False,
                sheet=sheet.title,
                cell=cells[0],
                value=" + ".join(shown(v) for v in raws),
            )
        )
        return None
    values = [_part_or_date(v, p, sheet, number, result) for v, p in zip(raws, positions)]
    total = sum(values, Decimal(0))
    if total > 10:
        raise MappingError(
            f"{' + '.join(headings)} = {' + '.join(_number(v) for v in values)} = {_number(total)}, lớn hơn 10 "
            f"(ô {', '.join(cells)}): điểm {TEST_WORDS[test]} phải từ 0 đến 10",
            value=" + ".join(shown(v) for v in raws),
            field=f"sum:{test}",
        )
    return round_half_up(total)


# --- identifiers -------------------------------------------------------------------------------------

_ID_SHAPES = {"ministry": (10, 9, "mã định danh"), "personal": (12, 10, "số định danh cá nhân")}


def _ministry_shaped(raw: Any) -> bool:
    """A value of an «MSHS» column that is the ministry's ID: 10 digits, or 9 in a number cell (a
    ministry ID begins with its province's code, 01…96, whose zero Excel drops)."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw).is_integer() and 9 <= len(str(int(raw))) <= 10
    return isinstance(raw, str) and bool(re.fullmatch(r"\d{10}", raw.strip()))


def _decide_school_number(sheet: _Sheet, unused: list[dict]) -> None:
    """«MSHS» holds the ministry's ID when most of its values have that shape; otherwise it is the
    school's own numbering, which no platform shares: listed as not used, rows matched by name."""
    columns = sheet.columns
    position = columns.school_number
    if position is None:
        return
    values = [
        row[position] for row in sheet.rows[sheet.first_data :] if position < len(row) and not _blank(row[position])
    ]
    if values and sum(map(_ministry_shaped, values)) * 2 > len(values) and columns.ministry is None:
        columns.ministry = position
    else:
        why = (
            "mã riêng của trường, không phải mã định danh Bộ GD&ĐT (10 chữ số): không dùng để đối chiếu; "
            "học sinh được nhận theo họ tên và ngày sinh"
            if columns.ministry is None
            else f"đã có cột mã định danh {column_letters(columns.ministry + 1)}: chỉ đọc cột đó"
        )
        unused.append(sheet.unused(position, why))
    columns.school_number = None


def _identifier(raw: Any, kind: str, field: str) -> tuple[str, bool]:
    """A ministry ID (10 digits) or personal ID (12): ``(text, restored)``; a number cell may have
    lost its leading zeros (one for a ministry ID, up to two for a personal ID)."""
    width, shortest, words = _ID_SHAPES[kind]
    try:
        text, restored = restore_digits(raw, width, field=field)
    except MappingError:
        raise MappingError(f"Không phải {words} ({width} chữ số)", value=raw, field=field) from None
    original = len(str(int(raw))) if isinstance(raw, (int, float)) else len(str(raw).strip().split(".")[0])
    if original < shortest:
        raise MappingError(f"Không phải {words} ({width} chữ số)", value=raw, field=field)
    return text, restored


def _class_of(raw: Any) -> str | None:
    """A class as a row's «Lớp» cell writes it: «6A1», «Lớp 6a1» → ``6A1``."""
    if _blank(raw):
        return None
    text = unicodedata.normalize("NFC", str(raw)).strip()
    text = re.sub(r"^l[ớo]p\s*:?\s*", "", text, flags=re.IGNORECASE)
    return re.sub(r"\s+", "", text).upper() or None


# --- rows --------------------------------------------------------------------------------------------


def _value(raw: Any, by_comment: bool, field: str):
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return parse_mark(raw, field=field) if by_comment else parse_score(raw, field=field)


def _scores(
    scores: list, labels: list[str], positions: list, by_comment: bool, keep: bool, sheet, number: int, result
) -> list:
    """A row's score cells read; with ``keep`` (a platform's export) an unreadable one is kept as text
    and noted (`_kept`), else it refuses the row. A cell is parsed once and a note's place made only
    for a cell that needs one: a school's score books hold ~300,000 cells."""
    values = []
    for raw, label, position in zip(scores, labels, positions):
        try:
            values.append(_value(raw, by_comment, label))
        except LegacyEncodingError:
            raise
        except MappingError:
            read = number_shown_as_date(raw)
            if read is not None:
                values.append(_value(read, by_comment, label))
                result.problems.append(_as_date_note(sheet, number, position, label, raw, read))
                continue
            if not keep:
                raise
            values.append(
                _kept(raw, by_comment, label, partial(sheet.problem, number, position, "", label, raw), result)
            )
    return values


@lru_cache(maxsize=8192)
def _birth_text(born: Any) -> str:
    return parse_date(born, field="ngay_sinh").strftime("%d/%m/%Y")


def _birth(born: Any) -> str:
    """A birth date as dd/mm/yyyy; the same text comes on every book of the student's classes."""
    try:
        return _birth_text(born)
    except TypeError:  # an unhashable cell value: parsed without the cache
        return parse_date(born, field="ngay_sinh").strftime("%d/%m/%Y")


_NO_IDS = {"ma_dinh_danh": None, "so_dinh_danh": None}  # a book without ID columns (never written to)

# A line teachers add below the class (a total, the class average, a count), where a student's name
# would be: its words with their tone marks (a family name «Tống» is not «Tổng»), in a row with no
# STT and no ID. Said and not read as a student.
_SUMMARY_ROW = re.compile(
    r"(?:tổng(?: cộng| số)?|cộng|trung bình(?: cộng| lớp| môn)?|điểm (?:tb|trung bình)(?: lớp| môn)?|tb(?: lớp| môn)?"
    r"|sĩ số|t[ỉỷ] lệ|số (?:hs|học sinh)|thống kê|xếp loại)(?:\W.*)?"
)
SUMMARY_ROW = "Không phải học sinh mà là dòng tổng hợp của lớp (tổng, điểm trung bình, sĩ số…): không nhập"

# A student's name and birth date as read (raw cell → text): the same student comes on every score
# book of an import (~2,000 students on ~24 books), and a lookup here spares a Python call per row.
# Only values read without an error are kept; bounded, as the cache behind `_birth` is.
_NAMES: dict[str, tuple[str, tuple[str, ...]]] = {}
_BIRTHS: dict[Any, str] = {}
_KEPT = 16384


def _read_name(raw: Any) -> tuple[str, tuple[str, ...]]:
    """`name_with_notes` of a row's name cell, kept in `_NAMES` when the cell is text."""
    full_name, said = name_with_notes(raw, field="ho_ten")
    named = (full_name, tuple(said))
    if type(raw) is str:
        if len(_NAMES) >= _KEPT:
            _NAMES.clear()
        _NAMES[raw] = named
    return named


def _read_birth(born: Any) -> str:
    """`_birth` of a row's birth cell, kept in `_BIRTHS` (``True`` and 1 are one key, as in `_birth`'s cache)."""
    text = _birth(born)
    try:
        if len(_BIRTHS) >= _KEPT:
            _BIRTHS.clear()
        _BIRTHS[born] = text
    except TypeError:  # an unhashable cell value: read again when it comes again
        pass
    return text


def _kept(raw: Any, by_comment: bool, label: str, place: Callable[[], Problem], result: ExcelRead):
    """A platform's export holds what the platform holds: an unreadable value is kept as its text
    (reconciliation reports it against the gradebook) and noted, the row is not refused. ``place``
    makes the note's place only when there is one to make (a score book has ~300,000 cells)."""
    try:
        return _value(raw, by_comment, label)
    except LegacyEncodingError:
        raise
    except MappingError as exc:
        where = place()
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
    if raw is None:
        return None
    text = str(raw).strip()
    return text.removesuffix(".0") if text else None


class _Cells:
    """A sheet's table rows, each as long as the widest column read plus one cell that is always
    empty (where a column the sheet lacks is read from), and the score cells read once per file.

    A school's score books hold ~60,000 rows and ~300,000 score cells, mostly the same few
    hundred values: a value read once is looked up after (``parsed``: the book's, by whether
    the subject is assessed by comment). Only values read without a note are kept there, so a
    value that refuses its row or is kept with a note is read, and said, at every cell."""

    def __init__(self, rows: list[tuple], positions: list[int | None], parsed: dict):
        used = [p for p in positions if p is not None]
        self.width = max(max(map(len, rows), default=0), max(used, default=0) + 1)
        pad = (None,) * (self.width + 1)
        self.rows = [row + pad[len(row) :] for row in rows]
        self.parsed = parsed

    def at(self, position: int | None) -> int:
        """Where a column is read: the always-empty cell for one the sheet lacks (``None``)."""
        return self.width if position is None else position

    def read(self, raws: tuple, by_comment: bool) -> list | None:
        """The score cells' values, or ``None`` when one of them has not been read before."""
        parsed = self.parsed
        try:
            return list(map(parsed.__getitem__, raws))
        except KeyError:
            for raw in raws:
                if raw not in parsed and memorable(raw):
                    try:
                        parsed[raw] = _value(raw, by_comment, "")
                    except MappingError:
                        pass
            return None


def _read_rows(
    sheet: _Sheet,
    subject: str,
    semester: str,
    found: dict,
    result: ExcelRead,
    keep_unreadable: bool,
    classes: set[str],
    parsed: dict[bool | str, dict] | None = None,
) -> list[str]:
    """Read the sheet's rows into ``result``; return what must refuse the whole file (nameless
    rows with scores, a student code or ID on two rows). ``classes``: filled with the classes a
    «Lớp» column names. ``parsed``: the book's score cells read so far (`_Cells`)."""
    by_comment = catalogs.subject(subject).by_comment
    columns = sheet.columns
    positions = [*columns.tx, columns.gk, columns.ck]
    labels = [f"TX{i + 1}" for i in range(len(columns.tx))] + ["GK", "CK"]
    parts = [p for positions_ in columns.combine.values() for p in positions_]
    fields = {
        "ho_ten": columns.name,
        "ngay_sinh": columns.birth,
        "ma_dinh_danh": columns.ministry,
        "so_dinh_danh": columns.personal,
        "lop": columns.class_column,
        **dict(zip(labels, positions)),
        **{f"part:{p}": p for p in parts},
        **{f"sum:{test}": ps[0] for test, ps in columns.combine.items()},
    }
    faults: list[str] = []
    codes: dict[str, dict[str, list[int]]] = {"code": {}, "ministry": {}, "personal": {}}  # kind → key → rows
    by_code = codes["code"]
    restored: dict[str, list[str]] = {"ministry": [], "personal": []}
    name_heading = sheet.heading(columns.name, "Họ và tên")
    sheet_class = found.get("class_code")
    identifiers = [
        (kind, key, getattr(columns, kind))
        for kind, key in (("ministry", "ma_dinh_danh"), ("personal", "so_dinh_danh"))
        if getattr(columns, kind) is not None
    ]
    read = [
        *positions,
        *parts,
        *(columns.name, columns.given, columns.code, columns.birth, columns.class_column, columns.average),
        *(columns.row_id, columns.comment, columns.ministry, columns.personal, 0),
    ]
    table = _Cells(
        sheet.rows[sheet.first_data :], read, (parsed or {False: {None: None}, True: {None: None}})[by_comment]
    )
    at = table.at
    score_at = [at(i) for i in positions]
    name_at, given_at, code_at, birth_at = at(columns.name), at(columns.given), at(columns.code), at(columns.birth)
    class_at, average_at, id_at, comment_at = (
        at(columns.class_column),
        columns.average,
        at(columns.row_id),
        at(columns.comment),
    )
    checked = average_at is not None and not by_comment
    averages: dict = (parsed or {}).setdefault("averages", {})  # ĐTBmhk values read in the book (`_check_average`)
    tenths: _Tenths = (parsed or {}).setdefault("tenths", _Tenths())  # the book's scores in tenths (`_same_average`)
    score_cells = itemgetter(*score_at)  # TX…, GK, CK: at least two, so always a tuple
    unscored: list[int] = []  # rows of a child with no score and no STT
    for number, row in enumerate(table.rows, start=sheet.first_data + 1):
        scores = score_cells(row)
        raw_name, given = row[name_at], row[given_at]
        if (raw_name is None or (type(raw_name) is str and not raw_name.strip())) and _blank(given):
            filled = [
                cell_address(number, i) for i in [*positions, *parts] if _looks_like_score(row[at(i)], by_comment)
            ]
            if filled:
                name_cell = cell_address(number, columns.name)
                faults.append(blank_name_fault(sheet.title, number, name_cell, name_heading, filled))
            continue
        if row[id_at] is None and _summary_row(raw_name, row[code_at], [row[p] for _, _, p in identifiers]):
            result.problems.append(sheet.problem(number, columns.name, SUMMARY_ROW, "ho_ten", raw_name, fatal=False))
            continue
        first = scores[0]
        if (
            (first is None or not str(first).strip())  # most rows have their first score: the rest need no look
            and all(_blank(v) for v in scores)
            and all(_blank(row[p]) for p in parts)
            and not isinstance(row[0], (int, float))
        ):
            # a note or signature line below the table; or a child listed with her birth date or
            # class and no score yet (and no STT): not imported, and said (`_unscored_note`)
            if not (_blank(row[birth_at]) and _blank(row[class_at])):
                unscored.append(number)
            continue
        code = row[code_at]
        if code is not None:  # `_code`, inlined
            code = str(code).strip()
            code = code.removesuffix(".0") if code else None
            if code:
                by_code.setdefault(code, []).append(number)
        try:
            if given is not None and not _blank(given):
                raw_name = f"{raw_name or ''} {given}"
            named = _NAMES.get(raw_name) if type(raw_name) is str else None
            if named is None:
                named = _read_name(raw_name)
            full_name, said = named
            if said:
                result.problems += [
                    sheet.problem(number, columns.name, note, "ho_ten", raw_name, fatal=False) for note in said
                ]
            born = row[birth_at]
            try:
                birth = (_BIRTHS.get(born) or _read_birth(born)) if born not in (None, "") else None
            except TypeError:  # an unhashable cell value
                birth = _birth(born)
            row_class = _class_of(row[class_at]) if class_at != table.width else None
            if row_class and sheet_class and row_class != sheet_class:
                raise MappingError(
                    f"Lớp «{row_class}» khác lớp {sheet_class} của trang «{sheet.title}»", value=row_class, field="lop"
                )
            values = table.read(scores, by_comment)
            if values is None:
                values = _scores(scores, labels, positions, by_comment, keep_unreadable, sheet, number, result)
            if columns.combine:
                for test in columns.combine:
                    values[-2 if test == "gk" else -1] = _combined(sheet, number, row, test, result)
        except LegacyEncodingError as exc:
            where = place(sheet.title, number, cell_address(number, fields.get(exc.field or "")))
            raise FileFormatError(PLATFORM, f"{where}: {exc.reason}") from None
        except MappingError as exc:
            position = fields.get(exc.field or "")
            column = exc.field or "" if not (exc.field or "").startswith(("part:", "sum:")) else ""
            problem = sheet.problem(number, position, exc.reason, column, row[at(position)])
            if (exc.field or "").startswith("sum:"):
                problem.column = " + ".join(sheet.heading(p, "") for p in columns.combine[exc.field[4:]])
                problem.value = shown(exc.value)
            result.problems.append(problem)
            continue
        ids = {"ma_dinh_danh": None, "so_dinh_danh": None} if identifiers else _NO_IDS
        for kind, key, position in identifiers:
            raw = row[position]
            if _blank(raw):
                continue
            try:
                ids[key], was_restored = _identifier(raw, kind, key)
            except MappingError as exc:
                result.problems.append(
                    sheet.problem(
                        number, position, f"{exc.reason}: dòng này được đối chiếu theo họ tên", key, raw, fatal=False
                    )
                )
                continue
            if was_restored:
                restored[kind].append(cell_address(number, position))
            codes[kind].setdefault(ids[key], []).append(number)
        record_class = row_class or sheet_class
        if class_at != table.width and record_class:
            classes.add(record_class)
        record = {
            "dong": number,
            "trang": sheet.title,
            "ho_ten": full_name,
            "ngay_sinh": birth,
            "lop": record_class,
            "ma_mon": subject,
            "hoc_ky": semester,
            "tx": values[:-2],
            "gk": values[-2],
            "ck": values[-1],
            "ma_hoc_sinh": code,
            "ma_dinh_danh": ids["ma_dinh_danh"],
            "so_dinh_danh": ids["so_dinh_danh"],
            "row_id": row[id_at],
            "nhan_xet": comment.strip() if type(comment := row[comment_at]) is str else str(comment or "").strip(),
        }
        if checked and row[average_at] is not None:
            _check_average(record, row[average_at], (sheet, number, average_at), result, by_comment, averages, tenths)
        result.records.append(record)
    for kind, cells in restored.items():
        if cells:
            position = getattr(columns, kind)
            first = int(re.sub(r"^[A-Z]+", "", cells[0]))
            more = f" và {len(cells) - 3} ô khác" if len(cells) > 3 else ""
            result.problems.append(
                Problem(
                    first,
                    f"{len(cells)} mã được lưu dạng số nên mất số 0 đầu ({', '.join(cells[:3])}{more}); "
                    "đã khôi phục, hãy định dạng cột là Văn bản (Text)",
                    sheet.heading(position, _ID_SHAPES[kind][2]),
                    False,
                    sheet=sheet.title,
                    cell=cells[0],
                )
            )
    for kind, fallback in (("code", "Mã học sinh"), ("ministry", "Mã định danh"), ("personal", "Số định danh")):
        position = getattr(columns, kind)
        twice = {
            key: [(number, cell_address(number, position)) for number in numbers]
            for key, numbers in codes[kind].items()
            if len(numbers) > 1
        }
        faults += duplicate_faults(sheet.title, sheet.heading(position, fallback), twice)
    if unscored:
        result.problems.append(_unscored_note(sheet, unscored))
    return faults


def _headerless(sheet: _Sheet, records: list[dict]) -> list[dict]:
    """Columns with values in the table's rows (``records``, the sheet's) but no header: not read, so said."""
    labelled = {p for p, label in enumerate(sheet.columns.labels) if label}
    width = max((len(sheet.rows[record["dong"] - 1]) for record in records), default=0)
    bare = [p for p in range(width) if p not in labelled]  # in column order: the first example found
    out: dict[int, str] = {}
    for record in records if bare else ():
        number = record["dong"]
        row = sheet.rows[number - 1]
        for position in bare:
            if position < len(row) and position not in out and not _blank(row[position]):
                out[position] = cell_address(number, position)
    return [
        sheet.unused(position, f"cột không có tiêu đề nhưng có dữ liệu (ví dụ ô {example}): không nhập", "")
        for position, example in sorted(out.items())
    ]


def _unscored_note(sheet: _Sheet, rows: list[int]) -> Problem:
    """The rows of children listed with no score at all (nor STT): a class list pasted in before any
    test, or a group whose scores are kept elsewhere. Not imported (nothing to compare), and said:
    they were missing from the book's count in silence."""
    where = f"dòng {rows[0]}" if len(rows) == 1 else f"các dòng {rows[0]}–{rows[-1]}"
    return Problem(
        rows[0],
        f"Trang «{sheet.title}»: {len(rows)} dòng có học sinh (họ tên, ngày sinh hoặc lớp) nhưng chưa có điểm "
        f"nào ({where}): không nhập. Nếu các em đã có điểm, hãy ghi điểm vào sổ rồi nhập lại tệp.",
        sheet.heading(sheet.columns.name, "Họ và tên"),
        False,
        sheet=sheet.title,
        cell=cell_address(rows[0], sheet.columns.name),
    )


def _summary_row(name: Any, code: Any, ids: list[Any]) -> bool:
    """Whether a row without STT is a line below the class (`_SUMMARY_ROW`), not a student."""
    if type(name) is not str or not _blank(code) or not all(_blank(v) for v in ids):
        return False
    return _SUMMARY_ROW.fullmatch(unicodedata.normalize("NFC", name).strip().lower()) is not None


def _check_average(
    record: dict,
    shown_value: Any,
    at: tuple[_Sheet, int, int],
    result: ExcelRead,
    by_comment: bool,
    averages: dict | None = None,
    tenths: _Tenths | None = None,
) -> None:
    """vnEdu's ĐTBmhk is compared, never trusted. ``at``: the cell (sheet, row, column);
    ``averages``: the values read so far (value → score, or ``None`` when it is not one);
    ``tenths``: the book's scores in tenths so far (`_Tenths`)."""
    if by_comment or shown_value is None or shown_value == "":
        return
    tx = list(filter(_NOT_NONE, record["tx"]))  # in C: ~30,000 rows of a school's books carry an ĐTBmhk
    gk, ck = record["gk"], record["ck"]
    if not tx:
        return
    kind = type(shown_value)  # `memorable`, inlined
    memorable_ = averages is not None and (kind is str or kind is float or (kind is int and not 0 <= shown_value <= 1))
    in_file = averages.get(shown_value, averages) if memorable_ else averages
    if in_file is averages:  # not read before (or not to be kept)
        try:
            in_file = parse_score(shown_value)  # a ROUND formula's 7.300000000000001 too
        except MappingError:
            in_file = _rounded_average(shown_value)  # a formula without ROUND: 7.26666666666667
        if memorable_:
            averages[shown_value] = in_file
    if in_file is None:  # «không tính», «#DIV/0!», 11: nothing to compare, which the teacher is told
        sheet, number, position = at
        where = sheet.problem(number, position, "", "ĐTBmhk", shown_value, fatal=False)
        where.message = (
            f"ĐTBmhk trong tệp «{where.value}» không phải là điểm từ 0 đến 10: "
            "không đối chiếu được với điểm trung bình tính lại từ các điểm của dòng"
        )
        result.problems.append(where)
        return
    if _same_average(tx, gk, ck, in_file, tenths):
        return
    if not all(isinstance(v, Decimal) for v in [*tx, gk, ck]):
        return
    computed = semester_average(tx, gk, ck, CIRCULAR_22)
    if in_file != computed:
        sheet, number, position = at
        where = sheet.problem(number, position, "", "ĐTBmhk", None)
        written = format_score(in_file)
        if _one_decimal(shown_value) is None:  # read by `_rounded_average`
            written = f"{shown(shown_value).replace('.', ',')} (làm tròn {written})"
        where.message = f"ĐTBmhk trong tệp {written} khác giá trị tính lại {format_score(computed)}"
        where.fatal, where.value = False, shown(shown_value)
        result.problems.append(where)


_NOT_NONE = partial(is_not, None)


def _rounded_average(value: Any) -> Decimal | None:
    """An ĐTBmhk a teacher's formula left unrounded (``=(SUM(TX)+2*GK+3*CK)/(n+5)`` gives
    7.26666666666667), half up to one decimal as Circular 22 rounds it: compared with the average
    recomputed from the row's scores, not skipped in silence. ``None`` for anything else."""
    if type(value) is str:
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            return None
    if type(value) not in (int, float) or not 0 <= value <= 10:
        return None
    return round_half_up(Decimal(f"{value:.15g}"))  # to 15 significant digits, as `parse_score` reads a float


def _one_decimal(value: Any) -> Decimal | None:
    try:
        return parse_score(value)
    except MappingError:
        return None


# Every score 0–10 in tenths (8.5 → 85): a finer one, a mark or a text is not here
_TENTHS = {Decimal(tenths).scaleb(-1): tenths for tenths in range(101)}


class _Tenths(dict):
    """`_TENTHS` looked up through the values themselves: a score → its tenths (``None`` when it is
    not one), each value looked up in `_TENTHS` once. A book's scores are the same few hundred
    objects (`_Cells` reads each cell text once), so a look-up here finds its own key and never
    compares two Decimals, where `_TENTHS` compares every one with its key (``Decimal("8")`` with
    ``Decimal("8.0")``: a slow comparison, five per row of ~30,000 rows)."""

    def __missing__(self, value: Any) -> int | None:
        found = self[value] = _TENTHS.get(value)
        return found


def _same_average(tx: list, gk: Any, ck: Any, in_file: Decimal, known: _Tenths | None = None) -> bool:
    """Whether ``in_file`` is Circular 22's ĐTBmhk of these scores, worked in whole tenths (exact,
    and a fifth of `semester_average`'s cost: ~30,000 rows of a school's books carry one);
    ``False`` when a value is not a score in tenths, for `semester_average` to decide. ``known``:
    the book's `_Tenths`."""
    tenths = _TENTHS.get if known is None else known.__getitem__
    shown_tenths = tenths(in_file)
    if shown_tenths is None:
        return False
    try:  # a value not in tenths is None, which the sum refuses: cheaper than looking for it first
        total = sum(map(tenths, tx)) + _WEIGHT_GK * tenths(gk) + _WEIGHT_CK * tenths(ck)
    except TypeError:
        return False
    count = len(tx) + _WEIGHT_GK + _WEIGHT_CK
    return (2 * total + count) // (2 * count) == shown_tenths  # half up, as Circular 22 rounds


_WEIGHT_GK, _WEIGHT_CK = CIRCULAR_22.weight_gk, CIRCULAR_22.weight_ck


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
