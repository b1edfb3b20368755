"""The portal contract's rules with respx: auth, retry, approval lock, polling and refusals."""

import asyncio

import httpx
import pytest
import respx
from pydantic import SecretStr

from lienthong.connectors.base import PushOutcome
from lienthong.connectors.errors import AuthError
from lienthong.connectors.http import RateLimiter, RetryPolicy
from lienthong.connectors.portal.api import PortalApi, PortalConfig
from lienthong.reconciliation.portal_reports import attendance_report

BASE = "https://portal.test/api/v1"


class NoWait:
    def __init__(self):
        self.waits = []

    async def __call__(self, seconds):
        self.waits.append(seconds)


def connector(sleep=None) -> PortalApi:
    config = PortalConfig(
        "https://portal.test", SecretStr("khoa-bi-mat"), "79000701", "79", "26734", "2026-2027", poll_every=2.0
    )
    return PortalApi(
        config,
        policy=RetryPolicy(attempts=4, initial=0.01, maximum=0.02),
        sleep=sleep or NoWait(),
        limiter=RateLimiter(0),
    )


def report() -> dict:
    built = attendance_report({"6A1": (42, 3, 1, 0)})
    return {"ma_yeu_cau": "YC1", "tep": built.workbook("x"), "tom_tat": built.summary()}


def test_submission_polls_until_checked_and_sends_codes_key_and_summary():
    sleep = NoWait()
    with respx.mock() as router:
        submit = router.post(f"{BASE}/yeu-cau-bao-cao/YC1/nop").mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "3"}),
                httpx.Response(202, json={"ma_lan_nop": "LN1"}),
            ]
        )
        router.get(f"{BASE}/lan-nop/LN1").mock(
            side_effect=[
                httpx.Response(
                    200, json={"trang_thai": "dang_xu_ly", "nop_luc": "2026-11-23T10:00:00+07:00", "loi": []}
                ),
                httpx.Response(
                    200, json={"trang_thai": "chap_nhan", "nop_luc": "2026-11-23T10:00:00+07:00", "loi": []}
                ),
            ]
        )
        [result] = asyncio.run(connector(sleep).push("bao_cao", [report()], "key-1"))
    assert result.outcome is PushOutcome.APPLIED and result.issued_key == "LN1"
    request = submit.calls[-1].request
    assert request.headers["Idempotency-Key"] == "key-1" and request.headers["X-Api-Key"] == "khoa-bi-mat"
    assert request.url.params["ma_xa"] == "26734"
    assert '"Sĩ số": 42'.encode() in request.content  # tom_tat repeats the total row
    assert 3 in sleep.waits and 2.0 in sleep.waits  # Retry-After, then the polling interval


def test_refusal_becomes_problems_in_vietnamese():
    errors = [{"dong": 4, "cot": "Sĩ số", "mo_ta": "Sĩ số lớp 6A1 là 42, dữ liệu của trường là 41"}]
    with respx.mock() as router:
        router.post(f"{BASE}/yeu-cau-bao-cao/YC1/nop").mock(
            return_value=httpx.Response(202, json={"ma_lan_nop": "LN2"})
        )
        router.get(f"{BASE}/lan-nop/LN2").mock(
            return_value=httpx.Response(
                200, json={"trang_thai": "tra_lai", "nop_luc": "2026-11-23T10:00:00+07:00", "loi": errors}
            )
        )
        [result] = asyncio.run(connector().push("bao_cao", [report()], "key-2"))
    assert result.outcome is PushOutcome.INVALID and "dòng 4, cột Sĩ số" in result.message


def test_approved_report_is_locked_not_retried():
    with respx.mock() as router:
        route = router.post(f"{BASE}/yeu-cau-bao-cao/YC1/nop").mock(
            return_value=httpx.Response(409, json={"error": "da_duyet", "message": "đã duyệt"})
        )
        [result] = asyncio.run(connector().push("bao_cao", [report()], "key-3"))
    assert result.outcome is PushOutcome.LOCKED and route.call_count == 1


def test_bad_key_stops_naming_the_setting():
    with respx.mock() as router:
        router.get(f"{BASE}/yeu-cau-bao-cao").mock(return_value=httpx.Response(401, json={"error": "x"}))

        async def pull():
            return [p async for p in connector().pull("yeu_cau_bao_cao")]

        with pytest.raises(AuthError) as caught:
            asyncio.run(pull())
    assert "LIENTHONG_PORTAL_API_KEY" in caught.value.message and "khoa-bi-mat" not in str(caught.value)
