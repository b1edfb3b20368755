"""An import's records go to the database in bulk (`store.records.store_snapshots`): the same rows,
hashes and outcomes as `store.repository.upsert_snapshots`, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from lienthong.store.records import import_session, store_snapshots
from lienthong.store.repository import SnapshotRecord, content_hash, upsert_snapshots
from lienthong.store.snapshot_text import WrittenRecord, written
from lienthong.store.tables import SourceSnapshotRow

NOW = datetime(2026, 6, 15, 8, 0, tzinfo=timezone.utc)
PAYLOADS = {
    "1800000001:TOAN:1": {"ma_hoc_sinh": "1800000001", "ddg_tx": ["8", "7.5"], "ddg_gk": None, "mon": {"VAN": "Đ"}},
    "1800000002:TOAN:1": {"ma_hoc_sinh": "1800000002", "ho_ten": "Nguyễn Thị Hà", "z": 1, "a": [None, "6"]},
    "1800000003:TOAN:1": {"ma_hoc_sinh": "1800000003", "ddg_ck": "10"},
}


def _rows(engine, source: str) -> dict[str, tuple]:
    table = SourceSnapshotRow.__table__
    with engine.connect() as connection:
        found = connection.execute(
            sa.select(table.c.key, table.c.version, table.c.content_hash, table.c.payload, table.c.seen_at).where(
                table.c.source == source
            )
        )
        return {
            key: (version, digest, payload, seen.replace(tzinfo=None)) for key, version, digest, payload, seen in found
        }


def _records(source: str, payloads: dict, version: int = 0) -> list[SnapshotRecord]:
    return [SnapshotRecord(source, "diem", key, version, payload) for key, payload in payloads.items()]


def _written(source: str, payloads: dict, version: int = 0) -> list[WrittenRecord]:
    """The same records as an import's readers write them out (hash and JSON text)."""
    return [written(*record) for record in _records(source, payloads, version)]


def test_bulk_rows_are_the_rows_the_repository_writes(engine):
    with Session(engine) as session:
        upsert_snapshots(session, _records("vnedu", PAYLOADS), NOW)
        counts = store_snapshots(session, _written("gradebook", PAYLOADS), NOW)
        session.commit()
    assert counts == Counter(new=3)
    assert _rows(engine, "gradebook") == _rows(engine, "vnedu")
    stored = _rows(engine, "gradebook")
    assert stored["1800000001:TOAN:1"][1] == content_hash(PAYLOADS["1800000001:TOAN:1"])
    # one dump per record: the text stored is the canonical JSON the hash is made of (keys sorted)
    assert list(stored["1800000002:TOAN:1"][2]) == ["a", "ho_ten", "ma_hoc_sinh", "z"]
    with engine.connect() as connection:
        texts = connection.execute(
            sa.text("SELECT key, CAST(payload AS TEXT), content_hash FROM source_snapshot WHERE source = 'gradebook'")
        ).all()
    assert len(texts) == 3
    assert all(hashlib.sha256(text.encode()).hexdigest() == digest for _, text, digest in texts)


def test_outcomes_are_the_repositorys(engine):
    later = NOW + timedelta(days=1)
    changed = {**PAYLOADS, "1800000002:TOAN:1": {"ma_hoc_sinh": "1800000002", "ddg_tx": ["9"]}}
    fresh = {"1800000004:TOAN:1": {"ma_hoc_sinh": "1800000004"}}
    with Session(engine) as session:
        store_snapshots(session, _written("gradebook", PAYLOADS, version=5), NOW)
        session.commit()
        counts = store_snapshots(session, _written("gradebook", {**changed, **fresh}, version=5), later)
        stale = store_snapshots(session, _written("gradebook", {"1800000003:TOAN:1": {"x": 1}}, version=4), later)
        session.commit()
    assert counts == Counter(new=1, changed=1, unchanged=2)
    assert stale == Counter(stale=1)
    stored = _rows(engine, "gradebook")
    assert stored["1800000002:TOAN:1"][2] == {"ma_hoc_sinh": "1800000002", "ddg_tx": ["9"]}
    assert stored["1800000003:TOAN:1"][2] == PAYLOADS["1800000003:TOAN:1"]  # the older version did not win
    assert stored["1800000001:TOAN:1"][3] == later.replace(tzinfo=None)  # unchanged: seen again
    assert stored["1800000003:TOAN:1"][0] == 5


def test_a_stored_key_among_new_ones_is_found_and_nothing_else_undone(engine):
    """A file's records are inserted as new without each key looked up when its first and last keys
    are not stored (`store.imports._inserted_as_new`, on SQLite): a stored key between them undoes
    that insert only (not what the transaction wrote before), and each record then has the outcome
    it has when looked up."""
    middle = "1800000002:TOAN:1"
    with Session(engine) as session:
        store_snapshots(session, _written("gradebook", {middle: PAYLOADS[middle]}, version=5), NOW)
        session.commit()
        before = store_snapshots(session, _written("vnedu", PAYLOADS), NOW)  # in the same transaction
        moved = {**PAYLOADS, middle: {"ma_hoc_sinh": "1800000002", "ddg_tx": ["9"]}}
        counts = store_snapshots(session, _written("gradebook", moved, version=5), NOW + timedelta(hours=1))
        session.commit()
    assert before == Counter(new=3)
    assert counts == Counter(new=2, changed=1)
    stored = _rows(engine, "gradebook")
    assert {key: payload for key, (_, _, payload, _) in stored.items()} == moved
    assert set(_rows(engine, "vnedu")) == set(PAYLOADS)


def test_more_keys_than_one_query_takes(engine):
    many = {f"{n:010d}:TOAN:1": {"ma_hoc_sinh": f"{n:010d}", "ddg_gk": "7"} for n in range(1203)}
    with Session(engine) as session:
        first = store_snapshots(session, _written("gradebook", many), NOW)
        again = store_snapshots(session, _written("gradebook", many), NOW)
        session.commit()
    assert first == Counter(new=1203) and again == Counter(unchanged=1203)
    assert len(_rows(engine, "gradebook")) == 1203


def test_an_import_lowers_the_disk_wait_for_itself_only(engine):
    """The import's commit does not wait for the disk (``synchronous=NORMAL`` under WAL) nor copy
    the log into the database every 4 MB, but the store's connections are given back with their
    own settings, and what was stored is committed."""
    if engine.dialect.name != "sqlite":
        pytest.skip("a PostgreSQL store is left as it is configured")
    seen = []
    for payloads in (PAYLOADS, {"1800000009:TOAN:1": {"ddg_ck": "9"}}):
        with import_session(engine) as session:
            pragma = session.connection().exec_driver_sql
            seen.append((pragma("PRAGMA synchronous").scalar(), pragma("PRAGMA wal_autocheckpoint").scalar()))
            store_snapshots(session, _written("gradebook", payloads), NOW)
            session.commit()
    with engine.connect() as first, engine.connect() as second:  # every connection the pool holds
        after = [
            (c.exec_driver_sql("PRAGMA synchronous").scalar(), c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar())
            for c in (first, second)
        ]
    assert seen == [(1, 16384), (1, 16384)]  # NORMAL, and the log copied every 64 MB while importing
    assert after == [(2, 1000), (2, 1000)]  # FULL and every 4 MB, SQLite's defaults, for everything else
    assert set(_rows(engine, "gradebook")) == {*PAYLOADS, "1800000009:TOAN:1"}


def test_the_same_scores_from_a_later_book_are_unchanged_and_keep_their_version(engine):
    """A gradebook's scores are stamped with the time they are stored: a later book (its title
    mended) with the same scores changed nothing, and says so."""
    later = NOW + timedelta(days=1)
    with Session(engine) as session:
        store_snapshots(session, _written("gradebook", PAYLOADS, version=5), NOW)
        again = store_snapshots(session, _written("gradebook", PAYLOADS, version=9), later)
        session.commit()
    assert again == Counter(unchanged=3)
    stored = _rows(engine, "gradebook")
    assert {version for version, *_ in stored.values()} == {5}
    assert {seen for *_, seen in stored.values()} == {later.replace(tzinfo=None)}


def test_a_file_imported_again_has_one_row_saying_its_last_import(engine):
    """`stored_alike` tells a file whose records are stored as it has them from one whose records
    moved since; the file's row, written again, says the last import (on both engines)."""
    from lienthong.store import imports
    from lienthong.store.plain import opened

    later = NOW + timedelta(hours=2)
    mine = _written("gradebook", PAYLOADS, version=5)
    rows = [(r.entity, r.key, r.digest, r.text) for r in mine]
    with Session(engine) as session:
        store_snapshots(session, mine, NOW)
        with opened(session) as db:
            imports.add_imported_file(db, "ab" * 32, "so-diem.xlsx", "gradebook", "2025-2026", NOW, "it", {"rows": 3})
            assert imports.stored_alike(db, "gradebook", rows)
            assert not imports.stored_alike(db, "vnedu", rows)  # another platform's: not stored there
        store_snapshots(session, _written("gradebook", {"1800000003:TOAN:1": {"ddg_ck": "4"}}, version=6), later)
        with opened(session) as db:
            assert not imports.stored_alike(db, "gradebook", rows)  # a later book changed one score
            imports.add_imported_file(db, "ab" * 32, "so-diem (2).xlsx", "gradebook", "2025-2026", later, "gv", {})
            assert imports.imported_at(db, "ab" * 32).replace(tzinfo=None) == later.replace(tzinfo=None)
        session.commit()
    with engine.connect() as connection:
        found = connection.execute(sa.text("SELECT name, actor FROM imported_file")).all()
    assert [tuple(row) for row in found] == [("so-diem (2).xlsx", "gv")]


def test_a_file_read_otherwise_takes_back_only_what_it_alone_stored(engine):
    """`taken_back` (on both engines): of what a file's last import stored and its new read does not
    bring, the records stored as it stored them and held by no other imported file are removed; one a
    later file changed, one another file holds too, and those of a kept entity stay."""
    from lienthong.store import imports
    from lienthong.store.plain import opened

    first = _written("gradebook", PAYLOADS, version=5)
    first_rows = [(r.entity, r.key, r.digest, r.text) for r in first]
    other = _written("gradebook", {"1800000002:TOAN:1": PAYLOADS["1800000002:TOAN:1"]}, version=5)
    with Session(engine) as session:
        store_snapshots(session, first, NOW)
        store_snapshots(session, _written("gradebook", {"1800000003:TOAN:1": {"ddg_ck": "4"}}, version=6), NOW)
        with opened(session) as db:
            imports.add_imported_file(db, "ab" * 32, "a.xlsx", "gradebook", None, NOW, "gv", {}, first_rows)
            held = [(r.entity, r.key, r.digest) for r in other]
            imports.add_imported_file(db, "cd" * 32, "b.xlsx", "gradebook", None, NOW, "gv", {}, held)
            assert imports.taken_back(db, "ef" * 32, "gradebook", []) is None  # never imported
            assert imports.taken_back(db, "ab" * 32, "gradebook", [], keep=("diem",)) == (0, 0, 3)
            assert imports.taken_back(db, "ab" * 32, "gradebook", first_rows[:1]) == (0, 2, 0)  # the rest brought again
            # read otherwise: none of its keys brought again
            assert imports.taken_back(db, "ab" * 32, "gradebook", []) == (1, 2, 0)
        session.commit()
    # 0001's sheet was only this file's; 0002's is b.xlsx's too; 0003's a later version changed
    assert set(_rows(engine, "gradebook")) == {"1800000002:TOAN:1", "1800000003:TOAN:1"}
