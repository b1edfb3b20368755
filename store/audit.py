"""The append-only, hash-chained audit log: every approval and every change is recorded.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's canonical JSON,
so editing or deleting any entry breaks the chain from there on; `verify` finds where.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any

from sqlmodel import Session, select

from lienthong.store.tables import AuditLogRow

GENESIS = "0" * 64


def _digest(prev_hash: str, at: datetime, actor: str, action: str, detail: dict[str, Any]) -> str:
    body = json.dumps(
        {"at": at.isoformat(), "actor": actor, "action": action, "detail": detail},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def append(session: Session, actor: str, action: str, detail: dict[str, Any], at: datetime) -> AuditLogRow:
    """Add one entry at the end of the chain (in the caller's transaction)."""
    at = at.astimezone(timezone.utc)  # stored and hashed in UTC: SQLite keeps no offset
    last = session.exec(select(AuditLogRow).order_by(AuditLogRow.id.desc()).limit(1)).first()
    prev = last.hash if last else GENESIS
    row = AuditLogRow(
        at=at, actor=actor, action=action, detail=detail, prev_hash=prev, hash=_digest(prev, at, actor, action, detail)
    )
    session.add(row)
    session.flush()
    return row


def verify(session: Session) -> list[str]:
    """Problems in the chain (Vietnamese, one per broken entry); empty when intact."""
    problems, prev = [], GENESIS
    for row in session.exec(select(AuditLogRow).order_by(AuditLogRow.id)):
        if row.prev_hash != prev:
            problems.append(f"Mục #{row.id}: không nối tiếp mục trước (có mục bị xoá hoặc chèn)")
        elif _digest(prev, _aware(row.at), row.actor, row.action, row.detail) != row.hash:
            problems.append(f"Mục #{row.id}: nội dung đã bị sửa sau khi ghi")
        prev = row.hash
    return problems


def _aware(value: datetime) -> datetime:
    """SQLite gives back naive datetimes for what was written in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
