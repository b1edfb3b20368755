"""What the principal reads after approving a correction in a school that works from files alone
(no platform configured: `lienthong import`, then `lienthong reconcile`): nothing is sent, so no
"next sync" is promised; she is told what the school does instead. A school that syncs keeps its
wording (`tests/cli/test_roles.py`)."""

from __future__ import annotations

from sqlmodel import Session

from lienthong.store import accounts
from lienthong.store.tables import DiscrepancyRow
from tests.cli.test_roles import cli
from tests.dashboard.conftest import MINE, score
from tests.reconciliation.test_resolution import NOW, PASSWORD


def test_approving_in_a_file_only_school_says_what_happens_instead_of_a_sync(sqlite_engine, tmp_path):
    with Session(sqlite_engine) as session:  # a score difference found between imported files: no outbox
        session.add(score(MINE, "6A1", "1800000001", "Lê Văn Ánh", "tx0", "8,0", "7,0"))
        it = accounts.add_user(session, "it.an", "Lê Văn An", "it", PASSWORD, NOW)
        accounts.add_user(session, "gv.lan", "Nguyễn Thị Lan", "gvcn", PASSWORD, NOW, {"class": ["6A1"]}, by=it)
        accounts.add_user(session, "ht.minh", "Trần Văn Minh", "principal", PASSWORD, NOW, by=it)
        session.commit()
    proposed = cli(
        sqlite_engine, tmp_path, "--as", "gv.lan", "resolve", "propose", MINE, "--value", "8", "--reason", "bài gốc"
    )
    assert proposed.returncode == 0, proposed.stdout + proposed.stderr
    approved = cli(sqlite_engine, tmp_path, "--as", "ht.minh", "resolve", "approve", MINE)
    said = " ".join(approved.stdout.split())
    assert approved.returncode == 0, said + approved.stderr
    assert f"Đã duyệt khác biệt {MINE}." in said
    assert "đồng bộ" not in said  # no sync will ever send it
    assert "không có gì được gửi đi" in said and "nhập lại tệp" in said and "lienthong import" in said
    assert "lienthong export csdl-ketqua" in said  # the command that makes the CSDL's file
    with Session(sqlite_engine) as session:
        assert session.get(DiscrepancyRow, MINE).status == "approved"


def test_an_import_that_leaves_nothing_to_compare_promises_no_sync_to_a_file_only_school(sqlite_engine):
    from lienthong.config.settings import Settings, VneduSettings
    from lienthong.sync.findings import reconcile_stored

    files_only = Settings(database_url=str(sqlite_engine.url), school_year="2026-2027")
    said = reconcile_stored(files_only, sqlite_engine).said()  # what `lienthong import` and the upload page print
    assert said == (
        "Chưa đối chiếu được: chưa có học sinh, điểm hay kết quả nào để so sánh. "
        "Hãy nhập sổ điểm, danh sách học sinh hoặc kết quả học tập."
    )
    synced = files_only.model_copy(update={"vnedu": VneduSettings(base_url="https://vnedu.example", client_id="t")})
    assert reconcile_stored(synced, sqlite_engine).said().endswith("(hoặc chờ lần đồng bộ tới).")


def test_approving_a_held_run_in_a_file_only_school_promises_no_sync(sqlite_engine, tmp_path):
    from lienthong.store.tables import OutboxItemRow, SyncRunRow

    with Session(sqlite_engine) as session:  # held while the school synced; its connections since removed
        session.add(SyncRunRow(id=1, started_at=NOW, platforms="vnedu", mode="full", status="held"))
        session.flush()
        session.add(
            OutboxItemRow(
                run_id=1,
                platform="vnedu",
                entity="diem",
                key="1800000001:TOAN:1",
                payload={},
                kind="correction",
                status="held",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        accounts.add_user(session, "it.an", "Lê Văn An", "it", PASSWORD, NOW)
        session.commit()
    approved = cli(sqlite_engine, tmp_path, "--as", "it.an", "approve-run", "1")
    said = " ".join(approved.stdout.split())
    assert approved.returncode == 0, said + approved.stderr
    assert said.startswith("Đã duyệt lần chạy #1: 1 thay đổi được đưa vào hàng đợi gửi")
    assert "chưa kết nối hệ thống nào" in said and "sẽ được gửi ở lần đồng bộ tới" not in said
