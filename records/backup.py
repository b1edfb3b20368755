"""Backups as folders that say what they hold, checked before anything is restored from them
(Bình An regulation, art. 8: each semester and year, restorable, integrity checked).

A backup is one folder ``lienthong-YYYYMMDDTHHMMSSZ`` holding the database copy
(``lienthong.db`` for SQLite, ``lienthong.dump`` for PostgreSQL), ``manifest.json`` (when, from
what, by whom, the schema revision, each table's row count and content digest) and
``SHA256SUMS`` (the copy's and the manifest's SHA-256, as ``sha256sum -c`` reads them). Checking
a backup recomputes all of it; one changed byte names the file (or table) that does not match.
Restoring writes a new database beside the target, checks it the same way, and only then
moves it into place: a failed restore never leaves a half-written database under the name.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lienthong.store import backup as copies
from lienthong.store.db import head_revision, sqlite_file

FORMAT = "lienthong-backup/1"
MANIFEST, SUMS = "manifest.json", "SHA256SUMS"
DB_FILES = {"sqlite": "lienthong.db", "postgresql": "lienthong.dump"}
HOLDS = (
    "Toàn bộ cơ sở dữ liệu của lienthong: học sinh và mã của từng hệ thống, điểm, chuyên cần, kết quả, "
    "bản ghi đọc từ từng hệ thống, khác biệt và xử lý, hàng đợi gửi, tài khoản (mật khẩu ở dạng băm), "
    "nhật ký kiểm toán."
)


class BackupDamaged(ValueError):
    """A backup that does not match its own sums: refused, naming the file."""


@dataclass
class BackupCheck:
    folder: Path
    manifest: dict[str, Any]
    checked: list[str] = field(default_factory=list)  # what was checked, in Vietnamese


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _folder_name(at: datetime) -> str:
    return "lienthong-" + at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def make_backup(url: str, to_dir: Path, at: datetime, by: str) -> BackupCheck:
    """A new backup folder of the database at ``url`` under ``to_dir``; checked once written."""
    kind = copies.kind_of(url)
    if kind == "postgresql":
        _check_role(url)  # before any folder is made: a copy without every school's rows is no backup
    to_dir.mkdir(parents=True, exist_ok=True)
    folder = to_dir / _folder_name(at)
    folder.mkdir(mode=0o700)
    name = DB_FILES[kind]
    copy = folder / name
    try:
        if kind == "sqlite":
            copies.copy_sqlite(url, copy)
            tables = copies.sqlite_digests(copy)
        else:
            copies.dump_postgresql(url, copy)
            tables = _server_digests(url)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # no half-made backup is left to be trusted
        raise
    manifest = {
        "format": FORMAT,
        "created_at": at.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "database": kind,
        "source": _redacted(url),
        "schema_revision": head_revision(),
        "by": by,
        "holds": HOLDS,
        "files": {name: {"sha256": sha256_file(copy), "bytes": copy.stat().st_size}},
        "tables": tables,
    }
    _write_private(folder / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode() + b"\n")
    sums = "".join(f"{sha256_file(folder / n)}  {n}\n" for n in (name, MANIFEST))
    _write_private(folder / SUMS, sums.encode())
    return verify_backup(folder)


def _check_role(url: str) -> None:
    from lienthong.store.db import make_engine

    engine = make_engine(url)
    try:
        copies.check_dump_role(engine)
    finally:
        engine.dispose()


def _server_digests(url: str) -> dict[str, dict[str, Any]]:
    from lienthong.store.db import make_engine

    engine = make_engine(url)
    try:
        return copies.table_digests(engine)
    finally:
        engine.dispose()


def _redacted(url: str) -> str:
    import re

    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _sums(folder: Path) -> dict[str, str]:
    path = folder / SUMS
    if not path.is_file():
        raise BackupDamaged(
            f"Bản sao lưu {folder} thiếu tệp {SUMS}: không phải bản sao lưu của lienthong, hoặc đã hỏng."
        )
    listed = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name or "/" in name or name.startswith("."):
            raise BackupDamaged(f"Tệp {SUMS} của bản sao lưu {folder} bị hỏng (dòng không đọc được).")
        listed[name] = digest
    return listed


def verify_backup(folder: Path) -> BackupCheck:
    """Check a backup without restoring it: every file against its sum, the manifest against the
    files, and the database copy against the manifest's tables. Raises `BackupDamaged`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BackupDamaged(f"Không có thư mục sao lưu {folder}.")
    listed = _sums(folder)
    for name, digest in listed.items():
        path = folder / name
        if not path.is_file():
            raise BackupDamaged(f"Bản sao lưu {folder} thiếu tệp {name}.")
        if sha256_file(path) != digest:
            raise BackupDamaged(
                f"Tệp {path} không khớp mã SHA-256 ghi trong {SUMS}: bản sao lưu đã hỏng hoặc bị sửa; "
                "không dùng bản này."
            )
    if MANIFEST not in listed:
        raise BackupDamaged(f"Bản sao lưu {folder} không có {MANIFEST} trong {SUMS}.")
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except ValueError:
        raise BackupDamaged(f"Tệp {folder / MANIFEST} không đọc được.") from None
    if manifest.get("format") != FORMAT:
        raise BackupDamaged(f"Tệp {folder / MANIFEST} không phải bản kê sao lưu của lienthong ({FORMAT}).")
    check = BackupCheck(folder, manifest, [f"{len(listed)} tệp khớp SHA-256 ({', '.join(sorted(listed))})"])
    for name, info in manifest.get("files", {}).items():
        if listed.get(name) != info.get("sha256"):
            raise BackupDamaged(f"Tệp {folder / name} không khớp mã SHA-256 ghi trong {MANIFEST}.")
    if manifest.get("database") == "sqlite":
        _check_copy(folder / DB_FILES["sqlite"], manifest, check)
    return check


def _check_copy(path: Path, manifest: dict[str, Any], check: BackupCheck) -> None:
    verdict = copies.sqlite_check(path)
    if verdict != "ok":
        raise BackupDamaged(f"Tệp {path} hỏng theo kiểm tra của SQLite ({verdict[:80]}).")
    check.checked.append("SQLite integrity_check: ok")
    found = copies.sqlite_digests(path)
    _same_tables(path, manifest.get("tables", {}), found)
    rows = sum(t["rows"] for t in found.values())
    check.checked.append(f"{len(found)} bảng, {rows:,} dòng khớp bản kê".replace(",", "."))


def _same_tables(path: Path, expected: dict[str, Any], found: dict[str, Any]) -> None:
    for table in sorted(set(expected) | set(found)):
        if expected.get(table) != found.get(table):
            raise BackupDamaged(f"Bảng {table} trong {path} không khớp bản kê {MANIFEST} (số dòng hoặc nội dung).")


@dataclass
class Restored:
    target: str  # the new database's URL
    check: BackupCheck
    tables: int
    rows: int


def restore(folder: Path, new_url: str) -> Restored:
    """The backup into a new database at ``new_url``, moved into place only once it matches."""
    check = verify_backup(folder)
    kind = check.manifest.get("database")
    if copies.kind_of(new_url) != kind:
        raise BackupDamaged(f"Bản sao lưu là {kind}: khôi phục vào một cơ sở dữ liệu {kind} mới.")
    if kind == "postgresql":
        return _restore_server(Path(folder), new_url, check)
    target = sqlite_file(new_url)
    if target is None:
        raise copies.BackupUnavailable("Khôi phục SQLite cần một đường dẫn tệp: --to đường/dẫn/moi.db.")
    if target.exists():
        raise copies.BackupUnavailable(
            f"Đã có tệp {target}: khôi phục chỉ ghi vào một cơ sở dữ liệu mới, không ghi đè (chọn tên khác)."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.khoi-phuc-{os.getpid()}")
    try:
        copies.restore_sqlite(Path(folder) / DB_FILES["sqlite"], temporary)
        _check_restored(temporary, check)
        os.replace(temporary, target)  # the switch: only a database that matched gets the name
    finally:
        temporary.unlink(missing_ok=True)
    tables = check.manifest["tables"]
    return Restored(new_url, check, len(tables), sum(t["rows"] for t in tables.values()))


def _check_restored(path: Path, check: BackupCheck) -> None:
    verdict = copies.sqlite_check(path)
    if verdict != "ok":
        raise BackupDamaged(f"Cơ sở dữ liệu vừa khôi phục hỏng theo kiểm tra của SQLite ({verdict[:80]}); đã huỷ.")
    _same_tables(path, check.manifest["tables"], copies.sqlite_digests(path))
    check.checked.append("cơ sở dữ liệu khôi phục khớp bản kê từng bảng")


def _restore_server(folder: Path, new_url: str, check: BackupCheck) -> Restored:
    copies.restore_postgresql(folder / DB_FILES["postgresql"], new_url)
    found = _server_digests(new_url)
    expected = check.manifest.get("tables", {})
    for table in sorted(set(expected) | set(found)):
        if expected.get(table) != found.get(table):
            raise BackupDamaged(
                f"Bảng {table} của cơ sở dữ liệu vừa khôi phục không khớp bản kê: không chuyển sang dùng nó."
            )
    check.checked.append("cơ sở dữ liệu khôi phục khớp bản kê từng bảng")
    return Restored(new_url, check, len(found), sum(t["rows"] for t in found.values()))
