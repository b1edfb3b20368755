"""`store.school_lock`: one reconciliation of a school at a time across processes, on SQLite (a file
lock beside the database) and PostgreSQL (an advisory lock held by the run's transaction); other
schools go on beside it, and the school is free again once the holder's transaction ends."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lienthong.store import school_lock, tenancy
from lienthong.store.db import make_engine, migrate
from lienthong.store.plain import opened
from tests.store.test_tenancy import register

FIRST, SECOND = "79000001", "79000002"

# Another process asking for the school's reconcile turn, waiting half a second at most.
_ASK = """
import sys
from lienthong.store import school_lock, tenancy
from lienthong.store.db import make_engine
from lienthong.store.plain import opened
engine = tenancy.for_school(make_engine(sys.argv[1]), sys.argv[2])
with opened(engine) as db:
    try:
        with school_lock.one_at_a_time(db, "reconcile", wait=0.5):
            print("held")
    except school_lock.SchoolBusy as exc:
        print("busy", exc.message)
"""


@pytest.fixture
def engine(database_url):
    migrate(database_url)
    engine = make_engine(database_url)
    for school in (FIRST, SECOND):
        register(engine, school)
    yield engine
    engine.dispose()


def _ask(url: str, school: str) -> str:
    done = subprocess.run([sys.executable, "-c", _ASK, url, school], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-1000:]
    return done.stdout.strip()


def test_another_process_waits_for_the_school_and_only_for_that_school(engine):
    url = engine.url.render_as_string(hide_password=False)
    with opened(tenancy.for_school(engine, FIRST)) as db, school_lock.one_at_a_time(db, "reconcile"):
        busy = _ask(url, FIRST)
        assert busy.startswith("busy") and f"Trường {FIRST} đang có một lần đối chiếu khác" in busy
        assert _ask(url, SECOND) == "held"  # another school is not held up
        db.commit()  # the run's transaction ends with the block (on PostgreSQL, that releases it)
    assert _ask(url, FIRST) == "held"


def test_a_failed_run_frees_the_school(engine):
    url = engine.url.render_as_string(hide_password=False)
    with pytest.raises(RuntimeError):
        with opened(tenancy.for_school(engine, FIRST)) as db, school_lock.one_at_a_time(db, "reconcile"):
            raise RuntimeError("the run failed")
    assert _ask(url, FIRST) == "held"
