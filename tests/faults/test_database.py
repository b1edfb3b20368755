"""Databases that are not there, not databases, damaged, busy or read-only."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from contextlib import contextmanager

import pytest

from lienthong.cli import exits
from tests.faults.conftest import ADMIN, ADMIN_PASSWORD, SECRET_ENV, database_fingerprint

NEW_ACCOUNT = ["users", "add", "gvcn6a1", "--name", "Giáo Viên Thử", "--role", "gvcn", "--class", "6A1"]
NEW_ACCOUNT_STDIN = f"{ADMIN_PASSWORD}\nmat-khau-moi-cua-gvcn\n"  # the admin's password, then the new one


@pytest.mark.parametrize("url", ["notaurl", "mysql://x", "oracle+nodriver://x/y"])
def test_a_database_address_that_is_not_one_is_refused(case, url):
    done = case.run("--db", url, "runs")
    case.assert_error(done, exits.BAD_INPUT, says=("--db",))
    assert not (case.folder / "lienthong.db").exists()


def test_a_database_server_that_does_not_answer_is_said_without_its_password(case):
    done = case.run("--db", "postgresql+psycopg://lienthong:Mk-bi-mat-9341@127.0.0.1:9/truong", "runs", timeout=60)
    case.assert_error(done, exits.UNREACHABLE)
    assert "Mk-bi-mat-9341" not in done.stdout + done.stderr + case.log_text()


def test_a_database_in_a_missing_folder_is_refused_and_no_folder_appears(case):
    missing = case.folder / "khong-co" / "truong.db"
    done = case.run("--db", f"sqlite:///{missing}", "runs")
    case.assert_error(done, exits.BAD_INPUT, says=("--db",))
    assert not missing.parent.exists()


@pytest.mark.parametrize(
    "command",
    [["runs"], ["reconcile"], ["match"], ["audit", "verify"], ["import", "so-diem.xlsx"], ["resolve", "show", "x"]],
    ids=lambda c: "-".join(c[:2]),
)
def test_only_init_upgrade_and_demo_create_a_database(case, command):
    missing = case.folder / "go-nham.db"
    (case.folder / "so-diem.xlsx").write_bytes(b"PK\x03\x04 not really")
    done = case.run("--db", f"sqlite:///{missing}", *command)
    case.assert_error(done, exits.BAD_INPUT, says=("go-nham.db",))
    assert not missing.exists() and not (case.folder / "lienthong.db").exists()


def test_sync_does_not_create_a_database_either(case):
    missing = case.folder / "go-nham.db"
    config = case.config()
    done = case.run(
        "--db", f"sqlite:///{missing}", "sync", "--once", env={"LIENTHONG_CONFIG": str(config), **SECRET_ENV}
    )
    case.assert_error(done, exits.BAD_INPUT, says=("go-nham.db",))
    assert not missing.exists()


def test_db_upgrade_creates_a_missing_database(case):
    created = case.folder / "moi" / "truong.db"
    done = case.run("db", "upgrade", "--url", f"sqlite:///{created}")
    case.assert_done(done, exits.OK)
    assert created.exists()


# --- damaged files -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["runs"], ["import", "so-diem.xlsx"], ["reconcile", "--format", "json"]])
def test_random_bytes_are_no_database(case, command):
    case.database.write_bytes(os.urandom(64 * 1024))
    (case.folder / "so-diem.xlsx").write_bytes(b"PK\x03\x04 not really")
    before = database_fingerprint(case.database)
    done = case.run(*command)
    case.assert_error(done, exits.BAD_INPUT, says=("hỏng",), before=before)


@pytest.mark.parametrize("command", [["reconcile"], NEW_ACCOUNT], ids=["reconcile", "users-add"])
def test_a_truncated_copy_of_a_real_database_is_refused(case, command):
    data = case.template.database.read_bytes()
    case.database.write_bytes(data[: len(data) // 3])
    before = database_fingerprint(case.database)
    done = case.run(*command, stdin=NEW_ACCOUNT_STDIN, env={"LIENTHONG_AS": ADMIN})
    case.assert_error(done, exits.BAD_INPUT, says=("hỏng",), before=before)


# --- busy: another process holds a write transaction -----------------------------------------------

LOCKER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()
connection.execute("ROLLBACK")
"""


@contextmanager
def locked(path):
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


WRITERS = {"sync": ["sync", "--once"], "users-add": NEW_ACCOUNT, "reconcile": ["reconcile", "--format", "json"]}


def test_a_database_another_process_is_writing_is_busy_for_every_writer(case):
    """Three writers against one held write transaction (started together: each waits out the
    busy timeout, so in turn they would cost three times as long)."""
    config = case.config()
    before = database_fingerprint(case.database)
    env = {"LIENTHONG_CONFIG": str(config), "LIENTHONG_AS": ADMIN, **SECRET_ENV}
    with locked(case.database):
        started = {name: case.start(*command, env=env, stdin=subprocess.PIPE) for name, command in WRITERS.items()}
        results = {name: case.finish(process, NEW_ACCOUNT_STDIN, WRITERS[name]) for name, process in started.items()}
    problems = []
    for name, done in results.items():
        try:
            case.assert_error(done, exits.REFUSED, says=("bận",), before=before)
        except AssertionError as exc:
            problems.append(f"{name}: {exc}")
    assert not problems, "\n\n".join(problems)


# --- read-only -----------------------------------------------------------------------------------


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through chmod; the mode=ro case below covers root")
def test_a_read_only_database_file_and_folder(case):
    before = database_fingerprint(case.database)
    case.database.chmod(0o400)
    case.folder.chmod(0o500)
    try:
        done = case.run(*NEW_ACCOUNT, stdin=NEW_ACCOUNT_STDIN, env={"LIENTHONG_AS": ADMIN})
    finally:
        case.folder.chmod(0o700)
        case.database.chmod(0o600)
    case.assert_error(done, exits.BAD_INPUT, says=("chỉ đọc",), before=before)


def test_a_database_opened_read_only_by_uri_refuses_writes(case):
    before = database_fingerprint(case.database)
    url = f"sqlite:///file:{case.database}?mode=ro&uri=true"
    done = case.run("--db", url, *NEW_ACCOUNT, stdin=NEW_ACCOUNT_STDIN, env={"LIENTHONG_AS": ADMIN})
    line = case.assert_error(done, exits.BAD_INPUT, before=before)
    assert "Không có cơ sở dữ liệu" not in line, "the database is there: it is read-only, not missing"


# --- unexpected ----------------------------------------------------------------------------------


def test_an_unexpected_database_error_gives_a_reference_that_is_in_the_error_log(case):
    """A schema someone altered by hand: nothing lienthong knows how to explain, so exit 5 with
    a reference, and the same reference in the error log (frames only, no personal data)."""
    with sqlite3.connect(case.database) as connection:
        connection.execute("ALTER TABLE sync_run RENAME TO sync_run_cu")
    before = database_fingerprint(case.database)
    done = case.run("runs")
    line = case.assert_error(done, exits.UNEXPECTED, before=before)
    reference = re.search(r"\b[0-9a-f]{8}\b", line)
    assert reference, f"no reference in {line!r}"
    assert reference.group(0) in case.log_text()
