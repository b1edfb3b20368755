"""``lienthong portal submit MA_YEU_CAU``: the principal's command, against the portal simulator over
loopback HTTP: a bad request id exits 2, unapproved classes exit 4 naming them (nothing reaches the
portal), after the approvals one submission (exit 0), and the same command again sends nothing."""

import subprocess
from datetime import date

import pytest
from sqlmodel import Session

from lienthong.reconciliation import results
from lienthong.store import tenancy
from lienthong.store.db import make_engine, migrate
from tests.cli.test_assess_cli import lienthong
from tests.results_school import PASSWORD, make_accounts, quick, store_school
from tests.sync.conftest import make_sims, pinned
from tests.sync.test_portal_reports import PUPILS, WHERE, monthly, store_absences


@pytest.fixture
def school(tmp_path, monkeypatch):
    quick(monkeypatch)
    sims = make_sims()
    sims.portal.enrolment_by_grade = {"6": 2, "7": 0, "8": 0, "9": 2}
    db = f"sqlite:///{tmp_path / 'cong.db'}"
    migrate(db)
    engine = make_engine(db)
    store_school(engine, PUPILS, at=pinned())
    people = make_accounts(engine, gvcn_class="6A1")
    config = tmp_path / "lienthong.toml"
    config.write_text(
        f'ma_truong = "{sims.school.ma_truong}"\n[portal]\nbase_url = "{sims.servers["portal"].url}"\n'
        f'ma_tinh = "{sims.school.province_code}"\nma_xa = "{sims.school.commune_code}"\n',
        encoding="utf-8",
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "COLUMNS": "250",
        "LIENTHONG_CONFIG": str(config),
        "LIENTHONG_PORTAL_API_KEY": "demo-key",
        "LIENTHONG_SCHOOL_YEAR": "2026-2027",
        "LIENTHONG_SESSION_FILE": str(tmp_path / "phien.json"),
        "LIENTHONG_LOG_DIR": str(tmp_path / "log"),
    }

    def run(*args, login=None):
        who = ["--as", login] if login else []
        return subprocess.run(
            [*lienthong(), "--db", db, *who, *args],
            capture_output=True,
            text=True,
            env=env,
            input=PASSWORD + "\n" if login else "",
            timeout=300,
        )

    try:
        yield sims, engine, people, run
    finally:
        engine.dispose()
        sims.stop()


def test_the_principal_submits_the_quality_report_once_after_every_class_is_approved(school):
    sims, engine, people, run = school
    synced = run("sync", "--once", "--platform", "portal")  # the Sở's requests read
    assert synced.returncode == 0, synced.stdout + synced.stderr
    code = next(
        r["ma_yeu_cau"]
        for r in sims.portal.requests.values()
        if r["ma_bieu_mau"] == "TK-CLGD" and r["hoc_ky"] == "1" and r["trang_thai"] == "chua_nop"
    )

    bad = run("portal", "submit", "YC-SAI", login="hieutruong")
    assert bad.returncode == 2 and "Không có yêu cầu báo cáo 'YC-SAI'" in bad.stdout, bad.stdout + bad.stderr
    waiting = run("portal", "submit", code, login="hieutruong")
    assert waiting.returncode == 4, waiting.stdout + waiting.stderr
    assert "2 lớp chưa được Hiệu trưởng duyệt: 6A1, 9A2" in waiting.stdout
    teacher = run("portal", "submit", code, login="gvcn9a1")
    assert teacher.returncode == 4 and "chỉ Hiệu trưởng" in teacher.stdout
    assert sims.portal.submissions == {}

    scoped = tenancy.for_school(engine, sims.school.ma_truong)  # the store is the configured school's now
    with Session(scoped) as session:
        for class_code, gvcn in (("6A1", "gvcn"), ("9A2", "gvcn2")):
            results.confirm(session, people[gvcn], WHERE, class_code, "HK1", pinned())
            results.approve(session, people["principal"], WHERE, class_code, "HK1", pinned())
        session.commit()

    done = run("portal", "submit", code, login="hieutruong")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Báo cáo TK-CLGD {code}: 2 lớp, 4 học sinh" in done.stdout and f"Đã nộp báo cáo {code}" in done.stdout
    assert len(sims.portal.submissions) == 1
    [sent] = sims.portal.submissions.values()
    assert sent["trang_thai"] == "chap_nhan" and sent["summary"]["Tổng số HS"] == 4

    again = run("portal", "submit", code, login="hieutruong")
    assert again.returncode == 0 and "không nộp lại" in again.stdout, again.stdout + again.stderr
    assert len(sims.portal.submissions) == 1


def test_the_principal_submits_a_month_s_attendance_once_the_school_record_holds_it(school):
    """TK-CHUYENCAN for October (over by any date this test runs): refused with exit 4 while the
    school record has no attendance, then sent once with the month's sessions."""
    sims, engine, _people, run = school
    sims.portal.enrolment_by_class = {"6A1": 2, "9A2": 2}
    synced = run("sync", "--once", "--platform", "portal")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    october = monthly(sims, "2026-10")
    empty = run("portal", "submit", october, login="hieutruong")
    assert empty.returncode == 4 and "chưa có điểm danh" in empty.stdout, empty.stdout + empty.stderr
    assert sims.portal.submissions == {}

    store_absences(
        tenancy.for_school(engine, sims.school.ma_truong),
        [("1800000001", date(2026, 10, 5), "S", "P"), ("1800000003", date(2026, 10, 6), "C", "K")],
    )
    done = run("portal", "submit", october, login="hieutruong")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Báo cáo TK-CHUYENCAN {october}: 2 lớp, 4 học sinh (điểm danh của trường)" in done.stdout
    [sent] = sims.portal.submissions.values()
    assert sent["trang_thai"] == "chap_nhan", sent["loi"]
    assert sent["summary"]["Buổi nghỉ có phép"] == 1 and sent["summary"]["Buổi nghỉ không phép"] == 1
