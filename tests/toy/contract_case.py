"""The toy platform as the contract suite sees it (found by `tests.contract.platforms`)."""

from __future__ import annotations

import httpx

from lienthong.simulators.server import LoopbackServer
from tests.contract.platforms import FAST, Case
from tests.toy.connector import ToyConnector
from tests.toy.simulator import ToyState, build

ENTRY = {"connector": "tests.toy.connector:ToyConnector"}


def start(sims) -> None:
    sims.toy = ToyState.of_school(sims.school)
    sims.servers["toy"] = LoopbackServer(build(sims.toy)).start()


def connector(sims, sleep) -> ToyConnector:
    from lienthong.connectors.http import RateLimiter

    return ToyConnector(sims.servers["toy"].url, policy=FAST, sleep=sleep, limiter=RateLimiter(0))


def truth(sims, entity, scope) -> dict:
    return dict(sims.toy.students)


def change(sims) -> tuple[str, dict]:
    code, item = next(iter(sorted(sims.toy.students.items())))
    return "hoc_sinh", {k: v for k, v in item.items() if k != "version"} | {"lop": item["lop"]}


def close_window(sims, locked: bool) -> None:
    httpx.put(f"{sims.servers['toy'].url}/_sim/khoa", params={"locked": locked})


def writes(sims) -> int:
    return httpx.get(f"{sims.servers['toy'].url}/_sim/writes").json()["total"]


CASE = Case("toy", connector, [("hoc_sinh", {})], truth, change, close_window, writes, start=start, entry=ENTRY)
