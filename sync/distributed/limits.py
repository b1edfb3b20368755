"""Rate limits shared by every worker: the platform counts requests per client, not per process.

The connectors take a limiter (`connectors.http.RateLimiter`'s ``acquire``); in distributed mode
each is given a `SharedRateLimiter` whose slots are rows in PostgreSQL (`store.schools.take_rate_slot`).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import sqlalchemy as sa

from lienthong.connectors.base import Connector
from lienthong.store.schools import give_back_rate_slot, take_rate_slot


class SharedRateLimiter:
    """At most ``rate`` requests in any ``window`` seconds for (platform, client), across processes,
    however late each leaves or is answered: a slot is held from before the request until ``window``
    after its answer (`store.schools.take_rate_slot`)."""

    def __init__(self, engine: sa.Engine, platform: str, client_id: str, rate: int, window: float = 1.05):
        self.engine, self.platform, self.client_id = engine, platform, client_id
        self.rate, self.window = int(rate), window

    async def acquire(self) -> str | None:
        """Wait for a slot; the slot, to give back when the request is answered (`release`)."""
        if self.rate <= 0:
            return None
        slot = uuid.uuid4().hex[:16]
        while True:
            wait = await asyncio.to_thread(
                take_rate_slot, self.engine, self.platform, self.client_id, self.rate, self.window, slot
            )
            if wait <= 0:
                return slot
            await asyncio.sleep(wait)

    async def release(self, slot: str | None) -> None:
        if slot is not None:
            await asyncio.to_thread(give_back_rate_slot, self.engine, self.platform, self.client_id, slot)


def client_of(connector: Connector) -> str:
    """Whom the platform counts requests of: the partner client (vnEdu), the account (CSDL), else the school."""
    config: Any = getattr(connector, "config", None)
    for name in ("client_id", "username", "ma_truong"):
        value = getattr(config, name, None)
        if value:
            return str(value)
    return ""


def share_limits(connectors: dict[str, Connector], engine: sa.Engine, window: float) -> None:
    """Replace each connector's own limiter by one shared through ``engine`` at the same rate."""
    for name, connector in connectors.items():
        own = getattr(connector, "limiter", None)
        rate = getattr(own, "rate", 0)
        if own is not None and rate > 0:
            connector.limiter = SharedRateLimiter(engine, name, client_of(connector), rate, window)
