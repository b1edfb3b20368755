"""Mistakes on the command line are said in Vietnamese: a file that cannot be opened, and a required
argument or option left out, named as the help names it with what to write (click says «Missing
argument 'paths'.»)."""

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


def test_files_that_cannot_be_opened_are_said_in_vietnamese(tmp_path):
    done = _run(tmp_path, "import", "--dry-run", str(tmp_path / "khong-co.xlsx"), str(tmp_path))
    assert done.returncode == exits.BAD_INPUT
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"✗ {tmp_path / 'khong-co.xlsx'}: Không tìm thấy tệp")
    assert lines[1].startswith(f"✗ {tmp_path}: Đây là một thư mục, không phải tệp")
    assert "No such file" not in done.stdout and "Is a directory" not in done.stdout


def test_a_path_fault_at_the_error_boundary_is_said_in_vietnamese(capsys):
    from lienthong.cli.errors import handle

    assert handle(PermissionError(13, "Permission denied", "/srv/lienthong.toml")) == exits.BAD_INPUT
    said = capsys.readouterr().err
    assert (
        said == "Không đọc hoặc ghi được tệp /srv/lienthong.toml: không có quyền (kiểm tra quyền của tệp và thư mục).\n"
    )


@pytest.mark.parametrize("year", ["2025", "2025-2027", "25-26", "2025–2026"])
@pytest.mark.parametrize("command", [["import", "--school-year"], ["read-file", "--nam-hoc"]])
def test_a_school_year_not_written_as_two_consecutive_years_is_refused_before_reading(tmp_path, command, year):
    done = _run(tmp_path, *command, year, str(tmp_path / "so-diem.xlsx"))
    assert done.returncode == exits.BAD_INPUT and done.stdout == ""
    assert (
        done.stderr == f"--school-year phải là một năm học dạng 2025-2026 (hai năm liền nhau), không phải «{year}».\n"
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["reconcile", "--fromat", "json"], "Không có tùy chọn --fromat (có phải ý bạn là --format hoặc --out?)."),
        (["sync", "--extra"], "Không có tùy chọn --extra."),
        (["frob"], "Không có lệnh «frob»."),
        (["db", "frob"], "Không có lệnh «frob»."),
        (["db"], "Thiếu tên lệnh."),
        (["demo", "--students", "abc"], "Giá trị của --students phải là một số nguyên, ví dụ 20."),
        (["approve-run", "abc"], "Giá trị của «run_id» phải là một số nguyên, ví dụ 20."),
        (["reconcile", "--class"], "Tùy chọn --class cần một giá trị ngay sau nó."),
        (["reconcile", "--full=yes"], "Tùy chọn --full không nhận giá trị: chỉ ghi --full."),
        (["reconcile", "6A1", "7A2"], "Thừa tham số: 6A1 7A2 (lệnh này không nhận thêm)."),
    ],
    ids=[
        "no-such-option",
        "no-close-option",
        "no-such-command",
        "no-such-subcommand",
        "no-subcommand",
        "not-a-number",
        "argument-not-a-number",
        "option-without-value",
        "flag-with-value",
        "extra-arguments",
    ],
)
def test_the_parsers_mistakes_are_said_in_vietnamese(tmp_path, args, said):
    """The parser (typer's own click) words these in English («No such option», «Invalid value for»,
    «requires an argument»…): each is said again by what to write. A change of its wording fails here."""
    done = _run(tmp_path, *args)
    assert done.returncode == exits.BAD_INPUT and done.stdout == ""
    line = done.stderr.rstrip("\n")
    assert line.split(" Xem `")[0] == said, line
    assert "\n" not in line and "Lệnh gõ chưa đúng" not in line


def test_a_mistake_raised_without_its_command_still_points_to_its_help(tmp_path):
    """The parser says «Option '--class' requires an argument.» without naming the command: the
    hint is found from the command line's leading words."""
    for args, path in ((["reconcile", "--class"], "lienthong reconcile"), (["runs", "--limit"], "lienthong runs")):
        done = _run(tmp_path, *args)
        assert done.returncode == exits.BAD_INPUT
        assert done.stderr.endswith(f"cần một giá trị ngay sau nó. Xem `{path} --help`.\n"), done.stderr


def test_a_mistake_of_no_known_form_keeps_the_parsers_words():
    from typer._click.exceptions import UsageError

    from lienthong.cli.usage_words import said

    assert said(UsageError("Something new went wrong.")) == "Lệnh gõ chưa đúng: Something new went wrong"
