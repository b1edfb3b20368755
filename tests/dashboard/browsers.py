"""What the dashboard's browser tests share: Debian's Chromium driven by Playwright (no browser
download is possible here), the app served over real loopback HTTP by uvicorn in a thread, and the
steps every such test takes (sign in, submit a form, screenshots at desktop and phone width)."""

from __future__ import annotations

import os
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tests.conftest import need_service

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "mat-khau-dai-1"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "dashboard"
WIDTHS = {"desktop": (1280, 800), "phone": (360, 740)}


@contextmanager
def launched_chromium():
    """A headless Chromium for the module's tests (skipped with the reason, or failed under
    ``LIENTHONG_REQUIRE_SERVICES=1``, when the Debian package is missing)."""
    if not os.path.exists(CHROMIUM):
        need_service(f"Chromium not installed at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def serving(app) -> Iterator[str]:
    """``app`` served on a free loopback port; yields its base URL, stops the server after."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def shoot(page, name: str) -> None:
    """The page at each width, full length; at 360 px nothing may be wider than the screen."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
        if label == "phone":
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name}: {overflow}px wider than a 360 px screen"
    page.set_viewport_size({"width": WIDTHS["desktop"][0], "height": WIDTHS["desktop"][1]})


def sign_in(page, base: str, login: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/")
    assert "/dang-nhap" in page.url
    page.fill("#ten", login)
    page.fill("#mat_khau", password)
    submit(page, "button[type=submit]")
    assert page.url == f"{base}/"


def submit(page, selector: str) -> None:
    """Click a form's button and wait for the page the server answers with."""
    with page.expect_navigation():
        page.click(selector)
    page.wait_for_load_state()
