"""Arguments and paths as people type them: missing folders, files that exist, unknown classes,
column maps that do not parse, standard input that is not UTF-8."""

from __future__ import annotations

import json

import pytest

from lienthong.cli import exits
from tests.faults.conftest import database_fingerprint


def test_a_spreadsheet_report_needs_an_output_file(case):
    before = database_fingerprint(case.database)
    done = case.run("reconcile", "--format", "xlsx")
    case.assert_error(done, exits.BAD_INPUT, says=("--out",), before=before)


def test_a_report_into_a_missing_folder_is_refused_before_any_work(case):
    target = case.folder / "bao-cao" / "doi-chieu.html"
    before = database_fingerprint(case.database)
    done = case.run("reconcile", "--format", "html", "--out", str(target))
    case.assert_error(done, exits.BAD_INPUT, says=("bao-cao",), before=before)
    assert not target.parent.exists()


def test_an_existing_output_file_is_kept_without_overwrite(case):
    target = case.folder / "doi-chieu.jsonl"
    target.write_text("bản cũ\n", encoding="utf-8")
    before = database_fingerprint(case.database)
    done = case.run("reconcile", "--format", "json", "--out", str(target))
    case.assert_error(done, exits.BAD_INPUT, says=("--overwrite",), before=before)
    assert target.read_text(encoding="utf-8") == "bản cũ\n"
    again = case.run("reconcile", "--format", "json", "--out", str(target), "--overwrite")
    case.assert_done(again, exits.OK, exits.DIFFERENCES)
    assert target.read_text(encoding="utf-8") != "bản cũ\n"


def test_a_report_over_the_database_itself_is_refused(case):
    before = database_fingerprint(case.database)
    done = case.run("reconcile", "--format", "html", "--out", str(case.database), "--overwrite")
    case.assert_error(done, exits.BAD_INPUT, before=before)


def test_an_unknown_class_lists_the_known_ones(case):
    before = database_fingerprint(case.database)
    done = case.run("reconcile", "--class", "9Z9")
    case.assert_error(done, exits.BAD_INPUT, says=("9Z9", *case.template.classes), before=before)


def test_a_class_in_lower_case_is_the_same_class(case):
    every = case.run("reconcile", "--format", "json")  # a class with differences, whichever the school has
    code = sorted(d["class"] for d in map(json.loads, every.stdout.splitlines()) if d["class"])[0]
    upper = case.run("reconcile", "--class", code, "--format", "json")
    lower = case.run("reconcile", "--class", code.lower(), "--format", "json")
    for done in (upper, lower):
        case.assert_done(done, exits.OK, exits.DIFFERENCES)
    assert lower.returncode == upper.returncode
    found = [json.loads(line) for line in lower.stdout.splitlines()]
    assert found and {d["class"] for d in found} == {code}
    assert [d["id"] for d in found] == [json.loads(line)["id"] for line in upper.stdout.splitlines()]


def test_importing_a_file_that_is_not_there(case):
    before = database_fingerprint(case.database)
    done = case.run("import", str(case.folder / "so-diem-6A1.xlsx"))
    case.assert_error(done, exits.BAD_INPUT, says=("so-diem-6A1.xlsx",), before=before)


@pytest.mark.parametrize("column_map", ["dong=abc", "dong=-5", "dong=0", "tx=D:?", "Miệng 1=TX9"])
def test_a_column_map_that_does_not_parse(case, column_map):
    book = case.folder / "so-diem.xlsx"
    book.write_bytes(b"PK\x03\x04 not read: the map is checked first")
    before = database_fingerprint(case.database)
    done = case.run("import", "--kind", "gradebook", "--map", column_map, str(book))
    case.assert_error(done, exits.BAD_INPUT, says=("--map",), before=before)


def test_an_export_into_a_missing_folder(case):
    target = case.folder / "nop-so" / "ketqua.xlsx"
    before = database_fingerprint(case.database)
    done = case.run("export", "csdl-ketqua", "--semester", "1", "--out", str(target))
    case.assert_error(done, exits.BAD_INPUT, says=("nop-so",), before=before)
    assert not target.parent.exists()


def test_an_export_of_a_semester_that_does_not_exist(case):
    before = database_fingerprint(case.database)
    done = case.run("export", "csdl-ketqua", "--semester", "3", "--out", str(case.folder / "k.xlsx"))
    case.assert_error(done, exits.BAD_INPUT, says=("--semester",), before=before)


@pytest.mark.parametrize(
    "stdin",
    [b'\xff\xfe{"grade": 8}\n', b'{"school_year": "2024-2025", "grade": 8, "subjects": {}}\n{"x": "\xc3\x28"}\n'],
    ids=["first-line", "second-line"],
)
def test_assess_input_that_is_not_utf8(case, stdin):
    done = case.run("assess", stdin=stdin)
    assert done.returncode == exits.BAD_INPUT, done.shown()
    case.assert_clean(done, stdout_too=True)
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "UTF-8" in errors[0], done.shown()


def test_a_mistyped_option_is_one_vietnamese_line(case):
    before = database_fingerprint(case.database)
    done = case.run("reconcile", "--clas", "6A1")
    case.assert_error(done, exits.BAD_INPUT, says=("--clas",), before=before)


@pytest.mark.parametrize(
    "command",
    [
        ["resolve", "approve", "x"],
        ["reconcile", "--format", "html", "--out", "thu-muc-chua-tao/doi-chieu-cuoi-nam.html"],
    ],
    ids=["account", "folder"],
)
def test_an_error_stays_one_line_on_an_80_column_pipe(case, command):
    """Scripts and log collectors read the output through a pipe, where a console library
    assumes 80 columns: a long message must not be folded over two lines."""
    done = case.run(*command, env={"COLUMNS": None})
    case.assert_error(done, exits.REFUSED if command[0] == "resolve" else exits.BAD_INPUT)
