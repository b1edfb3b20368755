"""Issue 15's first "Must show": a test school built by our own generator (`generator.py`, written
from the issue, ``domain.md`` and the contracts, not from ``simulators/``), imported file by file
through ``lienthong import`` into a fresh SQLite store and reconciled with ``lienthong reconcile``.

What must hold:
- every file is recognised as the kind it is and read whole (no file refused, no row refused);
- every sheet of every file is listed by ``import --json`` (read, or skipped with the reason), and
  every column the generator added that carries nothing to use is listed as unused;
- the teachers' split tests are listed as unused with the ``--map`` hint until the school says how
  they add up, and read when it does;
- the reconciliation reports every injected difference and nothing else (precision and recall
  1.0, printed with the differences by kind when they are not);
- no student is linked to another one (vnEdu ↔ CSDL, teachers' rows ↔ vnEdu): 0 wrong links.

Run: ``.venv/bin/python -m pytest tests/school_files -q -s`` (``-s`` prints the figures).
"""

from __future__ import annotations

import json
import subprocess
import time
import unicodedata
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from lienthong.store.db import migrate
from tests.cli.test_assess_cli import lienthong
from tests.school_files.generator import (
    MAP_SPLIT,
    SUBJECTS,
    FileOut,
    School,
    build,
    fold,
    learning_level,
    year_training,
)

YEAR = "2025-2026"
SEED = 15


def run(args: list[str], db: str) -> subprocess.CompletedProcess:
    """The CLI on ``db`` as a school's IT person runs it (the database created first, as `db upgrade` does)."""
    if not Path(db.removeprefix("sqlite:///")).exists():
        migrate(db)
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "200", "LIENTHONG_SCHOOL_YEAR": YEAR}
    return subprocess.run([*lienthong(), "--db", db, *args], capture_output=True, timeout=900, env=env, text=True)


def reports_of(done: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def school_files(tmp_path_factory) -> tuple[School, list[FileOut], Path]:
    folder = tmp_path_factory.mktemp("truong")
    school, files = build(folder / "tep", seed=SEED)
    return school, files, folder


@pytest.fixture(scope="module")
def imported(school_files) -> tuple[str, dict[str, dict], float]:
    """Every file imported as a school might: the teachers' books first (before any roster: their rows
    wait to be linked), those with split tests with the school's ``--map``, then vnEdu's and the CSDL's."""
    _, files, folder = school_files
    db = f"sqlite:///{folder / 'truong.db'}"
    books = sorted((f for f in files if f.kind == "gradebook" and not f.args), key=lambda f: f.name)
    mapped = [f for f in files if f.args]
    rest = sorted((f for f in files if f.kind != "gradebook"), key=lambda f: f.name)
    started = time.perf_counter()
    done = [
        run(["import", "--json", *(str(f.path) for f in books)], db),  # before any roster: the rows wait
        run(["import", "--json", *mapped[0].args, *(str(f.path) for f in mapped)], db),
        run(["import", "--json", *(str(f.path) for f in rest)], db),
    ]
    elapsed = time.perf_counter() - started
    reports = {r["file"]: r for d in done for r in reports_of(d)}
    assert reports, "".join(d.stderr[-2000:] for d in done)
    print(f"\nimport of {len(files)} files ({len(school_files[0].students)} students): {elapsed:.1f} s")
    return db, reports, elapsed


# --- import: every file, sheet and column accounted for ----------------------------------------


def test_every_file_is_recognised_and_read_whole(school_files, imported):
    _, files, _ = school_files
    _, reports, _ = imported
    assert set(reports) == {f.name for f in files}, "every file has its line in import --json"
    errors = {name: r["error"] for name, r in reports.items() if r["error"]}
    assert not errors, f"files refused whole: {errors}"
    kinds = {f.name: (reports[f.name]["kind"], f.kind) for f in files if reports[f.name]["kind"] != f.kind}
    assert not kinds, f"files taken for another kind (found, expected): {kinds}"
    refused = {
        name: [(p["sheet"], p["cell"], p["value"], p["reason"]) for p in r["refused"]][:3]
        for name, r in reports.items()
        if r["refused"]
    }
    assert not refused, (
        "rows refused in files that hold only students' rows, a blank line and a signature line "
        f"(«Người lập biểu … Hiệu trưởng» below vnEdu's summary): {refused}"
    )


def test_every_sheet_of_every_file_is_listed_read_or_skipped(school_files, imported):
    _, files, _ = school_files
    _, reports, _ = imported
    wrong = {}
    for f in files:
        listed = {s["sheet"]: s["status"] for s in reports[f.name]["sheets"]}
        wanted = {s.name: "read" if s.read else "skipped" for s in f.sheets}
        if listed != wanted:
            wrong[f.name] = {"listed": listed, "written": wanted}
    assert not wrong, f"sheets not listed as written (read/skipped): {wrong}"
    skipped = [s for r in reports.values() for s in r["sheets"] if s["status"] == "skipped"]
    assert skipped and all(s.get("reason") for s in skipped), "a skipped sheet says why"


def test_every_column_the_generator_added_is_reported_unused(school_files, imported):
    _, files, _ = school_files
    _, reports, _ = imported
    lacking = {}
    for f in files:
        listed = {(u["sheet"], fold(u["column"])) for u in reports[f.name]["unused_columns"]}
        for sheet in (s for s in f.sheets if s.read):
            gone = [c for c in f.unused + sheet.unused if (sheet.name, fold(c)) not in listed]
            if gone:
                lacking.setdefault(f.name, {})[sheet.name] = gone
    assert not lacking, f"added columns not listed in unused_columns: {lacking}"
    every = [u for r in reports.values() for u in r["unused_columns"]]
    assert all(u.get("sheet") and u.get("cell") and u.get("reason") for u in every), "each says sheet, cell, why"


def test_split_tests_are_unused_with_the_hint_until_the_school_maps_them(school_files, imported, tmp_path):
    school, files, _ = school_files
    _, reports, _ = imported
    book = next(f for f in files if f.args)
    done = run(["import", "--dry-run", "--json", str(book.path)], f"sqlite:///{tmp_path / 'x.db'}")
    [dry] = reports_of(done)
    parts = [u for u in dry["unused_columns"] if u["column"] in ("GKTN", "GKTH", "CKTN", "CKTH")]
    sheets = [s.name for s in book.sheets]
    assert len(parts) == 4 * len(sheets), f"each part listed unused on each sheet: {parts}"
    assert all("--map" in u["reason"] for u in parts), parts[:2]
    mapped = reports[book.name]
    assert not [u for u in mapped["unused_columns"] if u["column"] in ("GKTN", "GKTH", "CKTN", "CKTH")], (
        f"with --map {MAP_SPLIT} the parts are read"
    )
    students = sum(len(school.in_class(c)) for c in school.gradebooks["KHTN"])
    assert mapped["rows"] == students


# --- reconciliation: exactly what was injected --------------------------------------------------


def signature_of(d: dict, by_vnedu: dict, by_ministry: dict) -> tuple:
    """A found discrepancy as (kind, student key, subject, semester, field), like `Injected.signature`."""
    keys = d["student"]["keys"]
    student = by_vnedu.get(keys.get("vnedu")) or by_ministry.get(keys.get("csdl"))
    kind, field, semester = d["kind"], d["field"], d["semester"]
    if kind == "identity_doubt":
        return (kind, None, None, None, f"{d['class']}:{fold(d['student']['name'])}")
    if kind in ("score_mismatch", "missing_score"):
        return (kind, student, d["subject"], semester, field)
    if kind == "average_mismatch":
        return (kind, student, d["subject"], semester, None)
    if kind == "result_mismatch":
        source = "vnedu_tonghop" if field.startswith("vnedu_tonghop") else "csdl"
        return (kind, student, None, semester, f"{source}:{field.rsplit('.', 1)[-1]}")
    if kind in ("bio_mismatch", "class_mismatch"):
        return (kind, student, None, None, field)
    if kind == "absence_mismatch":
        return (kind, student, None, semester, None)
    if kind == "missing_student":
        return (kind, student, None, None, None)
    return (kind, student, d.get("subject"), semester, field)


@pytest.fixture(scope="module")
def reconciled(school_files, imported) -> tuple[list[dict], dict, subprocess.CompletedProcess]:
    _, _, folder = school_files
    db, _, _ = imported
    out, summary = folder / "khac_biet.jsonl", folder / "tom_tat.json"
    started = time.perf_counter()
    done = run(["reconcile", "--format", "json", "--out", str(out), "--summary", str(summary)], db)
    print(f"reconcile: {time.perf_counter() - started:.1f} s")
    assert out.exists(), done.stdout[-2000:] + done.stderr[-3000:]
    found = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    return found, json.loads(summary.read_text(encoding="utf-8")), done


def _by_kind(signatures) -> dict[str, list]:
    grouped: dict[str, list] = defaultdict(list)
    for s in sorted(signatures, key=str):
        grouped[s[0]].append(s[1:])
    return dict(grouped)


def test_reconciliation_reports_every_injected_difference_and_nothing_else(school_files, reconciled):
    school, _, _ = school_files
    found, summary, done = reconciled
    by_vnedu = {s.vnedu_id: s.key for s in school.students}
    by_ministry = {s.ministry_id: s.key for s in school.students if s.ministry_id}
    expected, required = school.expected, school.required
    signatures = [signature_of(d, by_vnedu, by_ministry) for d in found]
    tolerated = {("identity_doubt", None, None, None, f"{c}:{fold(w)}") for _, c, w in school.written_as}
    doubted = sorted(s for s in set(signatures) & tolerated)
    got = set(signatures) - tolerated  # a name the teacher wrote her own way: linked right, or a doubt
    precision = len(expected & got) / len(got) if got else 0.0
    recall = len(required & got) / len(required)
    print(
        f"\ninjected {len(required)} differences (+{len(expected - required)} beyond issue 15's list), found "
        f"{len(found)} records ({len(got)} distinct): precision {precision:.3f}, recall {recall:.3f}"
    )
    print(f"names written otherwise ({len(tolerated)}), left as doubts: {doubted}")
    print(
        "found by kind:",
        dict(Counter(d["kind"] for d in found)),
        "expected by kind:",
        dict(Counter(e[0] for e in expected)),
    )
    missed, extra = _by_kind(required - got), _by_kind(got - expected)
    for kind, items in missed.items():
        print(f"  MISSED {kind} ×{len(items)}: {items[:6]}")
    for kind, items in extra.items():
        print(f"  EXTRA  {kind} ×{len(items)}: {items[:6]}")
    what = {i.signature: i.what for i in school.injected}
    assert done.returncode == 1, done.stderr[-2000:]
    assert recall == 1.0, "injected but not reported: " + "; ".join(
        f"{s} ({what.get(s, '')})" for s in sorted(required - got, key=str)
    )
    assert precision == 1.0, f"reported though not injected, by kind: { {k: v[:5] for k, v in extra.items()} }"
    duplicates = [s for s, n in Counter(signatures).items() if n > 1 and s[0] != "identity_doubt"]
    assert not duplicates, f"one difference reported more than once: {duplicates[:5]}"


def _read_back(text):
    """A value as a discrepancy shows it («8,5», «7,0», «(trống)», «Đ») as a comparable value."""
    if text in (None, "(trống)"):
        return None
    try:
        return Decimal(str(text).replace(",", "."))
    except ArithmeticError:
        return text


def test_score_differences_show_the_teachers_and_vneduss_values(school_files, reconciled):
    """Each score difference names the cell's two values as the files hold them (8,5 against 5,8)."""
    school, _, _ = school_files
    found, _, _ = reconciled
    by_vnedu = {s.vnedu_id: s.key for s in school.students}
    wrong = []
    for d in found:
        if d["kind"] not in ("score_mismatch", "missing_score"):
            continue
        key = (by_vnedu.get(d["student"]["keys"].get("vnedu")), d["subject"], d["semester"])
        if key not in school.vnedu_marks:
            wrong.append((d["id"], d["values"]))
            continue
        truth = {"vnedu": school.vnedu_marks[key].get(d["field"])}
        if "gradebook" in d["values"]:
            truth["gradebook"] = school.teacher_marks[key].get(d["field"])
        shown = {k: _read_back(v) for k, v in d["values"].items()}
        if shown != truth:
            wrong.append((key, d["field"], shown, truth))
    assert not wrong, f"values not as the files hold them: {wrong[:5]}"


def test_the_summary_counts_what_was_found_and_the_checks_that_ran(school_files, reconciled):
    school, _, _ = school_files
    found, summary, _ = reconciled
    assert summary["total"] == len(found) and sum(summary["by_kind"].values()) == len(found)
    assert summary["compared"] is True
    assert {"students", "scores", "averages", "absences", "missing_scores"} <= set(summary["checks"]), summary
    skipped = [s for s in summary["skipped"] if s["check"] not in ("training", "scores")]
    assert not skipped, f"checks said skipped though the files hold what they need: {skipped}"
    [scores] = [s["reason"] for s in summary["skipped"] if s["check"] == "scores"]
    without = [s.name for s in SUBJECTS if s.code not in school.gradebooks]
    named = [s.name for s in SUBJECTS if s.name in scores]
    assert named == without, f"the subjects with no teacher's book: {scores}"


def test_semester_training_is_checked_from_vnedus_semester_summaries(school_files, reconciled):
    """Beyond issue 15's list: vnEdu's semester summaries carry each semester's KQ rèn luyện (the GVCN's),
    so a file-only school's semester training can be checked against the CSDL's."""
    school, _, _ = school_files
    found, summary, _ = reconciled
    by_vnedu = {s.vnedu_id: s.key for s in school.students}
    by_ministry = {s.ministry_id: s.key for s in school.students if s.ministry_id}
    got = {signature_of(d, by_vnedu, by_ministry) for d in found}
    pending = [i for i in school.injected if i.pending]
    training = [s for s in summary["skipped"] if s["check"] == "training"]
    missed = [f"{i.signature} ({i.what})" for i in pending if i.signature not in got]
    assert not missed and not training, (
        f"not reported: {missed}; needs {pending[0].pending}. The summary says the training check was "
        f"skipped: {training}"
    )


def test_each_class_has_its_gvcn_from_vnedus_summary_titles(school_files, imported):
    school, _, _ = school_files
    db, _, _ = imported
    done = run(["classes", "list", "--json"], db)
    classes = {c["class"]: c for c in reports_of(done)}
    named = {code: (classes.get(code) or {}).get("gvcn") for code in school.classes}
    assert named == school.homeroom, (named, done.stderr[-1000:])


def _name_key(text: str) -> str:
    """Names compared as people read them: NFC/NFD, case, Ð for Đ and tone placement folded."""
    words = []
    text = unicodedata.normalize("NFC", text.replace("\u00d0", "Đ").replace("\u00f0", "đ")).casefold()
    for word in text.split():
        decomposed = unicodedata.normalize("NFD", word)
        tones = "".join(sorted(ch for ch in decomposed if ch in "\u0300\u0301\u0303\u0309\u0323"))
        base = "".join(ch for ch in decomposed if ch not in "\u0300\u0301\u0303\u0309\u0323")
        words.append(unicodedata.normalize("NFC", base) + tones)
    return " ".join(words)


def test_no_student_is_linked_to_another(school_files, imported):
    """0 wrong links: vnEdu's students to the CSDL's, and every teacher's row to vnEdu's student."""
    from lienthong.reconciliation.compare import link_students
    from lienthong.reconciliation.owner_links import link_owner
    from lienthong.reconciliation.service import load_sources
    from lienthong.store.db import make_engine

    school, _, _ = school_files
    db, _, _ = imported
    sources = load_sources(make_engine(db))
    vnedu, csdl, book = sources["vnedu"], sources["csdl"], sources["gradebook"]
    links = link_students(vnedu, csdl, [])
    by_vnedu = {s.vnedu_id: s for s in school.students}
    by_ministry = {s.ministry_id: s for s in school.students if s.ministry_id}
    by_key = {s.key: s for s in school.students}
    wrong = [(v, m) for v, m in links.items() if by_vnedu[v].ministry_id != m]
    should = {s.vnedu_id for s in school.students if s.in_vnedu and s.in_csdl}
    unlinked = sorted(should - set(links))
    owner = link_owner(book, vnedu, csdl, links)
    by_class_name: dict[tuple[str, str], list] = defaultdict(list)
    for s in school.students:
        if s.in_vnedu:
            by_class_name[(s.class_code, _name_key(s.name))].append(s)
    wrong_rows, unknown = [], []
    written = {(c, _name_key(w)): by_key[k] for k, c, w in school.written_as}
    for key, student in book.students.items():
        truth = by_vnedu.get(student.links.get("vnedu")) or by_ministry.get(student.ministry_id)
        truth = truth or written.get((student.class_code, _name_key(student.full_name)))
        if truth is None:
            alike = by_class_name.get((student.class_code, _name_key(student.full_name)), [])
            truth = alike[0] if len(alike) == 1 else None
        if truth is None:
            unknown.append(key)
            continue
        linked = owner.keys.get(key)
        if linked is not None and linked != truth.vnedu_id:
            wrong_rows.append((key, linked, truth.vnedu_id))
    doubted = {i.field for i in school.injected if i.kind == "identity_doubt"}  # "6A1:nguyen minh anh"
    doubted |= {f"{c}:{fold(w)}" for _, c, w in school.written_as}  # linked right, or a doubt
    in_doubt = {k for k, s in book.students.items() if f"{s.class_code}:{fold(s.full_name)}" in doubted}
    unlinked_rows = [k for k in book.students if k not in owner.keys and k not in in_doubt]
    print(
        f"\nlinks vnEdu→CSDL: {len(links)} (wrong {len(wrong)}, not linked {len(unlinked)}); teachers' rows: "
        f"{len(owner.keys)} of {len(book.students)} (wrong {len(wrong_rows)}, not linked {len(unlinked_rows)}); "
        f"ways {dict(owner.ways)}"
    )
    assert not wrong and not wrong_rows, f"wrong links: vnEdu→CSDL {wrong[:5]}; rows→vnEdu {wrong_rows[:5]}"
    assert not unlinked, f"vnEdu students with a CSDL record left unlinked: {unlinked[:5]}"
    assert not unlinked_rows, f"teachers' rows left unlinked (not namesakes): {unlinked_rows[:5]}"
    assert set(unknown) <= in_doubt, f"rows the test cannot place: {sorted(set(unknown) - in_doubt)[:5]}"
    assert {"code", "ministry_id", "name"} <= set(owner.ways), f"rows linked each way the books key them: {owner.ways}"


# --- the generator's own Circular 22 (the oracle), on domain.md's examples -----------------------


@pytest.mark.parametrize(
    "scores, marks, level",
    [
        ([8.5] * 7 + [4.0], ["Đ"] * 4, "K"),  # Đạt by the table → Khá (one subject)
        ([8.5] * 7 + [3.0], ["Đ"] * 4, "Đ"),  # Chưa đạt → Đạt
        ([8.5] * 8, ["Đ"] * 3 + ["CĐ"], "K"),  # one comment subject CĐ: Đạt → Khá
        ([8.5] * 8, ["Đ"] * 4, "T"),
        ([7.0] * 8, ["Đ"] * 4, "K"),
        ([5.0] * 6 + [3.5, 4.0], ["Đ"] * 4, "Đ"),
        ([4.0] * 8, ["Đ"] * 4, "CĐ"),
    ],
)
def test_the_oracle_follows_domain_md(scores, marks, level):
    assert learning_level([Decimal(str(s)) for s in scores], marks) == level


def test_the_oracle_year_training_follows_the_table():
    table = {
        ("T", "T"): "T",
        ("K", "T"): "T",
        ("Đ", "T"): "K",
        ("CĐ", "T"): "K",
        ("T", "K"): "K",
        ("Đ", "K"): "K",
        ("CĐ", "K"): "Đ",
        ("T", "Đ"): "K",
        ("K", "Đ"): "Đ",
        ("CĐ", "Đ"): "Đ",
        ("T", "CĐ"): "CĐ",
    }
    assert {k: year_training(*k) for k in table} == table
