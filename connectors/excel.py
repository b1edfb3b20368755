"""Reading Excel files from people safely: what every Excel connector shares.

A file is checked before openpyxl sees it: old ``.xls`` files are refused with advice,
zip bombs (huge or extreme compression ratios) and XML parts with a DOCTYPE (XXE,
billion laughs) are refused; openpyxl then parses with defusedxml. Headers are found by
folded text in the first rows, never by position.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from lienthong.connectors.errors import FileFormatError
from lienthong.mapping.normalize import fold

MAX_UNPACKED = 100 * 1024 * 1024  # a school's workbook is a few MB unpacked
MAX_RATIO = 200  # XML compresses well, but not this well
MAX_COLUMNS = 300  # the widest real table (a results sheet) has about 30
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Problem:
    """Something wrong with one row (or the file), said in Vietnamese for the person who sent it."""

    row: int
    message: str
    column: str = ""
    fatal: bool = True  # False: read, but flagged (e.g. an ID whose leading zero was restored)

    def __str__(self) -> str:
        where = f"Dòng {self.row}" + (f", cột «{self.column}»" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ExcelRead:
    """What a reader got: records, problems by row, and what it found about the file."""

    records: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def rejected_rows(self) -> list[Problem]:
        return [p for p in self.problems if p.fatal]


def open_workbook(data: bytes, platform: str) -> Workbook:
    """A read-only workbook, after refusing what is not safe or not ``.xlsx``."""
    if data[:8] == OLE_MAGIC:
        raise FileFormatError(
            platform,
            "Đây là tệp Excel cũ (.xls). Hãy mở bằng Excel và lưu lại dạng .xlsx (Excel Workbook) rồi gửi lại.",
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FileFormatError(platform, "Tệp không phải là tệp Excel .xlsx hợp lệ.") from None
    with archive:
        members = archive.infolist()
        unpacked = sum(m.file_size for m in members)
        packed = sum(m.compress_size for m in members) or 1
        if unpacked > MAX_UNPACKED or unpacked / packed > MAX_RATIO:
            raise FileFormatError(platform, "Tệp nén bất thường (có thể là «bom nén»); không mở.")
        for member in members:
            if member.filename.endswith((".xml", ".rels")) and _DOCTYPE.search(archive.read(member)[:4096]):
                raise FileFormatError(platform, "Tệp chứa khai báo DOCTYPE/ENTITY trong XML; không an toàn, không mở.")
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise FileFormatError(platform, f"Không đọc được tệp Excel ({type(exc).__name__}).") from None


def rows_of(sheet, limit: int | None = None) -> list[tuple]:
    """The sheet's values row by row; a sheet with data beyond `MAX_COLUMNS` columns is refused
    (no school table is that wide: it is a broken or hostile file, and reading it would take minutes)."""
    width = sheet.max_column or 0  # from the sheet's dimension tag; may be absent or cover styled cells only
    if width > MAX_COLUMNS:
        head = sheet.iter_rows(values_only=True, max_row=20)
        if any(v not in (None, "") for row in head for v in row[MAX_COLUMNS:]):
            raise FileFormatError(
                "excel",
                f"Trang «{sheet.title}» có dữ liệu ở {width} cột; bảng điểm hay danh sách "
                f"học sinh không rộng quá {MAX_COLUMNS} cột. Tệp hỏng hoặc không phải "
                "tệp xuất của trường; không đọc.",
            )
    return [
        tuple(row)
        for row in sheet.iter_rows(values_only=True, max_row=limit, max_col=min(width, MAX_COLUMNS) if width else None)
    ]


def find_header(
    rows: list[tuple], wanted: dict[str, Iterable[str]], required: Iterable[str], within: int = 12
) -> tuple[int, dict[str, int]] | None:
    """The first row (0-based) within ``within`` rows that holds every required column.

    Args:
        wanted: canonical column name → accepted header texts (compared folded).
        required: the names that must be present.
    Returns:
        ``(row_index, {name: column_index})`` or ``None``.
    """
    aliases = {fold(text): name for name, texts in wanted.items() for text in texts}
    for index, row in enumerate(rows[:within]):
        columns: dict[str, int] = {}
        for position, value in enumerate(row):
            name = aliases.get(fold(str(value))) if value is not None else None
            if name and name not in columns:
                columns[name] = position
        if all(name in columns for name in required):
            return index, columns
    return None


def title_text(rows: list[tuple], before: int) -> str:
    """The title rows above the header, folded, for checking year, semester and class."""
    return fold(" ".join(str(v) for row in rows[:before] for v in row if v is not None))


@dataclass(frozen=True)
class FileKind:
    """One kind of file a platform's users export or keep, declared by that platform's package.

    ``detect`` says from the first rows of a sheet whether the file is of this kind (kinds are
    tried in ``rank`` order); ``read`` reads it (`Expect`: what the user said the file is,
    ``column_map``: ``--map``); ``records`` turns what was read into the platform's stored
    records (its mapping module). ``periods``: ``semester``, ``year`` or ``any``; ``owner``: a
    later file is newer truth (a teacher's gradebook, the owner of scores).
    """

    name: str
    source: str
    words: str
    detect: Callable[[list[tuple]], bool]
    read: Callable[[bytes, Any, dict | None], "ExcelRead"]
    records: Callable[["ExcelRead"], Any]
    rank: int = 50
    periods: str = "any"
    owner: bool = False
