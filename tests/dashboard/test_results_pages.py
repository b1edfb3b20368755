"""The results pages present what the service returns: the GVCN sees what she will confirm (the
re-test list with its subjects, summer training, titles) and confirms exactly that; a change in
between is refused in Vietnamese; the principal approves, and is refused when the data moved."""

import re

from sqlmodel import Session

from lienthong.store.tables import DiscrepancyRow
from tests.dashboard.conftest import csrf_of, make_site
from tests.results_school import change, store_school

PUPILS = [  # the dashboard's GVCN has 6A1
    ("1800000011", "Lê Văn Ánh", "6A1", "7900000011", ("T", "T", "LL", "G", "8.5", "8.0", "Đ")),
    ("1800000012", "Trần Thị Ngọc", "6A1", "7900000012", ("CĐ", "Đ", "KTL", None, "4.5", "6.0", "CĐ")),
    ("1800000013", "Phạm Minh Khôi", "6A1", "7900000013", ("Đ", "CĐ", "RLH", None, "6.0", "5.5", "Đ")),
]


def fingerprint_of(html: str, period: str) -> str:
    section = html.split(f'id="ky-{period}"', 1)[1]
    return re.search(r'name="dau_van_tay" value="([0-9a-f]{64})"', section).group(1)


def test_the_gvcn_confirms_what_she_sees_and_the_principal_approves_it(sqlite_engine):
    site = make_site(sqlite_engine)
    store_school(sqlite_engine, PUPILS)
    gvcn = site.client("gvcn")
    assert 'href="/ket-qua/lop/6A1"' in gvcn.get("/khac-biet?lop=6A1").text  # the section on her page
    page = gvcn.get("/ket-qua/lop/6A1")
    assert page.status_code == 200
    assert "Kiểm tra lại</dt><dd>Trần Thị Ngọc (Giáo dục thể chất, Toán)" in page.text
    assert "Rèn luyện hè</dt><dd>Phạm Minh Khôi" in page.text
    assert "Lê Văn Ánh: Học sinh Giỏi" in page.text
    assert "Xác nhận kết quả cả năm" in page.text
    seen = fingerprint_of(page.text, "CN")

    change(sqlite_engine, "1800000012", "CN", 2, pupils=PUPILS, len_lop="LL", kq_hoc_tap="Đ")
    form = {"csrf": csrf_of(page.text), "ky": "CN", "dau_van_tay": seen}
    stale = gvcn.post("/ket-qua/lop/6A1/xac-nhan", data=form, follow_redirects=False)
    assert stale.status_code == 409 and "vừa thay đổi so với lúc cô/thầy xem" in stale.text

    fresh = gvcn.get("/ket-qua/lop/6A1")
    form["dau_van_tay"] = fingerprint_of(fresh.text, "CN")
    done = gvcn.post("/ket-qua/lop/6A1/xac-nhan", data=form)
    assert "Đã xác nhận kết quả" in done.text and "GVCN đã xác nhận, chờ Hiệu trưởng duyệt" in done.text

    principal = site.client("principal")
    listed = principal.get("/ket-qua")
    assert "Duyệt kết quả" in listed.text and "chờ duyệt: <strong>1</strong>" in listed.text
    change(sqlite_engine, "1800000013", "CN", 2, pupils=PUPILS, len_lop="LL", kq_ren_luyen="Đ")
    csrf = csrf_of(listed.text)
    refused = principal.post("/ket-qua/duyet", data={"csrf": csrf, "lop": "6A1", "ky": "CN"})
    assert refused.status_code == 409
    assert "đã thay đổi sau khi GVCN xác nhận (1 học sinh): không duyệt được; GVCN cần xác nhận lại" in refused.text

    change(sqlite_engine, "1800000013", "CN", 3, pupils=PUPILS)  # the source is put back
    approved = principal.post("/ket-qua/duyet", data={"csrf": csrf, "lop": "6A1", "ky": "CN"})
    assert approved.status_code == 200 and "Hiệu trưởng đã duyệt (đã khoá)" in approved.text
    assert "Xác nhận kết quả cả năm" not in gvcn.get("/ket-qua/lop/6A1").text  # locked: no button


def test_the_approval_queue_asks_for_the_people_present_once_results_were_approved(sqlite_engine):
    site = make_site(sqlite_engine)
    store_school(sqlite_engine, PUPILS)
    with Session(sqlite_engine) as session:
        session.add(
            DiscrepancyRow(
                id="kqsai00000000006",
                kind="result_mismatch",
                class_code="6A1",
                record={
                    "kind": "result_mismatch",
                    "field": "csdl.cn.LenLop",
                    "semester": "CN",
                    "student": {"name": "Trần Thị Ngọc", "keys": {"vnedu": "1800000012"}},
                    "values": {"csdl": "LL", "vnedu": "KTL"},
                    "message": "Lên lớp của Trần Thị Ngọc khác nhau.",
                    "suggestion": "Đối chiếu sổ.",
                },
                status="open",
                first_seen=site.clock(),
                last_seen=site.clock(),
            )
        )
        session.commit()
    gvcn, principal = site.client("gvcn"), site.client("principal")
    page = gvcn.get("/khac-biet/kqsai00000000006")
    gvcn.post(
        "/khac-biet/kqsai00000000006/de-xuat", data={"csrf": csrf_of(page.text), "gia_tri": "KTL", "ly_do": "sổ gốc"}
    )
    queue = principal.get("/duyet").text
    assert "Người chứng kiến việc sửa" in queue and "<strong>bắt buộc</strong>" not in queue
    form = {"csrf": csrf_of(gvcn.get("/ket-qua/lop/6A1").text), "ky": "CN"}
    gvcn.post("/ket-qua/lop/6A1/xac-nhan", data=form)
    csrf = csrf_of(queue)
    principal.post("/ket-qua/duyet", data={"csrf": csrf, "lop": "6A1", "ky": "CN"})
    assert "đã được duyệt và khoá" in principal.get("/duyet").text
    principal.post("/ket-qua/mo-lai", data={"csrf": csrf, "lop": "6A1", "ky": "CN", "ly_do": "biên bản sửa"})
    assert "<strong>bắt buộc</strong>" in principal.get("/duyet").text
    missing = principal.post("/duyet", data={"csrf": csrf, "hanh_dong": "duyet:kqsai00000000006"})
    assert missing.status_code == 400 and "cần ghi người chứng kiến" in missing.text
    witnessed = {
        "csrf": csrf,
        "hanh_dong": "duyet:kqsai00000000006",
        "chung_kien_bqt:kqsai00000000006": "Vũ Thị Hà",
        "chung_kien_gvcn:kqsai00000000006": "gv.lan",  # her account
    }
    assert principal.get("/api/approvals").json()["items"][0]["witnesses"] == "required"
    ok = principal.post("/duyet", data=witnessed)
    assert ok.status_code == 200 and "Đã duyệt 1 đề xuất" in ok.text
    history = principal.get("/khac-biet/kqsai00000000006").text
    assert "Người chứng kiến: Hiệu trưởng Trần Văn Minh; Ban quản trị Vũ Thị Hà; GVCN Nguyễn Thị Lan" in history
    audit = principal.get("/nhat-ky").text
    assert "Hiệu trưởng duyệt kết quả của lớp" in audit and "Hiệu trưởng mở lại kết quả của lớp" in audit
