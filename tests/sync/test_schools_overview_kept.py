"""The department's page keeps each school's completeness and on-time rate (the figures that need
the school's records loaded) until what they are computed from moves, and says when they were
computed; the other figures are read at each request. Over the three schools of
``tests/dashboard/test_schools_page.py`` (SQLite, and PostgreSQL under row-level security)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from lienthong.store import tenancy
from lienthong.sync import schools_overview
from tests.dashboard.conftest import NOW, score
from tests.dashboard.test_schools_page import A, B, C, province_site
from tests.results_school import store_school


def _by_code(site, at):
    found = schools_overview.summaries(site.engine, site.settings, at)
    return {s.ma_truong: s for s in found}


def test_figures_are_kept_until_a_schools_records_move_and_the_page_says_when(engine):
    site = province_site(engine)
    first = _by_code(site, NOW)
    assert {code: s.computed_at for code, s in first.items()} == {A: NOW, B: NOW, C: NOW}
    assert first[B].completeness is None  # nothing pulled yet

    later = NOW + timedelta(hours=1)
    kept = _by_code(site, later)
    assert {code: s.computed_at for code, s in kept.items()} == {A: NOW, B: NOW, C: NOW}

    store_school(tenancy.for_school(site.engine, B), at=later)  # a pull of B's students and results
    with Session(tenancy.for_school(site.engine, A)) as session:  # a discrepancy found at A
        session.add(score("dnew", "6A1", "1800000077", "Học Sinh Mới", "tx1", "6,0", "5,0"))
        session.commit()
    moved = _by_code(site, later)
    assert {code: s.computed_at for code, s in moved.items()} == {A: NOW, B: later, C: NOW}
    assert moved[A].discrepancies == first[A].discrepancies + 1  # read at each request, never kept

    next_day = NOW + timedelta(days=1)  # what is due and what is late moves with the day
    assert {s.computed_at for s in _by_code(site, next_day).values()} == {next_day}

    site.clock.at = next_day  # the page as a Sở officer sees it: when the kept figures were computed
    page = site.client("so.tat").get("/so/truong").text
    assert page.count('data-tinh-luc="') == 3 and "tính lúc" in page
    api = site.client("so.tat").get("/api/schools").json()["schools"]
    assert {s["ma_truong"]: s["computed_at"] for s in api} == {code: next_day.isoformat() for code in (A, B, C)}
