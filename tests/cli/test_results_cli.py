"""``lienthong results``: the GVCN confirms, the principal approves or reopens, from the command
line as the signed-in account (``--as``); refusals exit 4 (a rule) or 2 (the input) and change nothing."""

import json

import pytest
from sqlmodel import Session

from lienthong.store.db import make_engine, migrate
from lienthong.store.tables import ResultApprovalRow
from tests.reconciliation.test_skipped_checks import cli
from tests.results_school import PASSWORD, make_accounts, quick, store_school


@pytest.fixture
def school(tmp_path, monkeypatch):
    quick(monkeypatch)
    db = f"sqlite:///{tmp_path / 'ketqua.db'}"
    migrate(db)
    engine = make_engine(db)
    store_school(engine)
    make_accounts(engine)
    yield db, engine, tmp_path
    engine.dispose()


def as_(db, home, login, *args):
    return cli(db, "--as", login, "results", *args, home=home, password=PASSWORD)


def state(engine, class_code="9A1", period="CN"):
    with Session(engine) as session:
        row = session.get(ResultApprovalRow, ("2026-2027", class_code, period))
        return row.state if row else None


def test_confirm_approve_reopen_from_the_command_line(school):
    db, engine, home = school
    done = as_(db, home, "gvcn9a1", "confirm", "--class", "9A1", "--period", "CN")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Đã xác nhận. Kết quả cả năm lớp 9A1: GVCN đã xác nhận, chờ Hiệu trưởng duyệt" in done.stdout
    assert state(engine) == "da_xac_nhan"

    done = as_(db, home, "hieutruong", "approve", "--class", "9A1", "--period", "cn")
    assert done.returncode == 0 and "Đã duyệt. Kết quả cả năm lớp 9A1: Hiệu trưởng đã duyệt (đã khoá)" in done.stdout
    again = as_(db, home, "hieutruong", "approve", "--class", "9A1", "--period", "CN")
    assert again.returncode == 4 and "đã được duyệt rồi" in again.stdout

    shown = as_(db, home, "hieutruong", "status", "--class", "9A1", "--period", "CN", "--format", "json")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    [line] = json.loads(shown.stdout)
    assert (line["class"], line["period"], line["state"], line["students"]) == ("9A1", "CN", "da_duyet", 3)
    assert [r["name"] for r in line["content"]["retest"]] == ["Trần Thị Ngọc"]
    table = as_(db, home, "hieutruong", "status", "--class", "9A1")
    assert table.returncode == 0 and "Hiệu trưởng đã duyệt (đã khoá)" in table.stdout
    assert "kiểm tra lại 1 em: Trần Thị Ngọc (GDTC, TOAN); rèn luyện hè 1 em" in table.stdout

    blank = as_(db, home, "hieutruong", "reopen", "--class", "9A1", "--period", "CN", "--reason", " ")
    assert blank.returncode == 2 and "Cần ghi lý do mở lại" in blank.stdout and state(engine) == "da_duyet"
    reopened = as_(db, home, "hieutruong", "reopen", "--class", "9A1", "--period", "CN", "--reason", "Sau kiểm tra lại")
    assert reopened.returncode == 0 and state(engine) == "chua_xac_nhan"


def test_refusals_exit_4_or_2_and_change_nothing(school):
    db, engine, home = school
    other = as_(db, home, "gvcn9a2", "confirm", "--class", "9A1", "--period", "HK1")
    assert other.returncode == 4 and "chỉ giáo viên chủ nhiệm của lớp xác nhận" in other.stdout
    boss = as_(db, home, "hieutruong", "confirm", "--class", "9A1", "--period", "HK1")
    assert boss.returncode == 4
    teacher = as_(db, home, "gvcn9a1", "approve", "--class", "9A1", "--period", "HK1")
    assert teacher.returncode == 4 and "chỉ Hiệu trưởng" in teacher.stdout
    unconfirmed = as_(db, home, "hieutruong", "approve", "--class", "9A1", "--period", "HK1")
    assert unconfirmed.returncode == 4 and "chưa được GVCN xác nhận" in unconfirmed.stdout
    bad = as_(db, home, "gvcn9a1", "confirm", "--class", "9A1", "--period", "HK3")
    assert bad.returncode == 2 and "dùng HK1, HK2 hoặc CN" in bad.stdout
    unknown = as_(db, home, "gvcn9a1", "confirm", "--class", "9Z9", "--period", "HK1")
    assert unknown.returncode == 2 and "Không có lớp 9Z9" in unknown.stdout
    scoped = as_(db, home, "gvcn9a1", "status", "--class", "9A2")
    assert scoped.returncode == 4 and "ngoài phạm vi" in scoped.stdout
    nobody = cli(db, "results", "confirm", "--class", "9A1", "--period", "HK1", home=home)
    assert nobody.returncode == 4 and "cần một tài khoản" in nobody.stdout
    assert state(engine, period="HK1") is None


def test_a_correction_of_results_approved_before_needs_the_people_present_on_the_command_line(school):
    from lienthong.store.tables import DiscrepancyRow
    from tests.results_school import NOW

    db, engine, home = school
    with Session(engine) as session:
        session.add(
            DiscrepancyRow(
                id="kqsai00000000009",
                kind="result_mismatch",
                class_code="9A1",
                record={
                    "kind": "result_mismatch",
                    "field": "csdl.cn.LenLop",
                    "semester": "CN",
                    "student": {"name": "Trần Thị Ngọc", "keys": {"vnedu": "1800000002"}},
                    "values": {"csdl": "LL", "vnedu": "KTL"},
                    "message": "Lên lớp của Trần Thị Ngọc khác nhau.",
                    "suggestion": "Đối chiếu sổ.",
                },
                status="open",
                first_seen=NOW,
                last_seen=NOW,
            )
        )
        session.commit()
    assert as_(db, home, "gvcn9a1", "confirm", "--class", "9A1", "--period", "CN").returncode == 0
    assert as_(db, home, "hieutruong", "approve", "--class", "9A1", "--period", "CN").returncode == 0
    proposed = cli(
        db, "--as", "gvcn9a1", "resolve", "propose", "kqsai00000000009", "--value", "KTL", "--reason", "sổ gốc",
        home=home, password=PASSWORD,
    )  # fmt: skip
    assert proposed.returncode == 0, proposed.stdout + proposed.stderr

    def approve(*extra):
        return cli(
            db, "--as", "hieutruong", "resolve", "approve", "kqsai00000000009", *extra, home=home, password=PASSWORD
        )

    locked = approve("--board", "board", "--gvcn", "gvcn9a1")
    assert locked.returncode == 4 and "mở lại kết quả" in locked.stdout
    as_(db, home, "hieutruong", "reopen", "--class", "9A1", "--period", "CN", "--reason", "Biên bản sửa")
    missing = approve()
    assert missing.returncode == 2 and "cần ghi người chứng kiến" in missing.stdout
    done = approve("--board", "board", "--gvcn", "Nguyễn Thị Lan")
    assert done.returncode == 0, done.stdout + done.stderr
    shown = cli(db, "resolve", "show", "kqsai00000000009", home=home)
    assert "chứng kiến: Hiệu trưởng Trần Văn Minh; Ban quản trị Vũ Thị Hà; GVCN Nguyễn Thị Lan" in shown.stdout
