"""The register of discrepancies: each difference once, by its stable id, across runs.

A difference seen again keeps its record and only its ``last_seen`` moves; one no longer
seen is closed (the sources agree again); one that comes back is reopened.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlmodel import Session

from lienthong.reconciliation.discrepancy import Discrepancy
from lienthong.store import queries
from lienthong.store.tables import DiscrepancyRow


def record(
    session: Session,
    found: list[Discrepancy],
    now: datetime,
    scope_classes: set[str] | None = None,
    assignees: dict[str, str] | None = None,
) -> Counter:
    """Apply one reconciliation's findings; returns counts of new, seen, reopened and closed.

    Each difference is assigned to the homeroom teacher of its class (``assignees``), when known.
    """
    assignees = assignees or {}
    counts: Counter = Counter()
    current = {d.id: d for d in found}
    stored = queries.discrepancies(session, scope_classes)
    for key, discrepancy in current.items():
        row = stored.get(key)
        if row is None:
            session.add(
                DiscrepancyRow(
                    id=key,
                    kind=discrepancy.kind,
                    class_code=discrepancy.class_code,
                    record=discrepancy.as_json(),
                    status="open",
                    first_seen=now,
                    last_seen=now,
                    assignee=assignees.get(discrepancy.class_code or ""),
                )
            )
            counts["new"] += 1
            continue
        if row.status == "closed":
            row.status, row.closed_at = "open", None
            counts["reopened"] += 1
        else:
            counts["seen"] += 1
        row.last_seen = now
        row.assignee = assignees.get(discrepancy.class_code or "") or row.assignee
        if row.record != discrepancy.as_json():
            row.record = discrepancy.as_json()  # the values moved while the difference stayed
    for key, row in stored.items():
        if key not in current and row.status != "closed":  # open, proposed, approved or resolved
            row.status, row.closed_at = "closed", now
            counts["closed"] += 1
    return counts
