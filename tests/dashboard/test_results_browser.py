"""The results pages in a real browser (Debian's Chromium, JavaScript off), served by uvicorn on a
loopback port: the GVCN confirms her class's year results on her page, the principal approves them
on «Duyệt kết quả». Each page is photographed at a desktop width and at 360 px under
``var/screenshots/dashboard/`` (nothing may be wider than a phone's screen)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from lienthong.config.settings import Settings
from lienthong.dashboard.app import create_app
from lienthong.store import accounts
from lienthong.store.db import make_engine, migrate
from tests.dashboard.browsers import launched_chromium, serving, shoot, sign_in, submit
from tests.results_school import make_accounts, store_school

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chromium():
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def served(tmp_path, monkeypatch):
    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    url = f"sqlite:///{tmp_path / 'ketqua.db'}"
    migrate(url)
    engine = make_engine(url)
    store_school(engine)
    make_accounts(engine)
    with serving(create_app(Settings(database_url=url, school_year="2026-2027"), engine)) as base:
        yield base
    engine.dispose()


def test_the_gvcn_confirms_and_the_principal_approves_in_a_browser(chromium, served):
    base = served
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, base, "gvcn9a1")
    page.goto(f"{base}/khac-biet?lop=9A1")
    assert "Xác nhận kết quả" in page.content()
    submit(page, "a[href='/ket-qua/lop/9A1']")
    assert "Xác nhận kết quả — lớp 9A1" in page.inner_text("h1")
    assert "Trần Thị Ngọc (Giáo dục thể chất, Toán)" in page.inner_text("#ky-CN")
    shoot(page, "20-xac-nhan-ket-qua-gvcn")
    submit(page, "#ky-CN button[type=submit]")
    assert "Đã xác nhận kết quả" in page.content()
    submit(page, "text=Đăng xuất")

    sign_in(page, base, "hieutruong")
    page.goto(f"{base}/ket-qua")
    assert "chờ duyệt: 1" in page.inner_text("main")
    shoot(page, "21-duyet-ket-qua")
    submit(page, "text=Duyệt cả năm")
    assert "Đã duyệt kết quả" in page.content() and "Hiệu trưởng đã duyệt (đã khoá)" in page.content()
    assert "Học kỳ II: chưa xác nhận" in page.inner_text("#lop-9A1")
    shoot(page, "22-da-duyet-ket-qua")
    context.close()
