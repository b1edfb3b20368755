"""The vnEdu simulator against contracts/vnedu.md, over real HTTP with httpx."""

import unicodedata
import uuid

import httpx
import pytest

from tests.simulators.conftest import SCHOOL, vnedu_token

YEAR = 2026  # a school year is named by its starting year


def pull_all(client: httpx.Client, path: str, **params) -> tuple[list[dict], int]:
    items, cursor, requests = [], None, 0
    while True:
        answer = client.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        requests += 1
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items, requests


def put(client, path, items, key=None):
    return client.put(path, json={"items": items}, headers={"Idempotency-Key": key or str(uuid.uuid4())})


def writes(sims) -> int:
    return httpx.get(f"{sims.servers['vnedu'].url}/_sim/writes").json()["total"]


# --- authentication -----------------------------------------------------------------------------


def test_token_is_bearer_for_900_seconds(sims):
    answer = vnedu_token(sims.servers["vnedu"].url)
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "Bearer" and answer.json()["expires_in"] == 900


def test_wrong_secret_is_invalid_client(sims):
    answer = vnedu_token(sims.servers["vnedu"].url, secret="wrong")
    assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client")


def test_missing_or_bad_token_is_invalid_token(sims):
    base = f"{sims.servers['vnedu'].url}/api/v1/truong/{SCHOOL}/lop"
    for headers in ({}, {"Authorization": "Bearer nope"}):
        answer = httpx.get(base, params={"nam_hoc": YEAR}, headers=headers)
        assert (answer.status_code, answer.json()["error"]) == (401, "invalid_token")


def test_scope_of_another_school_is_forbidden(sims):
    base = sims.servers["vnedu"].url
    token = vnedu_token(base, school="79000999").json()["access_token"]
    answer = httpx.get(
        f"{base}/api/v1/truong/{SCHOOL}/lop", params={"nam_hoc": YEAR}, headers={"Authorization": f"Bearer {token}"}
    )
    assert (answer.status_code, answer.json()["error"]) == (403, "forbidden")


def test_unknown_school_is_not_found(sims):
    base = sims.servers["vnedu"].url
    token = vnedu_token(base, school="79000999").json()["access_token"]
    answer = httpx.get(
        f"{base}/api/v1/truong/79000999/lop", params={"nam_hoc": YEAR}, headers={"Authorization": f"Bearer {token}"}
    )
    assert (answer.status_code, answer.json()["error"]) == (404, "not_found")


# --- reads --------------------------------------------------------------------------------------


def test_classes(vnedu):
    items = vnedu.get("/lop", params={"nam_hoc": YEAR}).json()["items"]
    assert {c["khoi"] for c in items} == {6, 7, 8, 9}
    assert set(items[0]) == {"ma_lop", "ten_lop", "khoi", "gvcn_ma_gv", "gvcn_ho_ten"}


def test_full_student_pull_pages_without_loss_or_duplicates(vnedu, sims):
    items, requests = pull_all(vnedu, "/hoc-sinh", nam_hoc=YEAR, limit=50)
    keys = [s["ma_hoc_sinh"] for s in items]
    assert len(keys) == len(set(keys)) == len(sims.vnedu.students)
    assert requests == -(-len(keys) // 50)  # ceil: no empty trailing page
    student = items[0]
    assert len(student["ma_hoc_sinh"]) == 10 and student["ngay_sinh"][2] == "/"
    assert student["gioi_tinh"] in ("Nam", "Nữ") and isinstance(student["version"], int)


def test_some_names_arrive_in_nfd(vnedu):
    items, _ = pull_all(vnedu, "/hoc-sinh", nam_hoc=YEAR, limit=500)
    nfd = sum(not unicodedata.is_normalized("NFC", s["ho_ten"]) for s in items)
    assert 0.2 < nfd / len(items) < 0.4


def test_updated_since_is_inclusive(vnedu):
    items, _ = pull_all(vnedu, "/hoc-sinh", nam_hoc=YEAR, limit=500)
    stamps = sorted(s["updated_at"] for s in items)
    boundary = stamps[len(stamps) // 2]
    since, _ = pull_all(vnedu, "/hoc-sinh", nam_hoc=YEAR, updated_since=boundary, limit=7)
    expected = {s["ma_hoc_sinh"] for s in items if s["updated_at"] >= boundary}
    assert {s["ma_hoc_sinh"] for s in since} == expected
    assert sum(s["updated_at"] == boundary for s in items) >= 1  # the boundary record itself comes back


def test_scores_of_a_class_and_subject(vnedu):
    items, _ = pull_all(vnedu, "/diem", nam_hoc=YEAR, hoc_ky=1, ma_lop="6A1", ma_mon="TOAN")
    assert items and all(i["ma_mon"] == "TOAN" and i["hoc_ky"] == 1 for i in items)
    assert all(isinstance(i["ddg_tx"], list) and len(i["ddg_tx"]) <= 4 for i in items)


def test_comment_subjects_hold_marks(vnedu):
    items, _ = pull_all(vnedu, "/diem", nam_hoc=YEAR, hoc_ky=1, ma_mon="GDTC", limit=500)
    values = [v for i in items for v in (*i["ddg_tx"], i["ddg_gk"], i["ddg_ck"]) if v is not None]
    assert sum(v in ("Đ", "CĐ") for v in values) / len(values) > 0.99


def test_year_training_is_derived(vnedu):
    semester = {i["ma_hoc_sinh"]: i for i in pull_all(vnedu, "/hanh-kiem", nam_hoc=YEAR, hoc_ky=1)[0]}
    assert semester and all(i["ket_qua_ren_luyen"] in ("T", "K", "Đ", "CĐ") for i in semester.values())


def test_lock_windows(vnedu):
    items = vnedu.get("/khoa-so", params={"nam_hoc": YEAR}).json()["items"]
    open_now = {(w["hoc_ky"], w["loai"]) for w in items if not w["dang_khoa"]}
    assert (1, "diem") in open_now and (2, "diem") not in open_now
    assert {"hoc_ky", "loai", "mo_tu", "khoa_tu", "dang_khoa"} <= set(items[0])


@pytest.mark.parametrize(
    ("params", "status", "error"),
    [
        ({}, 422, "validation_error"),  # nam_hoc missing
        ({"nam_hoc": YEAR, "limit": 501}, 422, "validation_error"),
        ({"nam_hoc": YEAR, "ma_lop": "6Z9"}, 404, "not_found"),
        ({"nam_hoc": YEAR, "cursor": "not-a-cursor"}, 400, "bad_request"),
        ({"nam_hoc": YEAR, "updated_since": "yesterday"}, 422, "validation_error"),
    ],
)
def test_bad_reads(vnedu, params, status, error):
    answer = vnedu.get("/hoc-sinh", params=params)
    assert (answer.status_code, answer.json()["error"]) == (status, error)
    assert answer.json()["message"]


# --- writes -------------------------------------------------------------------------------------


def a_sheet(vnedu, subject="TOAN", semester=1):
    items = vnedu.get("/diem", params={"nam_hoc": YEAR, "hoc_ky": semester, "ma_mon": subject, "limit": 1}).json()[
        "items"
    ]
    return dict(items[0])


def test_push_applies_then_replay_changes_nothing(vnedu, sims):
    sheet = a_sheet(vnedu)
    sheet["ddg_gk"] = "9,5" if sheet["ddg_gk"] != "9,5" else "9"
    key = str(uuid.uuid4())
    before = writes(sims)
    first = put(vnedu, "/diem", [sheet], key)
    assert first.status_code == 200
    [result] = first.json()["items"]
    assert result["status"] == "applied" and result["version"] == sheet["version"] + 1
    again = put(vnedu, "/diem", [sheet], key)
    assert again.json() == first.json()
    assert writes(sims) == before + 1
    reused = put(vnedu, "/diem", [dict(sheet, ddg_ck="1")], key)
    assert (reused.status_code, reused.json()["error"]) == (422, "idempotency_key_reuse")


def test_stale_version_is_a_conflict_with_the_current_version(vnedu):
    sheet = a_sheet(vnedu, "VAN")
    current = sheet["version"]
    sheet.update(ddg_ck="3", version=current - 1)
    [result] = put(vnedu, "/diem", [sheet]).json()["items"]
    assert (result["status"], result["version"]) == ("conflict", current)


def test_same_values_are_unchanged(vnedu):
    [result] = put(vnedu, "/diem", [a_sheet(vnedu, "NN1")]).json()["items"]
    assert result["status"] == "unchanged"


def test_per_item_outcomes_in_the_order_sent(vnedu):
    good = a_sheet(vnedu, "KHTN")
    good["ddg_gk"] = "7" if good["ddg_gk"] != "7" else "8"
    eleven = dict(a_sheet(vnedu, "LSDL"), ddg_gk="11")
    mark_in_score = dict(a_sheet(vnedu, "TIN"), ddg_ck="Đ")
    unknown = dict(good, ma_hoc_sinh="1999999999", version=0)
    answer = put(vnedu, "/diem", [good, eleven, mark_in_score, unknown])
    assert answer.status_code == 200
    statuses = [r["status"] for r in answer.json()["items"]]
    assert statuses == ["applied", "invalid", "invalid", "not_found"]
    assert "10" in answer.json()["items"][1]["message"]  # says why, in Vietnamese


def test_locked_window_refuses_per_item(vnedu, sims):
    control = f"{sims.servers['vnedu'].url}/_sim/khoa-so"
    httpx.put(control, json={"hoc_ky": 1, "loai": "diem", "dang_khoa": True})
    try:
        sheet = a_sheet(vnedu, "GDCD")
        sheet["ddg_gk"] = "2" if sheet["ddg_gk"] != "2" else "3"
        [result] = put(vnedu, "/diem", [sheet]).json()["items"]
        assert result["status"] == "locked"
    finally:
        httpx.put(control, json={"hoc_ky": 1, "loai": "diem", "dang_khoa": None})


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"{not json", 400, "bad_request"),
        (b'{"rows": []}', 422, "validation_error"),
        (b'{"items": [{"ma_hoc_sinh": "1"}]}', 422, "validation_error"),
    ],
)
def test_malformed_bodies(vnedu, body, status, error):
    answer = vnedu.put(
        "/diem", content=body, headers={"Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/json"}
    )
    assert (answer.status_code, answer.json()["error"]) == (status, error)


def test_more_than_200_scores_is_refused(vnedu):
    sheet = a_sheet(vnedu)
    answer = put(vnedu, "/diem", [sheet] * 201)
    assert (answer.status_code, answer.json()["error"]) == (422, "validation_error")


def test_missing_idempotency_key(vnedu):
    answer = vnedu.put("/diem", json={"items": [a_sheet(vnedu)]})
    assert (answer.status_code, answer.json()["error"]) == (400, "bad_request")


def test_absence_added_then_deleted(vnedu):
    student = vnedu.get("/hoc-sinh", params={"nam_hoc": YEAR, "limit": 1}).json()["items"][0]["ma_hoc_sinh"]
    absence = {"ma_hoc_sinh": student, "ngay": "20/11/2026", "buoi": "C", "loai": "P", "ly_do": "Ốm", "version": 0}
    [added] = put(vnedu, "/diem-danh", [absence]).json()["items"]
    assert added["status"] == "applied"
    [deleted] = put(vnedu, "/diem-danh", [dict(absence, loai=None, version=added["version"])]).json()["items"]
    assert deleted["status"] == "applied"
    seen, _ = pull_all(vnedu, "/diem-danh", tu_ngay="20/11/2026", den_ngay="20/11/2026")
    assert any(a["ma_hoc_sinh"] == student and a["loai"] is None for a in seen)


def test_rate_limit_answers_429_with_retry_after(sims):
    sims.vnedu.rate_limit = 10
    try:
        base = sims.servers["vnedu"].url
        token = vnedu_token(base).json()["access_token"]
        answers = [
            httpx.get(
                f"{base}/api/v1/truong/{SCHOOL}/lop",
                params={"nam_hoc": YEAR},
                headers={"Authorization": f"Bearer {token}"},
            )
            for _ in range(15)
        ]
    finally:
        sims.vnedu.rate_limit = 0
    limited = [a for a in answers if a.status_code == 429]
    assert limited and limited[0].json()["error"] == "rate_limited"
    assert int(limited[0].headers["Retry-After"]) >= 1


def test_a_write_while_the_sorted_view_is_built_is_seen_by_the_next_pull():
    """The crash test's race, made certain: a killed client's request is still being served
    (its view of the scores sorted by time being built) while the test clears a score and bumps
    the revision. The next pull must find the cleared score at its new time, else an
    ``updated_since`` read skips it for good and the score is never written back."""
    from types import SimpleNamespace

    from lienthong.simulators.vnedu import _sorted

    state = SimpleNamespace(revision=0, sorted_cache={})
    first, second = (
        {"k": "a", "updated_at": "2026-11-23T10:00:01+07:00"},
        {"k": "b", "updated_at": "2026-11-23T10:00:02+07:00"},
    )

    class WrittenMidway(dict):
        def values(self):
            yield first  # read at its old time ...
            first["updated_at"] = "2026-11-23T10:00:09+07:00"  # ... then written by another thread
            state.revision += 1
            yield second

    _sorted(state, "diem", WrittenMidway(a=first, b=second), lambda i: i["k"])
    rows = _sorted(state, "diem", {"a": first, "b": second}, lambda i: i["k"])
    assert [key for _, key, _ in rows] == ["b", "a"]
    assert rows[-1][0].isoformat() == "2026-11-23T10:00:09+07:00"
