"""A teacher's gradebook (an imported Excel file) as stored records: its score sheets, each under
its row's identity, and the students it names (`connectors.gradebook.excel.FILE_KINDS`).

Apart from `mapping.gradebook` (the book as canonical data, for reconciliation) so that reading a
file — in an import's worker processes, `sync.file_readers` — loads neither the canonical models
nor pydantic; `mapping.gradebook` offers these names too.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from lienthong.mapping.file_records import FileRecords, score_sheets_read
from lienthong.mapping.normalize import name_key

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
