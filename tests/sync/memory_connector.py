"""An in-memory platform for outbox tests: scripted answers per item and per batch, every
push recorded.

Answers are scripted by record key (the connector finds an item's key in its payload with
``key_of``), never by the order of batches, since the outbox sends batches in the order of
their idempotency keys (hashes). A whole batch can be made to raise: the first batch that
contains a given key raises the scripted error (once per script entry).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from lienthong.connectors.base import Connector, Health, PullPage, PushOutcome, PushResult
from lienthong.connectors.errors import ConnectorError


@dataclass(frozen=True)
class PushCall:
    """One push as the platform received it."""

    entity: str
    keys: tuple[str, ...]
    items: tuple[dict, ...]
    idempotency_key: str


@dataclass(frozen=True)
class Answer:
    outcome: PushOutcome
    version: int | None = None
    message: str = ""


APPLIED = Answer(PushOutcome.APPLIED)


class MemoryConnector(Connector):
    """A platform held in memory. Unscripted items are answered APPLIED without a version.

    Args:
        name: the platform's name (two instances with different names are two platforms).
        max_batch: items per batch.
        key_of: finds an item's record key in its payload.
        windows: what ``lock_windows`` reports.
    """

    pushes = ("diem", "diem_danh", "hoc_sinh")

    def __init__(
        self,
        name: str,
        max_batch: int = 2,
        key_of: Callable[[dict], str] = lambda p: p["ma"],
        windows: list | None = None,
    ):
        self.name = name
        self.max_batch = max_batch
        self.key_of = key_of
        self.windows = list(windows or [])
        self.calls: list[PushCall] = []
        self.window_requests = 0
        self._answers: dict[str, deque[Answer]] = defaultdict(deque)
        self._raises: list[tuple[str, ConnectorError]] = []

    # --- scripting ------------------------------------------------------------------------

    def answer(self, key: str, *answers: Answer) -> MemoryConnector:
        """The answers for ``key``'s next pushes, in order; then APPLIED."""
        self._answers[key].extend(answers)
        return self

    def raise_on(self, key: str, error: ConnectorError) -> MemoryConnector:
        """The next batch that contains ``key`` raises ``error`` (and answers nothing)."""
        self._raises.append((key, error))
        return self

    # --- what the tests read --------------------------------------------------------------

    def calls_with(self, key: str) -> list[PushCall]:
        return [call for call in self.calls if key in call.keys]

    @property
    def pushed_keys(self) -> list[str]:
        return [key for call in self.calls for key in call.keys]

    # --- the Connector --------------------------------------------------------------------

    async def push(self, entity: str, items: list[dict[str, Any]], idempotency_key: str) -> list[PushResult]:
        keys = tuple(self.key_of(item) for item in items)
        self.calls.append(PushCall(entity, keys, tuple(dict(item) for item in items), idempotency_key))
        for index, (key, error) in enumerate(self._raises):
            if key in keys:
                del self._raises[index]
                raise error
        results = []
        for key in keys:
            scripted = self._answers.get(key)
            answer = scripted.popleft() if scripted else APPLIED
            results.append(PushResult(key, answer.outcome, answer.version, answer.message))
        return results

    async def lock_windows(self) -> list:
        self.window_requests += 1
        return list(self.windows)

    async def pull(self, entity: str, cursor: dict[str, Any] | None = None, **scope: Any) -> AsyncIterator[PullPage]:
        if False:  # an async generator that yields nothing: this platform is only pushed to
            yield PullPage([], cursor)

    async def health(self) -> Health:
        return Health(self.name, True, "ok")
