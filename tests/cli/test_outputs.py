"""Files written for people (reports, exports, JSON) never land on the database, never go through a
symlink, never replace an existing file unless ``overwrite`` says so, and come out 0600; the
SQLite database itself is created 0600."""

import hashlib
import json
import os
import sqlite3
import stat
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace

import pytest

from lienthong.cli import export_command, reconcile_command
from lienthong.cli.export_command import run_export
from lienthong.cli.reconcile_command import run_reconcile
from lienthong.reconciliation import service
from lienthong.store.db import make_engine
from lienthong.store.files import OutputRefused, database_files, write_output


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def database(tmp_path, monkeypatch) -> Path:
    """A live SQLite database holding data, which the commands under test are configured with."""
    path = tmp_path / "lienthong.db"
    monkeypatch.delenv("LIENTHONG_CONFIG", raising=False)
    monkeypatch.setenv("LIENTHONG_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("LIENTHONG_SCHOOL_YEAR", "2026-2027")
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE hoc_sinh (ma TEXT PRIMARY KEY, ho_ten TEXT)")
        connection.execute("INSERT INTO hoc_sinh VALUES ('HS1', 'Lê Văn Bình')")
    return path


@pytest.fixture
def found(monkeypatch):
    """A reconciliation and an export with fixed results: these tests are about where they go."""
    result = SimpleNamespace(found=[], compared=True, records=lambda: [{"id": "D-1"}], summary=lambda: {"total": 1})
    made = SimpleNamespace(blocking=[], refused=False, rows=1, data=b"PK-export", incomplete=[])
    monkeypatch.setattr(service, "reconcile_school", lambda *a, **k: result)
    monkeypatch.setattr(service, "scores_pushed", lambda settings: False)

    def export(*args, write, **kwargs):  # as the service does: the file is written before the audit entry
        write(made.data)
        return made

    monkeypatch.setattr(service, "export_for_csdl", export)
    monkeypatch.setattr(reconcile_command, "_open", lambda settings, checked=None: None)
    monkeypatch.setattr(export_command, "open_store", lambda settings: None)


def test_a_report_aimed_at_the_live_database_is_refused_and_the_database_is_unchanged(database, tmp_path, found):
    before = digest(database)
    same_file = tmp_path / "sub" / ".." / database.name
    (tmp_path / "sub").mkdir()
    for out in (database, same_file, Path(os.path.relpath(database))):
        for overwrite in (False, True):
            assert run_reconcile("xlsx", None, out, overwrite=overwrite) == 2
            assert run_reconcile("json", None, tmp_path / "a.jsonl", out, overwrite=overwrite) == 2
            assert run_export("csdl-hocsinh", None, None, out, False, "it", overwrite=overwrite) == 2
    assert digest(database) == before


def test_the_database_side_files_and_a_hard_link_to_it_are_protected_too(database, tmp_path):
    protect = database_files(f"sqlite:///{database}")
    assert database.with_name("lienthong.db-wal") in protect
    link = tmp_path / "copy.db"
    os.link(database, link)
    with pytest.raises(OutputRefused, match="cơ sở dữ liệu"):
        write_output(link, b"x", overwrite=True, protect=protect)
    with pytest.raises(OutputRefused, match="cơ sở dữ liệu"):
        write_output(database.with_name("lienthong.db-wal"), b"x", overwrite=True, protect=protect)
    assert database_files("postgresql+psycopg://u@h/db") == [] and database_files("sqlite://") == []


def test_an_existing_output_needs_overwrite(database, tmp_path, found):
    out, summary = tmp_path / "report.jsonl", tmp_path / "summary.json"
    out.write_text("kept\n")
    assert run_reconcile("json", None, out, summary) == 2
    assert out.read_text() == "kept\n" and not summary.exists()
    assert run_reconcile("json", None, out, summary, overwrite=True) == 0
    assert json.loads(out.read_text()) == {"id": "D-1"} and json.loads(summary.read_text()) == {"total": 1}
    with pytest.raises(OutputRefused, match="--overwrite") as refused:
        write_output(out, b"new", overwrite=False)
    assert str(out) in str(refused.value)

    export = tmp_path / "hocsinh.xlsx"
    export.write_bytes(b"old")
    assert run_export("csdl-hocsinh", None, None, export, False, "it") == 2 and export.read_bytes() == b"old"
    assert run_export("csdl-hocsinh", None, None, export, False, "it", overwrite=True) == 0
    assert export.read_bytes() == b"PK-export"


def test_a_symlink_is_refused_even_with_overwrite(database, tmp_path, found):
    target = tmp_path / "elsewhere.txt"
    target.write_text("untouched")
    link = tmp_path / "report.xlsx"
    link.symlink_to(target)
    with pytest.raises(OutputRefused, match="symlink"):
        write_output(link, b"x", overwrite=True)
    assert run_reconcile("json", None, link, overwrite=True) == 2
    assert run_export("csdl-hocsinh", None, None, link, False, "it", overwrite=True) == 2
    dangling = tmp_path / "dangling.xlsx"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(OutputRefused):
        write_output(dangling, b"x", overwrite=False)
    assert target.read_text() == "untouched" and not (tmp_path / "nowhere").exists()
    link_to_db = tmp_path / "db-link"
    link_to_db.symlink_to(database)
    with pytest.raises(OutputRefused):
        write_output(link_to_db, b"x", overwrite=True, protect=database_files(f"sqlite:///{database}"))


def test_files_come_out_0600_whole_and_without_leftovers(database, tmp_path, found):
    old_umask = os.umask(0o022)  # the usual umask would give 0644
    try:
        out, summary, export = tmp_path / "r.jsonl", tmp_path / "s.json", tmp_path / "e.xlsx"
        assert run_reconcile("json", None, out, summary) == 0
        assert run_export("csdl-ketqua", "1", None, export, False, "it") == 0
        replaced = tmp_path / "old.bin"
        replaced.write_bytes(b"old")
        os.chmod(replaced, 0o644)
        write_output(replaced, b"new", overwrite=True)
    finally:
        os.umask(old_umask)
    for path in (out, summary, export, replaced):
        assert mode(path) == 0o600, path
    assert replaced.read_bytes() == b"new"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_missing_folder_is_refused_clearly(tmp_path):
    with pytest.raises(OutputRefused, match="không tồn tại"):
        write_output(tmp_path / "no" / "such" / "r.pdf", b"x", overwrite=False)


def test_a_new_sqlite_database_is_created_0600(tmp_path):
    old_umask = os.umask(0o022)
    try:
        path = tmp_path / "data" / "new.db"
        make_engine(f"sqlite:///{path}").dispose()
        assert path.exists() and mode(path) == 0o600
        existing = tmp_path / "existing.db"
        existing.touch(mode=0o640)
        os.chmod(existing, 0o640)
        make_engine(f"sqlite:///{existing}").dispose()
        assert mode(existing) == 0o640  # an existing database keeps the mode its owner gave it
    finally:
        os.umask(old_umask)
