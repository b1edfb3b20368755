"""``lienthong simulate``, ``db upgrade`` and ``check`` as an IT person runs them."""

import json
import signal
import subprocess

import httpx
import sqlalchemy as sa

from lienthong.simulators.server import Simulators
from lienthong.store.db import migrate
from tests.cli.test_assess_cli import lienthong
from tests.simulators.conftest import TODAY, pinned


def test_simulate_prints_the_three_services_then_ready_and_stops_on_sigterm(tmp_path):
    manifest = tmp_path / "manifest.json"
    process = subprocess.Popen(
        [
            *lienthong(),
            "simulate",
            "--students",
            "200",
            "--port",
            "vnedu=0",
            "--port",
            "csdl=0",
            "--port",
            "portal=0",
            "--manifest",
            str(manifest),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin"},
    )
    try:
        lines = [process.stdout.readline().decode().strip() for _ in range(4)]
        assert [line.split(" ")[0] for line in lines] == ["vnedu", "csdl", "portal", "ready"]
        assert lines[1].endswith("/csdl?wsdl") and all("127.0.0.1" in line for line in lines[:3])
        wsdl = httpx.get(lines[1].split(" ")[1])
        assert wsdl.status_code == 200 and b"CSDLTruongHoc" in wsdl.content
        assert manifest.exists() and '"differences"' in manifest.read_text(encoding="utf-8")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_simulate_refuses_an_unknown_fault_profile():
    done = subprocess.run(
        [*lienthong(), "simulate", "--faults", "sometimes"],
        capture_output=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2 and "none, flaky, hostile" in done.stderr.decode()


def test_db_upgrade_creates_the_schema(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    done = subprocess.run(
        [*lienthong(), "db", "upgrade", "--url", url], capture_output=True, timeout=120, env={"PATH": "/usr/bin:/bin"}
    )
    assert done.returncode == 0 and "Đã nâng cấp CSDL" in done.stdout.decode()
    tables = sa.inspect(sa.create_engine(url)).get_table_names()
    assert {"student", "source_snapshot", "outbox_item", "audit_log"} <= set(tables)


def test_check_reaches_every_configured_simulator(tmp_path):
    sims = Simulators.create(seed=5, students=100, today=TODAY, clock=pinned).start()
    try:
        config = tmp_path / "lienthong.toml"
        config.write_text(
            f'ma_truong = "79000701"\n[vnedu]\nbase_url = "{sims.servers["vnedu"].url}"\nclient_id = "lienthong-demo"\n'
            f'[csdl]\nendpoint = "{sims.servers["csdl"].url}/csdl"\nusername = "demo"\n'
            f'[portal]\nbase_url = "{sims.servers["portal"].url}"\nma_tinh = "79"\nma_xa = "26734"\n',
            encoding="utf-8",
        )
        env = {
            "PATH": "/usr/bin:/bin",
            "COLUMNS": "200",
            "LIENTHONG_CONFIG": str(config),
            "LIENTHONG_VNEDU_CLIENT_SECRET": "demo-secret",
            "LIENTHONG_CSDL_PASSWORD": "demo",
            "LIENTHONG_PORTAL_API_KEY": "demo-key",
        }
        done = subprocess.run([*lienthong(), "check"], capture_output=True, timeout=120, env=env)
        out = done.stdout.decode()
        assert done.returncode == 0, out
        assert out.count("kết nối được") == 3 and "lớp" in out and "yêu cầu báo cáo" in out
        wrong = subprocess.run(
            [*lienthong(), "check"], capture_output=True, timeout=120, env={**env, "LIENTHONG_CSDL_PASSWORD": "sai"}
        )
        assert wrong.returncode == 2 and "LIENTHONG_CSDL_PASSWORD" in wrong.stdout.decode()  # configuration
    finally:
        sims.stop()
    gone = subprocess.run([*lienthong(), "check"], capture_output=True, timeout=120, env=env)
    assert gone.returncode == 3, gone.stdout.decode()  # the platforms do not answer
    migrate(f"sqlite:///{tmp_path / 'x.db'}")  # as `lienthong db upgrade` makes it: sync creates no database
    synced = subprocess.run(
        [*lienthong(), "--db", f"sqlite:///{tmp_path / 'x.db'}", "sync", "--once", "--json", "--platform", "vnedu"],
        capture_output=True,
        timeout=300,
        env={**env, "LIENTHONG_RETRY_BUDGET_S": "3"},
    )
    events = [json.loads(line) for line in synced.stdout.decode().splitlines()]
    assert synced.returncode == 3 and events[-1]["event"] == "run" and events[-1]["unreachable"] == ["vnedu"]
    listed = subprocess.run(
        [*lienthong(), "--db", f"sqlite:///{tmp_path / 'x.db'}", "runs", "--json"],
        capture_output=True,
        timeout=120,
        env=env,
    )
    lines = [json.loads(line) for line in listed.stdout.decode().splitlines()]
    assert listed.returncode == 0 and lines[0]["run_id"] == events[-1]["run_id"] and lines[-1]["event"] == "queue"
    assert "vnedu" in lines[0]["summary"]["errors"]


def test_init_writes_a_commented_config_and_the_database_and_never_overwrites(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "200"}
    done = subprocess.run(
        [
            *lienthong(),
            "--db",
            f"sqlite:///{tmp_path / 'truong.db'}",
            "init",
            "--ma-truong",
            "79000701",
            "--file",
            str(tmp_path / "lienthong.toml"),
        ],
        capture_output=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0 and "[vnedu]/[csdl]/[portal]" in done.stdout.decode()
    text = (tmp_path / "lienthong.toml").read_text(encoding="utf-8")
    assert 'ma_truong = "79000701"' in text and "LIENTHONG_CSDL_PASSWORD" in text and "secret =" not in text
    assert "outbox_item" in sa.inspect(sa.create_engine(f"sqlite:///{tmp_path / 'truong.db'}")).get_table_names()
    runs = subprocess.run(
        [*lienthong(), "--config", str(tmp_path / "lienthong.toml"), "runs"],
        capture_output=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert runs.returncode == 0 and "Hàng đợi gửi" in runs.stdout.decode()
    again = subprocess.run(
        [*lienthong(), "init", "--ma-truong", "79000701", "--file", str(tmp_path / "lienthong.toml")],
        capture_output=True,
        timeout=120,
        env=env,
    )
    assert again.returncode == 2 and "không ghi đè" in again.stdout.decode()
    bad = subprocess.run(
        [*lienthong(), "init", "--ma-truong", "7900", "--file", str(tmp_path / "x.toml")],
        capture_output=True,
        timeout=120,
        env=env,
    )
    assert bad.returncode == 2 and "8 chữ số" in bad.stdout.decode()
