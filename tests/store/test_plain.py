"""The reconciliation's plain statements (`store.plain`, `store.reconcile_queries`) keep rows exactly
as the ORM does: what one writes, the other reads back the same (times to the microsecond, JSON
with its types), on SQLite and PostgreSQL, scoped to one school; and a SQLite store is opened
plainly only when it is ready as it is."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from lienthong.reconciliation.discrepancy import Discrepancy
from lienthong.reconciliation.register import record
from lienthong.store import plain, reconcile_queries, tenancy
from lienthong.store.db import StoreDamaged, StoreMissing, make_engine, migrate
from lienthong.store.tables import DiscrepancyRow
from tests.store.test_tenancy import register as registry_add

HANOI = timezone(timedelta(hours=7))
T0 = datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=HANOI)


def _found(n: int, class_code: str = "6A1") -> list[Discrepancy]:
    return [
        Discrepancy(
            kind="score_mismatch",
            student_name="Nguyễn Thị Ánh",
            keys={"vnedu": f"HS{i}"},
            class_code=class_code,
            field="diem",
            values={"vnedu": "7,5", "gradebook": "5"},  # a number-like text stays text
            message=f"Điểm khác nhau {i}",
            suggestion="Kiểm tra sổ điểm",
        )
        for i in range(n)
    ]


def _orm_rows(engine) -> dict[str, DiscrepancyRow]:
    with Session(engine) as session:
        return {row.id: row for row in session.exec(select(DiscrepancyRow))}


def test_what_the_register_writes_plainly_the_orm_reads_as_it_wrote_it(engine):
    found = _found(3)
    assert record(engine, found, T0) == {"new": 3}
    rows = _orm_rows(engine)
    assert sorted(rows) == sorted(d.id for d in found)
    for d in found:
        row = rows[d.id]
        assert row.record == d.as_json() and row.record["values"]["gradebook"] == "5"
        assert row.status == "open" and row.closed_at is None
        assert row.first_seen.replace(tzinfo=row.first_seen.tzinfo or timezone.utc) == T0  # to the microsecond
    # seen again, one gone (closed), then back (reopened): as the ORM version counted them
    later = T0 + timedelta(hours=1)
    assert record(engine, found[1:], later) == {"seen": 2, "closed": 1}
    rows = _orm_rows(engine)
    assert rows[found[0].id].status == "closed" and rows[found[0].id].closed_at is not None
    assert rows[found[1].id].last_seen.replace(tzinfo=rows[found[1].id].last_seen.tzinfo or timezone.utc) == later
    assert record(engine, found, later + timedelta(hours=1), assignees={"6A1": "Cô Lan"}) == {"seen": 2, "reopened": 1}
    rows = _orm_rows(engine)
    assert {row.status for row in rows.values()} == {"open"} and {row.assignee for row in rows.values()} == {"Cô Lan"}


def test_a_status_a_person_set_is_kept_when_the_difference_is_seen_again(engine):
    found = _found(1)
    record(engine, found, T0)
    with Session(engine) as session:
        row = session.exec(select(DiscrepancyRow)).one()
        row.status = "proposed"  # a GVCN proposed a correction
        session.add(row)
        session.commit()
    assert record(engine, found, T0 + timedelta(hours=1), assignees={"6A1": "Cô Lan"}) == {"seen": 1}
    [row] = _orm_rows(engine).values()
    assert row.status == "proposed" and row.assignee == "Cô Lan"


def test_rows_the_orm_wrote_read_back_plainly_with_their_times(engine):
    with Session(engine) as session:
        session.add(
            DiscrepancyRow(
                id="d1",
                kind="bio_mismatch",
                class_code="7A2",
                record={"message": "Ngày sinh khác", "n": 5},
                status="open",
                first_seen=T0,
                last_seen=T0,
            )
        )
        session.commit()
    with plain.opened(engine) as db:
        [row] = reconcile_queries.discrepancies(db).values()
        assert row.record == {"message": "Ngày sinh khác", "n": 5} and row.class_code == "7A2"
        assert reconcile_queries.discrepancies(db, {"6A1"}) == {} and reconcile_queries.discrepancies(db, set()) == {}


def test_each_school_s_plain_connection_sees_its_own_register_only(engine):
    for school in ("79000701", "79000702"):
        registry_add(engine, school, f"Trường {school}")
    record(tenancy.for_school(engine, "79000701"), _found(2), T0)
    record(tenancy.for_school(engine, "79000702"), _found(1, "9A9"), T0)
    with plain.opened(tenancy.for_school(engine, "79000702")) as db:
        seen = reconcile_queries.discrepancies(db)
    assert [row.class_code for row in seen.values()] == ["9A9"]


# --- opening a SQLite store plainly ----------------------------------------------------------


def test_a_store_at_the_head_is_opened_plainly_and_one_behind_is_left_to_the_migrations(tmp_path):
    url = f"sqlite:///{tmp_path / 'truong.db'}"
    migrate(url)
    db = plain.open_sqlite(url, None)
    try:
        assert db.school == tenancy.UNNAMED and not db.postgresql
        assert db.rows("PRAGMA synchronous") == [(1,)]  # NORMAL, for this connection only
    finally:
        plain.close(db)
    old = f"sqlite:///{tmp_path / 'cu.db'}"
    migrate(old, "0010")
    with pytest.raises(plain.NotPlain):
        plain.open_sqlite(old, None)


def test_a_school_the_store_does_not_know_yet_is_registered_by_the_full_open(tmp_path):
    url = f"sqlite:///{tmp_path / 'truong.db'}"
    migrate(url)
    with pytest.raises(plain.NotPlain):
        plain.open_sqlite(url, "79000701")
    registry_add(make_engine(url), "79000701", "Trường A")
    db = plain.open_sqlite(url, "79000701")
    try:
        assert db.school == "79000701"
    finally:
        plain.close(db)


def test_a_missing_or_damaged_file_is_refused_as_before(tmp_path):
    with pytest.raises(StoreMissing):
        plain.open_sqlite(f"sqlite:///{tmp_path / 'khong-co.db'}", None)
    broken = tmp_path / "hong.db"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x07" * 4096)
    with pytest.raises(StoreDamaged):
        plain.open_sqlite(f"sqlite:///{broken}", None)
    with pytest.raises(plain.NotPlain):
        plain.open_sqlite(f"sqlite:///{tmp_path / 'x.db'}?mode=ro", None)  # a URL with options: the full open


def test_a_check_begun_ahead_refuses_as_the_check_itself(tmp_path):
    """`lienthong reconcile` begins SQLite's check in a thread while its code loads: the store is
    opened only after it, and what it finds is raised as before."""
    from lienthong.store.location import check_store_ahead

    missing, broken = f"sqlite:///{tmp_path / 'khong-co.db'}", tmp_path / "hong.db"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x07" * 4096)
    with pytest.raises(StoreMissing):
        plain.open_sqlite(missing, None, check_store_ahead(missing))
    with pytest.raises(StoreDamaged):
        plain.open_sqlite(f"sqlite:///{broken}", None, check_store_ahead(f"sqlite:///{broken}"))
    assert not (tmp_path / "khong-co.db").exists()


# --- what a reconciliation asks of the configuration ----------------------------------------------


def test_scores_are_pushed_only_where_a_target_platform_is_configured():
    from lienthong.config.settings import Settings
    from lienthong.reconciliation.service import scores_pushed

    files_only = Settings(database_url="sqlite://")
    assert files_only.configured_platforms() == [] and scores_pushed(files_only) is False
    with_vnedu = Settings(database_url="sqlite://", vnedu={"base_url": "https://vnedu.example", "client_id": "c"})
    assert with_vnedu.configured_platforms() == ["vnedu"] and scores_pushed(with_vnedu) is True  # gradebook → vnEdu
    other_target = Settings(
        database_url="sqlite://",
        vnedu={"base_url": "https://vnedu.example", "client_id": "c"},
        authority={"scores": {"owner": "gradebook", "targets": ["csdl"]}},
    )
    assert scores_pushed(other_target) is False  # CSDL is not configured here


def test_the_log_is_copied_into_the_file_while_the_command_goes_on_and_nothing_is_lost(tmp_path):
    url = f"sqlite:///{tmp_path / 'truong.db'}"
    migrate(url)

    def in_the_file() -> int:  # the rows the database file itself holds, its log left aside
        with closing(sqlite3.connect(f"file:{tmp_path / 'truong.db'}?immutable=1", uri=True)) as file:
            found = file.execute("SELECT count(*) FROM sqlite_master WHERE name = 'chep'").fetchone()[0]
            return file.execute("SELECT count(*) FROM chep").fetchone()[0] if found else -1

    db = plain.open_sqlite(url, None)
    try:
        db.connection.execute("CREATE TABLE chep (n INTEGER)")
        db.connection.executemany("INSERT INTO chep VALUES (?)", [(n,) for n in range(20000)])
        db.connection.commit()
        assert in_the_file() == -1  # still in the log only
        wait = plain.checkpoint_meanwhile(db)
        db.connection.execute("INSERT INTO chep VALUES (-1)")  # the command goes on writing meanwhile
        db.connection.commit()
        wait()
        assert in_the_file() >= 20000  # copied by the thread, before the close
    finally:
        plain.close(db)
    with closing(sqlite3.connect(tmp_path / "truong.db")) as again:
        assert again.execute("SELECT count(*), min(n) FROM chep").fetchone() == (20001, -1)
