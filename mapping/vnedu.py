"""vnEdu records ↔ canonical models. vnEdu names a school year by its start (2026)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from lienthong.mapping import catalogs
from lienthong.mapping.canonical import (
    Absence,
    LockWindow,
    ScoreSheet,
    SemesterResult,
    Student,
    YearResult,
    student,
    trusted,
)
from lienthong.mapping.errors import MappingError, describe
from lienthong.mapping.normalize import (
    StoredValues,
    clean_name,
    format_date,
    format_score,
    parse_date,
    parse_mark,
    parse_score,
)
from lienthong.mapping.sources import Payloads, SourceRecords
from lienthong.mapping.vnedu_files import (  # noqa: F401 (the file side, offered here too)
    EXEMPT,
    TITLE,
    discipline_records,
    file_student,
    score_book_records,
    summary_records,
)

DATA_KINDS = {"diem": "diem", "diem_danh": "diem_danh", "hanh_kiem": "hanh_kiem"}
CELLS = ("tx0", "tx1", "tx2", "tx3", "gk", "ck")  # a score sheet's cells, compared one by one


def _parsed_cell(raw: Any, by_comment: bool) -> Decimal | str | tuple | None:
    if raw is None or raw == "":
        return None
    try:
        return parse_mark(raw) if by_comment else parse_score(raw)
    except MappingError:
        return ("?", str(raw))  # unreadable: differs from every real value, and says what it was


# A cell's text → its value, for score and for comment subjects: a school writes a few hundred
# distinct texts ("7,5", "7.5", "Đ"…), read here once each. Only text is kept (1 == True == 1.0
# as keys, yet they read differently; no text equals a number), and only so many texts:
# unreadable ones are without end.
_CELL_TEXTS: tuple[dict[Any, Any], dict[Any, Any]] = ({None: None, "": None}, {None: None, "": None})
_CELL_TEXTS_KEPT = 4096
_UNSEEN = object()
_NO_TX = (None, None, None, None)


def _cell_value(raw: Any, by_comment: bool) -> Decimal | str | tuple | None:
    if type(raw) is not str:
        return _parsed_cell(raw, by_comment)
    known = _CELL_TEXTS[by_comment]
    value = known.get(raw, _UNSEEN)
    if value is _UNSEEN:
        value = _parsed_cell(raw, by_comment)
        if len(known) < _CELL_TEXTS_KEPT:
            known[raw] = value
    return value


def sheet_values(payload: dict[str, Any], by_comment: bool) -> tuple:
    """A score sheet's exact values in `CELLS` order (``tx0``…``tx3``, ``gk``, ``ck``): what two
    platforms' sheets are compared by, whatever their texts (``7,5`` and ``7.5`` are one value)."""
    tx = payload.get("ddg_tx") or ()
    if type(tx) is not list:
        tx = list(tx)
    raws = (*tx[:4], *_NO_TX[len(tx) :], payload.get("ddg_gk"), payload.get("ddg_ck"))
    known = _CELL_TEXTS[by_comment]
    try:
        return tuple([known[raw] for raw in raws])  # every text read before (nearly always)
    except (KeyError, TypeError):  # a text not read yet, a number, or a value no key can be
        return tuple([_cell_value(raw, by_comment) for raw in raws])


def score_cells(payload: dict[str, Any], by_comment: bool) -> dict[str, Any]:
    """A vnEdu-shaped score sheet (also the gradebook's) as exact values by cell: ``tx0``…``ck``."""
    return dict(zip(CELLS, sheet_values(payload, by_comment)))


def school_year_name(start: int) -> str:
    return f"{start}-{start + 1}"


def lock_window_from_vnedu(item: dict[str, Any], start_year: int) -> LockWindow:
    return LockWindow(
        platform="vnedu",
        school_year=school_year_name(start_year),
        semester=str(item["hoc_ky"]),
        kind=DATA_KINDS[item["loai"]],
        opens_at=datetime.fromisoformat(item["mo_tu"]),
        closes_at=datetime.fromisoformat(item["khoa_tu"]),
        locked=bool(item["dang_khoa"]),
    )


def student_from_vnedu(item: dict[str, Any], student_id: str | None = None) -> Student:
    """A vnEdu student as canonical (NFC name; ethnicity and status by catalog)."""
    return student(
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
    return ScoreSheet(
        student_id=student_id,
        subject_code=item["ma_mon"],
        school_year=school_year_name(start_year),
        semester=str(item["hoc_ky"]),
        tx=list(item.get("ddg_tx") or []),
        gk=item.get("ddg_gk"),
        ck=item.get("ddg_ck"),
        comment=item.get("nhan_xet") or "",
    )


def _wire(value) -> str | None:
    if value is None:
        return None
    return value.value if hasattr(value, "value") else format_score(value).removesuffix(",0")


def score_sheet_to_vnedu(sheet: ScoreSheet, ma_hoc_sinh: str, version: int) -> dict[str, Any]:
    """The PUT item for a score sheet; ``version`` is the one vnEdu holds now."""
    return {
        "ma_hoc_sinh": ma_hoc_sinh,
        "ma_mon": sheet.subject_code,
        "hoc_ky": int(sheet.semester.value),
        "ddg_tx": [_wire(v) for v in sheet.tx],
        "ddg_gk": _wire(sheet.gk),
        "ddg_ck": _wire(sheet.ck),
        "nhan_xet": sheet.comment,
        "version": version,
    }


def absence_to_vnedu(absence: Absence, ma_hoc_sinh: str, version: int, delete: bool = False) -> dict[str, Any]:
    return {
        "ma_hoc_sinh": ma_hoc_sinh,
        "ngay": format_date(absence.day),
        "buoi": absence.session.value,
        "loai": None if delete else absence.kind.value,
        "ly_do": absence.reason,
        "version": version,
    }


# --- what reconciliation reads (`mapping.sources`) ----------------------------------------

SOURCE, FULL_TITLE = "vnedu", "vnEdu"
ENTITIES = ("lop", "hoc_sinh", "diem", "diem_danh", "hanh_kiem", "tong_hop")
STATUS_CODES = {s.name: s.code for s in catalogs.statuses()}


def students(payloads: Payloads, records: SourceRecords) -> None:
    """vnEdu's students (pulled, or read from an export: name, birth date and class only)."""
    for key, item in payloads.items():
        records.raw_names[key] = (item.get("ho_ten") or "", item.get("ma_lop") or "")
        try:
            if item.get("tu_tep"):
                born = item.get("ngay_sinh")
                records.students[key] = trusted(
                    Student,
                    {
                        "id": f"{SOURCE}:{key}",
                        "full_name": clean_name(item["ho_ten"], field="ho_ten"),
                        "birth_date": parse_date(born, field="ngay_sinh") if born else None,
                        "gender": None,
                        "class_code": item.get("ma_lop"),
                        "status": None,
                        "ministry_id": None,
                        "personal_id": item.get("so_dinh_danh_ca_nhan"),
                        "links": {SOURCE: key},
                    },
                )
            else:
                records.students[key] = student_from_vnedu(item)
        except (ValidationError, MappingError, KeyError) as exc:
            records.unreadable[key] = describe(exc) if not isinstance(exc, KeyError) else f"thiếu trường {exc.args[0]}"


# A period's value as written (a score, Đ/CĐ, or `EXEMPT`), scores as Decimal
_result_value = StoredValues("Đ", "CĐ", EXEMPT)


def _in_catalog_order(values: dict[str, Any]) -> dict[str, Any]:
    """A summary's subjects in the catalog's order, then any others as stored: the order its
    findings come in, whatever the order of the stored text's keys (an import stores them sorted)."""
    keys = tuple(values)
    order = _ORDERS.get(keys)
    if order is None:
        order = tuple(code for code in catalogs.subjects() if code in values)
        order += tuple(code for code in keys if code not in order)
        if len(_ORDERS) < _ORDERS_KEPT:
            _ORDERS[keys] = order
    return {code: values[code] for code in order}


# The stored order of a summary's subjects → the catalog's: a school's summaries list the same
# subjects, in the same order, thousands of times over (a few orders kept: any text may come).
_ORDERS: dict[tuple, tuple] = {}
_ORDERS_KEPT = 256


def _summary(key: str, item: dict[str, Any]) -> SemesterResult:
    """vnEdu's own summary of one period (``hoc_ky`` 1, 2 or CN; a record without it is the year's)."""
    period = str(item.get("hoc_ky") or "CN")
    fields = dict(
        student_id=key,
        school_year=item.get("nam_hoc"),
        period=period,
        subjects=_in_catalog_order(_result_value.each(item.get("mon") or {})),
        learning=item.get("kq_hoc_tap"),
        training=item.get("kq_ren_luyen"),
        absences_excused=item.get("nghi_co_phep") or 0,
        absences_unexcused=item.get("nghi_khong_phep") or 0,
    )
    if period != "CN":
        return trusted(SemesterResult, fields)
    fields.update(title=item.get("danh_hieu"), promotion=item.get("len_lop"), absence_total=item.get("tong_buoi_nghi"))
    return trusted(YearResult, fields)


def summaries(stored: Payloads) -> dict[str, SemesterResult]:
    """Every stored summary by "student:period"; a record stored before periods were kept (keyed by
    the student alone, no ``hoc_ky``) is the year's, and gives way to one that says its period."""
    out: dict[str, SemesterResult] = {}
    for key, item in sorted(stored.items(), key=lambda pair: "hoc_ky" in pair[1]):
        student = item.get("ma_hoc_sinh") or key.split(":")[0]
        found = _summary(student, item)
        out[f"{student}:{found.period}"] = found
    return out


def _absence(item: dict[str, Any]) -> Absence:
    return trusted(
        Absence,
        {
            "student_id": item["ma_hoc_sinh"],
            "day": parse_date(item["ngay"]),
            "session": item.get("buoi"),
            "kind": item.get("loai"),
            "reason": item.get("ly_do") or "",
        },
    )


def to_canonical(stored: dict[str, Payloads]) -> SourceRecords:
    records = SourceRecords(SOURCE, TITLE, FULL_TITLE)
    students(stored.get("hoc_sinh", {}), records)
    records.sheets = stored.get("diem", {})
    records.training = {
        key: item["ket_qua_ren_luyen"]
        for key, item in stored.get("hanh_kiem", {}).items()
        if item.get("ket_qua_ren_luyen")
    }
    attendance = stored.get("diem_danh", {})
    records.has_attendance = bool(attendance)  # exports carry no attendance: nothing to count against
    records.absences = [_absence(item) for item in attendance.values() if item.get("loai") in ("P", "K")]
    records.period_summaries = summaries(stored.get("tong_hop", {}))
    for key, found in records.period_summaries.items():  # a file-only school's training: its semester summaries
        student, period = key.rsplit(":", 1)
        if period in ("1", "2") and found.training:
            records.training.setdefault(f"{student}:{period}", found.training)
    records.summaries = {  # the year's, which reconciliation compares with the results source
        key.rsplit(":", 1)[0]: found for key, found in records.period_summaries.items() if key.endswith(":CN")
    }
    records.teachers = {
        code: f"{c['gvcn_ho_ten']} ({c['gvcn_ma_gv']})" if c.get("gvcn_ma_gv") else c["gvcn_ho_ten"]
        for code, c in stored.get("lop", {}).items()
        if c.get("gvcn_ho_ten")
    }
    return records


def sheet_payload(base: dict[str, Any], tx: list, gk: Any, ck: Any, version: int) -> dict[str, Any]:
    """The PUT item that gives vnEdu's sheet ``base`` these values (`contracts/vnedu.md`),
    written as vnEdu writes them; ``version`` is the one vnEdu holds now."""
    return {
        "ma_hoc_sinh": base["ma_hoc_sinh"],
        "ma_mon": base["ma_mon"],
        "hoc_ky": base["hoc_ky"],
        "ddg_tx": [_wire_cell(v) for v in tx],
        "ddg_gk": _wire_cell(gk),
        "ddg_ck": _wire_cell(ck),
        "nhan_xet": base.get("nhan_xet", ""),
        "version": version,
    }


def _wire_cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, tuple):  # a value vnEdu holds that is no score: written back as it was
        return value[1]
    if isinstance(value, Decimal):
        return f"{value}".removesuffix(".0")
    return value
