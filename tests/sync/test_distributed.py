"""Distributed mode, one piece at a time: the switch, each school's secrets, the registry and its
overview, the commands, the shared rate limit under 8 concurrent takers, the schedules' tick and the
hand-over of a dead worker's job (Procrastinate 3.10: by worker heartbeat, not by job age)."""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from lienthong.config.settings import Settings, SettingsError
from lienthong.store.db import make_engine, migrate
from lienthong.sync.distributed import app as distributed
from lienthong.sync.distributed.limits import SharedRateLimiter
from lienthong.sync.distributed.schools import (
    RegistryError,
    add_school,
    all_schools,
    missing_secrets,
    school_settings,
)
from lienthong.sync.schools_overview import UnknownSort, summaries
from tests.cli.test_assess_cli import lienthong

VNEDU = {"base_url": "https://vnedu.example", "client_id": "doi-tac"}
AT = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)


def _config(tmp_path: Path, url: str, mode: str = "distributed", extra: str = "") -> Path:
    path = tmp_path / "lienthong.toml"
    path.write_text(f'database_url = "{url}"\n[engine]\nmode = "{mode}"\n{extra}', encoding="utf-8")
    return path


# --- the switch and the secrets ---------------------------------------------------------------


def test_embedded_stays_the_default_and_distributed_is_one_setting(tmp_path, monkeypatch):
    monkeypatch.delenv("LIENTHONG_CONFIG", raising=False)
    assert Settings().engine.mode == "embedded"
    monkeypatch.setenv("LIENTHONG_CONFIG", str(_config(tmp_path, "sqlite:///x.db", extra="concurrency = 3\n")))
    settings = Settings()
    assert (settings.engine.mode, settings.engine.concurrency) == ("distributed", 3)


@pytest.mark.parametrize(
    "extra",
    ['mode = "cluster"\n', "concurrency = 0\n", "stalled_after_s = 5\nheartbeat_s = 10\n", "lease_seconds = 0\n"],
)
def test_a_wrong_engine_setting_is_refused(tmp_path, monkeypatch, extra):
    path = tmp_path / "lienthong.toml"
    path.write_text(f"[engine]\n{extra}", encoding="utf-8")
    monkeypatch.setenv("LIENTHONG_CONFIG", str(path))
    with pytest.raises((SettingsError, ValueError)):
        Settings()


def test_a_schools_own_secret_wins_over_the_installations(tmp_path, monkeypatch):
    monkeypatch.setenv("LIENTHONG_VNEDU_CLIENT_SECRET", "chung")
    monkeypatch.setenv("LIENTHONG_79000701_VNEDU_CLIENT_SECRET", "rieng")
    assert Settings(ma_truong="79000701").secret("vnedu").get_secret_value() == "rieng"
    assert Settings(ma_truong="79000702").secret("vnedu").get_secret_value() == "chung"
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[school.79000703]\nvnedu_client_secret = "tu-tep"\n', encoding="utf-8")
    assert Settings(ma_truong="79000703", secrets_file=secrets).secret("vnedu").get_secret_value() == "tu-tep"
    monkeypatch.delenv("LIENTHONG_VNEDU_CLIENT_SECRET")
    with pytest.raises(SettingsError):
        Settings(ma_truong="79000702").secret("vnedu")


# --- the registry -----------------------------------------------------------------------------


def test_registering_schools_keeps_their_platforms_and_never_a_secret(engine, monkeypatch):
    monkeypatch.delenv("LIENTHONG_VNEDU_CLIENT_SECRET", raising=False)
    add_school(engine, "79000701", "THCS Bình An", "79", "26734", {"vnedu": VNEDU}, AT)
    add_school(engine, "79000702", "THCS Suối Ngô", "72", "25001", {"vnedu": {**VNEDU, "rate_limit": 5}}, AT)
    rows = all_schools(engine)
    assert [r.ma_truong for r in rows] == ["79000701", "79000702"]
    settings = school_settings(Settings(ma_truong=""), rows[1])
    assert (settings.ma_truong, settings.vnedu.client_id, settings.vnedu.rate_limit) == ("79000702", "doi-tac", 5)
    assert settings.csdl is None and settings.portal is None
    assert missing_secrets(Settings(), rows[0]) == ["LIENTHONG_79000701_VNEDU_CLIENT_SECRET"]
    monkeypatch.setenv("LIENTHONG_79000701_VNEDU_CLIENT_SECRET", "x")
    assert missing_secrets(Settings(), rows[0]) == []
    add_school(engine, "79000701", "THCS Bình An (mới)", "79", "26734", {"vnedu": VNEDU}, AT)  # replaced, not added
    assert [r.name for r in all_schools(engine)] == ["THCS Bình An (mới)", "THCS Suối Ngô"]


@pytest.mark.parametrize(
    "code, platforms, words",
    [
        ("7900070", {"vnedu": VNEDU}, "8 chữ số"),
        ("79000701", {"vnedu": {**VNEDU, "client_secret": "lo"}}, "không lưu thông tin bí mật"),
        ("79000701", {"moodle": {}}, "Không có hệ thống «moodle»"),
        ("79000701", {"vnedu": {"client_id": "x"}}, "base_url"),
        ("79000701", {}, "ít nhất một"),
    ],
)
def test_a_school_that_cannot_be_registered_says_why(sqlite_engine, code, platforms, words):
    with pytest.raises(RegistryError, match=words):
        add_school(sqlite_engine, code, "THCS A", "79", "26734", platforms, AT)
    assert all_schools(sqlite_engine) == []


def test_the_overview_lists_each_school_and_sorts(sqlite_engine):
    add_school(sqlite_engine, "79000702", "THCS B", "79", "26734", {"vnedu": VNEDU}, AT)
    add_school(sqlite_engine, "79000701", "THCS A", "79", "26734", {"vnedu": VNEDU}, AT)
    found = summaries(sqlite_engine, Settings(), AT, sort="name")
    assert [s.name for s in found] == ["THCS A", "THCS B"]
    first = found[0].as_json()
    assert first["completeness"] is None and first["discrepancies"] == 0 and first["last_success"] == {"vnedu": None}
    with pytest.raises(UnknownSort, match="Không sắp xếp"):
        summaries(sqlite_engine, Settings(), AT, sort="tuoi")


# --- the tick: the schedules, in Vietnam's time ---------------------------------------------------


def test_the_tick_queues_each_schools_platforms_when_a_schedule_fires(sqlite_engine):
    add_school(sqlite_engine, "79000701", "THCS A", "79", "26734", {"vnedu": VNEDU}, AT)
    add_school(sqlite_engine, "79000702", "THCS B", "79", "26734", {"vnedu": VNEDU, "portal": _portal()}, AT)
    settings = Settings()  # incremental */30 6-18 Monday-Saturday, full 02:00, Vietnam's time
    monday_0730_vn = datetime(2026, 11, 23, 0, 30, tzinfo=timezone.utc)
    due = distributed.due_jobs(sqlite_engine, settings, int(monday_0730_vn.timestamp()))
    assert sorted(key for _, _, key in due) == ["79000701:vnedu", "79000702:portal", "79000702:vnedu"]
    assert all(kwargs["full"] is False for _, kwargs, _ in due)
    night = datetime(2026, 11, 22, 19, 0, tzinfo=timezone.utc)  # 02:00 in Vietnam
    assert all(kwargs["full"] for _, kwargs, _ in distributed.due_jobs(sqlite_engine, settings, int(night.timestamp())))
    quiet = datetime(2026, 11, 23, 0, 31, tzinfo=timezone.utc)
    assert distributed.due_jobs(sqlite_engine, settings, int(quiet.timestamp())) == []


def _portal() -> dict:
    return {"base_url": "https://baocao.example", "ma_tinh": "79", "ma_xa": "26734"}


def test_a_job_asked_for_by_hand_carries_its_lock():
    assert distributed.job_for("sync", "79000701", "vnedu") == (
        distributed.SYNC,
        {"ma_truong": "79000701", "platform": "vnedu", "full": False},
        "79000701:vnedu",
    )
    assert distributed.job_for("submit", "79000701")[2] == "79000701:portal"  # the portal's sync: one lock
    assert distributed.job_for("reconcile", "79000701")[1:] == ({"ma_truong": "79000701"}, "79000701:reconcile")
    full = distributed.job_for("reconcile", "79000701", full=True)  # after a full sync: one lock still
    assert full[1:] == ({"ma_truong": "79000701", "full": True}, "79000701:reconcile")
    for bad in (("sync", None, "vnedu"), ("sync", "79000701", None), ("reconcile", None), ("sao-luu", "79000701")):
        with pytest.raises(SettingsError):
            distributed.job_for(*bad)


def test_distributed_mode_needs_postgresql():
    with pytest.raises(SettingsError, match="PostgreSQL"):
        distributed.conninfo("sqlite:///x.db")
    info = distributed.conninfo("postgresql+psycopg://u:p@/db?host=/tmp/pg&port=5433")
    assert "dbname=db" in info and "host=/tmp/pg" in info and "port=5433" in info


# --- on PostgreSQL ----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_eight_takers_never_exceed_the_shared_limit(postgres_url):
    """vnEdu's 10 requests/s is per client: 8 workers together stay under it, each request counted
    wherever it arrives between its slot and its answer (each taker with its own connection)."""
    migrate(postgres_url)
    engine = make_engine(postgres_url)
    arrived: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + 3.0

    def taker(seed: int) -> None:
        limiter = SharedRateLimiter(engine, "vnedu", "doi-tac", 10, window=1.0)
        rng = random.Random(seed)

        async def loop() -> None:
            while time.monotonic() < stop:
                slot = await limiter.acquire()
                leaves = rng.choice((0.0, 0.5))  # some leave at once, some half a second late (a busy CPU)
                answered = leaves + rng.uniform(0.05, 0.2)
                await asyncio.sleep(leaves)
                with lock:
                    arrived.append(time.monotonic())
                await asyncio.sleep(answered - leaves)
                await limiter.release(slot)

        asyncio.run(loop())

    threads = [threading.Thread(target=taker, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    arrived.sort()
    busiest = max(sum(1 for t in arrived if start <= t < start + 1.0) for start in arrived)
    assert busiest <= 10
    assert len(arrived) >= 12  # the limit is shared, not a stall
    other = SharedRateLimiter(engine, "vnedu", "doi-tac-khac", 10)  # another client has its own slots
    assert asyncio.run(asyncio.wait_for(other.acquire(), 1)) is not None
    engine.dispose()


@pytest.mark.postgres
def test_schools_and_enqueue_commands(postgres_url, tmp_path):
    env = {"PATH": os.environ["PATH"], "LIENTHONG_CONFIG": str(_config(tmp_path, postgres_url)), "COLUMNS": "200"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*lienthong(), *args], env=env, capture_output=True, text=True, timeout=120)

    added = run(
        "schools",
        "add",
        "79000701",
        "--name",
        "THCS Bình An",
        "--tinh",
        "79",
        "--xa",
        "26734",
        "--vnedu-url",
        "https://vnedu.example",
        "--vnedu-client",
        "doi-tac",
        "--set",
        "vnedu.rate_limit=5",
    )
    assert added.returncode == 0, added.stderr
    assert "LIENTHONG_79000701_VNEDU_CLIENT_SECRET" in added.stdout  # what IT still has to set
    for role in ("worker", "scheduler"):  # the compose file's healthchecks
        ready = run(role, "--check")
        assert ready.returncode == 0 and "Sẵn sàng" in ready.stdout, ready.stderr
    (tmp_path / "down").mkdir()
    down = dict(env, LIENTHONG_CONFIG=str(_config(tmp_path / "down", "postgresql+psycopg://postgres@127.0.0.1:1/x")))
    sick = subprocess.run([*lienthong(), "worker", "--check"], env=down, capture_output=True, text=True, timeout=60)
    assert sick.returncode == 3 and "Không kết nối được cơ sở dữ liệu" in sick.stderr
    refused = run(
        "schools",
        "add",
        "79000702",
        "--name",
        "B",
        "--tinh",
        "79",
        "--xa",
        "26734",
        "--vnedu-url",
        "https://vnedu.example",
        "--vnedu-client",
        "x",
        "--set",
        "vnedu.client_secret=lo",
    )
    assert refused.returncode == 2 and "bí mật" in refused.stderr
    listed = run("schools", "list", "--format", "json", "--sort", "dead")
    assert listed.returncode == 0, listed.stderr
    [school] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (school["ma_truong"], school["name"], school["waiting"], school["dead"]) == (
        "79000701",
        "THCS Bình An",
        0,
        0,
    )
    assert "THCS Bình An" in run("schools", "list").stdout
    first = run("enqueue", "sync", "--school", "79000701", "--platform", "vnedu")
    assert first.returncode == 0 and "Đã thêm việc" in first.stdout, first.stderr
    again = run("enqueue", "sync", "--school", "79000701", "--platform", "vnedu")
    assert again.returncode == 0 and "đang chờ" in again.stdout  # the queueing lock: no pile-up
    assert run("enqueue", "sync", "--school", "79000799", "--platform", "vnedu").returncode == 2  # not registered
    assert run("enqueue", "sync", "--school", "79000701", "--platform", "csdl").returncode == 2  # not its platform
    engine = make_engine(postgres_url)
    with engine.connect() as connection:
        jobs = connection.execute(
            sa.text("SELECT task_name, lock, queueing_lock, status FROM procrastinate_jobs")
        ).all()
    engine.dispose()
    assert [tuple(j) for j in jobs] == [(distributed.SYNC, "79000701:vnedu", "79000701:vnedu", "todo")]
    embedded = dict(env, LIENTHONG_CONFIG=str(_config(tmp_path, postgres_url, mode="embedded")))
    for command in (["worker"], ["scheduler"], ["schools", "list"]):
        refused = subprocess.run([*lienthong(), *command], env=embedded, capture_output=True, text=True, timeout=60)
        assert refused.returncode == 2 and "distributed" in refused.stderr


@pytest.mark.postgres
def test_a_dead_workers_job_is_handed_on_and_a_live_ones_is_not(postgres_url, tmp_path, monkeypatch):
    """Procrastinate 3.10 finds stalled jobs by their worker's heartbeat (``procrastinate_workers``),
    not by how long they ran: a long job of a live worker stays, a dead worker's goes back to the queue,
    also when a worker starting up pruned the dead one's row first (the orphan of procrastinate#1518,
    on 3.6: here the job's ``worker_id`` is set to NULL by the foreign key, and NULL counts as stalled)."""
    migrate(postgres_url)
    monkeypatch.setenv("LIENTHONG_CONFIG", str(_config(tmp_path, postgres_url, extra="stalled_after_s = 30\n")))
    app = distributed.build_app(Settings(), periodic=True)

    async def scenario() -> dict[str, str]:
        async with app.open_async():
            manager = app.job_manager
            for code in ("79000701", "79000702", "79000703"):
                await distributed.defer_async(app, *distributed.job_for("sync", code, "vnedu"))
            dead, live, pruned = [await manager.register_worker() for _ in range(3)]
            fetched = [await manager.fetch_job(queues=None, worker_id=w) for w in (dead, live, pruned)]
            async with app.connector.pool.connection() as connection:  # two stopped beating a minute ago
                await connection.execute(
                    "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '60 seconds' "
                    "WHERE id = ANY(%s)",
                    ([dead, pruned],),
                )
                await connection.execute("DELETE FROM procrastinate_workers WHERE id = %s", (pruned,))
            await app.tasks[distributed.RETRY_STALLED](timestamp=0)
            return {job.task_kwargs["ma_truong"]: (await manager.get_job_status_async(job.id)).value for job in fetched}

    assert asyncio.run(scenario()) == {"79000701": "todo", "79000702": "doing", "79000703": "todo"}


def test_the_embedded_daemon_points_a_distributed_installation_to_its_workers(tmp_path):
    env = {"PATH": os.environ["PATH"], "LIENTHONG_CONFIG": str(_config(tmp_path, f"sqlite:///{tmp_path / 'x.db'}"))}
    done = subprocess.run([*lienthong(), "run"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "lienthong worker" in done.stderr
    assert not (tmp_path / "x.db").exists()  # refused before anything was opened


def test_each_job_runs_the_daemons_use_case_on_the_schools_store(sqlite_engine, tmp_path, monkeypatch):
    """sync, reconcile, backup: what the worker runs, in-process, on the embedded store (one school)."""
    from lienthong.store.tables import SyncRunRow
    from lienthong.sync.distributed import jobs
    from tests.sync.conftest import import_books, make_sims

    sims = make_sims()
    try:
        code = sims.school.ma_truong
        settings = Settings(database_url=str(sqlite_engine.url), records={"archive_dir": str(tmp_path / "kho")})
        with pytest.raises(RegistryError, match="chưa được đăng ký"):
            jobs.sync_school(sqlite_engine, settings, code, "vnedu")
        add_school(
            sqlite_engine,
            code,
            "THCS",
            "79",
            "26734",
            {"vnedu": {"base_url": sims.servers["vnedu"].url, "client_id": "lienthong-demo"}},
            AT,
        )
        assert jobs.reconcile_school(sqlite_engine, settings, code).status == "no_data"
        import_books(sqlite_engine, sims)
        monkeypatch.setenv(f"LIENTHONG_{code}_VNEDU_CLIENT_SECRET", "demo-secret")
        done = jobs.sync_school(sqlite_engine, settings, code, "vnedu", full=True)
        assert done.status == "completed" and done.errors == 0
        assert jobs.reconcile_school(sqlite_engine, settings, code).status == "completed"
        assert jobs.reconcile_school(sqlite_engine, settings, code, full=True).status == "completed"
        backup = jobs.backup(sqlite_engine, settings, "manual", code)
        assert backup.status == "completed" and any((tmp_path / "kho").iterdir())
        with Session(sqlite_engine) as session:
            runs = session.exec(select(SyncRunRow).order_by(SyncRunRow.id)).all()
        assert [(r.mode, r.status) for r in runs] == [("full", "completed"), ("backup", "completed")]
        assert sims.vnedu.platform.rates()["lienthong-demo"]["requests"] > 0  # the shared slots let it through
    finally:
        sims.stop()
