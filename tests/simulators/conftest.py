"""Simulators on real loopback ports, with the clock pinned (23/11/2026, semester I open)."""

from datetime import date, datetime

import httpx
import pytest

from lienthong.simulators.school import VN_TZ
from lienthong.simulators.server import Simulators
from lienthong.simulators.views import Rates

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=VN_TZ)
SCHOOL = "79000701"


def pinned() -> datetime:
    return NOW


@pytest.fixture(scope="module")
def sims():
    # Enough lost-zero IDs to see them in a 400-student export; other rates as shipped.
    rates = Rates(personal_id_lost_zeros=0.03)
    running = Simulators.create(seed=1, students=400, today=TODAY, clock=pinned, rate_limit=0, rates=rates).start()
    yield running
    running.stop()


def vnedu_token(base: str, school: str = SCHOOL, secret: str = "demo-secret") -> httpx.Response:
    return httpx.post(
        f"{base}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "lienthong-demo",
            "client_secret": secret,
            "scope": f"school:{school}",
        },
    )


@pytest.fixture(scope="module")
def vnedu(sims):
    base = sims.servers["vnedu"].url
    token = vnedu_token(base).json()["access_token"]
    with httpx.Client(
        base_url=f"{base}/api/v1/truong/{SCHOOL}", headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        yield client
