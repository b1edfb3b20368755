"""Normalisation of what arrives from files and platforms: text, dates, scores, codes.

Every function here either returns a canonical value or raises `MappingError` with a
Vietnamese reason naming what was wrong, so callers never store a half-understood value.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from lienthong.mapping.errors import LegacyEncodingError, MappingError
from lienthong.mapping.legacy_encoding import ETH_AS_D, detect_legacy_encoding

_WS = re.compile(r"\s+")
_TONE_MARKS = {"\u0301": "1", "\u0300": "2", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
_ONE_PLACE = Decimal("0.1")
_TEN = Decimal(10)


# --- text -------------------------------------------------------------------------------


def nfc(text: str) -> str:
    """Unicode NFC with whitespace collapsed and trimmed."""
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


# What a caller tells the person when `clean_text_with_notes` read an Eth as Đ.
ETH_NOTE = "Chữ «Ð» (Eth, do một số bàn phím gõ ra thay cho «Đ») đã được đọc là «Đ»"


def clean_text_with_notes(value: Any, *, field: str | None = None) -> tuple[str, list[str]]:
    """`clean_text`, and what was changed that the person should be told (Vietnamese notes).

    ``Ð``/``ð`` (U+00D0/U+00F0, Latin Eth, which some keyboards type) in text that is not
    legacy-encoded are read as ``Đ``/``đ``; the note `ETH_NOTE` says so. Refusing such a name
    with advice to convert the file would damage a file that is already Unicode.
    """
    if not isinstance(value, str):
        raise MappingError("Cần một chuỗi văn bản", value=value, field=field)
    text = nfc(value)
    found = detect_legacy_encoding(text)
    if found is not None:
        raise LegacyEncodingError(found[0], text, found[1], field=field)
    if "Ð" in text or "ð" in text:
        return text.translate(ETH_AS_D), [ETH_NOTE]
    return text, []


def clean_text(value: Any, *, field: str | None = None) -> str:
    """Canonical text: NFC, single spaces, Ð read as Đ; refuses legacy-encoded (TCVN3/VNI)
    mojibake. `clean_text_with_notes` also says what was read differently."""
    return clean_text_with_notes(value, field=field)[0]


def name_with_notes(value: Any, *, field: str | None = "ho_ten") -> tuple[str, list[str]]:
    """`clean_name`, and the notes for the person (an ``Ð`` read as ``Đ``: `ETH_NOTE`).

    Callers that can warn (file readers) use this; the notes never repeat the name.
    """
    if type(value) is str:  # the same student's name comes on every score book of an import
        text, notes = _known_name(value, field)
        return text, list(notes)
    return _name_with_notes(value, field)


@lru_cache(maxsize=8192)
def _known_name(value: str, field: str | None) -> tuple[str, tuple[str, ...]]:
    text, notes = _name_with_notes(value, field)
    return text, tuple(notes)


def _name_with_notes(value: Any, field: str | None) -> tuple[str, list[str]]:
    text, notes = clean_text_with_notes(value, field=field)
    if not text or any(ch.isdigit() for ch in text):
        raise MappingError("Họ tên không hợp lệ", value=value, field=field)
    if text[0] in "=+-@":  # a spreadsheet would run it as a formula wherever the name is written
        raise MappingError(
            "Họ tên không được bắt đầu bằng dấu = + - @ (có thể là công thức bảng tính)", value=value, field=field
        )
    return text, notes


def clean_name(value: Any, *, field: str | None = "ho_ten") -> str:
    """A person's full name: clean text, non-empty, family name first, kept as written
    (``Ð`` silently read as ``Đ``; `name_with_notes` says when)."""
    return name_with_notes(value, field=field)[0]


@lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """Fold for matching headers and codes: no diacritics, đ→d, lower case, single spaces.

    This is the contract's folding: ``"Mã định danh\\nBộ GD&ĐT"`` → ``"ma dinh danh bo gd&dt"``.
    An Eth (``Ð``, which some keyboards type for ``Đ``) folds as ``Đ`` does: «Ð» is a mark Đ.
    """
    if "Ð" in text or "ð" in text:
        text = text.translate(ETH_AS_D)
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = decomposed.translate(_DIACRITICS)  # Vietnamese marks, in C; any other combining mark below
    if not stripped.isascii():
        stripped = "".join(ch for ch in stripped if not unicodedata.combining(ch))
    return _WS.sub(" ", stripped).strip().lower()


# The combining marks of U+0300–U+036F (every mark a Vietnamese letter decomposes to), to drop
_DIACRITICS = dict.fromkeys(c for c in range(0x300, 0x370) if unicodedata.combining(chr(c)))


@lru_cache(maxsize=65536)  # matching compares each name with hundreds of candidates
def name_key(text: str) -> str:
    """Key for comparing Vietnamese names.

    Folds NFD/NFC, case, whitespace and tone placement: the tone mark of each word is
    taken off the vowel and written as a digit at the end of the word, so old-style
    ``Hoà``/``Thuý``/``Khoẻ`` equal new-style ``Hòa``/``Thúy``/``Khỏe`` while different
    tones (``Hoà`` vs ``Hoá``) still differ.
    """
    words = []
    for word in nfc(text).casefold().split(" "):
        decomposed = unicodedata.normalize("NFD", word)
        tones = [_TONE_MARKS[ch] for ch in decomposed if ch in _TONE_MARKS]
        base = "".join(ch for ch in decomposed if ch not in _TONE_MARKS)
        words.append(unicodedata.normalize("NFC", base) + "".join(tones))
    return " ".join(words)


_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_ORDER = {ch: i for i, ch in enumerate(_ALPHABET)}


def _collate(word: str) -> tuple[tuple[int, ...], str]:
    """Vietnamese alphabetical order (a ă â b c d đ …), tones deciding only ties."""
    key = name_key(word)
    letters = key.rstrip("12345")
    return tuple(_ORDER.get(ch, 100 + ord(ch)) for ch in letters), key[len(letters) :]


def given_name_sort_key(full_name: str) -> tuple:
    """Vietnamese list order: by given name (the last word), then by the rest in order."""
    words = nfc(full_name).split(" ")
    return (_collate(words[-1]), *(_collate(w) for w in words[:-1]))


def class_order(code: str) -> tuple:
    """Classes in a school's order: ``6A2`` before ``6A10``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", code))


# --- dates ------------------------------------------------------------------------------

_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$", re.ASCII)
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T[0-9:.+\-Z]*)?$", re.ASCII)
_EXCEL_EPOCH = date(1899, 12, 30)  # Excel's serial 1 is 1900-01-01 (with its 1900 leap bug)
# Plausible serials for school records: 1 Jan 1950 … 31 Dec 2099.
_SERIAL_MIN, _SERIAL_MAX = 18264, 73415


# A blank date cell said by what is missing (a blank is not an invalid date: nothing to mend, only to fill).
_MISSING_DATES = {"ngay_sinh": "Thiếu ngày sinh"}


def parse_date(value: Any, *, field: str | None = None) -> date:
    """A date from ``dd/mm/yyyy``, ``d/m/yyyy``, ISO ``yyyy-mm-dd`` or an Excel serial.

    Day-first is the only reading of slashed dates: Vietnamese files never use mm/dd.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        raise MappingError(_MISSING_DATES.get(field or "", "Thiếu ngày"), field=field)
    if isinstance(value, bool):
        raise MappingError("Ngày không hợp lệ", value=value, field=field)
    if isinstance(value, (int, float, Decimal)):
        return _from_serial(value, field)
    if not isinstance(value, str):
        raise MappingError("Ngày không hợp lệ", value=value, field=field)
    known = _DATES.get(value)
    if known is not None:
        return known
    found = _parse_text_date(value, field)
    if len(_DATES) < _DATES_KEPT:
        _DATES[value] = found  # a date is immutable: records may share it
    return found


# Texts read as dates (a school's absences and birth dates: tens of thousands, a few thousand different)
_DATES: dict[str, date] = {}
_DATES_KEPT = 20_000


def _parse_text_date(value: str, field: str | None) -> date:
    text = value.strip()
    match = _DMY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    elif match := _ISO.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif re.fullmatch(r"[0-9]{5}(\.0+)?", text):
        return _from_serial(Decimal(text), field)
    else:
        raise MappingError("Ngày phải có dạng dd/mm/yyyy", value=value, field=field)
    try:
        return date(year, month, day)
    except ValueError:
        raise MappingError("Ngày không tồn tại trên lịch", value=value, field=field) from None


def _from_serial(value: int | float | Decimal, field: str | None) -> date:
    number = Decimal(str(value))
    if number != number.to_integral_value() or not _SERIAL_MIN <= number <= _SERIAL_MAX:
        raise MappingError("Số ngày kiểu Excel không hợp lệ", value=value, field=field)
    return _EXCEL_EPOCH + timedelta(days=int(number))


def format_date(value: date) -> str:
    """``dd/mm/yyyy``, as Vietnamese users and platforms write dates."""
    return value.strftime("%d/%m/%Y")


# --- scores -----------------------------------------------------------------------------

_SCORE_TEXT = re.compile(r"^\d{1,2}(?:[.,]\d+)?$", re.ASCII)


def parse_score(value: Any, *, field: str | None = None) -> Decimal:
    """A score 0–10 with at most one decimal place, as an exact `Decimal` (``8.5``).

    Accepts ``"8,5"``, ``"8.5"``, ``"8.50"``, ``8.5``, ``10``; refuses more than one
    significant decimal (``"8,55"``), values outside 0–10, text, booleans and NaN.
    """
    known = _COMMON_SCORES.get(value) if isinstance(value, str) else None
    if known is not None:
        return known
    if value is None:
        raise MappingError("Điểm bị trống", value=value, field=field)
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise MappingError("Điểm không phải là số", value=value, field=field)
    if _not_finite(value):  # checked before the cache: NaN never equals itself
        raise MappingError("Điểm không phải là số", value=value, field=field)
    try:
        return _parse_score(value)
    except MappingError as exc:
        raise exc.at(field) if field else exc from None


def _not_finite(value: Any) -> bool:
    if isinstance(value, Decimal):
        return not value.is_finite()
    return isinstance(value, float) and not math.isfinite(value)


@lru_cache(maxsize=4096)  # a whole school has a few hundred distinct score texts
def _parse_score(value: str | int | float | Decimal) -> Decimal:
    if isinstance(value, float):
        # As Excel holds and shows it, to 15 significant digits: a formula's result carries binary
        # noise beyond them (``=4.9+2.4`` is 7.300000000000001, shown and meant as 7,3)
        number = Decimal(f"{value:.15g}")
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, Decimal):
        number = value
    else:
        text = unicodedata.normalize("NFC", value).strip()
        if not _SCORE_TEXT.match(text):
            raise MappingError("Điểm phải là số từ 0 đến 10, ví dụ 8,5", value=value)
        number = Decimal(text.replace(",", "."))
    if not number.is_finite():
        raise MappingError("Điểm không phải là số", value=value)
    rounded = number.quantize(_ONE_PLACE)
    if rounded != number:
        raise MappingError("Điểm chỉ được có một chữ số thập phân", value=value)
    if not 0 <= rounded <= _TEN:
        raise MappingError("Điểm phải nằm trong khoảng từ 0 đến 10", value=value)
    return rounded


def _common_scores() -> dict[str, Decimal]:
    """Every score as people type it most often ("8", "8,5", "8.5"), parsed once."""
    table: dict[str, Decimal] = {}
    for tenths in range(101):
        value = Decimal(tenths).scaleb(-1)
        text = f"{value:.1f}"
        table[text] = table[text.replace(".", ",")] = value
        if tenths % 10 == 0:
            table[str(tenths // 10)] = value
    return table


_COMMON_SCORES = _common_scores()


class StoredValues:
    """A stored result's values as reconciliation compares them: a score as Decimal, any of
    ``words`` (Đ/CĐ, Miễn…), a blank or an unreadable value as written. A text is read once per
    process: a school's results hold ~70,000 values of a few hundred different texts, and a
    Decimal is immutable, so records may share it."""

    KEPT = 4096  # texts that are not scores are without end

    def __init__(self, *words: str):
        self._passed = (None, "", *words)
        self._known: dict[str, Any] = {}

    def __call__(self, value: Any) -> Any:
        known = self._known
        if type(value) is str:
            read = known.get(value, _UNREAD)
            if read is not _UNREAD:
                return read
        try:
            read = Decimal(str(value)) if value not in self._passed else value
        except ArithmeticError:
            read = value
        if type(value) is str and len(known) < self.KEPT:
            known[value] = read
        return read

    def each(self, values: dict[str, Any]) -> dict[str, Any]:
        """A record's values read (``{key: self(value)}``): in one lookup each when every text was
        read before, as nearly always (a call each was a fifth of mapping a school's results)."""
        known = self._known
        try:
            return {key: known[value] for key, value in values.items()}  # only texts are kept
        except (KeyError, TypeError):  # a text not read yet, or not a text (a blank, a number…)
            return {key: self(value) for key, value in values.items()}


_UNREAD = object()


def format_score(value: Decimal) -> str:
    """A score as Vietnamese users read it: one decimal, comma (``8,5``, ``10,0``)."""
    return f"{value.quantize(_ONE_PLACE)}".replace(".", ",")


# --- codes from the catalogs ------------------------------------------------------------


def restore_digits(value: Any, width: int, *, field: str | None = None) -> tuple[str, bool]:
    """An identifier of ``width`` digits, as text; restores zeros lost by Excel.

    Returns:
        ``(identifier, restored)`` where ``restored`` says leading zeros were put back, which
        callers flag (the file had the ID as a number).
    """
    if isinstance(value, bool):
        raise MappingError(f"Mã số phải gồm {width} chữ số", value=value, field=field)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if value is not None else ""
    if isinstance(value, str) and re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    if not text.isdigit() or not text.isascii() or len(text) > width:
        raise MappingError(f"Mã số phải gồm {width} chữ số", value=value, field=field)
    return text.zfill(width), len(text) < width


# --- marks and levels -------------------------------------------------------------------

_MARKS = {"d": "Đ", "dat": "Đ", "cd": "CĐ", "chua dat": "CĐ"}
# Result codes and the words every platform's files and screens write them in (one vocabulary).
LEVEL_WORDS = {"T": "Tốt", "K": "Khá", "Đ": "Đạt", "CĐ": "Chưa đạt"}
TITLE_WORDS = {"XS": "Học sinh Xuất sắc", "G": "Học sinh Giỏi"}
# The one way a period is written for people (vnEdu's «học kỳ»; Circular 22 spells the same word
# «học kì»): at the start of a line or heading, and within a sentence. A discrepancy's message keeps
# its own «HK1» (its words are part of what it is, kept word for word from run to run).
SEMESTER_TITLES = {"1": "Học kỳ I", "2": "Học kỳ II", "CN": "Cả năm"}
SEMESTER_SAID = {"1": "học kỳ I", "2": "học kỳ II", "CN": "cả năm"}
PROMOTION_WORDS = {"LL": "Lên lớp", "KTL": "Kiểm tra lại", "RLH": "Rèn luyện hè", "OL": "Ở lại lớp"}


def _readable(words: dict[str, str]) -> dict[str, str]:
    """Folded code or words → code: readers accept either (``Tốt`` or ``T``)."""
    return {**{fold(code): code for code in words}, **{fold(text): code for code, text in words.items()}}


_LEVELS = _readable(LEVEL_WORDS)
_TITLES = _readable(TITLE_WORDS)
_PROMOTIONS = _readable(PROMOTION_WORDS)


def _coded_word(value: Any, table: dict[str, str], reason: str, field: str | None) -> str:
    if isinstance(value, str):
        found = table.get(fold(value))
        if found is not None:
            return found
    raise MappingError(reason, value=value, field=field)


def parse_mark(value: Any, *, field: str | None = None) -> str:
    """``"Đ"``/``"CĐ"`` from the code or the words (``Đạt``, ``Chưa đạt``), NFD or NFC."""
    if value == "Đ" or value == "CĐ":
        return value
    return _coded_word(value, _MARKS, "Kết quả môn nhận xét phải là Đ hoặc CĐ", field)


def parse_level(value: Any, *, field: str | None = None) -> str:
    """A level code ``T``/``K``/``Đ``/``CĐ`` from the code or the words (``Tốt``…)."""
    return _coded_word(value, _LEVELS, "Mức đánh giá phải là T, K, Đ hoặc CĐ (Tốt, Khá, Đạt, Chưa đạt)", field)


def parse_title(value: Any, *, field: str | None = None) -> str:
    """A title code ``XS``/``G`` from the code or the words (``Học sinh Giỏi``)."""
    return _coded_word(
        value, _TITLES, "Danh hiệu phải là «Học sinh Xuất sắc», «Học sinh Giỏi» (XS, G) hoặc để trống", field
    )


def parse_promotion(value: Any, *, field: str | None = None) -> str:
    """A promotion code ``LL``/``KTL``/``RLH``/``OL`` from the code or the words (``Lên lớp``…)."""
    return _coded_word(
        value,
        _PROMOTIONS,
        "Lên lớp phải là «Lên lớp», «Kiểm tra lại», «Rèn luyện hè» hoặc «Ở lại lớp» (LL, KTL, RLH, OL)",
        field,
    )


def is_mark_text(value: Any) -> bool:
    return isinstance(value, str) and fold(value) in _MARKS


def parse_assessment_value(value: Any, *, field: str | None = None) -> Decimal | str:
    """One assessment: a mark code when the text is Đ/CĐ, else an exact score."""
    if is_mark_text(value):
        return parse_mark(value, field=field)
    return parse_score(value, field=field)


_FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: Any) -> Any:
    """A value for a spreadsheet cell that a spreadsheet will never run: text beginning with
    ``= + - @``, a tab or a carriage return gets a leading apostrophe (``'``), so it is written
    and shown as text, never as a formula (OWASP formula injection); numbers, dates and other
    text pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_LEAD):
        return "'" + value
    return value
