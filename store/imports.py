"""What an import stores, through the database driver (a `store.plain.Plain`): a file's records as
snapshots in bulk, the imported file's row, and whether that file was imported before.

Why the driver: a file brings tens of thousands of records, and ``lienthong import`` on a SQLite
store that is ready as it is (`store.plain.open_sqlite`) never loads SQLAlchemy or the SQLModel
tables (loading them cost more than storing a school's files). The rows are the ones the ORM
writes (`store.tables`: ``source_snapshot``, ``imported_file``; times and JSON as the engine's
columns keep them, `Plain.time_param`, `json_text`); a session or an engine gets the same
statements on its own driver connection (`store.plain.opened`). Each statement names the school.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections import Counter
from datetime import datetime
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import Any, Sequence

import orjson

from lienthong.store import reconcile_queries
from lienthong.store.plain import Plain

# The write-ahead log an import lets grow before copying it into the database (pages of 4 KB:
# 64 MB). SQLite's default, 1,000 pages, copied a school's import into the database a dozen
# times over, the same index pages again and again (a tenth of the import's time); the log is
# copied once when the command's last connection closes, or by the next writer past the default.
IMPORT_CHECKPOINT_PAGES = 16384

_KEYS_PER_QUERY = 500  # under every engine's limit of bound parameters per statement
# `store.repository.SnapshotOutcome`'s values (that module loads SQLAlchemy)
NEW, CHANGED, UNCHANGED, STALE = "new", "changed", "unchanged", "stale"


def json_text(value: Any) -> str:
    """A JSON column's text, as the store's engines write it (`store.db`: orjson, non-string keys)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def imported_at(db: Plain, sha256: str) -> datetime | None:
    """When the file with this SHA-256 was imported into the school, ``None`` if never."""
    found = db.rows("SELECT imported_at FROM imported_file WHERE ma_truong = ? AND sha256 = ?", (db.school, sha256))
    return db.stored_time(found[0][0]) if found else None


def add_imported_file(
    db: Plain,
    sha256: str,
    name: str,
    kind: str,
    school_year: str | None,
    at: datetime,
    actor: str,
    summary: dict,
    records: Sequence[tuple] = (),
) -> None:
    """The imported file's row (`store.tables.ImportedFileRow`), with the records it brought
    (``(entity, key, content hash, …)``, kept packed: `packed`); a file imported again (its
    records had moved since: `stored_alike`) has its row say the last import (the audit chain
    keeps each one)."""
    db.run(
        "INSERT INTO imported_file (ma_truong, sha256, name, kind, school_year, imported_at, actor, summary, records) "
        f"VALUES (?, ?, ?, ?, ?, ?, ?, {db.json_mark()}, ?) ON CONFLICT (ma_truong, sha256) DO UPDATE SET "
        "name = excluded.name, kind = excluded.kind, school_year = excluded.school_year, "
        "imported_at = excluded.imported_at, actor = excluded.actor, summary = excluded.summary, "
        "records = excluded.records",
        (db.school, sha256, name, kind, school_year, db.time_param(at), actor, json_text(summary), packed(records)),
    )


# Of each record's content hash (SHA-256, 64 hex digits), the first 16 are kept: enough to tell the
# content a file stored from a later one (one chance in 2^64 to mistake them), a third of the size.
_KEPT_DIGEST = 16


def packed(records: Sequence[tuple]) -> bytes:
    """A file's records as its `imported_file` row keeps them: each one's entity, key and content
    hash (its first `_KEPT_DIGEST` digits), a line each, compressed (a school's largest export,
    63,000 records: 2.5 MB of lines, 0.9 MB kept; its payloads are in ``source_snapshot``)."""
    # a list, each record taken by position: unpacking ``*_`` made a list per record (twice the time)
    lines = "\n".join([f"{record[0]}\t{record[1]}\t{record[2][:_KEPT_DIGEST]}" for record in records])
    return zlib.compress(lines.encode(), 1)


def _unpacked(kept: bytes | memoryview | None) -> list[tuple[str, str, str]]:
    if not kept:
        return []
    text = zlib.decompress(bytes(kept)).decode()
    return [tuple(line.split("\t")) for line in text.split("\n")] if text else []  # type: ignore[misc]


def taken_back(
    db: Plain, sha256: str, source: str, rows: Sequence[tuple], keep: Sequence[str] = ()
) -> tuple[int, int, int] | None:
    """A file imported again but read otherwise (another semester, subject or class chosen): the
    records its last import stored that this one does not bring are removed — they were this
    file read wrongly — unless another file brought them since (their content stored is not the
    one this file stored) or another imported file holds them too, and those of the entities in
    ``keep`` (an approved class's results). Returns how many were removed, how many kept because
    another file brought or holds them, and how many kept as ``keep`` says; ``None`` when the
    last import's records are not known (imported before the store kept them)."""
    found = db.rows("SELECT records FROM imported_file WHERE ma_truong = ? AND sha256 = ?", (db.school, sha256))
    if not found or found[0][0] is None:
        return None
    now = {(entity, key) for entity, key, *_ in rows}
    before = [(entity, key, digest) for entity, key, digest in _unpacked(found[0][0]) if (entity, key) not in now]
    if not before:
        return 0, 0, 0
    others = _held_elsewhere(db, sha256, {(entity, key) for entity, key, _ in before})
    removed = kept = held = 0
    for entity, group in groupby(sorted(before), key=itemgetter(0)):
        wanted = {key: digest for _, key, digest in group}
        stored = stored_versions(db, source, entity, list(wanted))
        if entity in keep:
            held += sum(1 for key in wanted if key in stored)
            continue
        gone = [
            key
            for key, digest in wanted.items()
            if key in stored and stored[key][1][:_KEPT_DIGEST] == digest and (entity, key, digest) not in others
        ]
        kept += sum(1 for key in wanted if key in stored) - len(gone)
        for start in range(0, len(gone), _KEYS_PER_QUERY):
            chunk = gone[start : start + _KEYS_PER_QUERY]
            db.run(
                "DELETE FROM source_snapshot WHERE ma_truong = ? AND source = ? AND entity = ? "
                f'AND "key" IN ({db.marks(len(chunk))})',
                (db.school, source, entity, *chunk),
            )
        removed += len(gone)
    return removed, kept, held


def _held_elsewhere(db: Plain, sha256: str, wanted: set[tuple[str, str]]) -> set[tuple[str, str, str]]:
    """Of ``wanted`` (entity, key), those another imported file of the school brought, with the content it brought."""
    held = set()
    for (kept,) in db.rows(
        "SELECT records FROM imported_file WHERE ma_truong = ? AND sha256 <> ? AND records IS NOT NULL",
        (db.school, sha256),
    ):
        held.update(record for record in _unpacked(kept) if record[:2] in wanted)
    return held


def stored_alike(db: Plain, source: str, rows: Sequence[tuple]) -> bool:
    """Whether every record of a file (``(entity, key, content hash, …)``) is stored under
    ``source`` with the same content: importing the file again would change nothing. ``False``
    once a later file changed one of them, or the file is read otherwise (another semester or
    subject chosen: other keys)."""
    for entity, group in groupby(sorted(rows, key=itemgetter(0)), key=itemgetter(0)):
        wanted = {row[1]: row[2] for row in group}
        stored = stored_versions(db, source, entity, list(wanted))
        if any(stored.get(key, (None, None))[1] != digest for key, digest in wanted.items()):
            return False
    return True


def stored_versions(db: Plain, source: str, entity: str, keys: Sequence[str]) -> dict[str, tuple[int, str]]:
    """The stored version and content hash of each of these keys that is stored (of one source and entity)."""
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        chunk = keys[start : start + _KEYS_PER_QUERY]
        rows = db.rows(
            'SELECT "key", version, content_hash FROM source_snapshot WHERE ma_truong = ? AND source = ? '
            f'AND entity = ? AND "key" IN ({db.marks(len(chunk))})',
            (db.school, source, entity, *chunk),
        )
        found.update((key, (version, digest)) for key, version, digest in rows)
    return found


def has_approved_results(db: Plain) -> bool:
    """Whether the school has class results the principal approved (``result_approval`` in state
    ``da_duyet``): then an import that brings results must compare them (`reconciliation.results`)."""
    return bool(
        db.rows("SELECT 1 FROM result_approval WHERE ma_truong = ? AND state = 'da_duyet' LIMIT 1", (db.school,))
    )


def store_snapshots(db: Plain, records: Sequence[Any], seen_at: datetime) -> Counter:
    """`store_rows` for `WrittenRecord`s of one source and entity (each key once), as
    `store.repository.upsert_snapshots` takes its records."""
    counts: Counter = Counter()
    for version, run in groupby(records, key=attrgetter("version")):
        run = list(run)
        rows = [(r.entity, r.key, r.digest, r.text) for r in run]
        counts.update(store_rows(db, run[0].source, run[0].entity, version, rows, seen_at))
    return counts


def stored_texts(db: Plain, source: str, entity: str, keys: Sequence[str]) -> dict[str, str]:
    """The stored JSON text of each of these keys that is stored (of one source and entity)."""
    found: dict[str, str] = {}
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        chunk = keys[start : start + _KEYS_PER_QUERY]
        found.update(
            db.rows(
                'SELECT "key", CAST(payload AS TEXT) FROM source_snapshot WHERE ma_truong = ? AND source = ? '
                "AND entity = ? "
                f'AND "key" IN ({db.marks(len(chunk))})',
                (db.school, source, entity, *chunk),
            )
        )
    return found


def store_rows(db: Plain, source: str, entity: str, version: int, rows: Sequence[tuple], seen_at: datetime) -> Counter:
    """`store.repository.upsert_snapshots` for the records of an imported file, with the same rules
    and outcomes (a new key is inserted, a changed one updated, an older version ignored, an
    unchanged one only marked as seen), counted by outcome (``{"new": 38, …}``). Unchanged is the
    content: a gradebook's scores are stamped with the time they are stored, and the same scores
    from a later book keep the version they were first stored with (nothing in them changed).

    ``rows``: ``(entity, key, content hash, JSON text)`` of one source and entity, each key once, all
    of ``version``: their payloads already hashed and written as JSON text (UTF-8 bytes, or a str)
    where the file was read (`store.snapshot_text.written_out`, as a file's read holds them). A
    file brings tens of thousands of them: the rows go to the driver in one ``executemany`` per
    statement, each text decoded only here (a text the file repeats unchanged never is).
    """
    counts: Counter = Counter()
    if not rows:
        return counts
    school = db.school
    when = db.time_param(seen_at)
    payload = db.json_mark()
    insert = (
        'INSERT INTO source_snapshot (ma_truong, source, entity, "key", version, content_hash, payload, seen_at) '
        f"VALUES (?, ?, ?, ?, ?, ?, {payload}, ?)"
    )
    added = _inserted_as_new(db, insert, source, entity, version, rows, when)
    if added is not None:
        counts[NEW] = len(added)
        reconcile_queries.journal_additions(db, source, entity, added)
        reconcile_queries.mark_read(db, source, seen_at)
        return counts
    stored = stored_versions(db, source, entity, [r[1] for r in rows])
    inserts, updates, touched, stale = [], [], [], []
    order = []  # the outcomes in the order their first record came, as `upsert_snapshots` counts them
    known_as = stored.get
    for _, key, digest, text in rows:
        known = known_as(key)
        if known is None:
            if not inserts:
                order.append((NEW, inserts))
            inserts.append((school, source, entity, key, version, digest, _decoded(text), when))
        elif version < known[0]:
            if not stale:
                order.append((STALE, stale))
            stale.append(key)
        elif known[1] == digest:
            if not touched:
                order.append((UNCHANGED, touched))
            touched.append((when, school, source, entity, key))
        else:
            if not updates:
                order.append((CHANGED, updates))
            updates.append((version, digest, _decoded(text), when, school, source, entity, key))
    for outcome, outcomes in order:
        counts[outcome] = len(outcomes)
    # In key order: each row then lands beside the one before it in the primary key's index, where
    # a file's order scatters them over the pages:
    # half the time of writing a school's files (80,000 records: 2.9 → 1.5 s on SQLite).
    for rows, key_at in ((inserts, 3), (updates, 7), (touched, 4)):
        rows.sort(key=itemgetter(key_at))
    if inserts or updates or touched:  # first: see `reconcile_queries.mark_read`
        reconcile_queries.mark_read(db, source, seen_at)
    where = 'WHERE ma_truong = ? AND source = ? AND entity = ? AND "key" = ?'
    db.many(insert, inserts)
    reconcile_queries.journal_additions(db, source, entity, [row[3] for row in inserts])
    db.many(
        f"UPDATE source_snapshot SET version = ?, content_hash = ?, payload = {payload}, seen_at = ? {where}", updates
    )
    db.many(f"UPDATE source_snapshot SET seen_at = ? {where}", touched)
    return counts


def _inserted_as_new(
    db: Plain, insert: str, source: str, entity: str, version: int, rows: Sequence[tuple], when: Any
) -> list[str] | None:
    """On SQLite, the rows inserted as new without each key looked up first, their keys in the
    order inserted; ``None``, with nothing written, when one of them is stored already (then each
    is looked up and compared: `store_rows`). Most of what a school's files bring is new to the
    store (each score book its subject's sheets), and the lookups of 70,000 keys that found none
    took 0.16 s of the 1.2 s of storing a school's first import. The insert runs under a
    savepoint, undone when a key is found stored (the primary key refuses it); its outcome is
    `store_rows`'s for keys none of which is stored. Tried only when neither the first nor the
    last key is stored (a file imported again goes the usual way at once). PostgreSQL goes the
    usual way: a refused row there aborts the transaction unless every batch is a savepoint."""
    if db.postgresql:
        return None
    if stored_versions(db, source, entity, list({rows[0][1], rows[-1][1]})):
        return None
    school = db.school
    inserts = [(school, source, entity, key, version, digest, _decoded(text), when) for _, key, digest, text in rows]
    inserts.sort(key=itemgetter(3))  # in key order, as `store_rows` writes them (see there)
    connection = db.connection
    if not connection.in_transaction:  # the savepoint inside the transaction the file is stored in
        connection.execute("BEGIN")
    connection.execute("SAVEPOINT inserted_as_new")
    try:
        db.many(insert, inserts)
    except sqlite3.IntegrityError:  # a key stored already
        connection.execute("ROLLBACK TO inserted_as_new")
        connection.execute("RELEASE inserted_as_new")
        return None
    # (any other error goes up as it is: the caller rolls the whole transaction back, savepoint and all)
    connection.execute("RELEASE inserted_as_new")
    return [row[3] for row in inserts]


def _decoded(text: bytes | str) -> str:
    """A record's JSON text as the driver binds it: a str (bound as SQLite TEXT, or cast to JSON on
    PostgreSQL); written out, it is UTF-8 bytes (`store.snapshot_text.hashed_text`)."""
    return text if type(text) is str else text.decode()


def for_import(db: Plain) -> None:
    """A plain SQLite connection set for an import: its log copied into the database every
    `IMPORT_CHECKPOINT_PAGES` (its commits already do not wait for the disk: `store.plain`)."""
    if not db.postgresql:
        db.connection.execute(f"PRAGMA wal_autocheckpoint={IMPORT_CHECKPOINT_PAGES}")
