"""``lienthong simulate``: the three simulators on loopback until Ctrl-C or SIGTERM."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

from lienthong.simulators.demo_config import DEFAULT_PORTS
from lienthong.simulators.faults import PROFILES
from lienthong.simulators.server import Simulators


def parse_ports(given: list[str]) -> dict[str, int]:
    """``["vnedu=0", …]`` over the simulators' default ports; a bad entry is a `ValueError` saying why."""
    ports = dict(DEFAULT_PORTS)
    for entry in given:
        name, _, number = entry.partition("=")
        if name not in DEFAULT_PORTS or not number.isdigit() or int(number) > 65535:
            raise ValueError(
                f"--port {entry!r}: cần dạng TÊN=CỔNG với TÊN là {', '.join(DEFAULT_PORTS)} và cổng từ 0 đến 65535"
            )
        ports[name] = int(number)
    return ports


def run_simulators(seed: int, students: int, faults: str, host: str, ports: list[str], manifest: Path | None) -> int:
    if faults not in PROFILES:
        print(f"Hồ sơ lỗi không hợp lệ: {faults!r} (chọn: {', '.join(PROFILES)})", file=sys.stderr)
        return 2
    try:
        chosen = parse_ports(ports)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    sims = Simulators.create(seed=seed, students=students)
    sims.set_faults(PROFILES[faults])
    if manifest:
        sims.write_manifest(manifest)
    try:
        sims.start(host, chosen)
    except OSError as exc:
        print(f"Không mở được cổng: {exc}. Hãy dùng cổng khác (ví dụ --port {next(iter(chosen))}=0).", file=sys.stderr)
        return 1
    for name, url in sims.urls().items():
        print(f"{name} {url}", flush=True)
    print("ready", flush=True)
    try:
        wait_until_stopped()
    finally:
        sims.stop()
    return 0


def write_files(seed: int, students: int, folder: Path, today: str | None, manifest: Path | None) -> int:
    """The Excel files an Excel-only school has, from a simulated school (and its manifest)."""
    from datetime import date

    from lienthong.simulators.exports import write_school_files
    from lienthong.simulators.school import generate_school
    from lienthong.simulators.views import Rates, build_platform_data, manifest_json

    try:
        day = date.fromisoformat(today) if today else date.today()
    except ValueError:
        print(f"--today phải có dạng YYYY-MM-DD (nhận được {today!r})", file=sys.stderr)
        return 2
    school = generate_school(seed, students, day)
    data = build_platform_data(school, seed)
    written = write_school_files(school, data, folder)
    if manifest:
        manifest.write_text(manifest_json(data.manifest(school, seed, Rates())), encoding="utf-8")
    print(f"Đã ghi {len(written)} tệp của trường mô phỏng năm học {school.school_year} vào {folder}")
    return 0


def wait_until_stopped() -> None:
    """Block until Ctrl-C or SIGTERM."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
