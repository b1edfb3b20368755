"""The reconciliation use cases, one function each, returning data: the CLI, the daemon and the
dashboard only present what these return."""

from __future__ import annotations

import gc
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Callable

import sqlalchemy as sa
from sqlmodel import Session

from lienthong.config.settings import Settings
from lienthong.connectors.registry import registry
from lienthong.mapping.registry import mappings
from lienthong.mapping.sources import SourceRecords
from lienthong.reconciliation.authority import ScoreAuthority, pushing_targets
from lienthong.reconciliation.compare import Roles, SheetTable, person, reconcile
from lienthong.reconciliation.discrepancy import Discrepancy
from lienthong.reconciliation.matching import MatchResult, Person, match
from lienthong.reconciliation.register import record
from lienthong.store import queries
from lienthong.store.repository import snapshot_versions

VN_TZ = timezone(timedelta(hours=7))


def vn_time(at: datetime) -> str:
    """A stored time (UTC, with or without offset) as Vietnam's local time with its offset."""
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(VN_TZ).isoformat(timespec="seconds")


def extra_mappings(settings: Settings | None) -> dict:
    """The mapping modules of platforms the configuration adds (their connectors name them)."""
    if settings is None:
        return {}
    return {
        name: cls.mapping
        for name, cls in registry(settings).items()
        if getattr(cls, "mapping", None) is not None and name in settings.platforms
    }


def load_sources(engine: sa.Engine, settings: Settings | None = None) -> dict[str, SourceRecords]:
    """Every stored pull and import as canonical records, by source: each platform's mapping
    module reads the entities it declares."""
    sources = {}
    with Session(engine) as session:
        for name, mapping in mappings(extra_mappings(settings)).items():
            stored = {
                entity: {k: p for k, (_, p) in snapshot_versions(session, name, entity).items()}
                for entity in mapping.ENTITIES
            }
            records = mapping.to_canonical(stored)
            if records.sheets:  # score sheets digested once, for the bulk comparison
                records.sheets = SheetTable(records.sheets)
            sources[name] = records
    return sources


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

    def records(self) -> list[dict]:
        """Each discrepancy as JSON, with when each of its sources was last read."""
        return [_with_seen(d.as_json(), self.seen) for d in self.found]

    def summary(self) -> dict:
        counts = Counter(d.kind for d in self.found)
        return {
            "total": len(self.found),
            "new": self.changes["new"],
            "closed": self.changes["closed"],
            "by_kind": dict(sorted(counts.items())),
            "by_class": dict(sorted(Counter(d.class_code for d in self.found).items())),
        }


class NoData(ValueError):
    """Nothing stored yet to reconcile."""


class UnknownChoice(ValueError):
    """A class (or subject, student) that the data does not have: said with the ones it has."""


def known_class(sources: dict[str, SourceRecords], wanted: str | None) -> str | None:
    """``wanted`` as the data writes it (``6a2``, `` 6A 2`` → ``6A2``); an unknown class is refused
    with the known ones listed, never answered with "no differences"."""
    if wanted is None:
        return None
    code = "".join(wanted.split()).upper()
    known = sorted({s.class_code for source in sources.values() for s in source.students.values() if s.class_code})
    if code not in known:
        raise UnknownChoice(f"Không có lớp «{wanted}» trong dữ liệu; các lớp: {', '.join(known) or '(chưa có)'}.")
    return code


def scores_pushed(settings: Settings) -> bool:
    """Whether the sync pushes the score owner's values to its targets here (configured connectors)."""
    known = registry(settings)
    configured = {name: cls for name, cls in known.items() if settings.section(name) is not None}
    return bool(pushing_targets(ScoreAuthority.from_settings(settings.authority.scores), configured))


def reconcile_school(
    engine: sa.Engine,
    school_year: str,
    class_code: str | None = None,
    today: date | None = None,
    pushed: bool = False,
    settings: Settings | None = None,
) -> Reconciliation:
    """Reconcile every stored source (or one class), record the findings in the register.
    ``pushed``: see `scores_pushed`; ``settings``: roles and further platforms (defaults without)."""
    sources = load_sources(engine, settings)
    roles = Roles.from_settings(settings.authority if settings else None)
    class_code = known_class(sources, class_code) if has_data(sources) else class_code
    gc.freeze()  # hundreds of thousands of loaded records live to the end: keep the collector off them
    if not has_data(sources):
        raise NoData("Chưa có dữ liệu: hãy chạy `lienthong sync --once` hoặc `lienthong import TỆP…` trước.")
    today = today or date.today()
    found = [
        d
        for d in reconcile(sources, school_year, None, today, pushed, roles)
        if not class_code or d.class_code == class_code
    ]
    teachers = sources[roles.school].teachers if roles.school in sources else {}
    at = datetime.now(timezone.utc)
    with Session(engine) as session:
        changes = record(session, found, at, {class_code} if class_code else None, teachers)
        session.commit()
        seen = {source: vn_time(when) for source, when in queries.last_seen(session).items()}
    return Reconciliation(found, changes, teachers, seen, school_year, class_code, at)


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
    from lienthong.connectors.csdl.excel import write_results, write_student_list
    from lienthong.reconciliation.csdl_files import results_file, student_list_file
    from lienthong.store import audit

    sources = load_sources(engine, settings)
    roles = Roles.from_settings(settings.authority if settings else None)
    class_code = known_class(sources, class_code) if has_data(sources) else class_code
    today = today or date.today()
    found = [
        d
        for d in reconcile(sources, school_year, None, today, pushed, roles)
        if not class_code or d.class_code == class_code
    ]
    now = datetime.now(timezone.utc)
    with Session(engine) as session:
        teachers = sources[roles.school].teachers if roles.school in sources else {}
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
