"""Platforms having a bad day during `lienthong sync`, two runs at once, and a run killed midway.

The simulators run in this process; a fault profile is switched on after a number of
requests so that the platform fails in the middle of a paged pull, not at its first answer.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from contextlib import contextmanager

from lienthong.cli import exits
from lienthong.simulators.faults import FaultProfile, profile
from tests.faults.conftest import SECRET_ENV, VIETNAMESE

RETRY_BUDGET = {"LIENTHONG_RETRY_BUDGET_S": "2"}  # a platform that does not answer is given up on quickly


@contextmanager
def faults_after(sims, platform: str, reads: int, later: dict):
    """``later`` (a fault profile's fields) on ``platform`` once its injector has been consulted
    ``reads`` times (a few times a request): the failure comes in the middle of the work."""
    injector = getattr(sims, platform).faults
    plain = type(injector)
    switched = profile(later)

    class Switching(plain):
        @property
        def profile(self):
            self.__dict__["reads"] = self.__dict__.get("reads", 0) + 1
            return switched if self.__dict__["reads"] > reads else self.__dict__["profile"]

        @profile.setter
        def profile(self, value):
            self.__dict__["profile"] = value

    injector.__class__ = Switching
    try:
        yield injector
    finally:
        injector.__class__ = plain
        injector.__dict__.pop("reads", None)
        sims.set_faults(FaultProfile())


@contextmanager
def faults(sims, **fields):
    sims.set_faults(profile(fields))
    try:
        yield
    finally:
        sims.set_faults(FaultProfile())


def runs_of(case) -> list[tuple[int, str]]:
    with sqlite3.connect(f"file:{case.database}?mode=ro", uri=True) as connection:
        return list(connection.execute("SELECT id, status FROM sync_run ORDER BY id"))


def sync_env(case, **extra) -> dict:
    return {"LIENTHONG_CONFIG": str(case.config()), **SECRET_ENV, **RETRY_BUDGET, **extra}


def events_of(done) -> list[dict]:
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def assert_run_reported(case, done, code: int, platform: str) -> dict:
    """The run's exit code, its last event naming what failed in Vietnamese, nothing left
    'running', no traceback and no personal data (stdout included: a run report names no one)."""
    assert done.returncode == code, done.shown()
    case.assert_clean(done, stdout_too=True)
    run = events_of(done)[-1]
    assert run["event"] == "run", done.shown()
    said = run["errors"].get(platform, "")
    assert said and VIETNAMESE.search(said) and "\n" not in said, run
    assert "running" not in {status for _, status in runs_of(case)}
    return run


def test_vnedu_refusing_403_in_the_middle_of_a_paged_pull(case):
    with faults_after(case.sims, "vnedu", 30, {"permanent_rate": 1.0}):
        done = case.run("sync", "--once", "--full", "--platform", "vnedu", "--json", env=sync_env(case))
    run = assert_run_reported(case, done, exits.DIFFERENCES, "vnedu")
    assert any(e["event"] == "pulled" for e in events_of(done)), "the failure came before any page"
    assert run["status"] in ("failed", "completed") and "vnedu" not in run["unreachable"]


def test_vnedu_answering_500_from_the_middle_of_a_pull_is_unreachable(case):
    with faults_after(case.sims, "vnedu", 30, {"error_rate": 1.0}):
        done = case.run("sync", "--once", "--full", "--platform", "vnedu", "--json", env=sync_env(case))
    run = assert_run_reported(case, done, exits.UNREACHABLE, "vnedu")
    assert run["unreachable"] == ["vnedu"]


def test_csdl_cutting_every_connection_is_unreachable(case):
    with faults(case.sims, reset_rate=1.0):
        done = case.run("sync", "--once", "--full", "--platform", "csdl", "--json", env=sync_env(case))
    run = assert_run_reported(case, done, exits.UNREACHABLE, "csdl")
    assert run["unreachable"] == ["csdl"]


def test_the_portal_refusing_403_stops_only_the_portal(case):
    with faults(case.sims, permanent_rate=1.0):
        done = case.run("sync", "--once", "--platform", "portal", "--json", env=sync_env(case))
    assert_run_reported(case, done, exits.DIFFERENCES, "portal")


def test_check_with_a_platform_answering_500(case):
    with faults(case.sims, error_rate=1.0):
        done = case.run("check", env=sync_env(case))
    assert done.returncode == exits.UNREACHABLE, done.shown()
    case.assert_clean(done, stdout_too=True)
    assert VIETNAMESE.search(done.stdout), done.shown()


def test_two_runs_at_once_the_second_is_refused_as_busy(case):
    env = sync_env(case)
    with faults(case.sims, latency_ms=300):  # the first run lasts long enough for the second to start
        first = case.start("sync", "--once", "--full", "--json", env=env)
        assert first.stdout.readline(), "the first run did not start"  # it has pulled a page
        second = case.run("sync", "--once", "--full", env=env, timeout=180)
        first_done = case.finish(first, None, ("sync", "--once", "--full", "--json"), timeout=180)
    assert first_done.returncode in (exits.OK, exits.DIFFERENCES), first_done.shown()
    case.assert_clean(first_done, stdout_too=True)
    case.assert_error(second, exits.REFUSED)
    statuses = [status for _, status in runs_of(case)]
    assert "running" not in statuses and "interrupted" not in statuses, statuses


def test_a_run_killed_midway_is_completed_by_the_next(case):
    env = sync_env(case)
    with faults(case.sims, latency_ms=150):
        killed = case.start("sync", "--once", "--full", "--json", env=env)
        try:
            assert json.loads(killed.stdout.readline())["event"] == "pulled"  # midway: a page is stored
        finally:
            killed.send_signal(signal.SIGKILL)
            killed.wait(timeout=30)
    assert killed.returncode == -signal.SIGKILL
    assert runs_of(case)[-1][1] == "running"  # what the kill left behind
    again = case.run("sync", "--once", "--full", "--json", env=env, timeout=180)
    assert again.returncode in (exits.OK, exits.DIFFERENCES), again.shown()
    case.assert_clean(again, stdout_too=True)
    assert events_of(again)[-1]["status"] == "completed"
    statuses = [status for _, status in runs_of(case)]
    assert "running" not in statuses and statuses[-1] == "completed", statuses
    assert statuses[-2] == "interrupted", statuses
    listed = case.run("runs")
    case.assert_done(listed, exits.OK)
    assert "bị ngắt" in listed.stdout and "đang chạy" not in listed.stdout


def test_a_run_killed_right_after_it_started_leaves_nothing_running(case):
    env = sync_env(case)
    with faults(case.sims, latency_ms=300):
        killed = case.start("sync", "--once", "--full", "--json", env=env)
        try:
            deadline = time.monotonic() + 60
            while len(runs_of(case)) < 2 and time.monotonic() < deadline:  # the template holds run 1
                time.sleep(0.02)
        finally:
            killed.send_signal(signal.SIGKILL)
            killed.wait(timeout=30)
    assert runs_of(case)[-1][1] == "running"  # killed before any page was stored
    again = case.run("sync", "--once", "--platform", "portal", "--json", env=env, timeout=180)
    assert again.returncode in (exits.OK, exits.DIFFERENCES), again.shown()
    case.assert_clean(again, stdout_too=True)
    assert "running" not in {status for _, status in runs_of(case)}


def test_two_syncs_started_together_twenty_times_never_clash(case):
    """Twenty times, two `lienthong sync --once` for the same platform at the same moment: never an
    IntegrityError or a traceback; when they overlap, exactly one does the work and the other
    says why (exit 4); nothing is ever left 'running'."""
    env = sync_env(case)
    args = ("sync", "--once", "--platform", "csdl", "--json")
    before = len(runs_of(case))
    overlapped = 0
    with faults(case.sims, latency_ms=150):  # each run lasts a few seconds: the two overlap
        for _ in range(20):
            both = [case.start(*args, env=env), case.start(*args, env=env)]
            done = [case.finish(process, None, args, timeout=180) for process in both]
            codes = sorted(d.returncode for d in done)
            for result in done:
                case.assert_clean(result, stdout_too=True)
                assert "Integrity" not in result.stdout + result.stderr, result.shown()
            assert codes in ([exits.OK, exits.OK], [exits.OK, exits.REFUSED]), [d.shown() for d in done]
            if codes == [exits.OK, exits.REFUSED]:
                overlapped += 1
                busy = next(d for d in done if d.returncode == exits.REFUSED)
                assert "Đang có lượt đồng bộ khác cho csdl" in busy.stdout + busy.stderr, busy.shown()
    assert overlapped >= 15, overlapped  # they really ran at the same time, nearly every time
    statuses = [status for _, status in runs_of(case)][before:]
    assert statuses == ["completed"] * (40 - overlapped), statuses  # a refused run leaves no row at all
