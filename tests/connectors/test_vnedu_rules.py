"""Every retry/stop rule of the vnEdu contract's error table, with respx (no sockets, no waiting)."""

import asyncio

import httpx
import pytest
import respx
from pydantic import SecretStr

from lienthong.connectors.base import PushOutcome
from lienthong.connectors.errors import AuthError, PermanentError, TransientError
from lienthong.connectors.http import RateLimiter, RetryPolicy
from lienthong.connectors.vnedu.api import VneduApi, VneduConfig

BASE = "https://vnedu.test"
SCHOOL = f"{BASE}/api/v1/truong/79000701"
PAGE = {
    "items": [{"ma_lop": "6A1", "ten_lop": "6A1", "khoi": 6, "gvcn_ma_gv": "GV1", "gvcn_ho_ten": "X"}],
    "next_cursor": None,
}
TOKEN = {"access_token": "t1", "token_type": "Bearer", "expires_in": 900}


class Sleeps:
    def __init__(self):
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def api(sleep=None, attempts=5) -> VneduApi:
    config = VneduConfig(BASE, "79000701", "lienthong-demo", SecretStr("s3cret-value"), 2026)
    sleep = sleep or Sleeps()
    return VneduApi(
        config,
        policy=RetryPolicy(attempts=attempts, initial=0.01, maximum=0.05, budget=60),
        sleep=sleep,
        limiter=RateLimiter(0),
    )


async def pull_classes(connector) -> list:
    return [r async for page in connector.pull("lop") for r in page.records]


@pytest.fixture
def mock():
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{BASE}/oauth/token").mock(return_value=httpx.Response(200, json=TOKEN))
        yield router


@pytest.mark.parametrize("status", [429, 503])
def test_429_and_503_wait_retry_after_then_succeed(mock, status):
    mock.get(f"{SCHOOL}/lop").mock(
        side_effect=[
            httpx.Response(status, headers={"Retry-After": "7"}, json={"error": "rate_limited", "message": ""}),
            httpx.Response(200, json=PAGE),
        ]
    )
    sleeps = Sleeps()
    records = asyncio.run(pull_classes(api(sleeps)))
    assert [r.key for r in records] == ["6A1"]
    assert sleeps.waits and sleeps.waits[0] >= 7  # Retry-After honoured, even above the backoff cap


@pytest.mark.parametrize("status", [500, 502, 504])
def test_server_errors_are_retried_with_backoff(mock, status):
    mock.get(f"{SCHOOL}/lop").mock(
        side_effect=[httpx.Response(status), httpx.Response(status), httpx.Response(200, json=PAGE)]
    )
    sleeps = Sleeps()
    assert len(asyncio.run(pull_classes(api(sleeps)))) == 1
    assert len(sleeps.waits) == 2


@pytest.mark.parametrize(
    "broken",
    [
        httpx.Response(200, content=b'{"items": [{"ma_lop": "6A'),  # truncated
        httpx.Response(200, content=b"<html>502 Bad Gateway</html>"),  # not JSON
        httpx.Response(200, json={"items": []}),  # a page that ends early: no next_cursor
    ],
)
def test_bodies_that_do_not_parse_are_transient(mock, broken):
    mock.get(f"{SCHOOL}/lop").mock(side_effect=[broken, httpx.Response(200, json=PAGE)])
    assert len(asyncio.run(pull_classes(api()))) == 1


def test_connection_errors_are_transient(mock):
    mock.get(f"{SCHOOL}/lop").mock(
        side_effect=[
            httpx.ConnectError("refused"),
            httpx.ReadTimeout("slow"),
            httpx.RemoteProtocolError("cut"),
            httpx.Response(200, json=PAGE),
        ]
    )
    assert len(asyncio.run(pull_classes(api()))) == 1


def test_retries_stop_at_the_budget_with_a_transient_error(mock):
    mock.get(f"{SCHOOL}/lop").mock(return_value=httpx.Response(500))
    with pytest.raises(TransientError):
        asyncio.run(pull_classes(api(attempts=3)))
    assert mock.routes[1].call_count == 3


def test_invalid_token_is_refreshed_once_and_the_request_repeated(mock):
    token_route = mock.routes[0]
    token_route.mock(
        side_effect=[httpx.Response(200, json=TOKEN), httpx.Response(200, json={**TOKEN, "access_token": "t2"})]
    )
    lop = mock.get(f"{SCHOOL}/lop").mock(
        side_effect=[httpx.Response(401, json={"error": "invalid_token"}), httpx.Response(200, json=PAGE)]
    )
    assert len(asyncio.run(pull_classes(api()))) == 1
    assert token_route.call_count == 2
    assert lop.calls[-1].request.headers["Authorization"] == "Bearer t2"


def test_invalid_token_twice_stops(mock):
    mock.get(f"{SCHOOL}/lop").mock(return_value=httpx.Response(401, json={"error": "invalid_token"}))
    with pytest.raises(AuthError):
        asyncio.run(pull_classes(api()))


def test_invalid_client_stops_and_names_the_setting(mock):
    mock.routes[0].mock(return_value=httpx.Response(401, json={"error": "invalid_client", "message": "no"}))
    with pytest.raises(AuthError) as caught:
        asyncio.run(pull_classes(api()))
    assert "LIENTHONG_VNEDU_CLIENT_SECRET" in caught.value.message
    assert "s3cret-value" not in str(caught.value)  # the secret never reaches a message
    assert mock.routes[0].call_count == 1  # not retried


@pytest.mark.parametrize(
    ("status", "error", "kind"),
    [
        (400, "bad_request", PermanentError),
        (403, "forbidden", AuthError),
        (404, "not_found", PermanentError),
        (422, "validation_error", PermanentError),
    ],
)
def test_client_errors_stop_without_retry(mock, status, error, kind):
    route = mock.get(f"{SCHOOL}/lop").mock(return_value=httpx.Response(status, json={"error": error, "message": "x"}))
    with pytest.raises(kind):
        asyncio.run(pull_classes(api()))
    assert route.call_count == 1


def test_push_sends_the_idempotency_key_and_maps_each_outcome(mock):
    answer = {
        "items": [
            {"key": "a", "status": "applied", "version": 3, "message": ""},
            {"key": "b", "status": "conflict", "version": 9, "message": "x"},
            {"key": "c", "status": "locked", "version": 1, "message": "khoá"},
            {"key": "d", "status": "invalid", "version": 1, "message": "Điểm 11"},
        ]
    }
    route = mock.put(f"{SCHOOL}/diem").mock(
        side_effect=[httpx.Response(503, headers={"Retry-After": "1"}), httpx.Response(200, json=answer)]
    )
    results = asyncio.run(api().push("diem", [{"x": i} for i in range(4)], "batch-key-1"))
    assert [r.outcome for r in results] == [
        PushOutcome.APPLIED,
        PushOutcome.CONFLICT,
        PushOutcome.LOCKED,
        PushOutcome.INVALID,
    ]
    assert results[1].version == 9 and results[3].message == "Điểm 11"
    assert {c.request.headers["Idempotency-Key"] for c in route.calls} == {"batch-key-1"}  # the retry reuses it


def test_push_answer_missing_items_is_never_taken_as_applied(mock):
    mock.put(f"{SCHOOL}/diem").mock(return_value=httpx.Response(200, json={"items": []}))
    with pytest.raises(TransientError):
        asyncio.run(api(attempts=2).push("diem", [{"x": 1}], "k"))


def test_push_batches_over_200_are_refused_before_sending(mock):
    with pytest.raises(ValueError):
        asyncio.run(api().push("diem", [{}] * 201, "k"))


def test_incremental_pull_resumes_inclusively_and_drops_what_it_has():
    rows = [
        {"ma_hoc_sinh": f"18000000{i:02d}", "updated_at": f"2026-11-0{1 + i // 2}T08:00:00+07:00", "version": 1}
        for i in range(5)
    ]
    calls = []

    def answer(request):
        calls.append(dict(request.url.params))
        since = request.url.params.get("updated_since")
        return httpx.Response(
            200, json={"items": [r for r in rows if not since or r["updated_at"] >= since], "next_cursor": None}
        )

    with respx.mock() as router:
        router.post(f"{BASE}/oauth/token").mock(return_value=httpx.Response(200, json=TOKEN))
        router.get(f"{SCHOOL}/hoc-sinh").mock(side_effect=answer)
        connector = api()

        async def run(cursor):
            pages = [p async for p in connector.pull("hoc_sinh", cursor)]
            return [r.key for p in pages for r in p.records], pages[-1].cursor

        first, cursor = asyncio.run(run(None))
        assert len(first) == 5 and cursor["since"] == "2026-11-03T08:00:00+07:00"
        rows.append({"ma_hoc_sinh": "1800000099", "updated_at": "2026-11-03T08:00:00+07:00", "version": 1})
        second, _ = asyncio.run(run(cursor))
    assert calls[-1]["updated_since"] == "2026-11-03T08:00:00+07:00"  # inclusive resume point
    assert second == ["1800000099"]  # the boundary record already held is not returned twice
