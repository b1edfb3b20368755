"""vnEdu partner API simulator (``contracts/vnedu.md``), stateful, over real HTTP.

OAuth2 client credentials with expiring tokens, keyset cursor pagination, inclusive
``updated_since``, versions and conflicts, ``Idempotency-Key`` replay for 24 h, lock windows
enforced per item, a rate limit of 10 requests/s per client (429 with ``Retry-After``), and
the contract's error bodies. Control endpoints under ``/_sim`` are for tests and the demo.
"""

from __future__ import annotations

import bisect
import itertools
import json
import secrets
import time
from collections import deque
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from lienthong.assessment.engine import year_training
from lienthong.simulators.catalog import SUBJECTS
from lienthong.simulators.common import (
    Clock,
    WriteCounter,
    add_control_routes,
    body_digest,
    decode_cursor,
    encode_cursor,
    schools_writes,
    vn_now,
)
from lienthong.simulators.faults import FaultInjector, FaultMiddleware
from lienthong.simulators.formats import BadValue, parse_mark, parse_score
from lienthong.simulators.school import School, semester_bounds
from lienthong.simulators.views import PlatformData

DEMO_CLIENT = ("lienthong-demo", "demo-secret")
TOKEN_SECONDS = 900
IDEMPOTENCY_SECONDS = 24 * 3600
MAX_LIMIT, DEFAULT_LIMIT = 500, 200


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: list | None = None, headers: dict | None = None):
        self.status, self.code, self.message, self.details, self.headers = status, code, message, details, headers


@dataclass
class Token:
    client_id: str
    school: str
    expires_at: float
    uses: int = 0


class VneduPlatform:
    """What one vnEdu serves to all its schools: the partner clients (id → secret), their tokens,
    the rate limit counted per client (not per school), the fault profile; and, for tests and
    benchmarks, when each client's requests arrived (`max_rate`)."""

    def __init__(self, credentials: dict[str, str], rate_limit: int = 10):
        self.schools: dict[str, VneduState] = {}
        self.credentials, self.rate_limit = dict(credentials), rate_limit
        self.tokens: dict[str, Token] = {}
        self.requests: dict[str, deque] = {}
        self.arrivals: dict[str, list[float]] = {}
        self.limited: dict[str, int] = {}  # 429 answers by client
        self.faults = FaultInjector()

    def add(self, state: "VneduState") -> "VneduState":
        self.schools[state.ma_truong] = state
        state.platform = self
        return state

    def arrived(self, client: str) -> None:
        self.arrivals.setdefault(client, []).append(time.monotonic())

    def max_rate(self, client: str, window: float = 1.0) -> int:
        """The most requests ``client`` sent in any ``window`` seconds (each counted as it arrived)."""
        times, most, first = self.arrivals.get(client, []), 0, 0
        for last, at in enumerate(times):
            while times[first] <= at - window:
                first += 1
            most = max(most, last - first + 1)
        return most

    def rates(self) -> dict:
        return {
            client: {
                "requests": len(times),
                "max_per_second": self.max_rate(client),
                "limited": self.limited.get(client, 0),
            }
            for client, times in self.arrivals.items()
        }

    def writes_as_dict(self) -> dict:
        """Writes of every school (keys prefixed by the school when there are several)."""
        return schools_writes(self.schools)


class VneduState:
    """The platform's data and bookkeeping for one school (its clients, tokens and rate limit are
    its `VneduPlatform`'s: its own, unless added to one that serves several schools)."""

    def __init__(
        self,
        school: School,
        data: PlatformData,
        clock: Clock = vn_now,
        credentials: tuple[str, str] = DEMO_CLIENT,
        rate_limit: int = 10,
    ):
        self.ma_truong, self.nam_hoc, self.clock = school.ma_truong, school.start_year, clock
        self.platform = VneduPlatform({credentials[0]: credentials[1]}, rate_limit)
        self.platform.add(self)
        self.classes = {c["ma_lop"]: c for c in data.vnedu["lop"]}
        self.students: dict[str, dict] = data.vnedu["hoc_sinh"]
        self.scores: dict[tuple, dict] = data.vnedu["diem"]
        self.absences: dict[tuple, dict] = data.vnedu["diem_danh"]
        self.conduct: dict[tuple, dict] = data.vnedu["hanh_kiem"]
        self.windows = [
            {
                "hoc_ky": int(w.semester),
                "loai": w.kind,
                "mo_tu": w.opens_at.isoformat(),
                "khoa_tu": w.closes_at.isoformat(),
                "dang_khoa": None,
            }
            for w in school.lock_windows
        ]
        self.forced_locks: dict[tuple[int, str], bool] = {}
        self.replies: dict[str, tuple[str, float, int, Any]] = {}
        self.writes = WriteCounter()
        self.revision = 0  # grows on every write; sorted views are rebuilt after it changes
        self.sorted_cache: dict[str, tuple[int, list]] = {}

    # what the platform keeps for all its schools, reached from one school as before
    tokens = property(lambda self: self.platform.tokens)
    requests = property(lambda self: self.platform.requests)
    faults = property(lambda self: self.platform.faults)
    rate_limit = property(
        lambda self: self.platform.rate_limit, lambda self, value: setattr(self.platform, "rate_limit", value)
    )

    @property
    def credentials(self) -> tuple[str, str]:
        return next(iter(self.platform.credentials.items()))

    # --- lock windows --------------------------------------------------------------------

    def window_list(self) -> list[dict]:
        now = self.clock()
        return [dict(w, dang_khoa=self.is_locked(w["hoc_ky"], w["loai"], now)) for w in self.windows]

    def is_locked(self, semester: int, kind: str, now: datetime | None = None) -> bool:
        forced = self.forced_locks.get((semester, kind))
        if forced is not None:
            return forced
        now = now or self.clock()
        for w in self.windows:
            if w["hoc_ky"] == semester and w["loai"] == kind:
                return not datetime.fromisoformat(w["mo_tu"]) <= now < datetime.fromisoformat(w["khoa_tu"])
        return True

    def semester_of(self, day: date) -> int:
        return 1 if day <= semester_bounds(self.nam_hoc, "1")[1] else 2


# --- request helpers ---------------------------------------------------------------------------


def _query_int(
    request: Request, name: str, *, required: bool = False, default: int | None = None, allowed: set | None = None
) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        if required:
            raise ApiError(422, "validation_error", f"Thiếu tham số {name}", [{"field": name, "error": "required"}])
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(
            422, "validation_error", f"Tham số {name} phải là số nguyên", [{"field": name, "error": "integer expected"}]
        ) from None
    if allowed is not None and value not in allowed:
        raise ApiError(
            422,
            "validation_error",
            f"Tham số {name} không hợp lệ",
            [{"field": name, "error": f"one of {sorted(allowed)}"}],
        )
    return value


def _since(request: Request) -> datetime | None:
    raw = request.query_params.get("updated_since")
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ApiError(
            422,
            "validation_error",
            "updated_since phải là ISO 8601 có múi giờ",
            [{"field": "updated_since", "error": "ISO 8601 with offset expected"}],
        )
    return value


def _page(request: Request, rows: list[tuple], keep=None) -> JSONResponse:
    """Keyset pagination over rows sorted by (updated_at, key); ``updated_since`` is inclusive."""
    limit = _query_int(request, "limit", default=DEFAULT_LIMIT)
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(422, "validation_error", "limit phải từ 1 đến 500", [{"field": "limit", "error": "1..500"}])
    since = _since(request)
    start = bisect.bisect_left(rows, (since, "")) if since is not None else 0
    cursor = request.query_params.get("cursor")
    if cursor:
        try:
            at, key = decode_cursor(cursor)
            position = (datetime.fromisoformat(at), key)
        except (ValueError, TypeError):
            raise ApiError(400, "bad_request", "cursor không hợp lệ") from None
        start = max(start, bisect.bisect_right(rows, position, key=lambda r: (r[0], r[1])))
    page: list[tuple] = []
    more = False
    for row in itertools.islice(rows, start, None):
        if keep is None or keep(row[2]):
            if len(page) == limit:
                more = True
                break
            page.append(row)
    next_cursor = encode_cursor([page[-1][0].isoformat(), page[-1][1]]) if more else None
    return JSONResponse({"items": [r[2] for r in page], "next_cursor": next_cursor})


def _sorted(state: "VneduState", name: str, items: dict, key_of) -> list[tuple]:
    """Rows of a collection sorted by (updated_at, key), rebuilt only after a write.

    The view is filed under the revision read *before* sorting: a write from another thread
    while it is built (a test changing scores while a killed client's request is still being
    served) then makes it stale at once. Filed under the revision read after, it would keep
    the changed rows at their old places, and an ``updated_since`` pull would never see them."""
    cached = state.sorted_cache.get(name)
    revision = state.revision
    if cached is None or cached[0] != revision:
        rows = sorted(
            ((datetime.fromisoformat(i["updated_at"]), key_of(i), i) for i in items.values()),
            key=lambda r: (r[0], r[1]),
        )
        cached = state.sorted_cache[name] = (revision, rows)
    return cached[1]


def _student_key(item: dict) -> str:
    return item["ma_hoc_sinh"]


def _score_key(item: dict) -> str:
    return f"{item['ma_hoc_sinh']}:{item['ma_mon']}:{item['hoc_ky']}"


def _absence_key(item: dict) -> str:
    return f"{item['ma_hoc_sinh']}:{item['ngay']}:{item['buoi']}"


# --- the app -----------------------------------------------------------------------------------


def create_app(served: VneduState | VneduPlatform) -> FastAPI:
    """The API of one school's vnEdu, or of one serving many (``served`` a `VneduPlatform`)."""
    platform = served.platform if isinstance(served, VneduState) else served
    app = FastAPI(title="vnEdu (mô phỏng)", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_exception_handler(ApiError, _api_error)
    _token_route(app, platform)
    # registration order is the route table's order; kept as the contract lists the endpoints
    _roster_routes(app, platform)
    _score_and_absence_routes(app, platform)
    _conduct_and_lock_routes(app, platform)
    _write_routes(app, platform)
    _control(app, platform)
    return app


async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
    body: dict[str, Any] = {"error": exc.code, "message": exc.message}
    if exc.details is not None:
        body["details"] = exc.details
    return JSONResponse(body, status_code=exc.status, headers=exc.headers)


# --- auth ----------------------------------------------------------------------------------------


def _token_route(app: FastAPI, state: VneduPlatform) -> None:
    @app.post("/oauth/token")
    @app.post("/api/v1/oauth/token")
    async def token(request: Request) -> JSONResponse:
        form = await request.form()
        state.arrived(str(form.get("client_id")))
        if form.get("grant_type") != "client_credentials":
            raise ApiError(400, "bad_request", "grant_type phải là client_credentials")
        known = state.credentials.get(str(form.get("client_id")))
        if known is None or form.get("client_secret") != known:
            raise ApiError(401, "invalid_client", "client_id hoặc client_secret không đúng")
        scope = str(form.get("scope") or "")
        if not scope.startswith("school:"):
            raise ApiError(400, "bad_request", "scope phải có dạng school:<ma_truong>")
        value = secrets.token_urlsafe(24)
        state.tokens[value] = Token(
            str(form["client_id"]), scope.removeprefix("school:"), time.monotonic() + TOKEN_SECONDS
        )
        return JSONResponse({"access_token": value, "token_type": "Bearer", "expires_in": TOKEN_SECONDS})


def _authorize(state: VneduPlatform, request: Request, ma_truong: str) -> VneduState:
    """What every school route checks first: token, injected expiry, rate limit, scope, school;
    the school's state when it passes."""
    header = request.headers.get("authorization", "")
    token = state.tokens.get(header.removeprefix("Bearer ").strip()) if header.startswith("Bearer ") else None
    if token is None or token.expires_at < time.monotonic():
        raise ApiError(401, "invalid_token", "Token không hợp lệ hoặc đã hết hạn")
    state.arrived(token.client_id)
    token.uses += 1
    every = state.faults.profile.token_expiry_every
    if every and token.uses > every:  # fault injection: the token dies mid-pull
        state.tokens.pop(header.removeprefix("Bearer ").strip(), None)
        state.faults.count("token_expired")
        raise ApiError(401, "invalid_token", "Token đã hết hạn")
    _rate_limit(state, token.client_id)
    if token.school != ma_truong:
        raise ApiError(403, "forbidden", "Phạm vi (scope) của token không gồm trường này")
    school = state.schools.get(ma_truong)
    if school is None:
        raise ApiError(404, "not_found", "Không tìm thấy trường")
    if state.faults.roll(state.faults.profile.permanent_rate):
        state.faults.count("403")
        raise ApiError(403, "forbidden", "Tài khoản đối tác bị tạm khoá")
    return school


def _rate_limit(state: VneduPlatform, client: str) -> None:
    if not state.rate_limit:
        return
    now = time.monotonic()
    recent = state.requests.setdefault(client, deque())
    while recent and recent[0] <= now - 1:
        recent.popleft()
    if len(recent) >= state.rate_limit:
        state.limited[client] = state.limited.get(client, 0) + 1
        raise ApiError(429, "rate_limited", "Quá 10 yêu cầu mỗi giây", headers={"Retry-After": "1"})
    recent.append(now)


# --- reads ---------------------------------------------------------------------------------------

BASE = "/api/v1/truong/{ma_truong}"


def _year_or_empty(state: VneduState, request: Request) -> bool:
    return _query_int(request, "nam_hoc", required=True) == state.nam_hoc


def _check_class(state: VneduState, request: Request) -> str | None:
    ma_lop = request.query_params.get("ma_lop")
    if ma_lop and ma_lop not in state.classes:
        raise ApiError(404, "not_found", f"Không tìm thấy lớp {ma_lop}")
    return ma_lop


def _class_of(state: VneduState, ma_hoc_sinh: str) -> str | None:
    student = state.students.get(ma_hoc_sinh)
    return student["ma_lop"] if student else None


def _roster_routes(app: FastAPI, platform: VneduPlatform) -> None:
    @app.get(BASE + "/lop")
    async def classes(ma_truong: str, request: Request) -> dict:
        state = _authorize(platform, request, ma_truong)
        items = list(state.classes.values()) if _year_or_empty(state, request) else []
        return {"items": items, "next_cursor": None}

    @app.get(BASE + "/hoc-sinh")
    async def students(ma_truong: str, request: Request) -> JSONResponse:
        state = _authorize(platform, request, ma_truong)
        ma_lop = _check_class(state, request)
        rows = _sorted(state, "hoc_sinh", state.students, _student_key) if _year_or_empty(state, request) else []
        return _page(request, rows, (lambda s: s["ma_lop"] == ma_lop) if ma_lop else None)


def _score_and_absence_routes(app: FastAPI, platform: VneduPlatform) -> None:
    @app.get(BASE + "/diem")
    async def scores(ma_truong: str, request: Request) -> JSONResponse:
        state = _authorize(platform, request, ma_truong)
        current = _year_or_empty(state, request)
        semester = _query_int(request, "hoc_ky", required=True, allowed={1, 2})
        ma_lop, ma_mon = _check_class(state, request), request.query_params.get("ma_mon")

        def keep(s: dict) -> bool:
            return (
                s["hoc_ky"] == semester
                and (not ma_mon or s["ma_mon"] == ma_mon)
                and (not ma_lop or _class_of(state, s["ma_hoc_sinh"]) == ma_lop)
            )

        return _page(request, _sorted(state, "diem", state.scores, _score_key) if current else [], keep)

    @app.get(BASE + "/diem-danh")
    async def absences(ma_truong: str, request: Request) -> JSONResponse:
        state = _authorize(platform, request, ma_truong)
        first, last = _day(request, "tu_ngay"), _day(request, "den_ngay")
        ma_lop = _check_class(state, request)

        def keep(a: dict) -> bool:
            return first <= _parse_day(a["ngay"]) <= last and (
                not ma_lop or _class_of(state, a["ma_hoc_sinh"]) == ma_lop
            )

        return _page(request, _sorted(state, "diem_danh", state.absences, _absence_key), keep)


def _conduct_and_lock_routes(app: FastAPI, platform: VneduPlatform) -> None:
    @app.get(BASE + "/hanh-kiem")
    async def conduct(ma_truong: str, request: Request) -> JSONResponse:
        state = _authorize(platform, request, ma_truong)
        current = _year_or_empty(state, request)
        semester = request.query_params.get("hoc_ky")
        if semester not in ("1", "2", "CN"):
            raise ApiError(422, "validation_error", "hoc_ky phải là 1, 2 hoặc CN", [{"field": "hoc_ky"}])
        ma_lop = _check_class(state, request)
        items = {i["ma_hoc_sinh"]: i for i in _conduct_items(state, semester)} if current else {}
        rows = sorted(
            ((datetime.fromisoformat(i["updated_at"]), k, i) for k, i in items.items()), key=lambda r: (r[0], r[1])
        )
        return _page(request, rows, (lambda i: _class_of(state, i["ma_hoc_sinh"]) == ma_lop) if ma_lop else None)

    @app.get(BASE + "/khoa-so")
    async def locks(ma_truong: str, request: Request) -> dict:
        state = _authorize(platform, request, ma_truong)
        return {"items": state.window_list() if _year_or_empty(state, request) else [], "next_cursor": None}


def _write_routes(app: FastAPI, platform: VneduPlatform) -> None:
    @app.put(BASE + "/diem")
    async def put_scores(ma_truong: str, request: Request) -> JSONResponse:
        state = _authorize(platform, request, ma_truong)
        return await _idempotent(state, request, lambda body: _apply_scores(state, body, 200))

    @app.put(BASE + "/diem-danh")
    async def put_absences(ma_truong: str, request: Request) -> JSONResponse:
        state = _authorize(platform, request, ma_truong)
        return await _idempotent(state, request, lambda body: _apply_absences(state, body, 500))


def _parse_day(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date()


def _day(request: Request, name: str) -> date:
    raw = request.query_params.get(name)
    try:
        return _parse_day(raw or "")
    except ValueError:
        raise ApiError(
            422, "validation_error", f"{name} phải có dạng dd/mm/yyyy", [{"field": name, "error": "dd/mm/yyyy"}]
        ) from None


def _conduct_items(state: VneduState, semester: str) -> list[dict]:
    if semester != "CN":
        return [c for (sid, hk), c in state.conduct.items() if hk == semester]
    items = []
    for (sid, hk), second in state.conduct.items():
        first = state.conduct.get((sid, "1"))
        if hk == "2" and first:
            items.append(
                {
                    "ma_hoc_sinh": sid,
                    "hoc_ky": "CN",
                    "ket_qua_ren_luyen": year_training(first["ket_qua_ren_luyen"], second["ket_qua_ren_luyen"]),
                    "nhan_xet": "",
                    "updated_at": max(first["updated_at"], second["updated_at"]),
                    "version": first["version"] + second["version"],
                }
            )
    return items


# --- writes ------------------------------------------------------------------------------------


async def _idempotent(state: VneduState, request: Request, apply) -> JSONResponse:
    key = request.headers.get("idempotency-key")
    if not key:
        raise ApiError(400, "bad_request", "Thiếu header Idempotency-Key")
    raw = await request.body()
    digest = body_digest(raw)
    now = time.monotonic()
    seen = state.replies.get(key)
    if seen and seen[1] > now - IDEMPOTENCY_SECONDS:
        if seen[0] != digest:
            raise ApiError(422, "idempotency_key_reuse", "Idempotency-Key đã dùng cho một nội dung khác")
        return JSONResponse(seen[3], status_code=seen[2])
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "bad_request", "Nội dung không phải JSON hợp lệ") from None
    answer = apply(body)
    state.replies[key] = (digest, now, 200, answer)
    return JSONResponse(answer)


def _items(body: Any, maximum: int, required: dict[str, type | tuple]) -> list[dict]:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise ApiError(422, "validation_error", 'Nội dung phải có dạng {"items": [...]}', [{"field": "items"}])
    items = body["items"]
    if not items or len(items) > maximum:
        raise ApiError(422, "validation_error", f"Mỗi lần gửi từ 1 đến {maximum} mục", [{"field": "items"}])
    details = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            details.append({"field": f"items[{index}]", "error": "object expected"})
            continue
        for name, kind in required.items():
            if name not in item or not isinstance(item[name], kind) or isinstance(item[name], bool) and kind is int:
                details.append({"field": f"items[{index}].{name}", "error": "missing or wrong type"})
    if details:
        raise ApiError(422, "validation_error", "Dữ liệu gửi lên không hợp lệ", details)
    return items


_SCORE_FIELDS = {
    "ma_hoc_sinh": str,
    "ma_mon": str,
    "hoc_ky": (int, str),
    "ddg_tx": list,
    "ddg_gk": (str, type(None)),
    "ddg_ck": (str, type(None)),
    "version": int,
}


def _result(key: str, status: str, version: int, message: str = "") -> dict:
    return {"key": key, "status": status, "version": version, "message": message}


def _check_values(item: dict) -> str | None:
    """A Vietnamese reason when a score sheet's values do not fit its subject, else None."""
    info = SUBJECTS.get(item["ma_mon"])
    if info is None:
        return f"Mã môn {item['ma_mon']} không có trong danh mục"
    if len(item["ddg_tx"]) > 4:
        return "Tối đa 4 điểm ĐĐGtx"
    parse = parse_mark if info.by_comment else parse_score
    for value in [*item["ddg_tx"], item["ddg_gk"], item["ddg_ck"]]:
        if value is None:
            continue
        try:
            parse(value)
        except BadValue as exc:
            return f"{info.name}: {exc.reason} ({value!r})"
    return None


def _apply_scores(state: VneduState, body: Any, maximum: int) -> dict:
    results = []
    now = state.clock()
    for item in _items(body, maximum, _SCORE_FIELDS):
        semester = str(item["hoc_ky"])
        key = f"{item['ma_hoc_sinh']}:{item['ma_mon']}:{semester}"
        stored = state.scores.get((item["ma_hoc_sinh"], item["ma_mon"], semester))
        current = stored["version"] if stored else 0
        if item["ma_hoc_sinh"] not in state.students:
            results.append(_result(key, "not_found", 0, "Không tìm thấy học sinh"))
        elif semester not in ("1", "2"):
            results.append(_result(key, "invalid", current, "hoc_ky phải là 1 hoặc 2"))
        elif (reason := _check_values(item)) is not None:
            results.append(_result(key, "invalid", current, reason))
        elif stored and [stored["ddg_tx"], stored["ddg_gk"], stored["ddg_ck"], stored["nhan_xet"]] == [
            item["ddg_tx"],
            item["ddg_gk"],
            item["ddg_ck"],
            item.get("nhan_xet", ""),
        ]:
            results.append(_result(key, "unchanged", current))
        elif item["version"] != current:
            results.append(_result(key, "conflict", current, "Phiên bản không khớp, hãy đọc lại"))
        elif state.is_locked(int(semester), "diem", now):
            results.append(_result(key, "locked", current, "Đã khoá sổ điểm học kỳ này"))
        else:
            state.scores[(item["ma_hoc_sinh"], item["ma_mon"], semester)] = {
                "ma_hoc_sinh": item["ma_hoc_sinh"],
                "ma_mon": item["ma_mon"],
                "hoc_ky": int(semester),
                "ddg_tx": item["ddg_tx"],
                "ddg_gk": item["ddg_gk"],
                "ddg_ck": item["ddg_ck"],
                "nhan_xet": item.get("nhan_xet", ""),
                "updated_at": now.isoformat(),
                "version": current + 1,
            }
            state.writes.add(f"diem:{key}")
            state.revision += 1
            results.append(_result(key, "applied", current + 1))
    return {"items": results}


_ABSENCE_FIELDS = {"ma_hoc_sinh": str, "ngay": str, "buoi": str, "loai": (str, type(None)), "version": int}


def _apply_absences(state: VneduState, body: Any, maximum: int) -> dict:
    results = []
    now = state.clock()
    for item in _items(body, maximum, _ABSENCE_FIELDS):
        key = f"{item['ma_hoc_sinh']}:{item['ngay']}:{item['buoi']}"
        stored = state.absences.get((item["ma_hoc_sinh"], item["ngay"], item["buoi"]))
        current = stored["version"] if stored else 0
        try:
            day = _parse_day(item["ngay"])
        except ValueError:
            day = None
        if item["ma_hoc_sinh"] not in state.students:
            results.append(_result(key, "not_found", 0, "Không tìm thấy học sinh"))
        elif day is None or item["buoi"] not in ("S", "C") or item["loai"] not in ("P", "K", None):
            results.append(
                _result(key, "invalid", current, "Ngày phải là dd/mm/yyyy, buổi S hoặc C, loại P, K hoặc null")
            )
        elif stored and (stored["loai"], stored.get("ly_do", "")) == (item["loai"], item.get("ly_do", "")):
            results.append(_result(key, "unchanged", current))
        elif item["version"] != current:
            results.append(_result(key, "conflict", current, "Phiên bản không khớp, hãy đọc lại"))
        elif state.is_locked(state.semester_of(day), "diem_danh", now):
            results.append(_result(key, "locked", current, "Đã khoá sổ điểm danh"))
        else:
            state.absences[(item["ma_hoc_sinh"], item["ngay"], item["buoi"])] = {
                "ma_hoc_sinh": item["ma_hoc_sinh"],
                "ngay": item["ngay"],
                "buoi": item["buoi"],
                "loai": item["loai"],
                "ly_do": item.get("ly_do", ""),
                "updated_at": now.isoformat(),
                "version": current + 1,
            }
            state.writes.add(f"diem_danh:{key}")
            state.revision += 1
            results.append(_result(key, "applied", current + 1))
    return {"items": results}


# --- control endpoints (tests, demo) ---------------------------------------------------------


def _control(app: FastAPI, platform: VneduPlatform) -> None:
    add_control_routes(app, platform)

    @app.get("/_sim/rates")
    async def rates() -> dict:
        return platform.rates()

    @app.put("/_sim/khoa-so")
    async def force_lock(request: Request) -> dict:
        body = await request.json()
        schools = [platform.schools[body["ma_truong"]]] if body.get("ma_truong") else list(platform.schools.values())
        for state in schools:
            state.forced_locks[(int(body["hoc_ky"]), body["loai"])] = body["dang_khoa"]
        return {"items": schools[0].window_list()}


def error_body(status: int) -> tuple[bytes, bytes]:
    codes = {429: "rate_limited", 503: "maintenance"}
    body = {"error": codes.get(status, "server_error"), "message": "Lỗi tạm thời, hãy thử lại"}
    return json.dumps(body).encode(), b"application/json"


def build(served: VneduState | VneduPlatform):
    """The ASGI app as served: the API behind its fault injector."""
    return FaultMiddleware(create_app(served), served.faults, error_body)
