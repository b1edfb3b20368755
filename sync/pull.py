"""Pull: platform pages → per-source snapshots, each page committed with its cursor."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import AsyncIterator, Callable

from sqlmodel import Session

from lienthong.connectors.base import Connector, PullPage
from lienthong.store.repository import SnapshotRecord, upsert_snapshots
from lienthong.sync.state import RunStore, load_cursor, save_cursor


async def _prefetched(pages: AsyncIterator[PullPage], depth: int = 2) -> AsyncIterator[PullPage]:
    """The next page is requested while the current one is being written: under a platform's
    rate limit the store's work then costs no wall time."""
    queue: asyncio.Queue = asyncio.Queue(maxsize=depth)
    done = object()

    async def produce() -> None:
        try:
            async for page in pages:
                await queue.put(page)
            await queue.put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            await queue.put(exc)

    producer = asyncio.create_task(produce())
    try:
        while (item := await queue.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        producer.cancel()


async def pull_platform(
    connector: Connector,
    store: RunStore,
    scopes: list[tuple[str, dict]],
    full: bool,
    clock: Callable,
    progress: Callable[[str, int], None] | None = None,
    heartbeat: Callable[[Session], None] | None = None,
) -> Counter:
    """Read every scope; unchanged records cost no write. Returns counts by outcome.

    ``heartbeat``: called in each step's transaction (the run renews its lease there, so a
    page is committed only while the run still holds the platform)."""
    counts: Counter = Counter()
    for entity, scope in scopes:
        with store.step() as session:
            if heartbeat:
                heartbeat(session)
            cursor = None if full else load_cursor(session, connector.name, entity, scope)
        async for page in _prefetched(connector.pull(entity, cursor, **scope)):
            with store.step() as session:  # the cursor is committed with the records it covers
                if heartbeat:
                    heartbeat(session)
                now = clock()
                records = [SnapshotRecord(connector.name, entity, r.key, r.version, r.data) for r in page.records]
                counts.update(outcome.value for outcome in upsert_snapshots(session, records, now))
                save_cursor(session, connector.name, entity, scope, page.cursor, now)
            counts["records"] += len(page.records)
            if progress:
                progress(entity, len(page.records))
    return counts
