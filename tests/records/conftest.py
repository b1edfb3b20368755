"""A small school at the end of school year 2025-2026, its accounts, and the signers' keys.

Keys and certificates are made here for each run by a test CA (tests/records/pki.py);
nothing secret is committed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from lienthong.simulators.school import generate_school
from lienthong.simulators.views import Rates, as_stored, build_platform_data
from lienthong.store import accounts, queries
from lienthong.store.db import make_engine, migrate
from lienthong.store.repository import SnapshotRecord, upsert_snapshots
from tests.cli.test_assess_cli import lienthong
from tests.conftest import PG_URL_ENV, need_service
from tests.records.pki import Issued, issue, make_ca

TODAY = date(2026, 6, 15)  # the end of 2025-2026: every result of the year is in
YEAR = "2025-2026"
PASSWORD = "mat-khau-dai-1"
KEY_PASSWORDS = {"gv.lan": "khoa-cua-co-Lan", "ht.trung": "khoa-cua-thay-Trung"}
NOW = datetime(2026, 6, 15, 3, 0, tzinfo=timezone.utc)


@dataclass
class Pki:
    ca: Issued
    gvcn: Issued
    principal: Issued
    folder: Path


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> Pki:
    folder = tmp_path_factory.mktemp("khoa")
    ca = make_ca()
    made = Pki(ca, issue(ca, "Nguyễn Thị Lan"), issue(ca, "Đặng Quang Trung", curve=True), folder)
    ca.pem(folder / "ca.pem")
    made.gvcn.pkcs12(folder / "gv.lan.p12", KEY_PASSWORDS["gv.lan"].encode())
    made.principal.pkcs12(folder / "ht.trung.p12", KEY_PASSWORDS["ht.trung"].encode())
    return made


@pytest.fixture(scope="session")
def simulated_school():
    school = generate_school(4, 60, TODAY)
    return school, as_stored(school, build_platform_data(school, 4, Rates.none()))


def build_store(path: Path, stored: dict) -> str:
    """Every source stored as a sync leaves it, 9A1's GVCN named, and the school's accounts."""
    url = f"sqlite:///{path}"
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        for source, entities in stored.items():
            for entity, records in entities.items():
                items = [SnapshotRecord(source, entity, key, 1, payload) for key, payload in records.items()]
                upsert_snapshots(session, items, NOW)
        queries.set_homeroom_teacher(session, YEAR, "9A1", "Nguyễn Thị Lan", 9)
        it = accounts.add_user(session, "it.an", "Lê Văn An", "it", PASSWORD, NOW)
        accounts.add_user(session, "ht.trung", "Đặng Quang Trung", "principal", PASSWORD, NOW, by=it)
        accounts.add_user(session, "gv.lan", "Nguyễn Thị Lan", "gvcn", PASSWORD, NOW, {"class": ["9A1"]}, by=it)
        accounts.add_user(session, "gv.hoa", "Phạm Thị Hoa", "gvcn", PASSWORD, NOW, {"class": ["8A1"]}, by=it)
        session.commit()
    engine.dispose()
    return url


@pytest.fixture
def store(tmp_path, simulated_school) -> str:
    return build_store(tmp_path / "truong.db", simulated_school[1])


def write_config(home: Path, pki: Pki, **extra: str) -> Path:
    lines = [
        'ma_truong = "79000701"',
        "[records]",
        'school_name = "Trường THCS Bình An"',
        f'trusted_ca = ["{pki.folder / "ca.pem"}"]',
        *(f"{k} = {v}" for k, v in extra.items()),
        "[records.signing_keys]",
        f'"gv.lan" = "{pki.folder / "gv.lan.p12"}"',
        f'"ht.trung" = "{pki.folder / "ht.trung.p12"}"',
    ]
    path = home / "lienthong.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Cli:
    db: str
    home: Path
    config: Path

    def __call__(self, *args: str, password: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
        environment = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.home),
            "COLUMNS": "250",
            "LIENTHONG_SCHOOL_YEAR": YEAR,
            "LIENTHONG_CONFIG": str(self.config),
            "LIENTHONG_SESSION_FILE": str(self.home / "phien.json"),
            "LIENTHONG_LOG_DIR": str(self.home / "log"),
            "LIENTHONG_KEY_PASSWORD_GV_LAN": KEY_PASSWORDS["gv.lan"],
            "LIENTHONG_KEY_PASSWORD_HT_TRUNG": KEY_PASSWORDS["ht.trung"],
            **(env or {}),
        }
        return subprocess.run(
            [*lienthong(), "--db", self.db, *args],
            capture_output=True,
            text=True,
            env=environment,
            input=(password + "\n") if password is not None else "",
            timeout=300,
        )


@pytest.fixture
def cli(store, tmp_path, pki) -> Cli:
    home = tmp_path / "nha"
    home.mkdir()
    return Cli(store, home, write_config(home, pki))


def copy_file(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    return target


@pytest.fixture
def second_database():
    """Another empty database on the same server, dropped afterwards (the restore's target)."""
    admin_url = os.environ.get(PG_URL_ENV)
    if not admin_url:
        need_service(f"PostgreSQL not configured: set {PG_URL_ENV}")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"lt_restore_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
