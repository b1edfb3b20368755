"""Run the three simulators on loopback ports (``lienthong simulate``, the demo and the tests)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import uvicorn

from lienthong.simulators import csdl, portal, vnedu
from lienthong.simulators.common import Clock, vn_now
from lienthong.simulators.faults import ConnectionDropped, FaultProfile
from lienthong.simulators.school import School, generate_school
from lienthong.simulators.views import PlatformData, Rates, build_platform_data, manifest_json


class _HideSimulatedDrops(logging.Filter):
    """A simulated connection reset is the point of the fault, not an error to print."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


logging.getLogger("uvicorn.error").addFilter(_HideSimulatedDrops())


class LoopbackServer:
    """One uvicorn server in a background thread, on ``host:port`` (port 0: any free one)."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted sockets
        sock.bind((host, port))
        self.socket, self.host, self.port = sock, host, sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10) -> "LoopbackServer":
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"simulator on {self.url} did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
        self.socket.close()


@dataclass
class Simulators:
    """The three simulators of one synthetic school, sharing its truth and manifest."""

    school: School
    data: PlatformData
    vnedu: vnedu.VneduState
    csdl: csdl.CsdlState
    portal: portal.PortalState
    manifest: dict
    servers: dict[str, LoopbackServer] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        seed: int = 1,
        students: int = 2000,
        today: date | None = None,
        clock: Clock = vn_now,
        rates: Rates | None = None,
        rate_limit: int = 10,
    ) -> "Simulators":
        school = generate_school(seed, students, today or clock().date())
        rates = rates or Rates()
        data = build_platform_data(school, seed, rates)
        return cls(
            school,
            data,
            vnedu.VneduState(school, data, clock, rate_limit=rate_limit),
            csdl.CsdlState(school, data, clock),
            portal.PortalState(school, data, clock),
            data.manifest(school, seed, rates),
        )

    def set_faults(self, profile: FaultProfile) -> None:
        for state in (self.vnedu, self.csdl, self.portal):
            state.faults.set(profile)

    def start(self, host: str = "127.0.0.1", ports: dict[str, int] | None = None) -> "Simulators":
        ports = ports or {}
        apps = {"vnedu": vnedu.build(self.vnedu), "csdl": csdl.build(self.csdl), "portal": portal.build(self.portal)}
        for name, app in apps.items():
            self.servers[name] = LoopbackServer(app, host, ports.get(name, 0)).start()
        return self

    def urls(self) -> dict[str, str]:
        return {
            "vnedu": self.servers["vnedu"].url,
            "csdl": f"{self.servers['csdl'].url}/csdl?wsdl",
            "portal": self.servers["portal"].url,
        }

    def write_manifest(self, path: Path) -> None:
        path.write_text(manifest_json(self.manifest), encoding="utf-8")

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
        self.servers.clear()


def csdl_login(ma_truong: str) -> tuple[str, str]:
    """The CSDL user name and password of a school of `ManySchools` (each school its own)."""
    return f"cb-{ma_truong}", f"mat-khau-csdl-{ma_truong}"


@dataclass
class ManySchools:
    """One vnEdu, one CSDL and one portal serving many synthetic schools (a department's or a
    contractor's), each with its own code (``ma_truong``), data and write counters; vnEdu's clients and
    their rate limit are the platform's, each school signs in to the CSDL with its own password
    (`csdl_login`) and to the portal with its own key."""

    platform: vnedu.VneduPlatform
    schools: dict[str, School]
    portal: portal.PortalPlatform = field(default_factory=lambda: portal.PortalPlatform())
    csdl: csdl.CsdlPlatform = field(default_factory=lambda: csdl.CsdlPlatform())
    server: LoopbackServer | None = None
    portal_server: LoopbackServer | None = None
    csdl_server: LoopbackServer | None = None

    @classmethod
    def create(
        cls,
        count: int,
        students: int = 20,
        seed: int = 1,
        today: date | None = None,
        clock: Clock = vn_now,
        rates: Rates | None = None,
        rate_limit: int = 10,
        clients: dict[str, str] | None = None,
    ) -> "ManySchools":
        """``count`` schools coded ``7901xxxx``; ``clients``: vnEdu partner client id → secret (the demo's by
        default); each school's portal key is ``khoa-<ma_truong>``."""
        platform = vnedu.VneduPlatform(clients or dict([vnedu.DEMO_CLIENT]), rate_limit)
        reports = portal.PortalPlatform()
        ministry = csdl.CsdlPlatform()
        schools: dict[str, School] = {}
        for index in range(count):
            school = generate_school(seed + index, students, today or clock().date(), classes_per_grade=1)
            school.ma_truong = f"7901{index + 1:04d}"
            data = build_platform_data(school, seed + index, rates or Rates())
            platform.add(vnedu.VneduState(school, data, clock, rate_limit=rate_limit))
            reports.add(portal.PortalState(school, data, clock, api_key=f"khoa-{school.ma_truong}"))
            code = school.ma_truong
            ministry.add(csdl.CsdlState(school, data, clock, login=csdl_login(code), seed=f"csdl-ids-{code}"))
            schools[code] = school
        return cls(platform, schools, reports, ministry)

    def state(self, ma_truong: str) -> vnedu.VneduState:
        return self.platform.schools[ma_truong]

    def csdl_state(self, ma_truong: str) -> csdl.CsdlState:
        return self.csdl.schools[ma_truong]

    def set_faults(self, profile: FaultProfile) -> None:
        self.platform.faults.set(profile)
        self.portal.faults.set(profile)
        self.csdl.faults.set(profile)

    def start(self, host: str = "127.0.0.1", port: int = 0) -> "ManySchools":
        self.server = LoopbackServer(vnedu.build(self.platform), host, port).start()
        self.portal_server = LoopbackServer(portal.build(self.portal), host).start()
        self.csdl_server = LoopbackServer(csdl.build(self.csdl), host).start()
        return self

    @property
    def csdl_endpoint(self) -> str:
        assert self.csdl_server is not None, "not started"
        return f"{self.csdl_server.url}/csdl"

    @property
    def url(self) -> str:
        assert self.server is not None, "not started"
        return self.server.url

    def stop(self) -> None:
        for server in (self.server, self.portal_server, self.csdl_server):
            if server is not None:
                server.stop()
        self.server = self.portal_server = self.csdl_server = None
