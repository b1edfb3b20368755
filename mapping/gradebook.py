"""The teachers' gradebooks (imported Excel files) as canonical data: score sheets in the
contract's ScoreSheet shape, and the book's own roster.

A teacher keys her rows as she likes: by vnEdu's student code, by the ministry's ID, by the
personal ID, or by name only. Every row is kept under its own identity (`row_identity`), never
refused for want of a vnEdu code, and the students the book names are kept as its roster
(entity ``hoc_sinh``: name, birth date, class, the IDs it shows). Reconciliation links them to
the school's students (`reconciliation.compare.link_owner`) — when it runs, so rows imported
before any roster are linked once a roster arrives. A row keyed by vnEdu's code keeps that code
as its key, as before.
"""

from __future__ import annotations

from typing import Any

from lienthong.mapping.canonical import Student, trusted
from lienthong.mapping.errors import MappingError, describe
from lienthong.mapping.gradebook_files import (  # noqa: F401 (the file side, offered here too)
    MINISTRY,
    NAMED,
    PERSONAL,
    gradebook_records,
    roster_entry,
    row_identity,
)
from lienthong.mapping.normalize import parse_date
from lienthong.mapping.sources import Payloads, SourceRecords

SOURCE, TITLE, FULL_TITLE = "gradebook", "sổ điểm", "sổ điểm của giáo viên"
ENTITIES = ("diem", "hoc_sinh")
SCHOOL_CODE = "vnedu"  # whose student code the book's «Mã học sinh» column holds


def _student(key: str, item: dict[str, Any]) -> Student:
    born = item.get("ngay_sinh")
    code = item.get("ma_hoc_sinh")
    return trusted(
        Student,
        {
            "id": f"{SOURCE}:{key}",
            "full_name": item["ho_ten"],
            "birth_date": parse_date(born, field="ngay_sinh") if born else None,
            "gender": None,
            "class_code": item.get("ma_lop"),
            "status": None,
            "ministry_id": item.get("ma_dinh_danh"),
            "personal_id": item.get("so_dinh_danh"),
            "links": {SOURCE: key, **({SCHOOL_CODE: code} if code else {})},
        },
    )


def to_canonical(stored: dict[str, Payloads]) -> SourceRecords:
    """The book's sheets and roster. Its students are not listed as a roster to compare
    (``raw_names`` stays empty): a book covers some classes of one subject, so a student it
    lacks is no difference; they are linked to the school's through their sheets only."""
    records = SourceRecords(SOURCE, TITLE, FULL_TITLE)
    records.sheets = stored.get("diem", {})
    for key, item in stored.get("hoc_sinh", {}).items():
        try:
            records.students[key] = _student(key, item)
        except (MappingError, KeyError) as exc:
            records.unreadable[key] = describe(exc) if not isinstance(exc, KeyError) else f"thiếu trường {exc.args[0]}"
    return records
