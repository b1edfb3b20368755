"""Absence checks of reconciliation (`compare._absences` per semester, `year.compare_year` for the
year), on small hand-made sources.

School year 2025-2026, default calendar (`mapping.calendar.semester_bounds`): semester I runs
05/09/2025–15/01/2026, semester II 16/01/2026–31/05/2026. vnEdu's attendance records are
sessions (``buoi`` S/C) marked ``P`` (excused) or ``K`` (unexcused); ``loai`` ``None`` is a
cleared mark. The CSDL's results hold ``SoBuoiNghiCoPhep``/``SoBuoiNghiKhongPhep`` per period
(``1``, ``2``, ``CN``). Domain.md: the year limit is 45 sessions, excused and unexcused together.

Every student is linked by the ministry ID (vnEdu's ``ma_dinh_danh_bo`` = the CSDL's
``MaDinhDanh``) and has identical bio on both sides, so absences (and, for the year, the
promotion the absences decide) are the only differences the sources hold.
"""

from __future__ import annotations

from datetime import date

import pytest

from lienthong.reconciliation.compare import reconcile
from tests.hand_made import COMMENT, TX_GRADE_8, mid, vkey

SCHOOL_YEAR = "2025-2026"
YEAR_OVER = date(2026, 6, 15)
PEOPLE = {  # n → (name, born dd/mm/yyyy, class)
    1: ("Nguyễn Văn An", "12/03/2012", "8A1"),
    2: ("Trần Thị Bình", "05/07/2012", "8A1"),
    3: ("Lê Minh Chi", "20/11/2012", "8A2"),
    4: ("Phạm Quốc Dũng", "01/01/2012", "8A2"),
}


class School:
    """The stored pulls of vnEdu and the CSDL for the students named, built up by hand."""

    def __init__(self, *students: int):
        self.vnedu: dict = {"hoc_sinh": {}, "diem_danh": {}, "diem": {}, "hanh_kiem": {}, "tong_hop": {}}
        self.csdl: dict = {"hoc_sinh": {}, "ket_qua": {}}
        for n in students:
            name, born, cls = PEOPLE[n]
            d, m, y = born.split("/")
            self.vnedu["hoc_sinh"][vkey(n)] = {
                "ma_hoc_sinh": vkey(n),
                "ma_dinh_danh_bo": mid(n),
                "ho_ten": name,
                "ngay_sinh": born,
                "gioi_tinh": "Nam",
                "dan_toc": "Kinh",
                "ma_lop": cls,
                "trang_thai": "Đang học",
            }
            self.csdl["hoc_sinh"][mid(n)] = {
                "MaDinhDanh": mid(n),
                "HoTen": name,
                "NgaySinh": f"{y}-{m}-{d}",
                "GioiTinh": "1",
                "MaDanToc": "01",
                "MaLop": cls,
                "TrangThai": "1",
            }

    def absent(self, n: int, day: str, kind: str | None, session: str = "S") -> "School":
        self.vnedu["diem_danh"][f"{vkey(n)}:{day}:{session}"] = {
            "ma_hoc_sinh": vkey(n),
            "ngay": day,
            "buoi": session,
            "loai": kind,
            "ly_do": "",
        }
        return self

    def result(self, n: int, period: str, excused, unexcused, **more) -> "School":
        self.csdl["ket_qua"][f"{mid(n)}:{period}"] = {
            "MaDinhDanh": mid(n),
            "HocKy": period,
            "Mon": [],
            "SoBuoiNghiCoPhep": excused,
            "SoBuoiNghiKhongPhep": unexcused,
            **more,
        }
        return self

    def scores(self, n: int) -> "School":
        """Both semesters of every subject (8.5 or Đ) and training Tốt/Tốt: learning Tốt, Giỏi."""
        for code, count in TX_GRADE_8.items():
            value = "Đ" if code in COMMENT else "8.5"
            for semester in (1, 2):
                self.vnedu["diem"][f"{vkey(n)}:{code}:{semester}"] = {
                    "ma_hoc_sinh": vkey(n),
                    "ma_mon": code,
                    "hoc_ky": semester,
                    "ddg_tx": [value] * count,
                    "ddg_gk": value,
                    "ddg_ck": value,
                }
        for semester in ("1", "2"):
            self.vnedu["hanh_kiem"][f"{vkey(n)}:{semester}"] = {
                "ma_hoc_sinh": vkey(n),
                "hoc_ky": semester,
                "ket_qua_ren_luyen": "T",
            }
        return self

    def year(self, n: int, excused, unexcused, promotion: str, summary_total: int | None = None) -> "School":
        self.result(n, "CN", excused, unexcused, KetQuaHocTap="T", KetQuaRenLuyen="T", DanhHieu="G", LenLop=promotion)
        if summary_total is not None:
            self.vnedu["tong_hop"][vkey(n)] = {"ma_hoc_sinh": vkey(n), "tong_buoi_nghi": summary_total}
        return self

    def sources(self) -> dict:
        return {"vnedu": self.vnedu, "csdl": self.csdl}

    def found(self, semester: str | None = None, today: date = YEAR_OVER) -> list:
        return reconcile(self.sources(), SCHOOL_YEAR, semester, today)


def brief(found) -> list[tuple]:
    return [(d.kind, d.keys, d.semester, d.field, d.values) for d in found]


def absence(n: int, semester: str, vnedu: tuple[int, int], csdl: tuple[int, int]) -> tuple:
    return (
        "absence_mismatch",
        {"vnedu": vkey(n), "csdl": mid(n)},
        semester,
        "so_buoi_nghi",
        {"vnedu": {"P": vnedu[0], "K": vnedu[1]}, "csdl": {"P": csdl[0], "K": csdl[1]}},
    )


# --- which dates count in which semester -------------------------------------------------------------


def a_whole_year_of_absences() -> School:
    school = School(1)
    for day, kind in [
        ("10/10/2024", "K"),  # the school year before
        ("04/09/2025", "P"),  # the day before semester I
        ("05/09/2025", "P"),  # semester I, first day
        ("15/01/2026", "P"),  # semester I, last day
        ("16/01/2026", "K"),  # semester II, first day
        ("31/05/2026", "P"),  # semester II, last day
        ("01/06/2026", "K"),  # after semester II
        ("10/09/2026", "P"),  # the next school year
    ]:
        school.absent(1, day, kind)
    school.absent(1, "20/11/2025", "K", "S").absent(1, "20/11/2025", "K", "C")  # two sessions of one day
    school.absent(1, "21/11/2025", None)  # a cleared mark: present
    return school


def test_each_semester_counts_exactly_its_own_dates():
    # semester I: P 05/09, 15/01 → 2; K 20/11 (S, C) → 2. Semester II: P 31/05 → 1; K 16/01 → 1
    school = a_whole_year_of_absences().result(1, "1", 2, 2).result(1, "2", 1, 1)
    assert school.found() == []
    assert school.found("1") == [] and school.found("2") == []


@pytest.mark.parametrize(
    ("semester", "held", "vnedu"),
    [
        ("1", (3, 2), (2, 2)),  # as if 04/09/2025 (before semester I) counted
        ("1", (2, 3), (2, 2)),  # as if 16/01/2026 (semester II) counted in semester I
        ("1", (2, 1), (2, 2)),  # as if one session of 20/11 were lost
        ("1", (1, 2), (2, 2)),  # as if 15/01/2026 were left out
        ("2", (2, 1), (1, 1)),  # as if 15/01/2026 (semester I) counted in semester II
        ("2", (1, 2), (1, 1)),  # as if 01/06/2026 (after semester II) counted
        ("2", (0, 1), (1, 1)),  # as if 31/05/2026 were left out
        ("2", (1, 0), (1, 1)),  # as if 16/01/2026 were left out
    ],
)
def test_a_count_off_by_one_date_is_one_exact_difference(semester, held, vnedu):
    right = {"1": (2, 2), "2": (1, 1)}
    school = a_whole_year_of_absences()
    for period in ("1", "2"):
        school.result(1, period, *(held if period == semester else right[period]))
    assert brief(school.found()) == [absence(1, semester, vnedu, held)]


@pytest.mark.parametrize(
    ("day", "semester"),
    [
        ("04/09/2025", "1"),
        ("16/01/2026", "1"),
        ("31/05/2025", "1"),
        ("15/01/2026", "2"),
        ("01/06/2026", "2"),
        ("05/09/2025", "2"),
        ("15/01/2025", "1"),
        ("16/01/2027", "2"),
    ],
)
def test_an_absence_outside_the_semester_is_not_counted_there(day, semester):
    school = School(1).absent(1, day, "K").result(1, semester, 0, 0)
    assert school.found(semester) == []
    school.result(1, semester, 0, 1)  # had it been counted, the CSDL's 1 would agree
    assert brief(school.found(semester)) == [absence(1, semester, (0, 0), (0, 1))]


@pytest.mark.parametrize(
    ("day", "semester"),
    [("05/09/2025", "1"), ("15/01/2026", "1"), ("16/01/2026", "2"), ("31/05/2026", "2")],
)
def test_an_absence_on_a_semester_s_first_or_last_day_is_counted(day, semester):
    school = School(1).absent(1, day, "P").result(1, semester, 1, 0)
    assert school.found(semester) == []
    school.result(1, semester, 0, 0)
    assert brief(school.found(semester)) == [absence(1, semester, (1, 0), (0, 0))]


def test_absences_after_today_are_not_counted_yet():
    today = date(2025, 11, 20)
    school = School(1).absent(1, "20/11/2025", "P").absent(1, "21/11/2025", "P").absent(1, "24/11/2025", "K")
    school.result(1, "1", 1, 0)
    assert school.found("1", today) == []
    school.result(1, "1", 2, 1)
    assert brief(school.found("1", today)) == [absence(1, "1", (1, 0), (2, 1))]
    assert school.found("1", date(2025, 11, 24)) == []  # three days later all three are counted


# --- exact totals ------------------------------------------------------------------------------------


def test_excused_and_unexcused_are_counted_separately():
    school = School(1).absent(1, "01/10/2025", "P", "S").absent(1, "01/10/2025", "P", "C")
    school.absent(1, "02/10/2025", "K")
    school.result(1, "1", 1, 2)  # the same total, 3, split the other way round
    found = school.found("1")
    assert brief(found) == [absence(1, "1", (2, 1), (1, 2))]
    assert found[0].message == (
        "Số buổi nghỉ HK1 của em Nguyễn Văn An (8A1): vnEdu có phép 2, không phép 1 – CSDL có phép 1, không phép 2"
    )
    assert (found[0].class_code, found[0].subject, found[0].severity) == ("8A1", None, "low")


def test_many_sessions_are_counted_one_by_one():
    school = School(1)
    for day in range(1, 31):  # 30 days of October 2025, morning and afternoon
        school.absent(1, f"{day:02d}/10/2025", "P", "S").absent(1, f"{day:02d}/10/2025", "K", "C")
    assert school.result(1, "1", 30, 30).found("1") == []
    assert brief(school.result(1, "1", 30, 29).found("1")) == [absence(1, "1", (30, 30), (30, 29))]
    assert brief(school.result(1, "1", 31, 30).found("1")) == [absence(1, "1", (30, 30), (31, 30))]


def test_a_student_with_no_absence_record_counts_zero():
    school = School(1, 2).absent(2, "01/10/2025", "P")  # attendance was read, An has no record
    school.result(1, "1", None, None).result(2, "1", 1, 0)  # blank counts in the CSDL are zero
    assert school.found("1") == []
    school.result(1, "1", 0, 2)
    assert brief(school.found("1")) == [absence(1, "1", (0, 0), (0, 2))]


def test_cleared_marks_are_not_absences():
    school = School(1).absent(1, "01/10/2025", None, "S").absent(1, "01/10/2025", "", "C")
    school.absent(1, "02/10/2025", "P").result(1, "1", 1, 0)
    assert school.found("1") == []


# --- one student without a result does not stop the others --------------------------------------------


def test_a_student_without_a_semester_result_is_skipped_and_the_next_ones_are_checked():
    school = School(1, 2, 3, 4)
    school.absent(1, "01/10/2025", "K")  # An: absences, but no CSDL result for semester I
    school.absent(2, "01/10/2025", "P").absent(2, "02/10/2025", "P")  # Bình: vnEdu P 2, CSDL P 1
    school.absent(3, "03/10/2025", "K")  # Chi: agrees
    school.result(2, "1", 1, 0).result(3, "1", 0, 1).result(4, "1", 0, 2)  # Dũng: vnEdu none, CSDL K 2
    expected = [absence(2, "1", (2, 0), (1, 0)), absence(4, "1", (0, 0), (0, 2))]
    assert brief(school.found("1")) == expected
    assert brief(school.found()) == expected  # every semester the CSDL holds: only semester I here


def test_a_student_with_only_a_semester_two_result_is_checked_there_only():
    school = School(1, 2)
    school.absent(1, "01/10/2025", "K").absent(1, "02/02/2026", "P")
    school.absent(2, "03/10/2025", "K").absent(2, "03/02/2026", "K")
    school.result(1, "2", 0, 0)  # An: semester II only, and wrong (vnEdu P 1)
    school.result(2, "1", 1, 0).result(2, "2", 0, 1)  # Bình: semester I wrong (vnEdu K 1), II right
    assert brief(school.found()) == [absence(2, "1", (0, 1), (1, 0)), absence(1, "2", (1, 0), (0, 0))]


# --- the year: total absences and the 45-session limit ----------------------------------------------


def year_total(n: int, vnedu: int, csdl: int) -> tuple:
    return (
        "absence_mismatch",
        {"vnedu": vkey(n), "csdl": mid(n)},
        "CN",
        "so_buoi_nghi",
        {"vnedu": vnedu, "csdl": csdl},
    )


def promotion(n: int, held: str, expected: str) -> tuple:
    return (
        "result_mismatch",
        {"vnedu": vkey(n), "csdl": mid(n)},
        "CN",
        "csdl.cn.LenLop",
        {"csdl": held, "vnedu": expected},
    )


def test_year_total_is_excused_plus_unexcused_against_vnedu_s_summary():
    school = School(2, 3).scores(2).scores(3)
    school.year(2, 30, 15, "LL", summary_total=45)
    school.year(3, 20, 5, "LL", summary_total=26)
    found = school.found()
    assert brief(found) == [year_total(3, 26, 25)]
    assert found[0].message == "Tổng số buổi nghỉ cả năm của em Lê Minh Chi (8A2): vnEdu 26 – CSDL 25"


@pytest.mark.parametrize(
    ("excused", "unexcused", "held", "expected"),
    [
        (45, 0, "LL", None),  # 45 sessions: still lên lớp
        (45, 1, "LL", "OL"),  # 46 together: ở lại lớp
        (0, 46, "LL", "OL"),
        (30, 16, "OL", None),
        (40, 5, "OL", "LL"),  # 45: the CSDL's ở lại lớp is wrong
        (None, 45, "LL", None),  # a blank count is zero
    ],
)
def test_year_promotion_uses_the_csdl_s_total_of_both_kinds(excused, unexcused, held, expected):
    school = School(2).scores(2).year(2, excused, unexcused, held)
    assert brief(school.found()) == ([promotion(2, held, expected)] if expected else [])


def test_a_student_without_a_year_result_does_not_stop_the_year_checks_of_the_next_ones():
    school = School(1, 2, 3, 4).scores(2).scores(3).scores(4)
    school.absent(1, "01/10/2025", "K")  # An: no CN record and no summary
    school.year(2, 40, 6, "LL", summary_total=46)  # Bình: 46 → ở lại lớp
    school.year(3, 10, 0, "LL", summary_total=12)  # Chi: totals differ
    school.year(4, 0, 0, "LL", summary_total=0)  # Dũng: all agree
    assert brief(school.found()) == [promotion(2, "LL", "OL"), year_total(3, 12, 10)]


def test_a_student_without_score_sheets_does_not_stop_the_year_checks_of_the_next_ones():
    school = School(1, 2).scores(2)
    school.year(1, 50, 0, "OL", summary_total=50)  # An: no score sheets, the year cannot be recomputed
    school.year(2, 0, 3, "LL", summary_total=4)
    assert brief(school.found()) == [year_total(2, 4, 3)]
