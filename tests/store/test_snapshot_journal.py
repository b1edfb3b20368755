"""The change journal on ``source_snapshot`` (migrations 0016, 0017, 0019): the database itself notes
every record whose content changed or that went, and the writers every record added while the
school keeps a reconciliation state, on SQLite and PostgreSQL (under the school's row-level
security), and nothing for a record seen again unchanged; a reconciliation reads the rows and
deletes those it took into account."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from lienthong.reconciliation import runs
from lienthong.store import imports, reconcile_queries, tenancy
from lienthong.store.db import make_engine, migrate, session_scope
from lienthong.store.plain import opened
from lienthong.store.repository import SnapshotRecord, upsert_snapshots
from lienthong.store.snapshot_text import hashed_text
from tests.store.test_tenancy import register

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)


@pytest.fixture
def engine(database_url):
    migrate(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _write(engine, rows: list[tuple[str, int, dict]], at: datetime, entity: str = "diem") -> None:
    with session_scope(engine) as session:
        records = [SnapshotRecord("vnedu", entity, key, version, payload) for key, version, payload in rows]
        upsert_snapshots(session, records, at)


def _journal(engine) -> list[tuple[str, str, str, str]]:
    with opened(engine) as db:
        return [(c.source, c.entity, c.key, c.change) for c in reconcile_queries.pending_changes(db)]


def _keep_a_state(engine) -> None:
    with opened(engine) as db:
        reconcile_queries.save_reconcile_state(db, "school", 5, "{}", T0)
        db.commit()


def test_changed_removed_and_added_records_are_journaled_unchanged_ones_are_not(engine):
    _write(engine, [("s1:TOAN:1", 1, {"tx": ["7"]}), ("s2:TOAN:1", 1, {"tx": ["8"]})], T0)
    assert _journal(engine) == []  # added with no state saved: the next reconciliation reads everything
    _keep_a_state(engine)
    _write(engine, [("s1:TOAN:1", 2, {"tx": ["7"]}), ("s2:TOAN:1", 2, {"tx": ["8"]})], T0 + timedelta(hours=1))
    assert _journal(engine) == []  # seen again, the same content
    _write(engine, [("s2:TOAN:1", 3, {"tx": ["9"]}), ("s3:TOAN:1", 3, {"tx": ["5"]})], T0 + timedelta(hours=2))
    _write(engine, [("s1:2026-11-23", 3, {"buoi": "sang"})], T0 + timedelta(hours=2), entity="diem_danh")
    # an addition is journaled for the kind an incremental run takes added (`runs.ADDABLE`); any
    # other kind's shows in its count, and the next run is full (migration 0017)
    assert sorted(_journal(engine)) == [
        ("vnedu", "diem", "s2:TOAN:1", "changed"),
        ("vnedu", "diem_danh", "s1:2026-11-23", "added"),
    ]
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM source_snapshot WHERE key = 's1:TOAN:1'")
    assert _journal(engine)[2:] == [("vnedu", "diem", "s1:TOAN:1", "removed")]
    with opened(engine) as db:
        assert reconcile_queries.kind_counts(db) == {("vnedu", "diem"): 2, ("vnedu", "diem_danh"): 1}
        assert list(reconcile_queries.last_seen(db, ["vnedu"])) == ["vnedu"]


def _import(engine, rows: list[tuple[str, int, dict]], at: datetime, entity: str = "diem") -> None:
    """As an import stores a file's records: through the driver (`store.imports.store_rows`)."""
    with opened(engine) as db:
        for key, version, payload in rows:
            imports.store_rows(db, "vnedu", entity, version, [(entity, key, *hashed_text(payload))], at)


@pytest.mark.parametrize("writer", [_write, _import], ids=["pull", "import"])
@pytest.mark.parametrize("entity", ["diem", "hoc_sinh", "ket_qua", *runs.ADDABLE])
def test_additions_are_journaled_for_the_kinds_an_incremental_run_takes_added_only(engine, entity, writer):
    writer(engine, [("s8:x", 1, {"a": 1})], T0, entity=entity)
    assert _journal(engine) == []  # no state kept: the next reconciliation reads everything
    _keep_a_state(engine)
    writer(engine, [("s9:x", 1, {"a": 1}), ("s8:x", 2, {"a": 1})], T0, entity=entity)
    # the new record only: one seen again is not added
    assert _journal(engine) == ([("vnedu", entity, "s9:x", "added")] if entity in runs.ADDABLE else [])
    assert runs.ADDABLE == reconcile_queries.JOURNALED_ADDITIONS


def test_no_trigger_journals_an_addition_the_writers_do(engine):
    """A record added by any other way is not journaled (migration 0019): its kind's count tells the
    next reconciliation to read everything (`runs.incremental`)."""
    _keep_a_state(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO source_snapshot (ma_truong, source, entity, key, version, content_hash, payload, seen_at) "
            "SELECT ma_truong, 'vnedu', 'diem_danh', 's1:x', 1, 'h', '{}', saved_at FROM reconcile_state"
        )
    assert _journal(engine) == []


def test_a_reconciliation_deletes_only_the_rows_it_read(engine):
    _write(engine, [("s1:TOAN:1", 1, {"tx": ["7"]})], T0)
    _write(engine, [("s1:TOAN:1", 2, {"tx": ["6"]})], T0 + timedelta(hours=1))
    with opened(engine) as db:
        read = reconcile_queries.pending_changes(db)
    _write(engine, [("s1:TOAN:1", 3, {"tx": ["5"]})], T0 + timedelta(hours=2))  # meanwhile
    with opened(engine) as db:
        reconcile_queries.consume_changes(db, [change.id for change in read])
        db.commit()
    assert _journal(engine) == [("vnedu", "diem", "s1:TOAN:1", "changed")]  # the later change waits for the next run
    assert len(read) == 1


def test_keys_by_student_prefix_match_the_colon_exactly(engine):
    rows = [(key, 1, {"x": key}) for key in ("s1:TOAN:1", "s1:VAN:1", "s10:TOAN:1", "s1", "s1;x", "s2:TOAN:1")]
    _write(engine, rows, T0)
    with opened(engine) as db:
        found = reconcile_queries.keys_starting(db, "vnedu", ["diem"], {"s1"})
        assert found == {("diem", "s1:TOAN:1"), ("diem", "s1:VAN:1")}
        assert reconcile_queries.keys_of(db, "vnedu", "diem") == sorted(key for key, _, _ in rows)


@pytest.mark.postgres
def test_on_postgresql_the_journal_is_the_writers_school_and_only_its_own(postgres_url):
    migrate(postgres_url)
    engine = make_engine(postgres_url)
    try:
        for school in ("79000001", "79000002"):
            register(engine, school, f"Trường {school}")
        schools = {code: tenancy.for_school(engine, code) for code in ("79000001", "79000002")}
        for code, scoped in schools.items():
            _write(scoped, [("s1:TOAN:1", 1, {"tx": [code]})], T0)
            _write(scoped, [("s1:TOAN:1", 2, {"tx": [code, "x"]})], T0 + timedelta(hours=1))
        _keep_a_state(schools["79000001"])  # the first school's additions are journaled from now on
        for scoped in schools.values():
            _write(scoped, [("s1:TOAN:1", 3, {"tx": ["again"]}), ("s2:TOAN:1", 3, {"tx": []})], T0 + timedelta(hours=2))
            _write(scoped, [("s1:2026-11-23", 3, {"buoi": "sang"})], T0 + timedelta(hours=2), entity="diem_danh")
        first, second = _journal(schools["79000001"]), _journal(schools["79000002"])
        assert sorted(c[3] for c in first) == ["added", "changed", "changed"]  # the absence; s2's score is counted
        assert [c[3] for c in second] == ["changed", "changed"]
        with tenancy.unscoped(engine).connect() as connection:
            owners = connection.execute(sa.text("SELECT ma_truong FROM snapshot_change ORDER BY id")).scalars().all()
        assert sorted(owners) == ["79000001"] * 3 + ["79000002"] * 2
    finally:
        engine.dispose()
