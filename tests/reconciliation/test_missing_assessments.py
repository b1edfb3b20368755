"""Required assessments (Circular 22) left blank in vnEdu: counted while the semester runs, a
``missing_score`` for the GVCN once it is over for the class (results exist in a source, or
the score-entry window closed) — with or without a teacher's gradebook, and never twice."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from lienthong.mapping.canonical import SemesterResult, Student, StudentStatus
from lienthong.mapping.sources import SourceRecords
from lienthong.reconciliation.compare import Roles, reconcile
from lienthong.reconciliation.completeness import (
    blank_required,
    closed_semesters,
    coverage,
    figures,
    over_semesters,
)
from tests.hand_made import COMMENT, TX_GRADE_8, mid, vkey

YEAR = "2026-2027"
TODAY = date(2027, 1, 20)
BORN = date(2013, 3, 1)
NAMES = {1: "Lê Văn An", 2: "Trần Thị Bình", 3: "Phạm Văn Cường", 4: "Đỗ Thị Dung", 5: "Vũ Văn Em"}
CLASSES = {1: "8A1", 2: "8A1", 3: "8A1", 4: "8A2", 5: "8A1"}


def full(subject: str) -> dict:
    mark = "Đ" if subject in COMMENT else "8"
    return {"ddg_tx": [mark] * TX_GRADE_8[subject], "ddg_gk": mark, "ddg_ck": mark}


def sheet(n: int, subject: str, semester: str = "1", **cells) -> tuple[str, dict]:
    values = {**full(subject), **cells}
    key = f"{vkey(n)}:{subject}:{semester}"
    return key, {"ma_hoc_sinh": vkey(n), "ma_mon": subject, "hoc_ky": int(semester), **values}


def student(n: int, **changes) -> Student:
    values = dict(
        id=f"vnedu:{vkey(n)}",
        full_name=NAMES[n],
        birth_date=BORN,
        gender="Nam",
        class_code=CLASSES[n],
        status=StudentStatus.DANG_HOC,
        ministry_id=mid(n),
        personal_id=None,
        links={},
    )
    return Student.model_construct(**{**values, **changes})


def vnedu(sheets: dict, students=(1, 2, 3, 4), changes: dict | None = None) -> SourceRecords:
    records = SourceRecords("vnedu", "vnEdu", "vnEdu", sheets=dict(sheets))
    for n in students:
        records.students[vkey(n)] = student(n, **(changes or {}).get(n, {}))
        records.raw_names[vkey(n)] = (NAMES[n], CLASSES[n])
    return records


def csdl(results_for=(), semester: str = "1", students=(1, 2, 3, 4)) -> SourceRecords:
    records = SourceRecords("csdl", "CSDL", "CSDL ngành")
    for n in students:
        records.students[mid(n)] = student(n, id=f"csdl:{mid(n)}")
        records.raw_names[mid(n)] = (NAMES[n], CLASSES[n])
    for n in results_for:
        records.results[f"{mid(n)}:{semester}"] = SemesterResult.model_construct(
            student_id=mid(n), subjects={}, learning=None, training=None, absences_excused=0, absences_unexcused=0
        )
    return records


def gradebook(sheets: dict) -> SourceRecords:
    return SourceRecords("gradebook", "sổ điểm", "sổ điểm của giáo viên", sheets=dict(sheets))


def run(*sources: SourceRecords, semester=None, pushed=False, closed=()) -> list:
    return reconcile({s.name: s for s in sources}, YEAR, semester, TODAY, pushed, Roles.from_settings(), closed)


def missing(found) -> list:
    return sorted((d.keys["vnedu"], d.subject, d.semester, d.field) for d in found if d.kind == "missing_score")


# --- the rule, cell by cell --------------------------------------------------------------


@pytest.mark.parametrize(
    "tx, gk, ck, required, blank",
    [
        (["8", "8", "8", "8"], "8", "8", 4, []),
        (["8", None, "7"], None, "9", 4, ["tx1", "tx3", "gk"]),  # Toán in grade 8: four ĐĐGtx
        ([], "8", "", 2, ["tx0", "tx1", "ck"]),  # "" is a blank cell, as a score book reads it
        (["Đ"], "Đ", "Đ", 2, ["tx1"]),  # a comment subject: two ĐĐGtx
        (["8", "", "7", "9"], "8", "8", 3, []),  # three entered where three are required: complete
        (["8", "", "", "9"], "8", "8", 3, ["tx1"]),  # one short: the first blank place is named
    ],
)
def test_blank_required_cells_follow_the_required_count(tx, gk, ck, required, blank):
    assert blank_required({"ddg_tx": tx, "ddg_gk": gk, "ddg_ck": ck}, required) == blank


def test_a_semester_not_yet_over_gives_figures_not_discrepancies():
    school = vnedu(dict([sheet(1, "TOAN", ddg_tx=["8", None]), sheet(2, "GDTC", ddg_ck=None), sheet(3, "TOAN")]))
    found = run(school, csdl())  # no results, no window closed
    assert missing(found) == []
    counts = {(b.class_code, b.subject, b.semester): b for b in figures({"vnedu": school}, school, YEAR)}
    toan, gdtc = counts[("8A1", "TOAN", "1")], counts[("8A1", "GDTC", "1")]
    assert (toan.sheets, toan.required, toan.blank, toan.over) == (2, 2 * (TX_GRADE_8["TOAN"] + 2), 3, False)
    assert (gdtc.sheets, gdtc.required, gdtc.blank, gdtc.over) == (1, TX_GRADE_8["GDTC"] + 2, 1, False)
    assert counts[("8A1", "VAN", "1")].sheets == 0 and counts[("8A1", "VAN", "1")].students == 3  # no Văn book yet
    _, skipped = coverage({"vnedu": school, "csdl": csdl()}, Roles.from_settings())
    assert any(
        s.check == "missing_scores" and "chưa có học kỳ nào được biết là đã kết thúc" in s.reason for s in skipped
    )


def test_once_results_exist_each_blank_required_cell_is_a_missing_score_for_that_class_only():
    school = vnedu(
        dict(
            [
                sheet(1, "TOAN", ddg_tx=["8", None, "7"], ddg_gk=None),  # ĐĐGtx thứ 2 and 4, ĐĐGgk
                sheet(2, "GDTC", ddg_tx=["Đ"], ddg_ck=""),  # a comment subject: ĐĐGtx thứ 2, ĐĐGck
                sheet(3, "VAN"),  # complete
                sheet(4, "TOAN", ddg_gk=None),  # 8A2: no result of its semester yet
            ]
        )
    )
    found = run(school, csdl(results_for=[2]))  # one 8A1 student's semester I result: 8A1's semester is over
    assert missing(found) == [
        (vkey(1), "TOAN", "1", "gk"),
        (vkey(1), "TOAN", "1", "tx1"),
        (vkey(1), "TOAN", "1", "tx3"),
        (vkey(2), "GDTC", "1", "ck"),
        (vkey(2), "GDTC", "1", "tx1"),
    ]
    by_field = {(d.keys["vnedu"], d.field): d for d in found if d.kind == "missing_score"}
    tx2 = by_field[(vkey(1), "tx1")]
    assert tx2.class_code == "8A1" and tx2.keys["csdl"] == mid(1)
    assert "ĐĐGtx thứ 2" in tx2.message and "Toán" in tx2.message and "HK1" in tx2.message and NAMES[1] in tx2.message
    assert "ĐĐGck" in by_field[(vkey(2), "ck")].message and "Giáo dục thể chất" in by_field[(vkey(2), "ck")].message
    assert tx2.values == {"vnedu": None} and tx2.detail == {"over": "results"}
    assert len({d.id for d in found}) == len(found)


def test_a_closed_entry_window_ends_the_semester_for_every_class():
    school = vnedu(dict([sheet(1, "TOAN", ddg_ck=None), sheet(4, "NT", ddg_tx=[])]))
    found = run(school, csdl(), closed=("1",))
    assert missing(found) == [(vkey(1), "TOAN", "1", "ck"), (vkey(4), "NT", "1", "tx0"), (vkey(4), "NT", "1", "tx1")]
    assert all(d.detail == {"over": "window"} and "sổ điểm học kỳ đã khoá" in d.message for d in found)
    assert run(school, csdl(), closed=("2",)) == []  # semester II's window says nothing of semester I


def test_closed_semesters_reads_the_schools_windows():
    now = datetime(2027, 1, 20, 8, 0, tzinfo=timezone.utc)

    class Window:  # as `[[lock_windows]]` in the configuration gives them
        def __init__(self, semester, kind, closes):
            self.semester, self.kind, self.opens, self.closes = semester, kind, closes - timedelta(days=120), closes

    windows = [
        Window("1", "diem", datetime(2027, 1, 10, tzinfo=timezone.utc)),
        Window("1", "diem_danh", datetime(2027, 1, 1, tzinfo=timezone.utc)),  # attendance: not the score book
        Window("2", "diem", datetime(2027, 5, 25, tzinfo=timezone.utc)),  # not yet
    ]
    assert set(closed_semesters(windows, YEAR, now)) == {"1"}
    naive = [Window("1", "diem", datetime(2027, 1, 20, 14, 0))]  # Vietnam's 14:00 is 07:00 UTC: closed at 08:00 UTC
    assert set(closed_semesters(naive, YEAR, now)) == {"1"}


def test_results_of_semester_two_or_the_year_end_those_semesters():
    school = vnedu({})
    assert over_semesters([school, csdl(results_for=[4], semester="2")]) == {"8A2": {"2": "results"}}
    assert over_semesters([school, csdl(results_for=[1], semester="CN")]) == {"8A1": {"1": "results", "2": "results"}}


def test_a_cell_the_gradebook_holds_is_raised_once_by_the_gradebook_comparison():
    school = vnedu(dict([sheet(1, "TOAN", ddg_gk=None, ddg_ck=None)]))
    book = gradebook(dict([sheet(1, "TOAN", ddg_ck=None)]))  # the teacher has the ĐĐGgk; ĐĐGck blank in both
    found = run(school, csdl(results_for=[1]), book)
    assert missing(found) == [(vkey(1), "TOAN", "1", "ck"), (vkey(1), "TOAN", "1", "gk")]
    gk = next(d for d in found if d.field == "gk")
    ck = next(d for d in found if d.field == "ck")
    assert gk.values == {"gradebook": "8,0", "vnedu": "(trống)"}  # the gradebook comparison's finding
    assert ck.values == {"vnedu": None, "gradebook": None} and "cũng để trống" in ck.message
    # with the sync pushing the gradebook's values to vnEdu, the ĐĐGgk is filled: nobody's task
    pushed = run(school, csdl(results_for=[1]), book, pushed=True)
    assert missing(pushed) == [(vkey(1), "TOAN", "1", "ck")]


def test_the_same_cell_keeps_its_id_whether_or_not_a_gradebook_arrived():
    school = vnedu(dict([sheet(1, "TOAN", ddg_gk=None)]))
    without = run(school, csdl(results_for=[1]))
    with_book = run(school, csdl(results_for=[1]), gradebook(dict([sheet(1, "TOAN")])))
    assert [d.id for d in without if d.kind == "missing_score"] == [
        d.id for d in with_book if d.kind == "missing_score"
    ]


def test_students_who_left_and_other_semesters_are_not_asked_for_scores():
    school = vnedu(
        dict([sheet(3, "TOAN", ddg_gk=None), sheet(1, "TOAN", "2", ddg_gk=None), sheet(2, "VAN", ddg_ck=None)]),
        changes={3: {"status": StudentStatus.CHUYEN_DI}},
    )
    found = run(school, csdl(results_for=[1, 2]))  # semester I over; semester II still running
    assert missing(found) == [(vkey(2), "VAN", "1", "ck")]
    assert missing(run(school, csdl(results_for=[1, 2]), semester="2")) == []
