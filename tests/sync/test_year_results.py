"""Year results reach the CSDL only once the principal approved the class's results (Bình An 5.4,
Suối Ngô art. 7), against the CSDL simulator over real loopback SOAP: before the approval no write
reaches it and the run shows why the results wait; after, exactly the approved values, once each,
even when a source changed them after the approval."""

import asyncio

import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from lienthong.connectors.csdl.soap import CsdlConfig, CsdlSoap
from lienthong.connectors.http import RateLimiter, RetryPolicy
from lienthong.reconciliation import resolution, results
from lienthong.reconciliation.results import Where
from lienthong.store.tables import DiscrepancyRow, OutboxItemRow, SyncRunRow
from lienthong.sync.run import RunOptions, run_once
from tests.results_school import change, make_accounts, quick, store_school
from tests.sync.conftest import make_sims, pinned

VALUES = [  # learning, training, promotion, title, TOAN, VAN, GDTC
    ("T", "T", "LL", "G", "8.5", "8.0", "Đ"),
    ("CĐ", "Đ", "KTL", None, "4.5", "6.0", "CĐ"),
    ("Đ", "CĐ", "RLH", None, "6.0", "5.5", "Đ"),
]


def csdl(sims) -> CsdlSoap:
    config = CsdlConfig(
        sims.servers["csdl"].url + "/csdl", sims.school.ma_truong, "demo", SecretStr("demo"), "2026-2027", rate_limit=0
    )

    async def no_wait(_seconds):
        return None

    return CsdlSoap(
        config, policy=RetryPolicy(attempts=4, initial=0.001, maximum=0.01), sleep=no_wait, limiter=RateLimiter(0)
    )


def run(sims, engine, where: Where):
    async def go():
        async with csdl(sims) as api:
            return await run_once({"csdl": api}, engine, RunOptions(), pinned)

    return asyncio.run(go())


def result_writes(sims) -> dict[str, int]:
    return {k: v for k, v in sims.csdl.writes.as_dict()["by_key"].items() if k.startswith("ket_qua:")}


@pytest.fixture
def school(engine, monkeypatch):
    """Three students of one of the simulator's classes, with year results in the school's record
    (vnEdu) that the CSDL does not hold yet; the GVCN of that class and the principal."""
    quick(monkeypatch)
    sims = make_sims()
    sims.csdl.forced_locks[("2", "KETQUA")] = False  # the year's results window is open on the CSDL
    first = next(iter(sims.csdl.students.values()))
    class_code = first["MaLop"]
    mates = [s for s in sims.csdl.students.values() if s["MaLop"] == class_code][:3]
    pupils = [(f"18{i:08d}", s["HoTen"], class_code, s["MaDinhDanh"], VALUES[i]) for i, s in enumerate(mates)]
    store_school(engine, pupils, at=pinned())
    people = make_accounts(engine, gvcn_class=class_code)
    where = Where("2026-2027")
    try:
        yield sims, people, where, class_code, pupils
    finally:
        sims.stop()


def runs_table(engine, monkeypatch) -> str:
    from rich.console import Console

    from lienthong.cli.sync_commands import list_runs
    from lienthong.store import audit_chain

    monkeypatch.setattr(audit_chain, "_anchor", audit_chain._anchor)  # opening the store configures it: put back after
    monkeypatch.setenv("LIENTHONG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    console = Console(record=True, width=250, markup=False, highlight=False)
    assert list_runs(5, console=console) == 0
    return console.export_text()


def test_year_results_wait_for_the_approval_then_exactly_the_approved_values_go_out_once(engine, school, monkeypatch):
    sims, people, where, class_code, pupils = school
    before = run(sims, engine, where)
    assert result_writes(sims) == {}  # nothing reaches the CSDL before the approval
    assert before.year_results["waiting"] == {class_code: 3}
    with Session(engine) as session:
        waiting = session.exec(select(OutboxItemRow).where(OutboxItemRow.entity == "ket_qua")).all()
        assert [i.status for i in waiting] == ["awaiting_results"] * 3
        assert all(f"Chờ Hiệu trưởng duyệt kết quả cả năm lớp {class_code}" in i.message for i in waiting)
        summary = session.get(SyncRunRow, before.run_id).summary
        assert summary["year_results"]["waiting"] == {class_code: 3}
    shown = runs_table(engine, monkeypatch)  # what IT sees: the run and the queue say why
    assert f"kết quả cả năm chờ Hiệu trưởng duyệt: {class_code} (3)" in shown
    assert "kết quả cả năm chờ duyệt 3" in shown
    again = run(sims, engine, where)  # held, not dropped, not piled up
    assert result_writes(sims) == {} and again.year_results["planned"] == {"already_planned": 3}

    with Session(engine) as session:
        results.confirm(session, people["gvcn"], where, class_code, "CN", pinned())
        results.approve(session, people["principal"], where, class_code, "CN", pinned())
        session.commit()
    # a later pull changes one student's year result after the approval: the approved value goes out
    change(engine, pupils[1][0], "CN", 2, at=pinned(), kq_hoc_tap="Đ", len_lop="LL", pupils=pupils)

    after = run(sims, engine, where)
    mids = [p[3] for p in pupils]
    assert result_writes(sims) == {f"ket_qua:{mid}:CN": 1 for mid in mids}
    assert after.delivered["csdl"]["applied"] == 3
    held = {mid: sims.csdl.results[(mid, "CN")] for mid in mids}
    assert [(held[m]["KetQuaHocTap"], held[m]["KetQuaRenLuyen"], held[m]["LenLop"]) for m in mids] == [
        ("T", "T", "LL"),
        ("CĐ", "Đ", "KTL"),  # the approved values, not the source's later "Đ / LL"
        ("Đ", "CĐ", "RLH"),
    ]
    assert held[mids[0]]["DanhHieu"] == "G"
    assert {m["MaMon"]: m.get("DiemTB") or m.get("KetQuaDanhGia") for m in held[mids[1]]["Mon"]} == {
        "TOAN": "4.5",
        "VAN": "6.0",
        "GDTC": "CĐ",
    }
    with Session(engine) as session:
        statuses = [i.status for i in session.exec(select(OutboxItemRow).where(OutboxItemRow.entity == "ket_qua"))]
        assert sorted(statuses) == ["done"] * 3 + ["superseded"] * 3
        changed = session.exec(select(DiscrepancyRow).where(DiscrepancyRow.kind == "approved_result_changed")).one()
        assert changed.status == "open" and changed.class_code == class_code
    run(sims, engine, where)
    assert result_writes(sims) == {f"ket_qua:{mid}:CN": 1 for mid in mids}  # once each


def test_a_dry_run_plans_nothing_and_the_unapproved_results_never_go_out(engine, school):
    sims, people, where, class_code, _ = school
    with Session(engine) as session:
        results.confirm(session, people["gvcn"], where, class_code, "CN", pinned())  # confirmed, not approved
        session.commit()
    report = run(sims, engine, where)
    assert report.year_results["waiting"] == {class_code: 3} and result_writes(sims) == {}


def test_an_import_that_moves_approved_results_keeps_them_and_opens_a_discrepancy(sqlite_engine, monkeypatch):
    from datetime import date

    from lienthong.sync.file_import import Wanted, import_file
    from tests.connectors.test_vnedu_real_files import CN, clock, student, summary_sheet, xls

    def book(absences: tuple) -> bytes:
        pupils = [
            student(1, "Nguyễn Văn An", date(2014, 3, 12), "001214000123", absences=absences),
            student(2, "Trần Thị Bình", date(2014, 7, 5), "001214000456"),
        ]
        return xls({"6A1": summary_sheet("6A1", CN, "(Cả năm)", pupils)})

    quick(monkeypatch)
    first = import_file(sqlite_engine, "tonghop.xls", book((2, 1, 3)), None, Wanted("2025-2026"), None, "it", clock)
    assert first.error is None and first.notes == []
    people = make_accounts(sqlite_engine, gvcn_class="6A1")
    where = Where("2025-2026")
    with Session(sqlite_engine) as session:
        results.confirm(session, people["gvcn"], where, "6A1", "CN", clock())
        results.approve(session, people["principal"], where, "6A1", "CN", clock())
        session.commit()
    moved = import_file(sqlite_engine, "tonghop-2.xls", book((5, 4, 9)), None, Wanted("2025-2026"), None, "it", clock)
    assert moved.error is None
    assert [n.message for n in moved.notes] == [
        "Kết quả cả năm lớp 6A1 đã được duyệt nhưng dữ liệu nguồn đã thay đổi (1 học sinh); giá trị đã duyệt "
        "được giữ và không bị ghi đè. Hiệu trưởng mở lại kết quả (ghi lý do) để GVCN xác nhận giá trị mới, "
        "hoặc sửa lại nguồn."
    ]
    with Session(sqlite_engine) as session:
        kept = results.approved_contents(session, where, "CN")["6A1"]
        assert kept["absences"] == {"excused": 2, "unexcused": 1}  # the approved values, not the file's
        row = session.exec(select(DiscrepancyRow)).one()
        assert (row.kind, row.status, row.class_code) == ("approved_result_changed", "open", "6A1")
        with pytest.raises(resolution.NotAllowed, match="không sửa bằng đề xuất"):
            resolution.propose(session, row.id, "x", "y", people["gvcn"], clock())


def test_the_plan_drops_a_waiting_item_once_the_csdl_agrees_and_counts_students_without_an_id(
    sqlite_engine, monkeypatch
):
    from lienthong.mapping.csdl import confirmed_to_csdl
    from lienthong.store.repository import SnapshotRecord, upsert_snapshots
    from lienthong.sync.year_results import plan_year_results
    from tests.results_school import NOW, PUPILS, WHERE

    pupils = [*PUPILS[:3], ("1800000009", "Đỗ Hải Yến", "9A1", None, PUPILS[0][4])]  # no Mã định danh yet
    store_school(sqlite_engine, pupils)
    quick(monkeypatch)
    principal = make_accounts(sqlite_engine)["principal"]
    with Session(sqlite_engine) as session:
        session.add(SyncRunRow(id=1, started_at=NOW, platforms="csdl", mode="full", status="running"))
        first = plan_year_results(session, 1, WHERE, ["csdl"], NOW)
        assert first.as_json() == {"planned": {"waiting": 3, "no_ministry_id": 1}, "waiting": {"9A1": 3}}
        content = results.statuses(session, principal, WHERE, "9A1", "CN")[0].content
        same = confirmed_to_csdl(content["students"][0], "CN", 4, False)  # the CSDL now holds the same values
        upsert_snapshots(session, [SnapshotRecord("csdl", "ket_qua", f"{same['MaDinhDanh']}:CN", 4, same)], NOW)
        again = plan_year_results(session, 1, WHERE, ["csdl"], NOW)
        assert again.planned == {"unchanged": 1, "already_planned": 2, "no_ministry_id": 1}
        statuses = {i.key: i.status for i in session.exec(select(OutboxItemRow))}
        assert statuses[f"{same['MaDinhDanh']}:CN"] == "superseded"
