"""``lienthong serve``: the dashboard over the configured store, under uvicorn, until stopped."""

from __future__ import annotations

import socket
import subprocess
import time
from datetime import datetime, timezone

import httpx
from sqlmodel import Session

from lienthong.store import accounts
from lienthong.store.db import make_engine, migrate
from tests.cli.test_assess_cli import lienthong

PASSWORD = "mat-khau-dai-1"
ENV = {"PATH": "/usr/bin:/bin", "COLUMNS": "160", "LIENTHONG_SCHOOL_YEAR": "2026-2027"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_on_its_port_and_signs_in_with_the_stores_accounts(tmp_path):
    url = f"sqlite:///{tmp_path / 'truong.db'}"
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        accounts.add_user(session, "ht.minh", "Trần Văn Minh", "principal", PASSWORD, datetime.now(timezone.utc))
        session.commit()
    engine.dispose()
    port = free_port()
    server = subprocess.Popen(
        [*lienthong(), "--db", url, "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                page = httpx.get(f"{base}/dang-nhap", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read().decode()
                time.sleep(0.2)
        assert page.status_code == 200 and "Đăng nhập" in page.text
        assert "server" not in page.headers  # uvicorn does not name itself
        opened = httpx.post(f"{base}/api/session", json={"login": "ht.minh", "password": PASSWORD}, timeout=10)
        assert opened.status_code == 200 and opened.json()["account"]["role"] == "principal"
        assert httpx.get(f"{base}/docs", timeout=10).status_code == 200
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    assert f"Bảng điều khiển: http://127.0.0.1:{port}/" in out.decode()


def test_serve_without_a_store_says_so_and_starts_nothing(tmp_path):
    missing = tmp_path / "khong-co.db"
    done = subprocess.run(
        [*lienthong(), "--db", f"sqlite:///{missing}", "serve", "--port", str(free_port())],
        capture_output=True,
        env=ENV,
        timeout=60,
    )
    said = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 2 and "khong-co.db" in said and "Traceback" not in said
    assert not missing.exists()
