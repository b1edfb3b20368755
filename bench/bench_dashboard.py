"""The dashboard's server time (issue 17): with a 2,500-student school loaded (the demo's generator
and one full sync against the simulators), the principal's page (``/tong-quan``) and the homeroom
teacher's page (``/khac-biet``, her class) each requested 50 times in process (FastAPI's TestClient),
after one warm-up request (which loads the school's records into the page's cache). Prints the
median and p95; aim: principal ≤ 200 ms, GVCN ≤ 100 ms. Reported, not asserted.

``python -m bench.bench_dashboard [--keep]``: ``--keep`` reuses the database of an earlier run.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.bench_startup import _env, _lienthong

FOLDER = Path("/tmp/lienthong-bench-dashboard")
STUDENTS = 2500
REQUESTS = 50
AIM_MS = {"principal": 200, "gvcn": 100}
SUBJECTS = ("VAN", "TOAN", "NN1", "GDCD", "LSDL", "KHTN", "CN", "TIN", "GDTC", "NT", "HDTN", "GDDP")
PASSWORD = "mat-khau-dai-1"


def school(keep: bool) -> Path:
    """The demo's database at 2,500 students (built once; ``keep`` reuses it)."""
    database = FOLDER / "var" / "demo.db"
    if keep and database.exists():
        return database
    shutil.rmtree(FOLDER / "var", ignore_errors=True)
    FOLDER.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    command = [_lienthong(), "demo", "--no-wait", "--students", str(STUDENTS)]
    subprocess.run(command, cwd=FOLDER, env=_env(), check=True, stdout=subprocess.DEVNULL, timeout=1800)
    print(f"{STUDENTS}-student school built in {time.perf_counter() - start:.0f} s: {database}")
    return database


def _copy(database: Path) -> Path:
    """A copy, so that the accounts and sessions made here touch nobody's demo."""
    copy = FOLDER / "bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
        if Path(f"{database}{suffix}").exists():
            shutil.copy(f"{database}{suffix}", f"{copy}{suffix}")
    return copy


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def timed(client, path: str, n: int) -> tuple[float, float, float]:
    """(first request ms, p50 ms, p95 ms over ``n`` more) of one page, each answered 200."""
    start = time.perf_counter()
    response = client.get(path)
    first = 1000 * (time.perf_counter() - start)
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(path)
        samples.append(1000 * (time.perf_counter() - start))
        assert response.status_code == 200
    return first, statistics.median(samples), p95(samples)


def measure(database: Path) -> dict[str, tuple[float, float]]:
    """(median ms, p95 ms) of each page."""
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from lienthong.config.settings import Settings
    from lienthong.dashboard.app import create_app
    from lienthong.dashboard.security import SESSION_COOKIE
    from lienthong.reconciliation import service
    from lienthong.store import accounts
    from lienthong.store.db import make_engine

    url = f"sqlite:///{database}"
    settings = Settings(database_url=url)
    engine = make_engine(url)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    with Session(engine) as session:  # the demo's accounts: the principal, the GVCN of one class
        users = accounts.list_users(session)
        principal = next(a for a in users if a.role == "principal")
        gvcn = next(a for a in users if a.role == "gvcn")
        it = next(a for a in users if a.role == "it")
        classes = [c.code for c in service.list_classes(engine, settings.current_school_year(), settings)]
        for i, subject in enumerate(SUBJECTS):  # three teachers a subject, each a third of the classes
            for part in range(3):
                scopes = {"class": classes[part::3], "subject": [subject]}
                login = f"bench.gv{i}.{part}"
                accounts.add_user(
                    session, login, f"Giáo viên {subject} {part + 1}", "teacher", PASSWORD, now, scopes, by=it
                )
        people = (("principal", principal), ("gvcn", gvcn))
        tokens = {role: accounts.open_session(session, actor, now)[0] for role, actor in people}
        session.commit()
    app = create_app(settings, engine, secret_key=b"bench")
    paths = {"principal": "/tong-quan", "gvcn": "/khac-biet"}
    out = {}
    for role, path in paths.items():
        client = TestClient(app)
        client.cookies.set(SESSION_COOKIE, tokens[role])
        cold, p50, slow = timed(client, path, REQUESTS)
        print(f"  {role} {path}: first request (cold: records loaded, figures measured) {cold:.0f} ms")
        out[role] = (p50, slow)
    engine.dispose()
    return out


def main(keep: bool = True) -> None:
    print(f"dashboard pages, {STUDENTS} students, {REQUESTS} requests each (TestClient, in process)")
    results = measure(_copy(school(keep)))
    for role, (median, slow) in results.items():
        verdict = "ok" if slow <= AIM_MS[role] else "OVER"
        print(f"  {role:9s} median {median:6.1f} ms  p95 {slow:6.1f} ms  (aim ≤ {AIM_MS[role]} ms: {verdict})")


if __name__ == "__main__":
    main(keep="--keep" in sys.argv[1:])
