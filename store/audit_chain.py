"""The audit chain's arithmetic and anchors without SQLAlchemy (`store.audit` tells the whole story):
an entry's hash and HMAC, the process's key and checkpoint file, the checkpoint lines, and `append`
of one entry on a driver connection (`store.plain.Plain`), for a command that stores through the
driver alone (``lienthong import``: `store.imports`). The entry, its number, hash, HMAC and
checkpoint are the ones `store.audit.append` writes; the caller writes the checkpoints once its
transaction is committed (`write_checkpoints`), never before.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from lienthong.store.location import plain_sqlite_file

if TYPE_CHECKING:
    from pydantic import SecretStr

    from lienthong.config.settings import Settings
    from lienthong.store.plain import Plain

GENESIS = "0" * 64
CHECKPOINT_FILE = "audit-checkpoints.log"
# Any fixed number: the PostgreSQL advisory lock that lets one process append at a time.
APPEND_LOCK = 0x6C74_6175

Key = Union[str, bytes, "SecretStr", None]
Checkpoint = tuple[Path, str]  # a checkpoint line and the file it goes to, once committed
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Anchor:
    key: bytes | None = None
    checkpoint: Path | None = None


_anchor = Anchor()


def configure(key: Key, checkpoint_path: Path | str | None) -> None:
    """The key and checkpoint file that every later append and verification of this process uses
    when not given its own (``None``: no HMAC, no checkpoint file)."""
    global _anchor
    _anchor = Anchor(key_bytes(key), Path(checkpoint_path) if checkpoint_path else None)


def anchor() -> Anchor:
    return _anchor


def configure_from(settings: Settings) -> None:
    """`configure` from the settings: the ``audit`` secret and the checkpoint file
    (`store.audit.checkpoint_path`, read here for a plain SQLite URL without loading SQLAlchemy)."""
    path = plain_sqlite_file(settings.database_url)
    if settings.audit_checkpoint or path is None:
        from lienthong.store.audit import checkpoint_path

        configure(settings.optional_secret("audit"), checkpoint_path(settings))
    else:
        configure(settings.optional_secret("audit"), path.parent / CHECKPOINT_FILE)


def digest(prev_hash: str, at: datetime, actor: str, action: str, detail: dict[str, Any]) -> str:
    body = json.dumps(
        {"at": at.isoformat(), "actor": actor, "action": action, "detail": detail},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def mac(key: bytes, chain_hash: str) -> str:
    return hmac.new(key, chain_hash.encode("ascii"), hashlib.sha256).hexdigest()


def key_bytes(key: Key) -> bytes | None:
    if hasattr(key, "get_secret_value"):
        key = key.get_secret_value()
    if isinstance(key, str):
        key = key.encode("utf-8")
    return key or None


def checkpoint_line(school: str, at: datetime, count: int, number: int, chain_hash: str, signed: str | None) -> str:
    return json.dumps(
        {"school": school, "at": at.isoformat(), "count": count, "id": number, "hash": chain_hash, "hmac": signed},
        separators=(",", ":"),
    )


def write_checkpoints(lines: list[Checkpoint]) -> None:
    """Each checkpoint at the end of its file: called once the entries are committed."""
    for path, line in lines:
        try:
            append_line(path, line)
        except OSError:
            # The entry is committed; failing the caller now would only hide that. A missing
            # checkpoint weakens the anchor but raises no false alarm.
            logger.exception("audit checkpoint not written to %s", path)


def append_line(path: Path, line: str) -> None:
    # O_APPEND: every line lands at the end, whoever else writes; 0600: only the service reads it.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
    finally:
        os.close(fd)


def append(db: Plain, actor: str, action: str, detail: dict[str, Any], at: datetime) -> Checkpoint | None:
    """Add one entry at the end of the school's chain, in ``db``'s transaction, with the process's
    key (`configure`); returns its checkpoint, to write with `write_checkpoints` once committed
    (``None`` without a checkpoint file)."""
    from lienthong.store.imports import json_text

    at = at.astimezone(timezone.utc)  # stored and hashed in UTC: SQLite keeps no offset
    if db.postgresql:  # one appender per school's chain at a time (`store.audit._one_appender_at_a_time`)
        db.rows("SELECT pg_advisory_xact_lock(?, hashtext(?))", (APPEND_LOCK, db.school))
    last = db.rows("SELECT id, hash FROM audit_log WHERE ma_truong = ? ORDER BY id DESC LIMIT 1", (db.school,))
    number, prev = (last[0][0] + 1, last[0][1]) if last else (1, GENESIS)
    chain_hash = digest(prev, at, actor, action, detail)
    signed = mac(_anchor.key, chain_hash) if _anchor.key else None
    db.run(
        "INSERT INTO audit_log (ma_truong, id, at, actor, action, detail, prev_hash, hash, hmac) "
        f"VALUES (?, ?, ?, ?, ?, {db.json_mark()}, ?, ?, ?)",
        (db.school, number, db.time_param(at), actor, action, json_text(detail), prev, chain_hash, signed),
    )
    if _anchor.checkpoint is None:
        return None
    count = db.rows("SELECT count(*) FROM audit_log WHERE ma_truong = ?", (db.school,))[0][0]
    return _anchor.checkpoint, checkpoint_line(db.school, at, count, number, chain_hash, signed)
