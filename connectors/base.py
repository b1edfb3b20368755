"""The one extension point: what every platform connector does.

A connector pulls platform records (full, or incremental from its own cursor), pushes
batches with an idempotency key and reports each item's outcome, tells its lock windows and
answers a health check. It knows the wire and nothing about reconciliation. Connectors are
listed by name in `connectors.registry`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any, AsyncIterator, ClassVar

from lienthong.mapping.canonical import LockWindow


@dataclass(frozen=True)
class Record:
    """One record as the platform holds it (its own field names), with its key and version."""

    entity: str
    key: str
    version: int
    data: dict[str, Any]
    updated_at: str | None = None


@dataclass
class PullPage:
    """Records of one page and the cursor to resume after them (committed with the records)."""

    records: list[Record]
    cursor: dict[str, Any] | None
    requests: int = 1


class PushOutcome(str, Enum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"  # the platform has another version: re-read and re-plan
    LOCKED = "locked"  # the window is closed: wait
    INVALID = "invalid"  # refused: dead-letter with the platform's message
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class PushResult:
    key: str
    outcome: PushOutcome
    version: int | None = None
    message: str = ""
    issued_key: str | None = None  # a key the platform just created (a new CSDL student's ID)


@dataclass(frozen=True)
class Health:
    platform: str
    ok: bool
    detail: str
    extra: dict[str, Any] = field(default_factory=dict)


class Connector(ABC):
    """What lienthong needs of a platform."""

    name: ClassVar[str]
    pulls: ClassVar[tuple[str, ...]] = ()
    pushes: ClassVar[tuple[str, ...]] = ()
    max_batch: ClassVar[int] = 200

    @abstractmethod
    def pull(self, entity: str, cursor: dict[str, Any] | None = None, **scope: Any) -> AsyncIterator[PullPage]:
        """Pages of ``entity``; with a cursor, only what changed since (boundary included,
        duplicates removed)."""

    @abstractmethod
    async def push(self, entity: str, items: list[dict[str, Any]], idempotency_key: str) -> list[PushResult]:
        """Send one batch; one result per item, in order. Only the platform's acknowledgement
        of an item makes it `PushOutcome.APPLIED`; a failed request raises instead."""

    @abstractmethod
    async def lock_windows(self) -> list[LockWindow]: ...

    @abstractmethod
    async def health(self) -> Health: ...

    @classmethod
    def from_settings(cls, section: Any, settings: Any, policy: Any) -> "Connector":
        """Build from this platform's settings section (its TOML table), the installation's
        settings (school code, year, secrets) and the retry policy. Credentials missing:
        `SettingsError` naming the setting."""
        raise NotImplementedError(f"{cls.__name__} cannot be built from settings")

    def pull_plan(self, school_year: str, semester: str, today: date) -> list[tuple[str, dict[str, Any]]]:
        """What one run reads: (entity, scope) pairs for the year's data begun so far."""
        return [(entity, {}) for entity in self.pulls]

    async def aclose(self) -> None:  # noqa: B027 (optional for connectors without resources)
        """Release connections."""

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    def check_entity(self, entity: str, allowed: tuple[str, ...]) -> None:
        if entity not in allowed:
            raise ValueError(f"{self.name} cannot handle {entity!r}; it knows {', '.join(allowed)}")
