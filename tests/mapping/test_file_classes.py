"""An imported file's classes are listed in a school's order (6A2 before 6A10), as the reports and
the classes list order them: the import's lines and its JSON listed «6A1, 6A10, 6A11, 6A12, 6A2…»."""

from __future__ import annotations

from types import SimpleNamespace

from lienthong.mapping.file_records import FileRecords, score_sheets_read

SHEETS = [{"class_code": c, "semester": "1", "school_year": "2025-2026"} for c in ("6A1", "6A10", "6A2", "7A1", "6A11")]


def test_a_score_book_s_classes_come_in_a_school_s_order():
    out = FileRecords()
    score_sheets_read(SimpleNamespace(records=[], info={"sheets": SHEETS}), out, "vnEdu")
    assert out.classes == ["6A1", "6A2", "6A10", "6A11", "7A1"]


def test_a_sheet_of_several_classes_lists_them_in_a_school_s_order_too():
    out = FileRecords()
    several = [{"classes": ["9A12", "9A3", "8A1"], "semester": "2"}]
    score_sheets_read(SimpleNamespace(records=[], info={"sheets": several}), out, "vnEdu")
    assert out.classes == ["8A1", "9A3", "9A12"]
