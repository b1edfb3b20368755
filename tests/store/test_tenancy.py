"""Two schools in one store: each scope sees and writes its own rows only (SQLite and PostgreSQL),
row-level security backs a forgotten filter on PostgreSQL, each school has its own audit chain,
and a one-school store at 0008 is migrated with its school's code."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from lienthong.config.settings import Settings
from lienthong.mapping.canonical import ScoreSheet, Student
from lienthong.store import access, audit, queries, reconcile_queries, repository, tenancy
from lienthong.store import schools as registry
from lienthong.store.accounts import Actor
from lienthong.store.db import make_engine, migrate, session_scope
from lienthong.store.plain import opened
from lienthong.store.records import store_snapshots
from lienthong.store.repository import SnapshotRecord
from lienthong.store.snapshot_text import written
from lienthong.store.tables import (
    AuditLogRow,
    DiscrepancyRow,
    SchoolRow,
    StudentLinkRow,
    StudentRow,
    SyncCursorRow,
    SyncRunRow,
    TeacherRow,
)

A, B = "79000001", "79000002"
T0 = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)
KEY = "khoa-kiem-toan-thu"
PRINCIPAL = Actor(1, "ht", "Hiệu trưởng", "principal")


def student(school: str) -> Student:
    """The same student id, class code and platform keys in both schools; a different person."""
    return Student(
        id="s1",
        full_name="Nguyễn Văn An" if school == A else "Trần Thị Bình",
        birth_date=date(2012, 9, 5),
        gender="1" if school == A else "2",
        class_code="9A1",
        ministry_id="0000000001" if school == A else "0000000002",  # national: never shared
        links={"vnedu": "1800576647", "csdl": "HS-1"},
    )


def fill(engine: sa.Engine, school: str, marks) -> None:
    """One school's data, under that school's scope, with every natural key the other school uses."""
    scoped = tenancy.for_school(engine, school)
    mark = "A" if school == A else "B"
    with session_scope(scoped) as session:
        repository.save_student(session, student(school))
        repository.save_score_sheet(
            session,
            ScoreSheet(
                student_id="s1",
                subject_code="TOAN",
                school_year="2026-2027",
                semester="1",
                tx=["8.5" if mark == "A" else "5.5"],
            ),
        )
        queries.set_homeroom_teacher(session, "2026-2027", "9A1", "Lê Văn Cường", 9)
        repository.upsert_snapshots(
            session, [SnapshotRecord("vnedu", "hoc_sinh", "1800576647", 1, {"ho_ten": mark, "ma_lop": "9A1"})], T0
        )
        store_snapshots(session, [written("excel", "diem", "s1:TOAN:1", 1, {"diem": mark})], T0)
        session.add(
            SyncCursorRow(platform="vnedu", entity="hoc_sinh", scope="all", cursor={"mark": mark}, updated_at=T0)
        )
        run = SyncRunRow(started_at=T0, platforms="vnedu", mode="full", status="running")
        session.add(run)
        session.flush()
        assert queries.insert_lease(session, "vnedu", run.id, f"host:{mark}", T0, T0 + timedelta(minutes=5))
        session.add(
            DiscrepancyRow(
                id="d1",
                kind="ho_ten",
                class_code="9A1",
                record={"mark": mark},
                status="open",
                first_seen=T0,
                last_seen=T0,
            )
        )
        with opened(session) as db:
            reconcile_queries.save_reconcile_state(db, "all", 1, f'{{"mark": "{mark}"}}', T0)
        for n in range(3 if school == A else 2):
            audit.append(session, "gvcn", "discrepancy_proposed", {"n": n, "mark": mark}, T0, key=KEY, checkpoint=marks)


def register(engine, code: str, name: str = "") -> None:
    """A school added to the installation's registry (`store.schools`, as `lienthong schools add` does)."""
    with Session(tenancy.unscoped(engine)) as session:
        row = SchoolRow(ma_truong=code, name=name or code, province_code=code[:2], commune_code="")
        registry.save_school(session, row)
        session.commit()


def registered(engine) -> list[str]:
    with Session(tenancy.unscoped(engine)) as session:
        return [row.ma_truong for row in registry.schools(session, active_only=False)]


@pytest.fixture(autouse=True)
def unconfigured_audit():
    """`sync.service.open_store` sets the audit key and checkpoint file process-wide: a later test's
    chain must not be checked against this test's checkpoint file."""
    yield
    audit.configure(None, None)


@pytest.fixture
def two(engine, tmp_path):
    marks = tmp_path / "audit-checkpoints.log"
    for school in (A, B):
        register(engine, school, f"Trường {school}")
        fill(engine, school, marks)
    return engine, marks


def seen(engine: sa.Engine, school: str, marks) -> dict:
    """What one school's scope reads through the store's query functions."""
    with Session(tenancy.for_school(engine, school)) as session:
        with opened(session) as db:  # the reconciliation's plain statements, under the same scope
            payloads = reconcile_queries.school_payloads(db, {"vnedu": ("hoc_sinh",)})["vnedu"].payloads
            counts = reconcile_queries.kind_counts(db)
            keys = reconcile_queries.keys_of(db, "excel", "diem") + reconcile_queries.keys_of(db, "vnedu", "hoc_sinh")
            some = reconcile_queries.some_payloads(db, "excel", {("diem", "s1:TOAN:1")})["diem"]["s1:TOAN:1"]["diem"]
            register = [row.record["mark"] for row in reconcile_queries.discrepancies(db).values()]
            teachers = reconcile_queries.homeroom_teachers(db, "2026-2027")
            state = reconcile_queries.reconcile_state(db, "all")[1]
        return {
            "student": repository.load_student(session, "s1").full_name,
            "by_link": repository.find_student_by_link(session, "vnedu", "1800576647").full_name,
            "rows": [row.full_name for row in session.exec(select(StudentRow))],
            "links": len(session.exec(select(StudentLinkRow)).all()),
            "get": session.get(StudentRow, "s1").ministry_id,
            "sheet": [str(v) for v in repository.load_score_sheets(session, "s1", "2026-2027")[0].tx],
            "teachers": teachers,
            "teacher_rows": len(session.exec(select(TeacherRow)).all()),
            "snapshot": repository.snapshot_versions(session, "vnedu", "hoc_sinh")["1800576647"][1]["ho_ten"],
            "payloads": payloads["hoc_sinh"]["1800576647"]["ho_ten"],
            "counts": counts,
            "keys": keys,
            "some": some,
            "plain_register": register,
            "entity": repository.entity_payloads(session, "excel", "diem")["s1:TOAN:1"]["diem"],
            "classes": repository.student_classes(session, "vnedu"),
            "last_seen": sorted(queries.last_seen(session)),
            "cursor": session.get(SyncCursorRow, ("vnedu", "hoc_sinh", "all")).cursor["mark"],
            "lease": queries.lease_of(session, "vnedu").holder,
            "runs": len(queries.running_runs(session)),
            "discrepancy": session.get(DiscrepancyRow, "d1").record["mark"],
            "register": [row.record["mark"] for row in queries.discrepancies(session).values()],
            "scoped": [row.record["mark"] for row in access.discrepancies(session, PRINCIPAL)],
            "state": state,
            "audit": [row.id for row in session.exec(select(AuditLogRow).order_by(AuditLogRow.id))],
            "verify": audit.check(session, key=KEY, checkpoint=marks).problems,
        }


def test_each_school_sees_only_its_own_rows_through_every_query(two):
    engine, marks = two
    a, b = seen(engine, A, marks), seen(engine, B, marks)
    assert (a["student"], b["student"]) == ("Nguyễn Văn An", "Trần Thị Bình")
    assert (a["by_link"], b["by_link"]) == ("Nguyễn Văn An", "Trần Thị Bình")
    assert (a["rows"], b["rows"]) == (["Nguyễn Văn An"], ["Trần Thị Bình"])
    assert a["links"] == b["links"] == 2
    assert (a["get"], b["get"]) == ("0000000001", "0000000002")
    assert (a["sheet"], b["sheet"]) == (["8.5"], ["5.5"])
    assert a["teachers"] == b["teachers"] == {"9A1": "Lê Văn Cường"} and a["teacher_rows"] == b["teacher_rows"] == 1
    assert (a["snapshot"], a["payloads"], a["some"], a["entity"]) == ("A", "A", "A", "A")
    assert (b["snapshot"], b["payloads"], b["some"], b["entity"]) == ("B", "B", "B", "B")
    assert a["counts"] == b["counts"] == {("excel", "diem"): 1, ("vnedu", "hoc_sinh"): 1}
    assert a["keys"] == b["keys"] == ["s1:TOAN:1", "1800576647"]
    assert a["classes"] == b["classes"] == {"1800576647": "9A1"}
    assert (a["cursor"], b["cursor"]) == ("A", "B")
    assert (a["lease"], b["lease"]) == ("host:A", "host:B")
    assert a["runs"] == b["runs"] == 1
    assert (a["discrepancy"], a["register"], a["scoped"]) == ("A", ["A"], ["A"])
    assert (b["discrepancy"], b["register"], b["scoped"]) == ("B", ["B"], ["B"])
    assert (a["state"], b["state"]) == ('{"mark": "A"}', '{"mark": "B"}')
    assert (a["audit"], b["audit"]) == ([1, 2, 3], [1, 2])  # one chain per school, numbered from 1
    assert a["verify"] == b["verify"] == []


def test_an_audit_chain_is_verified_per_school(two):
    engine, marks = two
    with session_scope(tenancy.for_school(engine, B)) as session:
        row = session.exec(select(AuditLogRow).where(AuditLogRow.id == 2)).one()
        row.actor = "ai_do"
    with Session(tenancy.for_school(engine, A)) as session:
        assert audit.check(session, key=KEY, checkpoint=marks).problems == []
    with Session(tenancy.for_school(engine, B)) as session:
        assert audit.check(session, key=KEY, checkpoint=marks).problems[0].startswith("Mục #2: nội dung đã bị sửa")


def test_a_write_under_one_school_never_reaches_the_other(two):
    engine, _ = two
    with pytest.raises(tenancy.TenancyError, match=B), session_scope(tenancy.for_school(engine, A)) as session:
        session.add(TeacherRow(ma_truong=B, id="gv-moi", full_name="Người lạ"))
    with pytest.raises(tenancy.TenancyError), session_scope(tenancy.for_school(engine, A)) as session:
        session.get(StudentRow, "s1").ma_truong = B  # moving a row to another school
    with session_scope(tenancy.for_school(engine, A)) as session:
        session.delete(session.get(SyncCursorRow, ("vnedu", "hoc_sinh", "all")))
        repository.save_student(session, student(A).model_copy(update={"links": {"vnedu": "1800576647"}}))
        queries.release_leases(session, 1)
        queries.release_leases(session, 2)
    with session_scope(tenancy.for_school(engine, A)) as session:
        session.get(StudentRow, "s1").full_name = "Đã sửa ở trường A"
    with Session(tenancy.for_school(engine, B)) as session:
        assert session.get(StudentRow, "s1").full_name == "Trần Thị Bình"
        assert session.get(SyncCursorRow, ("vnedu", "hoc_sinh", "all")) is not None
        assert len(session.exec(select(StudentLinkRow)).all()) == 2
        assert queries.lease_of(session, "vnedu").holder == "host:B"
    with Session(tenancy.for_school(engine, A)) as session:
        assert session.get(StudentRow, "s1").full_name == "Đã sửa ở trường A"
        assert len(session.exec(select(StudentLinkRow)).all()) == 1
        assert queries.lease_of(session, "vnedu") is None


def test_the_ministry_id_stays_unique_across_schools(two):
    engine, _ = two
    twin = student(B).model_copy(update={"id": "s2", "ministry_id": "0000000001", "links": {}})
    with pytest.raises(sa.exc.IntegrityError), session_scope(tenancy.for_school(engine, B)) as session:
        repository.save_student(session, twin)


def test_an_unscoped_engine_fails_loudly_on_school_data(two):
    engine, _ = two
    with Session(tenancy.unscoped(engine)) as session:
        with pytest.raises(tenancy.TenancyError, match="không chỉ rõ trường"):
            session.exec(select(StudentRow)).all()
        with pytest.raises(tenancy.TenancyError):
            repository.snapshot_versions(session, "vnedu", "hoc_sinh")
        with pytest.raises(tenancy.TenancyError):
            session.add(TeacherRow(id="x", full_name="y"))
            session.flush()
    assert registered(engine) == [A, B]  # the registry is the cross-school admin function


def test_the_stores_own_school_engine_refuses_a_store_of_several_schools(two):
    engine, _ = two
    with pytest.raises(tenancy.TenancyError, match="nhiều trường"), Session(engine) as session:
        session.exec(select(StudentRow)).all()


def test_a_new_store_becomes_its_schools_when_first_opened_with_its_code(engine):
    """Rows written before a school was configured are the school's once it is named."""
    with session_scope(engine) as session:
        repository.save_student(session, student(A))
        queries.set_homeroom_teacher(session, "2026-2027", "9A1", "Lê Văn Cường", 9)
    assert tenancy.school_of(engine) == tenancy.UNNAMED
    tenancy.claim(engine, A)
    with Session(tenancy.for_school(engine, A)) as session:
        assert repository.load_student(session, "s1").full_name == "Nguyễn Văn An"
        with opened(session) as db:
            assert reconcile_queries.homeroom_teachers(db, "2026-2027") == {"9A1": "Lê Văn Cường"}
    assert tenancy.school_of(engine) == A  # the one school of a one-school store
    with pytest.raises(tenancy.TenancyError, match="không có trường 79000009"):
        tenancy.claim(engine, "79000009")


# --- PostgreSQL: row-level security behind a forgotten filter --------------------------------------


@pytest.fixture
def pg_two(postgres_url, tmp_path):
    migrate(postgres_url)
    engine = make_engine(postgres_url)
    marks = tmp_path / "marks.log"
    for school in (A, B):
        register(engine, school)
        fill(engine, school, marks)
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_raw_sql_without_a_filter_sees_only_the_scoped_school(pg_two):
    with tenancy.for_school(pg_two, A).connect() as connection:
        rows = connection.exec_driver_sql("SELECT ma_truong, full_name FROM student").all()
        links = connection.exec_driver_sql("SELECT count(*) FROM student_link").scalar()
        snapshots = connection.exec_driver_sql("SELECT DISTINCT ma_truong FROM source_snapshot").scalars().all()
    assert rows == [(A, "Nguyễn Văn An")] and links == 2 and snapshots == [A]
    with Session(tenancy.for_school(pg_two, B)) as session:
        assert session.execute(sa.text("SELECT count(*) FROM audit_log")).scalar() == 2


@pytest.mark.postgres
def test_every_school_table_is_under_a_policy_and_the_app_role_cannot_bypass_it(pg_two):
    with tenancy.unscoped(pg_two).connect() as connection:
        owned = (
            set(
                connection.exec_driver_sql(
                    "SELECT table_name FROM information_schema.columns WHERE column_name = 'ma_truong' "
                    "AND table_schema = 'public' AND table_name <> 'school'"
                ).scalars()
            )
            - tenancy.ACCOUNTS
        )  # an account's home school says whom it serves: accounts are the installation's
        forced = set(
            connection.exec_driver_sql(
                "SELECT c.relname FROM pg_class c JOIN pg_policies p ON p.tablename = c.relname "
                "WHERE c.relrowsecurity AND c.relforcerowsecurity AND p.policyname = 'school_rows'"
            ).scalars()
        )
        role = connection.exec_driver_sql(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", (tenancy.APP_ROLE,)
        ).one()
    assert len(owned) >= 19 and owned == forced
    assert tuple(role) == (False, False)


@pytest.mark.postgres
def test_raw_sql_sees_nothing_when_no_school_is_set(pg_two):
    with tenancy.unscoped(pg_two).begin() as connection:
        connection.exec_driver_sql(f"SET LOCAL ROLE {tenancy.APP_ROLE}")  # the application's role, no school
        assert connection.exec_driver_sql("SELECT count(*) FROM student").scalar() == 0
        assert connection.exec_driver_sql("SELECT count(*) FROM source_snapshot").scalar() == 0
        assert connection.exec_driver_sql("SELECT count(*) FROM school").scalar() == 2  # the registry is not


@pytest.mark.postgres
def test_raw_sql_under_one_school_cannot_write_the_others_rows(pg_two):
    scoped = tenancy.for_school(pg_two, A)
    with pytest.raises(sa.exc.ProgrammingError, match="row-level security"), scoped.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO teacher (ma_truong, id, full_name) VALUES (%s, 'gv-la', 'Người lạ')", (B,)
        )
    with pytest.raises(sa.exc.ProgrammingError, match="row-level security"), scoped.begin() as connection:
        connection.exec_driver_sql("UPDATE student SET ma_truong = %s", (B,))
    with scoped.begin() as connection:
        changed = connection.exec_driver_sql("UPDATE student SET full_name = 'Ai đó'").rowcount
        gone = connection.exec_driver_sql("DELETE FROM sync_cursor").rowcount
    assert (changed, gone) == (1, 1)
    with Session(tenancy.for_school(pg_two, B)) as session:
        assert session.get(StudentRow, "s1").full_name == "Trần Thị Bình"
        assert session.get(SyncCursorRow, ("vnedu", "hoc_sinh", "all")) is not None


# --- migrating a one-school store -------------------------------------------------------------------


def test_a_store_at_0008_with_data_is_migrated_with_its_schools_code(database_url, monkeypatch):
    engine = _migrated_0008(database_url)
    monkeypatch.setenv("LIENTHONG_MA_TRUONG", A)
    migrate(database_url)
    assert registered(engine) == [A]
    store = make_engine(database_url)  # the one school of the store, as every command opens it
    with session_scope(store) as session:
        assert repository.load_student(session, "s1").links == {"vnedu": "1800576647"}
        assert [row.id for row in queries.running_runs(session)] == []
        assert len(queries.resolutions(session, "d1")) == 1
        assert audit.check(session, key=KEY).problems == []
        audit.append(session, "ht", "discrepancy_approved", {"n": 2}, T0, key=KEY)
        repository.save_student(session, student(A))
    settings = Settings(database_url=database_url, ma_truong=A)
    from lienthong.sync.service import open_store

    with Session(open_store(settings)) as session:
        assert repository.load_student(session, "s1").full_name == "Nguyễn Văn An"
        assert [row.id for row in session.exec(select(AuditLogRow).order_by(AuditLogRow.id))] == [1, 2]
    store.dispose()


def test_a_store_at_0008_opened_by_a_command_gets_the_configured_school(database_url, monkeypatch):
    from lienthong.sync.service import open_store

    _migrated_0008(database_url)
    monkeypatch.delenv("LIENTHONG_MA_TRUONG", raising=False)
    monkeypatch.delenv("LIENTHONG_CONFIG", raising=False)
    with Session(open_store(Settings(database_url=database_url, ma_truong=B))) as session:
        assert repository.load_student(session, "s1").full_name == "Nguyễn Văn An"
        assert len(queries.resolutions(session, "d1")) == 1
    with Session(tenancy.for_school(make_engine(database_url), A)) as session:
        assert repository.load_student(session, "s1") is None  # the rows are B's, not another school's


def test_a_store_with_data_and_no_known_school_is_refused_unchanged(database_url, monkeypatch):
    engine = _migrated_0008(database_url)
    monkeypatch.delenv("LIENTHONG_MA_TRUONG", raising=False)
    monkeypatch.delenv("LIENTHONG_CONFIG", raising=False)
    with pytest.raises(RuntimeError, match="LIENTHONG_MA_TRUONG"):
        migrate(database_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0008"
        assert connection.exec_driver_sql("SELECT count(*) FROM student").scalar() == 1


def _migrated_0008(url: str) -> sa.Engine:
    """A one-school store at 0008 holding a student, a link, a run, a discrepancy with its proposal
    and an audit entry, written as that version wrote them."""
    migrate(url, "0008")
    engine = tenancy.unscoped(make_engine(url))
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO sync_run (started_at, platforms, mode, dry_run, status, summary, hold_reason) "
                "VALUES (:t, 'vnedu', 'full', false, 'completed', '{}', '')"
            ),
            {"t": T0},
        )
        connection.execute(
            sa.text(
                "INSERT INTO student (id, full_name, name_key, birth_date, gender, ethnicity_code, class_code, status, "
                "ministry_id) VALUES ('s1', 'Nguyễn Văn An', 'an', :d, '1', '01', '9A1', '1', '0000000001')"
            ),
            {"d": date(2012, 9, 5)},
        )
        connection.execute(sa.text("INSERT INTO student_link VALUES ('vnedu', '1800576647', 's1')"))
        connection.execute(
            sa.text(
                "INSERT INTO discrepancy (id, kind, class_code, record, status, first_seen, last_seen) "
                "VALUES ('d1', 'ho_ten', '9A1', '{}', 'open', :t, :t)"
            ),
            {"t": T0},
        )
        connection.execute(
            sa.text(
                "INSERT INTO resolution (discrepancy_id, step, actor, role, value, reason, at) "
                "VALUES ('d1', 'proposed', 'gvcn', 'gvcn', '{}', '', :t)"
            ),
            {"t": T0},
        )
        at = T0.replace(tzinfo=None) if connection.dialect.name == "sqlite" else T0
        digest = audit._digest(audit.GENESIS, T0, "gvcn", "discrepancy_proposed", {"n": 1})
        connection.execute(
            sa.text(
                "INSERT INTO audit_log (id, at, actor, action, detail, prev_hash, hash, hmac) "
                "VALUES (1, :at, 'gvcn', 'discrepancy_proposed', '{\"n\": 1}', :prev, :hash, :hmac)"
            ),
            {"at": at, "prev": audit.GENESIS, "hash": digest, "hmac": audit._mac(KEY.encode(), digest)},
        )
    return engine
