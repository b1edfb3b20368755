"""The store on SQLite and PostgreSQL: migrations, round trips, snapshots."""

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel, select

import lienthong.store.tables  # noqa: F401
from lienthong.mapping.canonical import ScoreSheet, Student
from lienthong.store import queries, tenancy
from lienthong.store.db import alembic_config, make_engine, migrate, own_schema_name, session_scope
from lienthong.store.repository import (
    SnapshotOutcome,
    SnapshotRecord,
    find_student_by_link,
    load_score_sheets,
    load_snapshots,
    load_student,
    save_score_sheet,
    save_student,
    upsert_snapshot,
)
from lienthong.store.tables import SourceSnapshotRow, StudentRow

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)


@pytest.fixture
def engine(database_url):
    migrate(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def make_student(**changes) -> Student:
    fields = dict(
        id="s1",
        full_name="Nguyễn Thị Hoà",
        birth_date=date(2012, 9, 5),
        gender="2",
        class_code="8A1",
        ministry_id="0123456789",
        personal_id="079212000123",
        links={"vnedu": "1800576647", "csdl": "0123456789"},
    )
    return Student(**{**fields, **changes})


def test_migrations_create_exactly_the_models(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": own_schema_name})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []
    assert "alembic_version" in sa.inspect(engine).get_table_names()


def test_migrate_twice_is_harmless(database_url, engine):
    migrate(database_url)
    with engine.connect() as conn:
        head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
        assert conn.execute(sa.text("select version_num from alembic_version")).scalar() == head


def test_student_round_trip_keeps_links_and_text(engine):
    student = make_student()
    with session_scope(engine) as session:
        save_student(session, student)
    with session_scope(engine) as session:
        assert load_student(session, "s1") == student
        assert find_student_by_link(session, "vnedu", "1800576647") == student
        row = session.get(StudentRow, "s1")
        assert row.name_key == "nguyên4 thi5 hoa2"  # folded key for matching


def test_relinking_replaces_only_that_platforms_key(engine):
    with session_scope(engine) as session:
        save_student(session, make_student())
    with session_scope(engine) as session:
        save_student(session, make_student(links={"vnedu": "1800000001", "csdl": "0123456789"}))
    with session_scope(engine) as session:
        assert find_student_by_link(session, "vnedu", "1800576647") is None
        assert load_student(session, "s1").links["vnedu"] == "1800000001"


def test_score_sheet_round_trip_is_exact(engine):
    sheets = [
        ScoreSheet(
            student_id="s1",
            subject_code="TOAN",
            school_year="2024-2025",
            semester="1",
            tx=["8,5", "7", None, "10"],
            gk="6,5",
            ck="9.9",
        ),
        ScoreSheet(
            student_id="s1", subject_code="GDTC", school_year="2024-2025", semester="1", tx=["Đ", "CĐ"], gk="Đ", ck=None
        ),
    ]
    with session_scope(engine) as session:
        save_student(session, make_student())
        for sheet in sheets:
            save_score_sheet(session, sheet)
    with session_scope(engine) as session:
        assert load_score_sheets(session, "s1", "2024-2025") == sorted(sheets, key=lambda s: s.subject_code)


def test_foreign_keys_are_enforced(engine):
    orphan = ScoreSheet(student_id="nobody", subject_code="TOAN", school_year="2024-2025", semester="1")
    with pytest.raises(sa.exc.IntegrityError):
        with session_scope(engine) as session:
            save_score_sheet(session, orphan)


def test_ministry_id_is_unique(engine):
    with session_scope(engine) as session:
        save_student(session, make_student())
    with pytest.raises(sa.exc.IntegrityError):
        with session_scope(engine) as session:
            save_student(session, make_student(id="s2", links={}))
    with session_scope(engine) as session:  # the failed transaction left nothing behind
        assert session.exec(select(StudentRow)).all()[0].id == "s1"
        assert len(session.exec(select(StudentRow)).all()) == 1


def test_snapshot_versions(engine):
    record = SnapshotRecord("vnedu", "student", "1800576647", 3, {"ho_ten": "Nguyễn Thị Hoà"})
    with session_scope(engine) as session:
        assert upsert_snapshot(session, record, T0) is SnapshotOutcome.NEW
    later = T0 + timedelta(minutes=30)
    with session_scope(engine) as session:
        assert upsert_snapshot(session, record, later) is SnapshotOutcome.UNCHANGED
        stale = SnapshotRecord("vnedu", "student", "1800576647", 2, {"ho_ten": "Cũ"})
        assert upsert_snapshot(session, stale, later) is SnapshotOutcome.STALE
        newer = SnapshotRecord("vnedu", "student", "1800576647", 4, {"ho_ten": "Nguyễn Thị Hòa"})
        assert upsert_snapshot(session, newer, later) is SnapshotOutcome.CHANGED
    with session_scope(engine) as session:
        [row] = load_snapshots(session, "vnedu", "student")
        assert (row.version, row.payload["ho_ten"]) == (4, "Nguyễn Thị Hòa")
        assert row.seen_at.replace(tzinfo=row.seen_at.tzinfo or timezone.utc) == later


def test_a_time_given_in_vietnam_time_reads_back_as_the_same_moment(engine):
    """A pull stamped 10:00 in Hà Nội (+07:00) is 03:00 UTC: shown as read at 17:00 it would tell a
    teacher the platform was read seven hours after it was. Both writers keep the instant."""
    from lienthong.store.plain import opened
    from lienthong.store.reconcile_queries import school_payloads
    from lienthong.store.records import store_snapshots
    from lienthong.store.snapshot_text import written

    hanoi = timezone(timedelta(hours=7))
    at = datetime(2026, 11, 23, 10, 0, tzinfo=hanoi)
    with session_scope(engine) as session:
        upsert_snapshot(session, SnapshotRecord("vnedu", "hoc_sinh", "a", 1, {}), at)
        store_snapshots(session, [written("csdl", "hoc_sinh", "b", 1, {})], at)
    with session_scope(engine) as session:
        for source in ("vnedu", "csdl"):
            [row] = load_snapshots(session, source, "hoc_sinh")
            assert row.seen_at.replace(tzinfo=row.seen_at.tzinfo or timezone.utc) == at
            with opened(session) as db:
                seen = school_payloads(db, {source: ("hoc_sinh",)})[source].seen_at
            assert seen.replace(tzinfo=seen.tzinfo or timezone.utc) == at


@pytest.mark.parametrize("writer", ["pull", "import"])
def test_when_a_source_was_last_read_moves_only_forward(engine, writer):
    """Both writers note the reading (`reconcile_queries.mark_read`, migration 0020): a record seen
    again unchanged is a reading; a page stamped earlier (a pull replayed, a clock behind) does not
    take the time back; another source keeps its own; a source whose records all went has none."""
    from lienthong.store.plain import opened
    from lienthong.store.reconcile_queries import last_seen
    from lienthong.store.records import store_snapshots
    from lienthong.store.snapshot_text import written

    def write(source: str, version: int, at: datetime) -> None:
        with session_scope(engine) as session:
            if writer == "pull":
                upsert_snapshot(session, SnapshotRecord(source, "hoc_sinh", "a", version, {"v": 1}), at)
            else:
                store_snapshots(session, [written(source, "hoc_sinh", "a", version, {"v": 1})], at)

    def seen() -> dict:
        with session_scope(engine) as session, opened(session) as db:
            found = last_seen(db, ["vnedu", "csdl"])
            assert found == queries.last_seen(session)  # the dashboard's reading, the same
            return {source: at.replace(tzinfo=at.tzinfo or timezone.utc) for source, at in found.items()}

    write("vnedu", 1, T0)
    write("vnedu", 1, T0 + timedelta(hours=2))  # seen again, unchanged
    assert seen() == {"vnedu": T0 + timedelta(hours=2)}
    write("vnedu", 2, T0 + timedelta(hours=1))  # stamped earlier
    write("csdl", 1, T0)
    assert seen() == {"vnedu": T0 + timedelta(hours=2), "csdl": T0}
    with engine.begin() as connection:  # every record of the CSDL gone (a purge): no reading, as before
        connection.execute(sa.delete(SourceSnapshotRow.__table__).where(SourceSnapshotRow.__table__.c.source == "csdl"))
    assert seen() == {"vnedu": T0 + timedelta(hours=2)}


def test_the_last_readings_are_kept_across_the_upgrade_that_drops_the_index(database_url):
    """Migration 0020 fills ``source_read`` from the records stored before it."""
    from lienthong.store.plain import opened
    from lienthong.store.reconcile_queries import last_seen

    migrate(database_url, "0019")
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            for source, at in (("vnedu", T0), ("vnedu", T0 + timedelta(minutes=5)), ("csdl", T0)):
                session.execute(
                    sa.insert(SourceSnapshotRow.__table__).values(
                        ma_truong=tenancy.require_school(session),
                        source=source,
                        entity="hoc_sinh",
                        key=at.isoformat(),
                        version=1,
                        content_hash="h",
                        payload={},
                        seen_at=at,
                    )
                )
        migrate(database_url)
        with session_scope(engine) as session, opened(session) as db:
            found = last_seen(db, ["vnedu", "csdl"])
        assert {s: at.replace(tzinfo=at.tzinfo or timezone.utc) for s, at in found.items()} == {
            "vnedu": T0 + timedelta(minutes=5),
            "csdl": T0,
        }
    finally:
        engine.dispose()


def test_rolled_back_transaction_writes_nothing(engine):
    with pytest.raises(RuntimeError):
        with session_scope(engine) as session:
            upsert_snapshot(session, SnapshotRecord("csdl", "student", "k", 1, {}), T0)
            raise RuntimeError("crash between the snapshot and the cursor")
    with session_scope(engine) as session:
        assert session.exec(select(SourceSnapshotRow)).all() == []


def test_sqlite_file_runs_in_wal_mode(tmp_path):
    url = f"sqlite:///{tmp_path / 'nested' / 'lt.db'}"
    migrate(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
