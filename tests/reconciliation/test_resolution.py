"""Resolving discrepancies against the simulators: a score correction reaches vnEdu only after the
homeroom teacher proposed it and the principal (someone else) approved it (Suối Ngô, art. 9);
every step is in the hash-chained audit log; a difference closes itself when the sources agree."""

import asyncio
import subprocess
from datetime import datetime, timezone

import pytest
from sqlmodel import Session, select

from lienthong.mapping.normalize import parse_score
from lienthong.reconciliation import resolution
from lienthong.reconciliation.compare import reconcile
from lienthong.reconciliation.register import record
from lienthong.reconciliation.service import load_sources
from lienthong.store import accounts, audit
from lienthong.store.tables import AuditLogRow, DiscrepancyRow, OutboxItemRow
from lienthong.sync.run import RunOptions, run_once
from tests.cli.test_assess_cli import lienthong
from tests.sync.conftest import SUBJECTS, import_books, make_sims, pinned, vnedu

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=timezone.utc)


def sync(sims, engine):
    async def go():
        async with vnedu(sims) as api:
            return await run_once({"vnedu": api}, engine, RunOptions(), pinned)

    return asyncio.run(go())


def register(engine) -> dict[str, DiscrepancyRow]:
    sources = load_sources(engine)
    found = reconcile(sources, "2026-2027", None, pinned().date())
    with Session(engine) as session:
        record(session, found, NOW, None, sources["vnedu"].teachers)
        session.commit()
        return {row.id: row for row in session.exec(select(DiscrepancyRow))}


def vnedu_value(sims, record: dict):
    sheet = sims.vnedu.scores[(record["student"]["keys"]["vnedu"], record["subject"], "1")]
    cell = record["field"]
    value = sheet["ddg_tx"][int(cell[2:])] if cell.startswith("tx") else sheet[f"ddg_{cell}"]
    return None if value is None else value.replace(".", ",")


def waiting(engine, key: str) -> list[str]:
    with Session(engine) as session:
        return [
            i.status
            for i in session.exec(select(OutboxItemRow).where(OutboxItemRow.key == key, OutboxItemRow.entity == "diem"))
        ]


PASSWORD = "mat-khau-dai-1"


def people(engine, classes) -> tuple:
    """IT (the first account), then the homeroom teacher of ``classes`` and the principal, added by IT."""
    with Session(engine) as session:
        it = accounts.add_user(session, "it.an", "Lê Văn An", "it", PASSWORD, NOW)
        teacher = accounts.add_user(
            session, "gv.lan", "Nguyễn Thị Lan", "gvcn", PASSWORD, NOW, {"class": sorted(classes)}, by=it
        )
        principal = accounts.add_user(session, "ht.minh", "Trần Văn Minh", "principal", PASSWORD, NOW, by=it)
        session.commit()
    return teacher, principal


@pytest.fixture
def school(engine):
    sims = make_sims(score_typo=0.15)
    import_books(engine, sims)
    sync(sims, engine)  # corrections planned, waiting for the principal
    yield sims
    sims.stop()


def test_a_correction_goes_out_only_after_the_principal_approves_and_then_the_difference_closes(engine, school):
    rows = register(engine)
    typos = [r for r in rows.values() if r.kind == "score_mismatch" and r.record["subject"] in SUBJECTS]
    assert len(typos) >= 3 and all(r.assignee and "(GV" in r.assignee for r in typos)  # the class's GVCN
    first, second, third = typos[:3]
    key = f"{first.record['student']['keys']['vnedu']}:{first.record['subject']}:1"
    assert waiting(engine, key) == ["awaiting_approval"]
    writes_before = school.vnedu.writes.as_dict()["total"]

    teacher, principal = people(engine, {first.class_code, second.class_code, third.class_code})
    url = str(engine.url)
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "200", "LIENTHONG_SCHOOL_YEAR": "2026-2027"}

    def resolve(login: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*lienthong(), "--db", url, "--as", login, "resolve", *args],
            capture_output=True,
            text=True,
            env=env,
            input=PASSWORD + "\n",
            timeout=120,
        )

    right = first.record["values"]["gradebook"]
    proposed = resolve("gv.lan", "propose", first.id, "--value", right, "--reason", "đối chiếu bài kiểm tra gốc")
    assert proposed.returncode == 0 and "chờ Hiệu trưởng duyệt" in proposed.stdout, proposed.stdout
    own = resolve("gv.lan", "approve", first.id)
    assert own.returncode == 4 and "không có quyền duyệt" in own.stdout  # a GVCN approves nothing
    sync(school, engine)
    assert waiting(engine, key) == ["awaiting_approval"]  # nothing left before the approval
    assert school.vnedu.writes.as_dict()["total"] == writes_before
    approved = resolve("ht.minh", "approve", first.id)
    assert approved.returncode == 0 and "1 thay đổi sẽ được gửi" in approved.stdout, approved.stdout

    # a value other than the gradebook's: the gradebook is wrong, nothing is pushed
    with Session(engine) as session:
        resolution.propose(session, second.id, "10", "giáo viên nhập nhầm cả sổ điểm", teacher, NOW)
        assert resolution.approve(session, second.id, principal, NOW) == 0
        resolution.propose(session, third.id, third.record["values"]["gradebook"], "nhập nhầm", teacher, NOW)
        resolution.reject(session, third.id, principal, "cần xem lại bài kiểm tra", NOW)
        session.commit()
    second_key = f"{second.record['student']['keys']['vnedu']}:{second.record['subject']}:1"
    assert waiting(engine, second_key) == ["cancelled"]

    sync(school, engine)
    assert school.vnedu.writes.as_dict()["total"] == writes_before + 1
    assert parse_score(vnedu_value(school, first.record)) == parse_score(right)
    after = register(engine)
    assert after[first.id].status == "closed"  # the sources agree: it closed itself
    assert after[second.id].status == "approved" and after[third.id].status == "open"
    shown = subprocess.run(
        [*lienthong(), "--db", url, "resolve", "show", first.id], capture_output=True, text=True, env=env, timeout=120
    )
    assert "GVCN đề xuất" in shown.stdout and "Hiệu trưởng duyệt" in shown.stdout and "gv.lan" in shown.stdout
    with Session(engine) as session:
        assert audit.verify(session) == []
        actions = [a.action for a in session.exec(select(AuditLogRow))]
    assert actions.count("discrepancy_proposed") == 3 and actions.count("discrepancy_approved") == 2
    assert actions.count("discrepancy_rejected") == 1


def test_bad_proposals_are_refused_in_vietnamese_and_write_nothing(engine, school):
    rows = register(engine)
    typo = next(r for r in rows.values() if r.kind == "score_mismatch")
    teacher, principal = people(engine, {typo.class_code})
    with Session(engine) as session:
        with pytest.raises(resolution.ResolutionError, match="từ 0 đến 10"):
            resolution.propose(session, typo.id, "11", "nhầm", teacher, NOW)
        with pytest.raises(resolution.ResolutionError, match="lý do"):
            resolution.propose(session, typo.id, "7", " ", teacher, NOW)
        with pytest.raises(resolution.NotAllowed, match="Chưa có đề xuất"):
            resolution.approve(session, typo.id, principal, NOW)
        with pytest.raises(resolution.ResolutionError, match="Không có khác biệt"):
            resolution.propose(session, "0000000000000000", "7", "nhầm", teacher, NOW)
    with Session(engine) as session:
        assert session.get(DiscrepancyRow, typo.id).status == "open"
        assert not [a for a in session.exec(select(AuditLogRow)) if a.action.startswith("discrepancy_")]
