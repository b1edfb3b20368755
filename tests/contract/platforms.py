"""One adapter per platform so that a single contract suite runs unchanged against each
connector and its simulator: how to build the connector, what the simulator holds (truth),
a change to push, and how to close a lock window."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any, Callable

import httpx
from pydantic import SecretStr

from lienthong.config.settings import PlatformEntry, Settings
from lienthong.connectors.csdl.soap import CsdlConfig, CsdlSoap
from lienthong.connectors.http import RateLimiter, RetryPolicy
from lienthong.connectors.portal.api import PortalApi, PortalConfig
from lienthong.connectors.vnedu.api import VneduApi, VneduConfig
from lienthong.reconciliation.portal_reports import changes_report

FAST = RetryPolicy(attempts=12, initial=0.001, maximum=0.01, jitter=0.001, budget=600)


class Sleeps:
    """Injected sleep: records the waits, does not wait (the simulators' faults count requests)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


def _kw(sleep) -> dict:
    return {"policy": FAST, "sleep": sleep, "limiter": RateLimiter(0)}


@dataclass
class Case:
    """A platform as the contract suite sees it. ``start`` runs its simulator beside the shipped
    ones (a platform added by configuration brings its own); ``entry`` is its configuration
    entry (``[platforms.NAME]``) when it is not shipped with lienthong."""

    name: str
    connector: Callable[[Any, Any], Any]
    full_pulls: list[tuple[str, dict]]
    truth: Callable[[Any, str, dict], dict[str, dict]]
    change: Callable[[Any], tuple[str, dict]]
    close_window: Callable[[Any, bool], None]
    writes: Callable[[Any], int]
    start: Callable[[Any], None] = lambda sims: None
    entry: dict | None = None

    def state(self, sims) -> Any:
        return getattr(sims, self.name)

    def set_faults(self, sims, profile) -> None:
        self.state(sims).faults.set(profile)

    def injected(self, sims) -> int:
        return sum(self.state(sims).faults.injected.values())


# --- vnEdu --------------------------------------------------------------------------------------


def _vnedu(sims, sleep):
    config = VneduConfig(
        sims.servers["vnedu"].url,
        sims.school.ma_truong,
        "lienthong-demo",
        SecretStr("demo-secret"),
        sims.school.start_year,
        rate_limit=0,
    )
    return VneduApi(config, **_kw(sleep))


def _vnedu_truth(sims, entity, scope):
    if entity == "hoc_sinh":
        return {k: v for k, v in sims.vnedu.students.items()}
    return {f"{s}:{m}:{h}": v for (s, m, h), v in sims.vnedu.scores.items() if h == str(scope["hoc_ky"])}


def _vnedu_change(sims):
    (sid, mon, hk), sheet = next(
        (
            (k, v)
            for k, v in sims.vnedu.scores.items()
            if k[1] == "TOAN" and k[2] == "1" and v["ddg_gk"] not in (None, "1")
        )
    )
    return "diem", dict({k: v for k, v in sheet.items() if k != "updated_at"}, ddg_gk="1")


def _vnedu_lock(sims, locked):
    sims.vnedu.forced_locks[(1, "diem")] = True if locked else None


# --- CSDL ---------------------------------------------------------------------------------------


def _csdl(sims, sleep):
    config = CsdlConfig(
        sims.servers["csdl"].url + "/csdl",
        sims.school.ma_truong,
        "demo",
        SecretStr("demo"),
        sims.school.school_year,
        rate_limit=0,
    )
    return CsdlSoap(config, **_kw(sleep))


def _csdl_truth(sims, entity, scope):
    if entity == "hoc_sinh":
        return dict(sims.csdl.students)
    return {f"{m}:{h}": v for (m, h), v in sims.csdl.results.items() if h == scope["hoc_ky"]}


def _csdl_change(sims):
    key, result = next(
        (
            (k, v)
            for k, v in sims.csdl.results.items()
            if k[1] == "1" and k[0] in sims.csdl.students and v["KetQuaHocTap"]
        )
    )
    mon = [m for m in result["Mon"] if m.get("DiemTB") or m.get("KetQuaDanhGia")]
    return "ket_qua", {
        "MaDinhDanh": key[0],
        "HocKy": "1",
        "Mon": mon,
        "KetQuaHocTap": result["KetQuaHocTap"],
        "KetQuaRenLuyen": "T",
        "SoBuoiNghiCoPhep": result["SoBuoiNghiCoPhep"] + 1,
        "SoBuoiNghiKhongPhep": result["SoBuoiNghiKhongPhep"],
        "SuKien": "UPDATE",
        "PhienBan": int(result["PhienBan"]) + 1,
    }


def _csdl_lock(sims, locked):
    sims.csdl.forced_locks[("1", "KETQUA")] = True if locked else None


# --- portal -------------------------------------------------------------------------------------


def _portal(sims, sleep):
    school = sims.school
    config = PortalConfig(
        sims.servers["portal"].url,
        SecretStr("demo-key"),
        school.ma_truong,
        school.province_code,
        school.commune_code,
        school.school_year,
        rate_limit=0,
        poll_every=0.0,
    )
    return PortalApi(config, **_kw(sleep))


def _portal_change(sims):
    request = next(
        r for r in sims.portal.requests.values() if r["ma_bieu_mau"] == "TK-BIENDONG" and r["trang_thai"] == "chua_nop"
    )
    report = changes_report({c.code: (0, 0, 0, 0) for c in sims.school.classes})
    return "bao_cao", {
        "ma_yeu_cau": request["ma_yeu_cau"],
        "tep": report.workbook("Biến động"),
        "tom_tat": report.summary(),
    }


def _portal_lock(sims, locked):
    _, item = _portal_change(sims) if locked else (None, None)
    for request in sims.portal.requests.values():
        if request["ma_bieu_mau"] == "TK-BIENDONG" and request.get("_forced") is not None and not locked:
            request["trang_thai"], request["_forced"] = request["_forced"], None
    if locked:
        request = sims.portal.requests[item["ma_yeu_cau"]]
        request["_forced"], request["trang_thai"] = request["trang_thai"], "da_duyet"


def _writes(platform: str) -> Callable[[Any], int]:
    return lambda sims: httpx.get(f"{sims.servers[platform].url}/_sim/writes").json()["total"]


SHIPPED = {
    "vnedu": Case(
        "vnedu",
        _vnedu,
        [("hoc_sinh", {}), ("diem", {"hoc_ky": 1})],
        _vnedu_truth,
        _vnedu_change,
        _vnedu_lock,
        _writes("vnedu"),
    ),
    "csdl": Case(
        "csdl",
        _csdl,
        [("hoc_sinh", {}), ("ket_qua", {"hoc_ky": "1"})],
        _csdl_truth,
        _csdl_change,
        _csdl_lock,
        _writes("csdl"),
    ),
    "portal": Case(
        "portal",
        _portal,
        [("yeu_cau_bao_cao", {})],
        lambda sims, entity, scope: {
            k: {x: y for x, y in v.items() if not x.startswith("_")} for k, v in sims.portal.requests.items()
        },
        _portal_change,
        _portal_lock,
        _writes("portal"),
    ),
}


def _further() -> dict[str, Case]:
    """Platforms added in tests by configuration only (each package under ``tests/`` that has a
    ``contract_case.py`` with a ``CASE``)."""
    found = {}
    for path in sorted(Path(__file__).parent.parent.glob("*/contract_case.py")):
        case = import_module(f"tests.{path.parent.name}.contract_case").CASE
        found[case.name] = case
    return found


CASES = {**SHIPPED, **_further()}


def settings_with_every_case(**fields) -> Settings:
    """Settings that register every platform of the suite (those added by configuration too)."""
    platforms = {name: PlatformEntry(**case.entry) for name, case in CASES.items() if case.entry}
    return Settings(platforms=platforms, **fields)
