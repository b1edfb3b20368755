"""How the simulated platforms write and read values: folded text, scores, marks, the calendar.

The simulators' own code (they never import the project's mapping layer), from the contracts:
folding for header matching (``contracts/csdl.md`` §2), scores as strings with a comma or
dot decimal and Đ/CĐ marks (``contracts/vnedu.md`` ScoreSheet), scores printed ``8,5``
(``domain.md``, Vietnamese text), and the school year that starts in September
(``design.md``, simulators).
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

_SPACES = re.compile(r"\s+")
_SCORE = re.compile(r"^\d{1,2}(?:[.,]\d+)?$", re.ASCII)
_TENTH = Decimal("0.1")


class BadValue(ValueError):
    """A value a platform refuses; ``reason`` says why, in Vietnamese."""

    def __init__(self, reason: str, value: Any = None):
        self.reason, self.value = reason, value
        super().__init__(f"{reason} ({value!r})")


# --- text --------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Header folding of the contract: no diacritics, ``đ``→``d``, lower case, single spaces."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", bare).strip().lower()


# --- scores and marks --------------------------------------------------------------------------


def parse_score(value: Any) -> Decimal:
    """A score 0–10 with at most one decimal (``"8,5"``, ``"8.5"``, ``"10"``) as a `Decimal`."""
    if value is None:
        raise BadValue("Điểm bị trống", value)
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise BadValue("Điểm không phải là số", value)
    if isinstance(value, str):
        text = unicodedata.normalize("NFC", value).strip()
        if not _SCORE.match(text):
            raise BadValue("Điểm phải là số từ 0 đến 10, ví dụ 8,5", value)
        number = Decimal(text.replace(",", "."))
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise BadValue("Điểm không phải là số", value)
        number = Decimal(repr(value))
    else:
        number = Decimal(value)
        if not number.is_finite():
            raise BadValue("Điểm không phải là số", value)
    try:
        rounded = number.quantize(_TENTH)
    except InvalidOperation:  # too many digits to hold one decimal: far outside 0–10
        raise BadValue("Điểm phải nằm trong khoảng từ 0 đến 10", value) from None
    if rounded != number:
        raise BadValue("Điểm chỉ được có một chữ số thập phân", value)
    if not 0 <= rounded <= 10:
        raise BadValue("Điểm phải nằm trong khoảng từ 0 đến 10", value)
    return rounded


def format_score(value: Decimal) -> str:
    """A score as it is printed for people: one decimal, comma (``8,5``, ``10,0``)."""
    return f"{value.quantize(_TENTH)}".replace(".", ",")


_MARK_WORDS = {"d": "Đ", "dat": "Đ", "cd": "CĐ", "chua dat": "CĐ"}


def parse_mark(value: Any) -> str:
    """``Đ``/``CĐ`` of a comment subject, from the code or the words (``Đạt``, ``Chưa đạt``)."""
    if value in ("Đ", "CĐ"):
        return value
    if isinstance(value, str) and fold(value) in _MARK_WORDS:
        return _MARK_WORDS[fold(value)]
    raise BadValue("Kết quả môn nhận xét phải là Đ hoặc CĐ", value)


# --- the school calendar -----------------------------------------------------------------------


def school_year_of(day: date) -> str:
    """The school year a day falls in; a year starts in September (23/11/2026 → ``2026-2027``)."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}-{start + 1}"


def semester_bounds(start_year: int, semester: str) -> tuple[date, date]:
    """First and last day of semester ``"1"`` (5 September – 15 January) or ``"2"`` (to 31 May)."""
    if semester == "1":
        return date(start_year, 9, 5), date(start_year + 1, 1, 15)
    return date(start_year + 1, 1, 16), date(start_year + 1, 5, 31)


def semester_of(day: date) -> str:
    """``"1"`` up to the end of semester I, ``"2"`` from then until the next school year."""
    start = int(school_year_of(day)[:4])
    return "1" if day <= semester_bounds(start, "1")[1] else "2"
