"""One reconciliation run over the stored records, full or incremental (`service.reconcile_school`
asks for one and records what it finds). Either way the findings are those of a full run.

Full (`full`): every stored record is read as canonical records (`service.load_sources`, which
also gives each record's content hash) and every student's findings computed (`compare.findings`),
with the checks that ran and the completeness counts. The state the next run needs
(`register.State`) is built alongside: the run's question and each kind's count of records
(`register.Fingerprint`), the links between the platforms' students, and each student's findings
in their places and blank cells. A run whose findings cannot be put back in that order keeps no
state (the saved one is dropped), and the next run is full.

Incremental (`incremental`): the records changed since the state come from the database's change
journal (migration 0016), then only the records of the students owning one of them are read; those
students are recomputed from their own records (`_recomputed`) and their findings put back among
the others' saved ones. A changed roster row (a name, a birth date…) first has the rosters'
findings recomputed from every roster, with the links and the teachers' claimed rows
(`_relinked`); the students whose link or claim moved are recomputed too. Either way the run
empties the journal of the rows it took into account (`service.reconcile_school`).

It falls back to a full run (returns ``None``) when:

- no state is saved (none yet, another `register.STATE_VERSION`, or the last run kept none);
- the global digest moved: the run's question (`Run.context`: the day, closed score-entry
  windows, roles, what is pushed, the platforms and kinds read) or a kind's count of records, or
  the journal says a record went (the set of stored records moved);
- a moved record may matter to more than one student (`register.Layout.owners`), or a changed
  student is one two teachers' rows claim;
- a moved roster row moves a student's class, status or ID (the placement), cannot be read
  without the other records, or gives the rosters alone findings of a per-student stage
  (`compare.PER_STUDENT`);
- the recomputed findings cannot be placed or land on a student not recomputed, or which checks
  ran would change (training levels where there were none, or none left).
"""

from __future__ import annotations

import gc
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from typing import Callable, Iterator, NamedTuple

from lienthong.config.settings import Settings
from lienthong.mapping import catalogs
from lienthong.mapping.registry import mappings
from lienthong.mapping.sources import SourceRecords
from lienthong.reconciliation import completeness
from lienthong.reconciliation.compare import PER_STUDENT, Findings, Partial, Roles, SheetTable, findings
from lienthong.reconciliation.completeness import GONE
from lienthong.reconciliation.discrepancy import Discrepancy
from lienthong.reconciliation.register import (
    STATE_VERSION,
    Fingerprint,
    Layout,
    State,
    finding_fields,
    moved_records,
    placement,
    question_digest,
    ranks,
)
from lienthong.store.plain import Plain
from lienthong.store.reconcile_queries import (
    JOURNALED_ADDITIONS,
    Change,
    keys_of,
    keys_starting,
    kind_counts,
    last_seen,
)

# --- the stored records, as every run reads them ---------------------------------------------


def extra_mappings(settings: Settings | None) -> dict:
    """The mapping modules of platforms the configuration adds (their connectors name them)."""
    if settings is None or not settings.platforms:
        return {}
    from lienthong.connectors.registry import registry  # the connectors, only for added platforms

    return {
        name: cls.mapping
        for name, cls in registry(settings).items()
        if getattr(cls, "mapping", None) is not None and name in settings.platforms
    }


class Kind(NamedTuple):
    """One kind of stored records (a source's entity) as a full run read it."""

    records: int
    keyed: bool  # some key names more than a student (``student:subject:semester``…): not a roster


class Sources(dict):
    """Canonical records by source (`service.load_sources`), with when each source was last read
    and, when read whole, each kind's count (what the state's `register.Fingerprint` keeps)."""

    def __init__(
        self, records: dict[str, SourceRecords], seen: dict[str, datetime], kinds: dict[str, Kind] | None = None
    ):
        super().__init__(records)
        self.seen = seen  # source → when any of its records was last read (stored time, UTC)
        self.kinds = kinds or {}  # "source|entity" → `Kind`, of the kinds with records


@contextmanager
def _collector_waiting() -> Iterator[None]:
    """No garbage collection while every student is compared: the findings and the values compared
    are tens of thousands of small objects, freed by their counts (none in a cycle), that each pass
    of the collector would walk for nothing (a full run's passes: 0.07 s of 2.7)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection while hundreds of thousands of records are made (they all live on:
    each pass of the collector would walk them again), and none of them looked at afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()  # before the collector is back: it would first walk every record made
        if enabled:
            gc.enable()


def class_codes(sources: dict[str, SourceRecords]) -> list[str]:
    """Every class a student of any source is in, sorted."""
    return sorted({s.class_code for source in sources.values() for s in source.students.values() if s.class_code})


# --- one run: full, or incremental over the saved state --------------------------------------

Payloads = Callable[[Plain, str, set[tuple[str, str]]], dict[str, dict[str, dict]]]  # `some_payloads`


@dataclass(frozen=True)
class Run:
    """What one reconciliation is asked: everything its findings depend on besides the records."""

    school_year: str
    today: date
    pushed: bool
    roles: Roles
    closed: tuple[str, ...]
    settings: Settings | None
    # the teachers' students a homeroom teacher linked by hand (an identity doubt settled):
    # (owner's student key, school's student key), sorted (`reconcile_queries.confirmed_links`)
    confirmed: tuple[tuple[str, str], ...] = ()

    def read(self) -> dict[str, frozenset[str]]:
        """Each source and the entities its mapping reads."""
        return {name: frozenset(m.ENTITIES) for name, m in mappings(extra_mappings(self.settings)).items()}

    def context(self) -> str:
        """The run's question as text, part of the state's global digest: another closed window,
        role or platform is another reconciliation. Not the day: absences are counted to it, but
        a later day finds the same until the first absence after the state's day (`incremental`)."""
        scores = self.roles.scores
        roles = [self.roles.identity, self.roles.school, self.roles.results, scores.owner, scores.targets]
        read = sorted((name, sorted(entities)) for name, entities in self.read().items())
        asked = [STATE_VERSION, self.school_year, self.closed, self.pushed, roles]
        # a link settled by hand moves a student's sheets: another question, a full run (only when
        # there are any, so that a school with none keeps its state as before)
        settled = [list(self.confirmed)] if self.confirmed else []
        return repr([*asked, scores.approval, scores.entity, read, *settled])


@dataclass
class Done:
    """One reconciliation's findings over all the school's students, and what the result shows."""

    found: list[Discrepancy]
    classes: list[str]
    listed: dict[str, SourceRecords]  # the sources as far as `homeroom_teachers` reads them
    seen: dict[str, datetime]
    ran: list[str]
    skipped: list[completeness.Skipped]
    blanks: list[completeness.Blanks]
    matched: str
    matched_counts: dict
    state: State | None = None  # to save for the next run
    drop: bool = False  # no state can be kept: drop the saved one


def full(sources: Sources, run: Run) -> Done:
    """Every student recomputed from every stored record (``sources``, read whole by
    `service.load_sources`); the state for the next run kept."""
    roles = run.roles
    with _collector_waiting():
        found = findings(sources, run.school_year, None, run.today, run.pushed, roles, run.closed)
    ran, skipped = completeness.coverage(sources, roles, run.closed, found.over)  # `over`: of the same sources
    owner = sources.get(roles.scores.owner)
    linked = getattr(owner, "linked", None)  # set by `reconcile` when the owner is not the school
    school = sources.get(roles.school) or SourceRecords(roles.school)
    done = Done(
        found.found,
        class_codes(sources),
        sources,
        sources.seen,
        ran,
        skipped,
        [],
        linked.words() if linked and owner.sheets else "",
        linked.as_json() if linked and owner.sheets else {},
        drop=True,
    )
    state = _state(sources, school, found, run, done)
    done.blanks = _figures(state)  # `completeness.figures`, from the counts the state keeps (one pass)
    done.state = state if state.ordered else None
    return done


def _state(
    sources: Sources,
    school: SourceRecords,
    found: Findings,
    run: Run,
    done: Done,
) -> State:
    """What the next run needs to recompute only the students whose records change (`State`);
    not to be kept (``ordered`` false) when this run's findings could not be put back in order from it."""
    roles = run.roles
    order = {key: i for i, key in enumerate(found.links)}
    placed = ranks(found.stages, found.found, school.name, order)
    ordered = placed is not None and [r for r, _ in placed] == sorted({r for r, _ in placed})
    owner_links = found.owner_links
    claims = owner_links.claims if owner_links is not None else {}
    fingerprint = Fingerprint.of(sources.kinds, run.read(), run.context())
    claimed = Counter(school_key for school_key, _ in claims.values())
    sheets, blanks = _blank_counts(school, run.school_year, found.counted)
    listed: dict[str, str] = {}
    for source in sources.values():
        listed.update(source.teachers)
    state = State(
        school=school.name,
        results=roles.results,
        owner=roles.scores.owner,
        identity=roles.identity,
        placement=_placement(sources),
        digest=fingerprint.shared,
        counts=fingerprint.counts,
        rosters=sorted(fingerprint.rosters),
        today=run.today.isoformat(),
        next_absence=_next_absence(school, run.today, None),
        links=list(found.links.items()),
        claims={k: list(v) for k, v in claims.items()},
        contested=sorted(k for k, n in claimed.items() if n > 1),
        semesters=sorted({k.rsplit(":", 1)[1] for k in _source_of(sources, roles.results).results} - {"CN"}),
        has_attendance=school.has_attendance,
        over=found.over if found.over is not None else completeness.over_semesters(sources.values(), run.closed),
        training=sorted({key.rsplit(":", 1)[0] for key in school.training}),
        ran=done.ran,
        skipped=[[s.check, s.reason] for s in done.skipped],
        matched=done.matched,
        matched_counts=done.matched_counts,
        teachers=listed,
        classes=done.classes,
        enrolled=_enrolled(school),
        sheets=sheets,
        blanks=blanks,
    )
    if ordered:
        state.keep(placed, found.found)
    state.ordered = ordered
    return state


def _placement(sources: dict[str, SourceRecords]) -> str:
    return placement((name, key, s) for name, source in sources.items() for key, s in source.students.items())


def _source_of(sources: dict[str, SourceRecords], name: str) -> SourceRecords:
    return sources.get(name) or SourceRecords(name)


def _enrolled(school: SourceRecords) -> dict[str, int]:
    """Students of each class still in the school (as `completeness.figures` counts them)."""
    return dict(Counter(s.class_code for s in school.students.values() if s.class_code and s.status not in GONE))


def _blank_counts(
    school: SourceRecords, school_year: str, counted: completeness.SheetCounts | None = None
) -> tuple[list, dict[str, list]]:
    """The school's score sheets counted as `completeness.figures` counts them: ``[class, subject,
    semester, sheets, required cells]`` of each, and each student's blank required cells
    ``[class, subject, semester, blank]`` (only where some are blank). ``counted``: the school's
    `completeness.counted_sheets` when the run has them already (`Findings.counted`)."""
    if counted is None:
        counted = completeness.counted_sheets(school, school_year)
    blanks: dict[str, list] = {}
    for item in counted.blank:
        blanks.setdefault(item.student_key, []).append([item.class_code, item.subject.code, item.semester, item.blank])
    return [[*place, *count] for place, count in counted.places.items()], blanks


def _figures(state: State) -> list[completeness.Blanks]:
    """`completeness.figures` from the state's counts (each student's blanks as last computed)."""
    blank: Counter = Counter()
    for items in state["blanks"].values():
        for cls, code, semester, n in items:
            blank[(cls, code, semester)] += n
    counts = {(cls, code, semester): (n, required) for cls, code, semester, n, required in state["sheets"]}
    over, enrolled = state["over"], state["enrolled"]
    out = []
    for cls, semester in sorted({(cls, semester) for cls, _, semester in counts}):
        for code in catalogs.subjects():
            sheets, required = counts.get((cls, code, semester), (0, 0))
            done = semester in over.get(cls, {})
            out.append(
                completeness.Blanks(
                    cls, code, semester, enrolled.get(cls, 0), sheets, required, blank[(cls, code, semester)], done
                )
            )
    return out


def _over_view(over: dict[str, dict[str, str]]) -> Sources:
    """Sources whose results make `completeness.over_semesters` give ``over`` again (with the same
    closed windows): one stand-in student per class, a result for each semester over by results."""
    students, results = {}, {}
    for i, (cls, semesters) in enumerate(sorted(over.items())):
        key = f"~{i}"
        students[key] = SimpleNamespace(class_code=cls, ministry_id=None)
        over_by_results = [semester for semester, why in semesters.items() if why == completeness.RESULTS]
        results.update({f"{key}:{semester}": None for semester in over_by_results})
    return Sources({"~over": SourceRecords("~over", students=students, results=results)}, {})


# The kind whose added records an incremental run takes (the school's attendance: an absence is
# its student's alone, once the school has any, `SourceRecords.has_attendance`); a record of any
# other kind added means a full run (a score sheet moves the classes' figures, a result which
# semesters are over, a student the rosters).
ADDABLE = JOURNALED_ADDITIONS  # the additions the writers journal (`store.reconcile_queries`)


def _next_absence(school: SourceRecords, today: date, before: str | None) -> str | None:
    """The first day after ``today`` with an absence of the school's record (ISO), or ``before``
    when that is earlier: the findings hold for any day until then (absences are counted to the day)."""
    later = [absence.day.isoformat() for absence in school.absences if absence.day > today]
    return min([*later, *([before] if before else [])], default=None)


def incremental(db: Plain, run: Run, payloads: Payloads, changes: list[Change]) -> Done | None:
    """The saved state's findings, with the students whose records changed recomputed from their
    own records only; ``None`` when a full run is needed (no state, the rosters, the set of records
    or the run's question changed, a student two teachers' rows claim changed, a day past the
    first absence after the state's). ``changes``: the change journal's rows not yet taken into
    account (`reconcile_queries.pending_changes`, read before anything else); ``payloads`` reads
    the changed records (`reconcile_queries.some_payloads`, passed in so that what a run reads can
    be watched)."""
    read = run.read()
    state = State.load(db)
    if state is None or question_digest(run.context()) != state["digest"]:
        return None
    moved = moved_records(changes, read)
    day, next_absence = run.today.isoformat(), state["next_absence"]
    if moved is None or day < state["today"] or (next_absence is not None and next_absence <= day):
        return None
    layout = state.layout(read)
    for name in moved.added:
        source, entity = name.split("|", 1)
        if source != layout.school or entity not in ADDABLE or not state["has_attendance"]:
            return None
    counts = kind_counts(db)
    within = {f"{source}|{entity}": n for (source, entity), n in counts.items() if entity in read.get(source, ())}
    if within != dict(Counter(state["counts"]) + moved.added):  # a record added with no state saved yet
        return None
    fingerprint = Fingerprint(state["digest"], within, set(state["rosters"]))
    seen = last_seen(db, sorted({source for source, _ in counts}))
    records = moved.records
    if any(":" not in key for _, _, key in records):  # a roster's row: the links may move
        relinked = _relinked(db, state, fingerprint, records, run, layout, payloads)
        if relinked is None:
            return None
        layout, changed = relinked
    else:
        changed = layout.owners(records)
    if changed is None or changed & set(state["contested"]):
        return None
    stored = _changed_records(db, layout, changed, fingerprint, payloads) if changed else {}
    found = _recomputed(stored, state, changed, run, layout) if changed else {}
    if found is None:
        return None
    merged = state.findings()
    for key in set(state["found"]) | changed:
        merged += found[key] if key in changed else state.findings(key)
    merged.sort(key=lambda item: item[0])
    listed = Sources({"~teachers": SourceRecords("~teachers", teachers=state["teachers"])}, {})
    moved_on = bool(records) or day != state["today"]
    state.update(counts=within, today=day)
    return Done(
        [d for _, d in merged],
        state["classes"],
        listed,
        seen,
        state["ran"],
        [completeness.Skipped(check, reason) for check, reason in state["skipped"]],
        _figures(state),
        state["matched"],
        state["matched_counts"],
        state=state if moved_on else None,  # nothing changed: the saved state stands
    )


def _relinked(
    db: Plain, state: State, fingerprint: Fingerprint, moved: list, run: Run, before: Layout, payloads: Payloads
) -> tuple[Layout, set[str]] | None:
    """A roster changed (a name, a birth date…, where each student is placed left as it was): the
    rosters' findings recomputed from every roster (matching, the teachers' rows, refused
    reports), the state updated with them and the links; returns the new layout and the school's
    students to recompute (whose records, roster rows, link or claimed rows moved). ``None``: a
    full run (a student's class, status or ID moved, a claim contested, a record unreadable)."""
    sources = {}
    for name, mapping in mappings(extra_mappings(run.settings)).items():
        stored: dict[str, dict] = {}
        wanted = set()
        for entity in mapping.ENTITIES:
            block = f"{name}|{entity}"
            if block in fingerprint.rosters:
                stored[entity] = None  # read below
                wanted.update((entity, key) for key in keys_of(db, name, entity))
            elif name == before.owner and block in fingerprint.counts:  # which rows the owner's books hold
                stored[entity] = dict.fromkeys(keys_of(db, name, entity), {})
        read = payloads(db, name, wanted) if wanted else {}
        stored = {entity: read.get(entity, {}) if rows is None else rows for entity, rows in stored.items()}
        try:
            sources[name] = mapping.to_canonical(stored)
        except Exception:  # a kind this mapping reads but cannot take without its contents: a full run
            return None
        if name == before.owner:  # as `service.load_sources` gives them
            sources[name].confirmed = dict(run.confirmed)
    if _placement(sources) != state["placement"]:
        return None
    roles = run.roles
    found = findings(sources, run.school_year, None, run.today, run.pushed, roles, run.closed)
    if any(stage[0] in PER_STUDENT for stage in found.stages):
        return None
    claims = found.owner_links.claims if found.owner_links is not None else {}
    after = Layout(before.school, before.results, before.owner, before.read, found.links, claims, before.anchors)
    changed = set()
    for layout in (before, after):
        owners = layout.owners(moved)
        if owners is None:
            return None
        changed |= owners | layout.students_of(moved)
    changed |= {k for k in before.links.keys() | after.links.keys() if before.links.get(k) != after.links.get(k)}
    for key in before.claims.keys() | after.claims.keys():
        if before.claims.get(key) != after.claims.get(key):
            changed |= {claim[0] for claim in (before.claims.get(key), after.claims.get(key)) if claim}
    claimed = Counter(school_key for school_key, _ in claims.values())
    owner = sources.get(roles.scores.owner)
    linked = getattr(owner, "linked", None)
    order = {key: i for i, key in enumerate(found.links)}
    placed = ranks(found.stages, found.found, before.school, order)
    listed: dict[str, str] = {}
    for source in sources.values():
        listed.update(source.teachers)
    state.keep(placed, found.found, keep_students=True)
    state.update(
        links=list(found.links.items()),
        claims={k: list(v) for k, v in claims.items()},
        contested=sorted(k for k, n in claimed.items() if n > 1),
        teachers=listed,
        matched=linked.words() if linked and owner.sheets else "",
        matched_counts=linked.as_json() if linked and owner.sheets else {},
    )
    state.reorder(order)
    return after, changed


def _changed_records(
    db: Plain, layout: Layout, changed: set[str], fingerprint: Fingerprint, payloads: Payloads
) -> dict[str, dict[str, dict]]:
    """The stored records of the changed students, by source: each one's own records, its roster
    row on the school's platform and the score owner's rows that claim it."""
    prefixes = layout.prefixes(changed)
    wanted: dict[str, set[tuple[str, str]]] = {}
    for source, starts in prefixes.items():
        kinds = [
            entity
            for entity in layout.read.get(source, ())
            if f"{source}|{entity}" in fingerprint.counts and f"{source}|{entity}" not in fingerprint.rosters
        ]
        wanted[source] = keys_starting(db, source, kinds, starts) if starts and kinds else set()
    for source in (layout.school, layout.owner):  # their roster rows, keyed by the student alone
        rows = wanted.setdefault(source, set())
        rows.update((entity, key) for key in prefixes.get(source, ()) for entity in layout.read.get(source, ()))
    return {source: payloads(db, source, keys) for source, keys in wanted.items() if keys}


def _recomputed(
    stored: dict[str, dict[str, dict]], state: State, changed: set[str], run: Run, layout: Layout
) -> dict[str, list] | None:
    """The changed students' findings with their places, recomputed from their records; the
    state updated for them. ``None`` when what was read does not fit the state (a full run then)."""
    sources = {}
    with collector_paused():
        for name, mapping in mappings(extra_mappings(run.settings)).items():
            own = stored.get(name, {})
            records = mapping.to_canonical({entity: own.get(entity, {}) for entity in mapping.ENTITIES})
            if records.sheets:
                records.sheets = SheetTable(records.sheets)
            sources[name] = records
    school = _source_of(sources, layout.school)
    school.has_attendance = state["has_attendance"]
    partial = Partial(layout.links, layout.claims, state["semesters"], _over_view(state["over"]))
    found = findings(sources, run.school_year, None, run.today, run.pushed, run.roles, run.closed, partial)
    order = {key: i for i, key in enumerate(layout.links)}
    placed = ranks(found.stages, found.found, school.name, order)
    if placed is None or any(student not in changed for _, student in placed):
        return None
    training = (set(state["training"]) - changed) | {k.rsplit(":", 1)[0] for k in school.training}
    if bool(training) != bool(state["training"]):  # which checks ran would change
        return None
    out: dict[str, list] = {key: [] for key in changed}
    for (r, student), d in zip(placed, found.found):
        out[student].append((r, d))
    _, blanks = _blank_counts(school, run.school_year, found.counted)
    for key in changed:
        state["found"].pop(key, None)
        state["blanks"].pop(key, None)
        if out[key]:
            state["found"][key] = [[list(r), finding_fields(d)] for r, d in out[key]]
        if key in blanks:
            state["blanks"][key] = blanks[key]
    state["training"] = sorted(training)
    state["next_absence"] = _next_absence(school, run.today, state["next_absence"])
    return out
