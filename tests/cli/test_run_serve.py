"""``lienthong run --serve``: the daemon and the dashboard in one process; SIGTERM stops both."""

import signal
import subprocess
import time

import httpx

from tests.cli.test_assess_cli import lienthong
from tests.sync.conftest import make_sims
from tests.sync.test_daemon import free_port


def test_run_serves_the_dashboard_beside_the_daemon_and_stops_on_sigterm(tmp_path):
    sims = make_sims()
    metrics, web = free_port(), free_port()
    while web == metrics:  # two free ports, not the same one twice
        web = free_port()
    config = tmp_path / "lienthong.toml"
    config.write_text(
        f'ma_truong = "{sims.school.ma_truong}"\ndatabase_url = "sqlite:///{tmp_path / "school.db"}"\n'
        f'[vnedu]\nbase_url = "{sims.servers["vnedu"].url}"\nclient_id = "lienthong-demo"\nrate_limit = 0\n'
        f"[schedule]\nmetrics_port = {metrics}\nrun_at_start = false\n"
        f'[records]\narchive_dir = "{tmp_path / "archive"}"\n',
        encoding="utf-8",
    )
    env = {"PATH": "/usr/bin:/bin", "LIENTHONG_CONFIG": str(config), "LIENTHONG_VNEDU_CLIENT_SECRET": "demo-secret"}
    command = [*lienthong(), "run", "--serve", "--host", "127.0.0.1", "--port", str(web)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline, page = time.monotonic() + 60, None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                page = httpx.get(f"http://127.0.0.1:{web}/dang-nhap")
                metrics_up = httpx.get(f"http://127.0.0.1:{metrics}/metrics").status_code == 200
                if metrics_up:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        assert page is not None and page.status_code == 200, process.stderr.read1().decode() if page is None else ""
        assert "Đăng nhập" in page.text and 'lang="vi"' in page.text
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
        assert code == 0, process.stderr.read().decode()[-2000:]
        with httpx.Client() as client:
            try:
                client.get(f"http://127.0.0.1:{web}/dang-nhap", timeout=2)
                stopped = False
            except httpx.TransportError:
                stopped = True
        assert stopped
        logs = process.stderr.read().decode()
        assert "daemon_started" in logs and f"http://127.0.0.1:{web}/" in logs
    finally:
        if process.poll() is None:
            process.kill()
        sims.stop()
