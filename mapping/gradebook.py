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

from collections import Counter
from typing import Any

from lienthong.mapping.canonical import Student
from lienthong.mapping.errors import MappingError, describe
from lienthong.mapping.normalize import name_key, parse_date
from lienthong.mapping.sources import FileRecords, Payloads, SourceRecords, score_sheets_read

SOURCE, TITLE, FULL_TITLE = "gradebook", "sổ điểm", "sổ điểm của giáo viên"
ENTITIES = ("diem", "hoc_sinh")
SCHOOL_CODE = "vnedu"  # whose student code the book's «Mã học sinh» column holds
# How a row's key says what it was made from (a vnEdu code is kept bare, as sheets were keyed before).
MINISTRY, PERSONAL, NAMED = "mdd-", "cccd-", "ten-"


def row_identity(record: dict[str, Any]) -> str:
    """A row's student as the book identifies it: vnEdu's code when the row has one, else the
    ministry ID, else the personal ID, else the class and the folded name (and birth date)."""
    if record.get("ma_hoc_sinh"):
        return str(record["ma_hoc_sinh"])
    if record.get("ma_dinh_danh"):
        return f"{MINISTRY}{record['ma_dinh_danh']}"
    if record.get("so_dinh_danh"):
        return f"{PERSONAL}{record['so_dinh_danh']}"
    born = f"-{record['ngay_sinh']}" if record.get("ngay_sinh") else ""
    return f"{NAMED}{record.get('lop') or ''}-{name_key(record['ho_ten'])}{born}"


def _identities(records: list[dict[str, Any]]) -> list[str]:
    """Each record's key. Two rows of one file with one identity for one subject and semester
    (namesakes without birth dates) are told apart by their row, so that neither overwrites the
    other: both then claim the same students at reconciliation, which asks a person."""
    keys = [row_identity(r) for r in records]
    sheets = Counter((k, r["ma_mon"], str(r["hoc_ky"])) for k, r in zip(keys, records))
    for i, (key, record) in enumerate(zip(keys, records)):
        if sheets[(key, record["ma_mon"], str(record["hoc_ky"]))] > 1:
            keys[i] = f"{key}~{record.get('lop') or ''}.{record['dong']}.{i}"
    return keys


def roster_entry(record: dict[str, Any]) -> dict[str, Any]:
    """The student a row names, as the book shows it."""
    return {
        "ho_ten": record["ho_ten"],
        "ngay_sinh": record.get("ngay_sinh"),
        "ma_lop": record.get("lop"),
        "ma_hoc_sinh": record.get("ma_hoc_sinh"),
        "ma_dinh_danh": record.get("ma_dinh_danh"),
        "so_dinh_danh": record.get("so_dinh_danh"),
    }


def gradebook_records(read: Any) -> FileRecords:
    """A teacher's gradebook: its score sheets (with the class the teacher wrote), each under
    its row's identity, and the students it names."""
    out = FileRecords()
    by_record = {id(r): k for r, k in zip(read.records, _identities(read.records))}
    for record in score_sheets_read(read, out, "vnEdu", extra={"lop": "lop"}, student_key=lambda r: by_record[id(r)]):
        out.stored.append(("hoc_sinh", by_record[id(record)], roster_entry(record)))
    return out


def _student(key: str, item: dict[str, Any]) -> Student:
    born = item.get("ngay_sinh")
    code = item.get("ma_hoc_sinh")
    return Student.model_construct(
        id=f"{SOURCE}:{key}",
        full_name=item["ho_ten"],
        birth_date=parse_date(born, field="ngay_sinh") if born else None,
        gender=None,
        class_code=item.get("ma_lop"),
        status=None,
        ministry_id=item.get("ma_dinh_danh"),
        personal_id=item.get("so_dinh_danh"),
        links={SOURCE: key, **({SCHOOL_CODE: code} if code else {})},
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
