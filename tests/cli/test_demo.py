"""``lienthong demo``: what a new user sees first — simulators, one full sync, the summary."""

import subprocess
from datetime import date

from lienthong.simulators.school import current_school_year, generate_class
from tests.cli.test_assess_cli import lienthong


def test_demo_syncs_the_synthetic_school_and_prints_a_vietnamese_summary(tmp_path):
    done = subprocess.run(
        [*lienthong(), "demo", "--students", "200", "--no-wait"],
        capture_output=True,
        timeout=300,
        cwd=tmp_path,
        env={"COLUMNS": "160", "PATH": "/usr/bin:/bin"},
    )
    out = done.stdout.decode("utf-8")
    assert done.returncode == 0, out + done.stderr.decode()
    assert "Lần chạy #1 — hoàn tất" in out and "Kế hoạch: bổ sung" in out
    assert "vnedu http://127.0.0.1:" in out and "csdl http://127.0.0.1:" in out and "?wsdl" in out
    assert "kết quả cả năm theo Thông tư 22" in out
    assert (tmp_path / "var" / "demo.db").exists() and len(list((tmp_path / "var/demo/so-diem").glob("*.xlsx"))) == 12
    assert "Đối chiếu:" in out and "khác biệt giao cho giáo viên chủ nhiệm" in out
    assert (tmp_path / "var/demo/doi-chieu.pdf").read_bytes()[:5] == b"%PDF-"


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
