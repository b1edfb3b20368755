"""Provincial reporting portal connector (``contracts/portal.md``).

Lists report requests, submits a report (multipart ``tep`` + ``tom_tat`` with an
``Idempotency-Key``), polls the asynchronous check, and turns a refusal's row/column errors
into `ReportProblem` records for reconciliation. Every request carries the school's code
and the 2025 administrative codes.
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, AsyncIterator

from pydantic import SecretStr

from lienthong.connectors.base import Health, PullPage, PushOutcome, PushResult, Record
from lienthong.connectors.errors import AuthError, PermanentError, TransientError
from lienthong.connectors.http import (
    HEALTH_POLICY,
    SERVER_ERRORS,
    ErrorRule,
    HttpConnector,
    RateLimiter,
    RetryPolicy,
    Sleep,
)
from lienthong.mapping.canonical import LockWindow, ReportProblem

if TYPE_CHECKING:  # httpx loads with the first client (connectors.http)
    import httpx

PLATFORM = "portal"


@dataclass(frozen=True)
class PortalConfig:
    base_url: str
    api_key: SecretStr
    ma_truong: str
    ma_tinh: str  # 2 digits, 2025 codes
    ma_xa: str  # 5 digits, 2025 codes
    school_year: str
    rate_limit: float = 5.0
    poll_every: float = 2.0
    max_polls: int = 150


class _Approved(PermanentError):
    """409: the report was approved by the Sở and is locked; a change needs a new request."""


# The contract's error table: status → what the client does.
ERRORS = (
    ErrorRule(SERVER_ERRORS, TransientError, "Cổng báo cáo tạm thời không phục vụ (HTTP {status})"),
    ErrorRule((401,), AuthError, "Cổng báo cáo từ chối khoá API: kiểm tra biến môi trường LIENTHONG_PORTAL_API_KEY"),
    ErrorRule(
        (403,),
        AuthError,
        "Khoá API không dùng được cho trường hoặc mã đơn vị hành chính này "
        "(portal.ma_truong, portal.ma_tinh, portal.ma_xa): {message}",
    ),
    ErrorRule((409,), _Approved, "Báo cáo đã được Sở duyệt và khoá: {message}"),
    ErrorRule(None, PermanentError, "Cổng báo cáo từ chối yêu cầu (HTTP {status}): {message}"),
)


class PortalApi(HttpConnector):
    name = PLATFORM
    pulls = ("yeu_cau_bao_cao",)
    pushes = ("bao_cao",)
    max_batch = 1
    errors = ERRORS

    def __init__(
        self,
        config: PortalConfig,
        transport: httpx.AsyncBaseTransport | None = None,
        policy: RetryPolicy = RetryPolicy(),
        sleep: Sleep = asyncio.sleep,
        limiter: RateLimiter | None = None,
    ):
        super().__init__(
            config.base_url.rstrip("/") + "/api/v1",
            config.rate_limit,
            transport,
            policy,
            sleep,
            limiter,
            headers={"X-Api-Key": config.api_key.get_secret_value()},
        )
        self.config = config
        self.codes = {"ma_truong": config.ma_truong, "ma_tinh": config.ma_tinh, "ma_xa": config.ma_xa}

    @classmethod
    def from_settings(cls, section, settings, policy: RetryPolicy) -> "PortalApi":
        return cls(
            PortalConfig(
                section.base_url,
                settings.secret(PLATFORM),
                settings.ma_truong,
                section.ma_tinh,
                section.ma_xa,
                settings.current_school_year(),
                section.rate_limit,
            ),
            policy=policy,
        )

    async def _send(self, method: str, path: str, **kwargs) -> Any:
        response, body = await self._request(method, path, **kwargs)
        return self._answer(response, body, "Cổng báo cáo")

    async def _call(self, method: str, path: str, policy: RetryPolicy | None = None, **kwargs) -> Any:
        return await self._retried(lambda: self._send(method, path, **kwargs), policy)

    async def pull(self, entity: str, cursor: dict | None = None, **scope: Any) -> AsyncIterator[PullPage]:
        self.check_entity(entity, self.pulls)
        items = await self._call("GET", "/yeu-cau-bao-cao", params={**self.codes, "nam_hoc": self.config.school_year})
        if not isinstance(items, list):
            raise TransientError(PLATFORM, "Danh sách yêu cầu báo cáo không hợp lệ; sẽ đọc lại")
        yield PullPage([Record(entity, item["ma_yeu_cau"], 0, item) for item in items], None)

    async def push(self, entity: str, items: list[dict], idempotency_key: str) -> list[PushResult]:
        """Submit one report ``{"ma_yeu_cau", "tep": bytes, "tom_tat": dict}`` and wait for the
        portal's check: accepted → applied; refused → invalid, with the problems attached. ``tep``
        may be base64 text (an outbox item's payload is JSON)."""
        self.check_entity(entity, self.pushes)
        if len(items) != 1:
            raise ValueError("the portal takes one report per submission")
        report = items[0]
        code = report["ma_yeu_cau"]
        content = report["tep"]
        if isinstance(content, str):
            content = base64.b64decode(content, validate=True)
        try:
            answer = await self._call(
                "POST",
                f"/yeu-cau-bao-cao/{code}/nop",
                params=self.codes,
                files={
                    "tep": (
                        f"{code}.xlsx",
                        content,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    )
                },
                data={**self.codes, "tom_tat": json.dumps(report["tom_tat"], ensure_ascii=False)},
                headers={"Idempotency-Key": idempotency_key},
            )
        except _Approved as exc:
            return [PushResult(code, PushOutcome.LOCKED, None, exc.message)]
        number = answer["ma_lan_nop"]
        result = await self.wait_for(number)
        if result["trang_thai"] == "chap_nhan":
            return [
                PushResult(
                    code,
                    PushOutcome.APPLIED,
                    None,
                    f"Sở đã nhận ({number}, nộp lúc {result['nop_luc']})",
                    issued_key=number,
                )
            ]
        problems = problems_of(code, result.get("loi") or [])
        summary = "; ".join(f"dòng {p.row}, cột {p.column}: {p.message}" for p in problems[:5])
        return [PushResult(code, PushOutcome.INVALID, None, f"Sở trả lại báo cáo: {summary}", issued_key=number)]

    async def wait_for(self, number: str) -> dict:
        """Poll a submission until the portal has checked it."""
        for _ in range(self.config.max_polls):
            result = await self._call("GET", f"/lan-nop/{number}", params=self.codes)
            if result.get("trang_thai") != "dang_xu_ly":
                return result
            await self.sleep(self.config.poll_every)
        raise TransientError(PLATFORM, f"Sở chưa kiểm tra xong lần nộp {number}; sẽ hỏi lại ở lần chạy sau")

    async def lock_windows(self) -> list[LockWindow]:
        return []  # the portal locks approved reports one by one (trang_thai "da_duyet")

    async def health(self) -> Health:
        async def probe() -> tuple[str, dict]:
            items = await self._call(
                "GET", "/yeu-cau-bao-cao", HEALTH_POLICY, params={**self.codes, "nam_hoc": self.config.school_year}
            )
            return f"{len(items)} yêu cầu báo cáo", {}

        return await self._health(probe)


def problems_of(code: str, errors: list[dict]) -> list[ReportProblem]:
    """The portal's row/column errors as canonical problems (Vietnamese text kept as sent)."""
    return [
        ReportProblem(
            request_code=code,
            row=int(e.get("dong") or 0),
            column=str(e.get("cot") or ""),
            message=str(e.get("mo_ta") or ""),
        )
        for e in errors
    ]
