"""The CSDL contract's fault table, rule by rule, with respx (no sockets, no waiting)."""

import asyncio

import httpx
import pytest
import respx
from pydantic import SecretStr

from lienthong.connectors.base import PushOutcome
from lienthong.connectors.csdl.soap import CsdlConfig, CsdlSoap
from lienthong.connectors.errors import AuthError, LockedError, PermanentError, TransientError
from lienthong.connectors.http import RateLimiter, RetryPolicy

URL = "https://csdl.test/csdl"
NS = "urn:moet:csdl:truonghoc:v1"


def envelope(body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        f"<soap:Body>{body}</soap:Body></soap:Envelope>"
    ).encode()


def fault(code: str, side: str = "Client") -> httpx.Response:
    return httpx.Response(
        500,
        content=envelope(
            f"<soap:Fault><faultcode>soap:{side}</faultcode><faultstring>lỗi {code}</faultstring><detail>"
            f'<LoiCSDL xmlns="{NS}"><MaLoi>{code}</MaLoi><MoTa>lỗi {code}</MoTa></LoiCSDL></detail></soap:Fault>'
        ),
        headers={"Content-Type": "text/xml"},
    )


LOGIN = httpx.Response(
    200,
    content=envelope(
        f'<DangNhapResponse xmlns="{NS}"><Token>tok</Token>'
        "<HetHan>2026-11-23T11:00:00+07:00</HetHan></DangNhapResponse>"
    ),
)
LOCKS = httpx.Response(
    200,
    content=envelope(
        f'<LayTrangThaiKhoaResponse xmlns="{NS}"><Khoa><HocKy>1</HocKy><LoaiDuLieu>KETQUA</LoaiDuLieu>'
        f"<DangKhoa>false</DangKhoa><MoTu>2026-09-05T00:00:00+07:00</MoTu><KhoaTu>2027-01-16T00:00:00+07:00</KhoaTu>"
        f"</Khoa></LayTrangThaiKhoaResponse>"
    ),
)


def operation(request: httpx.Request) -> str:
    return request.headers.get("SOAPAction", "").strip('"').rsplit("/", 1)[-1]


def scripted(answers: dict[str, list]):
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        name = operation(request)
        calls.append(name)
        queue = answers[name]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler, calls


class NoWait:
    def __init__(self):
        self.waits = []

    async def __call__(self, seconds):
        self.waits.append(seconds)


def run(answers: dict, coro_of, attempts: int = 5):
    handler, calls = scripted(answers)
    config = CsdlConfig(URL, "79000701", "demo", SecretStr("bi-mat"), "2026-2027")
    sleep = NoWait()

    async def main():
        with respx.mock() as router:
            router.post(URL).mock(side_effect=handler)
            async with CsdlSoap(
                config,
                policy=RetryPolicy(attempts=attempts, initial=0.01, maximum=0.02),
                sleep=sleep,
                limiter=RateLimiter(0),
            ) as connector:
                return await coro_of(connector)

    return asyncio.run(main()), calls, sleep


def test_expired_session_logs_in_again_once_and_repeats():
    result, calls, _ = run(
        {"DangNhap": [LOGIN], "LayTrangThaiKhoa": [fault("TOKEN_HET_HAN"), LOCKS]}, lambda c: c.lock_windows()
    )
    assert len(result) == 1 and calls == ["DangNhap", "LayTrangThaiKhoa", "DangNhap", "LayTrangThaiKhoa"]


def test_session_that_keeps_expiring_stops():
    with pytest.raises(AuthError):
        run({"DangNhap": [LOGIN], "LayTrangThaiKhoa": [fault("TOKEN_HET_HAN")]}, lambda c: c.lock_windows())


def test_wrong_login_stops_at_once_naming_the_setting():
    with pytest.raises(AuthError) as caught:
        run({"DangNhap": [fault("SAI_DANG_NHAP")]}, lambda c: c.lock_windows())
    assert "LIENTHONG_CSDL_PASSWORD" in caught.value.message and "bi-mat" not in str(caught.value)


def test_overload_is_retried_after_backoff():
    result, calls, sleep = run(
        {"DangNhap": [LOGIN], "LayTrangThaiKhoa": [fault("QUA_TAI", "Server"), LOCKS]}, lambda c: c.lock_windows()
    )
    assert len(result) == 1 and len(sleep.waits) == 1


@pytest.mark.parametrize(
    "broken",
    [
        httpx.Response(503, content=b"Service Unavailable"),
        httpx.Response(200, content=b"<html>proxy error</html>"),
        httpx.Response(200, content=envelope("<LayTrangThaiKhoaRes")),
    ],
)
def test_5xx_and_bodies_that_are_not_soap_are_transient(broken):
    result, _, _ = run({"DangNhap": [LOGIN], "LayTrangThaiKhoa": [broken, LOCKS]}, lambda c: c.lock_windows())
    assert len(result) == 1


def test_locked_data_is_not_retried():
    with pytest.raises(LockedError):
        run({"DangNhap": [LOGIN], "LayTrangThaiKhoa": [fault("DANG_KHOA")]}, lambda c: c.lock_windows())


def test_invalid_request_is_not_retried():
    with pytest.raises(PermanentError):
        run({"DangNhap": [LOGIN], "LayTrangThaiKhoa": [fault("DU_LIEU_KHONG_HOP_LE")]}, lambda c: c.lock_windows())


def test_per_record_codes_become_push_outcomes():
    answer = httpx.Response(
        200,
        content=envelope(
            f'<CapNhatHocSinhResponse xmlns="{NS}">'
            + "".join(
                f"<KetQua><Khoa>{k}</Khoa><MaLoi>{c}</MaLoi><MoTa>{c}</MoTa>{extra}</KetQua>"
                for k, c, extra in [
                    ("1", "0", "<MaDinhDanh>7900000001</MaDinhDanh>"),
                    ("7911111111", "PHIEN_BAN_CU", ""),
                    ("7922222222", "DANG_KHOA", ""),
                    ("4", "TRUNG_MA", ""),
                    ("7933333333", "KHONG_TON_TAI", ""),
                    ("6", "SAI_DINH_DANG", ""),
                ]
            )
            + "</CapNhatHocSinhResponse>"
        ),
    )
    student = dict(
        HoTen="Lê An",
        NgaySinh="2014-01-02",
        GioiTinh="1",
        MaDanToc="01",
        MaLop="7A1",
        TrangThai="1",
        SuKien="NEW",
        PhienBan=1,
    )
    results, _, _ = run(
        {"DangNhap": [LOGIN], "CapNhatHocSinh": [answer]}, lambda c: c.push("hoc_sinh", [student] * 6, "giao-dich-1")
    )
    assert [r.outcome for r in results] == [
        PushOutcome.APPLIED,
        PushOutcome.CONFLICT,
        PushOutcome.LOCKED,
        PushOutcome.INVALID,
        PushOutcome.NOT_FOUND,
        PushOutcome.INVALID,
    ]
    assert results[0].issued_key == "7900000001"


def test_fewer_results_than_records_is_never_applied():
    answer = httpx.Response(200, content=envelope(f'<CapNhatHocSinhResponse xmlns="{NS}"></CapNhatHocSinhResponse>'))
    student = dict(
        HoTen="Lê An",
        NgaySinh="2014-01-02",
        GioiTinh="1",
        MaDanToc="01",
        MaLop="7A1",
        TrangThai="1",
        SuKien="NEW",
        PhienBan=1,
    )
    with pytest.raises(TransientError):
        run({"DangNhap": [LOGIN], "CapNhatHocSinh": [answer]}, lambda c: c.push("hoc_sinh", [student], "k"), attempts=2)
