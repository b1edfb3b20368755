"""Year results reach the platforms only once the principal approved them (Bình An 5.4; Suối Ngô
art. 7): planned in the run's plan transaction, beside the score sheets.

For each class of the school's record, each student's year result (period ``CN``: learning,
training, absences, promotion, title, subjects) is compared with what the results platform (the
CSDL) holds. For a class whose year results are approved the approved values are planned
(``pending``: they go out with this run's delivery), whatever a source says now. For a class
whose year results are not approved, each differing student waits in the outbox as
``awaiting_results``, with the reason, and is never sent: once the principal approves, the next
run replaces it with the approved values and sends them. Nothing is dropped, nothing differing is
silent.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from lienthong.mapping.csdl import confirmed_to_csdl, result_content
from lienthong.reconciliation.results import SchoolRecord, Where
from lienthong.store import queries
from lienthong.store import results as stored
from lienthong.store.repository import snapshot_versions
from lienthong.store.tables import OutboxItemRow

ENTITY = "ket_qua"  # what the CSDL connector pushes results as
WAITING = "awaiting_results"  # an outbox status: open, never sent, until the class's results are approved
PERIOD = "CN"


def waiting_message(class_code: str) -> str:
    return (
        f"Chờ Hiệu trưởng duyệt kết quả cả năm lớp {class_code} (GVCN xác nhận, Hiệu trưởng duyệt): "
        "chưa gửi; sẽ gửi đúng giá trị đã duyệt."
    )


@dataclass
class ResultsPlan:
    """What the plan did with the year results: counts, and the classes whose results wait."""

    planned: Counter = field(default_factory=Counter)  # pending · waiting · unchanged · superseded
    waiting: dict[str, int] = field(default_factory=dict)  # class → students waiting for the approval

    def as_json(self) -> dict:
        return {"planned": dict(self.planned), "waiting": dict(sorted(self.waiting.items()))}


class _Items:
    """The outbox's year-result items of one platform, read with two queries: the open ones and
    what the platform acknowledged, by key."""

    def __init__(self, session: Session, platform: str):
        self.open: dict[str, list[OutboxItemRow]] = {}
        self.done: dict[str, set[tuple]] = {}
        for item in queries.entity_items(session, platform, ENTITY, queries.OPEN_OUTBOX):
            self.open.setdefault(item.key, []).append(item)
        for item in queries.entity_items(session, platform, ENTITY, ("done",)):
            self.done.setdefault(item.key, set()).add(result_content(item.payload))

    def delivered(self, key: str, content: tuple) -> bool:
        """Whether the platform already acknowledged exactly this content (its answer carries no
        version for the next plan to start from, and its year results are not read back every run)."""
        return content in self.done.get(key, ())


def plan_year_results(
    session: Session, run_id: int, where: Where, platforms: list[str], now: datetime, record: SchoolRecord | None = None
) -> ResultsPlan:
    """Plan (in the caller's transaction) the year results for ``platforms`` (those that take
    ``ket_qua`` pushes)."""
    plan = ResultsPlan()
    if not platforms:
        return plan
    record = record or SchoolRecord(session, where)
    approved = stored.approved(session, where.school_year, PERIOD)
    for platform in platforms:
        held = snapshot_versions(session, platform, ENTITY)
        items = _Items(session, platform)
        for class_code in record.classes():
            row = approved.get(class_code)
            students = (
                row.content["students"] if row is not None else record.content(class_code, PERIOD, None)["students"]
            )
            status = "pending" if row is not None else WAITING
            for student in students:
                if not (student.get("learning") or student.get("promotion")):
                    continue  # no year result in the school's record yet
                if not student.get("ministry_id"):
                    plan.planned["no_ministry_id"] += 1  # the CSDL knows no student without it: a person links
                    continue
                key = f"{student['ministry_id']}:{PERIOD}"
                version, theirs = held.get(key, (0, None))
                payload = confirmed_to_csdl(student, PERIOD, version + 1, theirs is None)
                content = result_content(payload)
                if (theirs is not None and result_content(theirs) == content) or items.delivered(key, content):
                    plan.planned["unchanged"] += 1
                    _keep(items.open.get(key, []), (), "", now)  # nothing left to send: unsent items go
                    continue
                if _keep(items.open.get(key, []), content, status, now):
                    plan.planned["already_planned"] += 1
                else:
                    session.add(
                        OutboxItemRow(
                            run_id=run_id,
                            platform=platform,
                            entity=ENTITY,
                            key=key,
                            payload=payload,
                            kind="result",
                            status=status,
                            message="" if row is not None else waiting_message(class_code),
                            created_at=now,
                            updated_at=now,
                        )
                    )
                    plan.planned["pending" if row is not None else "waiting"] += 1
                if row is None:
                    plan.waiting[class_code] = plan.waiting.get(class_code, 0) + 1
    return plan


def _keep(live: list[OutboxItemRow], content: tuple, status: str, now: datetime) -> bool:
    """Settle the open items of one record: one with this content and status stays (True); an
    unsent one that says something else, or waits while the results are now approved, is replaced."""
    kept = False
    for item in live:
        if item.batch_key and item.status == "pending":
            kept = True  # being delivered: its answer comes first
            continue
        if not kept and result_content(item.payload) == content and item.status == status:
            kept = True
            continue
        item.status, item.updated_at = "superseded", now
    return kept
