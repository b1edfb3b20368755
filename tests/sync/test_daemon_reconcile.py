"""The daemon reconciles after every sync (issue 16: "the daemon runs it after every sync"; design:
"a periodic full reconciliation catches what incremental runs missed"): the register follows the
platforms, the state for a person's incremental ``lienthong reconcile`` is kept, and the change
journal is emptied as it fills. A reconciliation that fails is logged by its kind and counted,
never raised into the scheduler."""

from __future__ import annotations

import json
import os
import subprocess

from prometheus_client import REGISTRY
from sqlmodel import Session, select

from lienthong.config.settings import Settings
from lienthong.reconciliation import service as reconciliation
from lienthong.reconciliation.register import State
from lienthong.simulators.demo_config import DEMO_SECRETS, platform_settings
from lienthong.store import reconcile_queries
from lienthong.store.db import make_engine, migrate
from lienthong.store.plain import opened
from lienthong.store.tables import DiscrepancyRow, SnapshotChangeRow, SyncRunRow
from lienthong.sync import daemon, service
from tests.cli.test_assess_cli import lienthong
from tests.sync.conftest import import_books, make_sims


def _count(outcome: str) -> float:
    return REGISTRY.get_sample_value("lienthong_reconciles_total", {"outcome": outcome}) or 0.0


def _config(tmp_path, sims, monkeypatch) -> Settings:
    """vnEdu and the CSDL on the simulators, as the daemon reads its configuration."""
    school = sims.school
    tables = platform_settings({n: s.url for n, s in sims.servers.items()}, school.province_code, school.commune_code)
    lines = [f"ma_truong = {json.dumps(school.ma_truong)}", f"school_year = {json.dumps(school.school_year)}"]
    database = tmp_path / "school.db"
    lines.append(f"database_url = {json.dumps(f'sqlite:///{database}')}")
    for name in ("vnedu", "csdl"):
        lines += [
            f"[{name}]",
            *(f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in tables[name].items()),
        ]
    config = tmp_path / "lienthong.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("LIENTHONG_CONFIG", str(config))
    monkeypatch.setenv("LIENTHONG_VNEDU_CLIENT_SECRET", DEMO_SECRETS["vnedu_client_secret"])
    monkeypatch.setenv("LIENTHONG_CSDL_PASSWORD", DEMO_SECRETS["csdl_password"])
    return Settings()


def _sims():
    # roster differences the sync cannot settle (a child missing from one platform, a name spelt
    # another way) besides vnEdu's blanks, which the sync fills from the teachers' books
    return make_sims(score_missing=0.2, student_missing=0.05, name_variant=0.05)


def test_each_scheduled_sync_is_followed_by_a_reconciliation(tmp_path, monkeypatch, capsys):
    sims = _sims()
    try:
        settings = _config(tmp_path, sims, monkeypatch)
        migrate(settings.database_url)
        engine = service.school_engine(settings)
        import_books(engine, sims)  # the teachers' books: vnEdu's blanks are theirs to fill
        before = _count("completed")

        daemon.sync_job("vnedu", False)  # as the scheduler calls them
        daemon.sync_job("csdl", False)

        assert _count("completed") == before + 2
        with Session(engine) as session:
            assert [r.status for r in session.exec(select(SyncRunRow))] == ["completed", "completed"]
            registered = {row.id: row.kind for row in session.exec(select(DiscrepancyRow))}
            assert session.exec(select(SnapshotChangeRow)).all() == []  # the journal taken up
        assert {"missing_student", "identity_doubt"} & set(registered.values())
        with opened(engine) as db:
            assert State.load(db) is not None  # a person's own `reconcile` starts from it
            assert reconcile_queries.pending_changes(db) == []
        # what a person's full reconciliation finds now is what the daemon registered
        again = reconciliation.reconcile_school(engine, settings.current_school_year(), settings=settings, full=True)
        assert {d.id: d.kind for d in again.found} == registered
        assert again.changes["new"] == 0 and again.changes["closed"] == 0
        logs = capsys.readouterr()
        assert "reconcile_finished" in logs.out + logs.err
    finally:
        sims.stop()


def test_the_nightly_full_sync_reconciles_in_full(tmp_path, monkeypatch):
    sims = _sims()
    try:
        settings = _config(tmp_path, sims, monkeypatch)
        migrate(settings.database_url)
        engine = service.school_engine(settings)
        import_books(engine, sims)
        daemon.sync_job("vnedu", False)
        asked = []
        real = reconciliation.reconcile_school

        def watched(*args, **kwargs):
            asked.append(kwargs.get("full"))
            return real(*args, **kwargs)

        monkeypatch.setattr(reconciliation, "reconcile_school", watched)
        daemon.sync_job("vnedu", True)
        daemon.sync_job("vnedu", False)
        assert asked == [True, False]
    finally:
        sims.stop()


def test_a_failed_reconciliation_is_logged_by_its_kind_and_never_raised(tmp_path, monkeypatch, capsys):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'school.db'}", ma_truong="79000001")
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)

    def broken(*args, **kwargs):
        raise RuntimeError("Nguyễn Thị Hoa 0123456789")  # what a failure might carry: never logged

    monkeypatch.setattr(reconciliation, "reconcile_school", broken)
    before = _count("failed")
    assert daemon.reconcile_after_sync(settings, engine=engine) == "failed"
    assert _count("failed") == before + 1
    logs = capsys.readouterr()
    said = logs.out + logs.err
    assert "reconcile_failed" in said and "RuntimeError" in said
    assert "Hoa" not in said and "0123456789" not in said


def test_nothing_stored_yet_is_no_data_not_a_failure(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'school.db'}", ma_truong="79000001")
    migrate(settings.database_url)
    before = _count("no_data")
    assert daemon.reconcile_after_sync(settings, engine=make_engine(settings.database_url)) == "no_data"
    assert _count("no_data") == before + 1


def test_sync_once_is_followed_by_a_reconciliation_said_in_the_output(tmp_path, monkeypatch):
    """``lienthong sync --once`` as the daemon: the school reconciled after the run (in full after a
    full sync), a ``reconciled`` event before the run's report; a person's reconcile then finds
    the same differences, none new."""
    sims = _sims()
    try:
        settings = _config(tmp_path, sims, monkeypatch)
        migrate(settings.database_url)
        env = {
            **{k: v for k, v in os.environ.items() if k.startswith("LIENTHONG_")},
            "PATH": "/usr/bin:/bin",
            "LIENTHONG_LOG_DIR": str(tmp_path),
        }
        synced = subprocess.run(
            [*lienthong(), "sync", "--once", "--full", "--json"], capture_output=True, text=True, env=env, timeout=300
        )
        events = [json.loads(line) for line in synced.stdout.splitlines()]
        assert synced.returncode in (0, 1) and events[-1]["event"] == "run", synced.stderr[-2000:]
        (reconciled,) = [e for e in events if e["event"] == "reconciled"]
        assert reconciled["outcome"] == "completed" and reconciled["total"] == reconciled["new"] > 0
        assert f"Đã đối chiếu lại sau khi đồng bộ: {reconciled['total']} khác biệt" in reconciled["message"]
        checked = subprocess.run(
            [*lienthong(), "reconcile", "--format", "json"], capture_output=True, text=True, env=env, timeout=300
        )
        summary = json.loads(checked.stderr)
        assert summary["total"] == reconciled["total"] and summary["new"] == 0
        shown = subprocess.run([*lienthong(), "sync", "--once"], capture_output=True, text=True, env=env, timeout=300)
        assert f"Đã đối chiếu lại sau khi đồng bộ: {reconciled['total']} khác biệt (0 mới" in shown.stdout, shown.stdout
    finally:
        sims.stop()
