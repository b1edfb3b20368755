"""Sync throughput against the simulators, 20 ms latency injected, vnEdu's 10 requests/s on.

- A full sync of a 2,000-student school (pull, plan, deliver): its time against the floor
  the platform's rate limit sets (requests / 10 per second); aim: within 1.5x.
- The same records read one per request (the sequential baseline), timed on a sample of
  200 records in the same run and scaled to the full count (a full measurement would take
  most of an hour at 10 requests/s).
- An incremental sync after 50 changes: its requests and time.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date, datetime, timedelta

from pydantic import SecretStr

from lienthong.connectors.gradebook.excel import Expect
from lienthong.connectors.vnedu.api import VneduApi, VneduConfig
from lienthong.simulators.faults import FaultProfile
from lienthong.simulators.gradebooks import score_book
from lienthong.simulators.school import VN_TZ
from lienthong.simulators.server import Simulators
from lienthong.store.db import make_engine, migrate
from lienthong.sync.file_import import import_score_book
from lienthong.sync.run import RunOptions, run_once

NOW = datetime(2026, 11, 23, 10, tzinfo=VN_TZ)


def _clock() -> datetime:
    return NOW


def _api(sims, page_size: int = 500) -> VneduApi:
    return VneduApi(
        VneduConfig(
            sims.servers["vnedu"].url,
            sims.school.ma_truong,
            "lienthong-demo",
            SecretStr("demo-secret"),
            2026,
            rate_limit=10,
            page_size=page_size,
        )
    )


async def _sync(sims, engine) -> tuple[float, int, object]:
    async with _api(sims) as api:
        start = time.perf_counter()
        report = await run_once({"vnedu": api}, engine, RunOptions(), _clock)
        return time.perf_counter() - start, api.requests, report


async def _one_at_a_time(sims, records: int) -> float:
    async with _api(sims, page_size=1) as api:
        await api.health()
        start = time.perf_counter()
        seen = 0
        async for page in api.pull("hoc_sinh"):
            seen += len(page.records)
            if seen >= records:
                break
        return (time.perf_counter() - start) / seen


def main(tmp: str = "/tmp/lienthong-bench-sync") -> None:
    import pathlib
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    pathlib.Path(tmp).mkdir(parents=True)
    sims = Simulators.create(seed=1, students=2000, today=date(2026, 11, 23), clock=_clock).start()
    try:
        url = f"sqlite:///{tmp}/sync.db"
        migrate(url)
        engine = make_engine(url)
        for code in ("VAN", "TOAN", "NN1", "GDCD", "LSDL", "KHTN", "CN", "TIN"):
            import_score_book(
                engine, score_book(sims.school, code), Expect(subject=code, semester="1"), None, "gv", _clock
            )
        sims.set_faults(FaultProfile(latency_ms=20))
        elapsed, requests, report = asyncio.run(_sync(sims, engine))
        floor = requests / 10
        records = report.pulled["vnedu"]["records"]
        print(
            f"sync: full vnEdu sync of 2000 students: {records} records, {requests} requests in {elapsed:.1f} s; "
            f"rate-limit floor {floor:.1f} s -> {elapsed / floor:.2f}x the floor (aim <= 1.5x)"
        )
        per_record = asyncio.run(_one_at_a_time(sims, 200))
        baseline = per_record * records
        print(
            f"sync: one record per request, measured on 200 records: {per_record * 1000:.0f} ms each -> "
            f"{baseline / 60:.0f} min for {records} records; the full sync is {baseline / elapsed:.0f}x faster"
        )
        keys = [k for k in sims.vnedu.scores if k[1] == "TOAN"][:50]
        for number, key in enumerate(keys):
            sheet = sims.vnedu.scores[key]
            sheet.update(
                ddg_gk=None, version=sheet["version"] + 1, updated_at=(NOW + timedelta(seconds=number + 1)).isoformat()
            )
        sims.vnedu.revision += 1
        elapsed, requests, report = asyncio.run(_sync(sims, engine))
        print(
            f"sync: incremental after 50 changes: {requests} requests, {elapsed:.1f} s, "
            f"{report.delivered['vnedu'].get('applied', 0)} written back"
        )
    finally:
        sims.stop()


if __name__ == "__main__":
    main()
