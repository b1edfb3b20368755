"""The fault suite's world: one simulated school behind the three simulators, one migrated and
synced template database copied for every case, and the checks every case makes.

Every case runs the installed `lienthong` command as a subprocess with a minimal environment
(PATH, HOME, LIENTHONG_LOG_DIR, LIENTHONG_SESSION_FILE and what the case needs) and checks:
the documented exit code (`lienthong.cli.exits`), one short Vietnamese line for an error, no
Python traceback, no personal data of the simulated school in stderr or the error log (nor in
stdout when the command failed), and, when it failed, a database unchanged row for row.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from lienthong.cli import exits
from lienthong.simulators.demo_config import DEMO_SECRETS, platform_settings
from lienthong.simulators.school import School, generate_school
from lienthong.simulators.server import Simulators
from tests.cli.test_assess_cli import lienthong

SEED = 5
STUDENTS = 300  # two classes a grade: 6A1 … 9A2
TODAY = date.today()  # the simulated school lives in the current school year, like the CLI's clock
CHECKPOINTS = "audit-checkpoints.log"  # the audit anchor, beside a SQLite database
ADMIN = "quantri"
ADMIN_PASSWORD = "mat-khau-quan-tri-2026"
SECRET_ENV = {
    "LIENTHONG_VNEDU_CLIENT_SECRET": DEMO_SECRETS["vnedu_client_secret"],
    "LIENTHONG_CSDL_PASSWORD": DEMO_SECRETS["csdl_password"],
    "LIENTHONG_PORTAL_API_KEY": DEMO_SECRETS["portal_api_key"],
}
# A minimal PATH: the environment's own bin folder (the command) and the system's.
PATH = os.pathsep.join([str(Path(lienthong()[0]).parent), "/usr/bin", "/bin"])
TRACEBACK_MARKS = ("Traceback (most recent call last)", 'File "')
VIETNAMESE = re.compile("[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.IGNORECASE)


# --- personal data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonalData:
    """Every name, identifier and birth date of the simulated school, to be found nowhere."""

    names: frozenset[str]
    numbers: frozenset[str]
    dates: frozenset[str]

    @classmethod
    def of(cls, school: School) -> "PersonalData":
        names, numbers, dates = set(), set(), set()
        for student in school.students:
            names.add(unicodedata.normalize("NFC", student.full_name).casefold())
            numbers.update(n for n in (student.ministry_id, student.personal_id, student.vnedu_id) if n)
            dates.add(student.birth_date.strftime("%d/%m/%Y"))
            dates.add(student.birth_date.isoformat())
        return cls(frozenset(names), frozenset(numbers), frozenset(dates))

    def found_in(self, text: str) -> list[str]:
        """What of the school's personal data ``text`` holds (the first few)."""
        folded = unicodedata.normalize("NFC", text).casefold()
        hits = [n for n in self.names if n in folded]
        hits += [n for n in self.numbers if n in text]
        hits += [d for d in self.dates if d in text]
        return sorted(hits)[:5]


@pytest.fixture(scope="session")
def personal_data() -> PersonalData:
    return PersonalData.of(generate_school(SEED, STUDENTS, TODAY))


# --- the simulators and the template database ---------------------------------------------------


@pytest.fixture(scope="session")
def sims():
    simulators = Simulators.create(seed=SEED, students=STUDENTS, today=TODAY, rate_limit=0).start()
    yield simulators
    simulators.stop()


def write_config(path: Path, sims: Simulators, *extra_lines: str, **overrides: dict) -> Path:
    """A TOML configuration pointing at the simulators (no secret in it: those come from the
    environment); ``overrides`` replace keys of a platform table (``vnedu={"bse_url": …}``)."""
    school = sims.school
    tables = platform_settings({n: s.url for n, s in sims.servers.items()}, school.province_code, school.commune_code)
    lines = [f"ma_truong = {json.dumps(school.ma_truong)}", f"school_year = {json.dumps(school.school_year)}"]
    lines += extra_lines
    for name, table in tables.items():
        table = {**table, **overrides.get(name, {})}
        lines += [f"[{name}]", *(f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in table.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Template:
    folder: Path
    database: Path
    config: Path
    discrepancies: list[dict]
    classes: list[str]


def _setup_run(args: list[str], env: dict, stdin: str | None = None) -> str:
    done = subprocess.run([*lienthong(), *args], input=stdin, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode in (exits.OK, exits.DIFFERENCES), (args, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout


@pytest.fixture(scope="session")
def template(tmp_path_factory, sims) -> Template:
    """A database as a school has it after a first day: migrated, one full sync, the
    differences reconciled, one IT account. Built once; every case works on a copy."""
    folder = tmp_path_factory.mktemp("template")
    database = folder / "template.db"
    config = write_config(folder / "lienthong.toml", sims)
    env = {
        "PATH": PATH,
        "HOME": str(folder),
        "LIENTHONG_LOG_DIR": str(folder / "logs"),
        "LIENTHONG_SESSION_FILE": str(folder / "session.json"),
        "LIENTHONG_CONFIG": str(config),
        "LIENTHONG_DATABASE_URL": f"sqlite:///{database}",
        **SECRET_ENV,
    }
    _setup_run(["db", "upgrade"], env)
    _setup_run(["sync", "--once", "--full", "--json"], env)
    _setup_run(["reconcile", "--format", "json", "--out", str(folder / "found.jsonl")], env)
    records = [json.loads(line) for line in (folder / "found.jsonl").read_text(encoding="utf-8").splitlines()]
    _setup_run(["users", "add", ADMIN, "--name", "Quản Trị Mạng", "--role", "it"], env, stdin=ADMIN_PASSWORD + "\n")
    with sqlite3.connect(database) as connection:  # everything in the main file: a plain copy is whole
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    classes = sorted({s.class_code for s in sims.school.students})
    return Template(folder, database, config, records, classes)


# --- one case ------------------------------------------------------------------------------------


def database_fingerprint(path: Path) -> str:
    """sha256 over every table's rows, tables and rows in sorted order (read-only, through
    SQLite, so the WAL counts); a file SQLite cannot read is fingerprinted by its bytes."""
    if not path.exists():
        return "missing"
    digest = hashlib.sha256()
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = sorted(
                name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            )
            for table in tables:
                digest.update(f"\0table {table}\0".encode())
                rows = sorted(repr(row) for row in connection.execute(f'SELECT * FROM "{table}"'))
                for row in rows:
                    digest.update(row.encode("utf-8") + b"\n")
        finally:
            connection.close()
    except sqlite3.DatabaseError:
        return "bytes:" + hashlib.sha256(path.read_bytes()).hexdigest()
    return "rows:" + digest.hexdigest()


@dataclass
class Result:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def shown(self) -> str:
        return (
            f"{' '.join(self.args)} → {self.returncode}\nstdout: {self.stdout[-1500:]}\nstderr: {self.stderr[-1500:]}"
        )

    def lines(self) -> list[str]:
        return [line.strip() for line in (self.stderr + "\n" + self.stdout).splitlines() if line.strip()]


@dataclass
class Case:
    """One case's folder: HOME, error log folder, session file and a copy of the template database."""

    folder: Path
    personal_data: PersonalData
    template: Template
    sims: Simulators
    env_extra: dict[str, str] = field(default_factory=dict)

    @property
    def home(self) -> Path:
        return self.folder / "home"

    @property
    def logs(self) -> Path:
        return self.folder / "logs"

    @property
    def session_file(self) -> Path:
        return self.folder / "session.json"

    @property
    def database(self) -> Path:
        return self.folder / "school.db"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.database}"

    def fresh_database(self) -> Path:
        """The template's database, and its audit checkpoint file when it has one (kept beside it)."""
        shutil.copyfile(self.template.database, self.database)
        checkpoints = self.template.database.with_name(CHECKPOINTS)
        if checkpoints.exists():
            shutil.copyfile(checkpoints, self.database.with_name(CHECKPOINTS))
        return self.database

    def config(self, *extra_lines: str, **overrides: dict) -> Path:
        return write_config(self.folder / "lienthong.toml", self.sims, *extra_lines, **overrides)

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            "PATH": PATH,
            "HOME": str(self.home),
            "LIENTHONG_LOG_DIR": str(self.logs),
            "LIENTHONG_SESSION_FILE": str(self.session_file),
            "LIENTHONG_DATABASE_URL": self.url,
            # a wide terminal: the wrapping of long lines at 80 columns has its own case
            "COLUMNS": "1000",
            **self.env_extra,
            **extra,
        }
        return {k: v for k, v in env.items() if v is not None}

    def start(self, *args: str, env: dict | None = None, stdin: int | None = None) -> subprocess.Popen:
        return subprocess.Popen(
            [*lienthong(), *args],
            stdin=stdin if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.env(**(env or {})),
            cwd=self.folder,
        )

    @staticmethod
    def finish(process: subprocess.Popen, stdin: str | None, args, timeout: float = 120) -> Result:
        out, err = process.communicate(stdin.encode("utf-8") if stdin is not None else None, timeout=timeout)
        return Result(tuple(args), process.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))

    def run(
        self, *args: str, stdin: str | bytes | None = None, env: dict | None = None, timeout: float = 120
    ) -> Result:
        data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
        done = subprocess.run(
            [*lienthong(), *args],
            input=data if data is not None else b"",
            capture_output=True,
            env=self.env(**(env or {})),
            cwd=self.folder,
            timeout=timeout,
        )
        return Result(
            args, done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
        )

    def log_text(self) -> str:
        if not self.logs.exists():
            return ""
        return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in self.logs.rglob("*") if p.is_file())

    # --- the checks ---

    def assert_clean(self, result: Result, *, stdout_too: bool) -> None:
        """No traceback anywhere; no personal data in stderr and the logs (and stdout if asked)."""
        for mark in TRACEBACK_MARKS:
            assert mark not in result.stdout and mark not in result.stderr, result.shown()
        places = {"stderr": result.stderr, "error log": self.log_text()}
        if stdout_too:
            places["stdout"] = result.stdout
        for where, text in places.items():
            found = self.personal_data.found_in(text)
            assert not found, f"personal data in {where}: {found}\n{result.shown()}"

    def assert_error(self, result: Result, code: int, *, says: tuple[str, ...] = (), before: str | None = None) -> str:
        """The documented exit ``code``, one Vietnamese line (containing each of ``says``), clean
        output, and when ``before`` is given the database as it was. Returns the line."""
        assert result.returncode == code, result.shown()
        self.assert_clean(result, stdout_too=True)
        lines = result.lines()
        assert len(lines) == 1, f"expected one line, got {len(lines)}:\n{result.shown()}"
        [line] = lines
        assert VIETNAMESE.search(line), f"not Vietnamese: {line}"
        for text in says:
            assert text in line, f"{text!r} not in {line!r}"
        if before is not None:
            assert database_fingerprint(self.database) == before, "the database changed"
        return line

    def assert_done(self, result: Result, *codes: int) -> None:
        """A command that did its work: one of ``codes``, something said, clean stderr and logs."""
        assert result.returncode in codes, result.shown()
        self.assert_clean(result, stdout_too=False)
        assert result.lines(), result.shown()


@pytest.fixture
def case(tmp_path, personal_data, template, sims) -> Case:
    made = Case(tmp_path, personal_data, template, sims)
    made.home.mkdir()
    made.fresh_database()
    return made


def xlsx_bytes(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
