"""Fault injection: the bad days the connectors must survive, and the write counters."""

import uuid

import httpx
import pytest

from lienthong.simulators.faults import PROFILES, FaultProfile
from lienthong.simulators.server import Simulators
from tests.simulators.conftest import SCHOOL, TODAY, pinned, vnedu_token


@pytest.fixture
def sims():
    running = Simulators.create(seed=3, students=200, today=TODAY, clock=pinned, rate_limit=0).start()
    yield running
    running.stop()


def classify(call) -> str:
    try:
        answer = call()
    except httpx.TransportError:
        return "dropped"
    if answer.status_code >= 500 or answer.status_code == 429:
        return str(answer.status_code)
    try:
        answer.json()
    except ValueError:
        return "not-json"
    return "ok" if answer.status_code == 200 else str(answer.status_code)


def test_flaky_profile_fails_at_least_a_fifth_of_requests_transiently(sims):
    base = sims.servers["vnedu"].url
    token = vnedu_token(base).json()["access_token"]
    sims.set_faults(FaultProfile(**{**PROFILES["flaky"].__dict__, "token_expiry_every": 0, "latency_ms": 0}))
    with httpx.Client(base_url=f"{base}/api/v1/truong/{SCHOOL}", headers={"Authorization": f"Bearer {token}"}) as c:
        outcomes = [classify(lambda: c.get("/lop", params={"nam_hoc": 2026})) for _ in range(250)]
    failed = [o for o in outcomes if o != "ok"]
    assert len(failed) / len(outcomes) >= 0.2
    assert {"429", "dropped", "not-json"} <= set(failed)
    assert set(failed) <= {"429", "500", "502", "503", "504", "dropped", "not-json"}


def test_token_expires_in_the_middle_of_a_paged_pull(sims):
    base = sims.servers["vnedu"].url
    sims.set_faults(FaultProfile(token_expiry_every=3))
    token = vnedu_token(base).json()["access_token"]
    statuses = [
        httpx.get(
            f"{base}/api/v1/truong/{SCHOOL}/hoc-sinh",
            params={"nam_hoc": 2026, "limit": 20},
            headers={"Authorization": f"Bearer {token}"},
        ).status_code
        for _ in range(5)
    ]
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 401


def test_an_answer_lost_after_the_write_is_recovered_by_the_idempotency_key(sims):
    base = sims.servers["vnedu"].url
    token = vnedu_token(base).json()["access_token"]
    client = httpx.Client(base_url=f"{base}/api/v1/truong/{SCHOOL}", headers={"Authorization": f"Bearer {token}"})
    sheet = client.get("/diem", params={"nam_hoc": 2026, "hoc_ky": 1, "ma_mon": "TOAN", "limit": 1}).json()["items"][0]
    sheet["ddg_gk"] = "1" if sheet["ddg_gk"] != "1" else "2"
    key = str(uuid.uuid4())
    sims.set_faults(FaultProfile(reset_rate=2.0))  # every request dropped, half of them after applying
    outcomes = []
    for _ in range(10):
        try:
            outcomes.append(client.put("/diem", json={"items": [sheet]}, headers={"Idempotency-Key": key}).status_code)
        except httpx.TransportError:
            outcomes.append("dropped")
    sims.set_faults(FaultProfile())
    answer = client.put("/diem", json={"items": [sheet]}, headers={"Idempotency-Key": key}).json()
    assert answer["items"][0]["status"] == "applied"
    writes = httpx.get(f"{base}/_sim/writes").json()
    assert writes["total"] == 1  # applied once, however many times the answer was lost
    assert set(outcomes) == {"dropped"}


def test_csdl_overload_is_a_soap_server_fault(sims):
    sims.set_faults(FaultProfile(soap_fault_rate=1.0))
    answer = httpx.post(f"{sims.servers['csdl'].url}/csdl", content=b"<x/>", headers={"Content-Type": "text/xml"})
    assert answer.status_code == 500 and b"QUA_TAI" in answer.content and b"soap:Server" in answer.content


def test_control_endpoint_sets_a_profile_by_name(sims):
    answer = httpx.put(f"{sims.servers['vnedu'].url}/_sim/faults", json="hostile")
    assert answer.json()["profile"]["permanent_rate"] > 0
