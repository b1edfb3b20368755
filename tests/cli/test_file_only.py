"""Excel-only schools, end to end from files through the command line (issue 8's "Must show").

A school generated at the end of a school year (both semesters and year results exist) is
written out as the files such a school has: vnEdu's score books and year summary, the CSDL's
student list and results, two teachers' own gradebooks. `lienthong import` reads them,
`lienthong reconcile` must report exactly the differences the generator injected, and
`lienthong export` writes CSDL import files that read back to the same values.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from lienthong.connectors.csdl.excel import read_results, read_student_list
from lienthong.simulators.exports import TEACHER_SUBJECTS, write_school_files
from lienthong.simulators.school import generate_school
from lienthong.simulators.views import Rates, build_platform_data
from lienthong.store.db import migrate
from tests.cli.test_assess_cli import lienthong
from tests.connectors.test_excel_files import HOSTILE, zip_bomb
from tests.reconciliation.test_compare import KINDS, WITH_SUBJECT

YEAR_END = date(2026, 6, 15)  # school year 2025-2026 is over: both semesters and the year's results exist
# Status, absence counts and semester training levels are in no export vnEdu offers (no
# attendance, status or conduct export): those kinds cannot be seen from files and are not injected.
RATES = Rates(
    transfer_one_place=0,
    absences_count=0,
    training_mismatch=0,
    name_variant=0.02,
    score_typo=0.06,
    score_missing=0.03,
    comment_mark_as_score=0.03,
    wrong_class=0.01,
    dob_swapped=0.01,
)  # more slips: only two subjects have a teacher's gradebook
SCORE_KINDS = ("score_typo", "score_missing", "comment_mark_as_score")
RECONCILED = re.compile(r"Đã đối chiếu lại sau khi nhập: (\d+) khác biệt \((\d+) mới, (\d+) đã hết\)")


def run(args: list[str], db: str, **extra) -> subprocess.CompletedProcess:
    """The CLI on ``db``; a new database is created first, as `lienthong init`/`db upgrade` would."""
    if not Path(db.removeprefix("sqlite:///")).exists():
        migrate(db)
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "200", "LIENTHONG_SCHOOL_YEAR": "2025-2026", **extra}
    return subprocess.run([*lienthong(), "--db", db, *args], capture_output=True, timeout=600, env=env, text=True)


@pytest.fixture(scope="module")
def school_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exports")
    school = generate_school(8, 500, YEAR_END)
    data = build_platform_data(school, 8, RATES)
    return school, data, write_school_files(school, data, folder), folder


@pytest.fixture(scope="module")
def imported(school_files):
    school, data, files, folder = school_files
    db = f"sqlite:///{folder / 'school.db'}"
    done = run(["import", "--json", *map(str, files)], db)
    return db, done


def expected_of(school, data) -> set:
    def subject(d):
        parts = d.field.split(".")
        return (parts[2] if parts[0] == "ket_qua" else parts[1]) if d.kind in WITH_SUBJECT else None

    expected = set()
    for d in data.differences:
        if d.expect == "none" or d.kind not in KINDS:
            continue
        if d.kind in SCORE_KINDS and d.kind != "score_missing" and subject(d) not in TEACHER_SUBJECTS:
            continue  # no gradebook of that subject to compare vnEdu with (a blank is missing all the same)
        expected.add((KINDS[d.kind], d.student, subject(d)))
    return expected | {("missing_student", s.key, None) for s in school.students if s.ministry_id is None}


def signatures_of(school, found: list[dict]) -> set:
    by_vnedu = {s.vnedu_id: s.key for s in school.students}
    by_csdl = {s.ministry_id: s.key for s in school.students if s.ministry_id}
    out = set()
    for d in found:
        keys = d["student"]["keys"]
        student = by_vnedu.get(keys.get("vnedu")) or by_csdl.get(keys.get("csdl"))
        out.add(
            (
                d["kind"],
                student,
                d["subject"] if d["kind"] in ("score_mismatch", "missing_score", "average_mismatch") else None,
            )
        )
    return out


def test_every_file_is_recognised_and_read(school_files, imported):
    _, _, files, _ = school_files
    db, done = imported
    reports = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert len(reports) == len(files) and not any(r["error"] or r["refused"] for r in reports)
    kinds = {r["file"]: r["kind"] for r in reports}
    assert kinds["vnedu-tonghop.xlsx"] == "vnedu-tonghop" and kinds["csdl-danhsach.xlsx"] == "csdl-hocsinh"
    assert kinds["vnedu-sodiem-TOAN-hk2.xlsx"] == "vnedu-sodiem" and kinds["csdl-ketqua-khoi9-cn.xlsx"] == "csdl-ketqua"
    assert kinds["giaovien-TOAN-hk1.xlsx"] == kinds["giaovien-GDTC-hk1.xlsx"] == "gradebook"
    book = next(r for r in reports if r["file"] == "giaovien-TOAN-hk1.xlsx")  # hand-made: Miệng, 15 phút (2)…
    assert book["semesters"] == ["1"] and book["school_year"] == "2025-2026" and book["students"] == 500
    assert book["cells"] == 500 * 6  # four TX (Toán: 140 periods), GK and CK per student, none lost
    summary = next(r for r in reports if r["file"] == "vnedu-tonghop.xlsx")
    assert summary["semesters"] == ["CN"] and len(summary["classes"]) == 12
    # the school is reconciled once the files are stored, said on stderr (stdout: one object per file)
    said = RECONCILED.findall(done.stderr)
    assert len(said) == 1 and int(said[0][0]) == int(said[0][1]) > 0 and said[0][2] == "0", done.stderr[-1000:]


def test_reconciling_imported_files_reports_exactly_the_injected_differences(school_files, imported):
    school, data, _, folder = school_files
    db, _ = imported
    out, summary = folder / "found.jsonl", folder / "summary.json"
    done = run(["reconcile", "--format", "json", "--out", str(out), "--summary", str(summary)], db)
    assert done.returncode == 1, done.stderr  # differences found
    found = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    expected, signatures = expected_of(school, data), signatures_of(school, found)
    assert {kind for kind, _, _ in expected} >= {
        "score_mismatch",
        "missing_score",
        "average_mismatch",
        "bio_mismatch",
        "class_mismatch",
        "missing_student",
    }
    assert signatures == expected, (sorted(signatures - expected)[:5], sorted(expected - signatures)[:5])
    counts = json.loads(summary.read_text(encoding="utf-8"))
    assert counts["total"] == len(found) and sum(counts["by_kind"].values()) == len(found)
    # the import reconciled: the same differences, already in the register
    (said,) = RECONCILED.findall(imported[1].stderr)
    assert int(said[0]) == len(found) and counts["new"] == 0
    # names that differ only by NFD/NFC or tone placement raise nothing (and there are such names)
    quiet = [d for d in data.differences if d.kind == "name_variant" and d.expect == "none"]
    named = {d["student"]["keys"].get("csdl") for d in found if d["field"] == "ho_ten"}
    by_key = {s.key: s for s in school.students}
    assert quiet and not {by_key[d.student].ministry_id for d in quiet} & named
    again = run(["reconcile", "--format", "json", "--out", str(out), "--summary", str(summary), "--overwrite"], db)
    assert json.loads(summary.read_text(encoding="utf-8"))["new"] == 0 and again.returncode == 1


def test_importing_the_same_files_again_changes_nothing(school_files, imported):
    _, _, files, _ = school_files
    db, _ = imported
    before = sa.create_engine(db).connect().execute(sa.text("select count(*), sum(version) from source_snapshot")).one()
    done = run(["import", "--json", *map(str, files[:5])], db)
    reports = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 0 and all(r["already_imported"] and not r["stored"].get("new") for r in reports)
    assert "đối chiếu" not in done.stderr  # nothing stored: nothing to reconcile
    after = sa.create_engine(db).connect().execute(sa.text("select count(*), sum(version) from source_snapshot")).one()
    assert after == before


def test_export_refuses_over_open_score_differences_then_round_trips(school_files, imported):
    school, data, _, folder = school_files
    db, _ = imported
    target = folder / "ketqua-cn.xlsx"
    refused = run(["export", "csdl-ketqua", "--semester", "CN", "--out", str(target)], db)
    assert refused.returncode == 2 and "--force" in refused.stdout and not target.exists()
    # every class has a blank required assessment in vnEdu (the simulator leaves some): the class with
    # the fewest open score differences is refused alone too, and exported over them with --force
    listed = run(["reconcile", "--format", "json"], db).stdout.splitlines()
    open_scores = Counter(
        d["class"] for d in map(json.loads, listed) if d["kind"] in ("score_mismatch", "missing_score")
    )
    clean = min((c.code for c in school.classes), key=lambda code: open_scores[code])
    alone = run(["export", "csdl-ketqua", "--semester", "CN", "--class", clean, "--out", str(target)], db)
    assert (alone.returncode == 2) == (open_scores[clean] > 0) and not target.exists()
    done = run(["export", "csdl-ketqua", "--semester", "CN", "--class", clean, "--force", "--out", str(target)], db)
    assert done.returncode in (0, 1), done.stdout
    back = read_results(target.read_bytes())
    assert back.info["school_year"] is None and not back.problems
    assert {r["HocKy"] for r in back.records} == {"CN"}
    assert all(
        r["KetQuaHocTap"] in ("T", "K", "Đ", "CĐ") and r["LenLop"] in ("LL", "KTL", "RLH", "OL") for r in back.records
    )
    in_class = {
        s.ministry_id
        for s in school.students
        if s.ministry_id  # class: the school's side (vnEdu)
        and data.vnedu["hoc_sinh"].get(s.vnedu_id, {}).get("ma_lop") == clean
    }
    assert {r["MaDinhDanh"] for r in back.records} <= in_class and len(back.records) >= len(in_class) - 2
    forced = run(["export", "csdl-ketqua", "--semester", "CN", "--force", "--out", str(folder / "all.xlsx")], db)
    assert forced.returncode in (0, 1) and "--force" in forced.stdout
    log = (
        sa.create_engine(db)
        .connect()
        .execute(sa.text("select detail from audit_log where action = 'csdl_file_exported' order by id desc"))
        .scalars()
        .first()
    )
    assert json.loads(log)["forced_over"] > 0 if isinstance(log, str) else log["forced_over"] > 0
    students = folder / "hocsinh.xlsx"
    listed = run(["export", "csdl-hocsinh", "--class", clean, "--force", "--out", str(students)], db)
    assert listed.returncode in (0, 1)
    read = read_student_list(students.read_bytes(), expected_class=clean)
    assert {r["MaDinhDanh"] for r in read.records if r["MaDinhDanh"]} == in_class & set(data.csdl["hoc_sinh"])


def _comparable(record: dict) -> tuple:
    subjects = sorted((m["MaMon"], str(m.get("DiemTB") or ""), m.get("KetQuaDanhGia") or "") for m in record["Mon"])
    return (
        record["MaDinhDanh"],
        record["HocKy"],
        tuple(subjects),
        record["KetQuaHocTap"],
        record["KetQuaRenLuyen"],
        record["SoBuoiNghiCoPhep"],
        record["SoBuoiNghiKhongPhep"],
        record.get("DanhHieu"),
        record.get("LenLop"),
    )


def test_export_file_reads_back_to_the_same_values(imported):
    """The writer and the reader agree cell for cell: averages, levels, absences, title, promotion."""
    from lienthong.connectors.csdl.excel import write_results
    from lienthong.reconciliation.csdl_files import results_file
    from lienthong.reconciliation.service import load_sources
    from lienthong.store.db import make_engine

    db, _ = imported
    sources = load_sources(make_engine(db))
    for semester in ("1", "2", "CN"):
        built = results_file(sources, "2025-2026", semester, None)
        back = read_results(write_results(built.records, built.students, semester), semester=semester)
        assert len(back.records) == len(built.records) > 400 and not back.problems
        assert [_comparable(r) for r in back.records] == [_comparable(r) for r in built.records]


def test_a_file_of_another_kind_than_chosen_is_refused_saying_what_it_looks_like(school_files, tmp_path):
    _, _, files, _ = school_files
    students = next(f for f in files if f.name == "csdl-danhsach.xlsx")
    vnedu_book = next(f for f in files if f.name == "vnedu-sodiem-TOAN-hk1.xlsx")
    db = f"sqlite:///{tmp_path / 'k.db'}"
    for path, chosen, looks in (
        (students, "csdl-ketqua", "danh sách học sinh"),
        (vnedu_book, "gradebook", "sổ điểm môn học xuất từ vnEdu"),
    ):
        done = run(["import", "--json", "--kind", chosen, str(path)], db)
        report = json.loads(done.stdout)
        assert done.returncode == 2 and looks in report["error"] and chosen in report["error"], report


def test_a_file_of_another_semester_or_with_other_classes_than_asked_is_refused_whole(school_files, tmp_path):
    _, _, files, _ = school_files
    book = next(f for f in files if f.name == "vnedu-sodiem-TOAN-hk1.xlsx")
    results = next(f for f in files if f.name == "csdl-ketqua-khoi6-cn.xlsx")
    db = f"sqlite:///{tmp_path / 's.db'}"
    for args, words in (
        (["--semester", "2", str(book)], "học kỳ I, không phải học kỳ II"),
        (["--semester", "1", str(results)], "cả năm, không phải học kỳ I"),
        (["--class", "6A1", str(book)], "không chỉ lớp 6A1"),
    ):
        done = run(["import", "--json", *args], db)
        report = json.loads(done.stdout)
        assert done.returncode == 2 and words in report["error"], report
    with sa.create_engine(db).connect() as connection:
        assert connection.execute(sa.text("select count(*) from source_snapshot")).scalar() == 0


def test_a_file_of_another_school_year_is_refused_whole(tmp_path):
    school = generate_school(9, 60, date(2025, 6, 15))  # 2024-2025
    data = build_platform_data(school, 9, Rates.none())
    files = write_school_files(school, data, tmp_path / "old", subjects=["TOAN"])
    db = f"sqlite:///{tmp_path / 'x.db'}"
    done = run(["import", *map(str, files)], db)
    assert done.returncode == 2 and "2024-2025" in done.stdout
    refused = [line for line in done.stdout.splitlines() if line.startswith("✗")]
    assert len(refused) == len(files) and any("csdl-ketqua" in line for line in refused)
    # each file says once that nothing of it was kept (a CSDL reason says it itself)
    assert {line.lower().count("không lưu") for line in refused} == {1}, refused
    count = sa.create_engine(db).connect().execute(sa.text("select count(*) from source_snapshot")).scalar()
    assert count == 0


def _wide_sheet() -> bytes:
    book = Workbook()
    sheet = book.active
    for _ in range(3):
        sheet.append(["x"] * 10_000)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _tcvn3_gradebook() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["Hä vµ tªn", "MiÖng", "15 phót", "Gi÷a k×", "Cuèi k×"])  # the header itself in TCVN3
    sheet.append(["NguyÔn V¨n An", "8", "7", "9", "8"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, make, words",
    [
        ("bom.xlsx", zip_bomb, "bom nén"),
        ("xxe.xlsx", lambda: HOSTILE["xxe"], "DOCTYPE"),
        ("rong.xlsx", _wide_sheet, "10000 cột"),
        ("tcvn3.xlsx", _tcvn3_gradebook, "TCVN3"),
    ],
)
def test_hostile_files_are_refused_fast_with_a_clear_message_and_nothing_stored(tmp_path, name, make, words):
    path = tmp_path / name
    path.write_bytes(make())
    db = f"sqlite:///{tmp_path / 'h.db'}"
    assert run(["db", "upgrade"], db).returncode == 0
    started = time.perf_counter()
    done = run(["import", "--json", str(path)], db)
    elapsed = time.perf_counter() - started
    report = json.loads(done.stdout)
    assert done.returncode == 2 and words in report["error"] and "passwd" not in report["error"], report
    assert elapsed < 5, elapsed
    engine = sa.create_engine(db)
    with engine.connect() as connection:
        assert connection.execute(sa.text("select count(*) from source_snapshot")).scalar() == 0
        assert connection.execute(sa.text("select count(*) from imported_file")).scalar() == 0


def test_an_unrecognised_gradebook_shows_its_header_and_a_map_by_header_text_reads_it(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "6A1"
    sheet.append(["SỔ ĐIỂM MÔN TOÁN — HỌC KỲ I — NĂM HỌC 2025-2026"])
    sheet.append(["Số", "Mã HS", "Họ tên", "Kiểm tra nói", "Bài viết ngắn", "Bài viết dài", "Giữa HK", "Thi HK"])
    sheet.append([1, "1800000001", "Nguyễn Văn An", "8", "7", "9", "8", "7,5"])
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "tu-lam.xlsx"
    path.write_bytes(buffer.getvalue())
    db = f"sqlite:///{tmp_path / 'm.db'}"
    first = run(["import", "--json", "--kind", "gradebook", str(path)], db)
    error = json.loads(first.stdout)["error"]
    assert first.returncode == 2 and "«Kiểm tra nói» | «Bài viết ngắn»" in error and "--map" in error
    mapped = run(
        [
            "import",
            "--json",
            "--kind",
            "gradebook",
            "--map",
            "Kiểm tra nói=TX1,Bài viết ngắn=TX2,Bài viết dài=TX3,Giữa HK=GK,Thi HK=CK",
            str(path),
        ],
        db,
    )
    report = json.loads(mapped.stdout)
    assert mapped.returncode == 0 and report["cells"] == 5 and report["stored"] == {"new": 2}, report


def test_simulate_writes_a_school_s_files_that_import_reads(tmp_path):
    folder = tmp_path / "tep"
    db = f"sqlite:///{tmp_path / 's.db'}"
    done = run(["simulate", "--students", "60", "--today", "2026-06-15", "--files", str(folder)], db)
    assert done.returncode == 0 and "2025-2026" in done.stdout
    files = sorted(folder.glob("*.xlsx"))
    assert len(files) == 42
    imported = run(["import", "--json", *map(str, files)], db)
    assert imported.returncode == 0 and len(imported.stdout.splitlines()) == 42


def test_gradebook_rows_without_vnedu_code_are_kept_to_be_matched_by_name(tmp_path):
    # a teacher is not asked to copy vnEdu's codes: a row without one is kept under its name and
    # class, and linked to the school's student when reconciling (tests/reconciliation/test_gradebook_identity)
    book = Workbook()
    sheet = book.active
    sheet.title = "6A1"
    sheet.append(["SỔ ĐIỂM MÔN TOÁN — HỌC KỲ I — NĂM HỌC 2025-2026"])
    sheet.append(["STT", "Mã HS", "Họ và tên", "TX1", "TX2", "GK", "CK"])
    sheet.append([1, "1800000001", "Nguyễn Văn An", "8", "7", "9", "8"])
    sheet.append([2, None, "Trần Thị Bình", "6", "7", "7", "8"])
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "so-diem.xlsx"
    path.write_bytes(buffer.getvalue())
    done = run(["import", "--json", str(path)], f"sqlite:///{tmp_path / 'g.db'}")
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["refused"] == []
    assert report["stored"] == {"new": 4}  # two score sheets and the book's two students
    assert report["rows"] == 2


def test_import_says_what_the_reconciliation_after_it_found_and_can_leave_it_for_later(tmp_path):
    """A vnEdu score book and the CSDL's list: two rosters to compare. ``--dry-run`` and
    ``--no-reconcile`` leave the register as it was; a plain import reconciles and says so."""
    fixtures = Path(__file__).parents[1] / "fixtures"
    files = [str(fixtures / "vnedu_so_diem_toan_6A1_hk1.xlsx"), str(fixtures / "csdl_danh_sach_hoc_sinh.xlsx")]
    year = {"LIENTHONG_SCHOOL_YEAR": "2026-2027"}  # the fixtures' school year
    later_db, now_db = f"sqlite:///{tmp_path / 'later.db'}", f"sqlite:///{tmp_path / 'now.db'}"

    def registered(db: str) -> int:
        engine = sa.create_engine(db)
        with engine.connect() as connection:
            count = connection.execute(sa.text("select count(*) from discrepancy where status = 'open'")).scalar_one()
        engine.dispose()
        return count

    tried = run(["import", "--dry-run", *files], later_db, **year)
    later = run(["import", "--no-reconcile", *files], later_db, **year)
    assert later.returncode == 1, later.stdout[-1000:]  # the score book's refused row (a date that does not exist)
    assert "đối chiếu lại" not in tried.stdout + later.stdout and registered(later_db) == 0
    counts = json.loads(run(["reconcile", "--format", "json"], later_db, **year).stderr)
    assert counts["new"] == counts["total"] > 0  # left for the reconcile typed later
    now = run(["import", *files], now_db, **year)
    said = RECONCILED.findall(now.stdout)
    assert now.returncode == 1 and said == [(str(counts["total"]), str(counts["total"]), "0")], now.stdout[-1500:]
    assert "Xem từng khác biệt: lienthong reconcile" in now.stdout and registered(now_db) == counts["total"]


def test_a_teacher_s_book_without_birth_dates_keeps_those_another_book_gave(school_files, imported, tmp_path):
    """The Toán books are hand-made without birth dates, the GDTC ones (vnEdu's layout) have them:
    whichever comes last, each student keeps the date (the matcher's for name-keyed rows), and a
    Toán book imported again with one score changed sends that one sheet to the reconciliation,
    not every student the other books named (each of them rewritten without a date, before)."""
    _, _, files, _ = school_files
    db = tmp_path / "school.db"
    shutil.copy(imported[0].removeprefix("sqlite:///"), db)

    def stored(sql: str) -> list[tuple]:
        engine = sa.create_engine(f"sqlite:///{db}")
        with engine.begin() as connection:
            result = connection.execute(sa.text(sql))
            rows = [tuple(row) for row in result] if result.returns_rows else []
        engine.dispose()
        return rows

    students = "FROM source_snapshot WHERE source = 'gradebook' AND entity = 'hoc_sinh'"
    assert stored(f"SELECT count(*), count(json_extract(payload, '$.ngay_sinh')) {students}") == [(500, 500)]
    book = next(f for f in files if f.name == "giaovien-TOAN-hk1.xlsx")  # the one without dates
    changed = load_workbook(book)
    sheet = changed.worksheets[0]
    cell = sheet["D5"]  # the first student's first score, written as the teacher types it ("5,5")
    assert sheet["D4"].value == "Miệng" and cell.value
    cell.value = "10" if cell.value != "10" else "9"
    changed.save(tmp_path / book.name)
    stored("DELETE FROM snapshot_change")
    done = run(["import", "--no-reconcile", str(tmp_path / book.name)], f"sqlite:///{db}")
    assert done.returncode == 0, done.stdout[-1500:]
    assert stored("SELECT entity, change FROM snapshot_change") == [("diem", "changed")]


def test_a_book_that_names_no_semester_is_read_as_the_one_in_progress_and_the_command_says_so(tmp_path):
    """A teacher's book titled only «SỔ ĐIỂM MÔN TOÁN — LỚP 6A1» was read as semester I in silence.
    ``lienthong import`` now reads it as the semester the school calendar is in when the book is of
    the configured (current) school year, with a note saying which and how to choose; a book of
    another year is refused, asking which semester it is (no semester is in progress to read it as:
    a semester II book read as semester I would stand for semester I's scores); ``--semester`` reads
    it as asked, without a note."""
    from datetime import datetime

    from lienthong.mapping.calendar import VN_TZ, school_year_of, semester_of
    from tests.workbooks import workbook

    book = tmp_path / "toan-6a1.xlsx"
    rows = [["SỔ ĐIỂM MÔN TOÁN — LỚP 6A1"], ["STT", "Họ và tên", "TX1", "GK", "CK"], [1, "Lê An", 8, 7, 9]]
    book.write_bytes(workbook({"6A1": rows}))
    today = datetime.now(VN_TZ).date()
    db = f"sqlite:///{tmp_path / 'truong.db'}"

    def read(year: str, *extra: str) -> dict:
        done = run(["import", "--dry-run", "--json", *extra, str(book)], db, LIENTHONG_SCHOOL_YEAR=year)
        assert done.returncode == 0, done.stderr
        (report,) = [json.loads(line) for line in done.stdout.splitlines()]
        return report

    def noted(report: dict) -> list[str]:
        return [n["note"] for n in report["notes"] if n["column"] == "Học kỳ"]

    now = read(school_year_of(today))
    assert now["semesters"] == [semester_of(today)]
    assert now["school_year"] == school_year_of(today)  # the book names none: the year it is stored as
    words = "I" if semester_of(today) == "1" else "II"
    assert noted(now) == [
        f"Tiêu đề của trang không ghi học kỳ («Học kỳ I/II»): đã đọc là học kỳ {words}, học kỳ đang diễn ra. "
        f"Nếu không phải, hãy nhập lại và chọn học kỳ (lienthong import --semester {3 - int(semester_of(today))}, "
        "hoặc ô Học kỳ khi tải tệp lên)."
    ]
    # a book of a year that is over names no semester in progress: refused whole, asking which it is
    refused = run(["import", "--dry-run", "--json", str(book)], db, LIENTHONG_SCHOOL_YEAR="2020-2021")
    (report,) = [json.loads(line) for line in refused.stdout.splitlines()]
    assert (
        refused.returncode == 2
        and report["stored"] == {}
        and "năm học 2020-2021 không phải năm học đang" in (report["error"])
    ), refused.stdout
    assert "--semester 1 hoặc --semester 2" in report["error"]
    past = read("2020-2021", "--semester", "1")
    assert past["semesters"] == ["1"] and noted(past) == []
    chosen = read(school_year_of(today), "--semester", "2")
    assert chosen["semesters"] == ["2"] and noted(chosen) == []


def test_a_name_difference_names_her_as_her_school_does_in_the_table_as_in_the_reports(school_files, imported):
    """The table named a child whose name differs as the CSDL spells it, the report by the school's
    own record: one child, two names. Both now name her as her school does and quote the other
    spelling; the JSON keeps the record as it was made (its message word for word)."""
    _, _, _, folder = school_files
    db, _ = imported
    out = folder / "names.jsonl"
    run(["reconcile", "--format", "json", "--out", str(out), "--overwrite"], db)
    named = [r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines()) if r["field"] == "ho_ten"]
    assert named
    table = run(["reconcile"], db, COLUMNS="400").stdout
    html = folder / "names.html"
    run(["reconcile", "--format", "html", "--out", str(html), "--overwrite"], db)
    page = html.read_text(encoding="utf-8")
    for record in named:
        ours, theirs = record["values"]["vnedu"], record["values"]["csdl"]
        assert record["student"]["name"] == theirs and f"em {theirs} (" in record["message"]  # as made
        said = record["message"].replace(f"em {theirs} (", f"em {ours} (", 1)
        assert said in table and said in page, (said, table[-2000:])
        assert f"em {theirs} (" not in table
