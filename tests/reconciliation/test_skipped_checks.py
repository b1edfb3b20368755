"""What a reconciliation could not check is said, with why, in the table, the JSON summary and
the reports; with nothing compared, `lienthong reconcile` says so and exits 2 (never 0, "all
agree"); blanks of a running semester show as completeness figures."""

from __future__ import annotations

import io
import json
import subprocess
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from lienthong.reconciliation.compare import Roles
from lienthong.reconciliation.completeness import compared_anything, coverage
from lienthong.reconciliation.reports import ReportContext, render_html, render_xlsx
from lienthong.simulators.school import VN_TZ, generate_school
from lienthong.simulators.views import Rates, as_stored, build_platform_data
from lienthong.store.db import make_engine, migrate
from lienthong.store.repository import SnapshotRecord, upsert_snapshots
from tests.cli.test_assess_cli import lienthong
from tests.reconciliation.test_missing_assessments import csdl, gradebook, sheet, vnedu

TODAY = date(2026, 11, 23)  # semester I of 2026-2027 runs; the simulated CSDL already holds its results
FILE_ONLY = ("hoc_sinh", "diem")  # what vnEdu's exports give a school: no attendance, no training


def simulated() -> tuple:
    """A small school (classes 6A1 … 9A1) and every platform's payloads, without injected differences."""
    school = generate_school(4, 60, TODAY)
    return school, as_stored(school, build_platform_data(school, 4, Rates.none()))


@pytest.fixture(scope="module")
def school_data():
    return simulated()


def seed(db: str, stored: dict, wanted: dict[str, tuple[str, ...]], edit=None) -> None:
    """Store ``wanted`` (source → entities) of the simulated payloads as if pulled or imported."""
    migrate(db)
    engine = make_engine(db)
    with Session(engine) as session:
        for source, entities in wanted.items():
            for entity in entities:
                payloads = stored[source].get(entity, {})
                if edit:
                    payloads = {k: edit(source, entity, k, dict(p)) for k, p in payloads.items()}
                records = [SnapshotRecord(source, entity, k, 1, p) for k, p in payloads.items()]
                upsert_snapshots(session, records, datetime.now(timezone.utc))
        session.commit()
    engine.dispose()


def cli(db: str, *args: str, home: Path, password: str | None = None) -> subprocess.CompletedProcess:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "COLUMNS": "200",
        "LIENTHONG_SCHOOL_YEAR": "2026-2027",
        "LIENTHONG_SESSION_FILE": str(home / "phien.json"),
        "LIENTHONG_LOG_DIR": str(home / "log"),
    }
    return subprocess.run(
        [*lienthong(), "--db", db, *args],
        capture_output=True,
        text=True,
        env=env,
        input=(password + "\n") if password is not None else "",
        timeout=300,
    )


# --- which checks could run ----------------------------------------------------------------


def test_one_source_compares_nothing_and_says_why():
    ran, skipped = coverage({"vnedu": vnedu(dict([sheet(1, "TOAN")]))}, Roles.from_settings())
    reasons = {s.check: s.reason for s in skipped}
    assert not compared_anything(ran)
    assert reasons["students"] == "Không đối chiếu danh sách học sinh: chỉ có một nguồn (vnEdu)"
    assert "chưa có sổ điểm nào của giáo viên" in reasons["scores"]
    assert reasons["absences"].startswith("Không đối chiếu số buổi nghỉ: chưa có kết quả học kỳ")


def test_files_without_attendance_or_training_skip_those_checks_only():
    school = vnedu(dict([sheet(n, "TOAN") for n in (1, 2, 3)] + [sheet(1, "VAN")]))
    sources = {"vnedu": school, "csdl": csdl(results_for=[1]), "gradebook": gradebook(dict([sheet(1, "TOAN")]))}
    ran, skipped = coverage(sources, Roles.from_settings())
    assert compared_anything(ran) and {"students", "scores", "averages", "missing_scores"} <= set(ran)
    reasons = {s.reason for s in skipped}
    assert "Không đối chiếu số buổi nghỉ: chưa có dữ liệu điểm danh" in reasons
    assert "Không đối chiếu kết quả rèn luyện: chưa có dữ liệu rèn luyện" in reasons
    assert any("môn Ngữ văn" in r and "chưa có sổ điểm của các môn này" in r for r in reasons)  # no Văn gradebook
    school.has_attendance, school.training = True, {f"{1}:1": "T"}
    _, skipped = coverage(sources, Roles.from_settings())
    assert {s.check for s in skipped} == {"scores"}


# --- reports -------------------------------------------------------------------------------

SKIPPED = [
    {"check": "students", "reason": "Không đối chiếu danh sách học sinh: chỉ có một nguồn (vnEdu)"},
    {"check": "absences", "reason": "Không đối chiếu số buổi nghỉ: chưa có dữ liệu điểm danh"},
]
INCOMPLETE = [
    {
        "class": "6A1",
        "subject": "TOAN",
        "semester": "1",
        "students": 40,
        "sheets": 38,
        "required": 228,
        "blank": 5,
        "over": False,
    }
]


def context(**changes) -> ReportContext:
    values = dict(
        school="Trường THCS Bình An",
        school_year="2026-2027",
        generated=datetime(2026, 11, 23, 9, 30, tzinfo=VN_TZ),
        class_code=None,
        teachers={"6A1": "Nguyễn Thị Lan"},
    )
    return ReportContext(**{**values, **changes})


def test_reports_say_what_was_not_compared_instead_of_all_agree():
    html = render_html([], context(skipped=SKIPPED, compared=False))
    assert "Chưa đối chiếu được nguồn nào với nhau" in html and "đã khớp nhau" not in html
    assert all(s["reason"] in html for s in SKIPPED)
    partly = render_html([], context(skipped=SKIPPED[1:]))
    assert "Những phần đã đối chiếu đều khớp" in partly and SKIPPED[1]["reason"] in partly
    assert "Các nguồn dữ liệu đã khớp nhau" in render_html([], context())


def test_reports_show_completeness_figures_per_class_and_subject():
    html = render_html([], context(incomplete=INCOMPLETE))
    assert "Mức độ đầy đủ của sổ điểm vnEdu" in html and "5/228" in html and "đang trong học kỳ" in html
    assert "<td>Nguyễn Thị Lan</td><td>Toán</td>" in html
    book = load_workbook(io.BytesIO(render_xlsx([], context(incomplete=INCOMPLETE, skipped=SKIPPED, compared=False))))
    assert book.sheetnames == ["Tổng hợp", "Mức độ đầy đủ"]
    rows = list(book["Mức độ đầy đủ"].iter_rows(min_row=2, values_only=True))
    assert rows == [("6A1", "Nguyễn Thị Lan", "Toán", "1", "5/228", 2, "đang trong học kỳ")]
    summary = [row[0] for row in book["Tổng hợp"].iter_rows(values_only=True) if row[0]]
    assert "Chưa đối chiếu được" in summary and SKIPPED[0]["reason"] in summary
    single = render_html([], context(class_code="6A1"))
    assert "GVCN: Nguyễn Thị Lan" in single  # a class's report names its teacher even with nothing to list


# --- through the command line ----------------------------------------------------------------


def test_reconcile_with_only_vnedu_says_nothing_was_compared_and_exits_2(school_data, tmp_path):
    _, stored = school_data
    db = f"sqlite:///{tmp_path / 'one.db'}"
    seed(db, stored, {"vnedu": FILE_ONLY})
    table = cli(db, "reconcile", home=tmp_path)
    assert table.returncode == 2, table.stdout + table.stderr
    assert "Chưa đối chiếu được nguồn nào với nhau" in table.stdout
    assert "Không đối chiếu danh sách học sinh: chỉ có một nguồn (vnEdu)" in table.stdout
    summary_file = tmp_path / "tom-tat.json"
    as_json = cli(db, "reconcile", "--format", "json", "--summary", str(summary_file), home=tmp_path)
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    assert as_json.returncode == 2 and as_json.stdout == ""
    assert summary["compared"] is False and summary["total"] == 0
    assert {"check": "students", "reason": "Không đối chiếu danh sách học sinh: chỉ có một nguồn (vnEdu)"} in summary[
        "skipped"
    ]
    report = tmp_path / "bao-cao.html"
    html = cli(db, "reconcile", "--format", "html", "--out", str(report), home=tmp_path)
    text = report.read_text(encoding="utf-8")
    assert html.returncode == 2 and "Chưa đối chiếu được nguồn nào" in html.stdout
    assert "Chưa đối chiếu được nguồn nào với nhau" in text and "đã khớp nhau" not in text


def test_reconcile_of_files_lists_the_checks_skipped_and_the_figures(school_data, tmp_path):
    _, stored = school_data
    db = f"sqlite:///{tmp_path / 'files.db'}"
    seed(db, stored, {"vnedu": FILE_ONLY, "csdl": ("hoc_sinh",)})  # the CSDL's list, no results yet

    def blank_some(source, entity, key, payload):
        if entity == "diem" and key.endswith(":TOAN:1"):
            payload["ddg_ck"] = None  # semester I's end-of-term test not entered yet
        return payload

    seed(db, stored, {"vnedu": ("diem",)}, edit=blank_some)
    summary_file = tmp_path / "s.json"
    done = cli(db, "reconcile", "--format", "json", "--summary", str(summary_file), home=tmp_path)
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    found = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode in (0, 1) and summary["compared"] is True
    assert not [d for d in found if d["kind"] == "missing_score"]  # the semester runs: figures only
    reasons = {s["reason"] for s in summary["skipped"]}
    assert any(r.startswith("Không đối chiếu số buổi nghỉ") for r in reasons)
    assert any("chưa có học kỳ nào được biết là đã kết thúc" in r for r in reasons)
    toan = [f for f in summary["incomplete"] if f["subject"] == "TOAN"]
    assert toan and all(f["blank"] == f["sheets"] and not f["over"] for f in toan)
    table = cli(db, "reconcile", home=tmp_path)
    assert "Chưa đối chiếu được:" in table.stdout and "Đang trong học kỳ: còn" in table.stdout
