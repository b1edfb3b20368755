"""The teachers' gradebooks (imported Excel files) as canonical data: score sheets only,
in the contract's ScoreSheet shape, keyed "student:subject:semester" by vnEdu's student code."""

from __future__ import annotations

from typing import Any

from lienthong.mapping.sources import FileRecords, Payloads, SourceRecords, score_sheets_read

SOURCE, TITLE, FULL_TITLE = "gradebook", "sổ điểm", "sổ điểm của giáo viên"
ENTITIES = ("diem",)


def to_canonical(stored: dict[str, Payloads]) -> SourceRecords:
    records = SourceRecords(SOURCE, TITLE, FULL_TITLE)
    records.sheets = stored.get("diem", {})
    return records


def gradebook_records(read: Any) -> FileRecords:
    """A teacher's gradebook: its score sheets (with the class the teacher wrote)."""
    out = FileRecords()
    score_sheets_read(read, out, "vnEdu", extra={"lop": "lop"})
    return out
