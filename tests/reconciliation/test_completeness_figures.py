"""Completeness figures on hand-built classes with known counts: assessments entered against the
Circular 22 requirement per class × subject × semester, per subject teacher (one of them behind),
training and absences per class, and the Suối Ngô cadence measured from the records' change times."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session

from lienthong.mapping.calendar import VN_TZ
from lienthong.mapping.canonical import Absence, StudentStatus
from lienthong.reconciliation import service
from lienthong.reconciliation.completeness import blank_count, blank_required
from lienthong.reconciliation.completeness_cadence import (
    END,
    LATE,
    MID,
    OK,
    PENDING,
    UNVERIFIED,
    History,
    history_from_payloads,
    judge,
    score_checkpoints,
)
from lienthong.reconciliation.completeness_measure import measure
from lienthong.reconciliation.completeness_service import completeness_report
from lienthong.store import accounts
from lienthong.store.repository import SnapshotRecord, upsert_snapshots
from lienthong.store.tables import OutboxItemRow, SyncRunRow
from tests.hand_made import COMMENT, TX_GRADE_8, vkey
from tests.reconciliation.test_missing_assessments import CLASSES, NAMES, vnedu

YEAR = "2026-2027"  # semester I: 05/09/2026 – 15/01/2027; its middle 10/11/2026
MID_DUE, END_OPENS, END_DUE = date(2026, 11, 17), date(2026, 12, 25), date(2027, 1, 22)
IN_DECEMBER = date(2026, 12, 1)
AFTER_SEMESTER = date(2027, 2, 1)
PASSWORD = "mat-khau-du-dai-1"


def at(day: str) -> str:
    """A vnEdu ``updated_at`` on a day (dd/mm/yyyy), Vietnam time."""
    d, m, y = (int(p) for p in day.split("/"))
    return datetime(y, m, d, 9, 30, tzinfo=VN_TZ).isoformat()


def sheet(n: int, subject: str, updated: str | None = None, semester: str = "1", **cells) -> tuple[str, dict]:
    mark = "Đ" if subject in COMMENT else "8"
    values = {"ddg_tx": [mark] * TX_GRADE_8[subject], "ddg_gk": mark, "ddg_ck": mark, **cells}
    payload = {"ma_hoc_sinh": vkey(n), "ma_mon": subject, "hoc_ky": int(semester), **values}
    if updated:
        payload["updated_at"] = at(updated)
    return f"{vkey(n)}:{subject}:{semester}", payload


def figures_of(result, class_code: str, subject: str, semester: str = "1"):
    return next(s for s in result.subjects if (s.class_code, s.subject, s.semester) == (class_code, subject, semester))


# --- the checkpoints, day by day ------------------------------------------------------------


def test_score_checkpoints_of_semester_one():
    assert score_checkpoints(2026, "1") == [
        (MID, date(2026, 9, 5), MID_DUE),
        (END, END_OPENS, END_DUE),
    ]


@pytest.mark.parametrize(
    ("kind", "updates", "today", "status", "seen"),
    [
        (MID, [date(2026, 10, 1)], IN_DECEMBER, OK, date(2026, 10, 1)),
        (MID, [], IN_DECEMBER, LATE, None),  # nothing changed all semester: certainly late
        (MID, [date(2026, 8, 20)], IN_DECEMBER, LATE, date(2026, 8, 20)),  # last change before the semester
        (MID, [date(2026, 11, 30)], IN_DECEMBER, UNVERIFIED, date(2026, 11, 30)),  # may have overwritten one
        (MID, [], date(2026, 11, 1), PENDING, None),
        (END, [date(2026, 10, 1), date(2026, 11, 1)], AFTER_SEMESTER, LATE, date(2026, 11, 1)),
        (END, [date(2026, 10, 1), date(2027, 1, 10)], AFTER_SEMESTER, OK, date(2027, 1, 10)),
        (END, [date(2026, 10, 1)], IN_DECEMBER, PENDING, date(2026, 10, 1)),
    ],
)
def test_a_checkpoint_is_judged_from_the_days_changes_were_seen(kind, updates, today, status, seen):
    opens, due = (date(2026, 9, 5), MID_DUE) if kind == MID else (END_OPENS, END_DUE)
    found = judge(kind, opens, due, updates, today)
    assert (found.status, found.seen) == (status, seen)


# --- counts against the requirement ----------------------------------------------------------


def school_8a1():
    """8A1: students 1, 2, 3 (and 5, gone); 8A2: student 4. Known gaps, one subject at a time."""
    sheets = dict(
        [
            sheet(1, "TOAN"),
            sheet(2, "TOAN", ddg_tx=["8", None, "", "7"], ddg_gk=None),  # two ĐĐGtx and the ĐĐGgk missing
            # student 3 has no Toán sheet at all: six missing
            sheet(1, "TIN", ddg_tx=["8", "9", "7", "6", "5"]),  # Tin: 1 lesson a week, 2 ĐĐGtx; extras count once
            sheet(2, "TIN", ddg_tx=["8", "9", "7"], ddg_ck=None),  # extras do not make up for the ĐĐGck
            sheet(3, "TIN"),
            sheet(1, "CN"),  # Công nghệ in grade 8: 52 periods, 3 ĐĐGtx
            sheet(1, "GDTC"),
            sheet(2, "GDTC", ddg_tx=["Đ", "CĐ"]),
            sheet(3, "GDTC", ddg_ck=None),
            sheet(4, "TOAN"),
            sheet(5, "TOAN", ddg_gk=None),  # left the school: not counted
        ]
    )
    school = vnedu(sheets, students=(1, 2, 3, 4, 5), changes={5: {"status": StudentStatus.CHUYEN_DI}})
    return school


def test_entered_against_required_per_class_subject_and_semester():
    result = measure(school_8a1(), YEAR, IN_DECEMBER)
    assert result.semesters == ("1",)
    toan = figures_of(result, "8A1", "TOAN")
    assert (toan.students, toan.required_tx, toan.required) == (3, 4, 18)
    assert (toan.tx_entered, toan.gk_entered, toan.ck_entered, toan.entered, toan.complete) == (6, 1, 2, 9, 1)
    tin = figures_of(result, "8A1", "TIN")
    assert (tin.required_tx, tin.required, tin.tx_entered, tin.ck_entered, tin.entered) == (2, 12, 6, 2, 11)
    cn = figures_of(result, "8A1", "CN")
    assert (cn.required_tx, cn.required, cn.entered) == (3, 15, 5)
    gdtc = figures_of(result, "8A1", "GDTC")
    assert (gdtc.by_comment, gdtc.required, gdtc.entered, gdtc.complete) == (True, 12, 11, 2)
    assert (gdtc.passed, gdtc.failed) == (1, 1)  # student 3's is incomplete: neither yet
    assert toan.passed is None and toan.failed is None
    van = figures_of(result, "8A1", "VAN")  # nobody has a Văn sheet
    assert (van.required, van.entered) == (18, 0)
    assert figures_of(result, "8A2", "TOAN").entered == 6
    assert len(result.subjects) == 2 * 12  # every class × every subject of the catalog
    # without change times nothing is judged late, and the report says why
    assert all(s.checkpoints == () for s in result.subjects)
    assert any("không có thời điểm cập nhật" in note for note in result.notes)


def test_one_class_only_and_a_chosen_semester():
    result = measure(school_8a1(), YEAR, AFTER_SEMESTER, class_code="8A2", semesters=("2",))
    assert {(s.class_code, s.semester) for s in result.subjects} == {("8A2", "2")}
    assert figures_of(result, "8A2", "TOAN", "2").entered == 0  # no semester II sheets yet


# --- who is behind ----------------------------------------------------------------------------


WATCHED = {("8A1", "TOAN"), ("8A1", "VAN"), ("8A2", "TOAN")}


def test_the_teacher_whose_scores_were_not_updated_is_behind_and_named():
    sheets = dict(
        [
            sheet(1, "TOAN", "01/09/2026"),  # Toán last changed before the semester began
            sheet(2, "TOAN", "02/09/2026"),
            sheet(3, "TOAN", "03/09/2026"),
            sheet(1, "VAN", "10/10/2026"),  # Văn updated in the first half
            sheet(2, "VAN", "28/11/2026"),
            sheet(3, "VAN", "20/10/2026"),
            sheet(4, "TOAN", "28/11/2026"),  # 8A2's Toán: only a later change is left
        ]
    )
    school = vnedu(sheets)
    history = history_from_payloads(
        school.sheets, pushes=[(f"{vkey(4)}:TOAN:1", datetime(2026, 10, 2, 3, tzinfo=timezone.utc))]
    )
    teachers = {("8A1", "TOAN"): "Nguyễn Thị Lan", ("8A1", "VAN"): "Trần Văn Minh", ("8A2", "TOAN"): "Nguyễn Thị Lan"}
    result = measure(school, YEAR, IN_DECEMBER, history=history, subject_teachers=teachers)
    toan, van = figures_of(result, "8A1", "TOAN"), figures_of(result, "8A1", "VAN")
    assert [c.status for c in toan.checkpoints] == [LATE, PENDING]
    assert [c.status for c in van.checkpoints] == [OK, PENDING] and van.last_update == date(2026, 11, 28)
    # 8A2: the sheet's own change is late, but lienthong's push on 02/10 shows the first-half update
    assert [c.status for c in figures_of(result, "8A2", "TOAN").checkpoints] == [OK, PENDING]
    by_name = {t.teacher: t for t in result.teachers}
    assert by_name["Nguyễn Thị Lan"].behind and by_name["Nguyễn Thị Lan"].late == 1
    assert not by_name["Trần Văn Minh"].behind
    assert result.teachers[0].teacher == "Nguyễn Thị Lan"  # those behind first
    late = [i for i in result.late if i.what == "scores_mid" and (i.class_code, i.subject) in WATCHED]
    assert [(i.who, i.class_code, i.subject, i.due) for i in late] == [("Nguyễn Thị Lan", "8A1", "TOAN", MID_DUE)]
    # a subject with no score at all in vnEdu by the middle of the semester is late too, teacher unknown
    assert ("8A1", "NN1", None) in {(i.class_code, i.subject, i.who) for i in result.late if i.what == "scores_mid"}
    assert late[0].message == (
        "Môn Toán lớp 8A1 HK1: chưa cập nhật điểm giữa học kỳ trên vnEdu (hạn 17/11/2026; lần gần nhất 03/09/2026)"
    )


def test_an_overwritten_first_update_is_unverified_not_late():
    school = vnedu(dict([sheet(n, "TOAN", "30/11/2026") for n in (1, 2, 3)]))
    result = measure(school, YEAR, IN_DECEMBER, history=history_from_payloads(school.sheets))
    assert [c.status for c in figures_of(result, "8A1", "TOAN").checkpoints] == [UNVERIFIED, PENDING]
    assert not [i for i in result.late if i.subject == "TOAN" and i.class_code == "8A1"]
    assert any("chưa xác minh được" in note for note in result.notes)


def test_blanks_once_the_semester_is_over_are_late_for_the_subject_teacher():
    school = vnedu(dict([sheet(1, "TOAN"), sheet(2, "TOAN", ddg_ck=None), sheet(3, "TOAN")]))
    result = measure(
        school,
        YEAR,
        AFTER_SEMESTER,
        semesters=("1",),
        over={"8A1": {"1": "results"}},
        subject_teachers={("8A1", "TOAN"): "Nguyễn Thị Lan"},
    )
    missing = [i for i in result.late if i.what == "scores_missing" and i.subject == "TOAN"]
    assert [(i.who, i.class_code, i.due) for i in missing] == [("Nguyễn Thị Lan", "8A1", date(2027, 1, 15))]
    assert "còn 1 đầu điểm bắt buộc để trống" in missing[0].message and "đã có kết quả học kỳ" in missing[0].message
    assert result.teachers[0].incomplete_over == 1 and result.teachers[0].behind


# --- what the homeroom teacher enters ---------------------------------------------------------


def absence(n: int, day: date) -> Absence:
    return Absence.model_construct(student_id=vkey(n), day=day, session="S", kind="P", reason="")


def test_training_and_absences_per_class_with_the_months_entered_late():
    school = vnedu({})
    school.training = {f"{vkey(1)}:1": "T", f"{vkey(2)}:1": "K", f"{vkey(4)}:1": "T"}
    school.has_attendance = True
    days = [date(2026, 10, 5), date(2026, 10, 6), date(2026, 11, 3)]
    school.absences = [absence(1, days[0]), absence(1, days[1]), absence(2, days[2])]
    attendance = {
        f"{vkey(1)}:05/10/2026:S": {
            "ma_hoc_sinh": vkey(1),
            "ngay": "05/10/2026",
            "loai": "P",
            "updated_at": at("20/11/2026"),
        },
        f"{vkey(1)}:06/10/2026:S": {
            "ma_hoc_sinh": vkey(1),
            "ngay": "06/10/2026",
            "loai": "K",
            "updated_at": at("31/10/2026"),
        },
        f"{vkey(2)}:03/11/2026:S": {
            "ma_hoc_sinh": vkey(2),
            "ngay": "03/11/2026",
            "loai": "P",
            "updated_at": at("04/11/2026"),
        },
        f"{vkey(2)}:04/11/2026:S": {"ma_hoc_sinh": vkey(2), "ngay": "04/11/2026", "loai": None},  # deleted
    }
    history = history_from_payloads({}, attendance)
    homeroom = {"8A1": "Lê Thị Hoa", "8A2": "Phạm Văn Nam"}
    result = measure(school, YEAR, AFTER_SEMESTER, semesters=("1",), history=history, homeroom=homeroom)
    a1 = next(c for c in result.classes if c.class_code == "8A1")
    assert (a1.gvcn, a1.students, a1.training_entered, a1.training_missing) == ("Lê Thị Hoa", 3, 2, True)
    assert (a1.absence_sessions, a1.absent_students) == (3, 2)
    assert [(m.month, m.sessions, m.late, m.due) for m in a1.months] == [
        ("2026-10", 2, 1, date(2026, 11, 7)),
        ("2026-11", 1, 0, date(2026, 12, 7)),
    ]
    a2 = next(c for c in result.classes if c.class_code == "8A2")
    assert (a2.training_entered, a2.training_missing) == (1, False)
    gvcn = sorted((i.what, i.who, i.class_code, i.due) for i in result.late if i.role == "gvcn")
    assert gvcn == [
        ("absences", "Lê Thị Hoa", "8A1", date(2026, 11, 7)),
        ("training", "Lê Thị Hoa", "8A1", END_DUE),
    ]


def test_training_is_not_late_before_its_due_date():
    school = vnedu({})
    result = measure(school, YEAR, IN_DECEMBER, history=History())
    assert not [i for i in result.late if i.what == "training"]
    assert all(c.training_due == END_DUE for c in result.classes)


def test_transfers_are_counted_with_their_last_change_but_not_judged():
    school = vnedu({}, students=(1, 2, 3, 5), changes={5: {"status": StudentStatus.CHUYEN_DI}})
    history = history_from_payloads({}, students={vkey(5): {"updated_at": at("12/11/2026")}})
    result = measure(school, YEAR, IN_DECEMBER, history=history)
    a1 = next(c for c in result.classes if c.class_code == "8A1")
    assert (a1.students, a1.moved, a1.moved_last_update) == (3, 1, date(2026, 11, 12))
    assert any("không ghi ngày chuyển" in note for note in result.notes)


def test_json_keys_are_stable():
    result = measure(school_8a1(), YEAR, IN_DECEMBER)
    data = result.as_json()
    assert list(data) == [
        "school_year",
        "today",
        "semesters",
        "class",
        "source",
        "required",
        "entered",
        "subjects",
        "classes",
        "teachers",
        "late",
        "notes",
    ]
    assert set(data["subjects"][0]) >= {"class", "subject", "semester", "required", "entered", "teacher", "cadence"}
    assert data["required"] == sum(s["required"] for s in data["subjects"])


# --- the use case over a database ---------------------------------------------------------------


def seed_pulls(engine, payloads: dict[str, dict[str, dict]], seen: datetime) -> None:
    with Session(engine) as session:
        for entity, items in payloads.items():
            upsert_snapshots(session, [SnapshotRecord("vnedu", entity, k, 1, p) for k, p in items.items()], seen)
        session.commit()


def student_payload(n: int) -> dict:
    return {
        "ma_hoc_sinh": vkey(n),
        "ho_ten": NAMES[n],
        "ngay_sinh": "01/03/2013",
        "gioi_tinh": "Nam",
        "dan_toc": "Kinh",
        "ma_lop": CLASSES[n],
        "trang_thai": "Đang học",
        "updated_at": at("06/09/2026"),
        "version": 1,
    }


def test_the_use_case_reads_change_times_and_subject_teachers_from_the_store(engine):
    seen = datetime(2026, 12, 1, 2, tzinfo=timezone.utc)
    sheets = dict([sheet(1, "TOAN", "01/09/2026"), sheet(2, "TOAN", "02/09/2026"), sheet(1, "VAN", "10/10/2026")])
    seed_pulls(engine, {"hoc_sinh": {vkey(n): student_payload(n) for n in (1, 2, 4)}, "diem": sheets}, seen)
    with Session(engine) as session:
        it = accounts.add_user(session, "it.an", "Lê Văn An", "it", PASSWORD, seen)
        accounts.add_user(
            session,
            "gv.lan",
            "Nguyễn Thị Lan",
            "teacher",
            PASSWORD,
            seen,
            {"class": ["8A1"], "subject": ["TOAN"]},
            by=it,
        )
        scopes = {"class": ["8A1"], "subject": ["VAN", "TOAN"]}
        accounts.add_user(session, "gv.cu", "Đỗ Văn Cũ", "teacher", PASSWORD, seen, scopes, by=it)
        accounts.set_disabled(session, "gv.cu", True, it)  # left the school: not named
        session.commit()
    result = completeness_report(engine, YEAR, "8a1", "1", now=seen)
    assert result.class_code == "8A1" and {s.class_code for s in result.subjects} == {"8A1"}
    toan = figures_of(result, "8A1", "TOAN")
    assert (toan.students, toan.required, toan.entered, toan.teacher) == (2, 12, 12, "Nguyễn Thị Lan")
    assert [c.status for c in toan.checkpoints] == [LATE, PENDING]
    assert [i.who for i in result.late if i.what == "scores_mid" and i.subject in ("TOAN", "VAN")] == ["Nguyễn Thị Lan"]
    assert figures_of(result, "8A1", "VAN").teacher is None
    again = completeness_report(engine, YEAR, "8A1", "1", now=seen, sources=service.load_sources(engine))
    assert again == result  # records loaded once by the caller give the same figures


def test_the_use_case_refuses_an_unknown_class_or_semester_in_vietnamese(engine):
    seed_pulls(engine, {"hoc_sinh": {vkey(1): student_payload(1)}}, datetime.now(timezone.utc))
    with pytest.raises(service.UnknownChoice, match="Không có lớp «9Z9»"):
        completeness_report(engine, YEAR, "9Z9")
    with pytest.raises(service.UnknownChoice, match="Học kỳ «3» không hợp lệ"):
        completeness_report(engine, YEAR, None, "3")


def test_the_use_case_without_data_says_what_to_run(engine):
    with pytest.raises(service.NoData, match="lienthong sync --once"):
        completeness_report(engine, YEAR)


def test_score_pushes_lienthong_delivered_count_as_updates_and_others_do_not(engine):
    seen = datetime(2026, 12, 1, 2, tzinfo=timezone.utc)
    sheets = dict([sheet(1, "TOAN", "28/11/2026"), sheet(2, "TOAN", "28/11/2026"), sheet(4, "TOAN", "28/11/2026")])
    seed_pulls(engine, {"hoc_sinh": {vkey(n): student_payload(n) for n in (1, 2, 4)}, "diem": sheets}, seen)
    october = datetime(2026, 10, 2, 3, tzinfo=timezone.utc)
    with Session(engine) as session:
        run = SyncRunRow(started_at=october, platforms="vnedu", mode="full", status="completed")
        session.add(run)
        session.flush()
        for n, status in ((1, "done"), (4, "dead")):  # 8A2's push was refused: no update of vnEdu
            session.add(
                OutboxItemRow(
                    run_id=run.id,
                    platform="vnedu",
                    entity="diem",
                    key=f"{vkey(n)}:TOAN:1",
                    kind="fill",
                    status=status,
                    created_at=october,
                    updated_at=october,
                )
            )
        session.commit()
    result = completeness_report(engine, YEAR, None, "1", now=seen)
    assert [c.status for c in figures_of(result, "8A1", "TOAN").checkpoints] == [OK, PENDING]
    assert [c.status for c in figures_of(result, "8A2", "TOAN").checkpoints] == [UNVERIFIED, PENDING]


# --- the faster blank count of `completeness` says what the first version said -------------------


def first_blank_required(sheet: dict, required_tx: int) -> list[str]:
    """`completeness.blank_required` as first written (one cell at a time): the oracle."""

    def blank(value):
        return value is None or value == ""

    tx = list(sheet.get("ddg_tx") or [])
    short = max(0, required_tx - sum(not blank(v) for v in tx))
    places = [i for i in range(max(len(tx), required_tx)) if i >= len(tx) or blank(tx[i])]
    return [f"tx{i}" for i in places[:short]] + [c for c in ("gk", "ck") if blank(sheet.get(f"ddg_{c}"))]


CELL = st.sampled_from([None, "", "8", "7,5", "Đ", "CĐ", 9])


@given(
    tx=st.one_of(st.none(), st.lists(CELL, max_size=6), st.tuples(CELL, CELL)),
    gk=CELL,
    ck=CELL,
    required_tx=st.integers(min_value=2, max_value=4),
)
def test_blank_cells_are_counted_as_before(tx, gk, ck, required_tx):
    sheet = {"ddg_gk": gk, "ddg_ck": ck} if tx is None else {"ddg_tx": tx, "ddg_gk": gk, "ddg_ck": ck}
    expected = first_blank_required(sheet, required_tx)
    assert blank_required(sheet, required_tx) == expected
    assert blank_count(sheet, required_tx) == len(expected)


def test_scoped_to_what_a_subject_teacher_or_a_gvcn_may_see():
    school = school_8a1()
    school.training = {f"{vkey(1)}:1": "T"}
    teachers = {("8A1", "TOAN"): "Nguyễn Thị Lan", ("8A2", "TOAN"): "Nguyễn Thị Lan", ("8A1", "TIN"): "Trần Văn Minh"}
    result = measure(school, YEAR, AFTER_SEMESTER, semesters=("1",), subject_teachers=teachers)
    lan = result.scoped(classes=["8A1", "8A2"], subjects=["TOAN"])
    assert {(s.class_code, s.subject) for s in lan.subjects} == {("8A1", "TOAN"), ("8A2", "TOAN")}
    assert [t.teacher for t in lan.teachers] == ["Nguyễn Thị Lan"] and lan.classes == ()
    assert lan.late == ()  # the class's training is its GVCN's, not hers
    assert (lan.required, lan.entered) == (18 + 6, 9 + 6)
    gvcn = result.scoped(classes=["8A1"])
    assert {s.class_code for s in gvcn.subjects} == {"8A1"} and [c.class_code for c in gvcn.classes] == ["8A1"]
    assert any(i.what == "training" and i.class_code == "8A1" for i in gvcn.late)
    assert all(i.class_code == "8A1" for i in gvcn.late)
    assert result.scoped() == result


def test_share_is_rounded_down_so_only_complete_shows_100():
    result = measure(school_8a1(), YEAR, IN_DECEMBER)
    assert figures_of(result, "8A1", "TIN").share == 91  # 11 of 12
    assert figures_of(result, "8A2", "TOAN").share == 100 and figures_of(result, "8A1", "VAN").share == 0
    assert figures_of(result, "8A1", "TIN").as_json()["share"] == 91


# --- a source with no data: nothing said about its update times -------------------------------


def test_no_note_about_update_times_of_a_school_record_that_holds_nothing(tmp_path):
    from tests.reconciliation.test_skipped_checks import cli, seed, simulated

    db = f"sqlite:///{tmp_path / 'files.db'}"
    seed(db, simulated()[1], {"csdl": ("hoc_sinh", "ket_qua")})  # a file-only school: the CSDL's files, no vnEdu's
    done = cli(db, "completeness", "--semester", "1", home=tmp_path)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    said = " ".join(done.stdout.split())
    assert "thời điểm cập nhật" not in said and "nhập từ tệp" not in said
    assert "Lưu ý: Chưa có dữ liệu vnEdu: chưa tính được mức độ nhập điểm" in said
    assert "Chưa có dữ liệu điểm danh" not in said  # said once, by the note above
    # no empty tables, and no «nobody is late» that would read as a school up to date
    assert "Chưa đo được mức độ đầy đủ trên vnEdu, toàn trường" in said
    assert "Không ai trễ hạn" not in said and "Giáo viên" not in said and "Sĩ số" not in said


def test_a_record_imported_from_files_keeps_its_note_about_update_times():
    result = measure(school_8a1(), YEAR, IN_DECEMBER)  # sheets without change times: imported from files
    assert any(note.startswith("Dữ liệu vnEdu không có thời điểm cập nhật (nhập từ tệp)") for note in result.notes)
    assert not any("Chưa có dữ liệu vnEdu:" in note for note in result.notes)
