"""Year results (cả năm): what the CSDL and vnEdu's year summary hold, against Circular 22
applied to vnEdu's detailed scores of both semesters.

Compared per linked student: each subject's year value, the year learning level, the
training level (the CSDL's against vnEdu's), the title and the promotion outcome (both
recomputed from the recomputed learning level, the training level and the absences), and
the absence total. vnEdu's own summary is checked against its own scores the same way.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lienthong.assessment.engine import (SemesterScores, StudentYear, SubjectYear, assess_student, promotion, title,
                               year_training)
from lienthong.assessment.rules import rules_for
from lienthong.mapping import catalogs
from lienthong.mapping.errors import MappingError
from lienthong.mapping.normalize import LEVEL_WORDS, PROMOTION_WORDS, TITLE_WORDS, format_score
from lienthong.mapping.vnedu import score_cells
from lienthong.reconciliation.discrepancy import Discrepancy

TITLE_SHOWN = {**TITLE_WORDS, None: "không có danh hiệu"}


class ParsedSheets:
    """Score sheets by key, each parsed once however many comparisons read it."""

    def __init__(self, sheets: dict[str, dict]):
        self.raw = sheets
        self._parsed: dict[str, dict[str, Any] | None] = {}

    def cells(self, key: str, by_comment: bool) -> dict[str, Any] | None:
        if key not in self._parsed:
            sheet = self.raw.get(key)
            self._parsed[key] = None if sheet is None else score_cells(sheet, by_comment)
        return self._parsed[key]


def entered_subjects(sheets: ParsedSheets, key: str, semesters: tuple[str, ...]) -> tuple[SubjectYear, ...] | None:
    """Every catalog subject's entered scores from vnEdu's sheets; ``None`` when a sheet is
    missing or holds an unreadable value (reported as a score difference, not judged here)."""
    subjects = []
    for code, info in catalogs.subjects().items():
        entered = {}
        for semester in semesters:
            cells = sheets.cells(f"{key}:{code}:{semester}", info.by_comment)
            if cells is None:
                return None
            if any(isinstance(v, tuple) for v in cells.values()):
                return None
            entered[f"hk{semester}"] = SemesterScores(
                tx=tuple(cells[f"tx{i}"] for i in range(4) if cells[f"tx{i}"] is not None), gk=cells["gk"], ck=cells["ck"])
        subjects.append(SubjectYear(code, **entered))
    return tuple(subjects)


def _shown(value: Any) -> str:
    if value is None:
        return "(trống)"
    return format_score(value) if isinstance(value, Decimal) else str(value)


def _number(value: Any) -> Any:
    try:
        return Decimal(str(value)) if value not in (None, "", "Đ", "CĐ") else value
    except ArithmeticError:
        return value


def compare_year(results: dict, vnedu: dict, students_v: dict, links: dict[str, str],
                 school_year: str, sheets: ParsedSheets | None = None) -> list[Discrepancy]:
    """Every linked student's year results (the CSDL's ``CN`` record, vnEdu's summary) against
    Circular 22 applied to both semesters of vnEdu's scores."""
    summaries = vnedu.get("tong_hop", {})
    sheets = sheets or ParsedSheets(vnedu.get("diem", {}))
    out: list[Discrepancy] = []
    for key, anchor in links.items():
        held, summary = results.get(f"{anchor}:CN"), summaries.get(key)
        student = students_v[key]
        if (held is None and summary is None) or not student["ma_lop"][:1].isdigit():
            continue
        subjects = entered_subjects(sheets, key, ("1", "2"))
        if subjects is None:
            continue
        grade = int(student["ma_lop"][0])
        try:
            year = assess_student(StudentYear(school_year, grade, subjects))
        except MappingError:
            continue
        context = _Student(student["ho_ten"], student["ma_lop"], {"vnedu": key, "csdl": anchor})
        given = [(vnedu.get("hanh_kiem", {}).get(f"{key}:{p}") or {}).get("ket_qua_ren_luyen") for p in ("1", "2")]
        conduct = year_training(*given) if all(given) else None  # the year's level, derived (Điều 8)
        if held is not None:
            out += _against(context, "csdl", "CSDL", _csdl_view(held), year, summary, school_year, grade, conduct)
        if summary is not None:
            out += _against(context, "vnedu_tonghop", "bảng tổng hợp vnEdu", _summary_view(summary), year, None,
                            school_year, grade)
        if held is not None and summary is not None and summary.get("tong_buoi_nghi") is not None:
            total = int(held.get("SoBuoiNghiCoPhep") or 0) + int(held.get("SoBuoiNghiKhongPhep") or 0)
            if total != summary["tong_buoi_nghi"]:
                out.append(context.discrepancy(
                    "absence_mismatch", "so_buoi_nghi", {"vnedu": summary["tong_buoi_nghi"], "csdl": total},
                    f"Tổng số buổi nghỉ cả năm của em {context.name} ({context.cls}): vnEdu {summary['tong_buoi_nghi']}"
                    f" – CSDL {total}", None, "Đối chiếu sổ điểm danh và cập nhật CSDL"))
    return out


class _Student:
    def __init__(self, name: str, cls: str, keys: dict[str, str]):
        self.name, self.cls, self.keys = name, cls, keys

    def discrepancy(self, kind: str, field: str, values: dict, message: str, subject: str | None,
                    suggestion: str) -> Discrepancy:
        return Discrepancy(kind, self.name, self.keys, field, values, message, self.cls, subject, "CN",
                           suggestion=suggestion)


def _csdl_view(held: dict) -> dict[str, Any]:
    return {"subjects": {m["MaMon"]: _number(m.get("DiemTB") if m.get("DiemTB") is not None else m.get("KetQuaDanhGia"))
                         for m in held.get("Mon") or []},
            "learning": held.get("KetQuaHocTap"), "training": held.get("KetQuaRenLuyen"),
            "title": held.get("DanhHieu"), "promotion": held.get("LenLop"),
            "absences": int(held.get("SoBuoiNghiCoPhep") or 0) + int(held.get("SoBuoiNghiKhongPhep") or 0)}


def _summary_view(summary: dict) -> dict[str, Any]:
    return {"subjects": {code: _number(v) for code, v in (summary.get("mon") or {}).items()},
            "learning": summary.get("kq_hoc_tap"), "training": summary.get("kq_ren_luyen"),
            "title": summary.get("danh_hieu"), "promotion": summary.get("len_lop"),
            "absences": summary.get("tong_buoi_nghi")}


def _against(who: _Student, source: str, label: str, held: dict, year, summary: dict | None, school_year: str,
             grade: int, conduct: str | None = None) -> list[Discrepancy]:
    """One source's year results against the recomputation."""
    out = []
    fix = "Gửi lại kết quả cả năm lên CSDL sau khi Hiệu trưởng duyệt" if source == "csdl" else \
        "Tính lại tổng hợp cuối năm trên vnEdu"
    for code, value in held["subjects"].items():
        expected = year.subjects.get(code, {}).get("cn")
        if expected is None or value is None or value == expected:
            continue
        info = catalogs.subject(code)
        out.append(who.discrepancy(
            "average_mismatch", f"{source}.cn.{code}", {source: _shown(value), "vnedu": _shown(expected)},
            f"{'ĐTB' if not info.by_comment else 'Kết quả'} cả năm môn {info.name} của em {who.name} ({who.cls}): "
            f"{label} {_shown(value)} – tính lại từ điểm vnEdu {_shown(expected)}", code, fix))
    learning = year.learning["cn"]
    if learning and held["learning"] and held["learning"] != learning:
        out.append(who.discrepancy(
            "result_mismatch", f"{source}.cn.KetQuaHocTap", {source: held["learning"], "vnedu": learning},
            f"Kết quả học tập cả năm của em {who.name} ({who.cls}): {label} «{LEVEL_WORDS[held['learning']]}» – tính "
            f"lại theo Thông tư 22 «{LEVEL_WORDS[learning]}»", None, fix))
    training = (summary or {}).get("kq_ren_luyen") or conduct or held["training"]
    if source == "csdl" and (conduct or (summary or {}).get("kq_ren_luyen")) and held["training"] != training:
        out.append(who.discrepancy(
            "result_mismatch", "csdl.cn.KetQuaRenLuyen", {"csdl": held["training"], "vnedu": training},
            f"Kết quả rèn luyện cả năm của em {who.name} ({who.cls}): CSDL «{LEVEL_WORDS.get(held['training'], '')}» – "
            f"vnEdu «{LEVEL_WORDS[training]}»", None, fix))
    if not learning or not training:
        return out
    rules = rules_for(school_year, grade)
    scores = [v["cn"] for v in year.subjects.values() if isinstance(v["cn"], Decimal)]
    award = title(learning, training, scores, rules)
    if held["title"] != award and (held["title"] or held["learning"]):
        out.append(who.discrepancy(
            "result_mismatch", f"{source}.cn.DanhHieu", {source: held["title"], "vnedu": award},
            f"Danh hiệu của em {who.name} ({who.cls}): {label} «{TITLE_SHOWN[held['title']]}» – tính lại theo Thông tư "
            f"22 «{TITLE_SHOWN[award]}»", None, fix))
    absences = held["absences"] if held["absences"] is not None else (summary or {}).get("tong_buoi_nghi")
    if absences is not None and held["promotion"]:
        outcome = promotion(learning, training, absences, rules)
        if held["promotion"] != outcome:
            out.append(who.discrepancy(
                "result_mismatch", f"{source}.cn.LenLop", {source: held["promotion"], "vnedu": outcome},
                f"Kết quả lên lớp của em {who.name} ({who.cls}): {label} «{PROMOTION_WORDS[held['promotion']]}» – "
                f"tính lại theo Thông tư 22 «{PROMOTION_WORDS[outcome]}»", None, fix))
    return out
