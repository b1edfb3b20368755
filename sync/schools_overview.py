"""The schools side by side, as a department (Sở GD&ĐT) reads them: one row of aggregate figures per
school — completeness, open discrepancies, sync health per platform, waiting and refused pushes,
the portal's on-time rate — and nothing personal (no student, no score, no teacher's name).

Both ``lienthong schools list`` and the dashboard's «Các trường» page (``/so/truong``) present what
`summaries` returns. Which schools an account reads is `store.access`'s decision
(`access.overseen_schools`); each school's figures are gathered through that school's own scope
(`store.tenancy.for_school`) by the services the school's own pages use, never by a query across
schools.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import sqlalchemy as sa
from sqlmodel import Session

from lienthong.config.settings import Settings
from lienthong.mapping.calendar import VN_TZ
from lienthong.store import access, overview
from lienthong.store.accounts import Actor
from lienthong.store.tables import SchoolRow
from lienthong.store.tenancy import for_school

FAILED = ("failed", "interrupted")  # a run that did not do its work (held waits for a person; not a failure)
RUNS_READ = 200  # the latest runs of a school read to find each platform's last run and failing streak


class UnknownSort(ValueError):
    """A sort key the overview does not have (said in Vietnamese)."""


@dataclass(frozen=True)
class PlatformSync:
    """One platform of one school: its last run and how it has been going."""

    platform: str
    title: str
    status: str | None  # of the last run that included it (running, completed, held, failed…); None: never run
    last_run: datetime | None  # when that run ended (or started, if still running)
    age: timedelta | None  # now - last_run
    last_success: datetime | None  # end of the last completed (or approved) run
    failing: int  # how many of its latest finished runs failed in a row (0: the last one did not)

    def as_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "title": self.title,
            "status": self.status,
            "last_run": _iso(self.last_run),
            "age_minutes": int(self.age.total_seconds() // 60) if self.age is not None else None,
            "last_success": _iso(self.last_success),
            "failing_streak": self.failing,
        }


@dataclass(frozen=True)
class SchoolSummary:
    ma_truong: str
    name: str
    completeness: int | None  # share of required assessments entered, in percent; None: no data
    discrepancies: int  # open (live) discrepancies
    last_success: dict[str, datetime | None]  # by platform: end of the last completed run
    waiting: int  # pushes waiting (to send, for approval, held)
    dead: int  # dead letters
    on_time: int | None  # portal on-time rate in percent; None: nothing due yet
    sync: tuple[PlatformSync, ...] = ()
    computed_at: datetime | None = None  # when completeness and on_time were computed (`RecordsFigures`)

    @property
    def failing(self) -> int:
        """The longest failing streak among the school's platforms."""
        return max((p.failing for p in self.sync), default=0)

    @property
    def computed_words(self) -> str:
        """When completeness and on_time were computed, in Vietnam's time (``09:41 01/12/2026``)."""
        return self.computed_at.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y") if self.computed_at else ""

    @property
    def oldest_success(self) -> datetime | None:
        """The platform that has gone longest without a good run: its last success (None: never)."""
        found = [p.last_success for p in self.sync]
        if not found or any(at is None for at in found):
            return None
        return min(found)  # type: ignore[type-var]

    def as_json(self) -> dict[str, Any]:
        """The row as ``lienthong schools list --format json`` prints it."""
        return {
            "ma_truong": self.ma_truong,
            "name": self.name,
            "completeness": self.completeness,
            "discrepancies": self.discrepancies,
            "last_success": {k: _iso(v) for k, v in self.last_success.items()},
            "waiting": self.waiting,
            "dead": self.dead,
            "on_time": self.on_time,
        }

    def as_api_json(self) -> dict[str, Any]:
        """The row as the dashboard's API gives it: the same, with each platform's sync health."""
        return {
            **self.as_json(),
            "failing_streak": self.failing,
            "sync": [p.as_json() for p in self.sync],
            "computed_at": _iso(self.computed_at),
        }


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


_NEVER = datetime.min.replace(tzinfo=timezone.utc)

SORT_KEYS: dict[str, Callable[[SchoolSummary], Any]] = {
    "ma_truong": lambda s: s.ma_truong,
    "name": lambda s: s.name,
    "completeness": lambda s: (s.completeness is None, s.completeness or 0),
    "discrepancies": lambda s: -s.discrepancies,
    "sync": lambda s: (-s.failing, s.oldest_success or _NEVER),
    "waiting": lambda s: -s.waiting,
    "dead": lambda s: -s.dead,
    "on_time": lambda s: (s.on_time is None, s.on_time or 0),
}
"""The worst first (least complete, most discrepancies, longest failing or longest without a good
sync, most waiting or refused, least on time); names and codes in order."""


def summaries(
    engine: sa.Engine,
    base: Settings,
    now: datetime,
    actor: Actor | None = None,
    sort: str = "ma_truong",
    reverse: bool = False,
) -> list[SchoolSummary]:
    """The figures of every school ``actor`` oversees (`access.overseen_schools`; ``None``: the
    installation's console, every school), sorted by ``sort`` (`SORT_KEYS`; ``reverse``: best first).

    Raises:
        UnknownSort: ``sort`` is not one of `SORT_KEYS`.
        access.Forbidden: the account reads no school's figures.
    """
    if sort not in SORT_KEYS:
        raise UnknownSort(f"Không sắp xếp được theo «{sort}» (có: {', '.join(SORT_KEYS)})")
    with Session(engine) as session:
        rows = access.overseen_schools(session, actor)
        context = _context(session, base)
    for row in rows:
        access.require_school_figures(actor, row.ma_truong)
    states = overview.school_states(engine, [row.ma_truong for row in rows], access.LIVE, RUNS_READ)
    found = [_summary(engine, base, row, now, states[row.ma_truong], context) for row in rows]
    ordered = sorted(found, key=lambda s: s.ma_truong)  # ties stay in code order either way
    return sorted(ordered, key=SORT_KEYS[sort], reverse=reverse)


def summary(engine: sa.Engine, base: Settings, row: SchoolRow, now: datetime, actor: Actor | None) -> SchoolSummary:
    """One school's figures (`summaries` reads many schools the same way)."""
    access.require_school_figures(actor, row.ma_truong)
    state = overview.school_states(engine, [row.ma_truong], access.LIVE, RUNS_READ)[row.ma_truong]
    with Session(engine) as session:
        context = _context(session, base)
    return _summary(engine, base, row, now, state, context)


def _summary(
    engine: sa.Engine, base: Settings, row: SchoolRow, now: datetime, state: overview.SchoolState, context: tuple
) -> SchoolSummary:
    """A school's row: the live figures read through its own scope (`overview.school_states`: one
    statement in one transaction of its scope); completeness and the portal's on-time rate, which
    need its records loaded, by the services its own pages use, kept (`RecordsFigures`) until what
    they are computed from moves."""
    from lienthong.sync import operations
    from lienthong.sync.distributed.schools import school_settings

    # a school registered with its platforms (distributed mode) has its own; the store's own school
    # (embedded mode, registered when first opened) runs on the installation's settings
    settings = school_settings(base, row) if row.platforms else base.model_copy(update={"ma_truong": row.ma_truong})
    slow = _records_figures(for_school(engine, row.ma_truong), settings, row, now, (*state.version, *context))
    health = operations.health_from(settings, now, state.read, state.outbox, state.successes)
    return SchoolSummary(
        row.ma_truong,
        row.name,
        slow.completeness,
        state.discrepancies,
        {h.platform: h.last_success for h in health},
        sum(h.waiting for h in health),
        sum(h.dead for h in health),
        slow.on_time,
        tuple(_platform_sync(h.platform, h.title, h.last_success, state.runs, now) for h in health),
        slow.computed_at,
    )


def _context(session: Session, base: Settings) -> tuple:
    """What every school's `RecordsFigures` also depend on: the accounts (who teaches what) and the
    installation's settings (authority, calendar)."""
    return (*overview.accounts_version(session), base.model_dump_json())


@dataclass(frozen=True)
class RecordsFigures:
    """The figures that need a school's stored records loaded and measured: completeness and the
    portal's on-time rate, and when they were computed."""

    completeness: int | None
    on_time: int | None
    computed_at: datetime


# engine's pool → school → (what the figures were computed from, the figures): a new engine (a new
# store, a test's) starts empty; the entries of a pool go with it
_KEPT: "weakref.WeakKeyDictionary[Any, dict[str, tuple[tuple, RecordsFigures]]]" = weakref.WeakKeyDictionary()
_KEPT_LOCK = threading.Lock()


def forget() -> None:
    """Drop every kept `RecordsFigures` (the next read measures each school again)."""
    with _KEPT_LOCK:
        _KEPT.clear()


def _records_figures(
    scoped: sa.Engine, settings: Settings, row: SchoolRow, now: datetime, version: tuple
) -> RecordsFigures:
    """The school's `RecordsFigures`, measured again only when what they are computed from moved:
    its stored records (`overview.school_state`'s version: a pull, an import, a push applied), the
    accounts (the teachers named), its registration, or the day (what is due, what is late)."""
    key = (version, now.astimezone(VN_TZ).date(), repr(row.platforms))
    with _KEPT_LOCK:
        kept = _KEPT.setdefault(scoped.pool, {}).get(row.ma_truong)
    if kept is not None and kept[0] == key:
        return kept[1]
    figures = _measure(scoped, settings, now)
    with _KEPT_LOCK:
        _KEPT.setdefault(scoped.pool, {})[row.ma_truong] = (key, figures)
    return figures


def _measure(scoped: sa.Engine, settings: Settings, now: datetime) -> RecordsFigures:
    from lienthong.reconciliation import service as reconciliation
    from lienthong.reconciliation.completeness_service import completeness_report
    from lienthong.sync import operations

    sources = reconciliation.load_sources(scoped, settings)
    share = None
    if reconciliation.has_data(sources):
        figures = completeness_report(
            scoped, settings.current_school_year(), settings=settings, now=now, sources=sources
        )
        share = figures.entered * 100 // figures.required if figures.required else None
    portal = operations.portal_requests(scoped, sources.get("portal"), now)
    return RecordsFigures(share, portal.rate, now)


def _platform_sync(
    platform: str, title: str, last_success: datetime | None, runs: list[overview.RunLine], now: datetime
) -> PlatformSync:
    """A platform's last run and failing streak, from the school's latest runs (newest first)."""
    mine = [run for run in runs if platform in run.names]
    if not mine:
        return PlatformSync(platform, title, None, None, None, last_success, 0)
    last = mine[0]
    at = _aware(last.finished_at or last.started_at)
    failing = 0
    for run in mine:
        if run.status == "running":
            continue
        if run.status not in FAILED:
            break
        failing += 1
    return PlatformSync(platform, title, last.status, at, now - at, last_success, failing)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)
