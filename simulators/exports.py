"""The whole file set of an Excel-only school, written from the simulated platforms.

What such a school's IT person downloads and collects: vnEdu's score books (one workbook
per subject and semester, a sheet per class) and year summary, the CSDL's student list and
learning results (one workbook per grade and period), and teachers' own gradebooks — one in
vnEdu's layout, one hand-made (one header row, ``Miệng``/``15 phút``/``Giữa kì``/``Cuối kì``,
scores typed as text, notes under the table). Differences injected by `views` show in them.
"""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook

from lienthong.simulators.catalog import SUBJECTS
from lienthong.simulators.csdl import CsdlState
from lienthong.simulators.csdl_excel import results_workbook, student_list_workbook
from lienthong.simulators.gradebooks import score_book
from lienthong.simulators.school import School
from lienthong.simulators.views import PlatformData
from lienthong.simulators.vnedu_excel import so_diem_workbook, tong_hop_workbook

TEACHER_SUBJECTS = ("TOAN", "GDTC")  # the two teachers whose own gradebooks are brought in


def handmade_gradebook(school: School, subject: str, semester: str) -> bytes:
    """A teacher's own workbook: free titles, one header row, text scores, a note and a signature."""
    book = Workbook()
    book.remove(book.active)
    for cls in school.classes:
        sheet = book.create_sheet(cls.code)
        sheet.append([f"SỔ ĐIỂM CÁ NHÂN — {SUBJECTS[subject].name}"])
        sheet.append([f"Lớp {cls.code} — Học kỳ {'I' if semester == '1' else 'II'} — Năm học {school.school_year}"])
        sheet.append([])
        sheet.append(
            [
                "STT",
                "Mã HS",
                "Họ và tên",
                "Miệng",
                "15 phút",
                "15 phút (2)",
                "15 phút (3)",
                "Giữa kì",
                "Cuối kì",
                "Ghi chú",
            ]
        )
        students = [s for s in school.students if s.class_code == cls.code]
        for number, student in enumerate(students, start=1):
            entered = student.scores[subject][f"hk{semester}"]
            tx = [str(v).replace(".", ",") for v in entered["tx"]] + [None] * (4 - len(entered["tx"]))
            sheet.append(
                [
                    number,
                    student.vnedu_id,
                    student.full_name,
                    *tx,
                    str(entered["gk"]).replace(".", ","),
                    str(entered["ck"]).replace(".", ","),
                    "",
                ]
            )
        sheet.append([])
        sheet.append(["Ghi chú: điểm Miệng nhập đầu tiết."])
        sheet.append([None, None, "Giáo viên bộ môn (ký, ghi rõ họ tên)"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_school_files(
    school: School, data: PlatformData, folder: Path, subjects: list[str] | None = None
) -> list[Path]:
    """Every export of the school into ``folder``; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {}
    for code in subjects or list(SUBJECTS):
        for semester in school.semesters():
            files[f"vnedu-sodiem-{code}-hk{semester}.xlsx"] = so_diem_workbook(school, data.vnedu, code, semester)
    if school.year_ended():
        files["vnedu-tonghop.xlsx"] = tong_hop_workbook(school, data.vnedu)
    state = CsdlState(school, data)
    files["csdl-danhsach.xlsx"] = student_list_workbook(state)
    periods = [*school.semesters(), *(["CN"] if school.year_ended() else [])]
    for grade in sorted({c.grade for c in school.classes}):
        for period in periods:
            files[f"csdl-ketqua-khoi{grade}-{period.lower()}.xlsx"] = results_workbook(state, grade, period)
    for semester in school.semesters():
        handmade, vnedu_layout = TEACHER_SUBJECTS
        files[f"giaovien-{handmade}-hk{semester}.xlsx"] = handmade_gradebook(school, handmade, semester)
        files[f"giaovien-{vnedu_layout}-hk{semester}.xlsx"] = score_book(school, vnedu_layout, semester)
    written = []
    for name, content in files.items():
        (folder / name).write_bytes(content)
        written.append(folder / name)
    return written
