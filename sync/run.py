"""One sync run: pull every platform, plan from field authority, hold what looks like an
accident, deliver the outbox, and record the run. Nothing is lost at any step: pulls commit
per page with their cursor, the plan commits with its outbox items, delivery commits per batch.

One run per platform at a time: a run holds a lease on each of its platforms (`run_lease`),
renewed in the transaction of each step, given back when it ends. A second run finds the
lease alive and stops before writing anything (`RunBusy`); a lease that expired belongs to a
run that died, and the next run takes it over and marks that run interrupted."""

from __future__ import annotations

import os
import socket
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

import sqlalchemy as sa
from sqlmodel import Session

from lienthong.config.logging import get_logger
from lienthong.connectors.base import Connector
from lienthong.connectors.errors import ConnectorError, TransientError
from lienthong.mapping.calendar import school_year_of, semester_of
from lienthong.reconciliation.authority import PlannedChange, ScoreAuthority, plan_scores, pushing_targets
from lienthong.reconciliation.results import SchoolRecord, Where, record_changes
from lienthong.store import audit, queries
from lienthong.store.db import session_scope
from lienthong.store.repository import snapshot_versions, student_classes
from lienthong.store.tables import SyncRunRow
from lienthong.sync.outbox import deliver, enqueue, new_changes, window_open
from lienthong.sync.pull import pull_platform
from lienthong.sync.state import RunStore
from lienthong.sync.year_results import ENTITY as YEAR_ENTITY
from lienthong.sync.year_results import plan_year_results

HOLD_SHARE = 0.05  # a run that would blank more than this share of a class waits for approval
MAX_CLOSED_CHANGES = 20  # ... or change more than this many results of a closed semester
# A run renews its lease at every step (a page, a batch); a lease not renewed for this long
# belongs to a run that died. Between two steps a request may wait out the platform's whole
# retry budget (`retry_budget_s`, 120 s by default): well over that, or a live run looks dead.
LEASE_SECONDS = 300.0


class RunBusy(Exception):
    """Another run holds one of this run's platforms: this run wrote nothing (the CLI exits 4).

    Attributes:
        platform: the platform that is taken.
        since: when the other run took it (aware, in the clock's zone).
        holder: ``hostname:pid`` of the other run.
        message: for people (Vietnamese).
    """

    def __init__(self, platform: str, since: datetime, holder: str):
        self.platform, self.since, self.holder = platform, since, holder
        self.message = (
            f"Đang có lượt đồng bộ khác cho {platform} (từ {since:%H:%M %d/%m/%Y}, máy {holder}): "
            "chờ nó xong rồi chạy lại."
        )
        super().__init__(self.message)


class LeaseLost(RunBusy):
    """This run went longer than its lease without a step and another run took the platform
    over: it stops before writing more (a `RunBusy`, so the CLI treats it the same way)."""

    def __init__(self, platform: str, since: datetime, holder: str, seconds: float):
        super().__init__(platform, since, holder)
        self.message = (
            f"Lượt đồng bộ này quá {seconds:.0f} giây không báo còn chạy nên lượt khác đã nhận {platform} "
            f"(máy {holder}): lượt này dừng lại, không ghi gì thêm."
        )
        self.args = (self.message,)


@dataclass
class RunOptions:
    platforms: list[str] | None = None
    full: bool = False
    dry_run: bool = False
    hold_share: float = HOLD_SHARE
    max_closed_changes: int = MAX_CLOSED_CHANGES
    school_windows: list = field(default_factory=list)  # the school's own lock windows (canonical)
    authority: ScoreAuthority = field(default_factory=lambda: ScoreAuthority.from_settings(None))
    lease_seconds: float = LEASE_SECONDS
    school_source: str = "vnedu"  # ``[authority] school``: the record a GVCN confirms


@dataclass
class RunReport:
    run_id: int | None
    status: str
    pulled: dict[str, Counter] = field(default_factory=dict)
    planned: Counter = field(default_factory=Counter)
    delivered: dict[str, Counter] = field(default_factory=dict)
    waiting_window: int = 0
    hold_reason: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    unreachable: set[str] = field(default_factory=set)  # platforms that did not answer, after retries
    plan: list[PlannedChange] = field(default_factory=list)
    # year results: planned counts, and the classes whose results wait for the principal (not sent)
    year_results: dict = field(default_factory=dict)

    def failed(self, platform: str, exc: ConnectorError) -> None:
        self.errors[platform] = exc.message
        if isinstance(exc, TransientError):
            self.unreachable.add(platform)

    def as_json(self) -> dict:
        return {
            "event": "run",
            "run_id": self.run_id,
            "status": self.status,
            "pulled": {k: dict(v) for k, v in self.pulled.items()},
            "planned": dict(self.planned),
            "delivered": {k: dict(v) for k, v in self.delivered.items()},
            "waiting_window": self.waiting_window,
            "hold_reason": self.hold_reason,
            "errors": self.errors,
            "unreachable": sorted(self.unreachable),
            "year_results": self.year_results,
        }


def hold_reason(
    changes: list[PlannedChange],
    class_sizes: Counter,
    share: float,
    closed_changes: int = 0,
    max_closed: int = MAX_CLOSED_CHANGES,
) -> str:
    """Why a plan looks like an accident, or ``""``: too many students of a class blanked, or
    too many results changed in a semester that is already closed."""
    if closed_changes > max_closed:
        return f"Kế hoạch thay đổi {closed_changes} kết quả của học kỳ đã khoá sổ (ngưỡng {max_closed})"
    blanked: dict[str, set] = defaultdict(set)
    for change in changes:
        if change.kind == "blank" and change.class_code:
            blanked[change.class_code].add(change.payload["ma_hoc_sinh"])
    worst = [(len(students) / class_sizes[code], code) for code, students in blanked.items() if class_sizes[code]]
    over = sorted((s, c) for s, c in worst if s > share)
    if not over:
        return ""
    listed = ", ".join(f"{code} ({s:.0%})" for s, code in over[-5:])
    return f"Kế hoạch sẽ xoá điểm của hơn {share:.0%} học sinh trong lớp: {listed}"


def _status_of(held: bool, approval: tuple[str, ...]) -> Callable[[PlannedChange], str]:
    def status(change: PlannedChange) -> str:
        if change.kind in approval:
            return "awaiting_approval"  # Suoi Ngo art. 9: the principal approves corrections
        return "held" if held else "pending"

    return status


async def run_once(
    connectors: dict[str, Connector],
    engine: sa.Engine,
    options: RunOptions,
    clock: Callable[[], datetime],
    progress: Callable[[str, str, int], None] | None = None,
) -> RunReport:
    """One run of the platforms in ``options`` (all by default).

    Raises:
        RunBusy: another run holds one of the platforms; nothing was written.
    """
    names = [n for n in connectors if not options.platforms or n in options.platforms]
    store = RunStore(engine, options.dry_run)
    try:
        run = _start(store, engine, names, options, clock)
        run_id = run.id  # the row is detached (and expired) once the store is closed
        beat = None if options.dry_run else _heartbeat(run_id, names, options.lease_seconds, clock)
        try:
            return await _work(connectors, names, store, run, options, clock, progress, beat)
        except BaseException:
            store.close()  # first: on SQLite its open transaction would block the lease's update
            if not options.dry_run:
                _abandon(engine, run_id, clock)
            raise
    finally:
        store.close()


async def _work(
    connectors: dict[str, Connector],
    names: list[str],
    store: RunStore,
    run: SyncRunRow,
    options: RunOptions,
    clock: Callable[[], datetime],
    progress: Callable[[str, str, int], None] | None,
    beat: Callable[[Session], None] | None,
) -> RunReport:
    report = RunReport(run.id, "running")
    today = clock().date()
    for name in names:
        try:
            report.pulled[name] = await pull_platform(
                connectors[name],
                store,
                connectors[name].pull_plan(school_year_of(today), semester_of(today), today),
                options.full,
                clock,
                (lambda entity, n, p=name: progress(p, entity, n)) if progress else None,
                beat,
            )
        except ConnectorError as exc:
            report.failed(name, exc)
    windows = await _windows(connectors, names, report, options)
    results_to = [n for n in connectors if YEAR_ENTITY in connectors[n].pushes]
    _plan(store, run, report, options, clock, windows, pushing_targets(options.authority, connectors), beat, results_to)
    if report.status != "held" and not options.dry_run:
        for name in names:
            if name in report.errors:
                continue
            try:
                delivery = await deliver(connectors[name], store, clock, windows.get(name), beat)
            except ConnectorError as exc:
                report.failed(name, exc)
                continue
            report.delivered[name] = delivery.outcomes
            report.waiting_window += delivery.waiting_window
            if delivery.error:
                report.errors[name] = delivery.error
    _finish(store, run, report, clock)
    return report


# --- the run's row and its leases -----------------------------------------------------------


def _new_run(names: list[str], options: RunOptions, clock: Callable[[], datetime]) -> SyncRunRow:
    return SyncRunRow(
        started_at=clock(),
        platforms=",".join(names),
        mode="full" if options.full else "incremental",
        dry_run=options.dry_run,
        status="running",
    )


def _start(
    store: RunStore, engine: sa.Engine, names: list[str], options: RunOptions, clock: Callable[[], datetime]
) -> SyncRunRow:
    """The run's row. A dry run writes nothing, so it takes no lease; any other run takes its
    platforms' leases in the same short transaction as its row, so a busy run leaves neither."""
    if options.dry_run:
        with store.step() as session:
            run = _new_run(names, options, clock)
            session.add(run)
            session.flush()
            return run
    with session_scope(engine) as session:
        run = _new_run(names, options, clock)
        session.add(run)
        session.flush()
        for name in sorted(names):  # one order for every run: two runs never wait on each other in a circle
            _take_lease(session, name, run.id, options.lease_seconds, clock)
        run_id = run.id
    with store.step() as session:
        return session.get(SyncRunRow, run_id)


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


def _take_lease(session: Session, platform: str, run_id: int, seconds: float, clock: Callable[[], datetime]) -> None:
    """Insert the platform's lease, or take over one that expired (and only then mark its run
    interrupted: it died without giving the lease back). Raises RunBusy when it is alive."""
    now = clock()
    until = now + timedelta(seconds=seconds)
    for _ in range(2):  # a lease given back between the insert and the read: insert again
        if queries.insert_lease(session, platform, run_id, _holder(), now, until):
            return
        current = queries.lease_of(session, platform)
        if current is None:
            continue
        gone = _holder_gone(current.holder)
        if queries.take_over_lease(session, platform, current.run_id, run_id, _holder(), now, until, gone):
            if queries.interrupt_run(session, current.run_id):
                get_logger(platform=platform).warning("run_interrupted", run=current.run_id, by=run_id)
            return
        raise RunBusy(platform, _local(current.acquired_at, now), current.holder)
    raise RunBusy(platform, now, "?")


def _holder_gone(holder: str) -> bool:
    """Whether a lease's holder is a process of this machine that no longer runs (killed hard):
    its lease need not be waited out. Another machine's process cannot be checked from here."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it runs, as another user
    return False


def _local(at: datetime, now: datetime) -> datetime:
    """A stored time in the clock's zone (SQLite gives it back without a zone: it is UTC)."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)
    return aware.astimezone(now.tzinfo)


def _heartbeat(
    run_id: int, names: list[str], seconds: float, clock: Callable[[], datetime]
) -> Callable[[Session], None]:
    """Renews the run's leases in the transaction of the step it is called in; a lease another
    run took over stops this run (LeaseLost) before the step writes anything."""

    def beat(session: Session) -> None:
        now = clock()
        lost = queries.renew_leases(session, run_id, names, now, now + timedelta(seconds=seconds))
        if lost:
            current = queries.lease_of(session, lost[0])
            since, holder = (current.acquired_at, current.holder) if current else (now, "?")
            raise LeaseLost(lost[0], _local(since, now), holder, seconds)

    return beat


def _abandon(engine: sa.Engine, run_id: int, clock: Callable[[], datetime]) -> None:
    """The run stopped on an error: its leases expire now, and the next run marks it interrupted.
    A failure here must not hide the error that stopped the run: the lease then expires by time."""
    try:
        with session_scope(engine) as session:
            queries.expire_leases(session, run_id, clock())
    except Exception as exc:  # noqa: BLE001 - the run's own error is the one to raise
        get_logger().warning("lease_not_expired", run=run_id, error=type(exc).__name__)


async def _windows(
    connectors: dict[str, Connector], names: list[str], report: RunReport, options: RunOptions
) -> dict[str, list]:
    """Each platform's lock windows with the school's own added (both must be open to push)."""
    found: dict[str, list] = {}
    for name in names:
        if name in report.errors:
            continue
        try:
            found[name] = [*await connectors[name].lock_windows(), *options.school_windows]
        except ConnectorError as exc:
            report.failed(name, exc)
    return found


def _plan(
    store: RunStore,
    run: SyncRunRow,
    report: RunReport,
    options: RunOptions,
    clock,
    windows: dict[str, list],
    targets: list[str],
    beat: Callable[[Session], None] | None = None,
    results_to: list[str] | None = None,
) -> None:
    authority = options.authority
    with store.step() as session:  # the decision and its outbox items: one transaction
        if beat:
            beat(session)
        owner = {
            key: payload for key, (_, payload) in snapshot_versions(session, authority.owner, authority.entity).items()
        }
        held = {t: snapshot_versions(session, t, authority.entity) for t in targets}
        classes = {key: cls for t in targets for key, cls in student_classes(session, t).items()}
        changes = plan_scores(owner, held, classes, authority)
        report.plan = changes
        # only what this run adds can make it suspicious: approved items are not judged twice
        fresh = new_changes(session, changes)
        closed = sum(
            c.kind != "fill"
            and not window_open(
                windows.get(c.platform, options.school_windows), c.entity, str(c.payload["hoc_ky"]), clock()
            )
            for c in fresh
        )  # entering a missing value is not changing a result
        report.hold_reason = hold_reason(
            fresh, Counter(classes.values()), options.hold_share, closed, options.max_closed_changes
        )
        report.planned = enqueue(
            session, run.id, changes, _status_of(bool(report.hold_reason), authority.approval), clock()
        )
        where = Where(school_year_of(clock().date()), options.school_source)
        school = SchoolRecord(session, where)
        year = plan_year_results(session, run.id, where, results_to or [], clock(), school)
        report.year_results = year.as_json()
        record_changes(session, where, clock(), school)  # an approved result a source moved: for the principal
        if report.hold_reason:
            run.status, run.hold_reason, report.status = "held", report.hold_reason, "held"
            audit.append(session, "lienthong", "run_held", {"run": run.id, "reason": report.hold_reason}, clock())


def _finish(store: RunStore, run: SyncRunRow, report: RunReport, clock) -> None:
    """The run's end and its platforms given back, in one transaction."""
    with store.step() as session:
        if not run.dry_run:
            queries.release_leases(session, run.id)
        if report.status != "held":
            report.status = "failed" if report.errors and not report.pulled else "completed"
        run.status, run.finished_at = report.status, clock()
        run.summary = {
            "pulled": {k: dict(v) for k, v in report.pulled.items()},
            "planned": dict(report.planned),
            "delivered": {k: dict(v) for k, v in report.delivered.items()},
            "waiting_window": report.waiting_window,
            "errors": report.errors,
            "year_results": report.year_results,
        }


def approve_run(engine: sa.Engine, run_id: int, actor: str, clock: Callable[[], datetime]) -> int:
    """Release a held run: its items go out with the next delivery. Returns how many."""
    store = RunStore(engine)
    try:
        with store.step() as session:
            run = session.get(SyncRunRow, run_id)
            if run is None or run.status != "held":
                raise ValueError(f"Lần chạy #{run_id} không ở trạng thái tạm giữ")
            items = queries.items_of_run(session, run_id, "held")
            for item in items:
                item.status, item.updated_at = "pending", clock()
            run.status, run.approved_by, run.approved_at = "approved", actor, clock()
            audit.append(session, actor, "run_approved", {"run": run_id, "items": len(items)}, clock())
        return len(items)
    finally:
        store.close()
