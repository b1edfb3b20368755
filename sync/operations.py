"""Operations use cases beside `sync.service`: what the dashboard's IT, principal and audit pages
need and the sync service does not give — health per platform, dead letters retried or discarded
with a reason, held runs approved with a reason, credential status (never a secret), schedules and
lock windows, the reporting portal's requests with their deadlines, the audit trail with its
verification, and the audit entry of every export of personal data (Bình An regulation, art. 9.3).

Each returns data (frozen dataclasses); refusals are `NotAllowed` (the account) or `OperationRefused`
(the input or the state), said in Vietnamese.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable

import sqlalchemy as sa
from sqlmodel import Session

from lienthong.config.settings import SECRET_NAMES, Settings, SettingsError
from lienthong.mapping.calendar import VN_TZ
from lienthong.mapping.registry import titles
from lienthong.mapping.sources import SourceRecords
from lienthong.store import audit, queries
from lienthong.store.accounts import Actor
from lienthong.store.tables import AuditLogRow, OutboxItemRow, SyncRunRow
from lienthong.sync import service
from lienthong.sync.service import NotAllowed

OPERATORS = service.RUN_APPROVERS  # IT and the principal act on the queue
SUBMITTED = ("da_nop", "da_duyet")
REPORT_ENTITY = "bao_cao"  # what the portal connector pushes


class OperationRefused(ValueError):
    """A step that cannot be taken as asked (no reason, no such item, not in that state)."""


def _aware(at: datetime | None) -> datetime | None:
    return at if at is None or at.tzinfo else at.replace(tzinfo=timezone.utc)


def _operator(actor: Actor, what: str) -> None:
    if actor.role not in OPERATORS:
        raise NotAllowed(f"{actor.shown()} không {what} được: chỉ quản trị CNTT hoặc Hiệu trưởng.")


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise OperationRefused("Hãy ghi lý do: lý do được lưu vào nhật ký kiểm toán.")
    return reason


# --- health of each platform --------------------------------------------------------------------


@dataclass(frozen=True)
class PlatformHealth:
    """One platform as the principal and IT see it."""

    platform: str
    title: str
    last_read: datetime | None  # when any of its records was last read
    last_success: datetime | None  # the end of the last completed run that included it
    lag: timedelta | None  # now - last_read
    waiting: int  # outbox items still open (to send, awaiting approval, held)
    dead: int  # dead letters: refused by the platform, a person looks

    def as_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "title": self.title,
            "last_read": self.last_read.isoformat() if self.last_read else None,
            "last_success": self.last_success.isoformat() if self.last_success else None,
            "lag_minutes": int(self.lag.total_seconds() // 60) if self.lag is not None else None,
            "waiting": self.waiting,
            "dead": self.dead,
        }


def configured_platforms(settings: Settings) -> list[str]:
    built_in = [name for name in SECRET_NAMES if settings.section(name) is not None]
    return built_in + sorted(settings.platforms)


def platform_health(engine: sa.Engine, settings: Settings, now: datetime) -> list[PlatformHealth]:
    """Each configured platform (and any the store has seen): last read, last successful run, lag,
    waiting pushes and dead letters."""
    with Session(engine) as session:
        read = queries.last_seen(session)
        counts = queries.outbox_counts(session)
        runs = queries.last_good_runs(session)
    return health_from(settings, now, read, counts, runs)


def health_from(
    settings: Settings,
    now: datetime,
    read: dict[str, datetime],
    counts: list[tuple[str, str, int]],
    runs: list[tuple[str, datetime | None]],
) -> list[PlatformHealth]:
    """`platform_health` from what it reads: each source's last read, the outbox counted by
    (platform, status), and the end of the last good run of each set of platforms run together
    (`sync.schools_overview` reads the same for many schools, in one transaction each)."""
    names = titles()
    read = {k: _aware(v) for k, v in read.items()}
    success: dict[str, datetime] = {}
    for platforms, at in runs:
        for name in (platforms or "").split(","):
            name = name.strip()
            if name and at is not None and (name not in success or _aware(at) > success[name]):
                success[name] = _aware(at)
    waiting: dict[str, int] = {}
    dead: dict[str, int] = {}
    for platform, status, count in counts:
        if status in queries.OPEN_OUTBOX:
            waiting[platform] = waiting.get(platform, 0) + count
        elif status == "dead":
            dead[platform] = dead.get(platform, 0) + count
    seen = set(configured_platforms(settings)) | set(waiting) | set(dead) | set(success)
    seen |= {name for name in read if name in SECRET_NAMES or name in settings.platforms}
    order = {name: i for i, name in enumerate(configured_platforms(settings))}
    return [
        PlatformHealth(
            name,
            names.get(name, name),
            read.get(name),
            success.get(name),
            now - read[name] if name in read else None,
            waiting.get(name, 0),
            dead.get(name, 0),
        )
        for name in sorted(seen, key=lambda n: (order.get(n, len(order)), n))
    ]


# --- credentials, schedules, windows ------------------------------------------------------------


@dataclass(frozen=True)
class Credential:
    """Whether a platform is configured and its secret is set; never the secret itself."""

    platform: str
    title: str
    configured: bool  # its section is in the configuration
    secret_set: bool  # its secret is in the environment or the secrets file
    setting: str  # where IT sets the secret (the variable's name)


def credential_status(settings: Settings) -> list[Credential]:
    names = titles()
    out = []
    for platform, (_field, env_name, _file_key) in SECRET_NAMES.items():
        try:
            settings.secret(platform)
            present = True
        except SettingsError:
            present = False
        out.append(
            Credential(
                platform, names.get(platform, platform), settings.section(platform) is not None, present, env_name
            )
        )
    return out


@dataclass(frozen=True)
class Window:
    """A lock window: the school's own (config) or a platform's (read from it)."""

    platform: str
    school_year: str
    semester: str
    kind: str
    opens_at: datetime
    closes_at: datetime
    locked: bool
    open_now: bool


def lock_windows(engine: sa.Engine, settings: Settings, now: datetime) -> list[Window]:
    """The school's windows (``[[lock_windows]]``) and those read from the platforms."""
    rows = list(service.school_windows(settings))
    with Session(engine) as session:
        rows += queries.platform_windows(session)
    out = []
    for w in rows:
        opens, closes = _aware(w.opens_at), _aware(w.closes_at)
        out.append(
            Window(
                w.platform,
                w.school_year,
                str(getattr(w.semester, "value", w.semester)),
                str(getattr(w.kind, "value", w.kind)),
                opens,
                closes,
                bool(w.locked),
                not w.locked and opens <= now <= closes,
            )
        )
    return out


# --- runs and dead letters ----------------------------------------------------------------------


def held_runs(engine: sa.Engine) -> list[tuple[SyncRunRow, int]]:
    """Runs waiting for an administrator, each with how many changes it holds."""
    with Session(engine) as session:
        return [(run, len(queries.items_of_run(session, run.id, "held"))) for run in queries.held_runs(session)]


def approve_held_run(
    engine: sa.Engine, run_id: int, reason: str, actor: Actor, clock: Callable[[], datetime] = service.now
) -> int:
    """Release a held run with a reason (audited with it); returns how many changes go out."""
    reason = _reason(reason)
    _operator(actor, "duyệt lần chạy bị tạm giữ")
    try:
        released = service.approve(engine, run_id, actor, clock)
    except ValueError as exc:
        if isinstance(exc, NotAllowed):
            raise
        raise OperationRefused(str(exc)) from None
    with Session(engine) as session:
        audit.append(session, actor.ref, "run_approval_reason", {"run": run_id, "reason": reason}, clock())
        session.commit()
    return released


def dead_letters(engine: sa.Engine, limit: int = 100) -> list[OutboxItemRow]:
    """The newest dead letters: what a platform refused, with its reason."""
    with Session(engine) as session:
        return queries.dead_items(session, limit)


def _dead(session: Session, item_id: int) -> OutboxItemRow:
    item = session.get(OutboxItemRow, item_id)
    if item is None or item.status != "dead":
        raise OperationRefused(f"Không có mục bị từ chối mã #{item_id} (có thể đã được xử lý).")
    return item


def retry_dead_letter(
    engine: sa.Engine, item_id: int, reason: str, actor: Actor, clock: Callable[[], datetime] = service.now
) -> OutboxItemRow:
    """Send a dead letter again with the next delivery (in a new batch), audited with the reason."""
    return _settle_dead_letter(engine, item_id, reason, actor, clock, "pending", "gửi lại mục bị từ chối")


def discard_dead_letter(
    engine: sa.Engine, item_id: int, reason: str, actor: Actor, clock: Callable[[], datetime] = service.now
) -> OutboxItemRow:
    """Give up a dead letter (it is never sent), audited with the reason."""
    return _settle_dead_letter(engine, item_id, reason, actor, clock, "cancelled", "bỏ mục bị từ chối")


_SETTLED = {"pending": "dead_letter_retried", "cancelled": "dead_letter_discarded"}  # new status → audit action


def _settle_dead_letter(
    engine: sa.Engine,
    item_id: int,
    reason: str,
    actor: Actor,
    clock: Callable[[], datetime],
    status: str,
    what: str,
) -> OutboxItemRow:
    """A dead letter sent again (``pending``: out of its old batch) or given up (``cancelled``) by
    an operator, with the reason in the audit log."""
    reason = _reason(reason)
    _operator(actor, what)
    with Session(engine) as session:
        item = _dead(session, item_id)
        item.status, item.updated_at = status, clock()
        if status == "pending":
            item.batch_key = None  # the next delivery puts it in a new batch
        detail = {"item": item.id, "platform": item.platform, "entity": item.entity, "reason": reason}
        audit.append(session, actor.ref, _SETTLED[status], detail, clock())
        session.commit()
        session.refresh(item)
        return item


# --- the reporting portal's requests ------------------------------------------------------------


@dataclass(frozen=True)
class PortalRequest:
    code: str
    name: str
    form: str
    status: str  # chua_nop | da_nop | bi_tra_lai | da_duyet
    due: date | None
    submitted_at: datetime | None  # when lienthong's submission was applied, if it sent it
    on_time: bool | None  # None: not known (not submitted yet and not due, or sent by other means)
    overdue: bool  # due passed and not submitted


@dataclass(frozen=True)
class PortalStatus:
    requests: tuple[PortalRequest, ...]
    on_time: int
    late: int  # submitted late, or overdue and not submitted

    @property
    def rate(self) -> int | None:
        """On-time rate in percent (rounded down) over the requests whose timing is known."""
        judged = self.on_time + self.late
        return self.on_time * 100 // judged if judged else None


def portal_requests(engine: sa.Engine, portal: SourceRecords | None, now: datetime) -> PortalStatus:
    """The portal's report requests with their deadlines, and the on-time rate: a request counts
    on time when lienthong's submission was applied by the end of its due day (Vietnam's time),
    late when applied after it or still not submitted once due."""
    requests = list(portal.requests) if portal is not None else []
    with Session(engine) as session:
        sent = queries.first_done(session, None, REPORT_ENTITY)
    submitted = {key: _aware(at) for key, at in sent}
    today = now.astimezone(VN_TZ).date()
    out = []
    for r in sorted(requests, key=lambda r: (r.due or date.max, r.code)):
        at = submitted.get(r.code)
        deadline = datetime.combine(r.due, time(23, 59, 59), VN_TZ) if r.due else None
        done = r.status in SUBMITTED or at is not None
        overdue = bool(r.due and not done and today > r.due)
        if at is not None and deadline is not None:
            on_time: bool | None = at <= deadline
        elif overdue:
            on_time = False
        else:
            on_time = None
        out.append(PortalRequest(r.code, r.name, r.form, r.status, r.due, at, on_time, overdue))
    return PortalStatus(tuple(out), sum(1 for r in out if r.on_time), sum(1 for r in out if r.on_time is False))


# --- the audit trail ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditTrail:
    """A page of the audit log (newest first) and the whole chain's verification."""

    entries: tuple[AuditLogRow, ...]
    total: int
    problems: tuple[str, ...]  # tampering, first bad entry first (as `lienthong audit verify`)
    warnings: tuple[str, ...]  # what could not be checked
    broken: frozenset[int]  # the entries each problem names first

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def first_broken(self) -> int | None:
        return min(self.broken) if self.broken else None


_ENTRY = re.compile(r"#(\d+)")


def audit_trail(engine: sa.Engine, limit: int = 100, offset: int = 0, action: str | None = None) -> AuditTrail:
    """The newest entries (``action`` only, when given) and the verification of the whole chain."""
    with Session(engine) as session:
        report = audit.check(session)
        entries, total = queries.audit_page(session, limit, offset, action)
        rows = tuple(entries)
    broken = frozenset(int(m.group(1)) for m in (_ENTRY.search(p) for p in report.problems) if m)
    return AuditTrail(rows, total, tuple(report.problems), tuple(report.warnings), broken)


def log_export(engine: sa.Engine, actor: Actor, what: str, fmt: str, scope: dict[str, Any], now: datetime) -> None:
    """An export of personal data, written to the audit log with its account (Bình An, art. 9.3)."""
    with Session(engine) as session:
        detail = {"what": what, "format": fmt, "login": actor.login, "role": actor.role, **scope}
        audit.append(session, actor.ref, "export", detail, now)
        session.commit()
