"""``lienthong backup [--to DIR]``, ``backup verify``, ``restore``, ``retention report|purge``.

Only presents what `lienthong.records.backup` and `lienthong.records.retention` return.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console
from sqlmodel import Session

from lienthong.cli import exits
from lienthong.cli.identity import actor_ref, current_actor, signed_in_actor, work_engine
from lienthong.config.settings import Settings
from lienthong.mapping.calendar import VN_TZ
from lienthong.records import backup as backups
from lienthong.store import audit
from lienthong.store.accounts import AccountError
from lienthong.store.backup import BackupUnavailable

RESTORERS = ("principal",)  # Bình An art. 8.3: IT restores at the principal's request
PURGERS = ("it", "principal")


def _screen(console: Console | None) -> Console:
    return console or Console(markup=False, highlight=False, soft_wrap=True)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _open(settings: Settings):
    from lienthong.sync.service import open_store

    return open_store(settings)


def _audit(engine, actor: str, action: str, detail: dict) -> None:
    with Session(engine) as session:
        audit.append(session, actor, action, detail, _now())
        session.commit()


def _shown_check(check: backups.BackupCheck, console: Console) -> None:
    manifest = check.manifest
    made = datetime.fromisoformat(manifest["created_at"]).astimezone(VN_TZ)
    console.print(f"Bản sao lưu {check.folder}: lập lúc {made:%d/%m/%Y %H:%M} (+07:00), {manifest['database']}.")
    for line in check.checked:
        console.print(f"  {line}")


def make(to: Path | None, console: Console | None = None) -> int:
    console = _screen(console)
    settings = Settings()
    target = to or settings.records.archive_dir
    if target is None:
        console.print(
            "Chưa có nơi đặt bản sao lưu: dùng --to THƯ_MỤC hoặc khai báo [records] archive_dir "
            "(ổ cứng rời dành cho lưu trữ, Quy chế Suối Ngô Điều 10).",
            style="red",
        )
        return exits.BAD_INPUT
    engine = _open(settings)  # checked (exists, not damaged) before copying it
    who = actor_ref()
    try:
        check = backups.make_backup(settings.database_url, Path(target), _now(), who)
    except (BackupUnavailable, backups.BackupDamaged) as exc:
        console.print(str(exc), style="red")
        return exits.BAD_INPUT
    files = check.manifest["files"]
    detail = {"folder": check.folder.name, "files": {n: f["sha256"] for n, f in files.items()}}
    _audit(engine, who, "backup_made", detail)
    _shown_check(check, console)
    console.print(f"Đã sao lưu vào {check.folder} (bản kê: {backups.MANIFEST}, {backups.SUMS}).")
    return exits.OK


def verify(folder: Path, console: Console | None = None) -> int:
    console = _screen(console)
    try:
        check = backups.verify_backup(folder)
    except backups.BackupDamaged as exc:
        console.print(str(exc), style="red")
        return exits.BAD_INPUT
    _shown_check(check, console)
    console.print("Bản sao lưu nguyên vẹn.")
    return exits.OK


def _target_url(to: str) -> str:
    return to if "://" in to else f"sqlite:///{Path(to).expanduser().resolve()}"


def _who_restores(folder: Path, yes: bool, settings: Settings):
    """(account ref, current store or None). The principal's account, checked in the current database;
    when that one is missing or damaged (why one restores), in the backup's own copy."""
    import sqlalchemy as sa

    from lienthong.store.db import StoreDamaged, StoreMissing

    try:
        engine = _open(settings)
    except (StoreMissing, StoreDamaged):
        engine = None
    if yes:
        return f"{actor_ref() if engine is not None else 'os'}:--yes", engine
    accounts_db = engine
    if accounts_db is None:
        check = backups.verify_backup(folder)
        if check.manifest.get("database") != "sqlite":
            raise AccountError("Cơ sở dữ liệu hiện tại không mở được: dùng --yes (kịch bản của bộ phận CNTT).")
        # read-only, never migrated or switched to WAL: the backup is not written to
        accounts_db = sa.create_engine(f"sqlite:///file:{folder / backups.DB_FILES['sqlite']}?mode=ro&uri=true")
    with Session(accounts_db) as session:
        actor = current_actor(session)
    if actor.role not in RESTORERS:
        raise AccountError(
            f"{actor.shown()} không khôi phục được: cần tài khoản Hiệu trưởng, hoặc --yes của bộ phận CNTT."
        )
    return actor.ref, engine


def restore(folder: Path, to: str, yes: bool, console: Console | None = None) -> int:
    console = _screen(console)
    settings = Settings()
    url = _target_url(to)
    try:
        who, engine = _who_restores(folder, yes, settings)
    except backups.BackupDamaged as exc:
        console.print(str(exc), style="red")
        return exits.BAD_INPUT
    except AccountError as exc:
        console.print(str(exc), style="red")
        return exits.REFUSED
    try:
        done = backups.restore(folder, url)
    except (BackupUnavailable, backups.BackupDamaged) as exc:
        console.print(str(exc), style="red")
        return exits.BAD_INPUT
    if engine is not None:
        _audit(engine, who, "backup_restored", {"folder": Path(folder).name, "to": Settings.redact_url(url)})
    _shown_check(done.check, console)
    shown = Settings.redact_url(url)
    rows = f"{done.rows:,}".replace(",", ".")
    console.print(f"Đã khôi phục {done.tables} bảng, {rows} dòng vào {shown} (đã kiểm tra khớp bản kê).")
    console.print(f"Dùng cơ sở dữ liệu này: --db {shown} hoặc đặt database_url trong cấu hình.")
    return exits.OK


# --- retention ----------------------------------------------------------------------------------


def retention_report(as_json: bool, console: Console | None = None) -> int:
    from rich.table import Table

    from lienthong.records.retention import retained

    console = _screen(console)
    settings = Settings()
    today = _now().astimezone(VN_TZ).date()
    rows = retained(_open(settings), settings, today)
    gone = [r for r in rows if r.counted_from is not None]
    if as_json:
        for r in gone:
            line = {
                "student": r.key,
                "class": r.class_code,
                "reason": r.reason,
                "counted_from": r.counted_from.isoformat(),
                "purgeable_from": r.purgeable_from.isoformat(),
                "purgeable_now": r.purgeable(today),
            }
            print(json.dumps(line, ensure_ascii=False))
        return exits.OK
    table = Table("Lớp", "Mã học sinh", "Học sinh", "Lý do", "Tính từ", "Được xoá từ", title="Thời hạn lưu hồ sơ")
    for r in gone:
        table.add_row(
            r.class_code, r.key, r.name, r.reason, f"{r.counted_from:%d/%m/%Y}", f"{r.purgeable_from:%d/%m/%Y}"
        )
    console.print(table)
    now = sum(r.purgeable(today) for r in gone)
    console.print(
        f"{len(gone)} học sinh đã rời trường hoặc tốt nghiệp ({now} đã hết thời hạn lưu "
        f"{settings.records.retention_years} năm); {len(rows) - len(gone)} học sinh đang học: hồ sơ được giữ."
    )
    return exits.OK


def retention_purge(students: list[str], console: Console | None = None) -> int:
    from lienthong.records.retention import RetentionRefused, purge

    console = _screen(console)
    settings = Settings()
    engine = _open(settings)
    actor = signed_in_actor(engine, console)
    if actor is None:
        return exits.REFUSED
    engine = work_engine(engine, actor)
    if actor.role not in PURGERS:
        console.print(f"{actor.shown()} không xoá được hồ sơ: chỉ quản trị CNTT hoặc Hiệu trưởng.", style="red")
        return exits.REFUSED
    try:
        removed = purge(engine, settings, students, actor.ref, _now())
    except RetentionRefused as exc:
        console.print(str(exc), style="red")
        return exits.REFUSED
    console.print(
        f"Đã xoá hồ sơ của {len(removed)} học sinh ({sum(removed.values())} bản ghi); đã ghi nhật ký kiểm toán."
    )
    return exits.OK
