"""``lienthong completeness`` end to end on a database of the simulated school: JSON with stable
keys and the counts the payloads give, a Vietnamese table, the subject teacher from the accounts,
and bad input refused in Vietnamese with exit code 2."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlmodel import Session

from lienthong.store import accounts
from lienthong.store.db import make_engine, migrate
from tests.hand_made import COMMENT
from tests.reconciliation.test_skipped_checks import cli, seed, simulated

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=timezone.utc)
PASSWORD = "mat-khau-du-dai-1"
VNEDU = ("hoc_sinh", "diem", "diem_danh", "hanh_kiem")
GONE = ("Chuyển đi", "Thôi học")
TX_GRADE_6 = {"VAN": 4, "TOAN": 4, "NN1": 4, "GDCD": 2, "LSDL": 4, "KHTN": 4, "CN": 2, "TIN": 2}  # domain.md


@pytest.fixture(scope="module")
def school_data():
    return simulated()


@pytest.fixture
def school(school_data, tmp_path):
    sim, stored = school_data
    db = f"sqlite:///{tmp_path / 'day-du.db'}"
    first = sorted(s.vnedu_id for s in sim.students if s.class_code == "6A1")[0]

    def blank_one(source, entity, key, payload):
        if entity == "diem" and key == f"{first}:TOAN:1":
            payload["ddg_gk"] = None  # one ĐĐGgk of 6A1's Toán is missing
        return payload

    seed(db, stored, {"vnedu": VNEDU, "csdl": ("hoc_sinh",)}, edit=blank_one)
    engine = make_engine(db)
    with Session(engine) as session:
        it = accounts.add_user(session, "it.an", "Lê Văn An", "it", PASSWORD, NOW)
        scopes = {"class": ["6A1"], "subject": ["TOAN"]}
        accounts.add_user(session, "gv.lan", "Nguyễn Thị Lan", "teacher", PASSWORD, NOW, scopes, by=it)
        session.commit()
    engine.dispose()
    yield db, stored, tmp_path


def blanks(sheet: dict, tx: int) -> int:
    """Required cells a sheet lacks, counted here from domain.md's rule."""
    given = sum(1 for v in sheet.get("ddg_tx") or [] if v not in (None, ""))
    return max(0, tx - given) + (sheet.get("ddg_gk") in (None, "")) + (sheet.get("ddg_ck") in (None, ""))


def test_json_gives_the_counts_of_the_stored_sheets_with_stable_keys(school):
    db, stored, home = school
    done = cli(db, "completeness", "--format", "json", "--semester", "1", home=home)
    assert done.returncode in (0, 1), done.stderr
    data = json.loads(done.stdout)
    assert list(data) == sorted(data)  # keys sorted: stable for scripts
    assert data["semesters"] == ["1"] and data["school_year"] == "2026-2027" and data["source"] == "vnEdu"
    pupils = {
        k: p for k, p in stored["vnedu"]["hoc_sinh"].items() if p["ma_lop"] == "6A1" and p["trang_thai"] not in GONE
    }
    rows = {s["subject"]: s for s in data["subjects"] if s["class"] == "6A1"}
    assert len(rows) == 12
    for code, row in rows.items():
        tx = 2 if code in COMMENT else TX_GRADE_6[code]
        assert (row["students"], row["required_tx"], row["required"]) == (len(pupils), tx, len(pupils) * (tx + 2))
        sheets = [stored["vnedu"]["diem"].get(f"{k}:{code}:1") for k in pupils]
        lacking = sum(blanks(s, tx) if s else tx + 2 for s in sheets)
        if code == "TOAN":
            lacking += 1  # the ĐĐGgk blanked in the fixture
        assert row["required"] - row["entered"] == lacking, code
    assert rows["TOAN"]["teacher"] == "Nguyễn Thị Lan" and rows["VAN"]["teacher"] is None
    assert {t["teacher"] for t in data["teachers"]} == {"Nguyễn Thị Lan"}
    classes = {c["class"]: c for c in data["classes"]}
    assert set(classes) == {"6A1", "7A1", "8A1", "9A1"} and classes["6A1"]["students"] == len(pupils)
    assert classes["6A1"]["attendance"] is True
    assert all({"who", "role", "what", "class", "due", "message"} <= set(item) for item in data["late"])


def test_the_table_has_vietnamese_headings_for_one_class(school):
    db, _, home = school
    done = cli(db, "completeness", "--class", "6a1", "--semester", "1", home=home)
    assert done.returncode in (0, 1), done.stderr
    out = done.stdout
    assert "Mức độ đầy đủ trên vnEdu, lớp 6A1, năm học 2026-2027, HK1" in out
    for heading in ("Lớp", "Môn", "Giáo viên", "Đã nhập", "GVCN", "Rèn luyện", "Buổi nghỉ"):
        assert heading in out
    assert "Nguyễn Thị Lan" in out and "7A1" not in out
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--class", "9Z9"), "Không có lớp «9Z9» trong dữ liệu; các lớp: 6A1, 7A1, 8A1, 9A1."),
        (("--semester", "3"), "Học kỳ «3» không hợp lệ: chọn 1 hoặc 2."),
        (("--format", "xml"), "--format phải là table hoặc json"),
    ],
)
def test_bad_input_is_refused_in_vietnamese_with_exit_code_2(school, args, said):
    db, _, home = school
    done = cli(db, "completeness", *args, home=home)
    assert done.returncode == 2
    assert said in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_an_empty_database_says_what_to_run_first(tmp_path):
    db = f"sqlite:///{tmp_path / 'rong.db'}"
    migrate(db)
    done = cli(db, "completeness", home=tmp_path)
    assert done.returncode == 2 and "Chưa có dữ liệu" in done.stderr


def test_a_share_reads_100_only_when_complete():
    """The command said «9237/9244 (100%)» where the dashboard said 99% for the same figures: both
    round down now (`completeness_figures.percent_entered`), so 100% means nothing is missing."""
    from lienthong.cli.completeness_command import _share
    from lienthong.reconciliation.completeness_figures import percent_entered

    assert _share(9237, 9244) == "9237/9244 (99%)"
    assert _share(579, 580) == "579/580 (99%)"
    assert _share(580, 580) == "580/580 (100%)"
    assert _share(0, 0) == "—" and percent_entered(0, 0) == 100
    assert [percent_entered(n, 3) for n in range(4)] == [0, 33, 66, 100]
