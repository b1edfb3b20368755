"""Fault injection for the simulators: the platforms' bad days, on demand.

An ASGI middleware in front of each simulator adds latency, 5xx answers, 429 storms,
truncated or garbage bodies and dropped connections (before the request is handled, or
after it was applied, so that the answer is lost: the case idempotency keys exist for).
Token expiry in the middle of a paged pull is the simulators' own business: they read
`FaultProfile.token_expiry_every`. Decisions come from a seeded RNG, so a run replays.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import asdict, dataclass, replace
from typing import Any, Awaitable, Callable

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


@dataclass(frozen=True)
class FaultProfile:
    latency_ms: float = 0.0
    error_rate: float = 0.0  # 500/502/503/504 (503 with Retry-After)
    storm_rate: float = 0.0  # chance that a 429 storm starts
    storm_length: int = 4  # consecutive 429 answers in a storm
    truncated_rate: float = 0.0  # the body cut in half (with a matching Content-Length)
    garbage_rate: float = 0.0  # a 200 whose body is an HTML error page
    reset_rate: float = 0.0  # connection dropped; half of them after the request was applied
    soap_fault_rate: float = 0.0  # CSDL only: a QUA_TAI SOAP fault
    token_expiry_every: int = 0  # tokens die after this many authenticated requests (0: never)
    permanent_rate: float = 0.0  # non-transient refusals (403 / SOAP client fault)

    def transient_share(self) -> float:
        """About how many requests fail transiently (for reports and tests)."""
        return min(
            1.0,
            self.error_rate
            + self.storm_rate * self.storm_length
            + self.truncated_rate
            + self.garbage_rate
            + self.reset_rate
            + self.soap_fault_rate,
        )


PROFILES = {
    "none": FaultProfile(),
    "flaky": FaultProfile(
        latency_ms=2,
        error_rate=0.08,
        storm_rate=0.015,
        storm_length=4,
        truncated_rate=0.04,
        garbage_rate=0.03,
        reset_rate=0.04,
        soap_fault_rate=0.04,
        token_expiry_every=20,
    ),
    "hostile": FaultProfile(
        latency_ms=5,
        error_rate=0.1,
        storm_rate=0.02,
        storm_length=6,
        truncated_rate=0.05,
        garbage_rate=0.05,
        reset_rate=0.05,
        soap_fault_rate=0.05,
        token_expiry_every=10,
        permanent_rate=0.05,
    ),
}


def profile(name_or_fields: str | dict) -> FaultProfile:
    """A profile by name (``none``, ``flaky``, ``hostile``) or from explicit fields."""
    if isinstance(name_or_fields, str):
        if name_or_fields not in PROFILES:
            raise ValueError(f"unknown fault profile {name_or_fields!r}; known: {', '.join(PROFILES)}")
        return PROFILES[name_or_fields]
    return replace(FaultProfile(), **name_or_fields)


class FaultInjector:
    """Holds the active profile and the RNG; shared by a simulator and its middleware."""

    def __init__(
        self,
        active: FaultProfile | None = None,
        seed: int = 1,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.profile = active or FaultProfile()
        self.rng = random.Random(f"faults:{seed}")
        self.sleep = sleep
        self.storm_left = 0
        self.injected: dict[str, int] = {}

    def set(self, new: FaultProfile) -> None:
        self.profile, self.storm_left = new, 0

    def roll(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate

    def count(self, kind: str) -> None:
        self.injected[kind] = self.injected.get(kind, 0) + 1

    def as_dict(self) -> dict:
        return {"profile": asdict(self.profile), "injected": dict(sorted(self.injected.items()))}


def _body(status: int, body: bytes, content_type: bytes, headers: list | None = None) -> list[dict]:
    head = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    return [
        {"type": "http.response.start", "status": status, "headers": head + (headers or [])},
        {"type": "http.response.body", "body": body},
    ]


class ConnectionDropped(Exception):
    """Raised inside the server to cut the connection mid-answer (a simulated reset)."""


class FaultMiddleware:
    """ASGI middleware applying a `FaultInjector` to every request but the control paths."""

    def __init__(
        self,
        app,
        injector: FaultInjector,
        error_body: Callable[[int], tuple[bytes, bytes]],
        exempt_prefix: str = "/_sim",
    ):
        self.app, self.injector, self.error_body, self.exempt = app, injector, error_body, exempt_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt):
            return await self.app(scope, receive, send)
        inj, prof = self.injector, self.injector.profile
        if prof.latency_ms:
            await inj.sleep(prof.latency_ms / 1000)
        if inj.storm_left or inj.roll(prof.storm_rate):
            inj.storm_left = (inj.storm_left or prof.storm_length) - 1
            inj.count("429")
            body, ctype = self.error_body(429)
            return await self._send_all(send, _body(429, body, ctype, [(b"retry-after", b"1")]))
        if inj.roll(prof.error_rate):
            status = inj.rng.choice([500, 502, 503, 504])
            inj.count(str(status))
            body, ctype = self.error_body(status)
            extra = [(b"retry-after", b"1")] if status == 503 else []
            return await self._send_all(send, _body(status, body, ctype, extra))
        if inj.roll(prof.reset_rate / 2):
            inj.count("reset-before")
            await self._drop(send, 200, [], b"")
        messages: list[dict] = []

        async def capture(message: dict) -> None:
            messages.append(message)

        await self.app(scope, receive, capture)
        await self._after(send, messages)

    async def _after(self, send: Send, messages: list[dict]) -> None:
        inj, prof = self.injector, self.injector.profile
        start = next(m for m in messages if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        if inj.roll(prof.reset_rate / 2):  # the write happened; the answer is lost
            inj.count("reset-after")
            await self._drop(send, start["status"], headers, body)
        if start["status"] < 300 and inj.roll(prof.truncated_rate):
            inj.count("truncated")
            body = body[: len(body) // 2]
        elif start["status"] < 300 and inj.roll(prof.garbage_rate):
            inj.count("garbage")
            body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
            headers = [(k, v) for k, v in headers if k.lower() != b"content-type"]
            headers.append((b"content-type", b"text/html"))
        await send(
            {
                "type": "http.response.start",
                "status": start["status"],
                "headers": headers + [(b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    async def _drop(send: Send, status: int, headers: list, body: bytes) -> None:
        """Promise a longer body than is sent, then fail: the client sees a cut connection."""
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": headers + [(b"content-length", str(len(body) + 64).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body[: len(body) // 3], "more_body": True})
        raise ConnectionDropped("simulated connection reset")

    @staticmethod
    async def _send_all(send: Send, messages: list[dict]) -> None:
        for message in messages:
            await send(message)
