"""What ``lienthong import`` loads before it stores: on a SQLite store ready as it is, whose school
has no approved results, the files are stored through sqlite3 alone (`store.imports`), without
SQLAlchemy or the SQLModel tables (loading them cost more than storing a school's files); with
approved results the store is opened through its engine, which compares the results a file brings
with them (`reconciliation.results`). Either way the file is stored, audited and anchored."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from sqlmodel import Session

from lienthong.store import audit
from lienthong.store.db import make_engine, migrate
from lienthong.store.tables import ResultApprovalRow
from tests.cli.test_startup import _env, _probe
from tests.workbooks import workbook

LIGHT = ("sqlalchemy", "sqlmodel", "alembic")
KEY = "khoa-kiem-toan"


def _book(folder: Path) -> Path:
    path = folder / "toan-6a1.xlsx"
    rows = [["SỔ ĐIỂM MÔN TOÁN — LỚP 6A1"], ["STT", "Họ và tên", "TX1", "GK", "CK"], [1, "Lê An", 8, 7, 9]]
    path.write_bytes(workbook({"6A1": rows}))
    return path


def _store(folder: Path, approved: bool = False) -> str:
    url = f"sqlite:///{folder / 'truong.db'}"
    migrate(url)
    if approved:
        engine = make_engine(url)
        with Session(engine) as session:
            at = datetime(2026, 1, 10, tzinfo=timezone.utc)
            session.add(
                ResultApprovalRow(
                    school_year="2026-2027", class_code="6A1", period="HK1", state="da_duyet", updated_at=at
                )
            )
            session.commit()
        engine.dispose()
    return url


def _stored(url: str) -> tuple[list[str], list[tuple]]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        files = [row[0] for row in connection.execute("SELECT name FROM imported_file")]
        entries = connection.execute("SELECT action, hmac IS NOT NULL FROM audit_log ORDER BY id").fetchall()
    return files, entries


def _imported(tmp_path: Path, url: str) -> list[str]:
    code, loaded, out = _probe(
        "import", "--json", str(_book(tmp_path)), env=_env(url, LIENTHONG_AUDIT_KEY=KEY), watched=LIGHT
    )
    (report,) = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and report["stored"]["new"] == 2 and not report["already_imported"]
    assert _stored(url) == (["toan-6a1.xlsx"], [("file_imported", True)])
    engine = make_engine(url)  # the entry verifies, against the checkpoint written beside the store
    with Session(engine) as session:
        found = audit.check(session, key=KEY, checkpoint=tmp_path / audit.CHECKPOINT_FILE)
    engine.dispose()
    assert found == audit.AuditReport(entries=1)
    return loaded


def test_an_import_into_a_store_ready_as_it_is_loads_no_sqlalchemy(tmp_path):
    assert _imported(tmp_path, _store(tmp_path)) == []


def test_with_approved_results_the_import_opens_the_store_through_its_engine(tmp_path):
    assert _imported(tmp_path, _store(tmp_path, approved=True)) == ["sqlalchemy", "sqlmodel"]
