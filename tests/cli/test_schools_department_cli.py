"""``lienthong schools list`` acts as the account given: a Sở officer created with ``users add
--role so_gddt --school …`` reads her schools only, a principal is refused, and the installation's
console with no account reads every school (as before); on a real PostgreSQL in distributed mode."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from lienthong.store.db import make_engine, migrate
from lienthong.sync.distributed.schools import add_school
from tests.cli.test_assess_cli import configured_cli

AT = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)
VNEDU = {"base_url": "https://vnedu.example", "client_id": "doi-tac"}
CODES = ("79000701", "79000702", "79000703")
IT_PASSWORD, SO_PASSWORD, HT_PASSWORD = "mat-khau-quan-tri", "mat-khau-cua-so", "mat-khau-hieu-truong"


@pytest.mark.postgres
def test_schools_list_reads_the_schools_of_the_account_given(postgres_url, tmp_path):
    migrate(postgres_url)
    engine = make_engine(postgres_url)
    for n, code in enumerate(CODES):
        add_school(engine, code, f"THCS {n + 1}", "79", "26734", {"vnedu": VNEDU}, AT)
    engine.dispose()
    # configured for one school, as a school's own server on the province store is (a store configured
    # for none is `test_province_users_cli`'s)
    config = tmp_path / "lienthong.toml"
    config.write_text(
        f'database_url = "{postgres_url}"\nma_truong = "{CODES[0]}"\n[engine]\nmode = "distributed"\n', encoding="utf-8"
    )
    run = configured_cli(tmp_path, config)

    made = run("users", "add", "it.an", "--name", "Lê Văn An", "--role", "it", stdin=IT_PASSWORD + "\n")
    assert made.returncode == 0, made.stderr + made.stdout
    officer = ["users", "add", "so.hai", "--name", "Đinh Thị Hải", "--role", "so_gddt"]
    refused = run("--as", "it.an", *officer, stdin=f"{IT_PASSWORD}\n{SO_PASSWORD}\n")
    assert refused.returncode == 4 and "cần danh sách trường" in refused.stdout  # no school: no account
    made = run(
        "--as", "it.an", *officer, "--school", CODES[0], "--school", CODES[1], stdin=f"{IT_PASSWORD}\n{SO_PASSWORD}\n"
    )
    assert made.returncode == 0 and "cán bộ Sở GD&ĐT" in made.stdout, made.stderr + made.stdout
    principal = ["users", "add", "ht.minh", "--name", "Trần Văn Minh", "--role", "principal"]
    assert run("--as", "it.an", *principal, stdin=f"{IT_PASSWORD}\n{HT_PASSWORD}\n").returncode == 0
    listed = run("users", "list")
    assert f"{CODES[0]}, {CODES[1]}" in listed.stdout, listed.stdout

    mine = run("--as", "so.hai", "schools", "list", "--format", "json", stdin=SO_PASSWORD + "\n")
    assert mine.returncode == 0, mine.stderr
    rows = [json.loads(line) for line in mine.stdout.splitlines()]
    assert [r["ma_truong"] for r in rows] == list(CODES[:2])
    assert set(rows[0]) == {  # the shape the command always printed
        "ma_truong",
        "name",
        "completeness",
        "discrepancies",
        "last_success",
        "waiting",
        "dead",
        "on_time",
    }
    head = run("--as", "ht.minh", "schools", "list", stdin=HT_PASSWORD + "\n")
    assert head.returncode == 4 and "chỉ cán bộ Sở GD&ĐT" in head.stderr
    console = run("schools", "list", "--format", "json", "--sort", "name", "--reverse")
    assert [json.loads(line)["ma_truong"] for line in console.stdout.splitlines()] == list(reversed(CODES))
