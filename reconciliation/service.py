"""The reconciliation use cases, one function each, returning data: the CLI, the daemon and the
dashboard only present what these return."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Callable

from lienthong.config.settings import Settings
from lienthong.mapping.errors import MappingError
from lienthong.mapping.normalize import class_order, clean_name
from lienthong.mapping.registry import mappings
from lienthong.mapping.sources import SourceRecords
from lienthong.reconciliation import completeness, runs
from lienthong.reconciliation.authority import ScoreAuthority, pushing_targets
from lienthong.reconciliation.compare import Roles, SheetTable, reconcile
from lienthong.reconciliation.discrepancy import Discrepancy
from lienthong.reconciliation.matching import MatchResult, Person, match
from lienthong.reconciliation.people import person
from lienthong.reconciliation.register import State, record
from lienthong.reconciliation.runs import Kind, Sources, class_codes, collector_paused, extra_mappings
from lienthong.store import reconcile_queries
from lienthong.store.plain import Plain, opened
from lienthong.store.reconcile_queries import school_payloads, some_payloads
from lienthong.store.school_lock import one_at_a_time

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlmodel import Session

    from lienthong.store.accounts import Actor

VN_TZ = timezone(timedelta(hours=7))
# A school's reconciliations take turns (`store.school_lock`): the daemon's after a sync, the
# dashboard's after an upload and a person's command, in one process or several.
RECONCILE = "reconcile"


def vn_time(at: datetime) -> str:
    """A stored time (UTC, with or without offset) as Vietnam's local time with its offset."""
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(VN_TZ).isoformat(timespec="seconds")


def load_sources(store: sa.Engine | Session | Plain, settings: Settings | None = None) -> Sources:
    """Every stored pull and import as canonical records, by source: each platform's mapping
    module reads the entities it declares, all read with one query per source (`school_payloads`,
    which also says when each source was last read: `Sources.seen`). How many records of each kind
    were read, and which kinds are keyed by a student alone, go with them (`Sources.kinds`)."""
    sources, seen, kinds = {}, {}, {}
    with collector_paused(), opened(store) as db:
        read = mappings(extra_mappings(settings))
        everything = school_payloads(db, {name: tuple(mapping.ENTITIES) for name, mapping in read.items()})
        for name, mapping in read.items():
            stored = everything[name]
            if stored.seen_at is not None:
                seen[name] = stored.seen_at
            for entity, rows in stored.payloads.items():
                if rows:
                    kinds[f"{name}|{entity}"] = Kind(len(rows), any(":" in key for key in rows))
            records = mapping.to_canonical(stored.payloads)
            if records.sheets:  # score sheets read once, when first compared (`SheetTable`)
                records.sheets = SheetTable(records.sheets)
            sources[name] = records
        owner = sources.get(Roles.from_settings(settings.authority if settings else None).scores.owner)
        if owner is not None:
            owner.confirmed = dict(reconcile_queries.confirmed_links(db, owner.name))
    return Sources(sources, seen, kinds)


def has_data(sources: dict[str, SourceRecords]) -> bool:
    return any(s.raw_names or s.sheets or s.results or s.requests or s.summaries for s in sources.values())


@dataclass
class Reconciliation:
    """One reconciliation's findings, recorded in the register."""

    found: list[Discrepancy]
    changes: Counter  # new, seen, reopened, closed
    teachers: dict[str, str]  # class → its homeroom teacher
    seen: dict[str, str]  # source → when it was last read (Vietnam time)
    school_year: str
    class_code: str | None = None
    at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    ran: list[str] = field(default_factory=list)  # the checks that ran (`completeness.coverage`)
    skipped: list[completeness.Skipped] = field(default_factory=list)  # those that could not, and why
    blanks: list[completeness.Blanks] = field(default_factory=list)  # completeness of the school's score books
    matched: str = ""  # how the teachers' rows were linked to students: `OwnerLinks.words`
    matched_counts: dict = field(default_factory=dict)  # the same as data: `OwnerLinks.as_json`

    @property
    def compared(self) -> bool:
        """Whether any two sources were compared: "no difference" means something only then."""
        return completeness.compared_anything(self.ran)

    def records(self) -> list[dict]:
        """Each discrepancy as JSON, with when each of its sources was last read."""
        return [_with_seen(d.as_json(), self.seen) for d in self.found]

    def incomplete(self) -> list[dict]:
        """The completeness figures worth a look: a class, subject and semester with blank
        required cells or students without a sheet, as JSON."""
        return [b.as_json() for b in self.blanks if b.blank or b.sheets < b.students]

    def summary(self) -> dict:
        counts = Counter(d.kind for d in self.found)
        return {
            "total": len(self.found),
            "new": self.changes["new"],
            "closed": self.changes["closed"],
            "by_kind": dict(sorted(counts.items())),
            "by_class": dict(sorted(Counter(d.class_code for d in self.found).items())),
            "compared": self.compared,
            "checks": self.ran,
            "skipped": [s.as_json() for s in self.skipped],
            "incomplete": self.incomplete(),
            "gradebook_links": self.matched_counts,
        }


class NoData(ValueError):
    """Nothing stored yet to reconcile."""


class UnknownChoice(ValueError):
    """A class (or subject, student) that the data does not have: said with the ones it has."""


def known_class(sources: dict[str, SourceRecords], wanted: str | None) -> str | None:
    """``wanted`` as the data writes it (``6a2``, `` 6A 2`` → ``6A2``); an unknown class is refused
    with the known ones listed, never answered with "no differences"."""
    return _known(class_codes(sources), wanted)


def _known(known: list[str], wanted: str | None) -> str | None:
    if wanted is None:
        return None
    code = "".join(wanted.split()).upper()
    if code not in known:
        raise UnknownChoice(f"Không có lớp «{wanted}» trong dữ liệu; các lớp: {', '.join(known) or '(chưa có)'}.")
    return code


def scores_pushed(settings: Settings) -> bool:
    """Whether the sync pushes the score owner's values to its targets here (configured connectors)."""
    if not settings.configured_platforms():
        return False  # no platform configured (a school working from files alone): nothing is pushed
    from lienthong.connectors.registry import registry  # the connectors, only when some are configured

    known = registry(settings)
    configured = {name: cls for name, cls in known.items() if settings.section(name) is not None}
    return bool(pushing_targets(ScoreAuthority.from_settings(settings.authority.scores), configured))


def closed_semesters(settings: Settings | None, school_year: str, at: datetime) -> tuple[str, ...]:
    """Semesters of ``school_year`` whose score-entry window (the school's own, ``[[lock_windows]]``
    in the configuration, which are the current year's) closed before ``at``."""
    if settings is None or school_year != settings.current_school_year():
        return ()
    return tuple(sorted(completeness.closed_semesters(settings.lock_windows, school_year, at)))


def reconcile_school(
    store: sa.Engine | Plain,
    school_year: str,
    class_code: str | None = None,
    today: date | None = None,
    pushed: bool = False,
    settings: Settings | None = None,
    full: bool = False,
) -> Reconciliation:
    """Reconcile every stored source (or one class), record the findings in the register.
    ``pushed``: see `scores_pushed`; ``settings``: roles and further platforms (defaults without).
    The result also says which checks could not run and how complete the school's score books are.

    Only the students whose stored records changed since the last reconciliation are recomputed
    (`runs.incremental`; the others' findings are kept), unless ``full`` or the rosters, the set of
    records, the day or the configuration changed: the findings are those of a full run either way."""
    today = today or date.today()
    at = datetime.now(timezone.utc)
    roles = Roles.from_settings(settings.authority if settings else None)
    run = runs.Run(school_year, today, pushed, roles, closed_semesters(settings, school_year, at), settings)
    with opened(store) as db, one_at_a_time(db, RECONCILE):
        journal = reconcile_queries.pending_changes(db)  # before any record is read: see `runs.incremental`
        run = replace(run, confirmed=reconcile_queries.confirmed_links(db, roles.scores.owner))
        done = None if full else runs.incremental(db, run, some_payloads, journal)
        if done is None:
            done = _full(db, run)
        class_code = _known(done.classes, class_code)
        found = [d for d in done.found if not class_code or d.class_code == class_code]
        blanks = [b for b in done.blanks if not class_code or b.class_code == class_code]
        teachers = {c: t.name for c, t in homeroom_teachers(db, done.listed, school_year).items()}
        changes = record(db, found, at, {class_code} if class_code else None, teachers)
        if done.state is not None:
            done.state.save(db, at)
        elif done.drop:
            State.drop(db, at)
        reconcile_queries.consume_changes(db, [change.id for change in journal])
        db.commit()
    return Reconciliation(
        found,
        changes,
        teachers,
        {source: vn_time(when) for source, when in done.seen.items()},  # read with the records
        school_year,
        class_code,
        at,
        done.ran,
        done.skipped,
        blanks,
        done.matched,
        done.matched_counts,
    )


def _full(db: Plain, run: runs.Run) -> runs.Done:
    """Every stored record read (`load_sources`) and every student recomputed from them (`runs.full`)."""
    sources = load_sources(db, run.settings)
    if not has_data(sources):
        raise NoData("Chưa có dữ liệu: hãy chạy `lienthong sync --once` hoặc `lienthong import TỆP…` trước.")
    return runs.full(sources, run)


# --- homeroom teachers (GVCN) ---------------------------------------------------------------

GVCN_NAMED = "class_gvcn_set"  # the audit action of `name_homeroom_teacher`
MAY_NAME_GVCN = ("it", "principal")
NAMED, CLASS_LIST = "named", "class_list"


def register_statuses(engine: sa.Engine, classes: list[str] | None = None) -> dict[str, str]:
    """Each stored discrepancy's status in the register (open, proposed, approved, resolved,
    closed), by id: what a printed report shows beside every difference."""
    with opened(engine) as db:
        return {key: row.status for key, row in reconcile_queries.discrepancies(db, classes).items()}


@dataclass(frozen=True)
class Homeroom:
    """A class's homeroom teacher and where the name comes from."""

    name: str
    origin: str  # NAMED (by `lienthong classes set-gvcn`) or CLASS_LIST (a platform's class list)
    by: str | None = None  # who named her (an account's ref), for NAMED
    at: datetime | None = None
    listed: str | None = None  # what a class list says when the school named someone else

    def origin_words(self) -> str:
        if self.origin == CLASS_LIST:
            return "danh sách lớp"
        when = f" lúc {vn_time(self.at)[:16].replace('T', ' ')}" if self.at else ""
        said = f"đặt bằng lệnh classes set-gvcn ({self.by or 'không rõ người đặt'}{when})"
        return said + (f"; danh sách lớp ghi «{self.listed}»" if self.listed else "")


def homeroom_teachers(
    store: sa.Engine | Session | Plain, sources: dict[str, SourceRecords], school_year: str
) -> dict[str, Homeroom]:
    """Class → its GVCN: the one the school named for the year, else the one a class list gives."""
    listed: dict[str, str] = {}
    for source in sources.values():
        listed.update(source.teachers)
    out = {code: Homeroom(name, CLASS_LIST) for code, name in listed.items()}
    with opened(store) as db:
        named = reconcile_queries.homeroom_teachers(db, school_year)
        entries = reconcile_queries.audit_entries(db, GVCN_NAMED) if named else []
    if named:
        last = {}
        for entry in entries:
            detail = entry.detail or {}
            if detail.get("school_year") == school_year:
                last[detail.get("class")] = entry
        for code, name in named.items():
            entry = last.get(code)
            other = listed.get(code)
            out[code] = Homeroom(
                name,
                NAMED,
                entry.actor if entry else None,
                entry.at if entry else None,
                other if other and other.split(" (")[0] != name else None,
            )
    return out


@dataclass(frozen=True)
class ClassInfo:
    code: str
    students: int  # in the school's record (or the largest list of it)
    homeroom: Homeroom | None


def list_classes(engine: sa.Engine, school_year: str, settings: Settings | None = None) -> list[ClassInfo]:
    """Every class the data knows, with its GVCN and where the name comes from."""
    sources = load_sources(engine, settings)
    counts: dict[str, int] = {}
    for source in sources.values():
        per = Counter(s.class_code for s in source.students.values() if s.class_code)
        for code, n in per.items():
            counts[code] = max(counts.get(code, 0), n)
    teachers = homeroom_teachers(engine, sources, school_year)
    codes = sorted(set(counts) | set(teachers), key=class_order)
    return [ClassInfo(code, counts.get(code, 0), teachers.get(code)) for code in codes]


class NotPermitted(ValueError):
    """This account's role may not do this; said in Vietnamese."""


def name_homeroom_teacher(
    engine: sa.Engine,
    school_year: str,
    class_code: str,
    full_name: str,
    actor: Actor,
    at: datetime,
    settings: Settings | None = None,
) -> tuple[str, str, Homeroom | None]:
    """The school names a class's GVCN for the year (IT or the principal), audited. Returns the
    class as the data writes it, the name as stored and who was GVCN before."""
    if actor.role not in MAY_NAME_GVCN:
        raise NotPermitted(f"{actor.shown()} không đặt được GVCN: chỉ quản trị CNTT hoặc Hiệu trưởng.")
    try:
        name = clean_name(full_name, field="gvcn")
    except MappingError as exc:
        raise UnknownChoice(f"Tên giáo viên chủ nhiệm không hợp lệ: {exc.reason} ({full_name!r}).") from None
    from sqlmodel import Session

    from lienthong.store import audit, queries

    sources = load_sources(engine, settings)
    code = known_class(sources, class_code)
    assert code is not None
    with Session(engine) as session:
        before = homeroom_teachers(session, sources, school_year).get(code)
        grade = int(code[0]) if code[:1].isdigit() else 0
        queries.set_homeroom_teacher(session, school_year, code, name, grade)
        detail = {"school_year": school_year, "class": code, "teacher": name, "before": before.name if before else None}
        audit.append(session, actor.ref, GVCN_NAMED, detail, at)
        session.commit()
    return code, name, before


def _with_seen(record: dict, seen: dict[str, str]) -> dict:
    sources = [s for s in record["values"] if s in seen] or list(record["student"]["keys"])
    return {**record, "seen": {s: seen[s] for s in sources if s in seen}}


@dataclass(frozen=True)
class StudentMatch:
    """Which vnEdu student is which CSDL student, from the last pulls."""

    result: MatchResult
    anchors: dict[str, Person]  # CSDL students by key
    others: dict[str, Person]  # vnEdu students by key
    unreadable: dict[str, dict[str, str]]  # source → key → reason

    def by_method(self) -> Counter:
        return Counter(link.method for link in self.result.links.values())


def match_students(engine: sa.Engine, settings: Settings | None = None) -> StudentMatch:
    """Which of the school's students is which of the identity source's, from the last pulls."""
    roles = Roles.from_settings(settings.authority if settings else None)
    sources = load_sources(engine, settings)
    school, anchor = sources.get(roles.school), sources.get(roles.identity)
    if not school or not anchor or not school.raw_names or not anchor.raw_names:
        raise NoData("Chưa có danh sách học sinh của cả CSDL và vnEdu: hãy chạy `lienthong sync --once` trước.")
    anchors = [person(anchor.name, k, s) for k, s in anchor.students.items()]
    others = [person(school.name, k, s) for k, s in school.students.items()]
    return StudentMatch(
        match(anchors, others),
        {p.key: p for p in anchors},
        {p.key: p for p in others},
        {anchor.title: anchor.unreadable, school.title: school.unreadable},
    )


# --- files for the CSDL --------------------------------------------------------------------

BLOCKING = ("score_mismatch", "missing_score", "identity_doubt")  # a file built over these carries them


@dataclass
class CsdlExport:
    """What an export found and built; ``data`` is empty when it was refused or had nobody."""

    blocking: list[Discrepancy]
    data: bytes = b""
    rows: int = 0
    incomplete: list[str] = field(default_factory=list)
    refused: bool = False


def export_for_csdl(
    engine: sa.Engine,
    what: str,
    school_year: str,
    semester: str | None,
    class_code: str | None,
    force: bool,
    actor: str,
    today: date | None = None,
    pushed: bool = False,
    settings: Settings | None = None,
    write: Callable[[bytes], None] | None = None,
) -> CsdlExport:
    """Reconcile first; refuse over open score or identity differences unless ``force`` (audited)."""
    from sqlmodel import Session

    from lienthong.connectors.csdl.excel import write_results, write_student_list
    from lienthong.reconciliation.csdl_files import results_file, student_list_file
    from lienthong.store import audit

    sources = load_sources(engine, settings)
    roles = Roles.from_settings(settings.authority if settings else None)
    class_code = known_class(sources, class_code) if has_data(sources) else class_code
    today = today or date.today()
    now = datetime.now(timezone.utc)
    closed = closed_semesters(settings, school_year, now)
    found = [
        d
        for d in reconcile(sources, school_year, None, today, pushed, roles, closed)
        if not class_code or d.class_code == class_code
    ]
    with Session(engine) as session:
        teachers = {c: t.name for c, t in homeroom_teachers(session, sources, school_year).items()}
        record(session, found, now, {class_code} if class_code else None, teachers)
        session.commit()
    blocking = [d for d in found if d.kind in BLOCKING]
    if blocking and not force:
        return CsdlExport(blocking, refused=True)
    if what == "csdl-ketqua":
        built = results_file(sources, school_year, semester or "1", class_code, roles)
        data = write_results(built.records, built.students, semester or "1")
    else:
        built = student_list_file(sources, class_code, roles)
        data = write_student_list(built.records)
    if not built.records:
        return CsdlExport(blocking)
    if write is not None:
        write(data)  # the file first: an export that failed to land leaves no audit entry
    with Session(engine) as session:
        audit.append(
            session,
            actor,
            "csdl_file_exported",
            {
                "what": what,
                "semester": semester,
                "class": class_code,
                "rows": len(built.records),
                "left_out": len(built.incomplete),
                "forced_over": len(blocking) if force else 0,
            },
            now,
        )
        session.commit()
    return CsdlExport(blocking, data, len(built.records), list(built.incomplete))
