"""The transactional outbox: planned changes, stable batches, delivery and outcomes.

Items are written in the same transaction as the decision that made them. Before sending,
items are grouped into batches whose idempotency key is derived from their content and
committed; after a crash the same batch goes out again with the same key, and the platform
answers it once. Only the platform's per-item acknowledgement closes an item.

A batch the platform refuses as a whole (one bad item can make it refuse the request) is cut
into batches of one, each with a key derived from the batch's, so that only the items the
platform refuses themselves become dead letters.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from typing import Callable

from sqlmodel import Session

from lienthong.connectors.base import Connector, PushOutcome
from lienthong.connectors.errors import AuthError, ConnectorError, LockedError, PermanentError, TransientError
from lienthong.reconciliation.authority import PlannedChange
from lienthong.store import queries
from lienthong.store.repository import SnapshotRecord, upsert_snapshots
from lienthong.store.tables import OutboxItemRow
from lienthong.sync.state import RunStore

# Statuses: the open ones (`queries.OPEN_OUTBOX`), then done · dead (refused: a person looks) ·
# superseded · cancelled
OPEN = queries.OPEN_OUTBOX
OUTCOME_STATUS = {
    PushOutcome.APPLIED: "done",
    PushOutcome.UNCHANGED: "done",
    PushOutcome.CONFLICT: "conflict",
    PushOutcome.LOCKED: "pending",
    PushOutcome.INVALID: "dead",
    PushOutcome.NOT_FOUND: "dead",
}


@dataclass
class Delivery:
    outcomes: Counter = field(default_factory=Counter)
    waiting_window: int = 0
    error: str = ""


def _live(session: Session, change: PlannedChange) -> list[OutboxItemRow]:
    return queries.open_items(session, change.platform, change.entity, change.key)


def _standing(session: Session, live: list[OutboxItemRow], change: PlannedChange) -> str | None:
    """Why a planned change needs no new item: it is being delivered, already planned, or the
    platform refused exactly this already (a dead letter a person looks at)."""
    if any(item.batch_key and item.status == "pending" for item in live):
        return "in_flight"  # planned again after its answer
    if any(item.payload == change.payload and item.status != "conflict" for item in live):
        return "already_planned"
    # The payload carries the platform's version: the same payload is the same refusal again;
    # sending it (and holding or asking approval for it) once more would change nothing.
    refused = queries.refused_items(session, change.platform, change.entity, change.key)
    if any(item.payload == change.payload for item in refused):
        return "refused"
    return None


def new_changes(session: Session, changes: list[PlannedChange]) -> list[PlannedChange]:
    """The planned changes the outbox does not hold yet (what a hold decision is about)."""
    return [c for c in changes if _standing(session, _live(session, c), c) is None]


def enqueue(
    session: Session,
    run_id: int,
    changes: list[PlannedChange],
    status_of: Callable[[PlannedChange], str],
    now: datetime,
) -> Counter:
    """Write planned changes, replacing any open, unsent item for the same key."""
    counts: Counter = Counter()
    for change in changes:
        live = _live(session, change)
        standing = _standing(session, live, change)
        if standing in (None, "refused"):  # an unsent item the plan no longer wants
            for item in live:
                item.status, item.updated_at = "superseded", now
        if standing:
            counts[standing] += 1
            continue
        session.add(
            OutboxItemRow(
                run_id=run_id,
                platform=change.platform,
                entity=change.entity,
                key=change.key,
                payload=change.payload,
                kind=change.kind,
                status=status_of(change),
                created_at=now,
                updated_at=now,
            )
        )
        counts[change.kind] += 1
    return counts


def _batch_key(platform: str, entity: str, items: list[OutboxItemRow]) -> str:
    """Stable for a batch (its items' ids and content are committed before sending), and never
    the same for two batches: the same change planned again later is a new item with a new id,
    and an item sent again after a "locked" answer has one more attempt, so the platform cannot
    answer it with an old batch's reply."""
    content = json.dumps([[i.id, i.attempts, i.key, i.payload] for i in items], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{platform}|{entity}|{content}".encode()).hexdigest()[:40]


def _item_key(batch_key: str, item: OutboxItemRow) -> str:
    """The key of a batch of one cut from a refused batch: the same item of the same batch gets
    the same key after a crash, and no other batch can have it."""
    return hashlib.sha256(f"{batch_key}|item|{item.id}".encode()).hexdigest()[:40]


def assign_batches(session: Session, platform: str, max_batch: int, now: datetime) -> int:
    """Group unbatched pending items (per entity and semester) into batches; commit before sending."""
    items = queries.unbatched_pending(session, platform)
    made = 0
    group = lambda i: (i.entity, str(i.payload.get("hoc_ky", "")))  # noqa: E731
    for (entity, _), members in groupby(sorted(items, key=group), key=group):
        members = list(members)
        for start in range(0, len(members), max_batch):
            batch = members[start : start + max_batch]
            key = _batch_key(platform, entity, batch)
            for item in batch:
                item.batch_key, item.updated_at = key, now
            made += 1
    return made


def window_open(windows: list, entity: str, semester: str, now: datetime) -> bool:
    """Whether every window covering (entity, semester) is open: the platform's own windows
    (as the platform reports them) and the school's (Suoi Ngo regulation, art. 3, by time)."""
    kind = {"diem": "diem", "diem_danh": "diem_danh"}.get(entity)
    for window in windows:
        if window.kind.value != kind or window.semester.value != semester:
            continue
        closed = not window.is_open(now) if window.platform == "school" else window.locked
        if closed:
            return False
    return True


async def deliver(
    connector: Connector,
    store: RunStore,
    clock: Callable,
    windows: list | None = None,
    heartbeat: Callable[[Session], None] | None = None,
) -> Delivery:
    """Send every committed batch of ``connector``'s platform and record each item's outcome.

    ``windows``: the lock windows known for this platform (its own and the school's); a batch
    for a closed window stays committed and goes out, with the same key, once it opens.
    ``heartbeat``: called in each step's transaction (the run renews its lease there)."""
    result = Delivery()
    with store.step() as session:
        _beat(heartbeat, session)
        assign_batches(session, connector.name, connector.max_batch, clock())
        queue = deque(queries.pending_batches(session, connector.name))
    if not queue:
        return result
    windows = windows if windows is not None else await connector.lock_windows()
    while queue:
        batch_key, entity = queue.popleft()
        with store.step() as session:
            _beat(heartbeat, session)
            items = queries.batch_items(session, batch_key)
        if not items or not window_open(windows, entity, str(items[0].payload.get("hoc_ky", "")), clock()):
            result.waiting_window += len(items)  # the same batch goes out when the window opens
            continue
        try:
            answers = await connector.push(entity, [i.payload for i in items], batch_key)
        except TransientError as exc:
            _note_attempt(store, items, exc.message)
            result.error = exc.message
            break  # the platform is having a bad time: the rest waits for the next run
        except AuthError:
            raise  # credentials lost: nothing of this platform goes out until IT fixes them
        except LockedError as exc:
            _note_attempt(store, items, exc.message, rebatch=True)  # the window closed under us: wait
            result.waiting_window += len(items)
            continue
        except ConnectorError as exc:
            singles = _refused(store, batch_key, items, exc, clock, result)
            queue.extendleft(reversed([(key, entity) for key in singles]))  # sent next, in order
            continue
        _record(store, connector.name, entity, items, answers, clock, result)
    return result


def _beat(heartbeat: Callable[[Session], None] | None, session: Session) -> None:
    if heartbeat is not None:
        heartbeat(session)


def _refused(
    store: RunStore,
    batch_key: str,
    items: list[OutboxItemRow],
    exc: ConnectorError,
    clock: Callable,
    result: Delivery,
) -> list[str]:
    """A batch the platform refused as a whole. One bad item can make it refuse the request, so
    a batch of several is cut into batches of one (returned, to send now); a batch of one is a
    dead letter."""
    if isinstance(exc, PermanentError) and len(items) > 1:
        return _split(store, batch_key, items, exc.message, clock)
    _refuse(store, items, exc.message, clock)
    result.outcomes["dead"] += len(items)
    return []


def _split(store: RunStore, batch_key: str, items: list[OutboxItemRow], message: str, clock: Callable) -> list[str]:
    """Give each item its own batch, committed before sending (a crash resumes with the same
    keys); the refusal counts as an attempt and stays as the message until the item's answer."""
    with store.step():
        for item in items:
            item.batch_key = _item_key(batch_key, item)
            item.attempts, item.message, item.updated_at = item.attempts + 1, message, clock()
    return [item.batch_key for item in items]


def _note_attempt(store: RunStore, items: list[OutboxItemRow], message: str, rebatch: bool = False) -> None:
    """A batch that did not go through; with ``rebatch`` its items go out in a new batch next time."""
    with store.step():
        for item in items:
            item.attempts, item.message = item.attempts + 1, message
            if rebatch:
                item.batch_key = None


def _refuse(store: RunStore, items: list[OutboxItemRow], message: str, clock: Callable) -> None:
    """The platform refused these items: dead letters, with its reason, for a person to look at."""
    with store.step():
        for item in items:
            item.status, item.message, item.updated_at = "dead", message, clock()
            item.attempts += 1


def _record(
    store: RunStore,
    platform: str,
    entity: str,
    items: list[OutboxItemRow],
    answers: list,
    clock: Callable,
    result: Delivery,
) -> None:
    """Each item's answer; what the platform acknowledged is what it holds now, so the next plan
    starts from it."""
    with store.step() as session:
        acknowledged = []
        for item, answer in zip(items, answers):
            item.status, item.message, item.updated_at = OUTCOME_STATUS[answer.outcome], answer.message, clock()
            item.attempts += 1
            if answer.outcome is PushOutcome.LOCKED:
                item.batch_key = None  # a new batch next time: this key's answer is "locked" for 24 h
            if answer.outcome is PushOutcome.APPLIED and answer.version is not None:
                payload = {k: v for k, v in item.payload.items() if k != "version"}
                acknowledged.append(SnapshotRecord(platform, entity, item.key, answer.version, payload))
            result.outcomes[answer.outcome.value] += 1
        upsert_snapshots(session, acknowledged, clock())
