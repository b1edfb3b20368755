"""One dashboard over a province's store (two schools, no ``ma_truong`` configured, as the
docker-compose ``dashboard`` service runs it), on SQLite and on PostgreSQL under row-level security:
a Sở officer and each school's principal sign in; each principal sees her own school only; an
account of school A never reaches school B's data; account events go to the installation's audit
chain, which is verified, and whose tampering is found."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from lienthong.config.settings import Settings
from lienthong.dashboard.app import create_app
from lienthong.store import accounts, audit, tenancy
from lienthong.store import schools as registry
from lienthong.store.tables import AuditLogRow, DiscrepancyRow, SchoolRow
from tests.dashboard.conftest import NOW, PASSWORD, SCHOOL_YEAR, Clock, Site, csrf_of, score

A, B = "79000701", "79000702"
# each school's own class and students: nothing of one may show in the other's pages
CLASSES = {A: "6A1", B: "9B2"}
STUDENTS = {A: ["Lê Văn Ánh", "Trần Thị Ngọc"], B: ["Đặng Thu Trang", "Võ Quốc Huy"]}
IDS = {A: ["a0", "a1"], B: ["b0", "b1"]}


def _fill(engine, code: str) -> None:
    with Session(tenancy.for_school(engine, code)) as session:
        for n, (name, id_) in enumerate(zip(STUDENTS[code], IDS[code])):
            session.add(score(id_, CLASSES[code], f"18000000{n:02d}", name, "tx0", "8,5", "7,25"))
        session.commit()


def province(engine) -> Site:
    """Two registered schools, each one's rows under its scope; the installation's IT (no school),
    a Sở officer, and each school's principal and GVCN."""
    with Session(tenancy.unscoped(engine)) as session:
        for code in (A, B):
            registry.save_school(
                session, SchoolRow(ma_truong=code, name=f"THCS {code}", province_code="79", commune_code="")
            )
        session.commit()
    for code in (A, B):
        _fill(engine, code)
    with Session(engine) as session:
        it = accounts.add_user(session, "it.tinh", "Lê Văn An", "it", PASSWORD, NOW)
        made = {"it": it}
        made["so"] = accounts.add_user(
            session, "so.hai", "Đinh Thị Hải", "so_gddt", PASSWORD, NOW, {"school": [A, B]}, by=it
        )
        for code, suffix in ((A, "a"), (B, "b")):
            made[f"ht.{suffix}"] = accounts.add_user(
                session, f"ht.{suffix}", f"Hiệu trưởng {suffix}", "principal", PASSWORD, NOW, by=it, school=code
            )
            made[f"gv.{suffix}"] = accounts.add_user(
                session,
                f"gv.{suffix}",
                f"GVCN {suffix}",
                "gvcn",
                PASSWORD,
                NOW,
                {"class": [CLASSES[code]]},
                by=it,
                school=code,
            )
        session.commit()
    settings = Settings(database_url=str(engine.url), school_year=SCHOOL_YEAR)  # no ma_truong
    site = Site(engine, settings, Clock(), made)
    site.app = create_app(settings, engine, secret_key=b"test-key", clock=site.clock)
    return site


@pytest.fixture
def site(engine) -> Site:
    return province(engine)


def sign_in(site: Site, login: str, password: str = PASSWORD):
    client = site.client()
    csrf = csrf_of(client.get("/dang-nhap").text)
    done = client.post(
        "/dang-nhap", data={"csrf": csrf, "ten": login, "mat_khau": password, "tiep": "/"}, follow_redirects=False
    )
    return client, done


def chain(engine, scope: str) -> list[tuple[str, dict]]:
    bound = tenancy.installation(engine) if scope == tenancy.INSTALLATION else tenancy.for_school(engine, scope)
    with Session(bound) as session:
        return [(row.action, row.detail) for row in session.exec(select(AuditLogRow).order_by(AuditLogRow.id))]


def test_a_province_store_with_no_school_configured_acts_for_none(site):
    assert tenancy.store_school(site.engine) is None
    with pytest.raises(tenancy.TenancyError), Session(site.engine) as session:
        session.exec(select(DiscrepancyRow)).all()


def test_the_so_officer_and_each_principal_sign_in_and_the_installation_chain_records_it(site):
    for login in ("so.hai", "ht.a", "ht.b"):
        _, done = sign_in(site, login)
        assert done.status_code == 303, done.text[:300]
    _, refused = sign_in(site, "ht.a", "sai-mat-khau-1")
    assert refused.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu." in refused.text
    entries = chain(site.engine, tenancy.INSTALLATION)
    assert [(a, d["login"]) for a, d in entries] == [
        ("login_succeeded", "so.hai"),
        ("login_succeeded", "ht.a"),
        ("login_succeeded", "ht.b"),
        ("login_failed", "ht.a"),
    ]
    assert chain(site.engine, A) == [] and chain(site.engine, B) == []  # no school's chain took them
    reports = audit.check_chains(site.engine)
    assert list(reports) == [A, B, tenancy.INSTALLATION]
    assert all(report.problems == [] for report in reports.values())
    assert reports[tenancy.INSTALLATION].entries == 4


def test_each_principal_sees_her_own_school_only_on_the_overview(site):
    for mine, theirs in ((A, B), (B, A)):
        client, done = sign_in(site, f"ht.{'a' if mine == A else 'b'}")
        assert done.status_code == 303
        page = client.get("/tong-quan")
        assert page.status_code == 200, page.text[:300]
        assert CLASSES[mine] in page.text and CLASSES[theirs] not in page.text
        listed = client.get("/khac-biet")
        assert listed.status_code == 200
        assert all(name in listed.text for name in STUDENTS[mine])
        assert not any(name in listed.text for name in STUDENTS[theirs])


def test_an_account_of_school_a_never_reaches_school_b(site):
    client, _ = sign_in(site, "ht.a")
    other_class = client.get(f"/tong-quan/lop/{CLASSES[B]}")
    other_list = client.get(f"/khac-biet?lop={CLASSES[B]}")
    other_item = client.get(f"/khac-biet/{IDS[B][0]}")
    api_item = client.get(f"/api/discrepancies/{IDS[B][0]}")
    assert other_item.status_code == 404 and api_item.status_code == 404
    assert other_class.status_code in (200, 403, 404) and other_list.status_code in (200, 403, 404)
    for response in (other_class, other_list, other_item, api_item, client.get("/api/discrepancies")):
        assert not any(name in response.text for name in STUDENTS[B])
    # B's GVCN, on her own class, sees it; A's GVCN given the same class code sees nothing of it
    gv_b, _ = sign_in(site, "gv.b")
    assert STUDENTS[B][0] in gv_b.get(f"/khac-biet?lop={CLASSES[B]}").text
    assert STUDENTS[B][0] in gv_b.get(f"/api/discrepancies/{IDS[B][0]}").text
    assert gv_b.get(f"/api/discrepancies/{IDS[A][0]}").status_code == 404


def test_an_account_of_no_school_gets_a_refusal_not_an_error_on_a_school_page(site):
    it, _ = sign_in(site, "it.tinh")  # the installation's IT: no school
    page = it.get("/cntt")
    assert page.status_code == 403 and "không thuộc trường nào" in page.text, page.text[:300]
    assert it.get("/api/schools").status_code == 200
    trail = it.get("/nhat-ky")  # the installation's IT reads the installation's chain
    assert trail.status_code == 200 and "it.tinh" in trail.text and "đăng nhập" in trail.text, trail.text[:300]
    client, _ = sign_in(site, "so.hai")
    assert client.get("/khac-biet").status_code == 403  # her role reads no student anyway
    schools = client.get("/api/schools")
    assert schools.status_code == 200 and {s["ma_truong"] for s in schools.json()["schools"]} == {A, B}


def test_sign_out_goes_to_the_installation_chain(site):
    client, _ = sign_in(site, "ht.b")
    csrf = csrf_of(client.get("/doi-mat-khau").text)
    assert client.post("/dang-xuat", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert [a for a, _ in chain(site.engine, tenancy.INSTALLATION)] == ["login_succeeded", "logout"]


def test_a_tampered_installation_chain_is_found(site):
    sign_in(site, "ht.a")
    sign_in(site, "ht.b")
    with tenancy.unscoped(site.engine).begin() as connection:
        if connection.dialect.name == "postgresql":  # as the application's role, under the policy
            connection.exec_driver_sql(f"SET LOCAL ROLE {tenancy.APP_ROLE}")
            connection.exec_driver_sql(f"SELECT set_config('{tenancy.SETTING}', '{tenancy.INSTALLATION}', true)")
        table = sa.table("audit_log", sa.column("ma_truong"), sa.column("id"), sa.column("detail", sa.JSON))
        changed = connection.execute(
            sa.update(table)
            .where(table.c.ma_truong == tenancy.INSTALLATION, table.c.id == 1)
            .values(detail={"login": "ht.b", "via": "web"})
        )
        assert changed.rowcount == 1
    reports = audit.check_chains(site.engine)
    assert reports[tenancy.INSTALLATION].problems == ["Mục #1: nội dung đã bị sửa sau khi ghi"]
    assert reports[A].problems == [] and reports[B].problems == []


def test_the_installation_scope_reaches_its_audit_chain_only(site):
    with Session(tenancy.installation(site.engine)) as session:
        with pytest.raises(tenancy.TenancyError, match="phạm vi cả hệ thống"):
            session.exec(select(DiscrepancyRow)).all()
    with Session(tenancy.installation(site.engine)) as session:
        session.add(score("x", "6A1", "1800000099", "Ai Đó", "tx0", "1", "2"))
        with pytest.raises(tenancy.TenancyError, match="phạm vi cả hệ thống"):
            session.flush()
    with pytest.raises(tenancy.TenancyError):
        tenancy.for_school(site.engine, tenancy.INSTALLATION)


def test_school_staff_need_a_school_on_a_store_of_several(site):
    it = site.people["it"]
    assert it.school is None and site.people["so"].school is None and site.people["ht.a"].school == A
    with Session(site.engine) as session:
        with pytest.raises(accounts.AccountError, match="--school"):
            accounts.add_user(session, "gv.moi", "GV Mới", "gvcn", PASSWORD, NOW, {"class": ["6A2"]}, by=it)
        with pytest.raises(accounts.AccountError, match="Không có trường 79000799"):
            accounts.add_user(session, "gv.moi", "GV Mới", "gvcn", PASSWORD, NOW, by=it, school="79000799")
        with pytest.raises(accounts.AccountError, match="Đã có tài khoản Hiệu trưởng"):
            accounts.add_user(session, "ht.a2", "HT", "principal", PASSWORD, NOW, by=it, school=A)
        it_a = accounts.add_user(session, "it.a", "CNTT A", "it", PASSWORD, NOW, by=it, school=A)
        made = accounts.add_user(session, "gv.a2", "GV A2", "gvcn", PASSWORD, NOW, by=it_a)
        assert made.school == A  # a school's IT adds its own school's staff
        with pytest.raises(accounts.AccountError, match="chỉ tạo tài khoản của trường mình"):
            accounts.add_user(session, "gv.b2", "GV B2", "gvcn", PASSWORD, NOW, by=it_a, school=B)
        with pytest.raises(accounts.AccountError, match="không thuộc trường 79000701"):
            accounts.set_disabled(session, "ht.b", True, it_a)
        with pytest.raises(accounts.AccountError, match="không thuộc trường 79000701"):
            accounts.set_password(session, "gv.b", "mat-khau-moi-dai", NOW, it_a)
