"""vnEdu records ↔ canonical models. vnEdu names a school year by its start (2026)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from decimal import Decimal

from lienthong.mapping import catalogs
from lienthong.mapping.canonical import Absence, LockWindow, ScoreSheet, Student
from lienthong.mapping.errors import MappingError
from lienthong.mapping.normalize import format_date, format_score, parse_mark, parse_score

DATA_KINDS = {"diem": "diem", "diem_danh": "diem_danh", "hanh_kiem": "hanh_kiem"}
CELLS = ("tx0", "tx1", "tx2", "tx3", "gk", "ck")  # a score sheet's cells, compared one by one


def _cell_value(raw: Any, by_comment: bool) -> Decimal | str | tuple | None:
    if raw is None or raw == "":
        return None
    try:
        return parse_mark(raw) if by_comment else parse_score(raw)
    except MappingError:
        return ("?", str(raw))  # unreadable: differs from every real value, and says what it was


def score_cells(payload: dict[str, Any], by_comment: bool) -> dict[str, Any]:
    """A vnEdu-shaped score sheet (also the gradebook's) as exact values by cell: ``tx0``…``ck``."""
    tx = list(payload.get("ddg_tx") or [])
    values = {f"tx{i}": _cell_value(tx[i] if i < len(tx) else None, by_comment) for i in range(4)}
    values["gk"] = _cell_value(payload.get("ddg_gk"), by_comment)
    values["ck"] = _cell_value(payload.get("ddg_ck"), by_comment)
    return values


def school_year_name(start: int) -> str:
    return f"{start}-{start + 1}"


def lock_window_from_vnedu(item: dict[str, Any], start_year: int) -> LockWindow:
    return LockWindow(platform="vnedu", school_year=school_year_name(start_year), semester=str(item["hoc_ky"]),
                      kind=DATA_KINDS[item["loai"]], opens_at=datetime.fromisoformat(item["mo_tu"]),
                      closes_at=datetime.fromisoformat(item["khoa_tu"]), locked=bool(item["dang_khoa"]))


def student_from_vnedu(item: dict[str, Any], student_id: str | None = None) -> Student:
    """A vnEdu student as canonical (NFC name; ethnicity and status by catalog)."""
    return Student(
        id=student_id or f"vnedu:{item['ma_hoc_sinh']}",
        full_name=item["ho_ten"],
        birth_date=item["ngay_sinh"],
        gender=catalogs.gender(item["gioi_tinh"]).code,
        ethnicity_code=catalogs.ethnicity(item["dan_toc"]).code,
        class_code=item["ma_lop"],
        status=catalogs.status(item["trang_thai"]).code,
        ministry_id=item.get("ma_dinh_danh_bo"),
        personal_id=item.get("so_dinh_danh_ca_nhan"),
        links={"vnedu": item["ma_hoc_sinh"]},
    )


def score_sheet_from_vnedu(item: dict[str, Any], student_id: str, start_year: int) -> ScoreSheet:
    return ScoreSheet(student_id=student_id, subject_code=item["ma_mon"], school_year=school_year_name(start_year),
                      semester=str(item["hoc_ky"]), tx=list(item.get("ddg_tx") or []), gk=item.get("ddg_gk"),
                      ck=item.get("ddg_ck"), comment=item.get("nhan_xet") or "")


def _wire(value) -> str | None:
    if value is None:
        return None
    return value.value if hasattr(value, "value") else format_score(value).removesuffix(",0")


def score_sheet_to_vnedu(sheet: ScoreSheet, ma_hoc_sinh: str, version: int) -> dict[str, Any]:
    """The PUT item for a score sheet; ``version`` is the one vnEdu holds now."""
    return {"ma_hoc_sinh": ma_hoc_sinh, "ma_mon": sheet.subject_code, "hoc_ky": int(sheet.semester.value),
            "ddg_tx": [_wire(v) for v in sheet.tx], "ddg_gk": _wire(sheet.gk), "ddg_ck": _wire(sheet.ck),
            "nhan_xet": sheet.comment, "version": version}


def absence_to_vnedu(absence: Absence, ma_hoc_sinh: str, version: int, delete: bool = False) -> dict[str, Any]:
    return {"ma_hoc_sinh": ma_hoc_sinh, "ngay": format_date(absence.day), "buoi": absence.session.value,
            "loai": None if delete else absence.kind.value, "ly_do": absence.reason, "version": version}
