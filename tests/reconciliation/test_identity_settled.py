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


def _store(tmp_path) -> object:
    url = f"sqlite:///{tmp_path / 'truong.db'}"
    migrate(url)
    engine = make_engine(url)
    sheets = dict(vnedu_sheet(s[0], ["8", "7"], "9", "8") for s in STUDENTS)
    stored = {
        # the teacher's book names Hà without a birth date: two Hà in 6A1, and her GK (5) is not vnEdu's (9)
        "gradebook": book(row(4, "Nguyễn Thị Hà", ["8", "7"], "5", "8"), row(5, "Trần Văn Bình", ["8", "7"], "9", "8")),
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
