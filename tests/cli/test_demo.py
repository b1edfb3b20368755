"""``lienthong demo``: what a new user sees first — simulators, one full sync, the summary."""

import re
import subprocess
from datetime import date, datetime, timezone

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
    assert re.search(r"Bảng điều khiển: http://127\.0\.0\.1:\d+/", out)
    printed = re.findall(r"tên đăng nhập (\S+), mật khẩu (\S+)", out)
    assert [login for login, _ in printed][:2] == ["it.demo", "hieutruong.demo"] and printed[2][0].startswith("gvcn.")
    _sign_in_with_printed_passwords(f"sqlite:///{tmp_path / 'var' / 'demo.db'}", printed)


def _sign_in_with_printed_passwords(url: str, printed: list[tuple[str, str]]) -> None:
    from sqlmodel import Session

    from lienthong.store import accounts
    from lienthong.store.access import discrepancies
    from lienthong.store.db import make_engine

    engine = make_engine(url)
    with Session(engine) as session:
        people = {login: accounts.authenticate(session, login, password) for login, password in printed}
        gvcn = people[printed[2][0]]
        assert [p.role for p in people.values()] == ["it", "principal", "gvcn"] and len(gvcn.classes) == 1
        mine = discrepancies(session, gvcn)  # her class has differences to resolve
        assert mine and {row.class_code for row in mine} == set(gvcn.classes)
        assert accounts.open_session(session, gvcn, datetime.now(timezone.utc))[0]
    engine.dispose()


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
