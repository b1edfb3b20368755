"""An identity doubt is settled by the homeroom teacher naming which listed child a teacher's row is
(`resolution.propose`): the next reconciliation links the row to that child and compares its scores,
the doubt closes, the link stands in later runs (incremental or full, which agree), and nothing but
a listed child is accepted."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlmodel import Session

from lienthong.reconciliation import resolution
from lienthong.reconciliation.service import reconcile_school
from lienthong.store.accounts import Actor
from lienthong.store.db import make_engine, migrate
from lienthong.store.repository import SnapshotRecord, upsert_snapshots
from tests.reconciliation.test_gradebook_identity import (
    CLASS_6A1,
    SCHOOL_YEAR,
    TODAY,
    book,
    csdl,
    row,
    school,
    vnedu_sheet,
)

TWIN = ("1800000008", "0790000008", "079213000008", "Nguyễn Thị Hà", "19/02/2014", "6A1")
STUDENTS = [*CLASS_6A1, TWIN]
AT = datetime(2025, 12, 1, 8, tzinfo=timezone.utc)
PRINCIPAL = Actor(1, "ht", "Trần Văn Hiệu", "principal", school="79000701")
GVCN = Actor(2, "gv.lan", "Nguyễn Thị Lan", "gvcn", classes=frozenset({"6A1"}), school="79000701")


def _store(tmp_path, *more_rows: dict) -> object:
    url = f"sqlite:///{tmp_path / 'truong.db'}"
    migrate(url)
    engine = make_engine(url)
    sheets = dict(vnedu_sheet(s[0], ["8", "7"], "9", "8") for s in STUDENTS)
    stored = {
        # the teacher's book names Hà without a birth date: two Hà in 6A1, and her GK (5) is not vnEdu's (9)
        "gradebook": book(
            row(4, "Nguyễn Thị Hà", ["8", "7"], "5", "8"), row(5, "Trần Văn Bình", ["8", "7"], "9", "8"), *more_rows
        ),
        "vnedu": school(STUDENTS, sheets=sheets),
        "csdl": csdl(STUDENTS),
    }
    with Session(engine) as session:
        for source, entities in stored.items():
            version = 0 if source == "gradebook" else 1
            for entity, records in entities.items():  # one kind at a time, as a pull stores them
                upsert_snapshots(
                    session, [SnapshotRecord(source, entity, k, version, v) for k, v in records.items()], AT
                )
        session.commit()
    return engine


def _ids(found) -> list[tuple[str, str]]:
    return sorted((d.id, d.kind) for d in found)


def test_the_child_the_gvcn_names_is_linked_and_compared_and_the_doubt_closes(tmp_path):
    engine = _store(tmp_path)
    first = reconcile_school(engine, SCHOOL_YEAR, today=TODAY)
    (doubt,) = [d for d in first.found if d.kind == "identity_doubt"]
    assert [d for d in first.found if d.kind == "score_mismatch"] == []  # Hà's GK is compared with nobody's
    with Session(engine) as session:
        with pytest.raises(resolution.ResolutionError, match="Hãy chọn một trong các em được nêu: Nguyễn Thị Hà"):
            resolution.propose(session, doubt.id, "1800000003", "nhầm", PRINCIPAL, AT)  # Bình: not listed
        step = resolution.propose(session, doubt.id, " 1800000008 ", "GV bộ môn xác nhận em sinh 19/02", GVCN, AT)
        assert step.value == {"value": "1800000008"}
        session.commit()

    settled = reconcile_school(engine, SCHOOL_YEAR, today=TODAY)
    assert [d.kind for d in settled.found if d.id == doubt.id] == []
    assert settled.changes["closed"] == 1  # the doubt
    (score,) = [d for d in settled.found if d.kind == "score_mismatch"]
    assert score.keys["vnedu"] == "1800000008" and score.field == "gk" and score.values["gradebook"] == "5,0"
    assert "theo xác nhận của giáo viên chủ nhiệm: 1" in settled.matched
    assert "cần xác nhận" not in settled.matched

    # the link stands once its doubt is closed: a later run (nothing changed) and a full one agree
    again = reconcile_school(engine, SCHOOL_YEAR, today=TODAY)
    full = reconcile_school(engine, SCHOOL_YEAR, today=TODAY, full=True)
    assert _ids(again.found) == _ids(full.found) == _ids(settled.found)


def test_settled_again_before_the_next_run_the_last_choice_holds_and_equals_a_full_run(tmp_path):
    engine = _store(tmp_path)
    (doubt,) = [d for d in reconcile_school(engine, SCHOOL_YEAR, today=TODAY).found if d.kind == "identity_doubt"]
    with Session(engine) as session:
        resolution.propose(session, doubt.id, "1800000008", "theo sổ gọi tên", GVCN, AT)
        session.commit()
    with Session(engine) as session:  # a second look: it was the other Hà
        resolution.propose(session, doubt.id, "1800000001", "đối chiếu ngày sinh trong học bạ", GVCN, AT)
        session.commit()
    after = reconcile_school(engine, SCHOOL_YEAR, today=TODAY)
    (score,) = [d for d in after.found if d.kind == "score_mismatch"]
    assert score.keys["vnedu"] == "1800000001"
    assert _ids(after.found) == _ids(reconcile_school(engine, SCHOOL_YEAR, today=TODAY, full=True).found)
    with Session(engine) as session:  # settled and closed: its link is not changed through it any more
        with pytest.raises(resolution.NotAllowed, match="đã tự đóng"):
            resolution.propose(session, doubt.id, "1800000008", "nhầm", GVCN, AT)


def test_a_doubt_with_no_candidate_cannot_be_settled_by_a_value(tmp_path):
    engine = _store(tmp_path)
    with Session(engine) as session:
        for entity, records in book(row(6, "Đỗ Quang Khải", ["8"], "9", "8")).items():
            upsert_snapshots(session, [SnapshotRecord("gradebook", entity, k, 0, v) for k, v in records.items()], AT)
        session.commit()
    found = reconcile_school(engine, SCHOOL_YEAR, today=TODAY).found
    (nowhere,) = [d for d in found if d.kind == "identity_doubt" and d.student_name == "Đỗ Quang Khải"]
    with Session(engine) as session, pytest.raises(resolution.ResolutionError, match="Không có em nào để chọn"):
        resolution.propose(session, nowhere.id, "1800000003", "chắc là em Bình", GVCN, AT)


def test_resolve_show_lists_the_children_with_the_code_to_give(tmp_path, monkeypatch):
    import io

    from rich.console import Console

    from lienthong.cli import resolve_command
    from lienthong.store import audit_chain

    engine = _store(tmp_path)
    (doubt,) = [d for d in reconcile_school(engine, SCHOOL_YEAR, today=TODAY).found if d.kind == "identity_doubt"]
    monkeypatch.setenv("LIENTHONG_DATABASE_URL", str(engine.url))
    # the command sets the process's audit anchor to this store's checkpoint file: put back afterwards
    monkeypatch.setattr(audit_chain, "_anchor", audit_chain.anchor())
    out = io.StringIO()
    assert resolve_command.show(doubt.id, Console(file=out, width=200)) == 0
    shown = out.getvalue()
    assert f"lienthong resolve propose {doubt.id} --value MÃ" in shown
    assert "1800000001: Nguyễn Thị Hà (6A1, sinh 05/01/2014)" in shown
    assert "1800000008: Nguyễn Thị Hà (6A1, sinh 19/02/2014)" in shown


def _store_update(engine, source: str, entity: str, key: str, payload: dict) -> None:
    with Session(engine) as session:
        upsert_snapshots(session, [SnapshotRecord(source, entity, key, 2, payload)], AT)
        session.commit()


def test_a_settlement_lapses_when_the_child_chosen_leaves_or_is_in_another_grade(tmp_path):
    """A settled link was applied before any other evidence and never checked again: a row keyed by
    class and name next year (another Nguyễn Thị Hà of 6A1), or the row of a child who left, stayed
    linked to the child chosen then, and her scores were compared with another child's."""
    from tests.reconciliation.test_gradebook_identity import vnedu_student

    engine = _store(tmp_path)
    (doubt,) = [d for d in reconcile_school(engine, SCHOOL_YEAR, today=TODAY).found if d.kind == "identity_doubt"]
    with Session(engine) as session:
        resolution.propose(session, doubt.id, "1800000008", "GV bộ môn xác nhận", GVCN, AT)
        session.commit()
    linked = reconcile_school(engine, SCHOOL_YEAR, today=TODAY)
    assert [d.keys["vnedu"] for d in linked.found if d.kind == "score_mismatch"] == ["1800000008"]
    # the Hà chosen moves to another school: the settlement lapses, the row is doubted again
    left = {**vnedu_student(*TWIN), "trang_thai": "Chuyển đi"}
    _store_update(engine, "vnedu", "hoc_sinh", "1800000008", left)
    after = reconcile_school(engine, SCHOOL_YEAR, today=TODAY)
    assert not [d for d in after.found if d.kind == "score_mismatch" and d.keys.get("vnedu") == "1800000008"]
    assert "theo xác nhận của giáo viên chủ nhiệm" not in after.matched
    assert _ids(after.found) == _ids(reconcile_school(engine, SCHOOL_YEAR, today=TODAY, full=True).found)
    # back, but in grade 7 (a year on): still not the 6A1 row's child
    _store_update(engine, "vnedu", "hoc_sinh", "1800000008", {**vnedu_student(*TWIN), "ma_lop": "7A1"})
    later = reconcile_school(engine, SCHOOL_YEAR, today=TODAY)
    assert "theo xác nhận của giáo viên chủ nhiệm" not in later.matched


def test_one_child_is_chosen_for_one_row_of_a_book(tmp_path):
    """Nothing stopped a teacher choosing the same child for two rows: both then claimed her, and
    both were doubts again at the next run, the answers lost."""
    engine = _store(tmp_path, row(6, "Nguyễn Thị Hà", ["9", "9"], "9", "9"))  # a second Hà, no birth date either
    doubts = [d for d in reconcile_school(engine, SCHOOL_YEAR, today=TODAY).found if d.kind == "identity_doubt"]
    assert len(doubts) == 2
    first, second = doubts
    with Session(engine) as session:
        resolution.propose(session, first.id, "1800000008", "sinh 19/02", GVCN, AT)
        session.commit()
    with Session(engine) as session:
        with pytest.raises(resolution.ResolutionError, match="Em này đã được chọn cho dòng «Nguyễn Thị Hà» \\(6A1\\)"):
            resolution.propose(session, second.id, "1800000008", "cũng sinh 19/02", GVCN, AT)
        resolution.propose(session, second.id, "1800000001", "sinh 05/01", GVCN, AT)
        session.commit()
    both = reconcile_school(engine, SCHOOL_YEAR, today=TODAY)
    assert not [d for d in both.found if d.kind == "identity_doubt"]
    assert "theo xác nhận của giáo viên chủ nhiệm: 2" in both.matched


def test_a_doubt_between_two_platforms_is_not_settled_by_choosing_a_code(tmp_path):
    """A vnEdu–CSDL doubt carries no candidates: its «choices» were the other platform's bare codes,
    accepted, and nothing linked (the doubt then sat «đã xử lý» for good)."""
    from lienthong.store.tables import DiscrepancyRow

    engine = _store(tmp_path)
    record = {
        "kind": "identity_doubt",
        "class": "6A1",
        "student": {"name": "Nguyễn Văn An", "keys": {"vnedu": "1800000002"}},
        "field": "hoc_sinh",
        "values": {"vnedu": "1800000002", "csdl": ["0790000101", "0790000102"]},
        "message": "…",
    }
    with Session(engine) as session:
        session.add(
            DiscrepancyRow(
                id="d0ub7",
                kind="identity_doubt",
                class_code="6A1",
                record=record,
                status="open",
                first_seen=AT,
                last_seen=AT,
            )
        )
        session.commit()
    with (
        Session(engine) as session,
        pytest.raises(resolution.ResolutionError, match="giữa hồ sơ của em trên hai hệ thống"),
    ):
        resolution.propose(session, "d0ub7", "0790000101", "theo CSDL", GVCN, AT)
