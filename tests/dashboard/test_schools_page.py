"""The department's page («Các trường», ``/so/truong``) and its API over a store of three schools
(SQLite, and PostgreSQL under row-level security): a Sở officer given two of them reads exactly
those two, each school's figures gathered under its own scope; sorting by each column on the
server; nothing personal on the page; who may reach it (a Sở officer and IT, not the principal nor
a GVCN); and the account's schools as ``lienthong users add --school`` records them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import Session

from lienthong.config.settings import Settings
from lienthong.dashboard.app import create_app
from lienthong.store import access, accounts, tenancy
from lienthong.store import schools as registry
from lienthong.store.tables import OutboxItemRow, SchoolRow, SyncRunRow
from lienthong.sync import schools_overview
from tests.dashboard.conftest import NOW, PASSWORD, SCHOOL_YEAR, Clock, Site, score

A, B, C = "79000701", "79000702", "79000703"
NAMES = {A: "THCS Bình An", B: "THCS Suối Ngô", C: "THCS Tân Phú"}
# each school's live discrepancies (one of them closed, not counted), students named in them
STUDENTS = {A: ["Lê Văn Ánh", "Trần Thị Ngọc", "Phạm Minh Khôi"], B: ["Đặng Thu Trang"], C: ["Võ Quốc Huy", "Mai Lan"]}
PEOPLE = {  # login → (name, role, scopes)
    "it.an": ("Lê Văn An", "it", {}),
    "ht.minh": ("Trần Văn Minh", "principal", {}),
    "gv.lan": ("Nguyễn Thị Lan", "gvcn", {"class": ["6A1"]}),
    "so.hai": ("Đinh Thị Hải", "so_gddt", {"school": [A, B]}),
    "so.tat": ("Ngô Văn Tất", "so_gddt", {"school": ["*"]}),
}


def _fill(engine, code: str) -> None:
    """One school's rows, written under that school's scope: its discrepancies (naming students,
    with scores), its runs (B's last two failed, C's last success is the oldest), C's dead letter."""
    with Session(tenancy.for_school(engine, code)) as session:
        for n, name in enumerate(STUDENTS[code]):
            session.add(score(f"d{n}", "6A1", f"18000000{n:02d}", name, "tx0", "8,5", "7,25"))
        closed = score("dz", "6A1", "1800000099", "Học Sinh Đã Khớp", "tx0", "9,0", "9,0")
        closed.status = "closed"
        session.add(closed)
        outcomes = {A: ["completed"], B: ["completed", "failed", "failed"], C: ["completed"]}[code]
        start = NOW - timedelta(hours={A: 2, B: 6, C: 30}[code])
        for i, status in enumerate(outcomes):
            at = start + timedelta(hours=i)
            run = SyncRunRow(
                started_at=at, finished_at=at + timedelta(minutes=5), platforms="vnedu", mode="full", status=status
            )
            session.add(run)
            session.flush()
        if code == C:
            session.add(
                OutboxItemRow(
                    run_id=run.id,
                    platform="vnedu",
                    entity="diem",
                    key="1800000001:TOAN:1",
                    payload={},
                    kind="fill",
                    status="dead",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        session.commit()


def province_site(engine) -> Site:
    """Three registered schools, each one's rows under its scope, and the accounts (installation-wide:
    the installation's IT and the Sở officers of no school, the principal and GVCN of A)."""
    with Session(tenancy.unscoped(engine)) as session:
        for code, name in NAMES.items():
            registry.save_school(session, SchoolRow(ma_truong=code, name=name, province_code="79", commune_code=""))
        session.commit()
    with Session(engine) as session:
        it = accounts.add_user(session, "it.an", "Lê Văn An", "it", PASSWORD, NOW)
        made = {"it.an": it}
        for login, (name, role, scopes) in PEOPLE.items():
            if login != "it.an":
                school = None if role in ("so_gddt", "it") else A
                made[login] = accounts.add_user(session, login, name, role, PASSWORD, NOW, scopes, by=it, school=school)
        session.commit()
    for code in NAMES:
        _fill(engine, code)
    # served with the school it is configured for (`sync.service.school_engine`), as a school's own
    # dashboard on a province's store is; `test_province_accounts` serves one configured for none
    settings = Settings(database_url=str(engine.url), school_year=SCHOOL_YEAR, ma_truong=A)
    served = tenancy.for_school(engine, A)
    site = Site(served, settings, Clock(), made)
    site.app = create_app(settings, served, secret_key=b"test-key", clock=site.clock)
    return site


@pytest.fixture
def province(engine) -> Site:
    """On SQLite, and on PostgreSQL (its policies on: every school table is under row-level security)."""
    return province_site(engine)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One SQLite store for the reads that need no second database."""
    from lienthong.store.db import make_engine, migrate

    url = f"sqlite:///{tmp_path_factory.mktemp('province') / 'so.db'}"
    migrate(url)
    engine = make_engine(url)
    yield province_site(engine)
    engine.dispose()


def _codes(response) -> list[str]:
    assert response.status_code == 200, response.text[:300]
    return [school["ma_truong"] for school in response.json()["schools"]]


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-ma-truong="(\d+)">', html)


def test_a_department_account_reads_exactly_its_schools(province):
    mine = province.client("so.hai").get("/api/schools").json()["schools"]
    assert [s["ma_truong"] for s in mine] == [A, B]
    assert [s["discrepancies"] for s in mine] == [3, 1]  # live ones, each counted under its own school
    b = mine[1]
    [vnedu] = b["sync"]
    assert (vnedu["status"], vnedu["failing_streak"], vnedu["age_minutes"]) == ("failed", 2, 6 * 60 - 2 * 60 - 5)
    assert b["failing_streak"] == 2 and mine[0]["failing_streak"] == 0
    page = province.client("so.hai").get("/so/truong").text
    assert _rows(page) == [A, B] and NAMES[B] in page and NAMES[C] not in page
    assert "lỗi 2 lần liên tiếp" in page
    everyone = province.client("so.tat").get("/api/schools").json()["schools"]
    assert [(s["ma_truong"], s["discrepancies"], s["dead"]) for s in everyone] == [(A, 3, 0), (B, 1, 0), (C, 2, 1)]
    assert _codes(province.client("it.an").get("/api/schools")) == [A, B, C]  # IT runs the installation


def test_a_school_s_it_reads_its_own_school_s_figures_only(province):
    with Session(province.engine) as session:
        province.people["it.a"] = accounts.add_user(
            session, "it.a", "Trần Văn Bình", "it", PASSWORD, NOW, by=province.people["it.an"], school=A
        )
        session.commit()
    assert _codes(province.client("it.a").get("/api/schools")) == [A]
    assert _rows(province.client("it.a").get("/so/truong").text) == [A]


def test_the_service_refuses_a_school_outside_the_accounts_scope(province):
    officer = province.people["so.hai"]
    with Session(tenancy.unscoped(province.engine)) as session:
        assert [row.ma_truong for row in access.overseen_schools(session, officer)] == [A, B]
        c = registry.school(session, C)
    with pytest.raises(access.Forbidden, match="ngoài các trường phụ trách"):
        schools_overview.summary(province.engine, province.settings, c, NOW, officer)
    with Session(tenancy.for_school(province.engine, C)) as session, pytest.raises(access.Forbidden):
        access.open_discrepancy_count(session, officer)
    with pytest.raises(access.Forbidden, match="chỉ cán bộ Sở GD&ĐT"):
        schools_overview.summaries(province.engine, province.settings, NOW, province.people["ht.minh"])


@pytest.mark.parametrize(
    "sort,expected,turned",
    [
        ("ma_truong", [A, B, C], [C, B, A]),
        ("name", [A, B, C], [C, B, A]),
        ("discrepancies", [A, C, B], [B, C, A]),  # the most first
        ("sync", [B, C, A], [A, C, B]),  # failing first, then the longest without a good run
        ("dead", [C, A, B], [A, B, C]),  # ties stay in code order either way
        ("waiting", [A, B, C], [A, B, C]),  # all equal
    ],
)
def test_each_column_sorts_on_the_server(shared, sort, expected, turned):
    client = shared.client("so.tat")
    assert _codes(client.get(f"/api/schools?sort={sort}")) == expected
    assert _codes(client.get(f"/api/schools?sort={sort}&reverse=true")) == turned
    page = client.get(f"/so/truong?sap_xep={sort}").text
    assert _rows(page) == expected
    assert f'href="/so/truong?sap_xep={sort}&amp;nguoc=1"' in page  # the current column's link turns it round
    assert _rows(client.get(f"/so/truong?sap_xep={sort}&nguoc=1").text) == turned


def test_every_column_heading_is_a_sort_link_and_an_unknown_sort_is_said(shared):
    client = shared.client("so.tat")
    page = client.get("/so/truong").text
    linked = set(re.findall(r'href="/so/truong\?sap_xep=(\w+)', page))
    assert linked == set(schools_overview.SORT_KEYS)
    assert (
        'aria-sort="descending"><a href="/so/truong?sap_xep=discrepancies&amp;nguoc=1"'
        in client.get("/so/truong?sap_xep=discrepancies").text
    )  # the most first
    assert (
        'aria-sort="ascending"><a href="/so/truong?sap_xep=discrepancies"'
        in client.get("/so/truong?sap_xep=discrepancies&nguoc=1").text
    )
    bad = client.get("/so/truong?sap_xep=tuoi")
    assert bad.status_code == 400 and "Không sắp xếp được theo «tuoi»" in bad.text
    assert client.get("/api/schools?sort=tuoi").status_code == 422


def test_the_page_and_its_api_list_no_personal_data(shared):
    client = shared.client("so.tat")
    shown = client.get("/so/truong").text + client.get("/api/schools").text
    for name in [*(n for names in STUDENTS.values() for n in names), "Nguyễn Thị Lan", "Phạm Thu Hoà"]:
        assert name not in shown  # students in the discrepancies, their assignees
    for value in ("8,5", "7,25", "1800000000", "TOAN"):
        assert value not in shown  # scores, student keys, subjects
    assert all(NAMES[code] in shown for code in NAMES)


@pytest.mark.parametrize("login,expected", [("ht.minh", 403), ("gv.lan", 403), ("so.hai", 200), ("it.an", 200)])
def test_only_the_department_and_it_reach_the_page(shared, login, expected):
    client = shared.client(login)
    page = client.get("/so/truong")
    assert page.status_code == expected
    if expected == 403:
        assert "Không có quyền" in page.text and "chỉ cán bộ Sở GD&amp;ĐT" in page.text
    assert client.get("/api/schools").status_code == expected
    nav = client.get("/doi-mat-khau").text
    assert ('href="/so/truong"' in nav) is (expected == 200)  # the nav shows it to those who may


def test_signed_out_goes_to_sign_in(shared):
    client = shared.client()
    page = client.get("/so/truong?sap_xep=dead", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/dang-nhap?tiep=/so/truong%3Fsap_xep%3Ddead"
    assert client.get("/api/schools").status_code == 401


def test_a_department_officer_is_not_a_schools_reader_of_students(shared):
    client = shared.client("so.tat")
    for path in ("/khac-biet", "/tong-quan", "/cntt", "/duyet", "/ket-qua", "/api/discrepancies"):
        assert client.get(path).status_code == 403, path
    home = client.get("/").text
    assert "cán bộ Sở GD&amp;ĐT" in home and 'href="/cntt"' not in home


@pytest.mark.parametrize(
    "role,schools,words",
    [
        ("so_gddt", [], "cần danh sách trường"),
        ("so_gddt", ["7900070"], "8 chữ số"),
        ("principal", [A], "Chỉ tài khoản cán bộ Sở"),
        ("gvcn", ["*"], "Chỉ tài khoản cán bộ Sở"),
    ],
)
def test_a_department_account_needs_its_schools_and_no_one_else_gets_any(sqlite_engine, role, schools, words):
    with Session(sqlite_engine) as session:
        it = accounts.add_user(session, "it.an", "Lê Văn An", "it", PASSWORD, NOW)
        with pytest.raises(accounts.AccountError, match=words):
            accounts.add_user(session, "x.y", "X Y", role, PASSWORD, NOW, {"school": schools}, by=it)
        made = accounts.add_user(session, "so.hai", "Đinh Thị Hải", "so_gddt", PASSWORD, NOW, {"school": [B, A]}, by=it)
        session.commit()
        assert accounts.find(session, "so.hai").schools == frozenset({A, B}) == made.schools
