"""One sync run: pull every platform, plan from field authority, hold what looks like an
accident, deliver the outbox, and record the run. Nothing is lost at any step: pulls commit
per page with their cursor, the plan commits with its outbox items, delivery commits per batch."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

import sqlalchemy as sa

from lienthong.connectors.base import Connector
from lienthong.connectors.errors import ConnectorError, TransientError
from lienthong.mapping.calendar import school_year_of, semester_of
from lienthong.reconciliation.authority import PlannedChange, ScoreAuthority, plan_scores, pushing_targets
from lienthong.store import audit, queries
from lienthong.store.repository import snapshot_versions, student_classes
from lienthong.store.tables import SyncRunRow
from lienthong.sync.outbox import deliver, enqueue, new_changes, window_open
from lienthong.sync.pull import pull_platform
from lienthong.sync.state import RunStore

HOLD_SHARE = 0.05  # a run that would blank more than this share of a class waits for approval
MAX_CLOSED_CHANGES = 20  # ... or change more than this many results of a closed semester


@dataclass
class RunOptions:
    platforms: list[str] | None = None
    full: bool = False
    dry_run: bool = False
    hold_share: float = HOLD_SHARE
    max_closed_changes: int = MAX_CLOSED_CHANGES
    school_windows: list = field(default_factory=list)  # the school's own lock windows (canonical)
    authority: ScoreAuthority = field(default_factory=lambda: ScoreAuthority.from_settings(None))


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
    store = RunStore(engine, options.dry_run)
    names = [n for n in connectors if not options.platforms or n in options.platforms]
    today = clock().date()
    try:
        with store.step() as session:
            for stale in queries.running_runs(session):
                stale.status = "interrupted"  # a run that died (power cut, kill): its work resumes now
            run = SyncRunRow(
                started_at=clock(),
                platforms=",".join(names),
                mode="full" if options.full else "incremental",
                dry_run=options.dry_run,
                status="running",
            )
            session.add(run)
            session.flush()
        report = RunReport(run.id, "running")
        for name in names:
            try:
                report.pulled[name] = await pull_platform(
                    connectors[name],
                    store,
                    connectors[name].pull_plan(school_year_of(today), semester_of(today), today),
                    options.full,
                    clock,
                    (lambda entity, n, p=name: progress(p, entity, n)) if progress else None,
                )
            except ConnectorError as exc:
                report.failed(name, exc)
        windows = await _windows(connectors, names, report, options)
        _plan(store, run, report, options, clock, windows, pushing_targets(options.authority, connectors))
        if report.status != "held" and not options.dry_run:
            for name in names:
                if name in report.errors:
                    continue
                try:
                    delivery = await deliver(connectors[name], store, clock, windows.get(name))
                except ConnectorError as exc:
                    report.failed(name, exc)
                    continue
                report.delivered[name] = delivery.outcomes
                report.waiting_window += delivery.waiting_window
                if delivery.error:
                    report.errors[name] = delivery.error
        _finish(store, run, report, clock)
        return report
    finally:
        store.close()


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
) -> None:
    authority = options.authority
    with store.step() as session:  # the decision and its outbox items: one transaction
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
        if report.hold_reason:
            run.status, run.hold_reason, report.status = "held", report.hold_reason, "held"
            audit.append(session, "lienthong", "run_held", {"run": run.id, "reason": report.hold_reason}, clock())


def _finish(store: RunStore, run: SyncRunRow, report: RunReport, clock) -> None:
    with store.step():
        if report.status != "held":
            report.status = "failed" if report.errors and not report.pulled else "completed"
        run.status, run.finished_at = report.status, clock()
        run.summary = {
            "pulled": {k: dict(v) for k, v in report.pulled.items()},
            "planned": dict(report.planned),
            "delivered": {k: dict(v) for k, v in report.delivered.items()},
            "waiting_window": report.waiting_window,
            "errors": report.errors,
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
