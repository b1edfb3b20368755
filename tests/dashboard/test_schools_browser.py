"""«Các trường» in a real browser (Debian's Chromium through Playwright, JavaScript off), served by
uvicorn on a loopback port over a store of three schools: a Sở officer given two of them signs in,
reaches the page from the navigation, sorts by sync health and turns the order round. The page is
photographed at a desktop width and at 360 px under ``var/screenshots/dashboard/``."""

from __future__ import annotations

import os
import re
import socket
import threading
import time

import pytest

from tests.conftest import need_service
from tests.dashboard.conftest import PASSWORD
from tests.dashboard.test_browser import CHROMIUM, shoot, submit
from tests.dashboard.test_schools_page import NAMES, A, B, province_site

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        need_service(f"Chromium not installed at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def served(sqlite_engine):
    import uvicorn

    site = province_site(sqlite_engine)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(site.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


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
