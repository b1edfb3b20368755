"""The operations use cases the IT, principal and audit pages present (`sync.operations`): dead
letters sent again or given up with a reason, held runs released with a reason, health per platform,
credentials without their secrets, the portal's deadlines, the audit trail's verification, and
every export written to the audit log with its account."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from lienthong.config.settings import Settings
from lienthong.reconciliation import service as reconciliation_service
from lienthong.store import audit
from lienthong.store.tables import AuditLogRow, OutboxItemRow, SyncRunRow
from lienthong.sync import operations
from tests.dashboard.conftest import NOW, make_site, seed_school


def _clock():
    return NOW


def dead_letter(engine, platform: str = "vnedu", message: str = "Mã học sinh không tồn tại") -> int:
    with Session(engine) as session:
        item = OutboxItemRow(
            run_id=1,
            platform=platform,
            entity="diem",
            key="1800000009:TOAN:1",
            payload={"ddg_gk": "7"},
            kind="fill",
            status="dead",
            batch_key="b-1",
            attempts=3,
            message=message,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(item)
        session.commit()
        return item.id


def entries(engine, action: str) -> list[AuditLogRow]:
    with Session(engine) as session:
        return list(session.exec(select(AuditLogRow).where(AuditLogRow.action == action)))


def test_a_dead_letter_sent_again_goes_out_in_a_new_batch_and_the_reason_is_audited(sqlite_engine):
    site = make_site(sqlite_engine)
    item_id = dead_letter(sqlite_engine)
    item = operations.retry_dead_letter(
        sqlite_engine, item_id, "Đã sửa mã học sinh trên vnEdu", site.people["it"], _clock
    )
    assert item.status == "pending" and item.batch_key is None  # the next delivery batches it anew
    [entry] = entries(sqlite_engine, "dead_letter_retried")
    assert entry.actor == site.people["it"].ref and entry.detail["reason"] == "Đã sửa mã học sinh trên vnEdu"
    with pytest.raises(operations.OperationRefused, match="Không có mục bị từ chối"):  # not dead any more
        operations.retry_dead_letter(sqlite_engine, item_id, "lần nữa", site.people["it"], _clock)


def test_a_dead_letter_given_up_is_never_sent_and_needs_a_reason_and_an_operator(sqlite_engine):
    site = make_site(sqlite_engine)
    item_id = dead_letter(sqlite_engine)
    with pytest.raises(operations.OperationRefused, match="lý do"):
        operations.discard_dead_letter(sqlite_engine, item_id, "  ", site.people["principal"], _clock)
    with pytest.raises(operations.NotAllowed):
        operations.discard_dead_letter(sqlite_engine, item_id, "không cần", site.people["gvcn"], _clock)
    item = operations.discard_dead_letter(
        sqlite_engine, item_id, "Học sinh đã chuyển đi", site.people["principal"], _clock
    )
    assert item.status == "cancelled"
    assert operations.dead_letters(sqlite_engine) == []
    assert [e.detail["reason"] for e in entries(sqlite_engine, "dead_letter_discarded")] == ["Học sinh đã chuyển đi"]


def test_a_held_run_is_released_with_a_reason(sqlite_engine):
    site = make_site(sqlite_engine)
    with Session(sqlite_engine) as session:
        session.add(
            SyncRunRow(id=2, started_at=NOW, platforms="vnedu", mode="full", status="held", hold_reason="xoá 9 %")
        )
        session.flush()
        session.add(
            OutboxItemRow(
                run_id=2,
                platform="vnedu",
                entity="diem",
                key="k",
                payload={},
                kind="blank",
                status="held",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        session.commit()
    assert [(run.id, items) for run, items in operations.held_runs(sqlite_engine)] == [(2, 1)]
    with pytest.raises(operations.OperationRefused, match="lý do"):
        operations.approve_held_run(sqlite_engine, 2, "", site.people["it"], _clock)
    assert (
        operations.approve_held_run(sqlite_engine, 2, "Đã kiểm tra: lớp 9A1 ra trường", site.people["it"], _clock) == 1
    )
    assert operations.held_runs(sqlite_engine) == []
    [entry] = entries(sqlite_engine, "run_approval_reason")
    assert entry.detail == {"run": 2, "reason": "Đã kiểm tra: lớp 9A1 ra trường"}
    with pytest.raises(operations.OperationRefused, match="không ở trạng thái tạm giữ"):
        operations.approve_held_run(sqlite_engine, 2, "lần nữa", site.people["it"], _clock)


def test_health_per_platform_counts_waiting_pushes_and_dead_letters(sqlite_engine):
    make_site(sqlite_engine)  # two corrections await the principal on vnEdu
    dead_letter(sqlite_engine)
    with Session(sqlite_engine) as session:
        run = session.get(SyncRunRow, 1)
        run.finished_at = NOW - timedelta(minutes=30)
        session.commit()
    seed_school(sqlite_engine)
    settings = Settings(database_url=str(sqlite_engine.url))
    health = {h.platform: h for h in operations.platform_health(sqlite_engine, settings, NOW)}
    assert (health["vnedu"].waiting, health["vnedu"].dead) == (2, 1)
    assert health["vnedu"].last_success == NOW - timedelta(minutes=30)
    assert health["vnedu"].lag == timedelta(hours=2)  # read two hours ago
    assert health["csdl"].last_success is None and health["csdl"].waiting == 0


def test_credential_status_says_whether_a_secret_is_set_never_the_secret(monkeypatch):
    monkeypatch.setenv("LIENTHONG_VNEDU_CLIENT_SECRET", "bi-mat-rat-rieng")
    monkeypatch.delenv("LIENTHONG_CSDL_PASSWORD", raising=False)
    status = {c.platform: c for c in operations.credential_status(Settings())}
    assert status["vnedu"].secret_set and not status["csdl"].secret_set
    assert status["csdl"].setting == "LIENTHONG_CSDL_PASSWORD"
    assert "bi-mat-rat-rieng" not in repr(status)


def test_portal_requests_with_deadlines_and_the_on_time_rate(sqlite_engine):
    make_site(sqlite_engine)
    seed_school(sqlite_engine)
    portal = reconciliation_service.load_sources(sqlite_engine)["portal"]
    status = operations.portal_requests(sqlite_engine, portal, NOW)
    shown = {r.code: (r.on_time, r.overdue) for r in status.requests}
    # YC-10 sent on 4/11 (due 5/11): on time; YC-11 due 10/11, not submitted on 23/11: late; YC-12 not due yet
    assert shown == {"YC-10": (True, False), "YC-11": (False, True), "YC-12": (None, False)}
    assert (status.on_time, status.late, status.rate) == (1, 1, 50)


def test_the_audit_trail_marks_the_entry_an_sql_update_changed(sqlite_engine):
    site = make_site(sqlite_engine)
    for fmt in ("xlsx", "pdf", "xlsx", "pdf"):
        operations.log_export(sqlite_engine, site.people["principal"], "overview", fmt, {"classes": "all"}, NOW)
    trail = operations.audit_trail(sqlite_engine)
    assert trail.intact and trail.entries[0].action == "export"
    assert trail.entries[0].actor == site.people["principal"].ref
    target = trail.entries[2].id  # the second of four
    with sqlite_engine.begin() as connection:  # someone with the database file edits history
        connection.execute(sa.text("UPDATE audit_log SET actor = 'user:99:ke-gian' WHERE id = :id"), {"id": target})
    trail = operations.audit_trail(sqlite_engine)
    with Session(sqlite_engine) as session:
        assert list(trail.problems) == audit.verify(session)  # what `lienthong audit verify` says
    assert not trail.intact and trail.first_broken == target and target in trail.broken


def test_the_audit_trail_pages_newest_first_and_filters_by_action(sqlite_engine):
    site = make_site(sqlite_engine)
    for fmt in ("xlsx", "pdf"):
        operations.log_export(sqlite_engine, site.people["principal"], "overview", fmt, {}, NOW + timedelta(minutes=1))
    operations.log_export(sqlite_engine, site.people["it"], "reconciliation", "pdf", {}, NOW + timedelta(minutes=2))
    with Session(sqlite_engine) as session:
        audit.append(session, site.people["it"].ref, "logout", {"login": "it.an"}, NOW + timedelta(minutes=3))
        session.commit()
    exported = operations.audit_trail(sqlite_engine, action="export")
    assert exported.total == 3 and [e.detail["format"] for e in exported.entries] == ["pdf", "pdf", "xlsx"]
    first = operations.audit_trail(sqlite_engine, limit=3)
    assert len(first.entries) == 3 and first.total > 3
    assert first.entries[0].id > first.entries[-1].id


def test_lock_windows_say_which_are_open_now(sqlite_engine):
    settings = Settings(
        database_url=str(sqlite_engine.url),
        school_year="2026-2027",
        lock_windows=[
            {"semester": "1", "opens": "2026-09-05T00:00:00+07:00", "closes": "2027-01-10T23:59:00+07:00"},
            {"semester": "2", "opens": "2027-01-11T00:00:00+07:00", "closes": "2027-05-25T23:59:00+07:00"},
        ],
    )
    windows = operations.lock_windows(sqlite_engine, settings, datetime(2026, 11, 23, tzinfo=timezone.utc))
    assert [(w.platform, w.semester, w.kind, w.open_now) for w in windows] == [
        ("school", "1", "diem", True),
        ("school", "2", "diem", False),
    ]
