"""The append-only, hash-chained audit log: every approval and every change is recorded.

Each school has its own chain (`store.tenancy`: a session sees its school's entries only, numbered
from 1 per school, and verified per school), and so has the installation (the account events of no
school, `store.accounts.audit_engine`): the reserved scope `store.tenancy.INSTALLATION`, chained,
anchored and verified by the same code. `check_chains` verifies every chain a store answers for.
Each entry's hash is SHA-256 over the previous entry's hash and the entry's canonical JSON,
so editing an entry breaks the chain there; `verify` finds where. The chain alone cannot
show that its last entries were deleted, nor that someone rewrote an entry and recomputed
every hash after it, so it is anchored outside the table twice:

- each entry carries an HMAC of its hash under the installation's audit key
  (``LIENTHONG_AUDIT_KEY``), which whoever can write the database does not hold;
- once the entry's transaction commits, a checkpoint (row count, id, hash, HMAC, time) is
  appended as one JSON line to a file outside the database (``Settings.audit_checkpoint``).

The key and the file are set once per process (`configure_from`, or `configure`), or given
to `append` and `verify` directly. On PostgreSQL, `lock_down_sql` leaves the application's
role able to append only.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, select

from lienthong.store import audit_chain, tenancy
from lienthong.store import schools as registry
from lienthong.store.audit_chain import (  # noqa: F401  (the chain's names, used here and from here)
    CHECKPOINT_FILE,
    GENESIS,
    configure,
)
from lienthong.store.audit_chain import digest as _digest
from lienthong.store.audit_chain import key_bytes as _key_bytes
from lienthong.store.audit_chain import mac as _mac
from lienthong.store.tables import AuditLogRow

if TYPE_CHECKING:
    from lienthong.config.settings import Settings

_APPEND_LOCK = audit_chain.APPEND_LOCK
_PENDING = "lienthong.audit.pending_checkpoints"  # key in Session.info

Key = Union[str, bytes, SecretStr, None]


@dataclass
class AuditReport:
    """What `check` found: ``problems`` are tampering (each names its first bad entry, first
    bad entry first); ``warnings`` are what could not be checked, and fail nothing."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    entries: int = 0  # how many entries the chain holds


def configure_from(settings: Settings) -> None:
    """`configure` from the settings: the ``audit`` secret and `checkpoint_path`."""
    configure(settings.optional_secret("audit"), checkpoint_path(settings))


def checkpoint_path(settings: Settings) -> Path | None:
    """``Settings.audit_checkpoint``, else ``audit-checkpoints.log`` beside a SQLite database file;
    none for a server database, whose checkpoint file IT must place on another machine or disk."""
    if settings.audit_checkpoint:
        return settings.audit_checkpoint
    url = sa.engine.make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).parent / CHECKPOINT_FILE
    return None


def append(
    session: Session,
    actor: str,
    action: str,
    detail: dict[str, Any],
    at: datetime,
    *,
    key: Key = None,
    checkpoint: Path | str | None = None,
) -> AuditLogRow:
    """Add one entry at the end of the chain (in the caller's transaction); its checkpoint is
    written when that transaction commits. ``key`` and ``checkpoint`` default to `configure`'s."""
    key_bytes = _key_bytes(key) or audit_chain.anchor().key
    path = Path(checkpoint) if checkpoint else audit_chain.anchor().checkpoint
    at = at.astimezone(timezone.utc)  # stored and hashed in UTC: SQLite keeps no offset
    school = tenancy.require_school(session)
    _one_appender_at_a_time(session, school)
    last = session.exec(select(AuditLogRow).order_by(AuditLogRow.id.desc()).limit(1)).first()
    prev = last.hash if last else GENESIS
    digest = _digest(prev, at, actor, action, detail)
    row = AuditLogRow(
        # Numbered here, not by a sequence: PostgreSQL skips numbers on rollback, and a gap
        # must mean a deleted entry.
        ma_truong=school,
        id=last.id + 1 if last else 1,
        at=at,
        actor=actor,
        action=action,
        detail=detail,
        prev_hash=prev,
        hash=digest,
        hmac=_mac(key_bytes, digest) if key_bytes else None,
    )
    session.add(row)
    session.flush()
    if path:
        _queue_checkpoint(session, path, row, school)
    return row


def _one_appender_at_a_time(session: Session, school: str) -> None:
    # Two processes appending at once to one school's chain would both chain onto the same last
    # entry. On PostgreSQL the second waits here until the first commits (other schools' chains
    # go on: the lock is per school); SQLite has a single writer anyway.
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(
            sa.text("SELECT pg_advisory_xact_lock(:k, hashtext(:school))"), {"k": _APPEND_LOCK, "school": school}
        )


def _queue_checkpoint(session: Session, path: Path, row: AuditLogRow, school: str) -> None:
    # Written after commit, never before: a checkpoint for an entry that was rolled back would
    # later look like a deleted entry.
    count = session.exec(select(sa.func.count()).select_from(AuditLogRow)).one()
    line = audit_chain.checkpoint_line(school, row.at, count, row.id, row.hash, row.hmac)
    session.info.setdefault(_PENDING, []).append((path, line))
    if not sa.event.contains(session, "after_commit", _write_checkpoints):
        sa.event.listen(session, "after_commit", _write_checkpoints)
        sa.event.listen(session, "after_rollback", _drop_checkpoints)


def _write_checkpoints(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer transaction may still roll back
    audit_chain.write_checkpoints(session.info.pop(_PENDING, []))


def _drop_checkpoints(session: Session) -> None:
    session.info.pop(_PENDING, None)


def verify(session: Session, key: Key = None, checkpoint: Path | str | None = None) -> list[str]:
    """Problems in the chain (Vietnamese, first bad entry first); empty when intact.
    ``key`` and ``checkpoint`` default to `configure`'s; `check` also gives the warnings."""
    return check(session, key=key, checkpoint=checkpoint).problems


def check(session: Session, key: Key = None, checkpoint: Path | str | None = None) -> AuditReport:
    """The chain against itself, its HMACs and the checkpoint file."""
    key_bytes = _key_bytes(key) or audit_chain.anchor().key
    path = Path(checkpoint) if checkpoint else audit_chain.anchor().checkpoint
    school = tenancy.require_school(session)
    rows = list(session.exec(select(AuditLogRow).order_by(AuditLogRow.id)))
    found = _chain_problems(rows) + _hmac_problems(rows, key_bytes)
    report = AuditReport(warnings=_key_warnings(rows, key_bytes), entries=len(rows))
    if path is None:
        if rows:
            report.warnings.append(
                "Không có tệp điểm kiểm tra (audit_checkpoint): không phát hiện được việc xoá các mục cuối"
            )
    else:
        marks, unreadable = _read_marks(path, school)
        found += _mark_problems(rows, marks, key_bytes)
        report.warnings += unreadable
        if not marks and rows:
            report.warnings.append(f"Tệp điểm kiểm tra {path} trống hoặc không có: chưa so được với nhật ký")
    report.problems = [text for _, text in sorted(found, key=lambda problem: problem[0])]
    return report


def check_chains(engine: sa.Engine, key: Key = None, checkpoint: Path | str | None = None) -> dict[str, AuditReport]:
    """`check` of every chain ``engine`` answers for, by scope: the school it acts for (or, acting
    for none, every registered school's), then the installation's (`store.tenancy.INSTALLATION`)."""
    school = tenancy.store_school(engine)
    if school is not None:
        scopes = [(school, engine)]
    else:
        with Session(tenancy.unscoped(engine)) as session:
            codes = [row.ma_truong for row in registry.schools(session, active_only=False)]
        scopes = [(code, tenancy.for_school(engine, code)) for code in codes]
    scopes.append((tenancy.INSTALLATION, tenancy.installation(engine)))
    reports = {}
    for scope, bound in scopes:
        with Session(bound) as session:
            reports[scope] = check(session, key=key, checkpoint=checkpoint)
    return reports


def _chain_problems(rows: list[AuditLogRow]) -> list[tuple[int, str]]:
    """Gaps in the numbering, broken links and edited entries, each at its entry's id."""
    found, prev, prev_id = [], GENESIS, 0
    for row in rows:
        if row.id != prev_id + 1:
            found.append((prev_id + 1, f"{_span(prev_id + 1, row.id - 1)}: đã bị xoá (số thứ tự nhảy sang #{row.id})"))
        elif row.prev_hash != prev:
            found.append((row.id, f"Mục #{row.id}: không nối tiếp mục trước (có mục bị xoá hoặc chèn)"))
        elif _digest(prev, _aware(row.at), row.actor, row.action, row.detail) != row.hash:
            found.append((row.id, f"Mục #{row.id}: nội dung đã bị sửa sau khi ghi"))
        prev, prev_id = row.hash, row.id
    return found


def _hmac_problems(rows: list[AuditLogRow], key: bytes | None) -> list[tuple[int, str]]:
    """The first entry, from the first keyed one on, whose HMAC is wrong or missing: a chain
    rewritten and recomputed by someone without the key."""
    if key is None:
        return []
    start = next((i for i, row in enumerate(rows) if row.hmac), len(rows))
    bad = [row for row in rows[start:] if not hmac.compare_digest(row.hmac or "", _mac(key, row.hash))]
    if not bad:
        return []
    first = bad[0]
    why = "không có mã HMAC dù các mục trước có" if first.hmac is None else "mã HMAC không khớp"
    return [
        (
            first.id,
            f"Mục #{first.id}: {why} — chuỗi đã bị ghi lại và tính lại từ đây, hoặc khoá kiểm toán đã bị đổi "
            f"({len(bad)} mục sai)",
        )
    ]


def _key_warnings(rows: list[AuditLogRow], key: bytes | None) -> list[str]:
    if not rows:
        return []
    if key is None:
        return [
            "Chưa có khoá kiểm toán (LIENTHONG_AUDIT_KEY hoặc audit_key trong secrets_file): "
            "không phát hiện được chuỗi bị ghi lại và tính lại toàn bộ"
        ]
    unkeyed = next((i for i, row in enumerate(rows) if row.hmac), len(rows))
    if unkeyed == len(rows):
        return ["Chuỗi nhật ký chưa có khoá: không mục nào mang mã HMAC (ghi khi chưa đặt khoá kiểm toán)"]
    if unkeyed:
        return [f"{_span(rows[0].id, rows[unkeyed - 1].id)} ghi khi chưa có khoá kiểm toán: không kiểm tra được HMAC"]
    return []


def _read_marks(path: Path, school: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The checkpoints of ``school``'s chain in the file (a line written before schools were named
    is the store's one school's), and a warning per line that is not one."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return [], []
    marks, unreadable = [], []
    for number, line in enumerate(lines, start=1):
        try:
            mark = json.loads(line)
            # a line with no school is the one school's of an older store, never the installation's
            if mark.get("school", None if school == tenancy.INSTALLATION else school) != school:
                continue
            marks.append(
                {
                    "at": str(mark["at"]),
                    "count": int(mark["count"]),
                    "id": int(mark["id"]),
                    "hash": str(mark["hash"]),
                    "hmac": mark.get("hmac"),
                }
            )
        except (ValueError, TypeError, KeyError):
            unreadable.append(f"Dòng {number} của tệp điểm kiểm tra {path} không đọc được")
    return marks, unreadable


def _mark_problems(rows: list[AuditLogRow], marks: list[dict[str, Any]], key: bytes | None) -> list[tuple[int, str]]:
    """Entries gone from the end, entries whose hash differs from their checkpoint, and
    checkpoints not signed with the key."""
    if not marks:
        return []
    return _deleted_tail(rows, max(marks, key=lambda mark: mark["id"])) + _rewritten(rows, marks, key)


def _deleted_tail(rows: list[AuditLogRow], newest: dict[str, Any]) -> list[tuple[int, str]]:
    last_id = rows[-1].id if rows else 0
    if newest["id"] > last_id:
        return [
            (
                last_id + 1,
                f"{_span(last_id + 1, newest['id'])}: đã bị xoá khỏi cuối nhật ký (điểm kiểm tra lúc {newest['at']} "
                f"ghi {newest['count']} mục, đến #{newest['id']}; nay còn {len(rows)} mục)",
            )
        ]
    if len(rows) < newest["count"]:
        return [
            (
                newest["id"],
                f"Nhật ký còn {len(rows)} mục, ít hơn {newest['count']} mục ở điểm kiểm tra lúc {newest['at']}",
            )
        ]
    return []


def _rewritten(rows: list[AuditLogRow], marks: list[dict[str, Any]], key: bytes | None) -> list[tuple[int, str]]:
    # The HMAC too: stripping it from entries whose hash was kept is also a rewrite.
    written = {row.id: (row.hash, row.hmac) for row in rows}
    found = []
    differing = sorted(
        (m for m in marks if m["id"] in written and written[m["id"]] != (m["hash"], m["hmac"])), key=lambda m: m["id"]
    )
    if differing:
        first = differing[0]
        found.append(
            (
                first["id"],
                f"Mục #{first['id']}: khác với điểm kiểm tra lúc {first['at']} — đã bị ghi lại sau khi ghi "
                f"({len(differing)} điểm kiểm tra không khớp)",
            )
        )
    if key is not None:
        forged = [m for m in marks if m["hmac"] and not hmac.compare_digest(str(m["hmac"]), _mac(key, m["hash"]))]
        if forged:
            found.append(
                (
                    forged[0]["id"],
                    f"Điểm kiểm tra của mục #{forged[0]['id']} (lúc {forged[0]['at']}) mang mã HMAC sai: "
                    "tệp điểm kiểm tra đã bị sửa",
                )
            )
    return found


def _span(first: int, last: int) -> str:
    return f"Mục #{first}" if first == last else f"Các mục #{first}–#{last}"


def _aware(value: datetime) -> datetime:
    """SQLite gives back naive datetimes for what was written in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def lock_down_sql(role: str) -> list[str]:
    """GRANT/REVOKE statements that leave ``role``, the PostgreSQL role the application connects
    as, able to read and append to the audit log but never to change or delete an entry.

    IT runs them once, connected as the role that owns the tables (the one that runs
    ``lienthong`` migrations), right after the first migration to a new database, and again
    after restoring a backup or any migration that recreates ``audit_log``; for example
    ``psql -d lienthong -U lienthong_owner -c '<statement>'`` for each. They hold only if the
    application role neither owns the table nor is a member of its owner's role (an owner can
    grant itself anything back), so the application must not run migrations itself there.
    SQLite has no roles: there the audit key and the checkpoint file are the protection.
    """
    name = postgresql.dialect().identifier_preparer.quote(role)
    return [
        "REVOKE ALL ON TABLE audit_log FROM PUBLIC",
        f"REVOKE ALL ON TABLE audit_log FROM {name}",
        # SELECT: appending reads the last entry to chain onto, and verify reads them all.
        # No sequence grant: entries are numbered by `append`, not by the id sequence.
        f"GRANT SELECT, INSERT ON TABLE audit_log TO {name}",
    ]
