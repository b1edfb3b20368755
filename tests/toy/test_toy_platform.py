"""A fourth platform, added by configuration only (its connector, mapping and simulator live in
this test package): `lienthong sync` reads it and `lienthong reconcile` reports its differences
against the CSDL, with no line of the engine, the CLI or the store written for it."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest

from lienthong.simulators.demo_config import DEMO_SECRETS, platform_settings
from lienthong.simulators.school import VN_TZ
from lienthong.simulators.server import LoopbackServer, Simulators
from lienthong.simulators.views import Rates
from tests.cli.test_assess_cli import lienthong
from tests.toy.simulator import ToyState, build

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 23)


def pinned() -> datetime:
    return datetime(2026, 11, 23, 10, 0, tzinfo=VN_TZ)


@pytest.fixture(scope="module")
def school_with_toy():
    quiet = Rates(**{name: 0.0 for name in Rates.__dataclass_fields__})  # the shipped platforms agree
    sims = Simulators.create(seed=5, students=300, today=TODAY, clock=pinned, rate_limit=0, rates=quiet).start()
    toy = ToyState.of_school(sims.school, left_out=1, renamed=1)
    server = LoopbackServer(build(toy)).start()
    yield sims, toy, server
    server.stop()
    sims.stop()


def _toml(value) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


def config_file(tmp_path: Path, sims, toy_url: str) -> Path:
    school = sims.school
    tables = platform_settings({n: s.url for n, s in sims.servers.items()}, school.province_code, school.commune_code)
    lines = [
        f"ma_truong = {_toml(school.ma_truong)}",
        f"school_year = {_toml(school.school_year)}",
        f"database_url = {_toml('sqlite:///' + str(tmp_path / 'toy.db'))}",
    ]
    for name, table in tables.items():
        lines += [f"[{name}]", *(f"{k} = {_toml(v)}" for k, v in table.items())]
    lines += [
        "[platforms.toy]",
        f"connector = {_toml('tests.toy.connector:ToyConnector')}",
        f"base_url = {_toml(toy_url)}",
    ]
    path = tmp_path / "lienthong.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(config: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "LIENTHONG_CONFIG": str(config),
        "LIENTHONG_VNEDU_CLIENT_SECRET": DEMO_SECRETS["vnedu_client_secret"],
        "LIENTHONG_CSDL_PASSWORD": DEMO_SECRETS["csdl_password"],
        "LIENTHONG_PORTAL_API_KEY": DEMO_SECRETS["portal_api_key"],
    }
    return subprocess.run([*lienthong(), *args], capture_output=True, text=True, env=env, timeout=300)


def test_a_platform_added_by_configuration_is_synced_and_reconciled(tmp_path, school_with_toy):
    sims, toy, server = school_with_toy
    config = config_file(tmp_path, sims, server.url)
    assert run(config, "db", "upgrade").returncode == 0  # a new installation makes its database first

    synced = run(config, "sync", "--once", "--full", "--json")
    assert synced.returncode in (0, 1), synced.stderr
    run_event = json.loads(synced.stdout.strip().splitlines()[-1])
    assert run_event["pulled"]["toy"]["records"] == len(toy.students)  # every toy student read
    assert run_event["pulled"]["toy"]["new"] == len(toy.students)

    reconciled = run(config, "reconcile", "--format", "json")
    assert reconciled.returncode == 1, reconciled.stderr
    records = [json.loads(line) for line in reconciled.stdout.splitlines()]
    about_toy = [r for r in records if "toy" in r["values"]]
    missing = next(s for s in sims.school.students if s.ministry_id)  # left out of the toy's list
    renamed = [s for s in sims.school.students if s.ministry_id][1]  # another given name there
    assert {(r["kind"], r["student"]["keys"].get("csdl")) for r in about_toy} == {
        ("missing_student", missing.ministry_id),
        ("bio_mismatch", renamed.ministry_id),
    }
    [gone] = [r for r in about_toy if r["kind"] == "missing_student"]
    assert gone["message"] == (
        f"Em {missing.full_name} ({missing.class_code}) có trên CSDL nhưng không có trên sổ liên lạc"
    )
    [name] = [r for r in about_toy if r["kind"] == "bio_mismatch"]
    assert name["field"] == "ho_ten" and "sổ liên lạc «" in name["message"]
    assert name["values"]["toy"] == toy.students[f"LL{renamed.ministry_id}"]["ho_ten"]
