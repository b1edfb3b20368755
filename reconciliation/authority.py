"""Field authority, and the one comparison of score cells that yields both the discrepancies
and the push plan.

Who owns a field comes from configuration (`ScoreAuthority`; by default the teacher's
gradebook owns scores and comments, Suối Ngô regulation art. 9, and vnEdu must equal it).
Every cell where the owner and a target differ is diffed once (`diff_sheets`) and given one
disposition:

- ``fill``: the target has no value yet — pushed when the target takes pushes;
- ``blank``: the owner has no value where the target has one — pushed too, but a run that
  would blank too much of a class is held for an administrator (it looks like an accident);
- ``correction``: an entered value changes — waits for the principal's approval.

A sheet's change is the strongest of its cells' (a correction where any cell corrects). What
is pushed by itself is not also a discrepancy; a change that waits for approval is both a
waiting push and, cell by cell, discrepancies (the principal approves it there); with no push
to the target (a school that only has files), every differing cell is a discrepancy. Nothing
differing is silent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from lienthong.config.settings import ScoreAuthoritySettings
from lienthong.mapping import catalogs
from lienthong.mapping.errors import MappingError
from lienthong.mapping.registry import sheet_payload
from lienthong.mapping.sources import trimmed
from lienthong.mapping.vnedu import CELLS, score_cells

FILL, BLANK, CORRECTION = "fill", "blank", "correction"
UNREADABLE = "unreadable"  # the owner holds a value that is no score: never pushed, always for a person


@dataclass(frozen=True)
class ScoreAuthority:
    """Who owns score sheets, which platforms must equal the owner, and which changes need the
    principal (``[authority.scores]`` in the configuration)."""

    owner: str
    targets: tuple[str, ...]
    approval: tuple[str, ...] = (CORRECTION,)
    entity: str = "diem"

    @classmethod
    def from_settings(cls, section: ScoreAuthoritySettings | None) -> "ScoreAuthority":
        """From ``[authority.scores]``; ``None``: the configuration's defaults."""
        section = section or ScoreAuthoritySettings()
        return cls(section.owner, tuple(section.targets), tuple(section.approval))


def pushing_targets(authority: ScoreAuthority, connectors: dict[str, Any]) -> list[str]:
    """The authority's targets this installation pushes score sheets to (``connectors``: the
    configured connectors, as instances or classes, by platform)."""
    return [t for t in authority.targets if t in connectors and authority.entity in connectors[t].pushes]


@dataclass(frozen=True)
class CellDiff:
    cell: str  # tx0 … tx3, gk, ck
    mine: Any  # the owner's value (Decimal, a mark, an unreadable ("?", text) or None)
    theirs: Any

    @property
    def kind(self) -> str:
        if isinstance(self.mine, tuple):
            return UNREADABLE
        return FILL if self.theirs is None else BLANK if self.mine is None else CORRECTION


@dataclass(frozen=True)
class SheetDiff:
    """The differing cells of one score sheet (student, subject, semester) between owner and target."""

    key: str  # "student:subject:semester"
    subject: catalogs.SubjectInfo
    own: dict
    theirs: dict
    cells: tuple[CellDiff, ...]

    @property
    def student(self) -> str:
        return self.key.split(":", 1)[0]

    @property
    def semester(self) -> str:
        return self.key.rsplit(":", 1)[1]

    @property
    def pushable(self) -> tuple[CellDiff, ...]:
        return tuple(c for c in self.cells if c.kind != UNREADABLE)

    @property
    def kind(self) -> str:
        """The change this sheet needs: only fills; blanks (with fills); else a correction."""
        kinds = {c.kind for c in self.pushable}
        if kinds == {FILL}:
            return FILL
        if CORRECTION not in kinds:
            return BLANK
        return CORRECTION


def diff_sheets(owner: dict[str, dict], target: dict[str, dict], keys: Iterable[str] | None = None) -> list[SheetDiff]:
    """Every sheet both sides hold whose cells differ, cell by cell, values normalised first
    (``8,5`` and ``8.5`` are one score). ``keys``: only these sheets (a bulk pre-filter)."""
    found = []
    for key in sorted(keys if keys is not None else owner):
        own, theirs = owner.get(key), target.get(key)
        if own is None or theirs is None:
            continue  # a sheet the target does not know: a student or subject for a person
        try:
            subject = catalogs.subject(key.split(":")[1])
        except (MappingError, IndexError):
            continue
        mine, their = score_cells(own, subject.by_comment), score_cells(theirs, subject.by_comment)
        cells = tuple(CellDiff(c, mine[c], their[c]) for c in CELLS if mine[c] != their[c])
        if cells:
            found.append(SheetDiff(key, subject, own, theirs, cells))
    return found


@dataclass(frozen=True)
class PlannedChange:
    platform: str
    entity: str
    key: str
    payload: dict[str, Any]
    kind: str  # fill | blank | correction
    class_code: str | None
    cells: tuple[str, ...]


def planned_change(diff: SheetDiff, platform: str, entity: str, version: int, class_code: str | None) -> PlannedChange:
    """The push that makes the target's sheet equal the owner's (the target's other cells kept)."""
    changed = {c.cell: c.mine for c in diff.pushable}
    theirs = score_cells(diff.theirs, diff.subject.by_comment)
    merged = {c: (changed[c] if c in changed else theirs[c]) for c in CELLS}
    tx = trimmed(merged[f"tx{i}"] for i in range(4))
    payload = sheet_payload(platform, base=diff.theirs, tx=tx, gk=merged["gk"], ck=merged["ck"], version=version)
    return PlannedChange(platform, entity, diff.key, payload, diff.kind, class_code, tuple(changed))


def plan_scores(
    owner: dict[str, dict],
    targets: dict[str, dict[str, tuple[int, dict]]],
    student_classes: dict[str, str],
    authority: ScoreAuthority | None = None,
) -> list[PlannedChange]:
    """Changes that make each target's score sheets equal the owner's, cell by cell.

    ``targets``: platform → key → (version held, payload), for the targets that take pushes."""
    authority = authority or ScoreAuthority.from_settings(None)
    planned = []
    for platform, held in targets.items():
        sheets = {key: payload for key, (_, payload) in held.items()}
        for diff in diff_sheets(owner, sheets):
            if not diff.pushable:
                continue  # only unreadable values of the owner differ: for a person, nothing to send
            planned.append(
                planned_change(diff, platform, authority.entity, held[diff.key][0], student_classes.get(diff.student))
            )
    return planned


def for_a_person(diff: SheetDiff, cell: CellDiff, pushed: bool, approval: tuple[str, ...]) -> bool:
    """Whether a differing cell is a discrepancy: always when the target takes no push or the
    owner's value is unreadable; else when its sheet's change waits for the principal (every
    cell of it: she approves the sheet through them, the cells it fills or blanks included)."""
    return not pushed or cell.kind == UNREADABLE or (bool(diff.pushable) and diff.kind in approval)
