"""Every route × every role, with exactly the allowed answer: 200, 403, or the way to sign in
(a redirect to the sign-in page for pages, 401 for the API). Scoping is decided in one place,
`store.access`: a GVCN asking for another class's discrepancy by URL or by API is refused, a
parent asking for another child's too, never by hiding a link."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from lienthong.store.tables import OutboxItemRow, SyncRunRow
from tests.dashboard.conftest import BIO, MINE, NOW, OTHER, ROLES, csrf_of, make_site, seed_school

ANON = "anon"
EVERYONE = (ANON, *ROLES)
SIGN_IN = "sign-in"  # a redirect to /dang-nhap (pages) or 401 (API)
STUDENT_DATA = ("principal", "board", "gvcn", "teacher", "department_head", "parent")
OVERVIEW = ("principal", "board", "department_head")  # a department head: the department's subjects
OPERATIONS = ("it", "principal")
DEPARTMENT = ("so_gddt", "it")  # the schools side by side: a Sở officer, and IT who runs the installation


def expect(allowed: tuple[str, ...], public: bool = False) -> dict[str, object]:
    out: dict[str, object] = {role: (200 if role in allowed else 403) for role in ROLES}
    out[ANON] = 200 if public else SIGN_IN
    return out


# (path, expected answer by role)
READS = [
    ("/dang-nhap", expect(ROLES, public=True)),
    ("/", expect(ROLES)),
    ("/doi-mat-khau", expect(ROLES)),
    ("/khac-biet", expect(STUDENT_DATA)),
    ("/khac-biet?lop=6A1", expect(STUDENT_DATA)),
    # another class: the GVCN of 6A1 and the teacher of 6A1 are refused, not shown an empty page
    ("/khac-biet?lop=6A2", expect(("principal", "board", "department_head", "parent"))),
    (f"/khac-biet/{MINE}", expect(("principal", "board", "gvcn", "teacher", "parent"))),
    # another class's student: refused to her GVCN, another parent, a teacher not teaching there
    (f"/khac-biet/{OTHER}", expect(("principal", "board"))),
    (f"/khac-biet/{BIO}", expect(("principal", "board", "gvcn", "parent"))),  # no subject: not a subject's
    ("/duyet", expect(("principal",))),
    ("/api/me", expect(ROLES)),
    ("/api/discrepancies", expect(STUDENT_DATA)),
    ("/api/discrepancies?class=6A2", expect(("principal", "board", "department_head", "parent"))),
    (f"/api/discrepancies/{MINE}", expect(("principal", "board", "gvcn", "teacher", "parent"))),
    (f"/api/discrepancies/{OTHER}", expect(("principal", "board"))),
    ("/api/approvals", expect(("principal",))),
    ("/docs", expect(ROLES, public=True)),
    ("/tong-quan", expect(OVERVIEW)),
    ("/tong-quan?hk=1", expect(OVERVIEW)),
    ("/tong-quan/lop/6A1", expect(OVERVIEW)),
    ("/tong-quan.xlsx", expect(OVERVIEW)),
    ("/tong-quan.pdf", expect(OVERVIEW)),
    ("/khac-biet?lop=6A1&tuoi=moi", expect(STUDENT_DATA)),
    ("/api/overview", expect(OVERVIEW)),
    ("/cntt", expect(OPERATIONS)),
    ("/cntt/doi-chieu.xlsx", expect(OPERATIONS)),
    ("/nhat-ky", expect(OPERATIONS)),
    # class results (Suối Ngô art. 7, Bình An 5.4): the whole class's results, student by student,
    # for the Ban giám hiệu and the class's GVCN only; the approval page for the principal alone
    ("/ket-qua", expect(("principal",))),
    ("/ket-qua/lop/6A1", expect(("principal", "board", "gvcn"))),
    ("/ket-qua/lop/7A1", expect(("principal", "board"))),
    ("/api/results", expect(("principal", "board", "gvcn"))),
    ("/api/results?class=6A1&period=CN", expect(("principal", "board", "gvcn"))),
    ("/api/results?class=7A1", expect(("principal", "board"))),
    ("/so/truong", expect(DEPARTMENT)),
    ("/so/truong?sap_xep=completeness", expect(DEPARTMENT)),
    ("/so/truong?sap_xep=sync&nguoc=1", expect(DEPARTMENT)),
    ("/api/schools", expect(DEPARTMENT)),
    ("/api/schools?sort=discrepancies&reverse=true", expect(DEPARTMENT)),
]


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One store for every read (reads change nothing)."""
    from lienthong.store.db import make_engine, migrate

    url = f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'matrix.db'}"
    migrate(url)
    engine = make_engine(url)
    site = make_site(engine)
    seed_school(engine)  # the records behind the principal's page
    yield site
    engine.dispose()


def _answer(response, api: bool) -> object:
    if response.status_code == 303 and response.headers["location"].startswith("/dang-nhap"):
        return SIGN_IN
    if api and response.status_code == 401:
        return SIGN_IN
    return response.status_code


@pytest.mark.parametrize("role", EVERYONE)
@pytest.mark.parametrize("path,expected", READS, ids=[r[0] for r in READS])
def test_every_read_route_answers_each_role_exactly(shared, path, expected, role):
    client = shared.client(None if role == ANON else role)
    response = client.get(path, follow_redirects=False)
    assert _answer(response, path.startswith("/api/")) == expected[role], response.text[:300]
    if response.status_code == 403 and not path.startswith("/api/"):
        assert "Không có quyền" in response.text  # a page saying why, in Vietnamese


def test_a_gvcn_sees_only_her_class_in_lists(shared):
    listed = shared.client("gvcn").get("/api/discrepancies").json()["items"]
    assert {item["class"] for item in listed} == {"6A1"} and OTHER not in {item["id"] for item in listed}
    page = shared.client("gvcn").get("/khac-biet").text
    assert "Lê Văn Ánh" in page and "Trần Thị Ngọc" not in page
    parent = {item["id"] for item in shared.client("parent").get("/api/discrepancies").json()["items"]}
    assert OTHER not in parent and MINE in parent  # one child, whatever the class asked for
    assert shared.client("parent").get("/api/discrepancies?class=6A2").json()["items"] == []
    teacher = {item["id"] for item in shared.client("teacher").get("/api/discrepancies").json()["items"]}
    assert teacher == {MINE, "d6a1toangk"}  # his class and subject: not the class's record of birth


# --- changes: each in a fresh store ---------------------------------------------------------

PROPOSERS = ("principal", "gvcn")  # the board only with the principal's delegation


@pytest.mark.parametrize("role", EVERYONE)
def test_proposing_by_page_answers_each_role_exactly(sqlite_engine, role):
    site = make_site(sqlite_engine)
    client = site.client(None if role == ANON else role)
    csrf = csrf_of(client.get("/dang-nhap" if role == ANON else "/doi-mat-khau").text)
    form = {"csrf": csrf, "nguon": "csdl", "ly_do": "đối chiếu giấy khai sinh"}
    response = client.post(f"/khac-biet/{BIO}/de-xuat", data=form, follow_redirects=False)
    if role == ANON:
        assert _answer(response, False) == SIGN_IN
    elif role in PROPOSERS:
        assert response.status_code == 303 and response.headers["location"] == f"/khac-biet/{BIO}?xong=de-xuat"
    else:
        assert response.status_code == 403, response.text[:300]


@pytest.mark.parametrize("role", EVERYONE)
def test_proposing_by_api_answers_each_role_exactly(sqlite_engine, role):
    site = make_site(sqlite_engine)
    client = site.client()
    headers = {} if role == ANON else {"Authorization": f"Bearer {site.token(role)}"}
    body = {"source": "csdl", "reason": "đối chiếu giấy khai sinh"}
    response = client.post(f"/api/discrepancies/{BIO}/proposal", json=body, headers=headers)
    expected = 401 if role == ANON else 200 if role in PROPOSERS else 403
    assert response.status_code == expected, response.text
    other = client.post(
        f"/api/discrepancies/{OTHER}/proposal", json={"source": "gradebook", "reason": "x"}, headers=headers
    )
    assert other.status_code == (401 if role == ANON else 200 if role == "principal" else 403), other.text


@pytest.mark.parametrize("role", EVERYONE)
def test_approving_answers_each_role_exactly(sqlite_engine, role):
    site = make_site(sqlite_engine)
    gvcn = site.client()
    proposal = {"source": "gradebook", "reason": "đối chiếu bài kiểm tra gốc"}
    bearer = {"Authorization": f"Bearer {site.token('gvcn')}"}
    assert gvcn.post(f"/api/discrepancies/{MINE}/proposal", json=proposal, headers=bearer).status_code == 200
    client = site.client(None if role == ANON else role)
    csrf = csrf_of(client.get("/dang-nhap" if role == ANON else "/doi-mat-khau").text)
    response = client.post("/duyet", data={"csrf": csrf, "hanh_dong": f"duyet:{MINE}"}, follow_redirects=False)
    if role == ANON:
        assert _answer(response, False) == SIGN_IN
    else:
        assert response.status_code == (200 if role == "principal" else 403), response.text[:300]


@pytest.mark.parametrize("role", EVERYONE)
def test_approving_by_api_answers_each_role_exactly(sqlite_engine, role):
    site = make_site(sqlite_engine)
    client = site.client()
    bearer = {"Authorization": f"Bearer {site.token('gvcn')}"}
    proposal = {"source": "gradebook", "reason": "đối chiếu bài kiểm tra gốc"}
    assert client.post(f"/api/discrepancies/{MINE}/proposal", json=proposal, headers=bearer).status_code == 200
    headers = {} if role == ANON else {"Authorization": f"Bearer {site.token(role)}"}
    response = client.post("/api/approvals", json={"ids": [MINE], "decision": "approve"}, headers=headers)
    assert response.status_code == (401 if role == ANON else 200 if role == "principal" else 403), response.text


@pytest.mark.parametrize("role", EVERYONE)
def test_every_account_changes_its_password_and_signs_out(sqlite_engine, role):
    site = make_site(sqlite_engine)
    client = site.client(None if role == ANON else role)
    csrf = csrf_of(client.get("/dang-nhap" if role == ANON else "/doi-mat-khau").text)
    new = {"csrf": csrf, "hien_tai": "mat-khau-dai-1", "moi": "mat-khau-moi-2", "nhap_lai": "mat-khau-moi-2"}
    changed = client.post("/doi-mat-khau", data=new, follow_redirects=False)
    assert _answer(changed, False) == (SIGN_IN if role == ANON else 200)
    csrf = csrf_of(changed.text) if role != ANON else csrf
    out = client.post("/dang-xuat", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"].startswith("/dang-nhap")
    assert _answer(client.get("/", follow_redirects=False), False) == SIGN_IN  # signed out (or never in)
    api = site.client().delete("/api/session", headers={} if role == ANON else {"Authorization": "Bearer x"})
    assert api.status_code == 401  # a token that is no session


def _held_run_and_dead_letter(engine) -> int:
    with Session(engine) as session:
        session.add(SyncRunRow(id=2, started_at=NOW, platforms="vnedu", mode="full", status="held", hold_reason="x"))
        item = OutboxItemRow(
            run_id=1,
            platform="vnedu",
            entity="diem",
            key="k",
            payload={},
            kind="fill",
            status="dead",
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(item)
        session.commit()
        return item.id


@pytest.mark.parametrize("role", EVERYONE)
def test_it_page_actions_answer_each_role_exactly(sqlite_engine, role):
    site = make_site(sqlite_engine)
    item_id = _held_run_and_dead_letter(sqlite_engine)
    client = site.client(None if role == ANON else role)
    csrf = csrf_of(client.get("/dang-nhap" if role == ANON else "/doi-mat-khau").text)
    posts = [
        (f"/cntt/thu-loi/{item_id}", {"csrf": csrf, "hanh_dong": "gui_lai", "ly_do": "đã sửa"}),
        ("/cntt/lan-chay/2/duyet", {"csrf": csrf, "ly_do": "đã kiểm tra"}),
    ]
    for path, form in posts:
        response = client.post(path, data=form, follow_redirects=False)
        if role == ANON:
            assert _answer(response, False) == SIGN_IN
        elif role in OPERATIONS:
            assert response.status_code == 303 and response.headers["location"].startswith("/cntt?xong="), path
        else:
            assert response.status_code == 403, (path, response.text[:300])
    if role in OPERATIONS:  # without the form's token: refused, nothing changed
        again = client.post("/cntt/lan-chay/2/duyet", data={"ly_do": "x"}, follow_redirects=False)
        assert again.status_code == 403


@pytest.mark.parametrize("role", EVERYONE)
def test_uploading_files_to_import_answers_each_role_exactly(sqlite_engine, role):
    from pathlib import Path

    from lienthong.store.tables import AuditLogRow

    book = Path(__file__).parents[1] / "fixtures" / "vnedu_so_diem_toan_6A1_hk1.xlsx"
    site = make_site(sqlite_engine)
    client = site.client(None if role == ANON else role)
    csrf = csrf_of(client.get("/dang-nhap" if role == ANON else "/doi-mat-khau").text)

    def post(form: dict):
        files = [("tep", (book.name, book.read_bytes(), "application/vnd.ms-excel"))]
        return client.post("/cntt/nhap-tep", data=form, files=files, follow_redirects=False)

    response = post({"csrf": csrf})
    if role == ANON:
        assert _answer(response, False) == SIGN_IN
    else:
        assert response.status_code == (200 if role in OPERATIONS else 403), response.text[:300]
    with Session(sqlite_engine) as session:
        imported = [a.actor for a in session.exec(select(AuditLogRow).where(AuditLogRow.action == "file_imported"))]
    assert imported == ([site.people[role].ref] if role in OPERATIONS else [])
    if role in OPERATIONS:  # without the form's token: refused, nothing imported
        again = post({})
        assert again.status_code == 403 and "mã chống giả mạo" in again.text
        with Session(sqlite_engine) as session:
            uploads = list(session.exec(select(AuditLogRow).where(AuditLogRow.action == "files_uploaded")))
        assert len(uploads) == 1


# --- class results: confirm (the class's GVCN), approve and reopen (the principal) -------------


def _form(client, role: str) -> str:
    return csrf_of(client.get("/dang-nhap" if role == ANON else "/doi-mat-khau").text)


@pytest.mark.parametrize("role", EVERYONE)
def test_confirming_results_answers_each_role_exactly(sqlite_engine, role):
    site = make_site(sqlite_engine)
    seed_school(sqlite_engine)
    client = site.client(None if role == ANON else role)
    form = {"csrf": _form(client, role), "ky": "HK1"}
    response = client.post("/ket-qua/lop/6A1/xac-nhan", data=form, follow_redirects=False)
    if role == ANON:
        assert _answer(response, False) == SIGN_IN
    elif role == "gvcn":
        assert response.status_code == 303 and response.headers["location"] == "/ket-qua/lop/6A1?xong=xac-nhan"
    else:
        assert response.status_code == 403 and "chỉ giáo viên chủ nhiệm của lớp xác nhận" in response.text
    if role == "gvcn":  # another class's results, and a form without its token
        other = client.post("/ket-qua/lop/7A1/xac-nhan", data=form, follow_redirects=False)
        assert other.status_code == 403
        bare = client.post("/ket-qua/lop/6A1/xac-nhan", data={"ky": "HK2"}, follow_redirects=False)
        assert bare.status_code == 403 and "mã chống giả mạo" in bare.text


@pytest.mark.parametrize("role", EVERYONE)
def test_approving_and_reopening_results_answers_each_role_exactly(sqlite_engine, role):
    site = make_site(sqlite_engine)
    seed_school(sqlite_engine)
    gvcn = site.client("gvcn")
    confirmed = gvcn.post("/ket-qua/lop/6A1/xac-nhan", data={"csrf": _form(gvcn, "gvcn"), "ky": "CN"})
    assert confirmed.status_code == 200 and "Đã xác nhận kết quả" in confirmed.text
    client = site.client(None if role == ANON else role)
    csrf = _form(client, role)
    approved = client.post("/ket-qua/duyet", data={"csrf": csrf, "lop": "6A1", "ky": "CN"}, follow_redirects=False)
    reason = {"csrf": csrf, "lop": "6A1", "ky": "CN", "ly_do": "Sau kiểm tra lại"}
    reopened = client.post("/ket-qua/mo-lai", data=reason, follow_redirects=False)
    if role == ANON:
        assert _answer(approved, False) == SIGN_IN and _answer(reopened, False) == SIGN_IN
    elif role == "principal":
        assert approved.status_code == 303 and approved.headers["location"] == "/ket-qua?xong=duyet"
        assert reopened.status_code == 303 and reopened.headers["location"] == "/ket-qua?xong=mo-lai"
        blank = client.post("/ket-qua/mo-lai", data={**reason, "ly_do": " "}, follow_redirects=False)
        assert blank.status_code == 400 and "Cần ghi lý do mở lại" in blank.text
    else:
        assert approved.status_code == 403 and reopened.status_code == 403


@pytest.mark.parametrize("role", EVERYONE)
def test_results_by_api_answer_each_role_exactly(sqlite_engine, role):
    site = make_site(sqlite_engine)
    seed_school(sqlite_engine)
    client = site.client()
    bearer = {"Authorization": f"Bearer {site.token('gvcn')}"}
    shown = client.get("/api/results?class=6A1&period=CN", headers=bearer).json()["items"][0]
    headers = {} if role == ANON else {"Authorization": f"Bearer {site.token(role)}"}
    body = {"class": "6A1", "period": "CN", "fingerprint": shown["fingerprint"]}
    confirmed = client.post("/api/results/confirm", json=body, headers=headers)
    assert confirmed.status_code == (401 if role == ANON else 200 if role == "gvcn" else 403), confirmed.text
    if role != "gvcn":
        assert client.post("/api/results/confirm", json=body, headers=bearer).status_code == 200
    approved = client.post("/api/results/approve", json={"class": "6A1", "period": "CN"}, headers=headers)
    assert approved.status_code == (401 if role == ANON else 200 if role == "principal" else 403), approved.text
    if role == "principal":
        assert approved.json()["state"] == "da_duyet"
        twice = client.post("/api/results/approve", json={"class": "6A1", "period": "CN"}, headers=headers)
        assert twice.status_code == 409 and "đã được duyệt rồi" in twice.json()["detail"]
        blank = client.post("/api/results/reopen", json={"class": "6A1", "period": "CN"}, headers=headers)
        assert blank.status_code == 400 and "Cần ghi lý do" in blank.json()["detail"]


# --- «Nộp báo cáo»: the TK-CLGD to the Sở, from approved class results only ------------------------

REPORT = "/tong-quan/bao-cao/YC-12/nop"  # YC-12: the Sở's TK-CLGD of HK1 (tests.dashboard.conftest)


def _approve_every_class(engine, levels: tuple[str, str], period: str = "HK1") -> list[str]:
    """Every class's results of ``period`` approved, each student with ``levels`` (learning, training)."""
    from lienthong.assessment.results import fingerprint
    from lienthong.reconciliation.results import SchoolRecord, Where
    from lienthong.store.tables import ResultApprovalRow

    with Session(engine) as session:
        record = SchoolRecord(session, Where("2026-2027"))
        classes = record.classes()
        for code in classes:
            content = record.content(code, period, None)
            for student in content["students"]:
                student["learning"], student["training"] = levels
            session.add(
                ResultApprovalRow(
                    school_year="2026-2027",
                    class_code=code,
                    period=period,
                    state="da_duyet",
                    fingerprint=fingerprint(content),
                    content=content,
                    earlier={},
                    reopen_reason="",
                    ever_approved=True,
                    approved_by="user:1",
                    approved_at=NOW,
                    updated_at=NOW,
                )
            )
        session.commit()
    return classes


def _report_items(engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        items = session.exec(
            select(OutboxItemRow).where(OutboxItemRow.entity == "bao_cao", OutboxItemRow.key != "YC-10")
        )
        return [(i.key, i.status) for i in items]


@pytest.mark.parametrize("role", EVERYONE)
def test_submitting_the_quality_report_answers_each_role_exactly(sqlite_engine, role):
    """The principal alone; refused (409, naming the classes) while a class's HK1 results are not
    approved; nothing is queued for anyone."""
    site = make_site(sqlite_engine)
    seed_school(sqlite_engine)
    client = site.client(None if role == ANON else role)
    csrf = csrf_of(client.get("/dang-nhap" if role == ANON else "/doi-mat-khau").text)
    response = client.post(REPORT, data={"csrf": csrf}, follow_redirects=False)
    if role == ANON:
        assert _answer(response, False) == SIGN_IN
    elif role == "principal":
        assert response.status_code == 409, response.text[:300]
        assert "4 lớp chưa được Hiệu trưởng duyệt: 6A1, 7A1, 8A1, 9A1" in response.text
    else:
        assert response.status_code == 403 and "Không có quyền" in response.text, response.text[:300]
    assert _report_items(sqlite_engine) == []


def test_the_principal_page_submits_the_quality_report_once_approved(sqlite_engine):
    site = make_site(sqlite_engine)
    seed_school(sqlite_engine)
    client = site.client("principal")
    page = client.get("/tong-quan").text
    assert f'action="{REPORT}"' in page and "Nộp báo cáo" in page  # beside the TK-CLGD request
    assert 'action="/tong-quan/bao-cao/YC-10/nop"' in page  # and the monthly attendance (TK-CHUYENCAN)
    assert 'action="/tong-quan/bao-cao/YC-11/nop"' not in page  # not TK-BIENDONG, which lienthong cannot build
    assert page.count("Nộp báo cáo</button>") == 2
    assert 'action="/tong-quan/bao-cao/YC-11/nop"' not in site.client("board").get("/tong-quan").text
    assert "Nộp báo cáo</button>" not in site.client("board").get("/tong-quan").text
    _approve_every_class(sqlite_engine, ("K", "T"))
    no_csrf = client.post(REPORT, data={}, follow_redirects=False)
    assert no_csrf.status_code in (400, 403) and _report_items(sqlite_engine) == []
    csrf = csrf_of(page)
    done = client.post(REPORT, data={"csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/tong-quan?nop=YC-12#bao-cao-so"
    assert "Đã xếp báo cáo YC-12 vào hàng đợi gửi Sở" in client.get(done.headers["location"]).text
    assert _report_items(sqlite_engine) == [("YC-12", "pending")]
    again = client.post(REPORT, data={"csrf": csrf}, follow_redirects=False)
    assert again.status_code == 303 and _report_items(sqlite_engine) == [("YC-12", "pending")]  # not twice
    with Session(sqlite_engine) as session:
        item = session.exec(select(OutboxItemRow).where(OutboxItemRow.key == "YC-12")).one()
        summary = item.payload["tom_tat"]
        pupils = summary["Tổng số HS"]
        assert pupils > 0 and summary["Học tập Khá"] == pupils and summary["Rèn luyện Tốt"] == pupils
    other = client.post("/tong-quan/bao-cao/YC-11/nop", data={"csrf": csrf}, follow_redirects=False)
    assert other.status_code == 404 and "không ghi ngày chuyển đến" in other.text  # TK-BIENDONG
