"""Files people bring: a teacher's gradebook becomes the gradebook's snapshots (the owner of scores)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, Callable

import sqlalchemy as sa

from connectors.excel import ExcelRead
from connectors.gradebook.excel import Expect, read_score_book
from store.repository import SnapshotRecord, upsert_snapshots
from sync import audit
from sync.state import RunStore


def _wire(value: Any) -> str | None:
    return None if value is None else (value if isinstance(value, str) else f"{value}".removesuffix(".0"))


def import_score_book(engine: sa.Engine, data: bytes, expect: Expect, mapping: dict | None, actor: str,
                      clock: Callable[[], datetime]) -> tuple[ExcelRead, Counter]:
    """Read a score book and keep its rows as gradebook snapshots, all or nothing.

    Rows without vnEdu's student code are reported, not guessed (matching by name is the
    reconciler's job); a file with rejected rows still imports its good rows, and says so.
    """
    read = read_score_book(data, expect, mapping)
    counts: Counter = Counter()
    version = int(clock().timestamp())  # a later import of the same sheet is a newer version
    store = RunStore(engine)
    try:
        snapshots = []
        for record in read.records:
            if not record["ma_hoc_sinh"]:
                counts["without_code"] += 1
                continue
            payload = {"ma_hoc_sinh": record["ma_hoc_sinh"], "ma_mon": record["ma_mon"],
                       "hoc_ky": int(record["hoc_ky"]), "ddg_tx": [_wire(v) for v in record["tx"]],
                       "ddg_gk": _wire(record["gk"]), "ddg_ck": _wire(record["ck"]), "lop": record["lop"]}
            key = f"{payload['ma_hoc_sinh']}:{payload['ma_mon']}:{payload['hoc_ky']}"
            snapshots.append(SnapshotRecord("gradebook", "diem", key, version, payload))
        with store.step() as session:  # the whole file or nothing
            for start in range(0, len(snapshots), 500):
                counts.update(o.value for o in upsert_snapshots(session, snapshots[start:start + 500], clock()))
            audit.append(session, actor, "gradebook_imported",
                         {"rows": len(read.records), "rejected": len(read.rejected_rows), **counts}, clock())
    finally:
        store.close()
    return read, counts
