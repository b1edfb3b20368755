"""The school calendar: which school year and semester a date falls in.

A school year starts in September; semester I runs to mid-January (schools set the exact
dates; these are the defaults the ministry's yearly plan uses).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone


def school_year_of(day: date) -> str:
    """23/11/2026 is in 2026-2027."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}-{start + 1}"


def semester_bounds(start_year: int, semester: str) -> tuple[date, date]:
    if semester == "1":
        return date(start_year, 9, 5), date(start_year + 1, 1, 15)
    return date(start_year + 1, 1, 16), date(start_year + 1, 5, 31)


def semester_of(day: date) -> str:
    """``1`` until the end of semester I, ``2`` from then to the next school year."""
    start = int(school_year_of(day)[:4])
    return "1" if day <= semester_bounds(start, "1")[1] else "2"


def semester_in_progress(school_year: str | None, today: date) -> str | None:
    """The semester the school calendar is in on ``today`` when ``school_year`` is that day's school
    year (a book kept this year, with no semester written, is most likely the one being kept); ``None``
    for another year (both semesters are over or to come: the commands refuse such a book, asking
    which semester it is)."""
    return semester_of(today) if school_year in (None, school_year_of(today)) else None


VN_TZ = timezone(timedelta(hours=7))


def shown_time(at: datetime, with_seconds: bool = False) -> str:
    """A stored time (UTC, with or without its offset) as a person in Vietnam reads it, offset named."""
    local = (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(VN_TZ)
    return f"{local:%d/%m/%Y %H:%M{':%S' if with_seconds else ''}} (+07:00)"
