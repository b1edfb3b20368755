"""Request economy of the vnEdu connector against the simulator, 20 ms latency injected.

Counts requests for full pulls of a 2,000-student school (bound: ceil(records / page) + 2
per resource) and for an incremental pull after 50 changes (bound: ceil(50 / page) + 2),
and times the full student pull against a naive baseline that asks for one student per
request, measured in the same run. The simulator's 10 requests/s limit is switched off for
both, so the ratio shows the connector's own economy; with it on, every request costs at
least 100 ms more.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from datetime import date, datetime

from pydantic import SecretStr

from lienthong.connectors.http import RateLimiter
from lienthong.connectors.vnedu.api import VneduApi, VneduConfig
from lienthong.simulators.faults import FaultProfile
from lienthong.simulators.school import VN_TZ
from lienthong.simulators.server import Simulators

TODAY = date(2026, 11, 23)


def _connector(sims, page_size: int = 500) -> VneduApi:
    config = VneduConfig(
        sims.servers["vnedu"].url,
        sims.school.ma_truong,
        "lienthong-demo",
        SecretStr("demo-secret"),
        sims.school.start_year,
        rate_limit=0,
        page_size=page_size,
    )
    return VneduApi(config, limiter=RateLimiter(0))


async def _pull(connector, entity, cursor=None, **scope):
    before = connector.requests
    records, last = 0, cursor
    async for page in connector.pull(entity, cursor, **scope):
        records += len(page.records)
        last = page.cursor or last
    return records, connector.requests - before, last


async def _run(sims) -> None:
    async with _connector(sims) as api:
        await api.health()  # the token is fetched once, outside the counts
        scopes = {
            "hoc_sinh": {},
            "diem": {"hoc_ky": 1},
            "diem_danh": {"tu_ngay": "01/09/2026", "den_ngay": "23/11/2026"},
        }
        cursors = {}
        for entity, scope in scopes.items():
            start = time.perf_counter()
            records, requests, cursors[entity] = await _pull(api, entity, **scope)
            bound = math.ceil(records / 500) + 2
            print(
                f"pull: full {entity:<9} {records:>6} records in {requests:>3} requests (bound {bound}) "
                f"{time.perf_counter() - start:.2f} s"
            )
        maths = [sheet for (_, mon, _), sheet in sims.vnedu.scores.items() if mon == "TOAN"][:50]
        changes = [
            dict({k: v for k, v in sheet.items() if k != "updated_at"}, ddg_gk="1" if sheet["ddg_gk"] != "1" else "2")
            for sheet in maths
        ]
        applied = sum(r.outcome.value == "applied" for r in await api.push("diem", changes, str(uuid.uuid4())))
        records, requests, _ = await _pull(api, "diem", cursors["diem"], hoc_ky=1)
        print(
            f"pull: incremental diem after {applied} changes: {records} records in {requests} requests "
            f"(bound {math.ceil(50 / 500) + 2})"
        )
        start = time.perf_counter()
        _, paged_requests, _ = await _pull(api, "hoc_sinh")
        paged = time.perf_counter() - start
    async with _connector(sims, page_size=1) as naive:
        await naive.health()
        start = time.perf_counter()
        _, naive_requests, _ = await _pull(naive, "hoc_sinh")
        slow = time.perf_counter() - start
    print(
        f"pull: students paged {paged:.2f} s / {paged_requests} requests vs one per request {slow:.2f} s / "
        f"{naive_requests} requests: {slow / paged:.1f}x faster"
    )


def main() -> None:
    sims = Simulators.create(
        seed=1, students=2000, today=TODAY, rate_limit=0, clock=lambda: datetime(2026, 11, 23, 10, tzinfo=VN_TZ)
    ).start()
    sims.set_faults(FaultProfile(latency_ms=20))
    try:
        asyncio.run(_run(sims))
    finally:
        sims.stop()


if __name__ == "__main__":
    main()
