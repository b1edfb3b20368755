"""CSDL ngành records ↔ canonical models (SOAP field names, as the connector returns them)."""

from __future__ import annotations

from typing import Any

from lienthong.mapping.canonical import Student


def student_from_csdl(item: dict[str, Any], student_id: str | None = None) -> Student:
    return Student(
        id=student_id or f"csdl:{item['MaDinhDanh']}",
        full_name=item["HoTen"],
        birth_date=item["NgaySinh"],
        gender=item["GioiTinh"],
        ethnicity_code=item.get("MaDanToc") or "01",
        class_code=item["MaLop"],
        status=item.get("TrangThai") or "1",
        ministry_id=item.get("MaDinhDanh"),
        personal_id=item.get("SoDinhDanhCaNhan"),
        links={"csdl": item["MaDinhDanh"]},
    )
