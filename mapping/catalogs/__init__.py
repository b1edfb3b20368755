"""The catalogs (subjects, ethnicities, statuses, genders) as data files, loaded once.

Platforms name the same thing differently; joins go through these codes, never through
display names. Lookups by name fold diacritics, case, hyphens and spaces.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from lienthong.assessment.subjects import Assessment, SubjectInfo, subject, subjects  # noqa: F401 (re-exported)
from lienthong.mapping.errors import MappingError
from lienthong.mapping.normalize import fold


@dataclass(frozen=True)
class CodeName:
    code: str
    name: str
    aliases: tuple[str, ...] = ()


def _rows(filename: str) -> list[dict[str, str]]:
    with resources.files(__package__).joinpath(filename).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _aliases(row: dict[str, str]) -> tuple[str, ...]:
    return tuple(a for a in (row.get("aliases") or "").split("|") if a)


@cache
def _coded(filename: str) -> tuple[CodeName, ...]:
    return tuple(CodeName(r["code"], r["name"], _aliases(r)) for r in _rows(filename))


def ethnicities() -> tuple[CodeName, ...]:
    return _coded("ethnicities.csv")


def statuses() -> tuple[CodeName, ...]:
    return _coded("statuses.csv")


def genders() -> tuple[CodeName, ...]:
    return _coded("genders.csv")


@lru_cache(maxsize=4096)  # every stored student's gender, ethnicity and status: a handful of words
def _loose(text: str) -> str:
    return re.sub(r"[\s\-'’]+", "", fold(text))


@cache
def _name_index(filename: str) -> dict[str, CodeName]:
    index: dict[str, CodeName] = {}
    for entry in _coded(filename):
        for label in (entry.name, *entry.aliases):
            index[_loose(label)] = entry
    return index


@cache
def subject_by_name() -> dict[str, SubjectInfo]:
    """Subjects keyed by folded name and aliases (for Excel column headers)."""
    index: dict[str, SubjectInfo] = {}
    for info in subjects().values():
        for label in (info.name, *info.aliases):
            index[_loose(label)] = info
    return index


def subject_named(text: str) -> SubjectInfo | None:
    """A subject by its name or an alias, folded («Ngữ văn», «ngu van», «Khoa học tự nhiên»)."""
    return subject_by_name().get(_loose(text))


@cache
def _by_code(filename: str) -> dict[str, CodeName]:
    return {e.code: e for e in _coded(filename)}


def lookup(filename: str, value: Any, *, width: int, what: str, field: str | None) -> CodeName:
    """Find a catalog entry by code (``"01"``, ``1``) or by name, folded."""
    entries = _by_code(filename)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit() and text.zfill(width) in entries:
            return entries[text.zfill(width)]
        found = _name_index(filename).get(_loose(text))
        if found is not None:
            return found
    raise MappingError(f"{what} không có trong danh mục", value=value, field=field)


def ethnicity(value: Any, *, field: str | None = "dan_toc") -> CodeName:
    """An ethnicity by two-digit code (zero restored) or by name (``"Khmer"``→``05``)."""
    return lookup("ethnicities.csv", value, width=2, what="Dân tộc", field=field)


def status(value: Any, *, field: str | None = "trang_thai") -> CodeName:
    return lookup("statuses.csv", value, width=1, what="Trạng thái học sinh", field=field)


def gender(value: Any, *, field: str | None = "gioi_tinh") -> CodeName:
    return lookup("genders.csv", value, width=1, what="Giới tính", field=field)


# --- column headers (headers.csv) -----------------------------------------------------------


@dataclass(frozen=True)
class HeaderWord:
    """One header text people's spreadsheets use for a column, and where it was seen.

    ``use``: ``read`` (a reader may read the column), ``unused`` (known, never needed for
    reconciliation), ``personal`` (personal data never read: data minimisation), ``component``
    (a component or old-program subject, not a subject of the current catalog).
    """

    column: str
    header: str
    use: str
    source: str


HEADER_USES = ("read", "unused", "personal", "component")
# Why a known column is never read, as the report tells the person who sent the file.
HEADER_USE_REASONS = {
    "unused": "không cần cho đối chiếu",
    "personal": "không đọc: dữ liệu cá nhân không cần cho đối chiếu",
    "component": (
        "không đọc: phân môn hoặc môn của chương trình cũ, không có trong danh mục môn hiện hành "
        "(Lí, Hóa, Sinh thuộc Khoa học tự nhiên; Sử, Địa thuộc Lịch sử và Địa lí; "
        "Âm nhạc, Mĩ thuật thuộc Nghệ thuật)"
    ),
}


@cache
def header_words() -> tuple[HeaderWord, ...]:
    """The header vocabulary: canonical column → accepted header texts, each with its source."""
    words = tuple(HeaderWord(r["column"], r["header"], r["use"], r["source"]) for r in _rows("headers.csv"))
    for word in words:
        if word.use not in HEADER_USES or not word.column or not word.header.strip():
            raise ValueError(f"headers.csv: bad entry {word}")
    return words


@cache
def header_uses() -> dict[str, str]:
    """Canonical column → its ``use`` (one per column)."""
    return {w.column: w.use for w in header_words()}


def header_reason(column: str) -> str | None:
    """Why a known column is never read, or ``None`` for a column readers may read."""
    return HEADER_USE_REASONS.get(header_uses().get(column, "read"))


def header_title(column: str) -> str:
    """How a person would name a canonical column: its first header text (a subject's name)."""
    if column.startswith("mon:") and column[4:] in subjects():
        return subjects()[column[4:]].name
    return next((w.header for w in header_words() if w.column == column), column)
