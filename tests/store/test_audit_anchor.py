"""The audit log anchored outside its table: an HMAC under the audit key on every entry and a
checkpoint file written after every append. Deleting the last entries, editing one, or
rewriting the chain and recomputing every hash after it are each found, naming the first
bad entry, on SQLite and on PostgreSQL; on PostgreSQL the application role can only append."""

import os
import stat
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, select

from lienthong.config.settings import Settings
from lienthong.store import audit
from lienthong.store.db import make_engine, migrate, session_scope
from lienthong.store.tables import AuditLogRow
from lienthong.store.tenancy import unscoped

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)
KEY = "khoa-kiem-toan-thu-nghiem"


@pytest.fixture
def marks(tmp_path):
    return tmp_path / "audit-checkpoints.log"


@pytest.fixture(autouse=True)
def unconfigured():
    """`configure` is process-wide: every test starts and ends without it."""
    audit.configure(None, None)
    yield
    audit.configure(None, None)


def fill(engine, marks, count=10, key=KEY):
    """``count`` entries, each committed on its own (as approvals are), so each gets its checkpoint."""
    for n in range(count):
        with session_scope(engine) as session:
            audit.append(
                session, "gvcn", "discrepancy_proposed", {"n": n}, T0 + timedelta(minutes=n), key=key, checkpoint=marks
            )


def found(engine, marks, key=KEY) -> list[str]:
    with Session(engine) as session:
        return audit.verify(session, key=key, checkpoint=marks)


def tamper(engine, edit) -> None:
    """Someone with write access to the database (but not the key) changes entries."""
    with session_scope(engine) as session:
        rows = list(session.exec(select(AuditLogRow).order_by(AuditLogRow.id)))
        edit(session, rows)


def recompute_from(session, rows, index, keep_hmac=True):
    """Re-chain every entry from ``rows[index]`` on, as the published algorithm does."""
    prev = rows[index - 1].hash if index else audit.GENESIS
    for row in rows[index:]:
        row.prev_hash = prev
        row.hash = audit._digest(prev, audit._aware(row.at), row.actor, row.action, row.detail)
        if not keep_hmac:
            row.hmac = None
        session.add(row)
        session.flush()
        prev = row.hash


def edit_detail(session, row) -> None:
    row.detail = {"n": 99, "ghi_chu": "đã sửa"}
    flag_modified(row, "detail")
    session.add(row)
    session.flush()


def test_an_intact_keyed_chain_verifies_clean(engine, marks):
    fill(engine, marks)
    with Session(engine) as session:
        report = audit.check(session, key=KEY, checkpoint=marks)
        assert [row.hmac is not None for row in session.exec(select(AuditLogRow))] == [True] * 10
    assert report.problems == [] and report.warnings == []
    assert len(marks.read_text().splitlines()) == 10
    assert stat.S_IMODE(os.stat(marks).st_mode) == 0o600


def test_deleting_the_last_three_entries_is_found(engine, marks):
    fill(engine, marks)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_log WHERE id > 7"))
    problems = found(engine, marks)
    assert problems[0].startswith("Các mục #8–#10: đã bị xoá khỏi cuối nhật ký")
    assert "nay còn 7 mục" in problems[0]


def test_deleted_entries_replaced_by_new_ones_are_found(engine, marks):
    """Delete the last three, then let the application append three more: same count, new hashes."""
    fill(engine, marks)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_log WHERE id > 7"))
    fill(engine, None, count=3)
    assert found(engine, marks)[0].startswith("Mục #8: khác với điểm kiểm tra")


def test_editing_a_middle_entry_is_found(engine, marks):
    fill(engine, marks)
    tamper(engine, lambda session, rows: edit_detail(session, rows[4]))
    assert found(engine, marks) == ["Mục #5: nội dung đã bị sửa sau khi ghi"]


def test_a_chain_recomputed_without_the_key_is_found(engine, marks):
    fill(engine, marks)

    def rewrite(session, rows):
        edit_detail(session, rows[4])
        recompute_from(session, rows, 4)

    tamper(engine, rewrite)
    by_key, by_marks = found(engine, None), found(engine, marks, key=None)
    assert by_key[0].startswith("Mục #5: mã HMAC không khớp") and "(6 mục sai)" in by_key[0]
    assert by_marks[0].startswith("Mục #5: khác với điểm kiểm tra")
    assert found(engine, None, key=None) == []  # neither anchor: the rewrite cannot be seen


def test_a_recomputed_chain_that_drops_its_hmacs_is_found(engine, marks):
    fill(engine, marks)

    def rewrite(session, rows):
        edit_detail(session, rows[4])
        recompute_from(session, rows, 4, keep_hmac=False)

    tamper(engine, rewrite)
    assert found(engine, None)[0].startswith("Mục #5: không có mã HMAC dù các mục trước có")


def test_a_gap_in_the_numbering_names_the_missing_entry(engine, marks):
    fill(engine, marks)

    def drop_and_rechain(session, rows):
        session.delete(rows[3])
        session.flush()
        recompute_from(session, rows[:3] + rows[4:], 3)

    tamper(engine, drop_and_rechain)
    assert found(engine, None, key=None) == ["Mục #4: đã bị xoá (số thứ tự nhảy sang #5)"]


def test_a_chain_without_a_key_is_a_warning_not_a_failure(engine, marks):
    fill(engine, marks, key=None)
    with Session(engine) as session:
        report = audit.check(session, key=None, checkpoint=marks)
        assert audit.verify(session) == []
    assert report.problems == []
    assert [w for w in report.warnings if "khoá kiểm toán" in w]
    assert '"hmac":null' in marks.read_text()


def test_a_rolled_back_append_leaves_no_checkpoint(engine, marks):
    fill(engine, marks, count=2)
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        audit.append(session, "gvcn", "discrepancy_approved", {}, T0, key=KEY, checkpoint=marks)
        raise RuntimeError("the approval failed after its audit entry")
    assert len(marks.read_text().splitlines()) == 2
    assert found(engine, marks) == []


def test_configured_once_it_serves_callers_that_pass_nothing(engine, marks, monkeypatch):
    monkeypatch.setenv("LIENTHONG_AUDIT_KEY", KEY)
    audit.configure_from(Settings(database_url="sqlite://", audit_checkpoint=marks))
    with session_scope(engine) as session:
        row = audit.append(session, "hieu_truong", "discrepancy_approved", {"id": "d1"}, T0)
    assert row.hmac == audit._mac(KEY.encode(), row.hash)
    assert len(marks.read_text().splitlines()) == 1
    with Session(engine) as session:
        assert audit.check(session).warnings == []
        session.connection().execute(sa.text("UPDATE audit_log SET hmac = NULL"))
        assert audit.verify(session)[0].startswith("Mục #1: khác với điểm kiểm tra")


def test_checkpoint_file_beside_sqlite_none_for_a_server(database_url, tmp_path):
    beside = audit.checkpoint_path(Settings(database_url=database_url))
    if database_url.startswith("sqlite"):
        assert beside == tmp_path / "audit-checkpoints.log"
    else:
        assert beside is None
    chosen = tmp_path / "elsewhere.log"
    assert audit.checkpoint_path(Settings(database_url=database_url, audit_checkpoint=chosen)) == chosen


@pytest.mark.postgres
def test_the_application_role_can_append_but_not_update_or_delete(postgres_url, marks):
    migrate(postgres_url)
    engine = make_engine(postgres_url)
    role = f"lt_app_{uuid.uuid4().hex[:10]}"  # roles are server-wide: one of our own
    admin = unscoped(engine)  # as the login role, not the application's (`store.tenancy`)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{role}" NOLOGIN'))
        for statement in audit.lock_down_sql(role):
            conn.execute(sa.text(statement))
    try:
        for n in range(2):
            with session_scope(engine) as session:
                session.connection().execute(sa.text(f'SET LOCAL ROLE "{role}"'))
                audit.append(session, "gvcn", "discrepancy_proposed", {"n": n}, T0, key=KEY, checkpoint=marks)
        for forbidden in ("UPDATE audit_log SET actor = 'ai_do'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), engine.begin() as conn:
                conn.execute(sa.text(f'SET LOCAL ROLE "{role}"'))
                conn.execute(sa.text(forbidden))
        assert found(engine, marks) == []
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP OWNED BY "{role}"'))
            conn.execute(sa.text(f'DROP ROLE "{role}"'))
        engine.dispose()
