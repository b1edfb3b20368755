"""«Các trường» in a real browser (Debian's Chromium through Playwright, JavaScript off), served by
uvicorn on a loopback port over a store of three schools: a Sở officer given two of them signs in,
reaches the page from the navigation, sorts by sync health and turns the order round. The page is
photographed at a desktop width and at 360 px under ``var/screenshots/dashboard/``."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.browsers import launched_chromium, serving, shoot, submit
from tests.dashboard.conftest import PASSWORD
from tests.dashboard.test_schools_page import NAMES, A, B, province_site

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    with launched_chromium() as launched:
        yield launched


@pytest.fixture
def served(sqlite_engine):
    with serving(province_site(sqlite_engine).app) as base:
        yield base


def _rows(page) -> list[str]:
    return page.eval_on_selector_all("#cac-truong tbody tr", "rows => rows.map(r => r.dataset.maTruong)")


def test_a_department_officer_signs_in_and_sorts_her_schools(browser, served):
    context = browser.new_context(java_script_enabled=False)  # sorting is links: no script needed
    page = context.new_page()
    page.goto(f"{served}/")
    page.fill("#ten", "so.hai")
    page.fill("#mat_khau", PASSWORD)
    submit(page, "button[type=submit]")
    assert page.url == f"{served}/"
    submit(page, "nav >> text=Các trường")
    assert page.url == f"{served}/so/truong"
    assert _rows(page) == [A, B]  # her two schools, by code; the third is not hers
    assert NAMES[B] in page.content() and "THCS Tân Phú" not in page.content()
    shoot(page, "so-truong")
    submit(page, "th >> text=Đồng bộ")  # the worst first: B's last two vnEdu runs failed
    assert re.search(r"sap_xep=sync$", page.url) and _rows(page) == [B, A]
    assert "lỗi 2 lần liên tiếp" in page.inner_text(f'tr[data-ma-truong="{B}"]')
    submit(page, "th >> text=Đồng bộ")  # again: turned round
    assert page.url.endswith("sap_xep=sync&nguoc=1") and _rows(page) == [A, B]
    submit(page, "th >> text=Khác biệt đang mở")
    assert _rows(page) == [A, B]  # 3 open against 1
    context.close()
