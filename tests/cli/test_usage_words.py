"""Mistakes on the command line are said in Vietnamese: a required argument or option left out is
named as the help names it, with what to write (click says «Missing argument 'paths'.»)."""

from __future__ import annotations

import subprocess

import pytest

from lienthong.cli import exits
from tests.cli.test_assess_cli import lienthong


def _run(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LIENTHONG_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    return subprocess.run([*lienthong(), *args], capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["import"], "Thiếu TỆP: hãy ghi một hay nhiều tệp Excel (.xlsx hoặc .xls). Xem `lienthong import --help`."),
        (["init"], "Thiếu --ma-truong: hãy ghi mã trường (8 chữ số). Xem `lienthong init --help`."),
        (["resolve", "show"], "Thiếu tham số: hãy ghi mã khác biệt. Xem `lienthong resolve show --help`."),
        (["users", "disable"], "Thiếu tham số «login». Xem `lienthong users disable --help`."),
    ],
    ids=["import", "option", "argument", "without-help"],
)
def test_a_missing_argument_is_named_with_what_to_write(tmp_path, args, said):
    done = _run(tmp_path, *args)
    assert done.returncode == exits.BAD_INPUT
    assert done.stderr == said + "\n" and done.stdout == ""
