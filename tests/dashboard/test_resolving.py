"""Resolving through the pages and the API: the GVCN picks a source's value or types one, with a
reason; the principal approves or rejects, one by one or a selection; a correction into a closed
window is refused; what the pages do is what the core's workflow records."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlmodel import Session, select

from lienthong.config.settings import SchoolWindowSettings, Settings
from lienthong.store import audit
from lienthong.store.tables import DiscrepancyRow, OutboxItemRow, ResolutionRow
from tests.dashboard.conftest import BIO, MINE, MINE_GK, OTHER, SCHOOL_YEAR, csrf_of, make_site


def status(engine, discrepancy_id: str) -> str:
    with Session(engine) as session:
        return session.get(DiscrepancyRow, discrepancy_id).status


def outbox(engine, key: str = "1800000001:TOAN:1") -> str:
    with Session(engine) as session:
        return session.exec(select(OutboxItemRow).where(OutboxItemRow.key == key)).one().status


def propose(client, discrepancy_id: str, **form):
    csrf = csrf_of(client.get(f"/khac-biet/{discrepancy_id}").text)
    return client.post(f"/khac-biet/{discrepancy_id}/de-xuat", data={"csrf": csrf, **form}, follow_redirects=False)


def decide(client, **form):
    csrf = csrf_of(client.get("/duyet").text)
    return client.post("/duyet", data={"csrf": csrf, **form})


def test_the_gvcn_page_shows_each_sources_value_and_when_it_was_read(site):
    with Session(site.engine) as session:
        from lienthong.store.repository import SnapshotRecord, upsert_snapshots

        upsert_snapshots(session, [SnapshotRecord("vnedu", "hoc_sinh", "1800000001", 1, {"x": 1})], site.clock())
        session.commit()
    page = site.client("gvcn").get("/khac-biet").text
    assert "Khác biệt giữa các nguồn — lớp 6A1" in page  # her only class, chosen for her
    assert "sổ điểm" in page and "vnEdu" in page and "<strong>8,0</strong>" in page and "<strong>7,0</strong>" in page
    assert "23/11/2026 11:00 (+07:00)" in page  # when vnEdu was read, Vietnam's time
    assert "ĐĐGtx1" in page and "Toán" in page and 'name="nguon" value="gradebook"' in page


def test_a_gvcn_resolves_by_choosing_a_source_and_the_principal_approves_the_sheet(site):
    gvcn, principal = site.client("gvcn"), site.client("principal")
    done = propose(gvcn, MINE, nguon="gradebook", ly_do="đối chiếu bài kiểm tra gốc")
    assert done.status_code == 303
    shown = gvcn.get(done.headers["location"]).text
    assert "Đã ghi đề xuất: chờ Hiệu trưởng duyệt." in shown and "đối chiếu bài kiểm tra gốc" in shown
    assert propose(gvcn, MINE_GK, gia_tri="9", ly_do="đúng sổ điểm").status_code == 303  # typed
    assert status(site.engine, MINE) == status(site.engine, MINE_GK) == "proposed"
    assert outbox(site.engine) == "awaiting_approval"

    queue = principal.get("/duyet").text
    assert "Lê Văn Ánh" in queue and "Đề xuất: 8,0" in queue and "Đề xuất: 9,0" in queue
    assert "— Nguyễn Thị Lan (giáo viên chủ nhiệm)," in queue and "user:" not in queue  # who proposed, by name
    approved = decide(principal, chon=[MINE, MINE_GK], hanh_dong="duyet", ghi_chu="đã xem bài gốc")
    assert approved.status_code == 200 and "Đã duyệt 2 đề xuất." in approved.text
    assert "1 thay đổi sẽ được gửi ở lần đồng bộ tới." in approved.text
    assert outbox(site.engine) == "pending"  # the sheet goes out with the next run
    assert "Không có đề xuất nào đang chờ duyệt." in approved.text
    with Session(site.engine) as session:
        steps = session.exec(select(ResolutionRow).where(ResolutionRow.discrepancy_id == MINE)).all()
        assert [(s.step, s.reason) for s in steps] == [
            ("proposed", "đối chiếu bài kiểm tra gốc"),
            ("approved", "đã xem bài gốc"),
        ]
        assert audit.verify(session) == []
    history = gvcn.get(f"/khac-biet/{MINE}").text
    assert "Nguyễn Thị Lan (giáo viên chủ nhiệm)" in history and "user:" not in history


def test_rejecting_needs_a_reason_and_sends_the_difference_back_to_the_gvcn(site):
    gvcn, principal = site.client("gvcn"), site.client("principal")
    propose(gvcn, MINE, nguon="vnedu", ly_do="vnEdu đúng")
    bare = decide(principal, hanh_dong=f"tu_choi:{MINE}")
    assert bare.status_code == 400 and "Cần ghi lý do từ chối" in bare.text
    assert status(site.engine, MINE) == "proposed"
    rejected = decide(principal, hanh_dong=f"tu_choi:{MINE}", **{f"ghi_chu:{MINE}": "xem lại bài kiểm tra"})
    assert rejected.status_code == 200 and "Đã từ chối 1 đề xuất." in rejected.text
    assert status(site.engine, MINE) == "open"
    assert "xem lại bài kiểm tra" in gvcn.get(f"/khac-biet/{MINE}").text
    assert outbox(site.engine) == "awaiting_approval"


def test_nobody_approves_their_own_proposal_and_a_bad_value_is_said(site):
    principal = site.client("principal")
    bad = propose(principal, OTHER, gia_tri="11", ly_do="nhầm")
    assert bad.status_code == 400 and "từ 0 đến 10" in bad.text
    assert propose(principal, OTHER, nguon="gradebook", ly_do="đối chiếu").status_code == 303
    own = decide(principal, hanh_dong=f"duyet:{OTHER}")
    assert own.status_code == 403 and "không tự duyệt" in own.text
    assert status(site.engine, OTHER) == "proposed"
    nothing = decide(principal, hanh_dong="duyet")
    assert nothing.status_code == 400 and "Chưa chọn đề xuất nào." in nothing.text


def test_a_record_fix_needs_no_approval(site):
    assert propose(site.client("gvcn"), BIO, nguon="csdl", ly_do="giấy khai sinh").status_code == 303
    assert status(site.engine, BIO) == "resolved"
    assert site.client("principal").get("/api/approvals").json()["items"] == []


def closed_first_semester(engine) -> Settings:
    window = SchoolWindowSettings(
        semester="1",
        kind="diem",
        opens=datetime(2026, 9, 5, tzinfo=timezone.utc),
        closes=datetime(2026, 11, 20, tzinfo=timezone.utc),  # before the pinned 23/11/2026
    )
    return Settings(database_url=str(engine.url), school_year=SCHOOL_YEAR, lock_windows=[window])


def test_a_correction_into_a_closed_window_is_refused_by_page_and_api(sqlite_engine):
    site = make_site(sqlite_engine, closed_first_semester(sqlite_engine))
    gvcn = site.client("gvcn")
    page = propose(gvcn, MINE, nguon="gradebook", ly_do="đối chiếu bài gốc")
    assert page.status_code == 409 and "Sổ điểm học kỳ I đã khoá" in page.text
    api = site.client().post(
        f"/api/discrepancies/{MINE}/proposal",
        json={"source": "gradebook", "reason": "đối chiếu bài gốc"},
        headers={"Authorization": f"Bearer {site.token('gvcn')}"},
    )
    assert api.status_code == 409 and "đã khoá" in api.json()["detail"]
    assert status(site.engine, MINE) == "open"
    # a record fix corrects no entered score: the window does not hold it
    assert propose(gvcn, BIO, nguon="csdl", ly_do="giấy khai sinh").status_code == 303


def test_a_proposal_made_while_open_is_not_approved_after_the_window_closed(sqlite_engine):
    open_site = make_site(sqlite_engine)
    assert propose(open_site.client("gvcn"), MINE, nguon="gradebook", ly_do="bài gốc").status_code == 303
    closed = Settings(**{**open_site.settings.model_dump(), **closed_first_semester(sqlite_engine).model_dump()})
    from lienthong.dashboard.app import create_app

    open_site.app = create_app(closed, sqlite_engine, secret_key=b"test-key", clock=open_site.clock)
    refused = decide(open_site.client("principal"), hanh_dong=f"duyet:{MINE}")
    assert refused.status_code == 409 and "đã khoá" in refused.text
    assert status(sqlite_engine, MINE) == "proposed" and outbox(sqlite_engine) == "awaiting_approval"


def test_the_api_gives_the_queue_and_decides_a_selection(site):
    bearer = {"Authorization": f"Bearer {site.token('gvcn')}"}
    client = site.client()
    for discrepancy_id in (MINE, MINE_GK):
        body = {"source": "gradebook", "reason": "bài gốc"}
        answer = client.post(f"/api/discrepancies/{discrepancy_id}/proposal", json=body, headers=bearer)
        assert answer.status_code == 200 and answer.json()["status"] == "proposed"
    principal = {"Authorization": f"Bearer {site.token('principal')}"}
    queue = client.get("/api/approvals", headers=principal).json()["items"]
    assert [item["id"] for item in queue] == [MINE, MINE_GK] and queue[0]["proposal"]["value"] == "8,0"
    decided = client.post("/api/approvals", json={"ids": [MINE, MINE_GK], "decision": "approve"}, headers=principal)
    assert decided.status_code == 200
    assert [(i["id"], i["done"]) for i in decided.json()["items"]] == [(MINE, True), (MINE_GK, True)]
    assert sum(i["released"] for i in decided.json()["items"]) == 1
    detail = client.get(f"/api/discrepancies/{MINE}", headers=bearer).json()
    assert [h["step"] for h in detail["history"]] == ["proposed", "approved"]
    assert detail["sources"][0] == {
        "source": "gradebook",
        "title": "sổ điểm",
        "value": "8,0",
        "shown": "8,0",
        "choosable": True,
        "read_at": "—",
        "read_at_iso": None,
    }
    again = client.post("/api/approvals", json={"ids": [MINE], "decision": "approve"}, headers=principal)
    assert again.status_code == 403 and "Chưa có đề xuất" in again.json()["items"][0]["refusal"]


def test_a_board_member_approves_only_with_the_principals_delegation(site):
    from lienthong.store import accounts

    propose(site.client("gvcn"), MINE, nguon="gradebook", ly_do="bài gốc")
    board = site.client("board")
    assert board.get("/duyet").status_code == 403
    with Session(site.engine) as session:
        accounts.delegate(session, "bgh.ha", site.people["principal"])
        session.commit()
    page = board.get("/duyet")
    assert page.status_code == 200 and "Lê Văn Ánh" in page.text  # the delegation is read at each request
    done = decide(board, hanh_dong=f"duyet:{MINE}")
    assert done.status_code == 200 and "Đã duyệt 1 đề xuất." in done.text
    assert status(site.engine, MINE) == "approved"


def _identity_doubt(engine) -> str:
    """Two Hà in 6A1 and a teacher's row naming one of them, as the register keeps the doubt."""
    from lienthong.reconciliation.discrepancy import Discrepancy

    candidates = [
        {"key": "1800000001", "name": "Nguyễn Thị Hà", "class": "6A1", "birth_date": "05/01/2014"},
        {"key": "1800000008", "name": "Nguyễn Thị Hà", "class": "6A1", "birth_date": "19/02/2014"},
        {"key": "1800000031", "name": "Nguyễn Thị Hà", "class": "6A3", "birth_date": "11/11/2014"},  # a namesake
    ]
    doubt = Discrepancy(
        "identity_doubt",
        "Nguyễn Thị Hà",
        {"gradebook": "gb:6a1:ha"},
        "gradebook.hoc_sinh",
        {"gradebook": "gb:6a1:ha", "vnedu": ["1800000001", "1800000008"]},
        "Chưa rõ em Nguyễn Thị Hà (6A1) trong sổ điểm là học sinh nào trên vnEdu.",
        "6A1",
        suggestion="Chọn đúng em trên vnEdu",
        detail={"candidates": candidates},
    )
    at = datetime(2026, 11, 23, 4, tzinfo=timezone.utc)
    with Session(engine) as session:
        session.add(
            DiscrepancyRow(
                id=doubt.id,
                kind=doubt.kind,
                class_code="6A1",
                record=doubt.as_json(),
                status="open",
                first_seen=at,
                last_seen=at,
            )
        )
        session.commit()
    return doubt.id


def test_a_gvcn_settles_an_identity_doubt_by_choosing_the_child_not_a_key(site):
    doubt = _identity_doubt(site.engine)
    gvcn = site.client("gvcn")
    page = gvcn.get(f"/khac-biet/{doubt}").text
    assert "Em Nguyễn Thị Hà trong sổ điểm là" in page
    assert "Nguyễn Thị Hà (6A1, sinh 05/01/2014)" in page and "Nguyễn Thị Hà (6A1, sinh 19/02/2014)" in page
    assert 'name="ung_vien" value="1800000008"' in page
    assert 'name="nguon"' not in page  # the teacher's own key is no answer to offer
    # the namesake of another class is told apart by her class: her birth date is not the 6A1 GVCN's
    assert "Nguyễn Thị Hà (6A3)" in page and "11/11/2014" not in page
    assert "Nguyễn Thị Hà (6A3, sinh 11/11/2014)" in site.client("principal").get(f"/khac-biet/{doubt}").text
    api = gvcn.get(f"/api/discrepancies/{doubt}", headers={"Authorization": f"Bearer {site.token('gvcn')}"}).json()
    assert "11/11/2014" not in str(api["candidates"])
    refused = propose(gvcn, doubt, ung_vien="1800000002", ly_do="nhầm")  # a child not listed
    assert refused.status_code == 400 and "Hãy chọn một trong các em được nêu" in refused.text
    done = propose(gvcn, doubt, ung_vien="1800000008", ly_do="giáo viên bộ môn xác nhận ngày sinh")
    assert done.status_code == 303 and status(site.engine, doubt) == "resolved"  # no approval: no score changes
    with Session(site.engine) as session:
        (step,) = session.exec(select(ResolutionRow).where(ResolutionRow.discrepancy_id == doubt)).all()
        assert step.value == {"value": "1800000008"} and step.role == "gvcn"
