"""The register of discrepancies: each difference once, by its stable id, across runs.

A difference seen again keeps its record and only its ``last_seen`` moves; one no longer
seen is closed (the sources agree again); one that comes back is reopened.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable

import orjson

from lienthong.reconciliation.compare import BLANKS, PER_STUDENT, PERIODS, SCORES, YEAR
from lienthong.reconciliation.discrepancy import Discrepancy
from lienthong.store import reconcile_queries
from lienthong.store.plain import Plain, opened

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlmodel import Session

# Discrepancies another workflow opens and closes (`reconciliation.results`: an approved result a
# source changed): a reconciliation, which does not look for them, leaves them as they are.
OWN_LIFECYCLE = ("approved_result_changed",)


def record(
    store: Plain | Session | sa.Engine,
    found: list[Discrepancy],
    now: datetime,
    scope_classes: set[str] | None = None,
    assignees: dict[str, str] | None = None,
) -> Counter:
    """Apply one reconciliation's findings; returns counts of new, seen, reopened and closed.
    ``store``: a `store.plain.Plain` or a session (their caller commits) or an engine (`store.plain.opened`).

    Each difference is assigned to the homeroom teacher of its class (``assignees``), when known.
    """
    assignees = assignees or {}
    counts: Counter = Counter()
    current = {d.id: d for d in found}
    with opened(store) as db:
        stored = reconcile_queries.discrepancies(db, scope_classes)
        new: list[reconcile_queries.NewDiscrepancy] = []
        touched: list[str] = []
        reopened: list[str] = []
        rewritten: list[tuple[str, dict, str | None]] = []
        for key, discrepancy in current.items():
            row = stored.get(key)
            shown = discrepancy.as_json()
            if row is None:
                assignee = assignees.get(discrepancy.class_code or "")
                new.append(
                    reconcile_queries.NewDiscrepancy(key, discrepancy.kind, discrepancy.class_code, shown, assignee)
                )
                counts["new"] += 1
                continue
            assignee = assignees.get(discrepancy.class_code or "") or row.assignee
            if row.status == "closed":
                reopened.append(key)
                counts["reopened"] += 1
            else:
                counts["seen"] += 1
            if row.status != "closed" and row.assignee == assignee and row.record == shown:
                touched.append(key)  # only seen again: all of them in one statement below
            else:
                rewritten.append((key, shown, assignee))
        closed = [
            key
            for key, row in stored.items()
            if key not in current and row.status != "closed" and row.kind not in OWN_LIFECYCLE  # open … resolved
        ]
        counts["closed"] += len(closed)
        reconcile_queries.add_discrepancies(db, new, now)
        reconcile_queries.reopen_discrepancies(db, reopened)
        reconcile_queries.seen_again(db, rewritten, now)
        reconcile_queries.close_discrepancies(db, closed, now)
        reconcile_queries.touch_discrepancies(db, touched, now)
    return +counts


# --- what the next reconciliation needs to recompute only what changed ------------------------
#
# Every stored record either belongs to one of the school's students (a score sheet, a training
# level, an absence, a semester result: its key starts with the student's key on its platform,
# which the links turn into the school's key: `Layout.place`) or to the rosters (students,
# classes, reports). A student's findings in the per-student stages (`compare.PER_STUDENT`) depend
# only on that student's records, on the rosters and on which records exist. So the state keeps
# the digest of the run's question and how many records each kind read holds (`Fingerprint`),
# with each student's findings. Which records changed, were added or went since comes from the
# database's change journal (`store.reconcile_queries.pending_changes`, written by triggers:
# migration 0016), which each run empties of what it took into account. When the question is the
# one saved, no record went and each kind's count is the state's plus the additions journaled, only
# the students that own a changed or added record are recomputed, from their own records; a
# changed record of no one student (an unlinked result…) means a full run, and so does an added
# record of a kind other than the school's attendance (`runs.ADDABLE`: a score sheet, a result or a
# student added moves figures or checks beyond its student).

STATE_ID = "school"
STATE_VERSION = 5


def _digest(parts: list[str]) -> str:
    return hashlib.blake2b("\n".join(parts).encode("utf-8"), digest_size=12).hexdigest()


def question_digest(context: str) -> str:
    """The digest of a run's question (`runs.Run.context`), as the state keeps it."""
    return _digest([context])


@dataclass
class Fingerprint:
    """The stored records as the state compares them, for the entities each source's mapping
    reads: the digest of the run's question, each kind's count of records, and the kinds keyed by
    a student (or class…) alone, the rosters."""

    shared: str
    counts: dict[str, int]  # "source|entity" → how many records
    rosters: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, kinds: dict[str, Any], read: dict[str, frozenset[str]], context: str) -> "Fingerprint":
        """From the kinds a full run read: ``"source|entity" → (records, keyed)`` (`runs.Kind`:
        how many, and whether some key names more than a student), of the kinds with records."""
        counts, rosters = {}, set()
        for name, (records, keyed) in kinds.items():
            source, entity = name.split("|", 1)
            if records and entity in read.get(source, ()):
                counts[name] = records
                if not keyed:
                    rosters.add(name)
        return cls(question_digest(context), counts, rosters)


@dataclass
class Moved:
    """What the change journal says of the kinds read since the state (`moved_records`)."""

    records: list[tuple[str, str, str]]  # (source, entity, key) changed or added, in order
    added: Counter  # "source|entity" → records added


def moved_records(changes: Iterable[Any], read: dict[str, frozenset[str]]) -> Moved | None:
    """The records of the kinds read whose content changed or that were added, from the change
    journal's rows (`reconcile_queries.Change`); ``None`` when one of them went (the set of
    records moved: a full run)."""
    out, added = set(), Counter()
    for change in changes:
        if change.entity in read.get(change.source, ()):
            if change.change == reconcile_queries.REMOVED:
                return None
            if change.change == reconcile_queries.ADDED:
                added[f"{change.source}|{change.entity}"] += 1
            out.add((change.source, change.entity, change.key))
    return Moved(sorted(out), added)


@dataclass
class Layout:
    """Which school's student each stored record belongs to (`place`)."""

    school: str
    results: str
    owner: str
    read: dict[str, frozenset[str]]  # source → the entities its mapping reads
    links: dict[str, str]  # the school's student key → the identity source's
    claims: dict[str, tuple[str, str]]  # the owner's student → (school's student, way)
    anchors: tuple[str, ...] = ()  # the identity source (whose roster rows name the links' other side)
    by_anchor: dict[str, str | None] = field(init=False)

    def __post_init__(self) -> None:
        self.by_anchor = {}
        for key, anchor in self.links.items():
            self.by_anchor[anchor] = None if anchor in self.by_anchor else key  # two on one: the rosters'

    def students_of(self, moved: list[tuple[str, str, str]]) -> set[str] | None:
        """The school's students owning the rosters' rows of ``moved`` (records keyed by a student
        alone: the school's, the identity source's linked one, the owner's claiming one)."""
        out, by_anchor = set(), {}
        for key, anchor in self.links.items():
            by_anchor.setdefault(anchor, set()).add(key)
        for source, _, key in moved:
            if ":" in key:
                continue
            if source == self.school:
                out.add(key)
            if source == self.results or source in self.anchors:
                out |= by_anchor.get(key, set())
            if source == self.owner and key in self.claims:
                out.add(self.claims[key][0])
        return out

    def owners(self, moved: list[tuple[str, str, str]]) -> set[str] | None:
        """The school's students owning the ``moved`` records. A record of no student (a result of
        an unlinked student, a book's row linked to nobody) changes no finding: its kind's count
        is in the state, its content read by no check. ``None`` when a record's
        content may matter to more than one student (a result linked twice, another platform's)."""
        out = set()
        for source, _, key in moved:
            student, colon, _ = key.partition(":")
            if not colon:
                continue  # a roster's row: `students_of`
            if source == self.school:
                out.add(student)
            elif source == self.results:
                if student in self.by_anchor:
                    if self.by_anchor[student] is None:
                        return None
                    out.add(self.by_anchor[student])
            elif source == self.owner:
                if student in self.claims:
                    out.add(self.claims[student][0])
            else:
                return None
        return out

    def prefixes(self, students: set[str]) -> dict[str, set[str]]:
        """What the records of ``students`` (school's keys) start with on each platform: the key,
        the identity source's linked key (results), the owner's students that claim it."""
        out: dict[str, set[str]] = {self.school: set(students)}
        out.setdefault(self.results, set()).update(self.links[k] for k in students if k in self.links)
        owned = {key for key, (school_key, _) in self.claims.items() if school_key in students}
        out.setdefault(self.owner, set()).update(owned)
        return out


def ranks(
    stages: list[tuple[int, int, int]], found: list[Discrepancy], school: str, order: dict[str, int]
) -> list[tuple[tuple, str | None]] | None:
    """Each finding's place in `compare.findings`' order, worked out from the finding alone (so
    that findings kept from earlier runs and new ones merge in that order), with the school's
    student it belongs to (``None``: the rosters'). Cells and blanks come by score sheet key, each
    semester's checks and the year's by the links' order (``order``), a count within one place
    after that. ``None`` when a per-student finding names no linked school's student."""
    out, seen = [], Counter()
    for i, (stage, d) in enumerate(zip(stages, found)):
        if stage[0] not in PER_STUDENT:
            out.append(((*stage, i, "", 0), None))
            continue
        student = d.keys.get(school)
        if student is None:
            return None
        if stage[0] in (SCORES, BLANKS):
            base = (*stage, 0, f"{student}:{d.subject}:{d.semester}")
        elif student in order:
            base = (*stage, order[student], "")
        else:
            return None
        seen[base] += 1
        out.append(((*base, seen[base]), student))
    return out


def placement(students: Iterable[tuple[str, str, Any]]) -> str:
    """A digest of where each student is placed (class, status, ministry ID), ``(source, key,
    student)`` for every platform's students: what a roster change must leave alone for the
    classes' figures and which semesters are over to stand."""
    lines = sorted(
        f"{source}|{key}|{s.class_code}|{getattr(s.status, 'value', s.status)}|{s.ministry_id}"
        for source, key, s in students
    )
    return _digest(lines)


def finding_fields(d: Discrepancy) -> dict:
    """A finding's fields as they are (written out at once: no copy, unlike `dataclasses.asdict`)."""
    return {name: getattr(d, name) for name in _FIELDS}


_FIELDS = tuple(f.name for f in fields(Discrepancy))


def _finding(record: dict) -> Discrepancy:
    return Discrepancy(**record)


class State(dict):
    """The saved state's body (JSON): see the comment above `STATE_ID`."""

    ordered = True  # its findings' places give back their order (else it is not kept)

    @classmethod
    def load(cls, db: Plain) -> "State | None":
        saved = reconcile_queries.reconcile_state(db, STATE_ID)
        if saved is None or saved[0] != STATE_VERSION:
            return None
        try:
            return cls(orjson.loads(saved[1]))
        except orjson.JSONDecodeError:  # not what this version wrote: the next run is full, and writes it again
            return None

    def save(self, db: Plain, at: datetime) -> None:
        try:
            body = orjson.dumps(self, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")
        except TypeError:  # a finding holding a value JSON cannot keep: no state, the next run is full
            body = None
        reconcile_queries.save_reconcile_state(db, STATE_ID, STATE_VERSION, body, at)

    @staticmethod
    def drop(db: Plain, at: datetime) -> None:
        reconcile_queries.save_reconcile_state(db, STATE_ID, STATE_VERSION, None, at)

    def layout(self, read: dict[str, frozenset[str]]) -> Layout:
        return Layout(
            self["school"],
            self["results"],
            self["owner"],
            read,
            dict(self["links"]),
            {k: (v[0], v[1]) for k, v in self["claims"].items()},
            (self["identity"],),
        )

    def keep(
        self, placed: list[tuple[tuple, str | None]], found: list[Discrepancy], keep_students: bool = False
    ) -> None:
        """The findings, each with its place (`ranks`): the rosters' ones and each student's
        (``keep_students``: only the rosters' given, the students' ones kept as they are)."""
        shared, per_student = [], {}
        for (r, student), d in zip(placed, found):
            item = [list(r), finding_fields(d)]
            if student is None:
                shared.append(item)
            else:
                per_student.setdefault(student, []).append(item)
        self["shared"] = shared
        if not keep_students:
            self["found"] = per_student

    def reorder(self, order: dict[str, int]) -> None:
        """The students' findings placed by the links' new order (each semester's checks and the
        year's come in it)."""
        for student, items in self["found"].items():
            for r, _ in items:
                if r[0] in (PERIODS, YEAR) and student in order:  # one no longer linked is recomputed
                    r[3] = order[student]

    def findings(self, student: str | None = None) -> list[tuple[tuple, Discrepancy]]:
        """The kept findings of the rosters (``student`` ``None``) or of one student, with their places."""
        items = self["shared"] if student is None else self["found"].get(student, [])
        return [(tuple(r), _finding(record)) for r, record in items]
