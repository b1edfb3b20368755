"""CSDL ngành records ↔ canonical models (SOAP field names, as the connector returns them)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from lienthong.mapping.canonical import SemesterResult, Student, YearResult, student, trusted
from lienthong.mapping.csdl_files import results_records, student_list_records  # noqa: F401 (offered here too)
from lienthong.mapping.errors import MappingError, describe
from lienthong.mapping.normalize import StoredValues, format_score
from lienthong.mapping.sources import Payloads, SourceRecords


def student_from_csdl(item: dict[str, Any], student_id: str | None = None) -> Student:
    return student(
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


# --- what reconciliation reads (`mapping.sources`) ----------------------------------------

SOURCE, TITLE, FULL_TITLE = "csdl", "CSDL", "CSDL ngành"
ENTITIES = ("hoc_sinh", "ket_qua")


def _value(subject: dict[str, Any]) -> Any:
    """A subject's result as written: the average, or the comment result (Đ/CĐ); read by `_read`."""
    value = subject.get("DiemTB")
    return subject.get("KetQuaDanhGia") if value is None else value


_read = StoredValues("Đ", "CĐ")


def result_from_csdl(key: str, item: dict[str, Any]) -> SemesterResult:
    """A ``KetQuaHocSinh`` of one period as canonical (``YearResult`` for ``CN``)."""
    period = str(item.get("HocKy") or key.rsplit(":", 1)[1])
    excused, unexcused = int(item.get("SoBuoiNghiCoPhep") or 0), int(item.get("SoBuoiNghiKhongPhep") or 0)
    fields = dict(
        student_id=item.get("MaDinhDanh") or key.rsplit(":", 1)[0],
        period=period,
        subjects=_read.each({m["MaMon"]: _value(m) for m in item.get("Mon") or []}),
        learning=item.get("KetQuaHocTap"),
        training=item.get("KetQuaRenLuyen"),
        absences_excused=excused,
        absences_unexcused=unexcused,
    )
    if period == "CN":
        fields.update(title=item.get("DanhHieu"), promotion=item.get("LenLop"), absence_total=excused + unexcused)
        return trusted(YearResult, fields)
    return trusted(SemesterResult, fields)


def to_canonical(stored: dict[str, Payloads]) -> SourceRecords:
    records = SourceRecords(SOURCE, TITLE, FULL_TITLE)
    for key, item in stored.get("hoc_sinh", {}).items():
        records.raw_names[key] = (item.get("HoTen") or "", item.get("MaLop") or "")
        try:
            records.students[key] = student_from_csdl(item)
        except (ValidationError, MappingError, KeyError) as exc:
            records.unreadable[key] = describe(exc) if not isinstance(exc, KeyError) else f"thiếu trường {exc.args[0]}"
    records.results = {key: result_from_csdl(key, item) for key, item in stored.get("ket_qua", {}).items()}
    return records


def result_to_csdl(result: SemesterResult) -> dict[str, Any]:
    """A result as a ``KetQuaHocSinh`` record (averages with a dot, as the template writes them)."""
    record = {
        "MaDinhDanh": result.student_id,
        "HocKy": str(getattr(result.period, "value", result.period)),
        "Mon": [
            {
                "MaMon": code,
                **({"KetQuaDanhGia": v} if isinstance(v, str) else {"DiemTB": format_score(v).replace(",", ".")}),
            }
            for code, v in result.subjects.items()
        ],
        "KetQuaHocTap": result.learning,
        "KetQuaRenLuyen": result.training,
        "SoBuoiNghiCoPhep": result.absences_excused,
        "SoBuoiNghiKhongPhep": result.absences_unexcused,
    }
    if isinstance(result, YearResult) and result.training:
        record["DanhHieu"], record["LenLop"] = result.title, result.promotion
    return record


def student_to_csdl(student: Student) -> dict[str, Any]:
    """A student as a ``HocSinh`` record (codes as the CSDL writes them; no Mã định danh for a new one)."""

    def code(value: Any) -> Any:
        return getattr(value, "value", value)

    return {
        "MaDinhDanh": student.ministry_id,
        "SoDinhDanhCaNhan": student.personal_id,
        "HoTen": student.full_name,
        "NgaySinh": student.birth_date.isoformat(),
        "GioiTinh": code(student.gender),
        "MaDanToc": student.ethnicity_code,
        "MaLop": student.class_code,
        "TrangThai": code(student.status) or "1",
    }


def confirmed_to_csdl(student: dict[str, Any], period: str, version: int, new: bool) -> dict[str, Any]:
    """A student's confirmed (and approved) result of a period (`assessment.results` content) as a
    ``KetQuaHocSinh`` record: marks as ``KetQuaDanhGia``, averages with a dot, exempt subjects left out."""
    subjects = []
    for code, value in sorted((student.get("subjects") or {}).items()):
        text = str(value).strip()
        if text in ("Đ", "CĐ"):
            subjects.append({"MaMon": code, "KetQuaDanhGia": text})
        elif text and text[0].isdigit():
            subjects.append({"MaMon": code, "DiemTB": text.replace(",", ".")})
    record = {
        "MaDinhDanh": student["ministry_id"],
        "HocKy": {"HK1": "1", "HK2": "2"}.get(period, "CN"),
        "Mon": subjects,
        "KetQuaHocTap": student.get("learning"),
        "KetQuaRenLuyen": student.get("training"),
        "SoBuoiNghiCoPhep": int(student.get("absences_excused") or 0),
        "SoBuoiNghiKhongPhep": int(student.get("absences_unexcused") or 0),
        "SuKien": "NEW" if new else "UPDATE",
        "PhienBan": version,
    }
    if period == "CN":
        record["DanhHieu"], record["LenLop"] = student.get("title"), student.get("promotion")
    return record


RESULT_CONTENT = ("KetQuaHocTap", "KetQuaRenLuyen", "SoBuoiNghiCoPhep", "SoBuoiNghiKhongPhep", "DanhHieu", "LenLop")


def result_content(record: dict[str, Any]) -> tuple:
    """What a ``KetQuaHocSinh`` says, without its version, event or times: two records that say the
    same thing compare equal (``7.50`` and ``7.5`` are one average)."""
    subjects = []
    for m in record.get("Mon") or []:
        value = m.get("DiemTB")
        if value is not None:
            try:
                value = str(Decimal(str(value)).normalize())
            except ArithmeticError:
                value = str(value)
        subjects.append((m.get("MaMon"), value, m.get("KetQuaDanhGia")))
    head = tuple(int(record.get(k) or 0) if k.startswith("SoBuoi") else (record.get(k) or None) for k in RESULT_CONTENT)
    return (str(record.get("HocKy")), tuple(sorted(subjects)), head)
