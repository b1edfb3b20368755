"""Backups a school can restore from: a folder with its SHA-256 sums and what it holds; a damaged
one is refused by `backup verify` and by `restore`, naming the file; a restore gives back the
same rows in every table, in a new database, and only the principal (or IT's --yes) restores."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from lienthong.records import backup as backups
from tests.records.conftest import PASSWORD


def _backup(cli, to: Path) -> Path:
    done = cli("backup", "--to", str(to))
    assert done.returncode == 0, done.stdout + done.stderr
    (folder,) = sorted(to.glob("lienthong-*"))
    assert f"Đã sao lưu vào {folder}" in done.stdout
    return folder


def _rows(path: Path) -> dict[str, list]:
    connection = sqlite3.connect(path)
    try:
        tables = [r[0] for r in connection.execute("select name from sqlite_master where type='table' order by name")]
        return {t: connection.execute(f'select * from "{t}" order by rowid').fetchall() for t in tables}
    finally:
        connection.close()


def test_a_backup_is_a_folder_that_says_what_it_holds(cli, tmp_path):
    folder = _backup(cli, tmp_path / "o-luu-tru")
    assert sorted(p.name for p in folder.iterdir()) == ["SHA256SUMS", "lienthong.db", "manifest.json"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["database"] == "sqlite" and manifest["tables"]["source_snapshot"]["rows"] > 1000
    assert manifest["tables"]["user_account"]["rows"] == 4 and "tài khoản" in manifest["holds"]
    sums = dict(line.split("  ")[::-1] for line in (folder / "SHA256SUMS").read_text().splitlines())
    assert sums["lienthong.db"] == backups.sha256_file(folder / "lienthong.db")
    assert all(p.stat().st_mode & 0o077 == 0 for p in folder.iterdir())  # the whole school's data
    checked = cli("backup", "verify", str(folder))
    assert checked.returncode == 0 and "Bản sao lưu nguyên vẹn." in checked.stdout


def test_without_a_destination_the_backup_says_where_to_set_one(cli):
    done = cli("backup")
    assert done.returncode == 2 and "[records] archive_dir" in done.stdout


def test_the_archive_disk_from_the_configuration_is_the_default(cli, tmp_path, pki):
    from tests.records.conftest import write_config

    write_config(cli.home, pki, archive_dir=f'"{tmp_path / "o-roi"}"')
    done = cli("backup")
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(list((tmp_path / "o-roi").glob("lienthong-*"))) == 1


@pytest.mark.parametrize("damaged", ["lienthong.db", "manifest.json", "SHA256SUMS"])
def test_one_changed_byte_is_refused_by_verify_and_restore_naming_the_file(cli, tmp_path, damaged):
    folder = _backup(cli, tmp_path / "o-luu-tru")
    path = folder / damaged
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))

    checked = cli("backup", "verify", str(folder))
    assert checked.returncode == 2
    named = "lienthong.db" if damaged == "SHA256SUMS" else damaged  # a changed sum no longer matches its file
    assert named in checked.stdout and "không khớp" in checked.stdout or "SHA256SUMS" in checked.stdout
    restored = cli("restore", str(folder), "--to", str(tmp_path / "moi.db"), "--yes")
    assert restored.returncode == 2 and checked.stdout.strip() == restored.stdout.strip()
    assert not (tmp_path / "moi.db").exists() and not list(tmp_path.glob(".moi.db*"))


def test_a_table_changed_inside_a_recomputed_sum_is_still_caught(cli, tmp_path):
    """Someone edits the copy and writes new sums: the manifest's table digests name the table."""
    folder = _backup(cli, tmp_path / "o-luu-tru")
    connection = sqlite3.connect(folder / "lienthong.db")
    connection.execute("update user_account set role='principal' where login='gv.lan'")
    connection.commit()
    connection.close()
    manifest = folder / "manifest.json"
    sums = f"{backups.sha256_file(folder / 'lienthong.db')}  lienthong.db\n"
    manifest_data = json.loads(manifest.read_text(encoding="utf-8"))
    manifest_data["files"]["lienthong.db"]["sha256"] = backups.sha256_file(folder / "lienthong.db")
    manifest.write_text(json.dumps(manifest_data), encoding="utf-8")
    (folder / "SHA256SUMS").write_text(sums + f"{backups.sha256_file(manifest)}  manifest.json\n")
    checked = cli("backup", "verify", str(folder))
    assert checked.returncode == 2 and "Bảng user_account" in checked.stdout


def test_restore_gives_back_every_row_in_a_new_database(cli, tmp_path, store):
    folder = _backup(cli, tmp_path / "o-luu-tru")
    original = Path(store.removeprefix("sqlite:///"))
    before = _rows(original)
    target = tmp_path / "khoi-phuc" / "moi.db"

    refused = cli("--as", "it.an", "restore", str(folder), "--to", str(target), password=PASSWORD)
    assert refused.returncode == 4 and "Hiệu trưởng" in refused.stdout and not target.exists()
    done = cli("--as", "ht.trung", "restore", str(folder), "--to", str(target), password=PASSWORD)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "đã kiểm tra khớp bản kê" in done.stdout and f"--db sqlite:///{target}" in done.stdout

    after = _rows(target)
    assert set(after) == set(before)
    for table in before:
        if table != "audit_log":  # the original's log has since recorded the backup and the restore
            assert after[table] == before[table], table
    # the backup holds the log up to the copy; the original then recorded the backup itself
    assert after["audit_log"] == before["audit_log"][:-1] and "backup_made" in repr(before["audit_log"][-1])
    assert len(after["source_snapshot"]) > 1000
    again = cli("restore", str(folder), "--to", str(target), "--yes")
    assert again.returncode == 2 and "không ghi đè" in again.stdout  # never over an existing database


def test_a_wiped_database_is_restored_by_the_principal_checked_against_the_backup(cli, tmp_path, store):
    """The database is gone (the reason to restore): the principal's account is checked in the backup."""
    folder = _backup(cli, tmp_path / "o-luu-tru")
    original = Path(store.removeprefix("sqlite:///"))
    before = _rows(original)
    for path in original.parent.glob(original.name + "*"):
        path.unlink()
    target = tmp_path / "moi.db"
    done = cli("--as", "ht.trung", "restore", str(folder), "--to", str(target), password=PASSWORD)
    assert done.returncode == 0, done.stdout + done.stderr
    after = _rows(target)
    assert {t: len(r) for t, r in after.items() if t != "audit_log"} == {
        t: len(r) for t, r in before.items() if t != "audit_log"
    }
    assert after["student_link"] == before["student_link"] and after["user_account"] == before["user_account"]
    runs = cli("--db", f"sqlite:///{target}", "classes", "list", "--json")
    assert runs.returncode == 0 and '"class": "9A1"' in runs.stdout  # the restored database serves commands
