"""vnEdu's Excel exports as stored records (`connectors.vnedu.excel.FILE_KINDS`).

Apart from `mapping.vnedu` (vnEdu ↔ canonical, for the pulls, pushes and reconciliation) so that
reading a file — in an import's worker processes, `sync.file_readers` — loads neither the
canonical models nor pydantic; `mapping.vnedu` offers these names too.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lienthong.mapping.calendar import school_year_of, semester_of
from lienthong.mapping.file_records import FileRecords, score_sheets_read
from lienthong.mapping.normalize import class_order, parse_date

TITLE = "vnEdu"  # how people call the platform (`mapping.vnedu.TITLE`)
EXEMPT = "Miễn"  # a summary's value for a subject the student is exempt from: no result, and none missing


def file_student(
    code: str, name: str, born: str | None, class_code: str | None, personal_id: str | None = None
) -> dict[str, Any]:
    """vnEdu's student as far as its exports show one: no gender, status or IDs of other platforms
    (the summary has the personal ID)."""
    return {
        "ma_hoc_sinh": code,
        "ho_ten": name,
        "ngay_sinh": born,
        "ma_lop": class_code,
        "gioi_tinh": None,
        "trang_thai": None,
        "ma_dinh_danh_bo": None,
        "so_dinh_danh_ca_nhan": personal_id,
        "tu_tep": True,
    }


# A student as a score book shows them, made once for the ~24 books an import brings (one object:
# the import tells it is what an earlier book wrote without comparing it field by field). Nothing
# changes a stored payload once made.
_book_student = lru_cache(maxsize=16384)(file_student)


def score_book_records(read: Any) -> FileRecords:
    """vnEdu's ``Sổ điểm môn học``: its score sheets, and its students (with a birth date)."""
    out = FileRecords()
    for record in score_sheets_read(read, out, TITLE):
        if record.get("ngay_sinh"):
            code = record["ma_hoc_sinh"]
            out.stored.append(
                ("hoc_sinh", code, _book_student(code, record["ho_ten"], record["ngay_sinh"], record["lop"]))
            )
    return out


def summary_records(read: Any) -> FileRecords:
    """vnEdu's summary of a semester or the year: one ``tong_hop`` record per student and period
    (keyed "student:period"), and the student."""
    out = FileRecords()
    for record in read.records:
        out.stored.append(("tong_hop", f"{record['ma_hoc_sinh']}:{record['hoc_ky']}", record))
        out.stored.append(
            (
                "hoc_sinh",
                record["ma_hoc_sinh"],
                file_student(
                    record["ma_hoc_sinh"],
                    record["ho_ten"],
                    record["ngay_sinh"],
                    record["ma_lop"],
                    record.get("so_dinh_danh_ca_nhan"),
                ),
            )
        )
        out.cells += len(record["mon"])
    sheets = read.info["sheets"]
    for sheet in sheets:  # the homeroom teacher its title rows name: the class list a file-only school has
        if sheet.get("homeroom") and sheet.get("class_code"):
            out.stored.append(
                ("lop", sheet["class_code"], {"ma_lop": sheet["class_code"], "gvcn_ho_ten": sheet["homeroom"]})
            )
    out.semesters = sorted({s["semester"] for s in sheets})
    out.classes = sorted({s["class_code"] for s in sheets}, key=class_order)
    out.school_year = next((s["school_year"] for s in sheets if s.get("school_year")), None)
    return out


def discipline_records(read: Any) -> FileRecords:
    """vnEdu's discipline export as attendance: one ``diem_danh`` record per absent session, keyed
    as the API's ("student:dd/mm/yyyy:S"); students are not stored (the export has no birth date)."""
    out = FileRecords()
    days = []
    for record in read.records:
        for session in record["buoi"]:
            payload = {
                "ma_hoc_sinh": record["ma_hoc_sinh"],
                "ngay": record["ngay"],
                "buoi": session,
                "loai": record["loai"],
                "ly_do": record["ly_do"],
                "hinh_thuc": record["hinh_thuc"],
                "ma_lop": record["lop"],
                "tu_tep": True,
            }
            out.stored.append(("diem_danh", f"{record['ma_hoc_sinh']}:{record['ngay']}:{session}", payload))
            out.cells += 1
        days.append(parse_date(record["ngay"]))
    out.semesters = sorted({semester_of(day) for day in days})
    out.classes = sorted({r["lop"] for r in read.records if r["lop"]}, key=class_order)
    years = sorted({school_year_of(day) for day in days})
    out.school_year = years[0] if len(years) == 1 else None
    return out
