"""The sync engine end to end against the simulators: fills, approvals, dry runs, holds, locks, faults."""

import asyncio
import io
from collections import Counter

from openpyxl import load_workbook
from sqlmodel import Session, select

from lienthong.simulators.faults import PROFILES
from lienthong.store import audit
from lienthong.store.tables import AuditLogRow, OutboxItemRow, SyncRunRow
from lienthong.sync.run import RunOptions, approve_run, run_once
from tests.sync.conftest import SUBJECTS, import_books, make_sims, pinned, vnedu


def run(sims, engine, **options):
    async def go():
        async with vnedu(sims) as api:
            return await run_once({"vnedu": api}, engine, RunOptions(**options), pinned)

    return asyncio.run(go())


def missing_cells(sims) -> list:
    return [d for d in sims.data.differences if d.kind == "score_missing" and d.field.split(".")[1] in SUBJECTS]


def test_missing_scores_are_filled_once_and_corrections_wait_for_the_principal(engine):
    sims = make_sims(score_missing=0.3, score_typo=0.1)
    try:
        import_books(engine, sims)
        first = run(sims, engine)
        fills = missing_cells(sims)
        assert first.status == "completed" and first.delivered["vnedu"]["applied"] == len(fills) > 10
        writes = sims.vnedu.writes.as_dict()
        assert writes["total"] == len(fills) and set(writes["by_key"].values()) == {1}
        for diff in fills:  # vnEdu now holds the gradebook's value
            _, subject, semester, cell = diff.field.split(".")
            student = next(s for s in sims.school.students if s.key == diff.student)
            sheet = sims.vnedu.scores[(student.vnedu_id, subject, "1")]
            value = sheet["ddg_tx"][int(cell[7])] if cell.startswith("ddg_tx") else sheet[cell]
            assert value.replace(",", ".") == diff.values["gradebook"].replace(",", ".")
        typos = [d for d in sims.data.differences if d.kind == "score_typo" and d.field.split(".")[1] in SUBJECTS]
        with Session(engine) as session:
            waiting = session.exec(select(OutboxItemRow).where(OutboxItemRow.status == "awaiting_approval")).all()
        assert len(waiting) == len(typos) > 0  # Suoi Ngo art. 9: not sent without the principal
        again = run(sims, engine)
        assert again.planned.get("fill", 0) == 0 and sims.vnedu.writes.as_dict()["total"] == len(fills)
    finally:
        sims.stop()


def test_dry_run_shows_the_plan_and_writes_nothing(engine):
    sims = make_sims(score_missing=0.3)
    try:
        import_books(engine, sims)
        with Session(engine) as session:
            audit_before = len(session.exec(select(AuditLogRow)).all())
        report = run(sims, engine, dry_run=True)
        assert report.plan and all(c.kind == "fill" for c in report.plan)
        assert sims.vnedu.writes.as_dict()["total"] == 0
        with Session(engine) as session:
            assert session.exec(select(SyncRunRow)).all() == []
            assert session.exec(select(OutboxItemRow)).all() == []
            assert len(session.exec(select(AuditLogRow)).all()) == audit_before
    finally:
        sims.stop()


def blank_class(class_code):
    """A gradebook in which a whole class's scores are missing (the kind of accident a hold catches)."""

    def edit(subject, data):
        if subject != "TOAN":
            return data
        book = load_workbook(io.BytesIO(data))
        sheet = book[class_code]
        for row in sheet.iter_rows(min_row=8):
            for cell in row[4:10]:  # TX1…TX4, GK, CK
                cell.value = None
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    return edit


def test_a_mass_blanking_is_held_until_an_administrator_approves(engine):
    sims = make_sims()
    try:
        import_books(engine, sims, edit=blank_class("6A1"))
        held = run(sims, engine)
        assert held.status == "held" and "6A1" in held.hold_reason
        assert sims.vnedu.writes.as_dict()["total"] == 0
        with Session(engine) as session:
            run_row = session.get(SyncRunRow, held.run_id)
            assert run_row.status == "held" and run_row.hold_reason
        released = approve_run(engine, held.run_id, "quan-tri", pinned)
        class_size = sum(1 for s in sims.school.students if s.class_code == "6A1")
        assert released == class_size
        after = run(sims, engine)
        assert after.delivered["vnedu"]["applied"] == class_size
        assert all(
            sheet["ddg_gk"] is None and sheet["ddg_ck"] is None and sheet["ddg_tx"] == []
            for (sid, mon, hk), sheet in sims.vnedu.scores.items()
            if mon == "TOAN" and sims.vnedu.students.get(sid, {}).get("ma_lop") == "6A1"
        )
        with Session(engine) as session:
            actions = [row.action for row in session.exec(select(AuditLogRow))]
            assert "run_held" in actions and "run_approved" in actions
            assert audit.verify(session) == []
    finally:
        sims.stop()


def test_a_closed_window_keeps_changes_waiting_until_it_opens(engine):
    sims = make_sims(score_missing=0.3)
    try:
        import_books(engine, sims)
        sims.vnedu.forced_locks[(1, "diem")] = True
        waiting = run(sims, engine)
        assert waiting.waiting_window == len(missing_cells(sims)) > 0
        assert sims.vnedu.writes.as_dict()["total"] == 0
        sims.vnedu.forced_locks[(1, "diem")] = None
        opened = run(sims, engine)
        assert opened.delivered["vnedu"]["applied"] == len(missing_cells(sims))
        assert sims.vnedu.writes.as_dict()["total"] == len(missing_cells(sims))
    finally:
        sims.stop()


def vnedu_scores(sims) -> dict:
    return {k: (v["ddg_tx"], v["ddg_gk"], v["ddg_ck"]) for k, v in sims.vnedu.scores.items()}


def test_a_flaky_platform_converges_to_the_same_end_state(tmp_path):
    from lienthong.store.db import make_engine, migrate

    ends = []
    for profile in ("none", "flaky"):
        url = f"sqlite:///{tmp_path / f'{profile}.db'}"
        migrate(url)
        engine = make_engine(url)
        sims = make_sims(score_missing=0.3)
        try:
            import_books(engine, sims)
            sims.set_faults(PROFILES[profile])
            for _ in range(15):
                report = run(sims, engine)
                with Session(engine) as session:
                    left = session.exec(select(OutboxItemRow).where(OutboxItemRow.status == "pending")).all()
                if not left and not report.errors:
                    break
            sims.set_faults(PROFILES["none"])
            ends.append((vnedu_scores(sims), Counter(sims.vnedu.writes.counts.values())))
        finally:
            sims.stop()
            engine.dispose()
    assert ends[0][0] == ends[1][0]
    assert set(ends[1][1]) == {1}  # every change applied exactly once, however often it was sent


def test_the_schools_own_window_is_enforced_even_when_the_platform_is_open(engine):
    from datetime import timedelta

    from lienthong.mapping.canonical import LockWindow

    sims = make_sims(score_missing=0.3)
    try:
        import_books(engine, sims)
        closed_yesterday = LockWindow(
            platform="school",
            school_year="2026-2027",
            semester="1",
            kind="diem",
            opens_at=pinned() - timedelta(days=60),
            closes_at=pinned() - timedelta(days=1),
            locked=False,
        )
        waiting = run(sims, engine, school_windows=[closed_yesterday])
        assert waiting.waiting_window > 0 and sims.vnedu.writes.as_dict()["total"] == 0
        reopened = LockWindow(**{**closed_yesterday.model_dump(), "closes_at": pinned() + timedelta(days=1)})
        opened = run(sims, engine, school_windows=[reopened])
        assert opened.delivered["vnedu"]["applied"] == waiting.waiting_window
    finally:
        sims.stop()


def test_changing_many_results_of_a_closed_semester_is_held():
    from lienthong.sync.run import hold_reason

    assert hold_reason([], Counter(), 0.05, closed_changes=21, max_closed=20).startswith("Kế hoạch thay đổi 21")
    assert hold_reason([], Counter(), 0.05, closed_changes=20, max_closed=20) == ""


def test_runs_command_shows_history_and_the_queue(tmp_path):
    import subprocess

    from lienthong.store.db import make_engine, migrate
    from tests.cli.test_assess_cli import lienthong

    url = f"sqlite:///{tmp_path / 'runs.db'}"
    migrate(url)
    engine = make_engine(url)
    sims = make_sims(score_missing=0.2, score_typo=0.1)
    try:
        import_books(engine, sims)
        report = run(sims, engine)
    finally:
        sims.stop()
    done = subprocess.run(
        [*lienthong(), "runs"],
        capture_output=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "LIENTHONG_DATABASE_URL": url, "COLUMNS": "200"},
    )
    out = done.stdout.decode()
    assert done.returncode == 0 and "hoàn tất" in out
    assert f"chờ Hiệu trưởng duyệt {report.planned['correction']}" in out
