"""The department's «Các trường» page at a province's size (issue 19): one PostgreSQL store holding
200 registered schools under row-level security, ``/api/schools`` and ``/so/truong`` for a Sở officer
of all 200 and of 20, and ``lienthong schools list``; p50 and p95 over N requests (FastAPI's
TestClient, in process), as ratios against baselines measured in the same run:

- *floor*: one trivial transaction per school under its own scope (`store.overview.schools_floor`),
  what a page reading its schools one by one cannot go under;
- *principal*: the principal's own overview of one school (``/tong-quan``), the page the Sở's page
  puts 200 of side by side.

The store: one school synced in full from the simulators (vnEdu and the portal: students, every
subject's scores, attendance, report requests), its teachers' Toán gradebook imported, reconciled
(its discrepancies recorded); then copied under 199 further codes (every school table's rows, as
the database's owner, in the set-up only), and every school given a history of `RUNS` runs with
failures among them. The page reads the same figures whatever the school's content, so copies
cost what distinct schools would.

Students: ``--students`` (default 40 a school, 4 classes). The page's per-request cost once the
figures are kept does not read the records (aggregates over a school's snapshots by its primary
key); the first request after a school's records moved loads and measures them (as its principal's
page does), and that cost grows with the school: the run prints it per school, so a province's
first load can be estimated from it (``--students 160`` measures a bigger school).

Measured here (2 CPUs shared with three other sessions, 2026-12-01, 40 students, 10 requests;
the machine's load moves every figure by ±30 %): floor 185–312 ms p50 for 200 schools; the
principal's /tong-quan 39 ms. /so/truong for 200 schools: p50 880 ms, p95 959 ms (2.8× the floor);
/api/schools for 200: p50 895, p95 1,196 ms; for 20 schools: 104–165 ms p50. First request after
the figures were dropped (every school's records loaded and measured, what each request cost
before they were kept): 11.0–11.6 s for 200 schools, 40–58 ms a school at 40 students.
``lienthong schools list`` (a new process each time: nothing kept): 10–16 s for 200 schools.
Before the covering index (migration 0013) the page was 1.5–2.3 s p50: each school's 300 runs
were 300 heap pages (the schools' runs interleave in time), about 7 ms a school on the server.

``python -m bench.bench_department [--students N] [--requests N]``; needs
``LIENTHONG_TEST_DATABASE_URL`` (PostgreSQL, a role that may create databases).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

from bench.bench_dashboard import p95, timed
from bench.bench_startup import _lienthong

SCHOOLS = 200
SOME = 20
RUNS = 300  # a school's runs: about two weeks of the default schedule (every 30 min, 6-18h)
DISCREPANCIES = 60  # a school's register: two in three still open
REQUESTS = 20
AIM_MS = 1000
PASSWORD = "mat-khau-dai-1"
TEMPLATE = "79010001"
ROOT = Path(__file__).resolve().parents[1]


def _pinned() -> datetime:
    from lienthong.simulators.school import VN_TZ

    return datetime(2026, 11, 23, 10, 0, tzinfo=VN_TZ)


def _codes() -> list[str]:
    return [f"7901{i + 1:04d}" for i in range(SCHOOLS)]


def build(admin_url: str, students: int, folder: Path) -> tuple[str, object]:
    """A new database with the province in it; returns its URL and the simulators (to stop)."""
    import sqlalchemy as sa

    from lienthong.config.settings import Settings
    from lienthong.connectors.gradebook.excel import Expect
    from lienthong.simulators.gradebooks import score_book
    from lienthong.simulators.server import ManySchools
    from lienthong.store.db import make_engine, migrate
    from lienthong.store.tenancy import for_school
    from lienthong.sync.distributed import jobs
    from lienthong.sync.distributed.schools import add_school
    from lienthong.sync.file_import import import_score_book

    name = f"lt_bench_dept_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    migrate(url)
    engine = make_engine(url)
    sims = ManySchools.create(1, students=students, today=date(2026, 11, 23), clock=_pinned).start()
    os.environ[f"LIENTHONG_{TEMPLATE}_VNEDU_CLIENT_SECRET"] = _demo_client()[1]
    os.environ[f"LIENTHONG_{TEMPLATE}_PORTAL_API_KEY"] = f"khoa-{TEMPLATE}"
    config = folder / "lienthong.toml"
    config.write_text(
        f'database_url = "{url}"\nma_truong = "{TEMPLATE}"\n[engine]\nmode = "distributed"\n', encoding="utf-8"
    )
    os.environ["LIENTHONG_CONFIG"] = str(config)
    base = Settings()
    platforms = {
        "vnedu": {"base_url": sims.url, "client_id": _demo_client()[0]},
        "portal": {"base_url": sims.portal_server.url, "ma_tinh": "79", "ma_xa": "26734"},
    }
    start = time.perf_counter()
    add_school(engine, TEMPLATE, f"Trường THCS mô phỏng {TEMPLATE}", "79", "26734", platforms, _pinned())
    for platform in ("vnedu", "portal"):
        outcome = jobs.sync_school(engine, base, TEMPLATE, platform, full=True)
        print(f"  template {platform} sync: {outcome.status}")
    school = sims.schools[TEMPLATE]
    data = score_book(school, "TOAN", "1")
    import_score_book(for_school(engine, TEMPLATE), data, Expect(subject="TOAN", semester="1"), None, "gv", _pinned)
    print(f"  template reconcile: {jobs.reconcile_school(engine, base, TEMPLATE).status}")
    _copy(engine, [c for c in _codes() if c != TEMPLATE])
    _runs(engine)
    with engine.connect() as connection:  # the steady state autovacuum keeps: statistics, visibility map
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    print(f"  {SCHOOLS} schools of {students} students built in {time.perf_counter() - start:.0f} s")
    engine.dispose()
    return url, sims


def _demo_client() -> tuple[str, str]:
    from lienthong.simulators import vnedu

    return vnedu.DEMO_CLIENT


def _copy(engine, codes: list[str]) -> None:
    """Every school table's rows of the template, again under each of ``codes`` (as the owner)."""
    import sqlalchemy as sa

    from lienthong.store.tenancy import unscoped

    with unscoped(engine).begin() as connection:
        inspector = sa.inspect(connection)
        connection.execute(
            sa.text(
                "INSERT INTO school (ma_truong, name, province_code, commune_code, platforms, active, added_at) "
                "SELECT c, 'Trường THCS mô phỏng ' || c, province_code, commune_code, platforms, active, added_at "
                "FROM school CROSS JOIN unnest(CAST(:codes AS text[])) AS c WHERE ma_truong = :t"
            ),
            {"codes": codes, "t": TEMPLATE},
        )
        for table in inspector.get_table_names():
            columns = [c["name"] for c in inspector.get_columns(table)]
            if "ma_truong" not in columns or table == "school":
                continue
            serial = inspector.get_pk_constraint(table)["constrained_columns"] == ["id"]
            kept = [c for c in columns if c != "ma_truong" and not (serial and c == "id")]
            names = ", ".join(f'"{c}"' for c in kept)
            connection.execute(
                sa.text(
                    f'INSERT INTO "{table}" (ma_truong, {names}) SELECT c, {names} FROM "{table}" '
                    "CROSS JOIN unnest(CAST(:codes AS text[])) AS c WHERE ma_truong = :t"
                ),
                {"codes": codes, "t": TEMPLATE},
            )


def _runs(engine) -> None:
    """Each school's history: `RUNS` runs of its two platforms, every 30 minutes back from the
    pinned day; every seventh school's last three vnEdu runs failed."""
    import sqlalchemy as sa

    from lienthong.store.tenancy import unscoped

    with unscoped(engine).begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO sync_run (ma_truong, started_at, finished_at, platforms, mode, dry_run, status, "
                "summary, hold_reason) "
                "SELECT s.ma_truong, t.at, t.at + interval '4 minutes', "
                "CASE WHEN n % 2 = 0 THEN 'vnedu' ELSE 'portal' END, 'incremental', false, "
                "CASE WHEN n % 2 = 0 AND n < 6 AND right(s.ma_truong, 4)::int % 7 = 0 THEN 'failed' "
                "ELSE 'completed' END, '{\"pulled\": {\"vnedu\": 12}}', '' "
                "FROM school s CROSS JOIN generate_series(:runs, 1, -1) AS n "
                "CROSS JOIN LATERAL (SELECT CAST(:now AS timestamptz) - n * interval '30 minutes' AS at) t"
            ),
            {"runs": RUNS, "now": _pinned()},
        )
        # discrepancies: some open, some closed, as a school's register holds them after weeks of runs
        connection.execute(
            sa.text(
                "INSERT INTO discrepancy (ma_truong, id, kind, class_code, record, status, first_seen, last_seen) "
                "SELECT s.ma_truong, 'd' || n, 'score_mismatch', '6A1', '{\"message\": \"…\"}', "
                "CASE WHEN n % 3 = 0 THEN 'closed' ELSE 'open' END, CAST(:now AS timestamptz), "
                "CAST(:now AS timestamptz) "
                "FROM school s CROSS JOIN generate_series(1, :count) AS n"
            ),
            {"count": DISCREPANCIES, "now": _pinned()},
        )


def people(url: str) -> dict[str, str]:
    """The accounts: IT, a Sở officer of every school, one of 20, the template's principal; their
    session tokens."""
    from sqlmodel import Session

    from lienthong.store import accounts
    from lienthong.store.db import make_engine

    engine = make_engine(url)
    now = datetime.now(timezone.utc)
    with Session(engine) as session:
        it = accounts.add_user(session, "it.an", "Lê Văn An", "it", PASSWORD, now)
        everyone = accounts.add_user(
            session, "so.tat", "Ngô Văn Tất", "so_gddt", PASSWORD, now, {"school": ["*"]}, by=it
        )
        some = accounts.add_user(
            session, "so.hai", "Đinh Thị Hải", "so_gddt", PASSWORD, now, {"school": _codes()[:SOME]}, by=it
        )
        head = accounts.add_user(session, "ht.minh", "Trần Văn Minh", "principal", PASSWORD, now, by=it)
        tokens = {
            login: accounts.open_session(session, actor, now)[0]
            for login, actor in (("so.tat", everyone), ("so.hai", some), ("ht.minh", head))
        }
        session.commit()
    engine.dispose()
    return tokens


def measure(url: str, tokens: dict[str, str], requests: int) -> dict[str, tuple[float, float, float]]:
    from fastapi.testclient import TestClient

    from lienthong.config.settings import Settings
    from lienthong.dashboard.app import create_app
    from lienthong.dashboard.security import SESSION_COOKIE
    from lienthong.store import overview
    from lienthong.store.db import make_engine
    from lienthong.store.tenancy import for_school
    from lienthong.sync import schools_overview

    settings = Settings()
    engine = make_engine(url)
    app = create_app(settings, for_school(engine, TEMPLATE), secret_key=b"bench")
    out: dict[str, tuple[float, float, float]] = {}
    floor = []
    for _ in range(requests):
        start = time.perf_counter()
        overview.schools_floor(engine, _codes())
        floor.append(1000 * (time.perf_counter() - start))
    out["floor: 200 trivial scoped transactions"] = (floor[0], statistics.median(floor), p95(floor))
    cases = [
        ("ht.minh", "/tong-quan", "principal /tong-quan (1 school)"),
        ("so.hai", "/api/schools", f"/api/schools, {SOME} schools"),
        ("so.hai", "/so/truong", f"/so/truong, {SOME} schools"),
        ("so.tat", "/api/schools", f"/api/schools, {SCHOOLS} schools"),
        ("so.tat", "/so/truong", f"/so/truong, {SCHOOLS} schools"),
        ("so.tat", "/so/truong?sap_xep=sync", f"/so/truong?sap_xep=sync, {SCHOOLS} schools"),
    ]
    for login, path, label in cases:
        schools_overview.forget()  # the first request measures every school's records again
        client = TestClient(app)
        client.cookies.set(SESSION_COOKIE, tokens[login])
        out[label] = timed(client, path, requests)
    engine.dispose()
    return out


def cli(folder: Path, runs: int = 3) -> list[float]:
    """``lienthong schools list --format json`` (the console: every school), ms of each run."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "LIENTHONG_CONFIG": str(folder / "lienthong.toml"),
        "COLUMNS": "200",
    }
    command = [_lienthong(), "schools", "list", "--format", "json"]
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600, cwd=ROOT)
        out.append(1000 * (time.perf_counter() - start))
        assert done.returncode == 0, done.stderr[-2000:]
        assert len(done.stdout.splitlines()) == SCHOOLS
    return out


def main(students: int = 40, requests: int = REQUESTS) -> None:
    import sqlalchemy as sa

    admin_url = os.environ.get("LIENTHONG_TEST_DATABASE_URL")
    if not admin_url:
        print("bench_department: set LIENTHONG_TEST_DATABASE_URL (PostgreSQL) to run it")
        return
    print(f"department page: {SCHOOLS} schools of {students} students, {RUNS} runs each, {requests} requests")
    folder = Path(tempfile.mkdtemp(prefix="lienthong-bench-dept-"))
    url, sims = build(admin_url, students, folder)
    try:
        results = measure(url, people(url), requests)
        floor = results["floor: 200 trivial scoped transactions"][1]
        principal = results["principal /tong-quan (1 school)"][1]
        for label, (first, p50, p95) in results.items():
            print(
                f"  {label:42s} first {first:8.0f} ms  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms"
                f"  ×floor {p50 / floor:5.1f}  ×principal {p50 / principal:5.1f}"
            )
        page = results[f"/so/truong, {SCHOOLS} schools"]
        verdict = "ok" if page[2] <= AIM_MS else "OVER"
        print(f"  aim: the {SCHOOLS}-school page ≤ {AIM_MS} ms p95: {verdict}")
        print(f"  first load (every school's records measured): {page[0] / SCHOOLS:.0f} ms a school")
        times = cli(folder)
        print(
            f"  lienthong schools list --format json, {SCHOOLS} schools: "
            + ", ".join(f"{t:.0f}" for t in times)
            + " ms"
        )
        print(json.dumps({k: [round(x, 1) for x in v] for k, v in results.items()}))
    finally:
        sims.stop()
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{sa.engine.make_url(url).database}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    args = sys.argv[1:]
    main(
        students=int(args[args.index("--students") + 1]) if "--students" in args else 40,
        requests=int(args[args.index("--requests") + 1]) if "--requests" in args else REQUESTS,
    )
