"""vnEdu's Excel exports, in the layout of its web screens (contracts/vnedu.md, "Excel exports").

What a school without API access downloads: the ``Sổ điểm môn học`` (one sheet per class for
one subject and semester; title rows, a two-row header with ``ĐĐGtx`` over ``TX1``…``TX4``,
a hidden ``ID`` column, ``ĐTBmhk`` computed by vnEdu) and the ``Bảng tổng hợp kết quả cuối
năm`` (one sheet per class, year averages and results written out in words). Both are
written from vnEdu's copy (`views.PlatformData.vnedu`), so injected differences show.
"""

from __future__ import annotations

import io
from collections import defaultdict

from openpyxl import Workbook

from lienthong.assessment.engine import semester_average
from lienthong.assessment.rules import CIRCULAR_22
from lienthong.simulators.catalog import LEVEL_WORDS, PROMOTION_WORDS, SUBJECTS, TITLE_WORDS
from lienthong.simulators.formats import format_score, parse_score
from lienthong.simulators.school import School
from lienthong.simulators.views import year_assessment


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _roster(vnedu: dict, classes: list[str] | None) -> dict[str, list[dict]]:
    """vnEdu's students by vnEdu's class (a wrong class shows in the export)."""
    by_class: dict[str, list[dict]] = defaultdict(list)
    for student in sorted(vnedu["hoc_sinh"].values(), key=lambda s: s["ma_hoc_sinh"]):
        if classes is None or student["ma_lop"] in classes:
            by_class[student["ma_lop"]].append(student)
    return by_class


def _average(sheet: dict | None) -> str:
    try:
        tx = [parse_score(v) for v in sheet["ddg_tx"] if v is not None]
        return (
            format_score(semester_average(tx, parse_score(sheet["ddg_gk"]), parse_score(sheet["ddg_ck"]), CIRCULAR_22))
            if tx
            else ""
        )
    except (TypeError, ValueError):
        return ""  # a score missing or unreadable: vnEdu shows no average


def so_diem_workbook(
    school: School, vnedu: dict, subject: str, semester: str, classes: list[str] | None = None
) -> bytes:
    """``Sổ điểm môn học`` for one subject and semester, one sheet per class."""
    info = SUBJECTS[subject]
    book = Workbook()
    book.remove(book.active)
    for code, students in sorted(_roster(vnedu, classes).items()):
        sheet = book.create_sheet(code)
        for line in (
            school.name,
            f"SỔ ĐIỂM MÔN {info.name.upper()}",
            f"LỚP {code}",
            f"HỌC KỲ {'I' if semester == '1' else 'II'}",
            f"NĂM HỌC {school.school_year}",
        ):
            sheet.append([line])
        last = [] if info.by_comment else ["ĐTBmhk"]
        sheet.append(
            [
                "STT",
                "ID",
                "Mã học sinh",
                "Họ và tên",
                "Ngày sinh",
                "ĐĐGtx",
                None,
                None,
                None,
                "ĐĐGgk",
                "ĐĐGck",
                *last,
                "Nhận xét",
            ]
        )
        sheet.append([None, None, None, None, None, "TX1", "TX2", "TX3", "TX4"])
        sheet.merge_cells(start_row=6, end_row=6, start_column=6, end_column=9)
        sheet.column_dimensions["B"].hidden = True
        for number, student in enumerate(students, start=1):
            scores = vnedu["diem"].get((student["ma_hoc_sinh"], subject, semester))
            tx = list(scores["ddg_tx"]) if scores else []
            tx += [None] * (4 - len(tx))
            values = [scores["ddg_gk"], scores["ddg_ck"]] if scores else [None, None]
            average = [] if info.by_comment else [_average(scores) if scores else ""]
            sheet.append(
                [
                    number,
                    900000 + number,
                    student["ma_hoc_sinh"],
                    student["ho_ten"],
                    student["ngay_sinh"],
                    *tx,
                    *values,
                    *average,
                    "",
                ]
            )
    return _save(book)


def tong_hop_workbook(school: School, vnedu: dict, classes: list[str] | None = None) -> bytes:
    """``Bảng tổng hợp kết quả cuối năm``, one sheet per class, as vnEdu computes it."""
    subjects = list(SUBJECTS.values())
    by_vnedu = {s.vnedu_id: s for s in school.students}
    book = Workbook()
    book.remove(book.active)
    for code, students in sorted(_roster(vnedu, classes).items()):
        sheet = book.create_sheet(code)
        for line in (school.name, "BẢNG TỔNG HỢP KẾT QUẢ CUỐI NĂM", f"LỚP {code}", f"NĂM HỌC {school.school_year}"):
            sheet.append([line])
        sheet.append(
            [
                "STT",
                "Mã học sinh",
                "Họ và tên",
                "Ngày sinh",
                *(s.name for s in subjects),
                "KQ học tập",
                "KQ rèn luyện",
                "Tổng số buổi nghỉ",
                "Danh hiệu",
                "Lên lớp",
            ]
        )
        for number, student in enumerate(students, start=1):
            truth = by_vnedu.get(student["ma_hoc_sinh"])
            if truth is None:  # a duplicate record: vnEdu has nothing computed for it
                sheet.append([number, student["ma_hoc_sinh"], student["ho_ten"], student["ngay_sinh"]])
                continue
            year = year_assessment(truth, vnedu)
            cells = [
                format_score(v["cn"]) if v["cn"] is not None and not isinstance(v["cn"], str) else v["cn"] or ""
                for v in (year.subjects.get(s.code, {"cn": None}) for s in subjects)
            ]
            absences = sum(
                1 for (key, _, _), a in vnedu["diem_danh"].items() if key == truth.vnedu_id and a.get("loai")
            )
            sheet.append(
                [
                    number,
                    student["ma_hoc_sinh"],
                    student["ho_ten"],
                    student["ngay_sinh"],
                    *cells,
                    LEVEL_WORDS.get(year.learning["cn"] or "", ""),
                    LEVEL_WORDS.get(year.training["cn"] or "", ""),
                    absences,
                    TITLE_WORDS.get(year.title or "", ""),
                    PROMOTION_WORDS.get(year.promotion or "", ""),
                ]
            )
    return _save(book)
