"""Excel files uploaded on the IT page, imported with the same checks as ``lienthong import``.

Each upload is copied to a private temporary folder (removed after), refused when it is not an
``.xlsx``/``.xls`` file or is larger than the reader's limit, and otherwise read by
`sync.file_import.import_files` exactly as the command reads them (the next files read in worker
processes while one is stored). The upload as a whole is written
to the audit log with the account (each imported file is audited there as well, by the import).
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath
from typing import BinaryIO, Callable

import sqlalchemy as sa
from sqlmodel import Session

from lienthong.config.logging import get_logger
from lienthong.config.settings import Settings
from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.gradebook.excel import parse_map
from lienthong.connectors.spreadsheet import MAX_FILE
from lienthong.mapping.calendar import VN_TZ
from lienthong.store import audit
from lienthong.store.accounts import Actor
from lienthong.sync.file_import import ImportReport, Wanted, import_files
from lienthong.sync.file_reading import as_of
from lienthong.sync.findings import Reconciled, after_import
from lienthong.sync.service import NotAllowed

UPLOADERS = ("it", "principal")
SUFFIXES = (".xlsx", ".xls")
MAX_FILES = 30  # a school's score books for one upload: one per class and subject is a few dozen


@dataclass(frozen=True)
class Upload:
    """One file as the browser sent it: its name (only the last part is kept) and its content."""

    name: str
    stream: BinaryIO


def _safe_name(name: str, index: int) -> str:
    base = PurePath(name.replace("\\", "/")).name.strip() or f"tep-{index}"
    return f"{index:02d}-{base}"[:120]


def _copy(upload: Upload, folder: Path, index: int) -> tuple[Path | None, str | None]:
    """The upload written to ``folder`` (at most `MAX_FILE` bytes), or why it is refused."""
    if not upload.name.lower().endswith(SUFFIXES):
        return None, "Chỉ nhận tệp Excel (.xlsx hoặc .xls)."
    path = folder / _safe_name(upload.name, index)
    with open(path, "wb") as out:
        copied = 0
        while block := upload.stream.read(1 << 20):
            copied += len(block)
            if copied > MAX_FILE:
                return None, f"Tệp lớn hơn {MAX_FILE >> 20} MB; tệp của một trường không quá {MAX_FILE >> 20} MB."
            out.write(block)
    return path, None


def _mapping(settings: Settings) -> dict | None:
    text = settings.files.gradebook_parts.strip()  # as `lienthong import` reads [files] gradebook_parts
    return {**parse_map(text), "standing": True} if text else None


def import_uploads(
    engine: sa.Engine,
    settings: Settings,
    uploads: list[Upload],
    actor: Actor,
    clock: Callable[[], datetime],
    kind: str | None = None,
    semester: str | None = None,
    subject: str | None = None,
) -> list[ImportReport]:
    """Each upload imported as ``lienthong import`` would (the configured school year unless the
    file is refused for another), one report per file, the upload audited with the account."""
    if actor.role not in UPLOADERS:
        raise NotAllowed(f"{actor.shown()} không nhập tệp được: chỉ quản trị CNTT hoặc Hiệu trưởng.")
    if len(uploads) > MAX_FILES:
        raise FileFormatError("excel", f"Mỗi lần tải lên nhiều nhất {MAX_FILES} tệp.")
    mapping = _mapping(settings)
    school_year = settings.current_school_year()
    today = clock().astimezone(VN_TZ).date()
    wanted = as_of(Wanted(school_year, semester, subject=subject), today)
    folder = Path(tempfile.mkdtemp(prefix="lienthong-tai-len-"))  # private (0700), removed below
    try:
        copied = [_copy(upload, folder, index) for index, upload in enumerate(uploads, 1)]
        shown = [PurePath(u.name.replace("\\", "/")).name or f"tep-{i}" for i, u in enumerate(uploads, 1)]
        accepted = [(name, path) for name, (path, _) in zip(shown, copied) if path is not None]
        with closing(import_files(engine, accepted, kind, wanted, mapping, actor.ref, clock)) as imported:
            reports = [
                next(imported) if path is not None else ImportReport(name, error=refused)
                for name, (path, refused) in zip(shown, copied)
            ]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    _audit(engine, actor, reports, clock())
    return reports


def refresh_findings(engine: sa.Engine, settings: Settings, reports: list[ImportReport]) -> Reconciled | None:
    """The school's findings brought up to date after files that stored new or changed records
    (`findings.after_import`): the differences a GVCN works from follow the files uploaded.
    ``None`` when nothing was stored. A reconciliation that fails leaves the files imported; the
    page says so, and it is logged by its kind, never with data."""
    done = after_import(engine, settings, reports)
    if done is not None and done.outcome == "failed":
        get_logger(school=settings.ma_truong).error("reconcile_after_upload_failed", error=done.error)
    return done


def _audit(engine: sa.Engine, actor: Actor, reports: list[ImportReport], at: datetime) -> None:
    files = [
        {"file": r.name, "sha256": r.sha256, "kind": r.kind, "refused_rows": len(r.refused), "error": bool(r.error)}
        for r in reports
    ]
    with Session(engine) as session:
        audit.append(session, actor.ref, "files_uploaded", {"login": actor.login, "files": files}, at)
        session.commit()
