"""The shared HTTP policy: timeouts, retries as data, rate limits, one place for all platforms.

Retry policy is declared once per platform (`RetryPolicy`) and run by tenacity: exponential
backoff with jitter, honouring ``Retry-After``, retrying only `TransientError`, within a
total time budget. Clock and sleep are injected so tests neither wait nor need sockets.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass
from typing import Awaitable, Callable, TypeVar

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt, stop_after_delay
from tenacity.wait import wait_exponential_jitter

from lienthong.connectors.errors import TransientError

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts, backoff bounds (seconds) and a total time budget."""

    attempts: int = 10
    initial: float = 0.2
    maximum: float = 10.0
    jitter: float = 0.2
    budget: float = 120.0

    def wait(self, state: RetryCallState) -> float:
        backoff = wait_exponential_jitter(multiplier=self.initial, max=self.maximum, jitter=self.jitter)(state)
        error = state.outcome.exception() if state.outcome else None
        return max(backoff, getattr(error, "retry_after", None) or 0.0)  # the platform knows best


HEALTH_POLICY = RetryPolicy(attempts=2, initial=0.2, maximum=1.0, budget=10.0)  # a check answers fast


async def with_retries(operation: Callable[[], Awaitable[T]], policy: RetryPolicy, sleep: Sleep = asyncio.sleep,
                       on_retry: Callable[[BaseException], None] | None = None) -> T:
    """Run ``operation``, retrying `TransientError` as ``policy`` says; other errors pass through."""
    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.attempts) | stop_after_delay(policy.budget),
        wait=policy.wait, retry=retry_if_exception_type(TransientError), sleep=sleep, reraise=True,
        before_sleep=(lambda state: on_retry(state.outcome.exception())) if on_retry else None,
    )
    async for attempt in retrying:
        with attempt:
            return await operation()
    raise AssertionError("unreachable: tenacity reraises the last error")


class RateLimiter:
    """At most ``rate`` requests in any ``window`` seconds (the platforms count the same way)."""

    def __init__(self, rate: float, window: float = 1.05, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep):
        self.rate, self.window, self.clock, self.sleep = int(rate), window, clock, sleep
        self.sent: deque[float] = deque()
        self.lock = asyncio.Lock()

    async def acquire(self) -> None:
        if self.rate <= 0:
            return
        async with self.lock:
            while True:
                now = self.clock()
                while self.sent and self.sent[0] <= now - self.window:
                    self.sent.popleft()
                if len(self.sent) < self.rate:
                    self.sent.append(now)
                    return
                await self.sleep(self.sent[0] + self.window - now)


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from a ``Retry-After`` header (the contracts use seconds)."""
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def transport_error(platform: str, error: httpx.TransportError) -> TransientError:
    """Timeouts, refused and cut connections: always transient, never the platform's answer."""
    return TransientError(platform, f"Lỗi kết nối tạm thời ({type(error).__name__}), sẽ thử lại")


def new_client(base_url: str, transport: httpx.AsyncBaseTransport | None = None, **kwargs) -> httpx.AsyncClient:
    """An async client with the project's timeouts; TLS verification always on."""
    return httpx.AsyncClient(base_url=base_url, transport=transport, timeout=TIMEOUT, verify=True, **kwargs)
