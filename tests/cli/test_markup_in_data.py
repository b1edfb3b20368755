"""Data is printed as data: a name holding console markup (``[/x]``, ``[red]``) is shown as written,
never interpreted — before, it crashed the table with exit 1 (the code for "differences found")."""

from __future__ import annotations

import subprocess
from datetime import date, datetime, timezone

from sqlmodel import Session

from lienthong.simulators.school import generate_school
from lienthong.simulators.views import build_platform_data
from lienthong.store.db import make_engine, migrate
from lienthong.store.repository import SnapshotRecord, upsert_snapshots
from tests.cli.test_assess_cli import lienthong


def test_a_name_with_markup_prints_as_written(tmp_path):
    school = generate_school(8, 120, date(2026, 11, 23))
    data = build_platform_data(school, 8)
    students = dict(data.vnedu["hoc_sinh"])
    key = next(iter(students))
    students[key] = {
        **students[key],
        "ho_ten": "Lê [/x] Văn [red]Bình",
        "ma_dinh_danh_bo": None,
        "so_dinh_danh_ca_nhan": None,
    }
    url = f"sqlite:///{tmp_path / 'markup.db'}"
    migrate(url)
    with Session(make_engine(url)) as session:
        now = datetime.now(timezone.utc)
        for source, records in (("csdl", data.csdl["hoc_sinh"]), ("vnedu", students)):
            upsert_snapshots(session, [SnapshotRecord(source, "hoc_sinh", k, 1, v) for k, v in records.items()], now)
        session.commit()
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "250", "LIENTHONG_SCHOOL_YEAR": "2026-2027"}
    for command in (["reconcile"], ["match"]):
        done = subprocess.run(
            [*lienthong(), "--db", url, *command], capture_output=True, text=True, env=env, timeout=120
        )
        assert done.returncode in (0, 1) and not done.stderr.strip(), done.stderr  # no crash, nothing on stderr
    shown = subprocess.run(
        [*lienthong(), "--db", url, "reconcile"], capture_output=True, text=True, env=env, timeout=120
    )
    assert shown.returncode == 1 and "Lê [/x] Văn [red]Bình" in shown.stdout  # the student lacking an ID, as written
