"""``lienthong simulate``: the three simulators on loopback until Ctrl-C or SIGTERM."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

from simulators.faults import PROFILES
from simulators.server import Simulators


def run_simulators(seed: int, students: int, faults: str, host: str, ports: dict[str, int],
                   manifest: Path | None) -> int:
    if faults not in PROFILES:
        print(f"Hồ sơ lỗi không hợp lệ: {faults!r} (chọn: {', '.join(PROFILES)})", file=sys.stderr)
        return 2
    sims = Simulators.create(seed=seed, students=students)
    sims.set_faults(PROFILES[faults])
    if manifest:
        sims.write_manifest(manifest)
    try:
        sims.start(host, ports)
    except OSError as exc:
        print(f"Không mở được cổng: {exc}. Hãy dùng cổng khác (--vnedu-port 0 …).", file=sys.stderr)
        return 1
    for name, url in sims.urls().items():
        print(f"{name} {url}", flush=True)
    print("ready", flush=True)
    try:
        wait_until_stopped()
    finally:
        sims.stop()
    return 0


def wait_until_stopped() -> None:
    """Block until Ctrl-C or SIGTERM."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
