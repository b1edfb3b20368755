"""What a command loads before it works (issue 16, items 1 and 6).

- ``reconcile --format json`` — what scripts and the daemon wait for — loads none of the report
  renderers (openpyxl, Jinja2, WeasyPrint), no Alembic, no rich, no network client, no server.
- A store at the code's schema is opened with a read of its version: Alembic loads only to
  migrate one that is behind; one ahead of the code is still refused.
- ``lienthong … --help`` is printed from `cli.help_text` without loading typer, and that text
  is, byte for byte, what the app itself prints; it starts within 3x a bare ``python -c pass``
  (the benchmark, ``bench/bench_startup.py``, reports the ratio against the 1.5x aim).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from lienthong.cli import help_text
from lienthong.cli.main import HELP_COLUMNS
from lienthong.simulators.school import generate_school
from lienthong.simulators.views import as_stored, build_platform_data
from tests.cli.test_assess_cli import lienthong

TODAY = date(2026, 11, 23)

# Never on the JSON path of `reconcile` (top-level package names).
HEAVY = ("openpyxl", "jinja2", "weasyprint", "alembic", "rich", "zeep", "httpx", "fastapi", "uvicorn", "apscheduler")
# Not even on the path of a help text: the command-line framework and what the commands use.
FRAMEWORK = ("typer", "click", "pydantic", "pydantic_settings", "sqlalchemy", "sqlmodel", "structlog", *HEAVY)

# Runs `lienthong ARGS…` in this process as the console script does, then says which of the
# watched packages ended up loaded (on the last line of stderr).
PROBE = """
import json, sys
sys.argv = ["lienthong", *sys.argv[1:]]
from lienthong.cli.main import main
code = 0
try:
    main()
except SystemExit as stop:
    code = stop.code
loaded = sorted({name.partition(".")[0] for name in sys.modules} & set(WATCHED))
sys.stderr.write("\\nLOADED " + json.dumps({"code": code, "loaded": loaded}) + "\\n")
"""


def _probe(*args: str, env: dict[str, str], watched=FRAMEWORK) -> tuple[int, list[str], str]:
    done = subprocess.run(
        [sys.executable, "-c", f"WATCHED = {list(watched)!r}\n{PROBE}", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    last = done.stderr.rstrip().splitlines()[-1]
    assert last.startswith("LOADED "), done.stderr[-2000:]
    found = json.loads(last.removeprefix("LOADED "))
    return found["code"], found["loaded"], done.stdout


def _env(url: str | None = None, **extra: str) -> dict[str, str]:
    env = {"PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]), "COLUMNS": "120"}
    if url:
        env["LIENTHONG_DATABASE_URL"] = url
    return {**env, "LIENTHONG_SCHOOL_YEAR": "2026-2027", **extra}


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    """A small school's three sources, stored as a sync and an import leave them, at the head schema."""
    from sqlmodel import Session

    from lienthong.store.db import make_engine, migrate
    from lienthong.store.repository import SnapshotRecord, upsert_snapshots

    school = generate_school(16, 120, TODAY)
    url = f"sqlite:///{tmp_path_factory.mktemp('startup') / 'truong.db'}"
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        now = datetime.now(timezone.utc)
        for source, entities in as_stored(school, build_platform_data(school, 16)).items():
            for entity, records in entities.items():
                items = [SnapshotRecord(source, entity, key, 1, value) for key, value in records.items()]
                for start in range(0, len(items), 500):
                    upsert_snapshots(session, items[start : start + 500], now)
        session.commit()
    engine.dispose()
    return url


# --- what the JSON path loads ---------------------------------------------------------------------


def test_reconcile_as_json_loads_no_renderer_no_alembic_no_rich_no_network(store):
    code, loaded, out = _probe("reconcile", "--format", "json", env=_env(store), watched=HEAVY)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and records, "the small school has differences: the path under test ran to its end"
    assert loaded == [], f"loaded on the JSON path of reconcile: {loaded}"


def test_reconcile_on_a_current_sqlite_store_loads_no_sqlalchemy(store):
    """The reconciliation's statements go through sqlite3 alone (`store.plain`): loading SQLAlchemy
    and the tables cost more than reading the school's data."""
    code, loaded, out = _probe("reconcile", "--format", "json", env=_env(store), watched=("sqlalchemy", "sqlmodel"))
    assert code == 1 and out and loaded == []


def test_reconcile_migrates_a_store_behind_and_refuses_one_ahead(tmp_path):
    from lienthong.store.db import head_revision, migrate

    url = f"sqlite:///{tmp_path / 'cu.db'}"
    migrate(url, "0010")
    code, loaded, _ = _probe("reconcile", "--format", "json", env=_env(url), watched=HEAVY)
    assert code == 2 and "alembic" in loaded  # nothing stored yet: said, after the migration
    assert _version(url) == [head_revision()]
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    done = subprocess.run([*lienthong(), "reconcile"], capture_output=True, text=True, env=_env(url), timeout=120)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert _version(url) == ["9999"]


def test_the_table_loads_rich_and_still_no_renderer(store):
    code, loaded, out = _probe("reconcile", env=_env(store), watched=HEAVY)
    assert code == 1 and "Tổng cộng" in out
    assert loaded == ["rich"]


@pytest.mark.parametrize(
    "command", [["runs", "--json"], ["classes", "list", "--json"], ["audit", "verify"]], ids=" ".join
)
def test_read_only_commands_open_a_current_store_without_alembic(store, command):
    code, loaded, _ = _probe(*command, env=_env(store), watched=HEAVY)
    assert code == 0
    assert "alembic" not in loaded and "zeep" not in loaded and "httpx" not in loaded, loaded


def test_the_reports_module_loads_its_libraries_only_to_render():
    """`reconcile_command` imports it whatever the format: a module-level import there costs
    every reconcile (openpyxl alone took a tenth of a second)."""
    code = f"import sys, lienthong.reconciliation.reports; print(sorted(set({HEAVY!r}) & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"


# --- the schema version, read without Alembic ---------------------------------------------------


def test_the_head_revision_read_from_the_scripts_is_alembics():
    from alembic.script import ScriptDirectory

    from lienthong.store.db import alembic_config, head_revision

    assert head_revision() == ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _version(url: str) -> list[str]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        return [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]


def test_a_store_behind_the_code_is_migrated_when_opened(tmp_path):
    from lienthong.store.db import head_revision, migrate

    url = f"sqlite:///{tmp_path / 'cu.db'}"
    migrate(url, "0006")
    code, loaded, _ = _probe("runs", "--json", env=_env(url), watched=HEAVY)
    assert code == 0 and "alembic" in loaded
    assert _version(url) == [head_revision()]


def test_a_store_ahead_of_the_code_is_refused_and_left_as_it_is(tmp_path):
    from lienthong.store.db import migrate

    url = f"sqlite:///{tmp_path / 'moi.db'}"
    migrate(url)
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    done = subprocess.run([*lienthong(), "runs"], capture_output=True, text=True, env=_env(url), timeout=120)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert _version(url) == ["9999"]


# --- help -----------------------------------------------------------------------------------------


def test_every_help_text_is_the_apps_own():
    assert help_text.HELP == help_text.render(), "run `python -m lienthong.cli.help_text` to renew cli/help_text.py"


ENGLISH = re.compile(
    r"Usage:|Options:|Arguments:|Commands:|Show this message|env var|default:|\[required\]|<(str|int|path)>"
)


def test_every_help_says_the_frameworks_own_words_in_vietnamese():
    """«Usage:», «Options:», «Show this message and exit.», «[env var: …; default: …]», «<str>»: typer's
    copy of click wrote them in English in the middle of Vietnamese help (`cli.layout.VietnameseHelp`)."""
    rendered = help_text.render()
    english = {path: ENGLISH.findall(text.replace("\n", " ")) for path, text in rendered.items()}
    assert not {path: found for path, found in english.items() if found}
    joined = " ".join(rendered["lienthong import"].split())
    assert rendered["lienthong import"].startswith("Cách dùng: lienthong import [TÙY CHỌN] {TỆP}...")
    assert "Tham số: TỆP <đường dẫn>… Một hay nhiều tệp Excel (.xlsx hoặc .xls). [bắt buộc]" in joined
    assert "--help Hiện hướng dẫn này rồi thoát." in joined
    top = " ".join(rendered["lienthong"].split())
    assert "Cách dùng: lienthong [TÙY CHỌN] LỆNH [THAM SỐ]..." in top and " Lệnh: init " in top
    assert "[biến môi trường: LIENTHONG_DATABASE_URL]" in top
    assert "[mặc định: table]" in " ".join(rendered["lienthong reconcile"].split())


APP = (
    "import sys; sys.argv = ['lienthong', *sys.argv[1:]]; from lienthong.cli.app import app; "
    "from lienthong.cli.errors import guarded; guarded(app)"
)


@pytest.mark.parametrize("path", ["", "reconcile", "users add", "db", "db upgrade"])
def test_help_prints_what_the_app_prints_and_loads_nothing(path):
    args = [*path.split(), "--help"]
    code, loaded, printed = _probe(*args, env=_env())
    assert code == 0 and loaded == [], loaded
    through_app = subprocess.run(
        [sys.executable, "-c", APP, *args], capture_output=True, text=True, env=_env(), timeout=120
    )
    assert through_app.returncode == 0
    assert printed == through_app.stdout == help_text.HELP[" ".join(["lienthong", *path.split()])]


def test_on_a_narrow_terminal_or_after_an_option_the_app_lays_help_out_itself():
    code, loaded, narrow = _probe("reconcile", "--help", env=_env(COLUMNS=str(HELP_COLUMNS - 20)))
    assert code == 0 and "typer" in loaded
    assert narrow != help_text.HELP["lienthong reconcile"]
    assert max(len(line) for line in narrow.splitlines()) <= HELP_COLUMNS - 20
    code, loaded, after_option = _probe("--db", "sqlite:///khong-dung.db", "--help", env=_env())
    assert code == 0 and "typer" in loaded and after_option == help_text.HELP["lienthong"]


def _median_of_alternating(commands: dict[str, list[str]], runs: int = 5) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, env=_env(), check=True, timeout=60)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def test_help_starts_within_3x_a_bare_python():
    """The aim is 1.5x (bench/bench_startup.py); 3x here keeps the suite steady on a loaded
    machine, and still fails if ``--help`` goes through typer again (about 7x)."""
    median = _median_of_alternating({"python": [sys.executable, "-c", "pass"], "help": [*lienthong(), "--help"]})
    assert median["help"] <= 3 * median["python"], median


# --- reconcile without typer (cli.fast) -----------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        "reconcile --format json",
        "reconcile --format=json --class 6a1",
        "reconcile --format json --class 6A1 --format json --full",
        "reconcile --format json --class 9Z9",
        "reconcile --format xlsx",
        "reconcile --format bad",
        "--db sqlite:////nowhere/at/all.db reconcile --format json",
        "--db nota-url reconcile --format json",
        "reconcile --format json --out",
        "reconcile --format json --bogus",
        "reconcile --full=yes --format json",
        "reconcile --format json --class",
    ],
)
def test_reconcile_without_typer_does_what_the_app_does(store, args):
    """The plain command lines of ``reconcile`` are read by hand (`cli.fast`): the same output,
    messages and exit code as the typer app gives them; the others still go to the app."""
    env = _env(store)
    fast = subprocess.run(
        [sys.executable, "-c", PROBE.replace("WATCHED", "()"), *args.split()], capture_output=True, text=True, env=env
    )
    through_app = subprocess.run([sys.executable, "-c", APP, *args.split()], capture_output=True, text=True, env=env)
    assert fast.stdout == through_app.stdout
    fast_err = fast.stderr.rstrip().rsplit("\nLOADED ", 1)[0].rstrip()
    summary = (fast_err.splitlines() or [""])[-1]
    if summary.startswith("{"):  # the summary: the same but for the counts of new and closed
        fast_err = fast_err.replace(
            summary, json.dumps({**json.loads(summary), "new": 0, "closed": 0}, ensure_ascii=False)
        )
        app_summary = through_app.stderr.rstrip().splitlines()[-1]
        app_err = through_app.stderr.rstrip().replace(
            app_summary, json.dumps({**json.loads(app_summary), "new": 0, "closed": 0}, ensure_ascii=False)
        )
    else:
        app_err = through_app.stderr.rstrip()
    assert fast_err == app_err
    assert json.loads(fast.stderr.rstrip().splitlines()[-1].removeprefix("LOADED "))["code"] == through_app.returncode


def test_plain_reconcile_loads_no_command_line_framework(store):
    code, loaded, out = _probe("reconcile", "--format", "json", env=_env(store), watched=("typer", "click"))
    assert code == 1 and out and loaded == []
