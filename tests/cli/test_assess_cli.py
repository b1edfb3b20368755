"""``lienthong assess`` end to end: the installed command, real pipes, UTF-8."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lienthong.mapping import catalogs

EXAMPLE = {
    "school_year": "2024-2025",
    "grade": 8,
    "subjects": {
        "TOAN": {"hk1": {"tx": [8, 7.5, 9, 6], "gk": 7, "ck": 8.5}, "hk2": {"tx": [9, 9, 8, 7], "gk": 8, "ck": 9}},
        "GDTC": {"hk1": {"tx": ["Đ", "Đ"], "gk": "Đ", "ck": "Đ"}, "hk2": {"tx": ["Đ", "CĐ"], "gk": "Đ", "ck": "Đ"}},
    },
    "training": {"hk1": "T", "hk2": "K"},
    "absences": 12,
}


def lienthong() -> list[str]:
    found = shutil.which("lienthong", path=str(Path(sys.executable).parent))
    assert found, "the lienthong console script is not installed in this environment"
    return [found]


def configured_cli(home: Path, config: Path):
    """``run(*args, stdin="")``: the ``lienthong`` command with ``config`` and its own home and
    session file under ``home``, as IT runs it on a server (nothing inherited but ``PATH``)."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "LIENTHONG_CONFIG": str(config),
        "LIENTHONG_SESSION_FILE": str(home / "phien.json"),
        "COLUMNS": "200",
    }

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([*lienthong(), *args], env=env, input=stdin, capture_output=True, text=True, timeout=120)

    return run


def run_assess(text: str) -> subprocess.CompletedProcess:
    return subprocess.run([*lienthong(), "assess"], input=text.encode("utf-8"), capture_output=True, timeout=60)


def full_student(score="8,5", **changes) -> dict:
    subjects = {}
    for code, info in catalogs.subjects().items():
        count = 2 if info.by_comment else {"CN": 3, "GDCD": 2, "TIN": 2}.get(code, 4)
        value = "Đ" if info.by_comment else score
        semester = {"tx": [value] * count, "gk": value, "ck": value}
        subjects[code] = {"hk1": semester, "hk2": semester}
    return {
        "school_year": "2024-2025",
        "grade": 8,
        "subjects": subjects,
        "training": {"hk1": "T", "hk2": "T"},
        "absences": 3,
        **changes,
    }


def lines(out: bytes) -> list[dict]:
    return [json.loads(line) for line in out.decode("utf-8").splitlines()]


def test_issue_example_values():
    done = run_assess(json.dumps(EXAMPLE, ensure_ascii=False) + "\n")
    assert done.returncode == 0, done.stderr.decode()
    [result] = lines(done.stdout)
    assert result["subjects"]["TOAN"] == {"hk1": 7.8, "hk2": 8.4, "cn": 8.2}
    assert result["subjects"]["GDTC"] == {"hk1": "Đ", "hk2": "CĐ", "cn": "CĐ"}
    assert result["training"] == {"hk1": "T", "hk2": "K", "cn": "K"}
    # Ten subjects are absent: their semesters are missing, so the levels are null.
    assert result["learning"] == {"hk1": None, "hk2": None, "cn": None}
    assert result["promotion"] is None and result["title"] is None
    assert {"subject": "VAN", "semester": "hk1", "kind": "gk"} in result["missing"]
    assert set(result) == {"subjects", "learning", "training", "promotion", "title", "missing"}


def test_output_is_utf8_not_ascii_escaped_and_numbers_have_one_decimal():
    done = run_assess(json.dumps(full_student("10")) + "\n")
    text = done.stdout.decode("utf-8")
    assert '"Đ"' in text and "\\u" not in text
    assert '"TOAN":{"hk1":10.0,"hk2":10.0,"cn":10.0}' in text.replace(" ", "")


def test_a_whole_class_in_order():
    students = [
        full_student("8,5"),
        full_student("9"),
        full_student("5,5", absences=50),
        full_student("7", training={"hk1": "K", "hk2": "CĐ"}),
    ]
    done = run_assess("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in students))
    assert done.returncode == 0
    results = lines(done.stdout)
    assert [(r["learning"]["cn"], r["promotion"], r["title"]) for r in results] == [
        ("T", "LL", "G"),
        ("T", "LL", "XS"),
        ("Đ", "OL", None),
        ("K", "RLH", None),
    ]
    assert all(r["missing"] == [] for r in results)


def test_single_pretty_printed_object():
    done = run_assess(json.dumps(full_student(), ensure_ascii=False, indent=2))
    assert done.returncode == 0
    [result] = lines(done.stdout)
    assert result["learning"]["cn"] == "T"


@pytest.mark.parametrize(
    ("bad", "field_in_message"),
    [
        ({"subjects": {"TOAN": {"hk1": {"tx": ["8", "11", "7", "7"], "gk": 7, "ck": 8}}}}, "subjects.TOAN.hk1.tx[1]"),
        ({"subjects": {"TOAN": {"hk1": {"tx": ["8", "7", "7", "7"], "gk": "8,55", "ck": 8}}}}, "subjects.TOAN.hk1.gk"),
        ({"subjects": {"SINH": {"hk1": {"tx": ["8"], "gk": 7, "ck": 8}}}}, "subjects.SINH"),
        ({"subjects": {"GDTC": {"hk1": {"tx": [8, 9], "gk": "Đ", "ck": "Đ"}}}}, "subjects.GDTC.hk1.tx[0]"),
        ({"training": {"hk1": "Giỏi", "hk2": "T"}}, "training.hk1"),
        ({"grade": 10}, "grade"),
        ({"school_year": "2024-2026"}, "school_year"),
        ({"absences": -1}, "absences"),
    ],
)
def test_bad_line_is_answered_with_an_error_and_the_others_still_answered(bad, field_in_message):
    broken = full_student()
    for key, value in bad.items():
        broken[key] = {**broken[key], **value} if key == "subjects" else value
    text = "\n".join(json.dumps(s, ensure_ascii=False) for s in (full_student(), broken, full_student()))
    done = run_assess(text + "\n")
    assert done.returncode == 2
    results = lines(done.stdout)
    assert len(results) == 3
    assert results[0]["learning"]["cn"] == results[2]["learning"]["cn"] == "T"
    assert set(results[1]) == {"error"} and field_in_message in results[1]["error"]
    [message] = done.stderr.decode("utf-8").splitlines()
    assert message.startswith("dòng 2: ") and field_in_message in message


def test_malformed_json_line():
    text = json.dumps(full_student()) + '\n{"school_year": "2024-2025", \n' + json.dumps(full_student()) + "\n"
    done = run_assess(text)
    assert done.returncode == 2
    results = lines(done.stdout)
    assert len(results) == 3 and "JSON" in results[1]["error"]
    assert done.stderr.decode().startswith("dòng 2: JSON không hợp lệ")


def test_blank_lines_are_skipped_and_empty_input_is_fine():
    done = run_assess("\n" + json.dumps(full_student()) + "\n\n")
    assert done.returncode == 0 and len(lines(done.stdout)) == 1
    empty = run_assess("")
    assert empty.returncode == 0 and empty.stdout == b""
