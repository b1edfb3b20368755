"""CSDL SOAP: zeep's async transport over httpx (what the connector uses) against zeep's
synchronous client run in a thread pool, pulling the same results in the same run."""

from __future__ import annotations

import asyncio
import time
from datetime import date, datetime

import zeep
from pydantic import SecretStr

from lienthong.connectors.csdl.soap import SETTINGS, CsdlConfig, CsdlSoap
from lienthong.connectors.http import RateLimiter
from lienthong.simulators.faults import FaultProfile
from lienthong.simulators.school import VN_TZ
from lienthong.simulators.server import Simulators


async def _async_pull(sims) -> tuple[float, int]:
    config = CsdlConfig(
        sims.servers["csdl"].url + "/csdl",
        sims.school.ma_truong,
        "demo",
        SecretStr("demo"),
        sims.school.school_year,
        rate_limit=0,
        page_size=100,
    )
    async with CsdlSoap(config, limiter=RateLimiter(0)) as connector:
        start = time.perf_counter()
        pages = [connector.pull("ket_qua", hoc_ky="1"), connector.pull("hoc_sinh")]
        counts = await asyncio.gather(*(_count(p) for p in pages))
        return time.perf_counter() - start, sum(counts)


async def _count(pages) -> int:
    return sum([len(page.records) async for page in pages])


async def _threaded_pull(sims) -> tuple[float, int]:
    client = zeep.Client(f"{sims.servers['csdl'].url}/csdl?wsdl", settings=SETTINGS)
    token = client.service.DangNhap(MaTruong=sims.school.ma_truong, TenDangNhap="demo", MatKhau="demo").Token

    def read(operation: str, **args) -> int:
        total, page, seen = None, 1, 0
        while total is None or seen < total:
            answer = getattr(client.service, operation)(
                Token=token, NamHoc=sims.school.school_year, Trang=page, SoBanGhi=100, **args
            )
            total, page = answer.TongSo, page + 1
            seen += len(answer.KetQuaHocSinh if operation == "LayKetQuaHocTap" else answer.HocSinh)
        return seen

    start = time.perf_counter()
    counts = await asyncio.gather(
        asyncio.to_thread(read, "LayKetQuaHocTap", HocKy="1"), asyncio.to_thread(read, "LayDanhSachHocSinh")
    )
    return time.perf_counter() - start, sum(counts)


def main() -> None:
    sims = Simulators.create(
        seed=1, students=2000, today=date(2026, 11, 23), clock=lambda: datetime(2026, 11, 23, 10, tzinfo=VN_TZ)
    ).start()
    sims.set_faults(FaultProfile(latency_ms=20))
    try:
        threaded, n1 = asyncio.run(_threaded_pull(sims))
        asynchronous, n2 = asyncio.run(_async_pull(sims))
        print(
            f"soap: {n2} CSDL records, async transport {asynchronous:.2f} s vs sync client in threads "
            f"{threaded:.2f} s ({n1} records): ratio {threaded / asynchronous:.2f}"
        )
    finally:
        sims.stop()


if __name__ == "__main__":
    main()
