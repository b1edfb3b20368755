"""Request counts of the vnEdu connector on a 2,000-student school (the bench times them)."""

import asyncio
import math
import uuid
from datetime import date

import pytest
from pydantic import SecretStr

from lienthong.connectors.http import RateLimiter
from lienthong.connectors.vnedu.api import VneduApi, VneduConfig
from lienthong.simulators.server import Simulators
from tests.simulators.conftest import pinned


@pytest.fixture(scope="module")
def sims():
    running = Simulators.create(seed=2, students=2000, today=date(2026, 11, 23), clock=pinned, rate_limit=0).start()
    yield running
    running.stop()


def connector(sims):
    config = VneduConfig(
        sims.servers["vnedu"].url, sims.school.ma_truong, "lienthong-demo", SecretStr("demo-secret"), 2026, rate_limit=0
    )
    return VneduApi(config, limiter=RateLimiter(0))


async def count(api, entity, cursor=None, **scope):
    before, records, last = api.requests, 0, None
    async for page in api.pull(entity, cursor, **scope):
        records += len(page.records)
        last = page.cursor or last
    return records, api.requests - before, last


def test_full_and_incremental_pulls_stay_within_the_bounds(sims):
    async def run():
        async with connector(sims) as api:
            await api.health()
            students, requests, _ = await count(api, "hoc_sinh")
            assert students == len(sims.vnedu.students) and requests <= math.ceil(students / 500) + 2
            scores, requests, cursor = await count(api, "diem", hoc_ky=1)
            assert scores == 24000 and requests <= math.ceil(scores / 500) + 2
            maths = [s for (_, mon, _), s in sims.vnedu.scores.items() if mon == "TOAN"][:50]
            changes = [
                dict({k: v for k, v in s.items() if k != "updated_at"}, ddg_ck="1" if s["ddg_ck"] != "1" else "2")
                for s in maths
            ]
            assert all(r.outcome.value == "applied" for r in await api.push("diem", changes, str(uuid.uuid4())))
            changed, requests, _ = await count(api, "diem", cursor, hoc_ky=1)
            assert changed == 50 and requests <= math.ceil(50 / 500) + 2
            again, _, _ = await count(api, "diem", cursor, hoc_ky=1)
            assert again == 50  # the cursor of the first pull still sees them (nothing lost)

    asyncio.run(run())
