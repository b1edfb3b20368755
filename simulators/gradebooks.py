"""Teachers' gradebooks of the synthetic school, as score-book workbooks (the truth for scores).

Laid out like vnEdu's ``Sổ điểm môn học`` export that teachers fill in: title rows, a two-row
header with ``ĐĐGtx`` over ``TX1``…``TX4``, ``Mã học sinh`` (vnEdu's key), one sheet per class.
"""

from __future__ import annotations

import io

from openpyxl import Workbook

from lienthong.simulators.catalog import SUBJECTS
from lienthong.simulators.school import School


def score_book(school: School, subject: str, semester: str = "1", classes: list[str] | None = None) -> bytes:
    book = Workbook()
    book.remove(book.active)
    name = SUBJECTS[subject].name
    wanted = classes or [c.code for c in school.classes]
    for code in wanted:
        sheet = book.create_sheet(code)
        for line in (
            school.name,
            f"SỔ ĐIỂM MÔN {name.upper()}",
            f"LỚP {code}",
            f"HỌC KỲ {'I' if semester == '1' else 'II'}",
            f"NĂM HỌC {school.school_year}",
        ):
            sheet.append([line])
        sheet.append(
            ["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "ĐĐGtx", None, None, None, "ĐĐGgk", "ĐĐGck", "Nhận xét"]
        )
        sheet.append([None, None, None, None, "TX1", "TX2", "TX3", "TX4"])
        students = [s for s in school.students if s.class_code == code]
        for number, student in enumerate(students, start=1):
            entered = student.scores[subject][f"hk{semester}"]
            tx = list(entered["tx"]) + [None] * (4 - len(entered["tx"]))
            sheet.append(
                [
                    number,
                    student.vnedu_id,
                    student.full_name,
                    student.birth_date.strftime("%d/%m/%Y"),
                    *tx,
                    entered["gk"],
                    entered["ck"],
                    "",
                ]
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
