"""``lienthong resolve`` goes through the same core steps as the dashboard (`propose_in_window`,
`decide`): a score correction into a semester whose entry window has closed is refused with exit
code 4 and writes nothing, while a record-of-birth fix still goes through."""

from __future__ import annotations

import json
import subprocess

from sqlmodel import Session

from lienthong.reconciliation import resolution
from tests.cli.test_assess_cli import lienthong
from tests.dashboard.conftest import BIO, MINE, NOW, PASSWORD, make_site

CLOSED = [{"semester": "1", "opens": "2026-09-05T00:00:00+07:00", "closes": "2026-11-01T23:59:00+07:00"}]


def cli(engine, tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LIENTHONG_SCHOOL_YEAR": "2026-2027",
        "LIENTHONG_LOCK_WINDOWS": json.dumps(CLOSED),
        "LIENTHONG_SESSION_FILE": str(tmp_path / "phien.json"),
        "LIENTHONG_LOG_DIR": str(tmp_path / "log"),
    }
    command = [*lienthong(), "--db", str(engine.url), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, input=PASSWORD + "\n", timeout=120)


def test_the_cli_refuses_a_score_correction_into_a_closed_window(sqlite_engine, tmp_path):
    make_site(sqlite_engine)
    refused = cli(
        sqlite_engine, tmp_path, "--as", "gv.lan", "resolve", "propose", MINE, "--value", "8", "--reason", "gốc"
    )
    assert refused.returncode == 4, refused.stdout + refused.stderr
    assert "Sổ điểm học kỳ I đã khoá" in refused.stdout + refused.stderr
    bio = cli(
        sqlite_engine, tmp_path, "--as", "gv.lan", "resolve", "propose", BIO, "--value", "Tày", "--reason", "khai sinh"
    )
    assert bio.returncode == 0, bio.stdout + bio.stderr
    with Session(sqlite_engine) as session:
        assert resolution.history(session, MINE) == []
        assert [s.step for s in resolution.history(session, BIO)] == ["proposed"]


def test_the_cli_refuses_to_approve_a_correction_once_its_window_has_closed(sqlite_engine, tmp_path):
    site = make_site(sqlite_engine)
    with Session(sqlite_engine) as session:  # proposed while the window was open
        resolution.propose(session, MINE, "8,0", "bài kiểm tra gốc", site.people["gvcn"], NOW)
        session.commit()
    refused = cli(sqlite_engine, tmp_path, "--as", "ht.minh", "resolve", "approve", MINE)
    assert refused.returncode == 4, refused.stdout + refused.stderr
    assert "đã khoá" in refused.stdout + refused.stderr
    with Session(sqlite_engine) as session:
        assert [s.step for s in resolution.history(session, MINE)] == ["proposed"]
    rejected = cli(sqlite_engine, tmp_path, "--as", "ht.minh", "resolve", "reject", MINE, "--reason", "sai")
    assert rejected.returncode == 0, rejected.stdout + rejected.stderr  # a rejection sends nothing
