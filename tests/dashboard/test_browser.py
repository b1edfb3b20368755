"""The dashboard in a real browser (Debian's Chromium through Playwright), served by uvicorn on a
loopback port over a store synced from the simulators: a GVCN signs in and resolves a score
discrepancy, the principal signs in and approves it, the next sync pushes it, and the vnEdu
simulator receives exactly that one write (its write counter, ``GET /_sim/writes``).

Every page is photographed at a desktop width and at 360 px (a phone) under
``var/screenshots/dashboard/`` (printed); the test also checks that nothing at 360 px is wider than
the screen. Skipped without /usr/bin/chromium, unless ``LIENTHONG_REQUIRE_SERVICES=1`` (then it fails).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timezone

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from lienthong.config.settings import Settings
from lienthong.dashboard.app import create_app
from lienthong.reconciliation.compare import reconcile
from lienthong.reconciliation.register import record
from lienthong.reconciliation.service import load_sources
from lienthong.store import accounts
from lienthong.store.db import make_engine, migrate
from lienthong.store.tables import DiscrepancyRow
from lienthong.sync.run import RunOptions, run_once
from tests.dashboard.browsers import PASSWORD, SHOTS, launched_chromium, serving, shoot, sign_in, submit
from tests.sync.conftest import SUBJECTS, import_books, make_sims, pinned, vnedu

pytestmark = pytest.mark.slow


def _sync(sims, engine):
    """One run against the vnEdu simulator, in its own thread: Playwright's sync API keeps an event
    loop running in this one."""

    async def go():
        async with vnedu(sims) as api:
            return await run_once({"vnedu": api}, engine, RunOptions(), pinned)

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, go()).result()


def _register(engine) -> list[DiscrepancyRow]:
    sources = load_sources(engine)
    found = reconcile(sources, "2026-2027", None, pinned().date())
    with Session(engine) as session:
        record(session, found, pinned().astimezone(timezone.utc), None, sources["vnedu"].teachers)
        session.commit()
        return list(session.exec(select(DiscrepancyRow)))


def _alone_on_its_sheet(rows: list[DiscrepancyRow]) -> DiscrepancyRow:
    """A score typo that is the only corrected cell of its sheet (a sheet goes out whole)."""
    typos = [r for r in rows if r.kind == "score_mismatch" and r.record["subject"] in SUBJECTS]
    sheets = Counter((r.record["student"]["keys"]["vnedu"], r.record["subject"], r.record["semester"]) for r in typos)
    return next(
        r
        for r in typos
        if sheets[(r.record["student"]["keys"]["vnedu"], r.record["subject"], r.record["semester"])] == 1
    )


def _sim_writes(sims) -> dict[str, int]:
    answer = httpx.get(f"{sims.servers['vnedu'].url}/_sim/writes", timeout=10)
    answer.raise_for_status()
    return answer.json()["by_key"]


@pytest.fixture(scope="module")
def chromium():
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def school(tmp_path):
    """Simulators with score typos in vnEdu, the gradebooks imported, one sync (corrections wait for
    the principal), the register recorded; yields (sims, engine, the typo to resolve)."""
    sims = make_sims(score_typo=0.15)
    url = f"sqlite:///{tmp_path / 'truong.db'}"
    migrate(url)
    engine = make_engine(url)
    try:
        import_books(engine, sims)
        _sync(sims, engine)
        typo = _alone_on_its_sheet(_register(engine))
        yield sims, engine, typo
    finally:
        engine.dispose()
        sims.stop()


@pytest.fixture
def served(school):
    """The dashboard under uvicorn on a free loopback port, over the school's store."""

    sims, engine, typo = school
    with Session(engine) as session:
        it = accounts.add_user(session, "it.an", "Lê Văn An", "it", PASSWORD, pinned())
        accounts.add_user(
            session, "gv.lan", "Nguyễn Thị Lan", "gvcn", PASSWORD, pinned(), {"class": [typo.class_code]}, by=it
        )
        accounts.add_user(session, "ht.minh", "Trần Văn Minh", "principal", PASSWORD, pinned(), by=it)
        for login, name, subject in (("gv.binh", "Đỗ Văn Bình", "TOAN"), ("gv.hoa", "Phạm Thu Hoà", "VAN")):
            scopes = {"class": [typo.class_code], "subject": [subject]}  # subject teachers: progress per teacher
            accounts.add_user(session, login, name, "teacher", PASSWORD, pinned(), scopes, by=it)
        session.commit()
    windows = [  # the school's entry windows, shown on the IT page; the first semester's is open
        {"semester": "1", "opens": "2026-09-05T00:00:00+07:00", "closes": "2027-01-15T23:59:00+07:00"},
        {"semester": "2", "opens": "2027-01-18T00:00:00+07:00", "closes": "2027-05-25T23:59:00+07:00"},
    ]
    settings = Settings(database_url=str(engine.url), school_year="2026-2027", lock_windows=windows)
    with serving(create_app(settings, engine)) as base:
        yield base, sims, engine, typo


def test_a_gvcn_resolves_the_principal_approves_and_vnedu_receives_that_one_write(chromium, served):
    base, sims, engine, typo = served
    print(f"\nscreenshots: {SHOTS}")
    right = typo.record["values"]["gradebook"]
    sheet = f"{typo.record['student']['keys']['vnedu']}:{typo.record['subject']}:{typo.record['semester']}"
    context = chromium.new_context(java_script_enabled=False)  # everything works without JavaScript
    page = context.new_page()

    page.goto(f"{base}/dang-nhap")
    shoot(page, "01-dang-nhap")
    sign_in(page, base, "gv.lan")
    assert "Xin chào, Nguyễn Thị Lan" in page.content()
    shoot(page, "02-trang-chu-gvcn")
    page.goto(f"{base}/khac-biet")
    assert f"lớp {typo.class_code}" in page.inner_text("h1")
    shoot(page, "03-khac-biet-lop")
    page.goto(f"{base}/khac-biet/{typo.id}")
    assert typo.record["student"]["name"] in page.content()
    shoot(page, "04-mot-khac-biet")
    page.check("input[name=nguon][value=gradebook]")
    page.fill("textarea[name=ly_do]", "Đối chiếu bài kiểm tra gốc: sổ điểm đúng")
    submit(page, "text=Gửi đề xuất")
    assert "Đã ghi đề xuất: chờ Hiệu trưởng duyệt." in page.content()
    shoot(page, "05-da-de-xuat")
    page.goto(f"{base}/doi-mat-khau")
    shoot(page, "06-doi-mat-khau")
    submit(page, "text=Đăng xuất")
    assert "/dang-nhap" in page.url

    before = _sim_writes(sims)
    _sync(sims, engine)  # proposed is not approved: nothing goes out
    assert _sim_writes(sims) == before

    sign_in(page, base, "ht.minh")
    shoot(page, "07-trang-chu-hieu-truong")
    page.goto(f"{base}/duyet")
    assert typo.record["student"]["name"] in page.content() and "Đối chiếu bài kiểm tra gốc" in page.content()
    shoot(page, "08-hang-cho-duyet")
    page.fill(f"input[name='ghi_chu:{typo.id}']", "Có mặt: Hiệu trưởng, Ban quản trị, GVCN")
    submit(page, f"button[value='duyet:{typo.id}']")
    text = page.content()
    assert "Đã duyệt 1 đề xuất." in text and "1 thay đổi sẽ được gửi ở lần đồng bộ tới." in text
    shoot(page, "09-da-duyet")
    page.goto(f"{base}/khac-biet")
    shoot(page, "10-khac-biet-toan-truong")
    page.goto(f"{base}/tong-quan")
    assert "Tổng quan nhà trường" in page.inner_text("h1") and "Bảng nhiệt lớp × môn" in page.content()
    assert "Đỗ Văn Bình" in page.inner_text("#giao-vien")
    shoot(page, "11-tong-quan")
    submit(page, f"a[href='/tong-quan/lop/{typo.class_code}']")  # a class's row of the heat table
    assert f"lớp {typo.class_code}" in page.inner_text("h1")
    shoot(page, "12-tong-quan-lop")
    page.goto(f"{base}/cntt")
    assert "Vận hành đồng bộ" in page.inner_text("h1") and "Các lần đồng bộ gần đây" in page.content()
    assert "đang mở" in page.inner_text("#lich")
    shoot(page, "13-van-hanh")
    page.goto(f"{base}/nhat-ky")
    assert "Chuỗi nhật ký nguyên vẹn" in page.content()
    shoot(page, "14-nhat-ky")
    with engine.begin() as connection:  # someone with the database file rewrites an entry
        connection.execute(sa.text("UPDATE audit_log SET actor = 'user:99:ke-gian' WHERE id = 2"))
    page.goto(f"{base}/nhat-ky")
    assert "hỏng từ mục #2" in page.content()
    shoot(page, "15-nhat-ky-bi-sua")
    context.close()

    _sync(sims, engine)
    after = _sim_writes(sims)
    grown = {key: after[key] - before.get(key, 0) for key in after if after[key] != before.get(key, 0)}
    assert grown == {f"diem:{sheet}": 1}, grown  # exactly that one write
    cell = typo.record["field"]
    stored = sims.vnedu.scores[tuple(sheet.split(":"))]
    value = stored["ddg_tx"][int(cell[2:])] if cell.startswith("tx") else stored[f"ddg_{cell}"]
    assert float(str(value).replace(",", ".")) == float(right.replace(",", "."))
