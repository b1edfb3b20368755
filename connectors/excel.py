"""Reading Excel files from people safely: what every Excel connector shares.

A file is checked and bounded before it is parsed (`connectors.spreadsheet`: zip bombs, XML
with a DOCTYPE, sheets spanning more than a school's table could), then read once with
python-calamine, ``.xlsx`` and vnEdu's ``.xls`` alike. Headers are found by folded text in the
first rows, never by position.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.spreadsheet import EXCEL_ERRORS, Book, Sheet, UnsafeWorkbook, column_letters, open_book
from lienthong.mapping.headers import match_row, satisfied, vocabulary
from lienthong.mapping.normalize import fold

VALUE_SHOWN = 60  # enough to recognise a cell, short enough for one line of a report


@dataclass
class Problem:
    """Something wrong with one row (or the file), said in Vietnamese for the person who sent it.

    ``sheet``, ``cell`` (an Excel address, ``E12``) and ``value`` (what the cell holds, cut to
    `VALUE_SHOWN` characters) let that person find the cell; they come after the older fields
    so that callers writing ``Problem(row, message, column)`` keep working.
    """

    row: int
    message: str
    column: str = ""
    fatal: bool = True  # False: read, but flagged (e.g. an ID whose leading zero was restored)
    sheet: str = ""
    cell: str = ""
    value: str = ""
    # read, and left out until the person says how (a split test's parts without --map): the scores
    # are not imported, and the command's exit says so (1, as for refused rows)
    withheld: bool = False

    def describe(self) -> str:
        """One line a teacher can act on: «Dòng 12 (trang «6A1», ô E12, cột «Ngày sinh»): … ; trong ô là «31/02»»."""
        place = [f"trang «{self.sheet}»"] if self.sheet else []
        place += [f"ô {self.cell}"] if self.cell else []
        place += [f"cột «{self.column}»"] if self.column else []
        if self.row > 0:
            where = f"Dòng {self.row}" + (f" ({', '.join(place)})" if place else "")
        else:  # about the file or a sheet, not one of its rows
            where = ", ".join(place)
            where = where[:1].upper() + where[1:]
        said = f"; trong ô là «{self.value}»" if self.value else ""
        if self.value in EXCEL_ERRORS:  # what a failed formula shows: the formula is what to mend
            said += " (Excel báo lỗi công thức ở ô này: hãy sửa công thức hoặc nhập giá trị)"
        return f"{where}: {self.message}{said}" if where else f"{self.message}{said}"

    def __str__(self) -> str:
        return self.describe()


def memorable(value: Any) -> bool:
    """Whether a cell value may stand for every cell equal to it, so that what it reads as is worked
    out once (a school's files repeat a few hundred scores over a million cells): a text or a
    number, but not ``True``/``False`` nor the 1 and 0 they equal (``True == 1``)."""
    kind = type(value)
    return kind is str or kind is float or (kind is int and not 0 <= value <= 1)


def cell_address(row: int, position: int | None) -> str:
    """The Excel address of a cell (``E12``) from its row number and 0-based column; ``""`` without a column."""
    return f"{column_letters(position + 1)}{row}" if position is not None and position >= 0 else ""


def place(sheet: str, number: int, address: str) -> str:
    """Where a refusal happened, for a message: «Trang «6A1», ô E12», or the row when no column is known."""
    return f"Trang «{sheet}», " + (f"ô {address}" if address else f"dòng {number}")


def shown(value: Any) -> str:
    """A cell's value as a person would recognise it in the report, on one line and cut short."""
    if value is None:
        return ""
    if type(value) is float:
        return f"{value:.15g}"  # as Excel shows it: «7.25», not the formula's «7.250000000000001»
    if isinstance(value, (datetime.datetime, datetime.date)):
        text = value.strftime("%d/%m/%Y")  # what Excel shows a Vietnamese user, not an ISO timestamp
    else:
        text = " ".join(str(value).split())
    return text if len(text) <= VALUE_SHOWN else text[: VALUE_SHOWN - 1] + "…"


def header_text(rows: list[tuple], header: int, position: int | None, height: int = 1) -> str:
    """A column's header as the file writes it (the lowest non-empty of ``height`` header rows), so a
    person is told «Ngày sinh», never the program's own name for the column."""
    if position is None:
        return ""
    for index in range(header + height - 1, header - 1, -1):
        row = rows[index] if 0 <= index < len(rows) else ()
        value = row[position] if position < len(row) else None
        if value not in (None, "") and str(value).strip():
            return unicodedata.normalize("NFC", " ".join(str(value).split()))  # some exports write NFD
    return ""


@dataclass
class Table:
    """A sheet's table as `find_header` found it, to name a cell the way Excel and the file do.

    ``names``: the reader's accepted header texts per column, the first used for a column the
    file lacks; ``columns``: column name → 0-based position.
    """

    sheet: str
    rows: list[tuple]
    header: int
    columns: dict[str, int]
    names: dict[str, list[str]]

    def heading(self, name: str) -> str:
        """The column's header as the file writes it («Ngày sinh»), never the program's own name for it."""
        return header_text(self.rows, self.header, self.columns.get(name)) or self.names.get(name, [name])[0]

    def address(self, number: int, name: str) -> str:
        return cell_address(number, self.columns.get(name))

    def place(self, number: int, name: str) -> str:
        return place(self.sheet, number, self.address(number, name))

    def problem(self, number: int, name: str, message: str, fatal: bool = True) -> Problem:
        """A problem with row ``number`` (as Excel numbers it) in column ``name``, with the cell's value."""
        row = self.rows[number - 1] if 0 < number <= len(self.rows) else ()
        position = self.columns.get(name)
        value = row[position] if position is not None and position < len(row) else None
        return Problem(
            number,
            message,
            self.heading(name),
            fatal,
            sheet=self.sheet,
            cell=self.address(number, name),
            value=shown(value),
        )


FAULTS_SHOWN = 30  # a file with more is broken as a whole; the first ones show how


def refuse_file(platform: str, faults: list[str]) -> None:
    """Refuse the whole file when reading it row by row would lose or overwrite rows without
    anyone noticing (scores with no name, one student on two rows): nothing is stored, and the
    person is told every place to fix."""
    if not faults:
        return
    lines = [f"- {fault}" for fault in faults[:FAULTS_SHOWN]]
    if len(faults) > FAULTS_SHOWN:
        lines.append(f"- … và {len(faults) - FAULTS_SHOWN} chỗ khác.")
    raise FileFormatError(
        platform,
        "Không nhập tệp này (không lưu dòng nào), vì nếu nhập thì có dòng bị bỏ sót hoặc bị ghi đè "
        "mà không ai biết. Hãy sửa các chỗ sau rồi gửi lại:\n" + "\n".join(lines),
    )


def blank_name_fault(sheet: str, row: int, address: str, column: str, filled: list[str]) -> str:
    """One row with scores but no name: whose scores they are cannot be known."""
    cells = ", ".join(filled[:6]) + ("…" if len(filled) > 6 else "")
    return f"Trang «{sheet}», ô {address} (dòng {row}, cột «{column}»): họ tên để trống nhưng có điểm ở {cells}."


def duplicate_faults(sheet: str, column: str, seen: dict[str, list[tuple[int, str]]]) -> list[str]:
    """Every student code found on more than one row of a sheet (``seen``: code → (row, address)):
    stored by code, the later row would silently replace the earlier one."""
    return [
        f"Trang «{sheet}», cột «{column}»: mã «{shown(code)}» có ở {len(places)} dòng "
        f"({', '.join(str(row) for row, _ in places)}; ô {', '.join(address for _, address in places)}); "
        "dòng sau sẽ ghi đè dòng trước."
        for code, places in seen.items()
        if len(places) > 1
    ]


@dataclass
class ExcelRead:
    """What a reader got: records, problems by row, and what it found about the file."""

    records: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def rejected_rows(self) -> list[Problem]:
        return [p for p in self.problems if p.fatal]


def open_workbook(data: bytes, platform: str) -> Book:
    """A checked workbook (`connectors.spreadsheet`: ``.xlsx`` or ``.xls``, bounded before parsing)."""
    try:
        return open_book(data)
    except UnsafeWorkbook as refused:
        raise FileFormatError(platform, refused.reason) from None


def rows_of(sheet: Sheet, limit: int | None = None) -> list[tuple]:
    """The sheet's values row by row as Excel numbers them (``rows[0]`` is row 1, ``None`` for empty);
    parsed once per file, so detecting the kind and reading it cost one parse. A sheet calamine
    cannot lay out refuses the file in words, not as an internal error."""
    try:
        rows = sheet.rows()
    except UnsafeWorkbook as refused:
        raise FileFormatError("excel", refused.reason) from None
    return rows[:limit] if limit is not None else list(rows)


def find_header(
    rows: list[tuple], wanted: dict[str, Iterable[str]], required: Iterable[str | tuple[str, ...]], within: int = 12
) -> tuple[int, dict[str, int]] | None:
    """The first row (0-based) within ``within`` rows that holds every required column.

    Header cells are matched through the header vocabulary (`mapping.headers`: the reader's own
    texts, then the catalog's; annotated headers by their leading words; NFC/NFD, line breaks
    and tone marks folded). A cell naming two wanted columns counts for neither; readers that
    must say so call `mapping.headers.match_header`.

    Args:
        wanted: canonical column name → accepted header texts (compared folded).
        required: the names that must be present (a tuple: any one of them).
    Returns:
        ``(row_index, {name: column_index})`` or ``None``.
    """
    words = vocabulary(wanted)
    required = tuple(required)
    for index, row in enumerate(rows[:within]):
        found = match_row(row, index, words) if row else None
        if found is not None and satisfied(required, found.columns):
            return found.row, found.columns
    return None


def title_text(rows: list[tuple], before: int) -> str:
    """The title rows above the header, folded, for checking year, semester and class."""
    text = " ".join(str(v) for row in rows[:before] for v in row if v is not None)
    return fold(text.replace("Ð", "Đ").replace("ð", "đ"))  # Ð (U+00D0) typed for Đ


@dataclass(frozen=True)
class FileKind:
    """One kind of file a platform's users export or keep, declared by that platform's package.

    ``detect`` says from the first rows of a sheet whether the file is of this kind (kinds are
    tried in ``rank`` order); ``read`` reads it (`Expect`: what the user said the file is,
    ``column_map``: ``--map``); ``records`` turns what was read into the platform's stored
    records (its mapping module). ``periods``: ``semester``, ``year`` or ``any``; ``owner``: a
    later file is newer truth (a teacher's gradebook, the owner of scores). ``empty``: what a file
    of this kind with its header and no row means, said as a note when it is news (no absence in
    the period); by default such a file is refused whole (a list or a book of no student is an
    export gone wrong, and would be reported as read with nothing to show for it).
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
    empty: str = ""
