"""The shared HTTP policy: timeouts, retries as data, rate limits, one place for all platforms.

Retry policy is declared once per platform (`RetryPolicy`) and run by tenacity: exponential
backoff with jitter, honouring ``Retry-After``, retrying only `TransientError`, within a
total time budget. Clock and sleep are injected so tests neither wait nor need sockets.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import time
from collections import deque
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable, ClassVar, TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt, stop_after_delay
from tenacity.wait import wait_exponential_jitter

from lienthong.connectors.base import Connector, Health
from lienthong.connectors.errors import ConfigError, ConnectorError, PermanentError, TransientError

if TYPE_CHECKING:  # httpx loads with the first client: a command that makes none (reconcile) never pays for it
    import ssl

    import httpx

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]
TIMEOUT = 30.0  # seconds for a whole answer…
CONNECT_TIMEOUT = 10.0  # …and for the connection


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
        asked = getattr(error, "retry_after", None) or 0.0  # the platform knows best…
        return max(backoff, self.bounded(asked))

    def bounded(self, seconds: float) -> float:
        """…but within this run's budget: ``Retry-After: 1e9`` must not put the daemon to sleep for ever."""
        if math.isnan(seconds):
            return 0.0
        return min(max(seconds, 0.0), self.budget)


HEALTH_POLICY = RetryPolicy(attempts=2, initial=0.2, maximum=1.0, budget=10.0)  # a check answers fast


async def with_retries(
    operation: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    sleep: Sleep = asyncio.sleep,
    on_retry: Callable[[BaseException], None] | None = None,
) -> T:
    """Run ``operation``, retrying `TransientError` as ``policy`` says; other errors pass through."""
    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.attempts) | stop_after_delay(policy.budget),
        wait=policy.wait,
        retry=retry_if_exception_type(TransientError),
        sleep=sleep,
        reraise=True,
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

    async def release(self, slot: Any = None) -> None:
        """The request sent with the slot was answered: counted from its start here, nothing to do
        (a limiter shared between processes counts it until its answer: `sync.distributed.limits`)."""


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from a ``Retry-After`` header (the contracts use seconds); not a number (an HTTP
    date, ``nan``, garbage): ignored. The policy bounds the value by its budget (`RetryPolicy.bounded`)."""
    value = response.headers.get("retry-after")
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    if seconds is None or math.isnan(seconds):
        return None
    return max(0.0, seconds)


def transport_error(platform: str, error: httpx.TransportError) -> TransientError:
    """Timeouts, refused and cut connections: always transient, never the platform's answer."""
    return TransientError(platform, f"Lỗi kết nối tạm thời ({type(error).__name__}), sẽ thử lại")


def new_client(
    base_url: str, transport: httpx.AsyncBaseTransport | None = None, *, platform: str = "http", **kwargs
) -> httpx.AsyncClient:
    """An async client with the project's timeouts; TLS verification always on; plain ``http://``
    only to this machine (a simulator, a local proxy): students' data never crosses a network unencrypted."""
    import httpx

    _require_tls(base_url, platform)
    timeout = httpx.Timeout(TIMEOUT, connect=CONNECT_TIMEOUT)
    return httpx.AsyncClient(base_url=base_url, transport=transport, timeout=timeout, verify=tls_context(), **kwargs)


@cache
def tls_context() -> ssl.SSLContext:
    """The verifying TLS context every client shares (httpx's own default, built once: loading the
    CA bundle costs ~25 ms, which a worker would otherwise pay at every job)."""
    import httpx

    return httpx.create_ssl_context(verify=True)


def _require_tls(base_url: str, platform: str) -> None:
    import httpx

    url = httpx.URL(base_url)
    if url.scheme == "http" and not _is_loopback(url.host):
        raise ConfigError(
            platform,
            f"Địa chỉ {base_url} dùng http:// không mã hoá: hãy dùng https:// "
            "(http:// chỉ được phép với máy này: 127.0.0.1, ::1, localhost).",
        )


def _is_loopback(host: str) -> bool:
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve anywhere


# --- the error table: status (and the platform's error code) → error class and message -----


@dataclass(frozen=True)
class ErrorRule:
    """One row of a platform's error table. ``statuses`` are HTTP statuses (or ``None`` for any);
    ``code`` narrows the row to the platform's own error code; ``message`` is Vietnamese and may
    use ``{status}``, ``{code}``, ``{message}`` and ``{details}`` from the answer."""

    statuses: tuple[int, ...] | None
    error: type[ConnectorError]
    message: str
    code: str | None = None

    def matches(self, status: int, code: str | None) -> bool:
        return (self.statuses is None or status in self.statuses) and (self.code is None or self.code == code)


SERVER_ERRORS = (429, 500, 502, 503, 504, *range(505, 600))


def classify(platform: str, table: tuple[ErrorRule, ...], response: httpx.Response, body: Any) -> ConnectorError:
    """The error a non-2xx answer means, by the first matching row of ``table``."""
    status = response.status_code
    answer = body if isinstance(body, dict) else {}
    code = answer.get("error")
    for rule in table:
        if rule.matches(status, code):
            text = rule.message.format(
                status=status, code=code, message=answer.get("message", ""), details=answer.get("details") or ""
            ).strip()
            if issubclass(rule.error, TransientError):
                return rule.error(platform, text, retry_after(response))
            return rule.error(platform, text)
    return PermanentError(platform, f"HTTP {status} ({code})")


class WireConnector(Connector):
    """What every networked connector shares: the rate limit, the request count, retries as
    the policy says. Subclasses describe only their wire (`_send`)."""

    def __init__(self, rate_limit: float, policy: RetryPolicy, sleep: Sleep, limiter: RateLimiter | None):
        self.policy, self.sleep = policy, sleep
        self.limiter = limiter or RateLimiter(rate_limit, sleep=sleep)
        self.requests = 0

    @asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        """Wait for the rate limit, count the request about to go out, and tell the limiter when it
        was answered (or failed): a request is the platform's to count from its start to its answer."""
        slot = await self.limiter.acquire()
        self.requests += 1
        try:
            yield
        finally:
            release = getattr(self.limiter, "release", None)
            if release is not None:
                await release(slot)

    async def _retried(self, operation: Callable[[], Awaitable[T]], policy: RetryPolicy | None = None) -> T:
        return await with_retries(operation, policy or self.policy, self.sleep)

    async def _health(self, probe: Callable[[], Awaitable[tuple[str, dict]]]) -> Health:
        """A health answer from ``probe`` (detail, extra); a refusal or silence is reported, not raised."""
        try:
            detail, extra = await probe()
        except ConnectorError as exc:
            return Health(self.name, False, exc.message, {"unreachable": isinstance(exc, TransientError)})
        return Health(self.name, True, detail, extra)


class HttpConnector(WireConnector):
    """A connector over JSON HTTP: one request with transport errors translated, the body
    decoded, and a non-2xx answer classified by the class's `errors` table."""

    errors: ClassVar[tuple[ErrorRule, ...]] = ()

    def __init__(
        self,
        base_url: str,
        rate_limit: float,
        transport: httpx.AsyncBaseTransport | None,
        policy: RetryPolicy,
        sleep: Sleep,
        limiter: RateLimiter | None,
        headers: dict | None = None,
    ):
        super().__init__(rate_limit, policy, sleep, limiter)
        self.client = new_client(base_url, transport, platform=self.name, **({"headers": headers} if headers else {}))

    async def aclose(self) -> None:
        await self.client.aclose()

    async def _request(self, method: str, path: str, **kwargs) -> tuple[httpx.Response, Any]:
        import httpx

        async with self._slot():
            try:
                response = await self.client.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                raise transport_error(self.name, exc) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        return response, body

    def _answer(self, response: httpx.Response, body: Any, what: str) -> Any:
        """The decoded body of a 2xx answer; otherwise the error the table says."""
        if 200 <= response.status_code < 300:
            if body is None:
                raise TransientError(self.name, f"{what} trả lời không phải JSON hợp lệ; sẽ thử lại")
            return body
        raise classify(self.name, self.errors, response, body)
