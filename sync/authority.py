"""Field authority: who owns a field, and what to push when another platform differs.

Scores and comments belong to the teacher's gradebook (Suoi Ngo regulation, art. 9: the
platforms must equal it). A vnEdu score sheet that differs from the gradebook is planned
as a change to vnEdu, classified:

- ``fill``: only cells vnEdu does not have yet are written — sent on the next delivery;
- ``blank``: the gradebook has no value where vnEdu has one — sent, but a run that would
  blank too much of a class is held for an administrator (it looks like an accident);
- ``correction``: an entered value changes — waits for the principal's approval.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from lienthong.mapping import catalogs
from lienthong.mapping.errors import MappingError
from lienthong.mapping.vnedu import CELLS, score_cells
from lienthong.store.repository import snapshot_versions

GRADEBOOK, VNEDU = "gradebook", "vnedu"


@dataclass(frozen=True)
class PlannedChange:
    platform: str
    entity: str
    key: str
    payload: dict[str, Any]
    kind: str  # fill | blank | correction
    class_code: str | None
    cells: tuple[str, ...]


def _wire(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return f"{value}".removesuffix(".0")
    return value


def plan_scores(session: Session, student_classes: dict[str, str]) -> list[PlannedChange]:
    """Changes that make vnEdu's score sheets equal the gradebook's, cell by cell."""
    owner = {key: payload for key, (_, payload) in snapshot_versions(session, GRADEBOOK, "diem").items()}
    target = snapshot_versions(session, VNEDU, "diem")
    planned = []
    for key, own in sorted(owner.items()):
        if key not in target:
            continue  # a student or subject vnEdu does not know: a discrepancy for a person
        version, theirs_payload = target[key]
        try:
            by_comment = catalogs.subject(own["ma_mon"]).by_comment
        except MappingError:
            continue
        mine, theirs = score_cells(own, by_comment), score_cells(theirs_payload, by_comment)
        changed = tuple(c for c in CELLS if mine[c] != theirs[c])
        if not changed:
            continue
        blanks = [c for c in changed if mine[c] is None]
        fills = [c for c in changed if theirs[c] is None]
        kind = "fill" if len(fills) == len(changed) else "blank" if blanks and len(blanks) + len(fills) == len(changed) \
            else "correction"
        merged = {c: (mine[c] if c in changed else theirs[c]) for c in CELLS}
        tx = [_wire(merged[f"tx{i}"]) for i in range(4)]
        while tx and tx[-1] is None:
            tx.pop()
        payload = {"ma_hoc_sinh": theirs_payload["ma_hoc_sinh"], "ma_mon": theirs_payload["ma_mon"],
                   "hoc_ky": theirs_payload["hoc_ky"], "ddg_tx": tx, "ddg_gk": _wire(merged["gk"]),
                   "ddg_ck": _wire(merged["ck"]), "nhan_xet": theirs_payload.get("nhan_xet", ""), "version": version}
        planned.append(PlannedChange(VNEDU, "diem", key, payload, kind,
                                     student_classes.get(theirs_payload["ma_hoc_sinh"]), changed))
    return planned


def student_classes(session: Session) -> dict[str, str]:
    """vnEdu's student key → class, for counting what a plan would do to each class."""
    return {key: payload.get("ma_lop") for key, (_, payload) in snapshot_versions(session, VNEDU, "hoc_sinh").items()}
