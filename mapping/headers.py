"""Column headers of people's spreadsheets matched against the header vocabulary.

A reader says which columns it wants (canonical name → its own header texts); the vocabulary
(`catalogs/headers.csv`) adds the texts schools and platforms are known to write for those
columns, and names the columns a reader never reads (personal data, old-program subjects) so
that they are reported with a reason rather than dropped in silence.

A header cell matches a column when its key (`header_key`: folded, notes in parentheses and
line breaks dropped, ``Ð`` read as ``Đ``, ``lý``/``lí`` alike) equals one of the column's texts,
or when it begins with a text of two or more words followed by more words (``Họ và tên học
sinh``, ``Mã định danh Bộ Giáo dục và Đào tạo``) — never by a single word's prefix, and never
when a number follows (``Ngoại ngữ 2`` is not ``Ngoại ngữ``). The longest text wins, so
``Họ tên cha`` is a parent's column, not the student's name. A header made of parts joined by
``/`` that name two different columns (``Mã định danh/CCCD``) is ambiguous: it is used for
neither and the reader says so.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from lienthong.mapping import catalogs
from lienthong.mapping.normalize import fold

EXACT, LEADING = 2, 1
_NOTES = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_I_Y = re.compile(r"\b([lkm])y\b")  # lý/lí, kỳ/kì, mỹ/mĩ: both spellings are in use
_PARTS = re.compile(r"\s*/\s*|\s+hoac\s+|\s*;\s*")
# Header words of score columns: a student list has none (a gradebook with Lớp and Giới tính
# must not pass for one).
SCORE_WORDS = re.compile(
    r"^(tx\s*\d*|ddg\w*|dtb\w*|gk\w*|ck\w*|giua k[iy]\w*|cuoi k[iy]\w*|mieng\w*|15 phut\w*|diem\b.*|hk\s*\d?)$"
)


@lru_cache(maxsize=8192)
def header_key(text: str) -> str:
    """The text a header is compared by: ``"Ngày sinh\\n(dd/mm/yyyy)"`` → ``"ngay sinh"``."""
    text = unicodedata.normalize("NFC", str(text)).replace("Ð", "Đ").replace("ð", "đ")
    text = _NOTES.sub(" ", text)
    key = fold(text).replace("&", " va ")
    key = re.sub(r"\.\s+", ".", key)
    key = _I_Y.sub(r"\1i", key)
    return " ".join(key.split()).strip(" :*-.,")


def shown_header(value: object) -> str:
    """A header as the file writes it, on one line (NFC: some exports write NFD)."""
    return unicodedata.normalize("NFC", " ".join(str(value).split())) if value is not None else ""


def letters(position: int) -> str:
    """The Excel column letters of a 0-based column (``0`` → ``A``, ``26`` → ``AA``)."""
    number, out = position + 1, ""
    while number:
        number, rest = divmod(number - 1, 26)
        out = chr(65 + rest) + out
    return out


@dataclass(frozen=True)
class Cell:
    """How one header cell matched: the columns it names (several: ambiguous) and how strongly."""

    position: int
    text: str
    columns: tuple[str, ...]
    strength: int

    @property
    def column(self) -> str | None:
        return self.columns[0] if len(self.columns) == 1 else None


@dataclass
class HeaderMatch:
    """The header row a reader found (0-based ``row``) and what each of its cells is.

    ``columns``: canonical name → 0-based position of the cells the reader uses; ``ambiguous``:
    cells naming two or more columns the reader wants (refuse: what the column holds is unknown).
    """

    row: int
    columns: dict[str, int]
    cells: list[Cell]
    wanted: frozenset[str]
    ambiguous: list[Cell] = field(default_factory=list)

    def unused(self, read: Iterable[str] | None = None, quiet: Iterable[str] = ("stt",)) -> list[tuple[Cell, str]]:
        """Every header cell whose column is not read, with the reason a person is told.

        ``read``: the columns the reader reads (default: every column it found); ``quiet``:
        columns found but carrying no data of their own (the row counter).
        """
        read = set(self.columns if read is None else read) | set(quiet)
        taken = {position: name for name, position in self.columns.items() if name in read}
        out = []
        for cell in self.cells:
            if cell.position in taken:
                continue
            out.append((cell, self._reason(cell, read)))
        return out

    def _reason(self, cell: Cell, read: set[str]) -> str:
        if len(cell.columns) > 1:
            same = {catalogs.header_reason(n) for n in cell.columns}
            if len(same) == 1 and None not in same:  # «Địa chỉ/SĐT»: personal either way
                return same.pop()
            named = " và ".join(f"«{catalogs.header_title(n)}»" for n in cell.columns)
            return f"tên cột ứng với cả {named} nên không biết cột chứa gì"
        if not cell.columns:
            return "không nhận ra tên cột nên không đọc"
        name = cell.columns[0]
        reason = catalogs.header_reason(name)
        if reason:
            return reason
        if name in self.columns and name in read:
            other = self.columns[name]
            first = next((c.text for c in self.cells if c.position == other), name)
            return f"trùng nghĩa với cột «{first}» (cột {letters(other)}) đã đọc"
        return "không dùng cho loại tệp này"


class Vocabulary:
    """A reader's wanted columns with the catalog's header texts, compiled once."""

    def __init__(self, wanted: tuple[tuple[str, tuple[str, ...]], ...]):
        self.wanted = frozenset(name for name, _ in wanted)
        self.own: dict[str, set[str]] = {}
        for name, texts in wanted:
            for text in texts:
                self.own.setdefault(header_key(text), set()).add(name)
        self.catalog: dict[str, set[str]] = {}
        for word in catalogs.header_words():
            self.catalog.setdefault(header_key(word.header), set()).add(word.column)
        # Texts of two or more words may match a longer header by its leading words; the
        # reader's own texts first among texts of the same length.
        prefixes = [(key, names, 0) for key, names in self.own.items() if " " in key]
        prefixes += [(key, names, 1) for key, names in self.catalog.items() if " " in key and key not in self.own]
        self.prefixes = sorted(prefixes, key=lambda p: (-len(p[0]), p[2]))
        # by their first word, in the same order: a header can only start with a text of its first word
        self._by_first: dict[str, list[tuple[str, Any, int]]] = {}
        for prefix in self.prefixes:
            self._by_first.setdefault(prefix[0].split(" ", 1)[0], []).append(prefix)
        self._seen: dict[str, tuple[tuple[str, ...], int]] = {}
        # a row of texts → what `match_row` found in it: a score book repeats its header on every sheet
        self.rows: dict[tuple, tuple[dict[str, int], list[Cell], list[Cell]]] = {}

    def classify(self, text: str) -> tuple[tuple[str, ...], int]:
        """The columns a header text names (empty: unknown; several: ambiguous) and how strongly."""
        known = self._seen.get(text)
        if known is None:
            if len(self._seen) > 4096:  # a hostile file's thousands of distinct headers stay bounded
                self._seen.clear()
            known = self._seen[text] = self._classify(header_key(text))
        return known

    def _classify(self, key: str) -> tuple[tuple[str, ...], int]:
        if not key:
            return (), 0
        found = self._whole(key)
        if found[0]:
            return found
        parts = [p for p in _PARTS.split(key) if p]
        if len(parts) > 1:
            names: set[str] = set()
            for part in parts:
                names |= set(self._whole(part)[0])
            if names:
                return tuple(sorted(names)), LEADING
        return (), 0

    def _whole(self, key: str) -> tuple[tuple[str, ...], int]:
        for table in (self.own, self.catalog):
            if key in table:
                return tuple(sorted(table[key])), EXACT
        for prefix, names, _ in self._by_first.get(key.split(" ", 1)[0], ()):
            if key.startswith(prefix + " ") and not key[len(prefix) + 1].isdigit():
                return tuple(sorted(names)), LEADING
        return (), 0


@lru_cache(maxsize=64)
def _vocabulary(wanted: tuple[tuple[str, tuple[str, ...]], ...]) -> Vocabulary:
    return Vocabulary(wanted)


def vocabulary(wanted: dict[str, Iterable[str]]) -> Vocabulary:
    return _vocabulary(tuple((name, tuple(texts)) for name, texts in wanted.items()))


def _satisfied(required: Iterable[str | tuple[str, ...]], present: set[str]) -> bool:
    return all((set(item) & present) if isinstance(item, tuple) else item in present for item in required)


def match_row(row: tuple, index: int, words: Vocabulary) -> HeaderMatch:
    """What each non-empty cell of one row names, and the columns a reader would use from it.

    A row of texts is matched once per vocabulary (a school's score books repeat one header on
    ~1,500 sheets); rows holding other values are matched each time (``1 == 1.0 == True`` as keys,
    though each is shown differently)."""
    known = words.rows.get(row) if all(type(v) is str or v is None for v in row) else False
    if known is None:
        if len(words.rows) > 4096:  # a hostile file's thousands of distinct rows stay bounded
            words.rows.clear()
        found = _match_row(row, index, words)
        words.rows[row] = (found.columns, found.cells, found.ambiguous)
        known = words.rows[row]
    if known:
        columns, cells, ambiguous = known
        return HeaderMatch(index, dict(columns), list(cells), words.wanted, list(ambiguous))
    return _match_row(row, index, words)


def _match_row(row: tuple, index: int, words: Vocabulary) -> HeaderMatch:
    cells: list[Cell] = []
    columns: dict[str, int] = {}
    strength: dict[str, int] = {}
    for position, value in enumerate(row):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        text = shown_header(value)
        names, how = words.classify(text)
        cells.append(Cell(position, text, names, how))
        if len(names) == 1 and names[0] in words.wanted:
            name = names[0]
            if name not in columns or how > strength[name]:  # an exact header beats a leading-words one
                columns[name], strength[name] = position, how
    ambiguous = [c for c in cells if len(c.columns) > 1 and set(c.columns) & words.wanted]
    return HeaderMatch(index, columns, cells, words.wanted, ambiguous)


def match_header(
    rows: list[tuple],
    wanted: dict[str, Iterable[str]],
    required: Iterable[str | tuple[str, ...]],
    within: int = 12,
) -> HeaderMatch | None:
    """The first row within ``within`` rows holding every required column (an item of
    ``required`` may be a tuple: any one of those columns), counting a cell that names two
    wanted columns for either, so that a reader can refuse it by name rather than not find
    the header at all."""
    words = vocabulary(wanted)
    required = tuple(required)
    for index, row in enumerate(rows[:within]):
        if not row:
            continue
        found = match_row(row, index, words)
        present = set(found.columns) | {name for cell in found.ambiguous for name in cell.columns}
        if _satisfied(required, present):
            return found
    return None


def satisfied(required: Iterable[str | tuple[str, ...]], columns: dict[str, int]) -> bool:
    """Whether ``columns`` holds every required column (a tuple: any one of them)."""
    return _satisfied(required, set(columns))
