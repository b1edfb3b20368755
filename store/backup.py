"""Copies of the database as the backup folder holds them, and a content digest of every table.

SQLite is copied with its online backup API (a consistent copy while the daemon writes);
PostgreSQL with ``pg_dump`` (custom format) and restored with ``pg_restore``. The digests
(`table_digests`) read each table's rows as the driver returns them, ordered by every column,
so that a copy and its original compare equal exactly when they hold the same rows.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from lienthong.store.location import sqlite_file


class BackupUnavailable(ValueError):
    """A backup or restore this machine cannot make (a tool missing, a database kind unknown)."""


def kind_of(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend in ("sqlite", "postgresql"):
        return backend
    raise BackupUnavailable(f"Không sao lưu được cơ sở dữ liệu loại {backend}: chỉ SQLite và PostgreSQL.")


def _private(path: Path) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600))


def copy_sqlite(url: str, dest: Path) -> None:
    """A consistent copy of a SQLite database (online backup API), readable only by its owner."""
    source = sqlite_file(url)
    if source is None or not source.exists():
        raise BackupUnavailable(f"Không có tệp cơ sở dữ liệu để sao lưu: {source}.")
    _private(dest)
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writer = sqlite3.connect(dest)
    try:
        with writer:
            reader.backup(writer)
        writer.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        writer.close()
        reader.close()


def restore_sqlite(copy: Path, dest: Path) -> None:
    """The backup's database into a new file ``dest`` (which must not exist)."""
    _private(dest)
    reader = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    writer = sqlite3.connect(dest)
    try:
        with writer:
            reader.backup(writer)
    finally:
        writer.close()
        reader.close()


def sqlite_check(path: Path) -> str:
    """SQLite's own ``PRAGMA integrity_check`` of a file, opened read-only: ``"ok"`` or the first problem."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        return f"not a database ({type(exc).__name__})"


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq address without its password (given in ``PGPASSWORD``: never on a command line)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupUnavailable(f"Không có lệnh {name} trên máy này: cài gói postgresql-client rồi chạy lại.")
    return found


def check_dump_role(engine: sa.Engine) -> None:
    """Refuse (`BackupUnavailable`) a PostgreSQL login role that row-level security would restrict:
    the database's copy must hold every school's rows, and ``pg_dump`` (``row_security`` off) stops
    at the first policy such a role meets. A superuser, or a role with ``BYPASSRLS``, is needed."""
    from lienthong.store.tenancy import unscoped

    with unscoped(engine).connect() as connection:
        role, bypass, policies = connection.exec_driver_sql(
            "SELECT current_user, r.rolsuper OR r.rolbypassrls, "
            "EXISTS (SELECT FROM pg_policies WHERE policyname = 'school_rows') "
            "FROM pg_roles r WHERE r.rolname = current_user"
        ).one()
    if policies and not bypass:
        raise BackupUnavailable(
            f"Vai trò PostgreSQL «{role}» không bỏ qua được bảo mật theo dòng (row-level security): bản sao "
            "lưu sẽ thiếu dữ liệu của các trường. Sao lưu cần vai trò siêu quản trị hoặc có BYPASSRLS "
            "(ALTER ROLE … BYPASSRLS), xem docs/scale.md."
        )


def dump_postgresql(url: str, dest: Path) -> None:
    address, env = _libpq(url)
    _private(dest)
    done = subprocess.run(
        [_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={dest}", f"--dbname={address}"],
        env=env,
        capture_output=True,
        timeout=3600,
    )
    if done.returncode != 0:
        raise BackupUnavailable(f"pg_dump không sao lưu được (mã {done.returncode}): kiểm tra địa chỉ và quyền.")


def restore_postgresql(dump: Path, url: str) -> None:
    address, env = _libpq(url)
    done = subprocess.run(
        [_tool("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={address}", str(dump)],
        env=env,
        capture_output=True,
        timeout=3600,
    )
    if done.returncode != 0:
        raise BackupUnavailable(f"pg_restore không khôi phục được (mã {done.returncode}): CSDL đích phải trống.")


def _value(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def table_digests(engine: sa.Engine) -> dict[str, dict[str, Any]]:
    """Every table's row count and SHA-256 over its rows, ordered by the primary key (by every
    column, as text, for a table without one): equal exactly when two databases hold the same rows."""
    out: dict[str, dict[str, Any]] = {}
    from lienthong.store.tenancy import unscoped

    # Cross-school: the whole database, as its copy holds it (on PostgreSQL, read as the login role:
    # every school's rows only for a role that bypasses row-level security, as pg_dump needs too).
    with unscoped(engine).connect() as connection:
        inspector = sa.inspect(connection)
        quote = engine.dialect.identifier_preparer.quote
        for table in sorted(inspector.get_table_names()):
            columns = [c["name"] for c in inspector.get_columns(table)]
            keys = inspector.get_pk_constraint(table).get("constrained_columns") or []
            order = ", ".join(quote(c) for c in keys) or ", ".join(f"CAST({quote(c)} AS TEXT)" for c in columns)
            statement = f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table)} ORDER BY {order}"
            digest, rows = hashlib.sha256(), 0
            for row in connection.exec_driver_sql(statement):
                digest.update(orjson.dumps([_value(v) for v in row], default=str, option=orjson.OPT_SORT_KEYS))
                digest.update(b"\n")
                rows += 1
            out[table] = {"rows": rows, "sha256": digest.hexdigest()}
    return out


def sqlite_digests(path: Path) -> dict[str, dict[str, Any]]:
    """`table_digests` of a SQLite file opened read-only (a backup is never written to)."""
    engine = sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        return table_digests(engine)
    finally:
        engine.dispose()
