"""``lienthong run``: the daemon syncs on its schedule, reconciles after each sync, serves /metrics,
and stops on SIGTERM."""

import signal
import socket
import subprocess
import time

import httpx
from sqlmodel import Session, select

from lienthong.store.db import make_engine
from lienthong.store.tables import ReconcileStateRow, SnapshotChangeRow, SyncRunRow
from tests.cli.test_assess_cli import lienthong
from tests.sync.conftest import make_sims


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_daemon_runs_at_start_serves_metrics_and_stops_on_sigterm(tmp_path):
    sims = make_sims(score_missing=0.2)
    port = free_port()
    config = tmp_path / "lienthong.toml"
    database = tmp_path / "daemon.db"
    config.write_text(
        f'ma_truong = "{sims.school.ma_truong}"\ndatabase_url = "sqlite:///{database}"\n'
        f'[vnedu]\nbase_url = "{sims.servers["vnedu"].url}"\nclient_id = "lienthong-demo"\nrate_limit = 0\n'
        f'[schedule]\nincremental = "*/30 6-18 * * 1-6"\nmetrics_port = {port}\n',
        encoding="utf-8",
    )
    env = {"PATH": "/usr/bin:/bin", "LIENTHONG_CONFIG": str(config), "LIENTHONG_VNEDU_CLIENT_SECRET": "demo-secret"}
    process = subprocess.Popen([*lienthong(), "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline, metrics = time.monotonic() + 60, ""
        while time.monotonic() < deadline:
            try:
                metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
            except httpx.TransportError:
                metrics = ""
            if 'lienthong_reconciles_total{outcome="completed"} 1.0' in metrics:
                break  # the run at start, and the reconciliation after it
            time.sleep(0.5)
        assert 'lienthong_runs_total{status="completed"} 1.0' in metrics
        assert 'lienthong_records_pulled_total{platform="vnedu"}' in metrics
        assert 'lienthong_reconciles_total{outcome="completed"} 1.0' in metrics
        assert "lienthong_reconcile_seconds " in metrics
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        with Session(make_engine(f"sqlite:///{database}")) as session:
            statuses = [r.status for r in session.exec(select(SyncRunRow))]
            assert session.exec(select(SnapshotChangeRow)).all() == []  # the journal taken up
            assert session.exec(select(ReconcileStateRow)).all()  # the state a person's reconcile starts from
        assert statuses == ["completed"]
        logs = process.stderr.read().decode()
        assert "daemon_started" in logs and "reconcile_finished" in logs and "demo-secret" not in logs
    finally:
        if process.poll() is None:
            process.kill()
        sims.stop()
