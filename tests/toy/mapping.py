"""The toy platform's records as canonical data (what reconciliation reads of it)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from lienthong.mapping import catalogs
from lienthong.mapping.canonical import Student
from lienthong.mapping.errors import MappingError, describe
from lienthong.mapping.sources import SourceRecords

SOURCE, TITLE, FULL_TITLE = "toy", "sổ liên lạc", "sổ liên lạc điện tử"
ENTITIES = ("hoc_sinh",)


def student(item: dict[str, Any]) -> Student:
    return Student(
        id=f"{SOURCE}:{item['ma']}",
        full_name=item["ho_ten"],
        birth_date=item["ngay_sinh"],
        gender=catalogs.gender(item["gioi_tinh"]).code,
        class_code=item["lop"],
        status=catalogs.status(item["trang_thai"]).code,
        ministry_id=item.get("ma_dinh_danh"),
        links={SOURCE: item["ma"]},
    )


def to_canonical(stored: dict[str, dict[str, dict[str, Any]]]) -> SourceRecords:
    records = SourceRecords(SOURCE, TITLE, FULL_TITLE)
    for key, item in stored.get("hoc_sinh", {}).items():
        records.raw_names[key] = (item.get("ho_ten") or "", item.get("lop") or "")
        try:
            records.students[key] = student(item)
        except (ValidationError, MappingError, KeyError) as exc:
            records.unreadable[key] = describe(exc) if not isinstance(exc, KeyError) else f"thiếu trường {exc.args[0]}"
    return records
