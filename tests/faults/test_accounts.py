"""Steps that need an account, taken without one or with a wrong password: refused (exit 4),
nothing written, and no hint of which accounts exist."""

from __future__ import annotations

import json

import pytest

from lienthong.cli import exits
from tests.faults.conftest import ADMIN, ADMIN_PASSWORD, database_fingerprint


def a_discrepancy(case) -> str:
    return case.template.discrepancies[0]["id"]


@pytest.mark.parametrize(
    "command",
    [
        ["resolve", "approve", "{id}"],
        ["resolve", "propose", "{id}", "--value", "7,5", "--reason", "bài gốc"],
        ["approve-run", "1"],
        ["users", "add", "gv2", "--name", "Giáo Viên Hai", "--role", "teacher"],
    ],
    ids=["resolve-approve", "resolve-propose", "approve-run", "users-add"],
)
def test_a_step_without_an_account_is_refused(case, command):
    before = database_fingerprint(case.database)
    done = case.run(*(part.format(id=a_discrepancy(case)) for part in command), stdin="mat-khau-moi-dai-du\n")
    case.assert_error(done, exits.REFUSED, before=before)


def test_a_wrong_password_on_standard_input_is_refused(case):
    before = database_fingerprint(case.database)
    done = case.run("--as", ADMIN, "resolve", "approve", a_discrepancy(case), stdin="khong-phai-mat-khau\n")
    case.assert_error(done, exits.REFUSED, says=("mật khẩu",), before=before)


def test_an_unknown_account_reads_exactly_like_a_wrong_password(case):
    wrong = case.run("--as", ADMIN, "resolve", "approve", a_discrepancy(case), stdin="khong-phai-mat-khau\n")
    before = database_fingerprint(case.database)
    unknown = case.run("--as", "khong-ai-ca", "resolve", "approve", a_discrepancy(case), stdin=ADMIN_PASSWORD + "\n")
    line = case.assert_error(unknown, exits.REFUSED, before=before)
    assert line == wrong.lines()[0] and "khong-ai-ca" not in line


def test_no_password_at_all_is_refused(case):
    before = database_fingerprint(case.database)
    done = case.run("--as", ADMIN, "approve-run", "1", stdin=b"")
    case.assert_error(done, exits.REFUSED, before=before)


@pytest.mark.parametrize(
    "content", ["{không phải json", json.dumps({"token": "gia-mao-0000", "login": ADMIN})], ids=["garbage", "forged"]
)
def test_a_damaged_or_forged_session_file_is_refused(case, content):
    case.session_file.write_text(content, encoding="utf-8")
    before = database_fingerprint(case.database)
    done = case.run("resolve", "approve", a_discrepancy(case))
    case.assert_error(done, exits.REFUSED, says=("đăng nhập",), before=before)
