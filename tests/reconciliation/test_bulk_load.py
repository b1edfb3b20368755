"""Reconciliation reads the store in bulk and each score once (issue 16, items 2 and 3).

- `load_sources` reads each source with one query, rows as tuples and payloads decoded by orjson,
  with the collector paused, and says when each source was last read from the same rows: what
  the per-entity reads and the register's own `last_seen` query gave.
- Score sheets are compared by their values as read (``7,5`` is ``7.5``): only sheets whose
  values differ are diffed cell by cell; each sheet is read once, and each student's semester
  assessed once for the average check, the semester's learning level and the year's. The
  findings are those each check gives computing alone.
"""

from __future__ import annotations

import gc
from datetime import date, datetime, timedelta
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from lienthong.assessment.engine import StudentYear, assess_semester, assess_student
from lienthong.mapping import catalogs, vnedu
from lienthong.mapping.canonical import Student
from lienthong.mapping.errors import MappingError
from lienthong.mapping.registry import canonical
from lienthong.mapping.vnedu import score_cells, sheet_values
from lienthong.reconciliation import authority, compare, year
from lienthong.reconciliation.compare import SheetTable, reconcile
from lienthong.reconciliation.service import load_sources
from lienthong.reconciliation.year import ParsedSheets, entered_subjects
from lienthong.simulators.school import generate_school
from lienthong.simulators.views import as_stored, build_platform_data
from lienthong.store import queries
from lienthong.store.plain import Plain, opened
from lienthong.store.reconcile_queries import school_payloads
from lienthong.store.repository import SnapshotRecord, snapshot_versions, upsert_snapshots

AUTUMN, YEAR_END = date(2026, 11, 23), date(2026, 6, 15)
SEEN = datetime(2026, 11, 20, 8, 30, 15, 250000)


def stored_school(today: date, seed: int = 3, students: int = 240) -> dict:
    """A generated school's stored pulls, the gradebook's scores written with a point (as an
    imported book writes them) where vnEdu writes a comma."""
    school = generate_school(seed, students, today)
    stored = as_stored(school, build_platform_data(school, seed))
    for sheet in stored["gradebook"]["diem"].values():
        sheet["ddg_tx"] = [v.replace(",", ".") if isinstance(v, str) else v for v in sheet["ddg_tx"]]
        for cell in ("ddg_gk", "ddg_ck"):
            if isinstance(sheet[cell], str):
                sheet[cell] = sheet[cell].replace(",", ".")
    return stored


def as_json(found) -> list[dict]:
    return [d.as_json() for d in found]


def keep(engine, stored: dict, seen: datetime = SEEN) -> dict[str, datetime]:
    """Every payload stored, each entity of each source read a minute apart (``seen_at``);
    returns when each source was last read."""
    at, last = seen, {}
    with Session(engine) as session:
        for source, entities in stored.items():
            for entity, payloads in entities.items():
                records = [SnapshotRecord(source, entity, key, 1, payload) for key, payload in payloads.items()]
                upsert_snapshots(session, records, at)
                last[source] = at
                at += timedelta(minutes=1, microseconds=1)
        session.commit()
    return last


def with_results_to_check(stored: dict) -> dict:
    """Results that recomputation must catch (levels, averages, titles, promotions), and score
    sheets it cannot recompute from (a value that is no score, an assessment short)."""
    levels = {"T": "K", "K": "Đ", "Đ": "CĐ", "CĐ": "T"}
    for i, (key, result) in enumerate(sorted(stored["csdl"]["ket_qua"].items())):
        if i % 7 == 0 and result.get("KetQuaHocTap"):
            result["KetQuaHocTap"] = levels[result["KetQuaHocTap"]]
        if i % 5 == 0:
            for subject in result["Mon"]:
                if subject.get("DiemTB") not in (None, "10.0"):
                    subject["DiemTB"] = f"{float(subject['DiemTB']) + 0.1:.1f}"
                    break
        if key.endswith(":CN") and i % 3 == 0:
            result["DanhHieu"] = "G" if result.get("DanhHieu") is None else None
            result["LenLop"] = "KTL" if result.get("LenLop") == "LL" else "LL"
    for i, (_, sheet) in enumerate(sorted(stored["vnedu"]["diem"].items())):
        if i % 97 == 0 and sheet["ddg_tx"]:
            sheet["ddg_tx"] = [*sheet["ddg_tx"][:-1], "x"]
        elif i % 89 == 0:
            sheet["ddg_tx"] = sheet["ddg_tx"][:1]
    return stored


# --- the bulk load ------------------------------------------------------------------------


def test_one_query_per_source_reads_what_each_entity_s_query_read(engine):
    stored = stored_school(AUTUMN, students=90)
    stored["vnedu"]["lop"] = {"6A1": {"ma_lop": "6A1"}}
    stored["vnedu"]["not_read"] = {"x": {"late": True}}  # an entity no mapping reads: still a read of vnEdu
    last = keep(engine, stored)
    with Session(engine) as session, opened(session) as db:
        register = queries.last_seen(session)
        asked = {source: (*(e for e in entities if e != "not_read"), "tong_hop") for source, entities in stored.items()}
        everything = school_payloads(db, {**asked, "nobody": ("diem",)})
        for source, entities in asked.items():
            got = everything[source]
            for entity in entities[:-1]:
                versions = snapshot_versions(session, source, entity)
                assert got.payloads[entity] == {k: p for k, (_, p) in versions.items()}
                assert list(got.payloads[entity]) == sorted(versions)  # keys in code-point order
            assert got.payloads["tong_hop"] == {}  # asked, none stored
            assert "not_read" not in got.payloads
            assert got.seen_at == register[source]
            assert got.seen_at.replace(tzinfo=None) == last[source]  # to the microsecond, as stored
        assert everything["nobody"] == ({"diem": {}}, None)


def test_load_sources_reads_each_source_once_and_says_when_it_was_last_read(engine):
    stored = stored_school(AUTUMN, students=90)
    keep(engine, stored)
    statements: list[str] = []
    real = Plain.rows

    def seen(self, statement, *args):
        if "source_snapshot" in statement:
            statements.append(statement)
        return real(self, statement, *args)

    with mock.patch.object(Plain, "rows", seen):
        sources = load_sources(engine)
    payloads = [s for s in statements if "payload" in s]
    assert len(payloads) == len(sources) == 4  # vnEdu, CSDL, the portal, the gradebooks
    assert len(statements) == len(sources) + 1  # and one for every source's last reading (`source_read`)
    with Session(engine) as session:
        assert sources.seen == queries.last_seen(session)
    # the same records as the stored payloads mapped in memory
    assert as_json(reconcile(sources, "2026-2027", None, AUTUMN)) == as_json(
        reconcile(stored, "2026-2027", None, AUTUMN)
    )


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_while_loading_and_left_as_it_was(sqlite_engine, enabled):
    keep(sqlite_engine, stored_school(AUTUMN, students=40))
    paused = []
    real = school_payloads

    def watched(*args):
        paused.append(not gc.isenabled())
        return real(*args)

    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("lienthong.reconciliation.service.school_payloads", watched)
            load_sources(sqlite_engine)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
        gc.unfreeze()
    assert paused and all(paused)


# --- each score read once -----------------------------------------------------------------


def test_sheets_alike_but_for_their_decimal_sign_are_set_aside_before_the_cell_diff(monkeypatch):
    stored = stored_school(AUTUMN)
    owner, target = stored["gradebook"]["diem"], stored["vnedu"]["diem"]
    shared = [k for k in owner if k in target]
    typed_apart = [k for k in shared if _typed(owner[k]) != _typed(target[k])]
    differ = [k for k in shared if _read(owner, k) != _read(target, k)]
    assert len(typed_apart) > 10 * len(differ) > 0  # most sheets differ only by how a score is written

    parsed = []
    real = authority.score_cells
    monkeypatch.setattr(authority, "score_cells", lambda sheet, c: parsed.append(1) or real(sheet, c))
    sources = canonical(stored)
    for name in ("gradebook", "vnedu"):
        sources[name].sheets = SheetTable(sources[name].sheets)
    found = reconcile(sources, "2026-2027", None, AUTUMN)
    assert len(parsed) == 2 * len(differ)  # both sides of each differing sheet, nothing else
    assert {d.keys["vnedu"] + ":" + d.subject + ":1" for d in found if d.kind == "score_mismatch"} <= set(differ)


def _typed(sheet: dict) -> tuple:
    return tuple(sheet["ddg_tx"]), sheet["ddg_gk"], sheet["ddg_ck"]


def _read(sheets: dict, key: str) -> dict:
    return score_cells(sheets[key], catalogs.subject(key.split(":")[1]).by_comment)


def test_a_sheet_table_hands_its_values_on_without_reading_a_sheet_again(monkeypatch):
    stored = stored_school(AUTUMN, students=90)
    table = SheetTable(stored["vnedu"]["diem"])
    assert table.differing(SheetTable(dict(table))) == []  # digested: every sheet read once
    reads = []
    monkeypatch.setattr(year, "sheet_values", lambda *a: reads.append(a) or sheet_values(*a))
    sheets = ParsedSheets(table)
    for key in table:
        by_comment = catalogs.subject(key.split(":")[1]).by_comment
        assert sheets.values(key, by_comment) == sheet_values(table[key], by_comment)
    assert reads == []
    assert ParsedSheets(table).values(key, not by_comment) == sheet_values(table[key], not by_comment)
    assert len(reads) == 1  # read otherwise than the digest did: read again, as asked


def test_a_cell_s_text_is_read_once_and_only_text_is_remembered():
    assert vnedu._cell_value("1", False) == 1
    assert vnedu._cell_value(True, False) == ("?", "True")  # True == 1 as a key, not as a score
    assert vnedu._cell_value(1.0, False) == 1
    assert vnedu._cell_value("Đạt", True) == "Đ" and vnedu._cell_value("Đạt", False) == ("?", "Đạt")
    for i in range(vnedu._CELL_TEXTS_KEPT + 100):  # unreadable texts are without end: the memory is not
        assert vnedu._cell_value(f"x{i}", False) == ("?", f"x{i}")
    assert all(len(known) <= vnedu._CELL_TEXTS_KEPT for known in vnedu._CELL_TEXTS)
    assert vnedu._cell_value("x0", False) == ("?", "x0")


# --- each semester assessed once ----------------------------------------------------------

CELL = st.sampled_from([None, "", "5", "6,5", "7.5", "8", "9,5", "10", "3", "Đ", "CĐ", "x"])
SHEET = st.fixed_dictionaries({"ddg_tx": st.lists(CELL, max_size=4), "ddg_gk": CELL, "ddg_ck": CELL})
SUBJECTS = list(catalogs.subjects())


@st.composite
def student_sheets(draw):
    """One student's sheets for both semesters: all complete and readable, or some not."""
    messy = draw(st.sampled_from([0, 3, 30]))  # in a hundred: how often a sheet is missing or odd
    sheets = {}
    for code in SUBJECTS:
        marks = catalogs.subject(code).by_comment
        for semester in ("1", "2"):
            odd = draw(st.integers(0, 99)) < messy
            if odd and draw(st.booleans()):
                continue  # no sheet
            if odd:
                sheet = draw(SHEET)
            else:  # complete
                value = st.sampled_from(["Đ", "CĐ"] if marks else ["4", "5,5", "6.5", "8", "8,5", "9", "10"])
                sheet = {"ddg_tx": draw(st.lists(value, min_size=4, max_size=4)), "ddg_gk": draw(value)}
                sheet["ddg_ck"] = draw(value)
            sheets[f"s1:{code}:{semester}"] = sheet
    return sheets


@settings(max_examples=150, deadline=None)
@given(sheets=student_sheets(), grade=st.sampled_from([6, 7, 8, 9, 5]), table=st.booleans())
def test_the_semesters_assessed_once_give_what_each_check_computed_alone(sheets, grade, table):
    school_year = "2025-2026"
    shared = ParsedSheets(SheetTable(sheets) if table else sheets)
    alone = ParsedSheets(dict(sheets))
    # the year: as `assess_student` gives it
    subjects = entered_subjects(alone, "s1", ("1", "2"))
    try:
        expected = None if subjects is None else assess_student(StudentYear(school_year, grade, subjects))
    except MappingError:
        expected = None
    got = year._year(shared, "s1", school_year, grade)
    assert (got is None) == (expected is None)
    if got is not None:
        assert got.learning["cn"] == expected.learning["cn"]
        assert {c: v["cn"] for c, v in got.subjects.items()} == {c: v["cn"] for c, v in expected.subjects.items()}
    for semester in ("1", "2"):
        # the semester's level: as `assess_semester` gives it
        subjects = entered_subjects(alone, "s1", (semester,))
        try:
            level = None if subjects is None else assess_semester(school_year, grade, subjects, f"hk{semester}")[1]
        except MappingError:
            level = None
        assert compare._semester_level(shared, "s1", grade, school_year, semester) == level
        # each average the assessment holds: as recomputed from the sheet alone
        assessed = compare._assessed(
            shared, "s1", Student.model_construct(class_code=f"{grade}A1"), school_year, semester
        )
        for code in SUBJECTS:
            values = alone.values(f"s1:{code}:{semester}", False)
            if assessed is not None and not catalogs.subject(code).by_comment and assessed[0][code] is not None:
                assert assessed[0][code] == compare._recomputed(values)


def test_reconciling_a_year_gives_what_each_check_computing_alone_gave(monkeypatch):
    """The whole reconciliation of a school at the year's end (both semesters, year results):
    the same findings when the averages, the semesters' levels and the year are each computed
    alone, from the sheets, as before they were shared."""
    stored = with_results_to_check(stored_school(YEAR_END, seed=5, students=300))

    def run() -> list[dict]:
        sources = canonical(stored)
        for name in ("gradebook", "vnedu"):
            sources[name].sheets = SheetTable(sources[name].sheets)
        return as_json(reconcile(sources, "2025-2026", None, YEAR_END))

    shared = run()
    assert {d["kind"] for d in shared} >= {"average_mismatch", "result_mismatch", "score_mismatch"}
    year_fields = {d["field"].rsplit(".", 1)[-1] for d in shared if d["semester"] == "CN"}
    assert year_fields >= {"KetQuaHocTap", "DanhHieu"}

    def level_alone(sheets, key, grade, school_year, semester):
        subjects = entered_subjects(ParsedSheets(sheets.raw), key, (semester,))
        try:
            return None if subjects is None else assess_semester(school_year, grade, subjects, f"hk{semester}")[1]
        except MappingError:
            return None

    def year_alone(sheets, key, school_year, grade):
        subjects = entered_subjects(ParsedSheets(dict(sheets.raw)), key, ("1", "2"))
        try:
            return None if subjects is None else assess_student(StudentYear(school_year, grade, subjects))
        except MappingError:
            return None

    monkeypatch.setattr(compare, "_assessed", lambda *a: None)  # every average from its sheet alone
    monkeypatch.setattr(compare, "_semester_level", level_alone)
    monkeypatch.setattr(year, "_year", year_alone)
    assert run() == shared
