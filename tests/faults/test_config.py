"""Configuration as IT people get it wrong: typos, broken TOML, secrets written in the file,
secrets missing from the environment."""

from __future__ import annotations

import re

import pytest

from lienthong.cli import exits
from tests.faults.conftest import SECRET_ENV, database_fingerprint


def run_with(case, config, *command, **env):
    return case.run(*command, env={"LIENTHONG_CONFIG": str(config), **SECRET_ENV, **env})


def test_a_typo_in_a_platform_setting_suggests_the_right_name(case):
    config = case.config(vnedu={"bse_url": "http://127.0.0.1:1"})
    before = database_fingerprint(case.database)
    done = run_with(case, config, "sync", "--once")
    case.assert_error(done, exits.BAD_INPUT, says=("bse_url", "base_url"), before=before)


def test_a_typo_at_the_top_suggests_the_right_name(case):
    config = case.config('scool_year = "2026-2027"')
    done = run_with(case, config, "runs")
    case.assert_error(done, exits.BAD_INPUT, says=("scool_year", "school_year"))


@pytest.mark.parametrize(
    "text",
    ['[vnedu\nbase_url = "http://127.0.0.1:1"\n', 'ma_truong = "79000701\n', "[vnedu]\nrate_limit = = 3\n"],
    ids=["table", "string", "value"],
)
def test_malformed_toml_is_refused_with_a_hint(case, text):
    config = case.folder / "lienthong.toml"
    config.write_text(text, encoding="utf-8")
    before = database_fingerprint(case.database)
    done = run_with(case, config, "sync", "--once")
    case.assert_error(done, exits.BAD_INPUT, says=("TOML",), before=before)


def test_a_client_secret_in_the_toml_is_refused_and_not_repeated(case):
    config = case.config(vnedu={"client_secret": "Bi-mat-cua-truong-77"})
    before = database_fingerprint(case.database)
    done = run_with(case, config, "sync", "--once")
    case.assert_error(done, exits.BAD_INPUT, says=("client_secret",), before=before)
    assert "Bi-mat-cua-truong-77" not in done.stdout + done.stderr + case.log_text()


def test_a_database_url_with_its_password_in_the_toml_is_refused_and_not_repeated(case):
    config = case.config('database_url = "postgresql+psycopg://truong:Mk-So-Gd-2026@10.0.0.5/lienthong"')
    done = case.run("runs", env={"LIENTHONG_CONFIG": str(config), "LIENTHONG_DATABASE_URL": None})
    case.assert_error(done, exits.BAD_INPUT, says=("database_url",))
    assert "Mk-So-Gd-2026" not in done.stdout + done.stderr + case.log_text()


@pytest.mark.parametrize(
    "command, missing",
    [(["check"], "LIENTHONG_VNEDU_CLIENT_SECRET"), (["sync", "--once"], "LIENTHONG_CSDL_PASSWORD")],
    ids=["check", "sync"],
)
def test_a_missing_secret_names_its_variable(case, command, missing):
    config = case.config()
    before = database_fingerprint(case.database)
    done = case.run(*command, env={"LIENTHONG_CONFIG": str(config), **SECRET_ENV, missing: None})
    case.assert_error(done, exits.BAD_INPUT, says=(missing,), before=before)


def test_a_configuration_file_that_is_not_there(case):
    done = case.run("runs", env={"LIENTHONG_CONFIG": str(case.folder / "khong-co.toml")})
    case.assert_error(done, exits.BAD_INPUT, says=("khong-co.toml",))


def test_a_school_code_that_is_not_eight_digits(case):
    config = case.config()
    config.write_text(config.read_text(encoding="utf-8").replace('"79000701"', '"7900"'), encoding="utf-8")
    done = run_with(case, config, "runs")
    case.assert_error(done, exits.BAD_INPUT, says=("ma_truong", "8 chữ số"))


def test_a_setting_of_the_wrong_type(case):
    config = case.config(csdl={"rate_limit": "nhanh"})
    done = run_with(case, config, "check")
    case.assert_error(done, exits.BAD_INPUT, says=("csdl.rate_limit",))


def test_an_unknown_platform_asked_for_lists_the_configured_ones(case):
    config = case.config()
    before = database_fingerprint(case.database)
    done = run_with(case, config, "sync", "--once", "--platform", "vnedu2")
    case.assert_error(done, exits.BAD_INPUT, says=("vnedu2", "csdl"), before=before)


@pytest.mark.parametrize("year", ["2025", "2025-2027", "2025–2026"])
def test_a_school_year_not_written_as_two_consecutive_years(case, year):
    """Every record, lock window and report of a year is keyed by how it is written: «2025» in the
    configuration would match none of them, so it is refused at start, naming the key."""
    config = case.config()
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r'(?m)^school_year = ".*"$', f'school_year = "{year}"', text, count=1), encoding="utf-8")
    before = database_fingerprint(case.database)
    done = run_with(case, config, "runs")
    case.assert_error(done, exits.BAD_INPUT, says=("school_year", "2025-2026", year), before=before)
    assert "Value error" not in done.stdout + done.stderr and "«»" not in done.stdout + done.stderr
