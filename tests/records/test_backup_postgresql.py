"""PostgreSQL: `pg_dump` into the backup folder, `pg_restore` into a new database, every table
checked against the manifest (skipped without a server, required in CI)."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone

import pytest
from sqlmodel import Session

from lienthong.records import backup as backups
from lienthong.store import accounts, audit
from lienthong.store.backup import table_digests
from lienthong.store.db import make_engine, migrate
from tests.conftest import need_service

NOW = datetime(2026, 6, 15, 3, 0, tzinfo=timezone.utc)


@pytest.mark.postgres
def test_a_postgresql_backup_restores_into_a_new_database_with_every_row(postgres_url, second_database, tmp_path):
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        need_service("pg_dump/pg_restore not installed (postgresql-client)")
    migrate(postgres_url)
    engine = make_engine(postgres_url)
    with Session(engine) as session:
        principal = accounts.add_user(session, "ht.trung", "Đặng Quang Trung", "principal", "mat-khau-dai-1", NOW)
        audit.append(session, principal.ref, "account_added", {"account": principal.ref}, NOW)
        session.commit()
    original = table_digests(engine)
    engine.dispose()

    check = backups.make_backup(postgres_url, tmp_path / "sao-luu", NOW, "test")
    assert check.manifest["database"] == "postgresql" and (check.folder / "lienthong.dump").is_file()
    assert check.manifest["tables"] == original and original["user_account"]["rows"] == 1
    assert "mat-khau" not in (check.folder / "manifest.json").read_text(encoding="utf-8")

    done = backups.restore(check.folder, second_database)
    restored = make_engine(second_database)
    assert table_digests(restored) == original and done.rows == sum(t["rows"] for t in original.values())
    restored.dispose()

    dump = check.folder / "lienthong.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0x01
    dump.write_bytes(bytes(data))
    with pytest.raises(backups.BackupDamaged, match="lienthong.dump"):
        backups.verify_backup(check.folder)
