"""What a reconciliation reads and writes, as plain SQL on a `store.plain.Plain` connection (no
SQLAlchemy: see `store.plain` for why): the stored records and their hashes, the saved state of the
incremental runs, the register of discrepancies, the homeroom teachers the school named.

Every statement names the connection's school; times and JSON are kept as the ORM's columns keep
them (`store.tables`), so that the ORM's readers (the dashboard, the resolutions) see the same rows.
"""

from __future__ import annotations

from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any, NamedTuple

import orjson

from lienthong.store.plain import Plain

IN_CHUNK = 500  # a bounded number of parameters per statement


# --- the stored records ------------------------------------------------------------------------


class StoredSource(NamedTuple):
    """A source's stored records, read at once (`school_payloads`)."""

    payloads: dict[str, dict[str, dict]]  # entity → key → payload, for the entities asked
    seen_at: datetime | None  # when any record of the source (of any entity) was last read


def _key_order(db: Plain) -> str:
    """Keys sorted by their characters' code points, as Python sorts strings (PostgreSQL would
    otherwise sort by the database's locale): every reading of a source in one order."""
    return 'key COLLATE "C"' if db.postgresql else "key"


def school_payloads(db: Plain, wanted: dict[str, tuple[str, ...]]) -> dict[str, StoredSource]:
    """Every stored record of the school that ``wanted`` asks for (source → its entities), as
    ``source → (entity → key → payload, when the source was last read)``: one query per source,
    each entity's keys in their characters' code-point order, the times from `last_seen`.

    SQLite hands each payload over as its bytes, which orjson decodes without the text object
    (and its UTF-8 copy) that a text column makes first: on the 60,000 records of a large school the
    read takes 0.48 s instead of 0.58 (median of 7, alternating, with the times read from the rows)."""
    payload = "CAST(payload AS TEXT)" if db.postgresql else "CAST(payload AS BLOB)"
    loads = orjson.loads
    seen = last_seen(db, list(wanted))
    out = {}
    for source, entities in wanted.items():
        rows = db.rows(
            f"SELECT entity, key, {payload} FROM source_snapshot "
            f"WHERE ma_truong = ? AND source = ? ORDER BY entity, {_key_order(db)}",
            (db.school, source),
        )
        payloads: dict[str, dict[str, dict]] = {entity: {} for entity in entities}
        for entity, records in groupby(rows, itemgetter(0)):
            if entity in payloads:
                payloads[entity] = {key: loads(text) for _, key, text in records}
        out[source] = StoredSource(payloads, seen.get(source))
    return out


def kind_counts(db: Plain) -> dict[tuple[str, str], int]:
    """How many records each stored kind holds, ``(source, entity) → count``, from the primary
    key's index: with no removal journaled (`pending_changes`), a count other than the state's plus
    the additions journaled says a record was added while no state was kept."""
    found = db.rows(
        "SELECT source, entity, COUNT(*) FROM source_snapshot WHERE ma_truong = ? GROUP BY source, entity",
        (db.school,),
    )
    return {(source, entity): count for source, entity, count in found}


def last_seen(db: Plain, sources: list[str]) -> dict[str, datetime]:
    """When each of ``sources`` was last read (any record of any entity written or seen again:
    ``source_read``, `mark_read`), for those it holds records of: a source whose records all went
    (a purge) has no reading, as when the time was its records' latest ``seen_at``, and a full
    and an incremental run say the same (one lookup in the primary key's index each)."""
    wanted = set(sources)
    found = db.rows(
        "SELECT source, read_at FROM source_read r WHERE ma_truong = ? AND EXISTS (SELECT 1 FROM source_snapshot s "
        "WHERE s.ma_truong = r.ma_truong AND s.source = r.source)",
        (db.school,),
    )
    return {source: db.stored_time(at) for source, at in sorted(found) if source in wanted}  # type: ignore[misc]


def mark_read(db: Plain, source: str, at: datetime) -> None:
    """Note that ``source`` was read at ``at`` (a record of it written or seen again), unless a
    later reading is noted: called by the writers of ``source_snapshot`` (`store.imports.store_rows`,
    `store.repository.upsert_snapshots`) in their transaction, before they write the records: on
    PostgreSQL the row is locked until the transaction ends, and every writer taking it before any
    record of the source keeps two writers of one source from each waiting for the other (SQLite
    has one writer at a time: `store.imports._inserted_as_new`, SQLite's only, notes it after its
    insert, which it may undo). An index on every record's ``seen_at`` answered the same question
    and cost each record written ~2 µs on SQLite (migration 0020)."""
    db.run(
        "INSERT INTO source_read (ma_truong, source, read_at) VALUES (?, ?, ?) ON CONFLICT (ma_truong, source) "
        "DO UPDATE SET read_at = excluded.read_at WHERE excluded.read_at > source_read.read_at",
        (db.school, source, db.time_param(at)),
    )


CHANGED, ADDED, REMOVED = "changed", "added", "removed"  # a journal row's ``change`` (migration 0016)

# The kinds whose added records are journaled while the school keeps a reconciliation state: those
# an incremental run takes added (`reconciliation.runs.ADDABLE`, the school's attendance). A record
# of any other kind added shows in its kind's count, and the next run is full (migration 0017).
JOURNALED_ADDITIONS = ("diem_danh",)


class Change(NamedTuple):
    """A row of the change journal (migration 0016): a stored record whose content changed, that
    was added or that went (``change``: `CHANGED`, `ADDED`, `REMOVED`)."""

    id: int
    source: str
    entity: str
    key: str
    change: str


def journal_additions(db: Plain, source: str, entity: str, keys: list[str]) -> None:
    """Journal records just added (`ADDED`) when their kind is one of `JOURNALED_ADDITIONS` and the
    school keeps a reconciliation state (with none, the next reconciliation reads everything).

    Written by the two writers that add records (`store.imports.store_rows`,
    `store.repository.upsert_snapshots`), in their transaction, rather than by a trigger on every
    row added (migration 0019): on SQLite the trigger, though its condition held for attendance
    only, cost every record added of any kind ~2 µs (a school's first import, 70,000 records: 0.15 s).
    A writer that forgot would cost no finding: the kind's count would not match the state's
    plus the additions journaled, and the next run would be full (`reconciliation.runs.incremental`)."""
    if entity not in JOURNALED_ADDITIONS or not keys:
        return
    if not db.rows("SELECT 1 FROM reconcile_state WHERE ma_truong = ? LIMIT 1", (db.school,)):
        return
    db.many(
        f"INSERT INTO snapshot_change (ma_truong, source, entity, \"key\", change) VALUES (?, ?, ?, ?, '{ADDED}')",
        [(db.school, source, entity, key) for key in keys],
    )


def pending_changes(db: Plain) -> list[Change]:
    """The journal's rows not yet taken into account, oldest first."""
    rows = db.rows(
        "SELECT id, source, entity, key, change FROM snapshot_change WHERE ma_truong = ? ORDER BY id", (db.school,)
    )
    return [Change(*row) for row in rows]


def consume_changes(db: Plain, ids: list[int]) -> None:
    """Delete the journal's rows a reconciliation took into account (in its transaction). By their
    ids, not up to the highest one: on PostgreSQL a row with a lower id may commit after a higher
    one was read, and must wait for the next run."""
    ids = sorted(ids)
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start : start + IN_CHUNK]
        db.run(
            f"DELETE FROM snapshot_change WHERE ma_truong = ? AND id IN ({db.marks(len(chunk))})", (db.school, *chunk)
        )


def keys_of(db: Plain, source: str, entity: str) -> list[str]:
    """Every stored key of one kind, in order."""
    rows = db.rows(
        f"SELECT key FROM source_snapshot WHERE ma_truong = ? AND source = ? AND entity = ? ORDER BY {_key_order(db)}",
        (db.school, source, entity),
    )
    return [row[0] for row in rows]


def keys_starting(db: Plain, source: str, entities: list[str], prefixes: set[str]) -> set[tuple[str, str]]:
    """``(entity, key)`` of the stored records of ``entities`` whose key is one of ``prefixes``, a
    colon and more (a student's own records: ``"<student>:…"``). On SQLite each prefix is a range
    of the primary key (keys compare by code point); PostgreSQL compares by the database's locale,
    where ":" and ";" need not be neighbours, so each kind's keys are matched there instead."""
    out: set[tuple[str, str]] = set()
    wanted = sorted(prefixes)
    for entity in sorted(entities):
        if db.postgresql:
            rows = db.rows(
                "SELECT key FROM source_snapshot WHERE ma_truong = ? AND source = ? AND entity = ? "
                "AND strpos(key, ':') > 0 AND split_part(key, ':', 1) = ANY(?)",
                (db.school, source, entity, wanted),
            )
            out.update((entity, row[0]) for row in rows)
            continue
        for prefix in wanted:
            rows = db.rows(
                "SELECT key FROM source_snapshot WHERE ma_truong = ? AND source = ? AND entity = ? "
                "AND key >= ? AND key < ?",
                (db.school, source, entity, f"{prefix}:", f"{prefix};"),  # ";" follows ":"
            )
            out.update((entity, row[0]) for row in rows)
    return out


def some_payloads(db: Plain, source: str, wanted: set[tuple[str, str]]) -> dict[str, dict[str, dict]]:
    """The payloads of some records of a source, ``wanted`` as ``(entity, key)``: ``entity → key →
    payload``, in the order `school_payloads` gives them (each entity's keys read through the
    primary key)."""
    by_entity: dict[str, list[str]] = {}
    for entity, key in wanted:
        by_entity.setdefault(entity, []).append(key)
    out: dict[str, dict[str, dict]] = {}
    loads = orjson.loads
    for entity in sorted(by_entity):
        keys = sorted(by_entity[entity])
        found: list[tuple] = []
        for start in range(0, len(keys), IN_CHUNK):
            chunk = keys[start : start + IN_CHUNK]
            found += db.rows(
                "SELECT key, CAST(payload AS TEXT) FROM source_snapshot "
                f"WHERE ma_truong = ? AND source = ? AND entity = ? AND key IN ({db.marks(len(chunk))})",
                (db.school, source, entity, *chunk),
            )
        if found:
            out[entity] = {key: loads(text) for key, text in sorted(found)}
    return out


# --- the incremental reconciliation's state (one row, its body JSON text) ----------------------


def reconcile_state(db: Plain, state_id: str) -> tuple[int, str] | None:
    """``(version, body)`` of the saved state, ``None`` when there is none."""
    found = db.rows("SELECT version, body FROM reconcile_state WHERE ma_truong = ? AND id = ?", (db.school, state_id))
    return (found[0][0], found[0][1]) if found else None


def save_reconcile_state(db: Plain, state_id: str, version: int, body: str | None, at: datetime) -> None:
    """Replace the saved state (in the connection's transaction); ``body`` ``None`` drops it."""
    db.run("DELETE FROM reconcile_state WHERE ma_truong = ? AND id = ?", (db.school, state_id))
    if body is not None:
        db.run(
            "INSERT INTO reconcile_state (ma_truong, id, version, saved_at, body) VALUES (?, ?, ?, ?, ?)",
            (db.school, state_id, version, db.time_param(at), body),
        )


# --- the register of discrepancies -------------------------------------------------------------


class StoredDiscrepancy(NamedTuple):
    """A discrepancy as the register keeps it (the columns a reconciliation compares)."""

    id: str
    kind: str
    class_code: str | None
    record: dict
    status: str
    assignee: str | None


def discrepancies(db: Plain, classes: set[str] | None = None) -> dict[str, StoredDiscrepancy]:
    """Stored discrepancies by id, all or those of ``classes``."""
    statement = (
        "SELECT id, kind, class_code, CAST(record AS TEXT), status, assignee FROM discrepancy WHERE ma_truong = ?"
    )
    params: list[Any] = [db.school]
    if classes is not None:
        listed = sorted(classes)
        statement += f" AND class_code IN ({db.marks(len(listed))})" if listed else " AND 1 = 0"
        params += listed
    return {
        row[0]: StoredDiscrepancy(row[0], row[1], row[2], orjson.loads(row[3]), row[4], row[5])
        for row in db.rows(statement, params)
    }


def confirmed_links(db: Plain, owner: str) -> tuple[tuple[str, str], ...]:
    """The identity doubts a homeroom teacher settled (`resolution.propose` on an ``identity_doubt``:
    which of the school's students a teacher's row is), as (``owner``'s student key, the school's
    student key), sorted; a doubt settled twice counts as last settled. Whatever became of the doubt
    since (closed once the link holds), the link stands."""
    rows = db.rows(
        "SELECT CAST(d.record AS TEXT), CAST(r.value AS TEXT) FROM resolution r JOIN discrepancy d "
        "ON d.ma_truong = r.ma_truong AND d.id = r.discrepancy_id "
        "WHERE d.ma_truong = ? AND d.kind = 'identity_doubt' AND r.step = 'proposed' ORDER BY r.at, r.id",
        (db.school,),
    )
    links: dict[str, str] = {}
    for record, value in rows:
        key = ((orjson.loads(record).get("student") or {}).get("keys") or {}).get(owner)
        chosen = orjson.loads(value).get("value")
        if isinstance(key, str) and isinstance(chosen, str) and chosen:
            links[key] = chosen
    return tuple(sorted(links.items()))


class NewDiscrepancy(NamedTuple):
    id: str
    kind: str
    class_code: str | None
    record: dict
    assignee: str | None


def add_discrepancies(db: Plain, rows: list[NewDiscrepancy], now: datetime) -> None:
    """Open new discrepancies, first and last seen ``now``."""
    at = db.time_param(now)
    db.many(
        "INSERT INTO discrepancy (ma_truong, id, kind, class_code, record, status, assignee, first_seen, "
        f"last_seen, closed_at) VALUES (?, ?, ?, ?, {db.json_mark()}, 'open', ?, ?, ?, NULL)",
        [(db.school, r.id, r.kind, r.class_code, _json(r.record), r.assignee, at, at) for r in rows],
    )


def seen_again(db: Plain, rows: list[tuple[str, dict, str | None]], now: datetime) -> None:
    """Discrepancies seen again with something to write: ``(id, record, assignee)`` each, last
    seen ``now`` (their status left as it is: `reopen_discrepancies` for the closed ones)."""
    at = db.time_param(now)
    db.many(
        f"UPDATE discrepancy SET record = {db.json_mark()}, assignee = ?, last_seen = ? WHERE ma_truong = ? AND id = ?",
        [(_json(record), assignee, at, db.school, key) for key, record, assignee in rows],
    )


def reopen_discrepancies(db: Plain, ids: list[str]) -> None:
    """Open again discrepancies that had closed (the sources part again)."""
    db.many(
        "UPDATE discrepancy SET status = 'open', closed_at = NULL WHERE ma_truong = ? AND id = ?",
        [(db.school, key) for key in sorted(ids)],
    )


def close_discrepancies(db: Plain, ids: list[str], now: datetime) -> None:
    """Close discrepancies no longer found (the sources agree again) at ``now``."""
    at = db.time_param(now)
    db.many(
        "UPDATE discrepancy SET status = 'closed', closed_at = ? WHERE ma_truong = ? AND id = ?",
        [(at, db.school, key) for key in sorted(ids)],
    )


def touch_discrepancies(db: Plain, ids: list[str], now: datetime) -> None:
    """Mark discrepancies seen again at ``now`` (their ``last_seen``), in bulk: a reconciliation
    sees most of them again unchanged."""
    ids = sorted(ids)
    at = db.time_param(now)
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start : start + IN_CHUNK]
        db.run(
            f"UPDATE discrepancy SET last_seen = ? WHERE ma_truong = ? AND id IN ({db.marks(len(chunk))})",
            (at, db.school, *chunk),
        )


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


# --- homeroom teachers ---------------------------------------------------------------------------


def homeroom_teachers(db: Plain, school_year: str) -> dict[str, str]:
    """Class → the GVCN the school named for it in ``school_year`` (`queries.set_homeroom_teacher`)."""
    return dict(
        db.rows(
            "SELECT c.code, t.full_name FROM school_class c JOIN teacher t "
            "ON t.ma_truong = c.ma_truong AND t.id = c.homeroom_teacher_id "
            "WHERE c.ma_truong = ? AND c.school_year = ?",
            (db.school, school_year),
        )
    )


class AuditEntry(NamedTuple):
    actor: str
    at: datetime
    detail: dict


def audit_entries(db: Plain, action: str) -> list[AuditEntry]:
    """The audit log's entries of one action, oldest first."""
    rows = db.rows(
        "SELECT actor, at, CAST(detail AS TEXT) FROM audit_log WHERE ma_truong = ? AND action = ? ORDER BY id",
        (db.school, action),
    )
    return [AuditEntry(actor, db.stored_time(at), orjson.loads(detail)) for actor, at, detail in rows]  # type: ignore[arg-type]
