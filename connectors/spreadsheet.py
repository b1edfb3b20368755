"""Opening a workbook someone sent, safely and once: ``.xlsx`` and vnEdu's ``.xls`` through python-calamine.

calamine reads a sheet into a dense rectangle from its first to its last cell, so a 6 KB file
with one cell in A1 and one in IV65536 takes a gigabyte, and a small zip can unpack to hundreds
of megabytes. Everything calamine would allocate is therefore bounded *before* it parses: the
file's size; for ``.xlsx`` each zip member's unpacked size and ratio, the sheets' XML scanned
in a stream for DOCTYPE/ENTITY declarations and for the rows and columns the cells span; for
``.xls`` the BIFF records of the compound file walked for the same bounds. A file past a bound
is refused whole with a message saying which bound, before any row is read.

Each sheet's rows are parsed once and kept on the `Book` (kind detection and the reader share
them), with Excel's own row and column numbering: ``rows[0]`` is row 1, ``row[0]`` column A.

A cell holding an Excel error (``#N/A``, ``#VALUE!``, ``#DIV/0!``: a formula that failed) is read by
python-calamine as an empty cell, and an empty score cell is a score cleared. The same scans that
bound the file find those cells (a ``t="e"`` cell in the XML, a BOOLERR or FORMULA record with an
error in BIFF), and the rows carry their text (``#N/A``): each reader then refuses it as the value
it is, with its cell, as it would the same text typed in, instead of taking it for a blank.
"""

from __future__ import annotations

import html
import io
import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # loaded by `ReadAhead` when used: a file reader process never needs it
    from concurrent.futures import Future, ThreadPoolExecutor

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

MAX_FILE = 30 * 1024 * 1024  # a school's largest export is a few MB
MAX_UNPACKED = 80 * 1024 * 1024  # all members of an .xlsx together
MAX_MEMBER = 40 * 1024 * 1024  # one sheet of a whole school (3,000 rows × 60 columns) is ~12 MB of XML
MAX_RATIO = 200  # XML compresses well, but not this well
MAX_SHEETS = 300  # one sheet per class and subject of a grade is at most ~200
MAX_COLUMNS = 300  # the widest real table (a results sheet with two-row headers) has about 60
MAX_ROWS = 100_000  # a province-wide list of one grade
MAX_AREA = 2_000_000  # cells calamine lays out for one sheet (rows × columns it spans): ~60 MB
MAX_CELLS = 2_000_000  # cells holding a value in the whole workbook: ten times a school's semester

_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
# Row and cell tags with any namespace prefix (``<x:row``); ``<col``/``<cols``/``<cfRule`` do not match.
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row(?=[\s/>])([^>]*)>")
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c(?=[\s/>])([^>]*)>")
_CELL_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?c>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})\d*"')
# A cell with a value and its reference first (``<c r="E12" t="s">``, not ``<c r="E12"/>``): calamine
# places it by the reference, whatever row tag it sits in.
_VALUE_CELL = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c r="([A-Z]{1,3})(\d*)"[^>]*(?<!/)>')
MAX_ROW_BYTES = 8 << 20  # one row of 16,384 long cells; no school table comes near
# A cell tag that is not ``<c r="…"`` within the first 999 rows and columns A…KN (300): one search in
# C tells a school's sheet from one that must be measured row by row.
_NOT_PLAIN = re.compile(rb'<c(?=[\s>/])(?! r="(?:[A-Z]|[A-J][A-Z]|K[A-N])[1-9]\d{0,2}")')
# The same within the first 9,999 rows and columns A…GR (200): a tall list (a grade of a province, 2,000+
# rows) spans at most 1,999,800 cells, within `MAX_AREA`, and is measured by the same few passes in C.
_NOT_PLAIN_TALL = re.compile(rb'<c(?=[\s>/])(?! r="(?:[A-Z]|[A-F][A-Z]|G[A-R])[1-9]\d{0,3}")')
_PREFIXED_CELL = re.compile(rb":c[\s>/]")  # ``<x:c …>``: measured row by row


class UnsafeWorkbook(Exception):
    """The file is refused whole; ``reason`` says why in Vietnamese."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Extent:
    """What one sheet's cells span, measured before calamine lays them out."""

    cells: int = 0
    last_row: int = 0  # 1-based, as Excel numbers them
    last_col: int = 0

    def add(self, row: int, col: int) -> None:
        self.cells += 1
        self.last_row, self.last_col = max(self.last_row, row), max(self.last_col, col)

    @property
    def area(self) -> int:
        """The cells laid out: rows are read from row 1 and column A, so Excel's numbering holds."""
        return self.last_row * self.last_col


def column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# Where each sheet's error cells are: sheet (its title for .xlsx, its position among the workbook's
# sheets for .xls) → (row, column), 1-based as Excel numbers them → the error's text
ErrorCells = dict[Any, dict[tuple[int, int], str]]


@dataclass
class Hidden:
    """A sheet's columns and rows hidden in Excel (``<col hidden="1">``, ``<row hidden="1">``; a BIFF
    COLINFO or ROW record's hidden flag), 1-based. calamine reads them as any other: the reader
    reads what they hold, and the report says so (`sync.file_reading`), since a teacher hides an
    old column or a student who left rather than deleting them. Columns come as ranges: a tidy
    sheet hides everything right of its table (``min="12" max="16384"``)."""

    columns: list[tuple[int, int]] = field(default_factory=list)  # (first, last), inclusive
    rows: set[int] = field(default_factory=set)

    def column(self, number: int) -> bool:
        return any(first <= number <= last for first, last in self.columns)


# Each sheet's `Hidden`, by the same key as `ErrorCells`; only sheets that hide something
HiddenCells = dict[Any, Hidden]

_ERROR_CELL = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\s([^>]*?\bt="e"[^>]*)>')
_REFERENCE = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_ERROR_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?v>([^<]{1,32})</")
_BIFF_ERRORS = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
}
# What Excel shows in a cell whose formula failed (the newer versions' own as well)
EXCEL_ERRORS = frozenset([*_BIFF_ERRORS.values(), "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!"])


def _xml_errors(text: bytes, found: dict[tuple[int, int], str]) -> None:
    """Add the error cells of a piece of sheet XML (whole rows) to ``found``: each ``t="e"`` cell
    with its reference and value (one without a reference cannot be placed: no writer makes one)."""
    if b't="e"' not in text:  # nearly every sheet: one search in C
        return
    for cell in _ERROR_CELL.finditer(text):
        reference = _REFERENCE.search(cell[1])
        if reference is None or cell[1].endswith(b"/"):  # no place, or no value
            continue
        closing = _CELL_END.search(text, cell.end())
        value = _ERROR_VALUE.search(text, cell.end(), closing.start() if closing else len(text))
        shown = html.unescape(value[1].decode("utf-8", "replace")).strip() if value else ""
        found[(int(reference[2]), column_number(reference[1]))] = shown or "#VALUE!"


_HIDDEN_ATTRIBUTE = re.compile(rb'\bhidden="(?:1|true)"')
# ``<col …>`` (not ``<cols>``, ``<colBreaks>``) and ``<row …>`` (not ``<rowBreaks>``) tags that hide
_HIDDEN_COLUMN = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?col\b([^>]*?\bhidden="(?:1|true)"[^>]*)>')
_HIDDEN_ROW = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?row\b([^>]*?\bhidden="(?:1|true)"[^>]*)>')
_COLUMN_SPAN = re.compile(rb'\b(min|max)="(\d+)"')


def _xml_hidden_columns(text: bytes, hidden: Hidden) -> None:
    """Add the column ranges a sheet's ``<cols>`` hides (it comes before ``<sheetData>``)."""
    head = text[: text.find(b"sheetData")] if b"sheetData" in text else text
    if b'hidden="' not in head:
        return
    for tag in _HIDDEN_COLUMN.finditer(head):
        span = {name: int(number) for name, number in _COLUMN_SPAN.findall(tag[1])}
        if b"min" in span:
            hidden.columns.append((span[b"min"], span.get(b"max", span[b"min"])))


def _xml_hidden_rows(text: bytes, hidden: Hidden) -> None:
    """Add the rows a whole sheet's XML hides; a row tag without ``r`` follows the one before it.
    Found from each ``hidden="`` after ``sheetData`` begins (plain searches in C): a score book's
    hidden ``ID`` column puts one in ``<cols>``, and a pattern tried at every tag of its ~1 MB of
    rows took a third of the file's safety checks."""
    position = text.find(b'hidden="', max(text.find(b"sheetData"), 0))
    counted, before = 0, 0  # row tags before ``counted``: counted on from there, never from the start
    while position >= 0:
        start = text.rfind(b"<", 0, position)
        tag = _HIDDEN_ROW.match(text, start) if start >= 0 else None
        if tag is not None and tag.end() > position:  # this row tag's own attribute
            number = _ROW_NUMBER.search(tag[1])
            if number is None:
                # ``<row`` inside sheetData opens a row (``<rowBreaks`` comes after it); prefixed tags by pattern
                before += text.count(b"<row", counted, start) or len(_row_tags(text[counted:start]))
                counted = start
            hidden.rows.add(int(number[1]) if number else before + 1)
        position = text.find(b'hidden="', position + 8)


def _check_extent(name: str, extent: Extent) -> None:
    """Refuse a sheet calamine would lay out past the bounds (a wide or tall span, not its real content)."""
    last = f"{column_letters(extent.last_col)}{extent.last_row}"
    if extent.last_col > MAX_COLUMNS:
        raise UnsafeWorkbook(
            f"Trang «{name}» có dữ liệu đến cột {column_letters(extent.last_col)} ({extent.last_col} cột, ô {last}); "
            "bảng điểm hay danh "
            f"sách học sinh không rộng quá {MAX_COLUMNS} cột. Tệp hỏng hoặc không phải tệp xuất của trường; không đọc."
        )
    if extent.last_row > MAX_ROWS or extent.area > MAX_AREA:
        raise UnsafeWorkbook(
            f"Trang «{name}» có dữ liệu đến ô {last} ({extent.last_row} dòng × {extent.last_col} cột); "
            "không có danh sách hay sổ điểm nào lớn như vậy. Tệp hỏng hoặc cố ý gây quá tải; không đọc."
        )


# --- .xlsx ------------------------------------------------------------------------------------


def _scan_part(
    part,
    measure: Extent | None,
    chunk: int = 1 << 20,
    errors: dict[tuple[int, int], str] | None = None,
    hidden: Hidden | None = None,
) -> None:
    """Stream one XML part: refuse a DOCTYPE/ENTITY anywhere in it and, for a sheet, measure the rows
    and columns its cells with a value span and find its error cells (into ``errors``) and what it
    hides (into ``hidden``). The stream is cut before its last row tag, so each piece holds whole
    rows and the work in Python is per row, not per cell (a 30 MB sheet in ~0.2 s)."""
    tail, last_row, first = b"", [0], True
    while True:
        block = part.read(chunk)
        text = tail + block
        if _may_declare(text) and _DOCTYPE.search(text):  # the case-blind search is slow: only where one may be
            raise UnsafeWorkbook("Tệp chứa khai báo DOCTYPE/ENTITY trong XML; không an toàn, không mở.")
        if measure is None:
            tail = text[-16:]  # a declaration split between two blocks is still seen
        else:
            cut = _last_row_start(text) if block else len(text)
            if first and hidden is not None:  # ``<cols>`` comes before the first row
                _xml_hidden_columns(text[:cut] if cut else text, hidden)
                first = False
            _measure_rows(text[:cut], measure, last_row, hidden)
            if errors is not None:
                _xml_errors(text[:cut], errors)
            tail = text[cut:]
            if len(tail) > MAX_ROW_BYTES:
                raise UnsafeWorkbook("Tệp có một dòng dài hơn 8 MB; không phải bảng của trường, không mở.")
        if not block:
            return


def _may_declare(text: bytes) -> bool:
    """Whether ``text`` holds ``<!`` (where a DOCTYPE or ENTITY declaration may begin). A sheet's XML
    rarely holds a ``!`` at all, and a search for that one byte runs at memory speed, where one for
    ``<!`` stops at every tag's ``<`` (a tenth of the safety scan of a school's files)."""
    return b"!" in text and b"<!" in text


def _row_tags(text: bytes) -> list[tuple[int, int, bytes]]:
    """Each row tag's (start, end, attributes): by plain search (fast), by pattern for prefixed tags."""
    if b"<row" not in text:
        return [(m.start(), m.end(), m[1]) for m in _ROW.finditer(text)]
    tags, position = [], text.find(b"<row")
    while position >= 0:
        if text[position + 4 : position + 5] in (b" ", b">", b"/", b"\t", b"\r", b"\n"):  # not <rowBreaks
            close = text.find(b">", position)
            if close < 0:
                break
            tags.append((position, close + 1, text[position + 4 : close]))
        position = text.find(b"<row", position + 4)
    return tags


def _last_row_start(text: bytes) -> int:
    """Where the last row tag begins (0 if none): the text before it holds whole rows only."""
    tags = _row_tags(text[text.rfind(b"<row") :]) if b"<row" in text else _row_tags(text)
    if b"<row" in text and tags:
        return text.rfind(b"<row")
    return tags[-1][0] if tags else 0


def _plain_cells(text: bytes) -> int | None:
    """The cells with a value in a whole sheet's XML when every cell tag is ``<c r="…"`` within the
    first 999 rows and 300 columns, or within the first 9,999 rows and 200 columns (both spans
    within the bounds) — the sheets of a school's files, measured by a few passes in C
    rather than row by row in Python; ``None`` for any other sheet (`_measure_rows` measures it).
    A DOCTYPE or ENTITY declaration is refused here as anywhere."""
    if _may_declare(text) and _DOCTYPE.search(text):
        raise UnsafeWorkbook("Tệp chứa khai báo DOCTYPE/ENTITY trong XML; không an toàn, không mở.")
    if (_NOT_PLAIN.search(text) and _NOT_PLAIN_TALL.search(text)) or _PREFIXED_CELL.search(text):
        return None
    return text.count(b"</c>")


def _measure_rows(text: bytes, measure: Extent, last_row: list[int], hidden: Hidden | None = None) -> None:
    """Add the rows in ``text`` (whole rows, each starting at a row tag) to ``measure`` (and those
    hidden to ``hidden``). A row or cell without ``r`` follows the previous one, as calamine places
    it; a cell with ``r`` is placed by it (a row tag saying 1 does not make its cell A90000 the first
    row); a cell without a value (self-closing, no ``</c>``) is not laid out and not counted."""
    tags = _row_tags(text)
    for index, (_, start, attributes) in enumerate(tags):
        number = _ROW_NUMBER.search(attributes)
        row = last_row[0] = int(number[1]) if number else last_row[0] + 1
        if hidden is not None and b"hidden" in attributes and _HIDDEN_ATTRIBUTE.search(attributes):
            hidden.rows.add(row)
        end = tags[index + 1][0] if index + 1 < len(tags) else len(text)
        filled = text.count(b"</c>", start, end)
        closing = text.rfind(b"</c>", start, end)
        if not filled:  # cells of another namespace prefix (``</x:c>``), or none
            ends = [m.start() for m in _CELL_END.finditer(text, start, end)]
            filled, closing = len(ends), ends[-1] if ends else -1
        if not filled:
            continue
        position = max(text.rfind(b"<c ", start, closing), text.rfind(b"<c>", start, closing))
        last = _CELL.match(text, position) if position >= 0 else None
        if last is None:
            last = next(reversed(list(_CELL.finditer(text, start, closing))), None)
        ref = _CELL_REF.search(last[1]) if last else None
        # without a reference the last cell's column is the number of cells before it, at most
        col = column_number(ref[1]) if ref else len(_CELL.findall(text, start, end))
        placed = _VALUE_CELL.findall(text, start, end) if text.find(b'c r="', start, end) >= 0 else ()
        if placed:  # by their references: the furthest row and column any of them names
            row = max([row, *(int(digits) for _, digits in placed if digits)])
            col = max([col, *(column_number(letters) for letters in {letters for letters, _ in placed})])
        measure.cells += filled
        measure.last_row, measure.last_col = max(measure.last_row, row), max(measure.last_col, col)


def _check_xlsx(data: bytes, hidden: HiddenCells | None = None) -> ErrorCells:
    """Refuse the file past a bound (`UnsafeWorkbook`); else its sheets' error cells, by title (and
    into ``hidden`` what each sheet hides)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UnsafeWorkbook("Tệp không phải là tệp Excel .xlsx hợp lệ.") from None
    with archive:
        members = archive.infolist()
        unpacked = sum(m.file_size for m in members)
        packed = sum(m.compress_size for m in members) or 1
        big = [
            m
            for m in members
            if m.file_size > MAX_MEMBER or (m.file_size > 1 << 20 and m.file_size > MAX_RATIO * max(m.compress_size, 1))
        ]
        if unpacked > MAX_UNPACKED or unpacked / packed > MAX_RATIO or big:
            raise UnsafeWorkbook(
                "Tệp nén bất thường (có thể là «bom nén»: "
                + (
                    f"phần {big[0].filename} giải nén ra {big[0].file_size // (1 << 20)} MB"
                    if big
                    else f"giải nén ra {unpacked // (1 << 20)} MB"
                )
                + "); không mở."
            )
        names = {m.filename for m in members}
        if "xl/workbook.bin" in names:
            raise UnsafeWorkbook(
                "Đây là tệp Excel nhị phân (.xlsb). Hãy mở bằng Excel, lưu lại dạng .xlsx rồi gửi lại."
            )
        if "xl/workbook.xml" not in names:
            raise UnsafeWorkbook("Tệp không phải là tệp Excel .xlsx (không có phần xl/workbook.xml).")
        sheets = [
            m for m in members if re.fullmatch(r"xl/(worksheets|chartsheets|dialogsheets)/[^/]+\.xml", m.filename)
        ]
        if len(sheets) > MAX_SHEETS:
            raise UnsafeWorkbook(
                f"Tệp có {len(sheets)} trang tính; tệp của trường không quá {MAX_SHEETS} trang. Không mở."
            )
        cells = 0
        errors: ErrorCells = {}
        where = "danh sách trang (xl/workbook.xml)"  # what could not be unpacked: named in the refusal
        try:
            titles = _sheet_titles(archive, names)
            lost = [title for part, title in titles.items() if part not in names]
            if lost:  # a sheet named in the workbook but absent: calamine would fail on it mid-read
                raise UnsafeWorkbook(
                    f"Tệp Excel không trọn: thiếu nội dung của trang {', '.join(f'«{t}»' for t in lost)} "
                    "(tệp hỏng hoặc tải lên dở dang). Hãy lấy lại tệp gốc, hoặc mở bằng Excel rồi lưu lại."
                )
            for member in members:
                if not member.filename.endswith((".xml", ".rels", ".vml")):
                    continue
                extent = Extent() if member in sheets else None
                title = titles.get(member.filename, member.filename.rsplit("/", 1)[-1])
                where = f"trang «{title}»" if extent is not None else f"phần «{title}»"
                found: dict[tuple[int, int], str] = {}
                hides = Hidden() if extent is not None else None
                plain = None
                text = _member_text(data, member) if member.file_size <= MAX_ROW_BYTES else None
                if extent is not None and member.file_size <= MAX_ROW_BYTES:  # a whole sheet, read in one piece
                    if text is None:
                        text = archive.read(member)
                    plain = _plain_cells(text)
                    if plain is not None:
                        cells += plain
                        _xml_errors(text, found)
                        _xml_hidden_columns(text, hides)
                        _xml_hidden_rows(text, hides)
                    else:
                        _scan_part(io.BytesIO(text), extent, errors=found, hidden=hides)
                elif text is not None:  # another part (a sheet this small was read above): declarations only
                    _scan_part(io.BytesIO(text), None)
                else:
                    with archive.open(member) as part:
                        _scan_part(part, extent, errors=found if extent is not None else None, hidden=hides)
                if extent is not None and plain is None:
                    _check_extent(title, extent)
                    cells += extent.cells
                if found:
                    errors[title] = found
                if hides is not None and hidden is not None and (hides.columns or hides.rows):
                    hidden[title] = hides
        except (zipfile.BadZipFile, zlib.error, EOFError):  # packed data that does not unpack as its entry says
            raise UnsafeWorkbook(
                f"Tệp Excel bị hỏng: {where} không giải nén được (tệp tải về dở dang hoặc bị sửa). "
                "Hãy lấy lại tệp gốc, hoặc mở bằng Excel rồi lưu lại."
            ) from None
        if cells > MAX_CELLS:
            raise UnsafeWorkbook(
                f"Tệp có {cells} ô dữ liệu, quá {MAX_CELLS} ô; không phải tệp của một trường. Không mở."
            )
    return errors


_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then the name's and the extra field's lengths


def _member_text(data: bytes, member: zipfile.ZipInfo) -> bytes | None:
    """A stored or deflated member unpacked straight from the file's bytes, its size and CRC checked;
    ``None`` for any other (encrypted, another method, a size or CRC that does not hold, a header
    that is not where the directory says): `zipfile` reads it then, and refuses it as it always did.
    Why: zipfile's reader, per member, cost a third more than unpacking (0.21 s against 0.13 s over a
    school's 2,000 parts), and calamine unpacks each sheet again after the checks."""
    if member.flag_bits & 0x1 or member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    offset = member.header_offset
    if offset < 0 or offset + _LOCAL_HEADER.size > len(data):
        return None
    signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(data, offset)
    start = offset + _LOCAL_HEADER.size + name_length + extra_length
    if signature != b"PK\x03\x04" or start + member.compress_size > len(data):
        return None
    packed = data[start : start + member.compress_size]
    if member.compress_type == zipfile.ZIP_STORED:
        text = packed
    else:
        inflater = zlib.decompressobj(-15)
        try:
            text = inflater.decompress(packed, member.file_size + 1)  # never more than the size it declares
        except zlib.error:
            return None
        if not inflater.eof:
            return None
    if len(text) != member.file_size or zlib.crc32(text) != member.CRC:
        return None
    return text


_SHEET_ENTRY = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_RELATION = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')


def _sheet_titles(archive: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Sheet part → the sheet's name as the user sees it on its tab, to name it in a refusal. Read
    only once the parts' sizes were checked; a name that cannot be found leaves the part's name."""
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return {}
    workbook, relations = archive.read("xl/workbook.xml"), archive.read("xl/_rels/workbook.xml.rels")
    if b"<!" in workbook + relations:
        return {}  # a declaration is refused by the scan that follows
    targets = {}
    for tag in _RELATION.findall(relations):
        attributes = dict(_ATTRIBUTE.findall(tag))
        target = attributes.get(b"Target", b"").decode("utf-8", "replace").lstrip("/")
        targets[attributes.get(b"Id", b"")] = target if target.startswith("xl/") else f"xl/{target}"
    titles = {}
    for tag in _SHEET_ENTRY.findall(workbook):
        attributes = {key.split(b":")[-1]: value for key, value in _ATTRIBUTE.findall(tag)}
        part = targets.get(attributes.get(b"id", b""))
        if part:
            titles[part] = html.unescape(attributes.get(b"name", b"").decode("utf-8", "replace"))
    return titles


# --- .xls (BIFF8 in an OLE2 compound file) -----------------------------------------------------

_BOF, _EOF, _SST, _BOUNDSHEET = 0x0809, 0x000A, 0x00FC, 0x0085
_BIFF_CELLS = {
    0x0203,
    0x027E,
    0x00FD,
    0x0204,
    0x0006,
    0x0205,
    0x00D6,
}  # NUMBER RK LABELSST LABEL FORMULA BOOLERR RSTRING
_MULRK = 0x00BD
_BIFF_ROW, _COLINFO = 0x0208, 0x007D


def _check_xls(data: bytes, hidden: HiddenCells | None = None) -> ErrorCells:
    """Refuse the file past a bound (`UnsafeWorkbook`); else its sheets' error cells, by position
    (and into ``hidden`` what each sheet hides)."""
    import olefile  # only .xls files need it

    try:
        ole = olefile.OleFileIO(data)
    except Exception:  # olefile raises several kinds for broken containers
        raise UnsafeWorkbook("Tệp Excel cũ (.xls) bị hỏng, không mở được.") from None
    with ole:
        stream = next((name for name in ("Workbook", "Book") if ole.exists(name)), None)
        if stream is None:
            raise UnsafeWorkbook("Tệp .xls không có bảng tính (có thể là tài liệu Word hay tệp khác đổi đuôi).")
        if ole.get_size(stream) > MAX_FILE * 4:
            raise UnsafeWorkbook("Tệp .xls khai báo kích thước bất thường; không mở.")
        body = ole.openstream(stream).read()
    return _walk_biff(body, hidden)


def _walk_biff(body: bytes, hidden: HiddenCells | None = None) -> ErrorCells:
    """Walk the workbook stream's records: count sheets, refuse a shared-string table that declares
    more strings than the stream could hold, and measure each sheet's cells as for ``.xlsx``
    (a sheet's furthest row and column kept in locals: a school's ``.xls`` has ~100,000 cells).
    Returns the error cells (a BOOLERR holding an error, a FORMULA whose last result was one) by
    the sheet's position among the workbook's sheets, the order calamine lists them in; what each
    worksheet hides (a COLINFO or ROW record's hidden flag) goes into ``hidden`` by the same key."""
    sheets, cells, offset, depth = 0, 0, 0, 0
    errors: ErrorCells = {}
    ordinal = -1  # the current sheet's position (worksheets, charts and macro sheets alike)
    extent: Extent | None = None
    filled = last_row = last_col = 0  # the current sheet's
    size = len(body)
    head = struct.Struct("<HH").unpack_from  # a record's kind and length; a cell's row and column
    while offset + 4 <= size:
        kind, length = head(body, offset)
        start = offset + 4
        offset = start + length
        if depth == 1 and extent is not None and kind in _BIFF_CELLS and length >= 4 and start + 4 <= size:
            row, col = head(body, start)
            filled += 1
            if row >= last_row:
                last_row = row + 1
            if col >= last_col:
                last_col = col + 1
            if kind == 0x0205 or kind == 0x0006:  # BOOLERR, FORMULA: either may hold an error
                error = _biff_error(kind, body, start, length)
                if error is not None:
                    errors.setdefault(ordinal, {})[(row + 1, col + 1)] = error
            continue
        record = body[start:offset]
        if kind == _BOF:
            depth += 1
            substream = struct.unpack_from("<H", record, 2)[0] if len(record) >= 4 else 0
            if depth == 1 and substream != 0x0005:  # not the workbook globals: a sheet
                ordinal += 1
            if depth == 1 and substream == 0x0010:  # a worksheet; charts inside it nest deeper
                sheets += 1
                extent, filled, last_row, last_col = Extent(), 0, 0, 0
                if sheets > MAX_SHEETS:
                    raise UnsafeWorkbook(f"Tệp có hơn {MAX_SHEETS} trang tính; không mở.")
        elif kind == _EOF:
            if depth == 1 and extent is not None:
                extent.cells, extent.last_row, extent.last_col = filled, last_row, last_col
                _check_extent(f"thứ {sheets}", extent)
                cells += extent.cells
                extent = None
            depth = max(depth - 1, 0)
        elif kind == _SST and len(record) >= 8:
            unique = struct.unpack_from("<I", record, 4)[0]
            if unique > size:  # every string takes at least one byte of the stream
                raise UnsafeWorkbook("Tệp .xls khai báo số chuỗi bất thường; không mở.")
        elif depth == 1 and extent is not None and kind == _BIFF_ROW and length >= 16:
            if record[12] & 0x20:  # fDyZero: the row is hidden
                _hides(hidden, ordinal).rows.add(struct.unpack_from("<H", record)[0] + 1)
        elif depth == 1 and extent is not None and kind == _COLINFO and length >= 10:
            first, last, _, _, options = struct.unpack_from("<HHHHH", record)
            if options & 0x0001:  # fHidden
                _hides(hidden, ordinal).columns.append((first + 1, last + 1))
        elif depth == 1 and extent is not None and kind == _MULRK and len(record) >= 6:
            row, first = struct.unpack_from("<HH", record)
            last = struct.unpack_from("<H", record, len(record) - 2)[0]
            filled += max(first, last) - first + 1  # one cell per column from first to last
            last_row, last_col = max(last_row, row + 1), max(last_col, max(first, last) + 1)
        if cells > MAX_CELLS:  # the sheets ended so far
            raise UnsafeWorkbook(f"Tệp có hơn {MAX_CELLS} ô dữ liệu; không phải tệp của một trường. Không mở.")
    return errors


def _hides(hidden: HiddenCells | None, ordinal: int) -> Hidden:
    """The sheet's `Hidden` in ``hidden`` (a throwaway one when nobody asked)."""
    return Hidden() if hidden is None else hidden.setdefault(ordinal, Hidden())


def _biff_error(kind: int, body: bytes, start: int, length: int) -> str | None:
    """The error a BOOLERR or FORMULA record's cell shows (``#N/A``), else ``None``."""
    if kind == 0x0205 and length >= 8 and body[start + 7] == 1:  # value, then fError
        return _BIFF_ERRORS.get(body[start + 6], "#VALUE!")
    # a formula's cached result: 8 bytes after row, column and format; ``FF FF`` in its last two
    # bytes marks a non-number, whose first byte 2 says an error (its third, which)
    if kind == 0x0006 and length >= 14 and body[start + 12 : start + 14] == b"\xff\xff" and body[start + 6] == 2:
        return _BIFF_ERRORS.get(body[start + 8], "#VALUE!")
    return None


# --- the book -----------------------------------------------------------------------------------


@dataclass
class Sheet:
    """One worksheet; its rows are parsed on first use and kept."""

    title: str
    index: int
    book: Any = field(repr=False)
    _rows: list[tuple] | None = field(default=None, repr=False)

    def rows(self) -> list[tuple]:
        if self._rows is None:
            self._rows = self.book.rows_of(self)
        return self._rows

    @property
    def hidden(self) -> Hidden:
        """The columns and rows this sheet hides in Excel (read all the same: see `Hidden`)."""
        hidden = self.book.hidden
        return hidden.get(self.title) or hidden.get(self.index) or Hidden()


# A hidden sheet is mostly an old copy or the lists a template's drop-downs read: not read, and said
HIDDEN_SHEET = "trang đang ẩn (thường là bản cũ hay danh mục); nếu cần nhập, hãy bỏ ẩn trang rồi nhập lại"


class Book:
    """A safe workbook's sheets, in the file's order."""

    def __init__(self, data: bytes, errors: ErrorCells | None = None, hidden: HiddenCells | None = None):
        import python_calamine  # a compiled reader: loaded when a file is opened, not by every command

        try:
            self._calamine = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        except Exception as exc:  # calamine raises several kinds for broken files
            raise UnsafeWorkbook(f"Không đọc được tệp Excel ({type(exc).__name__}).") from None
        self.errors = errors or {}  # error cells found by the checks: see the module's docstring
        self.hidden = hidden or {}  # what each sheet hides, found by the same checks
        self.skipped: list[tuple[str, str]] = []  # (sheet, why): chart sheets, macro sheets
        self.worksheets: list[Sheet] = []
        for index, meta in enumerate(self._calamine.sheets_metadata):
            if not str(meta.typ).endswith("WorkSheet"):
                self.skipped.append((meta.name, "trang biểu đồ hoặc macro, không có bảng"))
            elif not str(meta.visible).endswith(".Visible"):  # Hidden, VeryHidden
                self.skipped.append((meta.name, HIDDEN_SHEET))
            else:
                self.worksheets.append(Sheet(meta.name, index, self))

    def rows_of(self, sheet: Sheet) -> list[tuple]:
        try:
            found = self._calamine.get_sheet_by_index(sheet.index)
            # from A1, so that Excel's numbering holds: rows[0] is row 1, row[0] column A; empty is None
            # and a whole number an int (IDs and counts: Excel stores every number as a float). The
            # type is asked first: a float compared with "" takes Python's slow path (both sides say
            # NotImplemented), and a school's files hold ~130,000 numbers among ~1 M cells
            rows = [
                tuple(
                    [
                        (int(v) if v.is_integer() and -1e15 < v < 1e15 else v)
                        if type(v) is float
                        else None
                        if v == ""
                        else v
                        for v in row
                    ]
                )
                for row in found.to_python(skip_empty_area=False)
            ]
        except Exception as exc:
            raise UnsafeWorkbook(f"Không đọc được trang «{sheet.title}» ({type(exc).__name__}).") from None
        errors = self.errors.get(sheet.title) or self.errors.get(sheet.index)
        for (number, column), text in (errors or {}).items():  # read by calamine as empty cells
            if number <= len(rows) and column <= len(rows[number - 1]):
                row = list(rows[number - 1])
                row[column - 1] = text
                rows[number - 1] = tuple(row)
        while rows and not any(v is not None for v in rows[-1]):
            rows.pop()
        return rows


_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<(?:!doctype\s+html|html|head|body|table|meta)\b", re.IGNORECASE)
_XML_2003 = re.compile(rb"urn:schemas-microsoft-com:office:spreadsheet")
RESAVE = "hãy mở tệp bằng Excel, chọn Lưu thành «Sổ làm việc Excel (.xlsx)» rồi nhập tệp vừa lưu."


def _not_excel(data: bytes) -> str:
    """Why a file that is neither .xls nor .xlsx is refused: web pages and Excel 2003 XML that
    school software (vnEdu, SMAS) saves with an .xls name are named as such, and what to do
    said; nothing of them is parsed."""
    if not data.strip(b"\x00 \t\r\n"):  # a download or copy that never finished writes nothing (or zeros)
        return (
            "Tệp rỗng (không có nội dung nào): thường do tải xuống hoặc chép tệp bị dở dang. Hãy lấy lại tệp "
            "từ nơi xuất (vnEdu, CSDL ngành) hoặc từ máy của giáo viên rồi nhập lại."
        )
    head = data[:4096]
    if _HTML_START.match(head):
        return (
            "Tệp không phải là tệp Excel mà là một trang web (HTML) đặt tên như tệp Excel, "
            f"như vài phần mềm trường học xuất ra; {RESAVE}"
        )
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<?xml") and _XML_2003.search(head):
        return f"Tệp là bảng tính XML của Excel 2003, không phải .xlsx hay .xls; {RESAVE}"
    if _owner_file(data):
        return (
            "Tệp là tệp khoá Excel tạo ra khi một bảng tính đang mở (tên bắt đầu bằng «~$», chỉ ghi tên "
            "người đang mở), không phải bảng tính; hãy chọn tệp cùng tên không có «~$» ở đầu."
        )
    return "Tệp không phải là tệp Excel (.xlsx hoặc .xls)."


def _owner_file(data: bytes) -> bool:
    """Whether ``data`` is the owner file Excel writes beside a workbook it has open («~$Sổ điểm.xlsx»,
    hidden on the teacher's computer but not in a shared folder or a zip: a real upload,
    github:NguyenVanDuc1997/hoso-hocsinh ``public/excel/exports/~$classess.xlsx``): 162 or 165 bytes,
    the user's name as a length byte and 54 space-padded bytes, then its length and itself in UTF-16."""
    if len(data) not in (162, 165) or not 0 < data[0] <= 54:
        return False
    length = data[0]
    return data[1 + length : 55].strip(b" ") == b"" and int.from_bytes(data[55:57], "little") == length


def _open(data: bytes) -> Book | UnsafeWorkbook:
    """The file checked against every bound, then opened; the refusal when a bound is passed."""
    try:
        if len(data) > MAX_FILE:
            raise UnsafeWorkbook(
                f"Tệp lớn {len(data) // (1 << 20)} MB; tệp của một trường không quá {MAX_FILE >> 20} MB."
            )
        hidden: HiddenCells = {}
        if data[:8] == OLE_MAGIC:
            errors = _check_xls(data, hidden)
        elif data[:4] == ZIP_MAGIC:
            errors = _check_xlsx(data, hidden)
        else:
            raise UnsafeWorkbook(_not_excel(data))
        return Book(data, errors, hidden)
    except UnsafeWorkbook as refused:
        return refused


@lru_cache(maxsize=4)
def _opened(data: bytes) -> Book | UnsafeWorkbook:
    """The same bytes opened twice (kind detection, then the reader) are checked and parsed once;
    bytes hash once and keep their hash, so the cache key costs nothing after the first look.
    Bytes a `ReadAhead` took are waited for, not opened again."""
    ahead = _AHEAD.pop(id(data), None)
    if ahead is not None and ahead[0] is data:
        return ahead[1].result()
    return _open(data)


def open_book(data: bytes) -> Book:
    """A checked workbook, or `UnsafeWorkbook` saying why not."""
    opened = _opened(data)
    if isinstance(opened, UnsafeWorkbook):
        raise UnsafeWorkbook(opened.reason)
    return opened


# --- reading ahead --------------------------------------------------------------------------------

# id(bytes) → (the bytes, their `_parsed` future): what `ReadAhead` started, until `_opened` takes it
_AHEAD: dict[int, tuple[bytes, Future]] = {}


def _parsed(data: bytes) -> Book | UnsafeWorkbook:
    """`_open`, and every worksheet's rows parsed (what every reader of a file does first). A sheet
    that cannot be parsed is left unparsed: its reader meets the refusal where it always did."""
    opened = _open(data)
    if isinstance(opened, Book):
        for sheet in opened.worksheets:
            try:
                sheet.rows()
            except UnsafeWorkbook:
                pass
    return opened


def reading_threads() -> int:
    """Threads that check and parse workbooks ahead: one per processor beside the one that maps and
    stores, at most three (the parse of one file takes a fifth of the rest of its import)."""
    return max(1, min(3, (os.cpu_count() or 1) - 1))


class ReadAhead:
    """Checks and parses the workbooks a command reads next, in threads, while the current one is
    read, mapped and stored: python-calamine parses without holding the interpreter's lock, so
    where a processor is free the parse of the next files costs no wall time. Files are still
    taken one at a time and in order, each refused or stored whole: only when their bytes are
    checked and parsed moves. Used as a context manager; bytes ``submit``-ted and never opened
    are dropped at its end."""

    def __init__(self, threads: int | None = None):
        self.threads = threads or reading_threads()
        self._pool: ThreadPoolExecutor | None = None
        self._mine: list[int] = []

    def __enter__(self) -> ReadAhead:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="read-ahead")
        return self

    def submit(self, data: bytes) -> None:
        """Start checking and parsing ``data``; `open_book` of the same bytes object waits for it."""
        if self._pool is None or id(data) in _AHEAD:
            return
        _AHEAD[id(data)] = (data, self._pool.submit(_parsed, data))
        self._mine.append(id(data))

    def __exit__(self, *_: Any) -> None:
        for key in self._mine:
            _AHEAD.pop(key, None)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool, self._mine = None, []
