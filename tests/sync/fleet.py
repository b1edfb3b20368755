"""A province in miniature for the distributed tests and `bench/bench_workers.py`: one PostgreSQL
database, many synthetic schools on one vnEdu simulator (`ManySchools`), each registered with its own
partner client and secret (``LIENTHONG_<MA_TRUONG>_VNEDU_CLIENT_SECRET``), its teachers' gradebooks
imported and a few of its scores wiped in vnEdu (the writes the syncs must make, once each), and
``lienthong worker`` / ``scheduler`` processes started on it.

With ``csdl_schools``, as many further schools use the CSDL (on the same simulators' multi-school
CSDL), each signing in with its own user and password (``LIENTHONG_<MA_TRUONG>_CSDL_PASSWORD``, no
installation-wide one): a class of each has its year results confirmed by its GVCN and approved
by the principal, so that each CSDL sync must write those students' year results, once each."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
import uuid
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from lienthong.config.settings import Settings
from lienthong.connectors.gradebook.excel import Expect
from lienthong.reconciliation import results
from lienthong.reconciliation.results import Where
from lienthong.simulators.faults import FaultProfile
from lienthong.simulators.gradebooks import score_book
from lienthong.simulators.school import VN_TZ
from lienthong.simulators.server import ManySchools, csdl_login
from lienthong.simulators.views import Rates
from lienthong.store.accounts import Actor
from lienthong.store.db import make_engine, migrate
from lienthong.store.tables import SyncRunRow
from lienthong.store.tenancy import for_school
from lienthong.sync.distributed.app import RECONCILE, SYNC, build_app, defer, job_for
from lienthong.sync.distributed.schools import add_school
from lienthong.sync.file_import import import_score_book
from tests.cli.test_assess_cli import lienthong
from tests.results_school import store_school

ROOT = Path(__file__).resolve().parents[2]
SUBJECT = "TOAN"


def pinned() -> datetime:
    return datetime(2026, 11, 23, 10, 0, tzinfo=VN_TZ)


class Fleet:
    def __init__(
        self,
        admin_url: str,
        folder: Path,
        schools: int,
        students: int = 12,
        wiped: int = 3,
        shared_client: bool = False,
        lease_seconds: float = 6.0,
        stalled_after_s: float = 4.0,
        csdl_schools: int = 0,
    ):
        self.admin_url, self.folder, self.count, self.csdl_count = admin_url, folder, schools, csdl_schools
        self._config_before = os.environ.get("LIENTHONG_CONFIG")  # given back by `stop` to the next tests
        self.students, self.wiped_per_school, self.shared_client = students, wiped, shared_client
        self.lease_seconds, self.stalled_after_s = lease_seconds, stalled_after_s
        self.processes: list[subprocess.Popen] = []
        self.name = f"lt_fleet_{uuid.uuid4().hex[:10]}"
        self.url = sa.engine.make_url(admin_url).set(database=self.name).render_as_string(hide_password=False)
        self.wiped: dict[str, set] = {}
        self.approved: dict[str, set[str]] = {}  # CSDL school → the MaDinhDanh whose year results go out

    # --- set-up -------------------------------------------------------------------------------

    def start(self) -> "Fleet":
        self.folder.mkdir(parents=True, exist_ok=True)
        admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{self.name}"'))
        admin.dispose()
        migrate(self.url)
        self.engine = make_engine(self.url)
        clients = {self.client(code): self.secret(code) for code in self.codes()}
        self.sims = ManySchools.create(
            self.count + self.csdl_count,
            students=self.students,
            today=date(2026, 11, 23),
            clock=pinned,
            rates=Rates(**{k: 0.0 for k in Rates.__dataclass_fields__}),
            clients=clients,
        ).start()
        assert list(self.sims.schools) == self.codes() + self.csdl_codes()
        self.config = self.folder / "lienthong.toml"
        self.config.write_text(
            f'database_url = "{self.url}"\n'
            "retry_budget_s = 5\n"
            "[engine]\n"
            'mode = "distributed"\n'
            "heartbeat_s = 1\n"
            f"stalled_after_s = {self.stalled_after_s}\n"
            f"lease_seconds = {self.lease_seconds}\n"
            "[schedule]\n"
            'incremental = "0 3 1 1 *"\n'  # the schedules stay quiet: the tests queue the work
            'full = "0 3 1 1 *"\n'
            'backup = ""\n',
            encoding="utf-8",
        )
        os.environ["LIENTHONG_CONFIG"] = str(self.config)  # this process's settings too (enqueue, reads)
        self.settings = Settings()
        rng = random.Random(2026)
        for code in self.codes():
            school = self.sims.schools[code]
            add_school(
                self.engine,
                code,
                f"Trường THCS mô phỏng {code}",
                "79",
                "26734",
                {"vnedu": {"base_url": self.sims.url, "client_id": self.client(code)}},
                pinned(),
            )
            data = score_book(school, SUBJECT, "1")
            import_score_book(
                for_school(self.engine, code), data, Expect(subject=SUBJECT, semester="1"), None, "giao-vien", pinned
            )
            self.wiped[code] = self._wipe(self.sims.state(code), rng)
        for code in self.csdl_codes():
            self._csdl_school(code)
        return self

    def _csdl_school(self, code: str) -> None:
        """A school on the CSDL: registered with its own user, three pupils of one class with their
        year results in the school's record (as vnEdu's pull stores them), confirmed and approved."""
        state = self.sims.csdl_state(code)
        add_school(
            self.engine,
            code,
            f"Trường THCS mô phỏng {code}",
            "79",
            "26734",
            {"csdl": {"endpoint": self.sims.csdl_endpoint, "username": csdl_login(code)[0]}},
            pinned(),
        )
        state.forced_locks[("2", "KETQUA")] = False  # the year's results window is open on the CSDL
        first = min(state.students.values(), key=lambda s: s["MaDinhDanh"])
        mates = sorted(
            (s for s in state.students.values() if s["MaLop"] == first["MaLop"]), key=lambda s: s["MaDinhDanh"]
        )
        values = ("K", "T", "LL", None, "7.5", "6.5", "Đ")
        pupils = [(f"{code}{i:02d}", s["HoTen"], s["MaLop"], s["MaDinhDanh"], values) for i, s in enumerate(mates[:3])]
        scoped = for_school(self.engine, code)
        store_school(scoped, pupils, at=pinned())
        where, class_code = Where("2026-2027"), first["MaLop"]
        gvcn = Actor(1, f"gvcn-{code}", "Giáo viên chủ nhiệm", "gvcn", classes=frozenset({class_code}))
        with Session(scoped) as session:
            results.confirm(session, gvcn, where, class_code, "CN", pinned())
            results.approve(
                session, Actor(2, f"ht-{code}", "Hiệu trưởng", "principal"), where, class_code, "CN", pinned()
            )
            session.commit()
        self.approved[code] = {p[3] for p in pupils}

    def codes(self) -> list[str]:
        """The schools on vnEdu."""
        return [f"7901{i + 1:04d}" for i in range(self.count)]

    def csdl_codes(self) -> list[str]:
        """The schools on the CSDL (after those on vnEdu)."""
        return [f"7901{i + 1:04d}" for i in range(self.count, self.count + self.csdl_count)]

    def client(self, code: str) -> str:
        return "so-gd-dt" if self.shared_client else f"doi-tac-{code}"

    def secret(self, code: str) -> str:
        return "bi-mat-chung" if self.shared_client else f"bi-mat-{code}"

    def _wipe(self, state, rng: random.Random) -> set:
        """Someone clears the GK of a few score sheets in vnEdu: the gradebook's values go back, once each."""
        keys = sorted(k for k, sheet in state.scores.items() if k[1] == SUBJECT and k[2] == "1" and sheet["ddg_gk"])
        chosen = set(rng.sample(keys, self.wiped_per_school))
        for key in chosen:
            sheet = state.scores[key]
            sheet.update(ddg_gk=None, version=sheet["version"] + 1, updated_at=pinned().isoformat())
        state.revision += 1
        return chosen

    def env(self) -> dict[str, str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LIENTHONG_CONFIG": str(self.config),
            "PYTHONPATH": str(ROOT),
            "COLUMNS": "120",
        }
        for code in self.codes():
            env[f"LIENTHONG_{code}_VNEDU_CLIENT_SECRET"] = self.secret(code)
        for code in self.csdl_codes():
            env[f"LIENTHONG_{code}_CSDL_PASSWORD"] = csdl_login(code)[1]
        return env

    # --- processes ------------------------------------------------------------------------------

    def spawn(self, *args: str, log: str | None = None) -> subprocess.Popen:
        out = open(self.folder / log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [*lienthong(), *args],
            cwd=ROOT,
            env=self.env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def workers(self, count: int) -> list[subprocess.Popen]:
        return [self.spawn("worker", log=f"worker-{len(self.processes)}.log") for _ in range(count)]

    def enqueue_all(self, full: bool = True) -> int:
        app = build_app(self.settings)
        queued = 0
        with app.open():
            for code, platform in [(c, "vnedu") for c in self.codes()] + [(c, "csdl") for c in self.csdl_codes()]:
                task, kwargs, key = job_for("sync", code, platform, full)
                queued += defer(app, task, kwargs, key) is not None
        return queued

    def job_counts(self, task: str = SYNC) -> dict[str, int]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT status, count(*) FROM procrastinate_jobs WHERE task_name = :t GROUP BY status"),
                {"t": task},
            ).all()
        return {status: count for status, count in rows}

    def wait_done(self, timeout: float, task: str = SYNC) -> dict[str, int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            counts = self.job_counts(task)
            if not counts.get("todo") and not counts.get("doing"):
                return counts
            time.sleep(0.25)
        raise AssertionError(f"jobs not done after {timeout:.0f} s: {self.job_counts(task)}")

    def reconciled(self) -> set[str]:
        """The schools a reconciliation job ran for (each sync queues one)."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT DISTINCT args->>'ma_truong' FROM procrastinate_jobs WHERE task_name = :t"),
                {"t": RECONCILE},
            ).all()
        return {code for (code,) in rows}

    def runs(self, code: str) -> list[SyncRunRow]:
        with Session(for_school(self.engine, code)) as session:
            return list(session.exec(select(SyncRunRow).order_by(SyncRunRow.id)).all())

    def set_latency(self, ms: float) -> None:
        self.sims.set_faults(FaultProfile(latency_ms=ms))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
        if self._config_before is None:
            os.environ.pop("LIENTHONG_CONFIG", None)
        else:
            os.environ["LIENTHONG_CONFIG"] = self._config_before
        self.sims.stop()
        self.engine.dispose()
        admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        admin.dispose()
