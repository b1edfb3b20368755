"""A small store for the dashboard's tests: discrepancies of two classes, a correction waiting in the
outbox, one account per role, and the app over it with a pinned clock."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlmodel import Session

from lienthong.config.settings import Settings
from lienthong.dashboard.app import create_app
from lienthong.dashboard.security import SESSION_COOKIE
from lienthong.store import accounts
from lienthong.store.tables import DiscrepancyRow, OutboxItemRow, SyncRunRow

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=timezone.utc)
PASSWORD = "mat-khau-dai-1"
SCHOOL_YEAR = "2026-2027"
ROLES = ("it", "principal", "board", "gvcn", "teacher", "department_head", "parent", "so_gddt")
LOGINS = {
    "it": "it.an",
    "principal": "ht.minh",
    "board": "bgh.ha",
    "gvcn": "gv.lan",
    "teacher": "gv.binh",
    "department_head": "tt.cuong",
    "parent": "ph.dung",
    "so_gddt": "so.giang",
}
# ids of the stored discrepancies
MINE, OTHER, BIO, MINE_GK = "d6a1toantx0", "d6a2toantx0", "d6a1lylich", "d6a1toangk"


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """Argon2 at its cheapest: the tests sign in hundreds of times (production keeps the defaults)."""
    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def score(id_: str, class_code: str, vnedu_key: str, name: str, cell: str, mine: str, theirs: str) -> DiscrepancyRow:
    record = {
        "id": id_,
        "kind": "score_mismatch",
        "class": class_code,
        "student": {"name": name, "keys": {"vnedu": vnedu_key, "csdl": "79" + vnedu_key[2:]}},
        "subject": "TOAN",
        "semester": "1",
        "field": cell,
        "values": {"gradebook": mine, "vnedu": theirs},
        "message": f"Điểm Toán HK1 ô {cell} của {name} trên vnEdu ({theirs}) khác sổ điểm ({mine}).",
        "suggestion": "Kiểm tra bài kiểm tra gốc.",
        "severity": "high",
    }
    return DiscrepancyRow(
        id=id_,
        kind="score_mismatch",
        class_code=class_code,
        record=record,
        status="open",
        first_seen=NOW,
        last_seen=NOW,
        assignee="Nguyễn Thị Lan" if class_code == "6A1" else "Phạm Thu Hoà",
    )


def bio() -> DiscrepancyRow:
    record = {
        "id": BIO,
        "kind": "bio_mismatch",
        "class": "6A1",
        "student": {"name": "Lê Văn Ánh", "keys": {"vnedu": "1800000001", "csdl": "7900000001"}},
        "subject": None,
        "semester": None,
        "field": "dan_toc",
        "values": {"vnedu": "Kinh", "csdl": "Tày"},
        "message": "Dân tộc của Lê Văn Ánh: vnEdu ghi Kinh, CSDL ghi Tày.",
        "suggestion": "Đối chiếu giấy khai sinh.",
        "severity": "medium",
    }
    return DiscrepancyRow(
        id=BIO, kind="bio_mismatch", class_code="6A1", record=record, status="open", first_seen=NOW, last_seen=NOW
    )


def build_store(engine) -> dict[str, accounts.Actor]:
    """The rows and accounts every dashboard test starts from."""
    with Session(engine) as session:
        session.add(SyncRunRow(id=1, started_at=NOW, platforms="vnedu", mode="full", status="completed"))
        session.flush()
        session.add(score(MINE, "6A1", "1800000001", "Lê Văn Ánh", "tx0", "8,0", "7,0"))
        session.add(score(MINE_GK, "6A1", "1800000001", "Lê Văn Ánh", "gk", "9,0", "6,0"))
        session.add(score(OTHER, "6A2", "1800000002", "Trần Thị Ngọc", "tx0", "6,5", "5,6"))
        session.add(bio())
        for key in ("1800000001:TOAN:1", "1800000002:TOAN:1"):
            session.add(
                OutboxItemRow(
                    run_id=1,
                    platform="vnedu",
                    entity="diem",
                    key=key,
                    payload={},
                    kind="correction",
                    status="awaiting_approval",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        it = accounts.add_user(session, LOGINS["it"], "Lê Văn An", "it", PASSWORD, NOW)
        made = {"it": it}
        people = {
            "principal": ("Trần Văn Minh", {}),
            "board": ("Vũ Thị Hà", {}),
            "gvcn": ("Nguyễn Thị Lan", {"class": ["6A1"]}),
            "teacher": ("Đỗ Văn Bình", {"class": ["6A1"], "subject": ["TOAN"]}),
            "department_head": ("Hồ Văn Cường", {"subject": ["VAN"]}),
            "parent": ("Lê Văn Dũng", {"student": ["1800000001"]}),
            "so_gddt": ("Đinh Thị Giang", {"school": ["*"]}),
        }
        for role, (name, scopes) in people.items():
            made[role] = accounts.add_user(session, LOGINS[role], name, role, PASSWORD, NOW, scopes, by=it)
        session.commit()
    return made


@dataclass
class Clock:
    at: datetime = NOW

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta) -> None:
        self.at += timedelta(**delta)


@dataclass
class Site:
    """The app over a prepared store, and helpers to act as each role."""

    engine: object
    settings: Settings
    clock: Clock
    people: dict[str, accounts.Actor]
    app: object = None
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, role: str | None = None, https: bool = False) -> TestClient:
        client = TestClient(self.app, base_url="https://testserver" if https else "http://testserver")
        if role is not None:
            client.cookies.set(SESSION_COOKIE, self.token(role))
        return client

    def token(self, role: str) -> str:
        """A session of ``role``'s account, opened in the store as signing in does."""
        if role not in self.tokens:
            with Session(self.engine) as session:
                token, _ = accounts.open_session(session, self.people[role], self.clock())
                session.commit()
            self.tokens[role] = token
        return self.tokens[role]


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


def make_site(engine, settings: Settings | None = None) -> Site:
    clock = Clock()
    settings = settings or Settings(database_url=str(engine.url), school_year=SCHOOL_YEAR)
    site = Site(engine, settings, clock, build_store(engine))
    site.app = create_app(settings, engine, secret_key=b"test-key", clock=clock)
    return site


@pytest.fixture
def site(engine) -> Site:
    """On SQLite, and on PostgreSQL when configured (required in CI)."""
    return make_site(engine)


# --- a small school's records, for the principal's page ------------------------------------------

VNEDU_ENTITIES = ("hoc_sinh", "diem", "diem_danh", "hanh_kiem")
PORTAL_REQUESTS = {  # the Sở's requests (contracts/portal.md), as pulled
    "YC-10": {
        "ma_yeu_cau": "YC-10",
        "ma_bieu_mau": "TK-CHUYENCAN",
        "ten": "Chuyên cần tháng 10",
        "hoc_ky": "1",
        "han_nop": "2026-11-05T17:00:00+07:00",
        "trang_thai": "da_nop",
    },
    "YC-11": {
        "ma_yeu_cau": "YC-11",
        "ma_bieu_mau": "TK-BIENDONG",
        "ten": "Biến động tháng 10",
        "hoc_ky": "1",
        "han_nop": "2026-11-10T17:00:00+07:00",
        "trang_thai": "chua_nop",
    },
    "YC-12": {
        "ma_yeu_cau": "YC-12",
        "ma_bieu_mau": "TK-CLGD",
        "ten": "Chất lượng giáo dục HK1",
        "hoc_ky": "1",
        "han_nop": "2027-01-20T17:00:00+07:00",
        "trang_thai": "chua_nop",
    },
}


def seed_school(engine) -> list:
    """The simulated school's vnEdu and CSDL records stored as pulled (4 classes, 60 students), the
    portal's requests, and YC-10 submitted by lienthong on time. Returns the students."""
    from datetime import date

    from lienthong.simulators.school import generate_school
    from lienthong.simulators.views import Rates, as_stored, build_platform_data
    from lienthong.store.repository import SnapshotRecord, upsert_snapshots

    school = generate_school(4, 60, date(2026, 11, 23))
    stored = as_stored(school, build_platform_data(school, 4, Rates.none()))
    stored["portal"] = {"yeu_cau_bao_cao": PORTAL_REQUESTS}
    wanted = {"vnedu": VNEDU_ENTITIES, "csdl": ("hoc_sinh",), "portal": ("yeu_cau_bao_cao",)}
    with Session(engine) as session:
        for source, entities in wanted.items():
            for entity in entities:
                records = []
                for key, payload in stored[source].get(entity, {}).items():
                    records.append(SnapshotRecord(source, entity, key, 1, dict(payload)))
                upsert_snapshots(session, records, NOW - timedelta(hours=2))
        sent = datetime(2026, 11, 4, 3, 0, tzinfo=timezone.utc)
        session.add(
            OutboxItemRow(
                run_id=1,
                platform="portal",
                entity="bao_cao",
                key="YC-10",
                payload={},
                kind="fill",
                status="done",
                created_at=sent,
                updated_at=sent,
            )
        )
        session.commit()
    return school.students
