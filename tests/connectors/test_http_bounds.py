"""The shared HTTP client's bounds: a platform's ``Retry-After`` never makes the daemon sleep past the
run's retry budget, and students' data goes over plain ``http://`` only to this machine."""

import asyncio
import math

import httpx
import pytest

from lienthong.connectors.errors import ConfigError, TransientError
from lienthong.connectors.http import RetryPolicy, new_client, retry_after, with_retries

POLICY = RetryPolicy(attempts=3, initial=0.01, maximum=0.05, jitter=0.0, budget=30.0)


def waits_for(header: str) -> list[float]:
    """The sleeps of a run whose platform answers 429 with ``Retry-After: header`` twice, then succeeds."""
    slept: list[float] = []
    answers = iter([httpx.Response(429, headers={"Retry-After": header})] * 2)

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def operation() -> str:
        response = next(answers, None)
        if response is None:
            return "ok"
        raise TransientError("vnedu", "quá tải", retry_after(response))

    assert asyncio.run(with_retries(operation, POLICY, sleep)) == "ok"
    return slept


@pytest.mark.parametrize("header", ["inf", "Infinity", "1e308", "99999999", "-inf"])
def test_huge_or_infinite_retry_after_is_clamped_to_the_budget(header):
    slept = waits_for(header)
    assert len(slept) == 2 and all(0 <= s <= POLICY.budget for s in slept)
    if not header.startswith("-"):
        assert slept == [POLICY.budget, POLICY.budget]


@pytest.mark.parametrize("header", ["nan", "-5", "Wed, 21 Oct 2026 07:28:00 GMT", "soon", ""])
def test_nan_negative_or_non_numeric_retry_after_falls_back_to_backoff(header):
    slept = waits_for(header)
    assert len(slept) == 2 and all(0 <= s <= POLICY.maximum for s in slept)


def test_a_reasonable_retry_after_is_still_honoured():
    assert waits_for("7") == [7.0, 7.0]


def test_retry_after_parses_seconds_and_ignores_what_is_not_a_number():
    def header(value):
        return retry_after(httpx.Response(503, headers={"Retry-After": value}))

    assert header("2.5") == 2.5 and header("-3") == 0.0 and header("nan") is None and header("HTTP-date") is None
    assert math.isinf(header("inf"))  # kept as said: the policy bounds it, by its own budget
    assert retry_after(httpx.Response(503)) is None
    assert RetryPolicy(budget=10).bounded(math.inf) == 10 and RetryPolicy().bounded(math.nan) == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://vnedu.example.vn",
        "http://10.0.0.5:8080/api",
        "http://192.168.1.10",
        "http://localhost.attacker.example",
        "http://127.0.0.1.nip.io",
        "http://[2001:db8::1]/csdl",
    ],
)
def test_plain_http_to_another_machine_is_refused(url):
    with pytest.raises(ConfigError) as refused:
        new_client(url, platform="vnedu")
    assert "https://" in refused.value.message and url in refused.value.message
    assert refused.value.platform == "vnedu"


@pytest.mark.parametrize(
    "url",
    [
        "https://vnedu.example.vn",
        "http://127.0.0.1:8001",
        "http://127.3.4.5/api",
        "http://[::1]:8002/csdl",
        "http://localhost:8003",
        "http://LOCALHOST",
    ],
)
def test_https_and_loopback_http_are_allowed(url):
    client = new_client(url)
    assert str(client.base_url).startswith(url.lower().split(":")[0])
    asyncio.run(client.aclose())
