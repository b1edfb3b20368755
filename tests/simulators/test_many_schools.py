"""One vnEdu, one CSDL and one portal serving many schools, as a province's are: each school's data
behind its own code, vnEdu's limit counted per partner client across all the schools it serves, a
portal key good for its own school only, a CSDL session that reaches its own school's records only
(another's password is SAI_DANG_NHAP, another's student KHONG_TON_TAI), and the writes counted per
school."""

from __future__ import annotations

import uuid

import httpx
import pytest
import zeep
from zeep.exceptions import Fault

from lienthong.simulators.server import ManySchools, csdl_login
from lienthong.simulators.views import Rates
from tests.simulators.conftest import TODAY, pinned

A, B = "79010001", "79010002"


@pytest.fixture(scope="module")
def province():
    running = ManySchools.create(
        3,
        students=12,
        today=TODAY,
        clock=pinned,
        rates=Rates(**{k: 0.0 for k in Rates.__dataclass_fields__}),
        rate_limit=0,
        clients={"doi-tac-1": "bi-mat-1", "doi-tac-2": "bi-mat-2"},
    ).start()
    yield running
    running.stop()


def token(province: ManySchools, school: str, client: str = "doi-tac-1", secret: str = "bi-mat-1") -> str:
    answer = httpx.post(
        f"{province.url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client,
            "client_secret": secret,
            "scope": f"school:{school}",
        },
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def students(province: ManySchools, school: str, bearer: str) -> httpx.Response:
    return httpx.get(
        f"{province.url}/api/v1/truong/{school}/hoc-sinh",
        params={"nam_hoc": 2026},
        headers={"Authorization": f"Bearer {bearer}"},
    )


def test_each_school_sees_its_own_students(province):
    seen = {}
    for school in (A, B):
        answer = students(province, school, token(province, school))
        assert answer.status_code == 200
        seen[school] = {s["ma_hoc_sinh"] for s in answer.json()["items"]}
        assert seen[school] == set(province.state(school).students)
    assert len(seen[A]) == 12 and seen[A] != seen[B]


def test_a_token_is_for_one_school_and_an_unknown_school_is_not_found(province):
    assert students(province, B, token(province, A)).status_code == 403
    assert students(province, "79019999", token(province, "79019999")).status_code == 404
    wrong = httpx.post(
        f"{province.url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "doi-tac-1",
            "client_secret": "bi-mat-2",
            "scope": f"school:{A}",
        },
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"


def test_the_limit_is_per_client_across_its_schools_and_measured(province):
    province.platform.rate_limit = 10
    try:
        one = {school: token(province, school) for school in (A, B)}
        other = token(province, A, "doi-tac-2", "bi-mat-2")
        answers = [students(province, school, one[school]) for _ in range(6) for school in (A, B)]
        separate = students(province, A, other)
    finally:
        province.platform.rate_limit = 0
    assert [a.status_code for a in answers].count(429) >= 1  # 12 requests of one client over two schools
    assert separate.status_code == 200  # another client counts on its own
    rates = province.platform.rates()
    assert rates["doi-tac-1"]["max_per_second"] >= 11 and rates["doi-tac-1"]["limited"] >= 1
    assert rates["doi-tac-2"]["limited"] == 0


def reports(province: ManySchools, key: str, school: str) -> httpx.Response:
    assert province.portal_server is not None
    return httpx.get(
        f"{province.portal_server.url}/api/v1/yeu-cau-bao-cao",
        params={"ma_truong": school, "ma_tinh": "79", "ma_xa": "26734", "nam_hoc": "2026-2027"},
        headers={"X-Api-Key": key},
    )


def test_a_portal_key_serves_its_own_school_only(province):
    mine = reports(province, f"khoa-{A}", A)
    assert mine.status_code == 200 and mine.json()  # the year's requests, with deadlines
    assert reports(province, f"khoa-{B}", B).status_code == 200
    assert reports(province, f"khoa-{A}", B).status_code == 403  # another school's key
    assert reports(province, "khoa-sai", A).status_code == 401
    assert reports(province, f"khoa-{A}", "7901").status_code == 400


# --- the CSDL: each school signs in with its own code and password ---------------------------------

NS = "{urn:moet:csdl:truonghoc:v1}"


@pytest.fixture(scope="module")
def ministry(province):
    return zeep.Client(f"{province.csdl_endpoint}?wsdl")


def csdl_token(ministry, school: str, login: tuple[str, str] | None = None) -> str:
    user, password = login or csdl_login(school)
    return ministry.service.DangNhap(MaTruong=school, TenDangNhap=user, MatKhau=password).Token


def csdl_fault(call) -> str:
    with pytest.raises(Fault) as caught:
        call()
    return caught.value.detail.find(f"{NS}LoiCSDL/{NS}MaLoi").text


def csdl_students(ministry, token: str) -> set[str]:
    answer = ministry.service.LayDanhSachHocSinh(Token=token, NamHoc="2026-2027", Trang=1, SoBanGhi=500)
    return {s.MaDinhDanh for s in answer.HocSinh}


def test_each_school_reads_its_own_csdl_records(province, ministry):
    seen = {school: csdl_students(ministry, csdl_token(ministry, school)) for school in (A, B)}
    for school in (A, B):
        assert seen[school] == set(province.csdl_state(school).students) and len(seen[school]) >= 10
    assert not seen[A] & seen[B]


def test_a_school_cannot_sign_in_as_another(ministry):
    assert csdl_fault(lambda: csdl_token(ministry, A, csdl_login(B))) == "SAI_DANG_NHAP"  # B's password, A's code
    assert csdl_fault(lambda: csdl_token(ministry, "79019999", csdl_login(A))) == "SAI_DANG_NHAP"  # not a school


def test_a_school_cannot_write_another_schools_student(province, ministry):
    other = province.csdl_state(B)
    mid, theirs = next(iter(sorted(other.students.items())))
    before = (dict(theirs), other.writes.as_dict(), province.csdl_state(A).writes.as_dict())
    record = ministry.get_type(f"{NS}HocSinh")(
        MaDinhDanh=mid,
        HoTen="Tên bị sửa",
        NgaySinh=theirs["NgaySinh"],
        GioiTinh=theirs["GioiTinh"],
        MaDanToc=theirs["MaDanToc"],
        MaLop=theirs["MaLop"],
        TrangThai=theirs["TrangThai"],
        SuKien="UPDATE",
        PhienBan=int(theirs["PhienBan"]) + 1,
    )
    province.csdl_state(A).forced_locks[(province.csdl_state(A).school.current_semester, "HOCSINH")] = False
    [answer] = ministry.service.CapNhatHocSinh(
        Token=csdl_token(ministry, A), MaGiaoDich=str(uuid.uuid4()), HocSinh=[record]
    )
    assert (answer.Khoa, answer.MaLoi) == (mid, "KHONG_TON_TAI")
    assert (other.students[mid], other.writes.as_dict(), province.csdl_state(A).writes.as_dict()) == before
    [mine] = ministry.service.CapNhatHocSinh(
        Token=csdl_token(ministry, B), MaGiaoDich=str(uuid.uuid4()), HocSinh=[record]
    )
    assert mine.MaLoi == "0" and other.students[mid]["HoTen"] == "Tên bị sửa"  # the same record, by its school
    assert province.csdl.writes_as_dict()["by_key"] == {f"{B}:hoc_sinh:{mid}": 1}
