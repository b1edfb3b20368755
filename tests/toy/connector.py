"""The toy platform's connector: a thin description of its wire (see `simulator`), on the
shared HTTP base. Registered by configuration only:
``[platforms.toy] connector = "tests.toy.connector:ToyConnector"`` and ``base_url``."""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator

import httpx

from lienthong.connectors.base import Health, PullPage, PushOutcome, PushResult, Record
from lienthong.connectors.errors import PermanentError, TransientError
from lienthong.connectors.http import (
    HEALTH_POLICY,
    SERVER_ERRORS,
    ErrorRule,
    HttpConnector,
    RateLimiter,
    RetryPolicy,
    Sleep,
)
from lienthong.mapping.canonical import LockWindow
from tests.toy import mapping

ERRORS = (
    ErrorRule(SERVER_ERRORS, TransientError, "Sổ liên lạc tạm thời không phục vụ (HTTP {status})"),
    ErrorRule(None, PermanentError, "Sổ liên lạc từ chối yêu cầu (HTTP {status}): {message}"),
)


class ToyConnector(HttpConnector):
    name = "toy"
    pulls = ("hoc_sinh",)
    pushes = ("hoc_sinh",)
    errors = ERRORS
    mapping = mapping

    def __init__(
        self,
        base_url: str,
        transport: httpx.AsyncBaseTransport | None = None,
        policy: RetryPolicy = RetryPolicy(),
        sleep: Sleep = asyncio.sleep,
        limiter: RateLimiter | None = None,
    ):
        super().__init__(base_url.rstrip("/"), 0, transport, policy, sleep, limiter)

    @classmethod
    def from_settings(cls, section, settings, policy: RetryPolicy) -> "ToyConnector":
        return cls(section.options()["base_url"], policy=policy)

    async def _call(self, method: str, path: str, expect=None, policy: RetryPolicy | None = None, **kwargs) -> Any:
        async def once() -> Any:
            response, body = await self._request(method, path, **kwargs)
            answer = self._answer(response, body, "Sổ liên lạc")
            return expect(answer) if expect else answer

        return await self._retried(once, policy)

    async def pull(self, entity: str, cursor: dict | None = None, **scope: Any) -> AsyncIterator[PullPage]:
        self.check_entity(entity, self.pulls)
        position = 0
        while position is not None:
            items, position = await self._call("GET", "/hoc-sinh", expect=_page, params={"cursor": position})
            yield PullPage([Record(entity, item["ma"], int(item["version"]), item) for item in items], None)

    async def push(self, entity: str, items: list[dict], idempotency_key: str) -> list[PushResult]:
        self.check_entity(entity, self.pushes)

        def expect(body: Any) -> list[PushResult]:
            answers = body.get("items") if isinstance(body, dict) else None
            if not isinstance(answers, list) or len(answers) != len(items):
                raise TransientError(self.name, "Câu trả lời không đủ kết quả cho từng mục; sẽ gửi lại cùng khoá")
            return [
                PushResult(
                    a["key"],
                    PushOutcome(a["status"]),
                    a.get("version"),
                    "Sổ liên lạc đang khoá" if a["status"] == "locked" else "",
                )
                for a in answers
            ]

        return await self._call(
            "PUT", "/hoc-sinh", expect=expect, json={"items": items}, headers={"Idempotency-Key": idempotency_key}
        )

    async def lock_windows(self) -> list[LockWindow]:
        return []  # the book answers "locked" item by item

    async def health(self) -> Health:
        async def probe() -> tuple[str, dict]:
            body = await self._call("GET", "/khoa", policy=HEALTH_POLICY)
            return "đang khoá" if body.get("locked") else "đang mở", {}

        return await self._health(probe)


def _page(body: Any) -> tuple[list[dict], int | None]:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list) or "next_cursor" not in body:
        raise TransientError("toy", "Trang trả về không đầy đủ; sẽ đọc lại")
    return body["items"], body["next_cursor"]
