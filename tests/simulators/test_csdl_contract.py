"""The CSDL simulator against contracts/csdl.md: zeep from the served WSDL, every operation."""

import io
import uuid

import httpx
import pytest
import zeep
from openpyxl import load_workbook
from zeep.exceptions import Fault

from lienthong.mapping.normalize import fold
from tests.simulators.conftest import SCHOOL

YEAR = "2026-2027"


@pytest.fixture(scope="module")
def client(sims):
    return zeep.Client(f"{sims.servers['csdl'].url}/csdl?wsdl")


@pytest.fixture(scope="module")
def token(client):
    return client.service.DangNhap(MaTruong=SCHOOL, TenDangNhap="demo", MatKhau="demo").Token


def fault_code(fault: Fault) -> str:
    return fault.detail.find("{urn:moet:csdl:truonghoc:v1}LoiCSDL/{urn:moet:csdl:truonghoc:v1}MaLoi").text


def test_login_and_wrong_login(client):
    answer = client.service.DangNhap(MaTruong=SCHOOL, TenDangNhap="demo", MatKhau="demo")
    assert answer.Token and answer.HetHan.tzinfo is not None
    with pytest.raises(Fault) as caught:
        client.service.DangNhap(MaTruong=SCHOOL, TenDangNhap="demo", MatKhau="sai")
    assert fault_code(caught.value) == "SAI_DANG_NHAP" and caught.value.code.endswith("Client")


def test_expired_token(client):
    with pytest.raises(Fault) as caught:
        client.service.LayDanhSachHocSinh(Token="het-han", NamHoc=YEAR, Trang=1, SoBanGhi=10)
    assert fault_code(caught.value) == "TOKEN_HET_HAN"


def test_student_list_pages(client, token, sims):
    first = client.service.LayDanhSachHocSinh(Token=token, NamHoc=YEAR, Trang=1, SoBanGhi=100)
    total = first.TongSo
    assert total == len(sims.csdl.students)
    seen = [
        s.MaDinhDanh
        for page in range(1, -(-total // 100) + 1)
        for s in client.service.LayDanhSachHocSinh(Token=token, NamHoc=YEAR, Trang=page, SoBanGhi=100).HocSinh
    ]
    assert len(seen) == len(set(seen)) == total
    student = first.HocSinh[0]
    assert len(student.MaDinhDanh) == 10 and student.SuKien in ("NEW", "UPDATE") and student.PhienBan >= 1


def test_page_size_over_500_is_invalid(client, token):
    with pytest.raises(Fault) as caught:
        client.service.LayDanhSachHocSinh(Token=token, NamHoc=YEAR, Trang=1, SoBanGhi=501)
    assert fault_code(caught.value) == "DU_LIEU_KHONG_HOP_LE"


def test_results_of_semester_one(client, token):
    answer = client.service.LayKetQuaHocTap(Token=token, NamHoc=YEAR, HocKy="1", Trang=1, SoBanGhi=50)
    result = answer.KetQuaHocSinh[0]
    assert answer.TongSo > 0 and result.HocKy == "1"
    kinds = {("DiemTB" if m.DiemTB is not None else "KetQuaDanhGia") for m in result.Mon}
    assert kinds == {"DiemTB", "KetQuaDanhGia"}
    assert all(m.DiemTB == m.DiemTB.quantize(m.DiemTB.__class__("0.1")) for m in result.Mon if m.DiemTB is not None)


def test_lock_status(client, token):
    locks = client.service.LayTrangThaiKhoa(Token=token, NamHoc=YEAR)
    state = {(k.HocKy, k.LoaiDuLieu): k.DangKhoa for k in locks}
    assert state[("1", "KETQUA")] is False and state[("2", "KETQUA")] is True
    assert len(locks) == 6


def new_student(client, **changes):
    fields = dict(
        HoTen="Trần Thị Thuý",
        NgaySinh="2014-03-02",
        GioiTinh="2",
        MaDanToc="01",
        MaLop="7A1",
        TrangThai="2",
        SuKien="NEW",
        PhienBan=1,
    )
    fields.update(changes)
    return client.get_type("{urn:moet:csdl:truonghoc:v1}HocSinh")(**fields)


def test_new_student_gets_an_id_and_the_transaction_is_idempotent(client, token, sims):
    key = str(uuid.uuid4())
    before = sims.csdl.writes.as_dict()["total"]
    [result] = client.service.CapNhatHocSinh(Token=token, MaGiaoDich=key, HocSinh=[new_student(client)])
    assert (result.MaLoi, result.Khoa) == ("0", "1") and len(result.MaDinhDanh) == 10
    [again] = client.service.CapNhatHocSinh(Token=token, MaGiaoDich=key, HocSinh=[new_student(client)])
    assert again.MaDinhDanh == result.MaDinhDanh
    assert sims.csdl.writes.as_dict()["total"] == before + 1


def test_update_needs_a_newer_version(client, token):
    current = client.service.LayDanhSachHocSinh(Token=token, NamHoc=YEAR, Trang=1, SoBanGhi=1).HocSinh[0]
    stale = new_student(
        client, MaDinhDanh=current.MaDinhDanh, HoTen=current.HoTen, SuKien="UPDATE", PhienBan=current.PhienBan
    )
    newer = new_student(
        client,
        MaDinhDanh=current.MaDinhDanh,
        HoTen=current.HoTen,
        SuKien="UPDATE",
        PhienBan=current.PhienBan + 1,
        MaLop=current.MaLop,
    )
    missing = new_student(client, MaDinhDanh="7900000000", SuKien="UPDATE", PhienBan=9)
    bad = new_student(client, GioiTinh="3")
    results = client.service.CapNhatHocSinh(
        Token=token, MaGiaoDich=str(uuid.uuid4()), HocSinh=[stale, newer, missing, bad]
    )
    assert [r.MaLoi for r in results] == ["PHIEN_BAN_CU", "0", "KHONG_TON_TAI", "SAI_DINH_DANG"]
    assert results[3].Khoa == "4"  # a new student is reported by its row number


def test_duplicate_personal_id_is_trung_ma(client, token):
    current = client.service.LayDanhSachHocSinh(Token=token, NamHoc=YEAR, Trang=1, SoBanGhi=20).HocSinh
    personal = next(s.SoDinhDanhCaNhan for s in current if s.SoDinhDanhCaNhan)
    [result] = client.service.CapNhatHocSinh(
        Token=token, MaGiaoDich=str(uuid.uuid4()), HocSinh=[new_student(client, SoDinhDanhCaNhan=personal)]
    )
    assert result.MaLoi == "TRUNG_MA"


def result_record(client, token, **changes):
    current = client.service.LayKetQuaHocTap(Token=token, NamHoc=YEAR, HocKy="1", Trang=1, SoBanGhi=1).KetQuaHocSinh[0]
    record = client.get_type("{urn:moet:csdl:truonghoc:v1}KetQuaHocSinh")(
        MaDinhDanh=current.MaDinhDanh,
        HocKy="1",
        Mon=current.Mon,
        KetQuaHocTap="K",
        KetQuaRenLuyen="T",
        SoBuoiNghiCoPhep=1,
        SoBuoiNghiKhongPhep=0,
        SuKien="UPDATE",
        PhienBan=current.PhienBan + 1,
    )
    for name, value in changes.items():
        setattr(record, name, value)
    return record


def test_results_update_and_lock(client, token, sims):
    [ok] = client.service.CapNhatKetQuaHocTap(
        Token=token, MaGiaoDich=str(uuid.uuid4()), KetQuaHocSinh=[result_record(client, token)]
    )
    assert ok.MaLoi == "0"
    httpx.put(f"{sims.servers['csdl'].url}/_sim/khoa", json={"hoc_ky": "1", "loai": "KETQUA", "dang_khoa": True})
    try:
        [locked] = client.service.CapNhatKetQuaHocTap(
            Token=token, MaGiaoDich=str(uuid.uuid4()), KetQuaHocSinh=[result_record(client, token)]
        )
        assert locked.MaLoi == "DANG_KHOA"
    finally:
        httpx.put(f"{sims.servers['csdl'].url}/_sim/khoa", json={"hoc_ky": "1", "loai": "KETQUA", "dang_khoa": None})


def test_result_with_an_out_of_range_average_is_refused(client, token):
    record = result_record(client, token)
    subject = next(m for m in record.Mon if m.DiemTB is not None)
    subject.DiemTB = subject.DiemTB.__class__("11.0")
    [result] = client.service.CapNhatKetQuaHocTap(Token=token, MaGiaoDich=str(uuid.uuid4()), KetQuaHocSinh=[record])
    assert result.MaLoi == "SAI_DINH_DANG"


HOSTILE = [
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    b'<DangNhap xmlns="urn:moet:csdl:truonghoc:v1"><MaTruong>&xxe;</MaTruong></DangNhap></soap:Body></soap:Envelope>',
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><soap:Envelope '
    b'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&lol3;</soap:Body></soap:Envelope>',
    b"this is not xml",
    b"<Envelope><Body><DangNhap/></Body></Envelope>",
]


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_or_malformed_xml_is_a_client_fault(sims, payload):
    answer = httpx.post(
        f"{sims.servers['csdl'].url}/csdl", content=payload, headers={"Content-Type": "text/xml; charset=utf-8"}
    )
    assert answer.status_code == 500
    assert b"DU_LIEU_KHONG_HOP_LE" in answer.content and b"root:" not in answer.content


def header_row(sheet) -> tuple[int, list[str]]:
    for number, row in enumerate(sheet.iter_rows(max_row=12, values_only=True), start=1):
        folded = [fold(str(v)) if v is not None else "" for v in row]
        if "stt" in folded and "ho ten" in folded:
            return number, folded
    raise AssertionError("no header in the first 12 rows")


@pytest.mark.parametrize(("version", "id_header"), [(1, "ma hoc sinh"), (2, "ma dinh danh bo gd&dt")])
def test_excel_student_list_has_the_ministry_quirks(sims, version, id_header):
    answer = httpx.get(f"{sims.servers['csdl'].url}/csdl/excel/danh-sach-hoc-sinh", params={"mau": version})
    workbook = load_workbook(io.BytesIO(answer.content))
    assert len(workbook.sheetnames) >= 12 and workbook.sheetnames[0] == "Sheet1"
    number, header = header_row(workbook["Sheet1"])
    assert 1 < number <= 12 and id_header in header and "tinh hsd" in header
    raw = [c.value for c in workbook["Sheet1"][number]]
    assert any("\n" in str(v) for v in raw)  # line breaks inside header cells
    personal = header.index("so dinh danh ca nhan")
    values = [row[personal] for row in workbook["Sheet1"].iter_rows(min_row=number + 1, values_only=True)]
    numeric = [v for v in values if isinstance(v, int)]  # typed as numbers: the leading zero is lost
    assert len(numeric) == len(sims.csdl.numeric_ids) > 0 and all(len(str(v)) == 11 for v in numeric)
    assert all(len(str(v)) == 12 for v in values if isinstance(v, str))
