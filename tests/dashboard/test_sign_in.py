"""Signing in and out of the dashboard: the store's sessions in a cookie with safe flags, expiry,
CSRF on every form, throttled and audited attempts, the password page."""

from __future__ import annotations

from sqlmodel import Session, select

from lienthong.dashboard.security import SESSION_COOKIE
from lienthong.store import accounts, audit
from lienthong.store.tables import AuditLogRow
from tests.dashboard.conftest import LOGINS, PASSWORD, csrf_of


def sign_in(client, login: str, password: str = PASSWORD, target: str = "/"):
    csrf = csrf_of(client.get("/dang-nhap").text)
    form = {"csrf": csrf, "ten": login, "mat_khau": password, "tiep": target}
    return client.post("/dang-nhap", data=form, follow_redirects=False)


def actions(engine) -> list[tuple[str, dict]]:
    with Session(engine) as session:
        return [(row.action, row.detail) for row in session.exec(select(AuditLogRow).order_by(AuditLogRow.id))]


def test_signing_in_sets_a_safe_cookie_and_goes_where_the_teacher_was_going(site):
    client = site.client()
    asked = client.get("/khac-biet?lop=6A1", follow_redirects=False)
    assert asked.status_code == 303 and asked.headers["location"] == "/dang-nhap?tiep=/khac-biet%3Flop%3D6A1"
    done = sign_in(client, " GV.Lan ", target="/khac-biet?lop=6A1")
    assert done.status_code == 303 and done.headers["location"] == "/khac-biet?lop=6A1"
    cookie = next(h for k, h in done.headers.multi_items() if k == "set-cookie" and h.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert "Lê Văn Ánh" in client.get("/khac-biet?lop=6A1").text
    assert ("login_succeeded", {"login": "gv.lan", "via": "web"}) in actions(site.engine)


def test_over_https_the_cookie_is_secure(site):
    done = sign_in(site.client(https=True), LOGINS["principal"])
    cookies = [h for k, h in done.headers.multi_items() if k == "set-cookie" and h.startswith(SESSION_COOKIE)]
    assert cookies and all("Secure" in c for c in cookies)


def test_a_next_page_on_another_site_is_not_followed(site):
    assert sign_in(site.client(), LOGINS["gvcn"], target="//evil.example/x").headers["location"] == "/"


def test_a_wrong_password_says_the_same_as_an_unknown_login_and_is_audited(site):
    wrong, unknown = sign_in(site.client(), "gv.lan", "sai-mat-khau-1"), sign_in(site.client(), "khong.co", "x" * 12)
    assert wrong.status_code == unknown.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu." in wrong.text and "Sai tên đăng nhập hoặc mật khẩu." in unknown.text
    assert [a for a, _ in actions(site.engine)].count("login_failed") == 2


def test_five_failures_in_fifteen_minutes_make_the_login_wait_even_with_the_right_password(site):
    client = site.client()
    for _ in range(5):
        assert sign_in(client, "gv.lan", "sai-mat-khau-1").status_code == 401
        site.clock.advance(minutes=1)
    held = sign_in(client, "gv.lan")
    assert held.status_code == 429 and "thử lại sau 10 phút" in held.text
    assert SESSION_COOKIE not in held.cookies
    assert sign_in(site.client(), "ht.minh").status_code == 303  # another login is not held
    api = site.client().post("/api/session", json={"login": "gv.lan", "password": PASSWORD})
    assert api.status_code == 429  # the API is the same door
    site.clock.advance(minutes=11)  # the first failure is now older than 15 minutes
    assert sign_in(client, "gv.lan").status_code == 303
    done = [a for a, d in actions(site.engine) if d.get("login") == "gv.lan"]
    assert done.count("login_failed") == 5 and done.count("login_throttled") == 2 and done[-1] == "login_succeeded"
    with Session(site.engine) as session:
        assert audit.verify(session) == []


def test_a_success_clears_earlier_failures(site):
    for _ in range(4):
        sign_in(site.client(), "gv.lan", "sai-mat-khau-1")
    assert sign_in(site.client(), "gv.lan").status_code == 303
    for _ in range(4):
        sign_in(site.client(), "gv.lan", "sai-mat-khau-1")
    assert sign_in(site.client(), "gv.lan").status_code == 303


def test_a_form_without_its_token_or_with_another_sessions_token_is_refused(site):
    gvcn = site.client("gvcn")
    form = {"nguon": "csdl", "ly_do": "đối chiếu giấy khai sinh"}
    missing = gvcn.post("/khac-biet/d6a1lylich/de-xuat", data=form, follow_redirects=False)
    assert missing.status_code == 403 and "mã chống giả mạo" in missing.text
    foreign = csrf_of(site.client("principal").get("/").text)  # valid, but bound to another session
    assert gvcn.post("/khac-biet/d6a1lylich/de-xuat", data={**form, "csrf": foreign}).status_code == 403
    forged = csrf_of(gvcn.get("/").text)[:-2] + "xx"
    assert gvcn.post("/khac-biet/d6a1lylich/de-xuat", data={**form, "csrf": forged}).status_code == 403
    no_login_token = site.client().post("/dang-nhap", data={"ten": "gv.lan", "mat_khau": PASSWORD})
    assert no_login_token.status_code == 403
    with Session(site.engine) as session:
        assert not resolution_steps(session)
    # by cookie, the API wants the page's token in a header; a bearer needs none
    api = gvcn.post("/api/discrepancies/d6a1lylich/proposal", json={"source": "csdl", "reason": "giấy khai sinh"})
    assert api.status_code == 403
    header = {"X-CSRF-Token": csrf_of(gvcn.get("/").text)}
    assert (
        gvcn.post(
            "/api/discrepancies/d6a1lylich/proposal", json={"source": "csdl", "reason": "x"}, headers=header
        ).status_code
        == 200
    )


def resolution_steps(session):
    from lienthong.store.tables import ResolutionRow

    return list(session.exec(select(ResolutionRow)))


def test_a_session_expires_after_its_hours_and_sign_out_ends_it(site):
    client = site.client()
    sign_in(client, "gv.lan")
    assert client.get("/", follow_redirects=False).status_code == 200
    site.clock.advance(hours=accounts.SESSION_HOURS, seconds=1)
    expired = client.get("/", follow_redirects=False)
    assert expired.status_code == 303 and expired.headers["location"] == "/dang-nhap?tiep=/&het=1"
    assert "Phiên đăng nhập đã hết hạn" in client.get(expired.headers["location"]).text
    assert SESSION_COOKIE not in client.cookies  # the stale cookie is cleared
    assert client.get("/api/me").status_code == 401
    sign_in(client, "gv.lan")
    token = client.cookies.get(SESSION_COOKIE)
    out = client.post("/dang-xuat", data={"csrf": csrf_of(client.get("/").text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/dang-nhap"
    stale = site.client()
    stale.cookies.set(SESSION_COOKIE, token)
    assert stale.get("/", follow_redirects=False).status_code == 303  # the store ended it, not just the cookie
    assert "logout" in [a for a, _ in actions(site.engine)]


def test_changing_the_password_ends_other_sessions_and_keeps_this_one(site):
    other = site.client()
    sign_in(other, "gv.lan")
    client = site.client()
    sign_in(client, "gv.lan")
    page = client.get("/doi-mat-khau").text
    wrong = client.post(
        "/doi-mat-khau", data={"csrf": csrf_of(page), "hien_tai": "sai", "moi": "x" * 12, "nhap_lai": "x" * 12}
    )
    assert wrong.status_code == 400 and "Mật khẩu hiện tại không đúng." in wrong.text
    short = client.post(
        "/doi-mat-khau", data={"csrf": csrf_of(page), "hien_tai": PASSWORD, "moi": "ngan", "nhap_lai": "ngan"}
    )
    assert short.status_code == 400 and "ít nhất 10 ký tự" in short.text
    done = client.post(
        "/doi-mat-khau",
        data={"csrf": csrf_of(page), "hien_tai": PASSWORD, "moi": "mat-khau-moi-2", "nhap_lai": "mat-khau-moi-2"},
    )
    assert done.status_code == 200 and "Đã đổi mật khẩu" in done.text
    assert client.get("/", follow_redirects=False).status_code == 200  # a new session for this browser
    assert other.get("/", follow_redirects=False).status_code == 303  # the other one ended
    assert sign_in(site.client(), "gv.lan", "mat-khau-moi-2").status_code == 303
    assert ("password_set", {"account": "gv.lan", "via": "web"}) in actions(site.engine)


def test_the_api_signs_in_with_the_same_rules_and_signs_out(site):
    client = site.client()
    assert client.post("/api/session", json={"login": "gv.lan", "password": "sai-mat-khau"}).status_code == 401
    opened = client.post("/api/session", json={"login": "gv.lan", "password": PASSWORD})
    assert opened.status_code == 200 and opened.json()["account"]["classes"] == ["6A1"]
    bearer = {"Authorization": f"Bearer {opened.json()['token']}"}
    assert client.get("/api/me", headers=bearer).json()["may"] == {
        "student_data": True,
        "propose": True,
        "approve": False,
    }
    assert client.delete("/api/session", headers=bearer).status_code == 204
    assert client.get("/api/me", headers=bearer).status_code == 401


def test_pages_escape_what_they_show_and_forbid_framing(site):
    from lienthong.store.tables import DiscrepancyRow

    with Session(site.engine) as session:
        row = session.get(DiscrepancyRow, "d6a1lylich")
        row.record = {**row.record, "message": "<script>alert(1)</script>", "values": {"vnedu": "<b>x</b>"}}
        session.add(row)
        session.commit()
    page = site.client("gvcn").get("/khac-biet/d6a1lylich")
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "&lt;b&gt;x&lt;/b&gt;" in page.text
    assert (
        page.headers["x-frame-options"] == "DENY"
        and "frame-ancestors 'none'" in page.headers["content-security-policy"]
    )
    assert page.headers["cache-control"] == "no-store"
