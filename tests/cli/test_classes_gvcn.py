"""A file-only school names each class's GVCN through the command line: only IT or the principal
may (``--as``), each naming is audited, `classes list` says where each name comes from, and the
reports and the register name the teacher instead of "GVCN: chưa rõ"."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from lienthong.store import accounts
from lienthong.store.db import make_engine
from lienthong.store.tables import DiscrepancyRow
from tests.reconciliation.test_resolution import PASSWORD
from tests.reconciliation.test_skipped_checks import FILE_ONLY, cli, seed, simulated

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def school_data():
    return simulated()


@pytest.fixture
def school(school_data, tmp_path):
    sim, stored = school_data
    db = f"sqlite:///{tmp_path / 'gvcn.db'}"
    first = sorted(s.vnedu_id for s in sim.students if s.class_code == "6A1")[0]

    def blank_one(source, entity, key, payload):
        if entity == "diem" and key == f"{first}:TOAN:1":
            payload["ddg_gk"] = None  # a 6A1 student's ĐĐGgk is missing: 6A1 has something to report
        return payload

    seed(db, stored, {"vnedu": FILE_ONLY, "csdl": ("hoc_sinh", "ket_qua")}, edit=blank_one)
    engine = make_engine(db)
    with Session(engine) as session:
        it = accounts.add_user(session, "it.an", "Lê Văn An", "it", PASSWORD, NOW)
        accounts.add_user(session, "ht.minh", "Trần Văn Minh", "principal", PASSWORD, NOW, by=it)
        accounts.add_user(session, "gv.lan", "Nguyễn Thị Lan", "gvcn", PASSWORD, NOW, {"class": ["6A1"]}, by=it)
        session.commit()
    yield db, engine, tmp_path
    engine.dispose()


def listed(db, home) -> dict[str, dict]:
    done = cli(db, "classes", "list", "--json", home=home)
    assert done.returncode == 0, done.stdout + done.stderr
    return {line["class"]: line for line in map(json.loads, done.stdout.splitlines())}


def audit_rows(engine) -> list:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("select actor, detail from audit_log where action = 'class_gvcn_set' order by id")
        ).all()
    return [(actor, json.loads(detail) if isinstance(detail, str) else detail) for actor, detail in rows]


def test_classes_are_listed_with_no_gvcn_until_one_is_named(school):
    db, _, home = school
    classes = listed(db, home)
    assert set(classes) == {"6A1", "7A1", "8A1", "9A1"} and all(c["gvcn"] is None for c in classes.values())
    assert classes["6A1"]["students"] > 0
    table = cli(db, "classes", "list", home=home)
    assert table.returncode == 0 and "chưa rõ" in table.stdout and "classes set-gvcn" in table.stdout


def test_only_it_or_the_principal_names_a_gvcn_and_a_refusal_writes_nothing(school):
    db, engine, home = school
    refused = cli(db, "--as", "gv.lan", "classes", "set-gvcn", "6A1", "Nguyễn Thị Lan", home=home, password=PASSWORD)
    assert refused.returncode == 4 and "chỉ quản trị CNTT hoặc Hiệu trưởng" in refused.stdout
    wrong = cli(db, "--as", "it.an", "classes", "set-gvcn", "6A1", "Nguyễn Thị Lan", home=home, password="sai-mat-khau")
    assert wrong.returncode == 4
    nobody = cli(db, "classes", "set-gvcn", "6A1", "Nguyễn Thị Lan", home=home)  # no account given
    assert nobody.returncode == 4 and "--as" in nobody.stdout
    unknown = cli(db, "--as", "it.an", "classes", "set-gvcn", "6Z9", "Nguyễn Thị Lan", home=home, password=PASSWORD)
    assert unknown.returncode == 2 and "6A1, 7A1, 8A1, 9A1" in unknown.stdout
    formula = cli(db, "--as", "it.an", "classes", "set-gvcn", "6A1", "=HYPERLINK(1)", home=home, password=PASSWORD)
    assert formula.returncode == 2
    assert audit_rows(engine) == [] and listed(db, home)["6A1"]["gvcn"] is None


def test_a_named_gvcn_is_audited_listed_and_named_by_reports_and_the_register(school):
    db, engine, home = school
    done = cli(db, "--as", "it.an", "classes", "set-gvcn", " 6a1 ", "Nguyễn  Thị Lan", home=home, password=PASSWORD)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Đã đặt GVCN lớp 6A1 năm học 2026-2027: Nguyễn Thị Lan (trước đó: chưa rõ)" in done.stdout
    again = cli(db, "--as", "ht.minh", "classes", "set-gvcn", "7A1", "Trần Văn Bảo", home=home, password=PASSWORD)
    assert again.returncode == 0
    (actor, detail), (by_principal, _) = audit_rows(engine)
    assert actor.endswith(":it.an") and by_principal.endswith(":ht.minh")
    assert detail == {"school_year": "2026-2027", "class": "6A1", "teacher": "Nguyễn Thị Lan", "before": None}
    six = listed(db, home)["6A1"]
    assert six["gvcn"] == "Nguyễn Thị Lan" and six["origin"] == "named" and six["by"].endswith(":it.an")
    table = cli(db, "classes", "list", home=home)
    assert "đặt bằng lệnh classes set-gvcn" in table.stdout and "Trần Văn Bảo" in table.stdout
    assert cli(db, "audit", "verify", home=home).returncode == 0

    report = home / "6A1.html"
    made = cli(db, "reconcile", "--class", "6A1", "--format", "html", "--out", str(report), home=home)
    html = report.read_text(encoding="utf-8")
    assert made.returncode == 1 and "GVCN: Nguyễn Thị Lan" in html and "chưa rõ" not in html
    assert "Thiếu ĐĐGgk môn Toán HK1" in html
    with Session(engine) as session:
        rows = session.exec(select(DiscrepancyRow).where(DiscrepancyRow.class_code == "6A1")).all()
    assert rows and {r.assignee for r in rows} == {"Nguyễn Thị Lan"}


def test_a_class_list_with_the_column_names_the_gvcn_and_a_named_one_takes_over(school, school_data):
    db, _, home = school
    _, stored = school_data
    stored = {"vnedu": {"lop": {"7A1": {"ma_lop": "7A1", "gvcn_ho_ten": "Phạm Thị Hoa", "gvcn_ma_gv": "GV0007"}}}}
    seed(db, stored, {"vnedu": ("lop",)})
    seven = listed(db, home)["7A1"]
    assert seven["gvcn"] == "Phạm Thị Hoa (GV0007)" and seven["origin"] == "class_list"
    done = cli(db, "--as", "it.an", "classes", "set-gvcn", "7A1", "Đỗ Văn Nam", home=home, password=PASSWORD)
    assert done.returncode == 0 and "trước đó: Phạm Thị Hoa (GV0007)" in done.stdout
    assert "Danh sách lớp ghi «Phạm Thị Hoa (GV0007)»" in done.stdout
    seven = listed(db, home)["7A1"]
    assert seven["gvcn"] == "Đỗ Văn Nam" and seven["listed"] == "Phạm Thị Hoa (GV0007)"
