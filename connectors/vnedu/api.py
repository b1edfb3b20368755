"""vnEdu partner API connector (``contracts/vnedu.md``): a thin description of the wire.

Token lifecycle (client credentials; one refresh on ``invalid_token``), cursor pagination,
incremental pulls that resume from the last ``updated_at`` **inclusive** and drop what was
already seen by (key, version), batch PUTs of at most 200 items with an ``Idempotency-Key``,
and the contract's error table mapped onto the connector error tree.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
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
from lienthong.mapping.calendar import semester_bounds
from lienthong.mapping.canonical import LockWindow
from lienthong.mapping.vnedu import lock_window_from_vnedu

if TYPE_CHECKING:  # httpx loads with the first client (connectors.http)
    import httpx

PLATFORM = "vnedu"
PAGE_SIZE = 500

# Which field is each entity's key, and which path serves it.
ENTITIES = {
    "lop": ("/lop", lambda r: r["ma_lop"]),
    "hoc_sinh": ("/hoc-sinh", lambda r: r["ma_hoc_sinh"]),
    "diem": ("/diem", lambda r: f"{r['ma_hoc_sinh']}:{r['ma_mon']}:{r['hoc_ky']}"),
    "diem_danh": ("/diem-danh", lambda r: f"{r['ma_hoc_sinh']}:{r['ngay']}:{r['buoi']}"),
    "hanh_kiem": ("/hanh-kiem", lambda r: f"{r['ma_hoc_sinh']}:{r['hoc_ky']}"),
}
PUSHES = {"diem": ("/diem", 200), "diem_danh": ("/diem-danh", 500)}


@dataclass(frozen=True)
class VneduConfig:
    base_url: str
    ma_truong: str
    client_id: str
    client_secret: SecretStr
    school_year: int  # vnEdu names a year by its start: 2026 = 2026-2027
    rate_limit: float = 10.0
    page_size: int = PAGE_SIZE


# The contract's error table: status (and error code) → what the client does.
ERRORS = (
    ErrorRule(SERVER_ERRORS, TransientError, "vnEdu tạm thời không phục vụ (HTTP {status})"),
    ErrorRule(
        (401,),
        AuthError,
        "vnEdu từ chối client_id/client_secret: kiểm tra vnedu.client_id và biến môi "
        "trường LIENTHONG_VNEDU_CLIENT_SECRET",
        code="invalid_client",
    ),
    ErrorRule((401,), AuthError, "vnEdu từ chối xác thực ({code})"),
    ErrorRule((403,), AuthError, "Tài khoản đối tác không có quyền với trường này (vnedu.ma_truong): {message}"),
    ErrorRule((404,), PermanentError, "Không tìm thấy trường hoặc lớp: {message}"),
    ErrorRule((400, 422), PermanentError, "vnEdu từ chối yêu cầu ({code}): {message} {details}"),
    ErrorRule(None, PermanentError, "vnEdu trả lời HTTP {status} ({code})"),
)


class VneduApi(HttpConnector):
    name = PLATFORM
    pulls = tuple(ENTITIES)
    pushes = tuple(PUSHES)
    errors = ERRORS

    def __init__(
        self,
        config: VneduConfig,
        transport: httpx.AsyncBaseTransport | None = None,
        policy: RetryPolicy = RetryPolicy(),
        sleep: Sleep = asyncio.sleep,
        limiter: RateLimiter | None = None,
    ):
        super().__init__(config.base_url.rstrip("/"), config.rate_limit, transport, policy, sleep, limiter)
        self.config = config
        self.token: str | None = None

    @classmethod
    def from_settings(cls, section, settings, policy: RetryPolicy) -> "VneduApi":
        year = settings.current_school_year()
        return cls(
            VneduConfig(
                section.base_url,
                settings.ma_truong,
                section.client_id,
                settings.secret(PLATFORM),
                int(year[:4]),
                section.rate_limit,
            ),
            policy=policy,
        )

    def pull_plan(self, school_year: str, semester: str, today: date) -> list[tuple[str, dict]]:
        """The classes, the students, scores and training of the semesters begun, attendance since September."""
        semesters = ["1"] if semester == "1" else ["1", "2"]
        first = semester_bounds(int(school_year[:4]), "1")[0]
        return [
            ("lop", {}),
            ("hoc_sinh", {}),
            *(("diem", {"hoc_ky": int(s)}) for s in semesters),
            *(("hanh_kiem", {"hoc_ky": s}) for s in semesters),
            ("diem_danh", {"tu_ngay": first.strftime("%d/%m/%Y"), "den_ngay": today.strftime("%d/%m/%Y")}),
        ]

    # --- the wire ----------------------------------------------------------------------------

    async def _fetch_token(self) -> str:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret.get_secret_value(),
            "scope": f"school:{self.config.ma_truong}",
        }
        body = await self._send("POST", "/oauth/token", data=form, authorized=False)
        return body["access_token"]

    async def _send(self, method: str, path: str, *, authorized: bool = True, expect=None, **kwargs) -> Any:
        """One request, with one token refresh on ``invalid_token``; errors classified, and the
        body checked by ``expect`` inside the retried operation (a short page is retried too)."""
        extra = kwargs.pop("headers", None) or {}
        for refresh in (False, True):
            headers = dict(extra)
            if authorized:
                if self.token is None or refresh:
                    self.token = await self._fetch_token()
                headers["Authorization"] = f"Bearer {self.token}"
            response, body = await self._request(method, path, headers=headers, **kwargs)
            if (
                response.status_code == 401
                and authorized
                and isinstance(body, dict)
                and body.get("error") == "invalid_token"
                and not refresh
            ):
                continue
            answer = self._answer(response, body, "vnEdu")
            return expect(answer) if expect else answer
        raise AuthError(PLATFORM, "vnEdu từ chối token vừa cấp: kiểm tra quyền của tài khoản đối tác")

    async def _call(self, method: str, path: str, policy: RetryPolicy | None = None, **kwargs) -> Any:
        return await self._retried(lambda: self._send(method, path, **kwargs), policy)

    def _school(self, path: str) -> str:
        return f"/api/v1/truong/{self.config.ma_truong}{path}"

    # --- pulls ------------------------------------------------------------------------------

    async def pull(self, entity: str, cursor: dict | None = None, **scope: Any) -> AsyncIterator[PullPage]:
        """Pages of ``entity``. ``scope``: ``hoc_ky`` (diem, hanh_kiem), ``tu_ngay``/``den_ngay``
        (diem_danh), ``ma_lop``, ``ma_mon``. The cursor is ``{"since": …, "seen": {key: version}}``."""
        self.check_entity(entity, self.pulls)
        path, key_of = ENTITIES[entity]
        since = (cursor or {}).get("since")
        seen: dict[str, int] = dict((cursor or {}).get("seen", {}))
        params = {k: v for k, v in scope.items() if v is not None}
        if entity != "diem_danh":
            params["nam_hoc"] = self.config.school_year
        if since and entity != "lop":
            params["updated_since"] = since
        page_cursor = None
        while True:
            query = {**params, "limit": self.config.page_size, **({"cursor": page_cursor} if page_cursor else {})}
            items, page_cursor = await self._call("GET", self._school(path), params=query, expect=_page)
            records = []
            for item in items:
                record = Record(entity, key_of(item), int(item.get("version", 0)), item, item.get("updated_at"))
                if seen.get(record.key) == record.version:
                    continue  # the inclusive boundary hands back what we already have
                records.append(record)
            since, seen = _advance(since, seen, records)
            yield PullPage(records, {"since": since, "seen": seen} if since else None)
            if page_cursor is None:
                return

    async def lock_windows(self) -> list[LockWindow]:
        items, _ = await self._call(
            "GET", self._school("/khoa-so"), params={"nam_hoc": self.config.school_year}, expect=_page
        )
        return [lock_window_from_vnedu(item, self.config.school_year) for item in items]

    async def health(self) -> Health:
        async def probe() -> tuple[str, dict]:
            body = await self._call(
                "GET", self._school("/lop"), HEALTH_POLICY, params={"nam_hoc": self.config.school_year}
            )
            return f"{len(body['items'])} lớp", {"classes": len(body["items"])}

        return await self._health(probe)

    # --- pushes -----------------------------------------------------------------------------

    async def push(self, entity: str, items: list[dict], idempotency_key: str) -> list[PushResult]:
        self.check_entity(entity, self.pushes)
        path, maximum = PUSHES[entity]
        if not 1 <= len(items) <= maximum:
            raise ValueError(f"a vnEdu {entity} batch holds 1 to {maximum} items, got {len(items)}")

        def expect(body: Any) -> list[PushResult]:
            results = body.get("items") if isinstance(body, dict) else None
            if not isinstance(results, list) or len(results) != len(items):
                raise TransientError(PLATFORM, "Câu trả lời không đủ kết quả cho từng mục; sẽ gửi lại cùng khoá")
            return [_push_result(r) for r in results]

        return await self._call(
            "PUT",
            self._school(path),
            json={"items": items},
            headers={"Idempotency-Key": idempotency_key},
            expect=expect,
        )


def _page(body: Any) -> tuple[list[dict], str | None]:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list) or "next_cursor" not in body:
        raise TransientError(PLATFORM, "Trang trả về không đầy đủ; sẽ đọc lại")
    return body["items"], body["next_cursor"]


def _advance(since: str | None, seen: dict[str, int], records: list[Record]) -> tuple[str | None, dict[str, int]]:
    """Move the resume point to the newest ``updated_at`` and remember the keys at it."""
    for record in records:
        if not record.updated_at:
            continue
        stamp = datetime.fromisoformat(record.updated_at)
        current = datetime.fromisoformat(since) if since else None
        if current is None or stamp > current:
            since, seen = record.updated_at, {record.key: record.version}
        elif stamp == current:
            seen[record.key] = record.version
    return since, seen


def _push_result(item: dict) -> PushResult:
    try:
        outcome = PushOutcome(item["status"])
    except (KeyError, ValueError):
        raise TransientError(PLATFORM, f"Kết quả không rõ cho mục {item.get('key')!r}") from None
    return PushResult(str(item.get("key")), outcome, item.get("version"), item.get("message") or "")
