"""Retention: a student's records stay at least 5 years after leaving or graduating; no command
purges them sooner, and `retention report` says what becomes purgeable when."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from lienthong.config.settings import Settings
from lienthong.records.retention import RetentionRefused, purge, retained
from lienthong.store.db import make_engine
from tests.records.conftest import PASSWORD, build_store


@pytest.fixture
def school(tmp_path, simulated_school, monkeypatch):
    """The school with one 7A1 student transferred away during 2025-2026."""
    sim, stored = simulated_school
    stored = json.loads(json.dumps(stored))
    leaver = sorted(k for k, p in stored["vnedu"]["hoc_sinh"].items() if p["ma_lop"] == "7A1")[0]
    stored["vnedu"]["hoc_sinh"][leaver]["trang_thai"] = "Chuyển đi"
    url = build_store(tmp_path / "truong.db", stored)
    monkeypatch.setenv("LIENTHONG_SCHOOL_YEAR", "2025-2026")
    return url, leaver


def _rows(url: str, key: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = connection.execute(
            sa.text("select count(*) from source_snapshot where key = :k or key like :p"), {"k": key, "p": f"{key}:%"}
        ).scalar_one()
    engine.dispose()
    return found


def test_leavers_and_graduates_are_kept_five_years_from_the_end_of_the_year(school):
    url, leaver = school
    rows = retained(make_engine(url), Settings(), date(2026, 6, 15))
    by_key = {r.key: r for r in rows}
    assert by_key[leaver].reason == "chuyển trường"
    assert by_key[leaver].counted_from == date(2026, 5, 31) and by_key[leaver].purgeable_from == date(2031, 5, 31)
    graduates = [r for r in rows if r.reason == "tốt nghiệp"]
    assert graduates and all(r.class_code == "9A1" for r in graduates)
    studying = [r for r in rows if r.reason == "đang học"]
    assert studying and all(r.purgeable_from is None for r in studying)


def test_no_purge_before_five_years_and_nothing_removed(school):
    url, leaver = school
    before = _rows(url, leaver)
    for today in (date(2026, 6, 15), date(2031, 5, 30)):
        with pytest.raises(RetentionRefused, match="31/05/2031"):
            purge(make_engine(url), Settings(), [leaver], "user:1:it.an", datetime.now(timezone.utc), today)
    assert _rows(url, leaver) == before > 0


def test_a_student_still_studying_is_never_purgeable(school):
    url, leaver = school
    studying = next(r.key for r in retained(make_engine(url), Settings(), date(2040, 1, 1)) if r.reason == "đang học")
    with pytest.raises(RetentionRefused, match="đang học"):
        purge(
            make_engine(url),
            Settings(),
            [leaver, studying],
            "user:1:it.an",
            datetime.now(timezone.utc),
            date(2040, 1, 1),
        )
    assert _rows(url, leaver) > 0  # one refused student: the whole request is refused


def test_after_five_years_the_records_go_and_the_purge_is_audited(school):
    url, leaver = school
    removed = purge(
        make_engine(url), Settings(), [leaver], "user:1:it.an", datetime.now(timezone.utc), date(2031, 5, 31)
    )
    assert removed[leaver] > 0 and _rows(url, leaver) == 0
    engine = make_engine(url)
    with engine.connect() as connection:
        actions = connection.execute(sa.text("select action from audit_log order by id")).scalars().all()
    assert actions[-1] == "records_purged"


def test_the_command_line_reports_and_refuses(school, tmp_path, pki):
    from tests.records.conftest import Cli, write_config

    url, leaver = school
    home = tmp_path / "nha"
    home.mkdir()
    cli = Cli(url, home, write_config(home, pki))
    report = cli("retention", "report")
    assert report.returncode == 0, report.stdout + report.stderr
    line = next(line for line in report.stdout.splitlines() if leaver in line)
    assert "chuyển trường" in line and "31/05/2026" in line and "31/05/2031" in line
    assert "học sinh đang học: hồ sơ được giữ" in report.stdout
    as_json = [json.loads(x) for x in cli("retention", "report", "--json").stdout.splitlines()]
    assert {"student": leaver, "purgeable_from": "2031-05-31", "purgeable_now": False}.items() <= next(
        x for x in as_json if x["student"] == leaver
    ).items()

    refused = cli("--as", "it.an", "retention", "purge", leaver, password=PASSWORD)
    assert refused.returncode == 4 and "phải lưu đến 31/05/2031" in refused.stdout
    assert "Quy chế Bình An, Điều 8" in refused.stdout and _rows(url, leaver) > 0
    teacher = cli("--as", "gv.lan", "retention", "purge", leaver, password=PASSWORD)
    assert teacher.returncode == 4 and _rows(url, leaver) > 0


def test_the_configuration_cannot_shorten_retention_below_five_years(tmp_path, monkeypatch):
    from pydantic import ValidationError

    config = tmp_path / "lienthong.toml"
    config.write_text("[records]\nretention_years = 3\n", encoding="utf-8")
    monkeypatch.setenv("LIENTHONG_CONFIG", str(config))
    with pytest.raises(ValidationError, match="retention_years"):
        Settings()


def test_a_key_password_written_in_the_configuration_is_refused(tmp_path, monkeypatch):
    from lienthong.config.settings import SettingsError

    config = tmp_path / "lienthong.toml"
    config.write_text('[records]\nkey_password = "khoa-bi-mat"\n', encoding="utf-8")
    monkeypatch.setenv("LIENTHONG_CONFIG", str(config))
    with pytest.raises(SettingsError, match="records.key_password") as refused:
        Settings()
    assert "khoa-bi-mat" not in str(refused.value)
