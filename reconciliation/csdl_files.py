"""What lienthong would import into the CSDL: results and the student list from canonical data.

Scores follow field authority (a teacher's gradebook sheet, where one was imported, over
vnEdu's); semester and year results are recomputed with the assessment engine (Circular 22),
never copied; identity comes from the CSDL, class and status from the school's side (vnEdu).
A student whose required assessments are incomplete is left out and listed, not guessed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lienthong.assessment.engine import StudentYear, assess_student, promotion, title, year_training
from lienthong.assessment.rules import rules_for
from lienthong.mapping import catalogs
from lienthong.mapping.calendar import semester_bounds
from lienthong.mapping.errors import MappingError
from lienthong.mapping.normalize import format_score, parse_date
from lienthong.reconciliation.compare import STATUS_CODES, Sources, link_students
from lienthong.reconciliation.year import ParsedSheets, entered_subjects


@dataclass
class CsdlFile:
    records: list[dict[str, Any]] = field(default_factory=list)
    students: dict[str, dict[str, Any]] = field(default_factory=dict)  # MaDinhDanh → HoTen, NgaySinh, MaLop
    incomplete: list[str] = field(default_factory=list)  # "Họ tên (lớp)" of students left out


def _sheets(sources: Sources) -> ParsedSheets:
    """vnEdu's score sheets with the gradebook's (the owner of scores) in their place where present."""
    return ParsedSheets({**sources.get("vnedu", {}).get("diem", {}), **sources.get("gradebook", {}).get("diem", {})})


def _absence_counts(sources: Sources, school_year: str, semester: str) -> dict[str, Counter]:
    """vnEdu's absences of the period counted once per student (excused ``P``, unexcused ``K``)."""
    start = int(school_year[:4])
    first = semester_bounds(start, "1" if semester == "CN" else semester)[0]
    last = semester_bounds(start, "2" if semester == "CN" else semester)[1]
    counts: dict[str, Counter] = defaultdict(Counter)
    for record in sources.get("vnedu", {}).get("diem_danh", {}).values():
        if record.get("loai") in ("P", "K") and first <= parse_date(record["ngay"]) <= last:
            counts[record["ma_hoc_sinh"]][record["loai"]] += 1
    return counts


def _absences(counted: dict[str, Counter], key: str, held: dict) -> tuple[int, int]:
    """vnEdu's counts where vnEdu's attendance was read, else what the CSDL holds (exports carry none)."""
    if counted:
        mine = counted.get(key, Counter())
        return mine["P"], mine["K"]
    return int(held.get("SoBuoiNghiCoPhep") or 0), int(held.get("SoBuoiNghiKhongPhep") or 0)


def results_file(sources: Sources, school_year: str, semester: str, class_code: str | None) -> CsdlFile:
    """``KetQuaHocSinh`` records of one period (``1``, ``2`` or ``CN``) for every linked student."""
    vnedu, csdl = sources.get("vnedu", {}), sources.get("csdl", {})
    students_v, students_c = vnedu.get("hoc_sinh", {}), csdl.get("hoc_sinh", {})
    links = link_students(students_v, students_c, [])
    sheets, counted, out = _sheets(sources), _absence_counts(sources, school_year, semester), CsdlFile()
    for key, anchor in sorted(links.items(), key=lambda item: (students_v[item[0]]["ma_lop"], item[1])):
        student = students_v[key]
        if class_code and student["ma_lop"] != class_code:
            continue
        held = csdl.get("ket_qua", {}).get(f"{anchor}:{semester}", {})
        record = _result(sources, sheets, counted, key, anchor, student, held, school_year, semester)
        shown = f"{student['ho_ten']} ({student['ma_lop']})"
        if record is None:
            out.incomplete.append(shown)
            continue
        out.records.append(record)
        c = students_c[anchor]
        out.students[anchor] = {"HoTen": c["HoTen"], "NgaySinh": c["NgaySinh"], "MaLop": student["ma_lop"]}
    return out


def _result(sources: Sources, sheets: ParsedSheets, counted: dict[str, Counter], key: str, anchor: str,
            student: dict, held: dict, school_year: str, semester: str) -> dict[str, Any] | None:
    periods = ("1", "2") if semester == "CN" else (semester,)
    subjects = entered_subjects(sheets, key, periods)
    if subjects is None or not student["ma_lop"][:1].isdigit():
        return None
    grade = int(student["ma_lop"][0])
    try:
        year = assess_student(StudentYear(school_year, grade, subjects))
    except MappingError:
        return None
    period = "cn" if semester == "CN" else f"hk{semester}"
    learning = year.learning[period]
    if learning is None:
        return None
    values = [{"MaMon": code, **({"KetQuaDanhGia": v[period]} if isinstance(v[period], str)
                                 else {"DiemTB": format_score(v[period]).replace(",", ".")})}
              for code, v in year.subjects.items()]
    training = _training(sources, key, held, semester)
    present, absent = _absences(counted, key, held)
    record = {"MaDinhDanh": anchor, "HocKy": semester, "Mon": values, "KetQuaHocTap": learning,
              "KetQuaRenLuyen": training, "SoBuoiNghiCoPhep": present, "SoBuoiNghiKhongPhep": absent}
    if semester == "CN" and training:
        rules = rules_for(school_year, grade)
        scores = [v["cn"] for v in year.subjects.values() if isinstance(v["cn"], Decimal)]
        record["DanhHieu"] = title(learning, training, scores, rules)
        record["LenLop"] = promotion(learning, training, present + absent, rules)
    return record


def _training(sources: Sources, key: str, held: dict, semester: str) -> str | None:
    """Training is assessed by the homeroom teacher, not computed: vnEdu's (summary), else the CSDL's."""
    if semester == "CN":
        summary = sources.get("vnedu", {}).get("tong_hop", {}).get(key) or {}
        if summary.get("kq_ren_luyen"):
            return summary["kq_ren_luyen"]
        results = sources.get("csdl", {}).get("ket_qua", {})
        anchor = held.get("MaDinhDanh")
        hk1, hk2 = (results.get(f"{anchor}:{p}", {}).get("KetQuaRenLuyen") for p in ("1", "2"))
        if hk1 and hk2:
            return year_training(hk1, hk2)
    return held.get("KetQuaRenLuyen")


def student_list_file(sources: Sources, class_code: str | None) -> CsdlFile:
    """The CSDL's students with class and status from the school's side, and vnEdu's students the
    CSDL does not know yet as new rows (no Mã định danh: the CSDL issues one on import)."""
    vnedu, csdl = sources.get("vnedu", {}), sources.get("csdl", {})
    students_v, students_c = vnedu.get("hoc_sinh", {}), csdl.get("hoc_sinh", {})
    found: list = []
    links = link_students(students_v, students_c, found)
    by_anchor = {anchor: students_v[key] for key, anchor in links.items()}
    out = CsdlFile()
    for anchor, c in sorted(students_c.items(), key=lambda item: (item[1]["MaLop"], item[0])):
        v = by_anchor.get(anchor, {})
        record = {**c, "MaLop": v.get("ma_lop") or c["MaLop"],
                  "TrangThai": STATUS_CODES.get(v.get("trang_thai") or "", c["TrangThai"])}
        if not class_code or record["MaLop"] == class_code:
            out.records.append(record)
    new = {d.keys.get("vnedu") for d in found if d.kind == "missing_student" and d.keys.get("vnedu")}
    for key in sorted(new):
        v = students_v[key]
        if class_code and v["ma_lop"] != class_code:
            continue
        gender = catalogs.gender(v["gioi_tinh"]).code if v.get("gioi_tinh") else None
        if gender is None or not v.get("ngay_sinh"):
            out.incomplete.append(f"{v['ho_ten']} ({v['ma_lop']}): thiếu giới tính hoặc ngày sinh")
            continue
        born = v["ngay_sinh"]
        out.records.append({"MaDinhDanh": None, "SoDinhDanhCaNhan": v.get("so_dinh_danh_ca_nhan"), "HoTen": v["ho_ten"],
                            "NgaySinh": f"{born[6:10]}-{born[3:5]}-{born[0:2]}", "GioiTinh": gender,
                            "MaDanToc": catalogs.ethnicity(v.get("dan_toc") or "Kinh").code, "MaLop": v["ma_lop"],
                            "TrangThai": STATUS_CODES.get(v.get("trang_thai") or "", "1")})
    return out
