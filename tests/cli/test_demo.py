"""``lienthong demo``: the sample class a new user sees first."""

import subprocess
from datetime import date

from tests.cli.test_assess_cli import lienthong
from simulators.school import current_school_year, generate_class


def test_demo_prints_a_vietnamese_results_table():
    done = subprocess.run([*lienthong(), "demo", "--students", "12"], capture_output=True, timeout=60,
                          env={"COLUMNS": "160", "PATH": "/usr/bin:/bin"})
    out = done.stdout.decode("utf-8")
    assert done.returncode == 0, done.stderr.decode()
    assert "kết quả theo Thông tư 22" in out and "Học tập cả năm" in out
    assert "(sĩ số 12)" in out
    assert any(word in out for word in ("Tốt", "Khá", "Đạt"))


def test_school_year_follows_the_clock():
    assert current_school_year(date(2026, 11, 23)) == "2026-2027"
    assert current_school_year(date(2027, 8, 31)) == "2026-2027"
    assert current_school_year(date(2027, 9, 1)) == "2027-2028"


def test_generated_class_is_deterministic():
    first = generate_class(7, 8, "8A1", 40, "2026-2027")
    again = generate_class(7, 8, "8A1", 40, "2026-2027")
    other = generate_class(8, 8, "8A1", 40, "2026-2027")
    assert [s.assess_input() for s in first] == [s.assess_input() for s in again]
    assert [s.full_name for s in first] != [s.full_name for s in other]
