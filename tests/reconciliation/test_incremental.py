"""Incremental reconciliation (issue 16, item 4): after a sync, only the students whose stored
records changed are recomputed, and what a person reads is what a full run gives.

Two copies of one generated school's database live the same history: every change set is
written to both, then one reconciles as the daemon does (incrementally) and the other with
``--full``. The findings (ids, kinds, messages, values, order), the summary and the register's
statuses must be equal, on random change sets: scores on either side, results, training
levels, absences, bios, students added and removed.
"""

from __future__ import annotations

import copy
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from subprocess import PIPE
from unittest import mock

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from lienthong.cli import errors, exits
from lienthong.reconciliation import service
from lienthong.simulators.school import generate_school
from lienthong.store import queries, reconcile_queries, school_lock
from lienthong.store.db import make_engine, migrate
from lienthong.store.repository import SnapshotRecord, upsert_snapshots
from lienthong.store.tables import SourceSnapshotRow
from tests.reconciliation.test_bulk_load import AUTUMN, YEAR_END, keep, stored_school, with_results_to_check

STUDENTS = 72
LATER = datetime(2026, 11, 21, 9, 0)


def _school(today: date) -> dict:
    """The generated school's stored records, with results to catch, and a teacher's book of the
    first class keyed by name only (its rows linked to the school's students by name)."""
    stored = with_results_to_check(stored_school(today, students=STUDENTS))
    roster = {}
    first = sorted(stored["vnedu"]["hoc_sinh"].items())[:12]
    for i, (key, student) in enumerate(first):
        name = f"r{i:02d}"
        roster[name] = {
            "ho_ten": student["ho_ten"],
            "ngay_sinh": student["ngay_sinh"],
            "ma_lop": student["ma_lop"],
            "ma_hoc_sinh": None,
            "ma_dinh_danh": None,
            "so_dinh_danh": None,
        }
        for sheet_key in [k for k in stored["gradebook"]["diem"] if k.startswith(f"{key}:")]:
            stored["gradebook"]["diem"][f"{name}:{sheet_key.split(':', 1)[1]}"] = stored["gradebook"]["diem"].pop(
                sheet_key
            )
    stored["gradebook"]["hoc_sinh"] = roster
    return stored


class _Templates(dict):
    def __repr__(self) -> str:  # hypothesis shows its arguments: not the school's records
        return "templates"


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[date, tuple[Path, dict, str]]:
    """One migrated database per day (autumn: semester 1 running; June: the year's results),
    holding the school's records: (file, the records, the school year)."""
    out = _Templates()
    for today in (AUTUMN, YEAR_END):
        path = tmp_path_factory.mktemp("incremental") / f"{today:%m%d}.db"
        migrate(f"sqlite:///{path}")
        engine = make_engine(f"sqlite:///{path}")
        stored = _school(today)
        keep(engine, stored)
        engine.dispose()
        out[today] = (path, stored, generate_school(3, STUDENTS, today).school_year)
    return out


@contextmanager
def _copies(template: Path, folder: Path):
    """Two databases with the template's content: the daemon's (incremental) and the full one's."""
    engines = []
    for name in ("incremental.db", "full.db"):
        shutil.copy(template, folder / name)
        engines.append(make_engine(f"sqlite:///{folder / name}"))
    try:
        yield engines
    finally:
        for engine in engines:
            engine.dispose()


class _Changes:
    """Random changes to the stored records, written alike to each database."""

    def __init__(self, stored: dict, rng: random.Random):
        self.stored, self.rng, self.version = copy.deepcopy(stored), rng, 10
        self.written: list[tuple[str, str, str, dict | None]] = []  # (source, entity, key, payload or None: removed)

    def _put(self, source: str, entity: str, key: str, payload: dict | None) -> None:
        rows = self.stored[source].setdefault(entity, {})
        if payload is None:
            rows.pop(key, None)
        else:
            rows[key] = payload
        self.written.append((source, entity, key, payload))

    def _pick(self, source: str, entity: str) -> str | None:
        keys = sorted(self.stored[source].get(entity, {}))
        return self.rng.choice(keys) if keys else None

    def score(self, source: str) -> None:
        key = self._pick(source, "diem")
        if key is None:
            return
        sheet = copy.deepcopy(self.stored[source]["diem"][key])
        value = self.rng.choice(["5", "7,5", "8.5", "10", None, "x", "Đ"])
        cell = self.rng.choice(["tx", "ddg_gk", "ddg_ck"])
        if cell == "tx":
            tx = list(sheet["ddg_tx"]) or [None]
            tx[self.rng.randrange(len(tx))] = value
            sheet["ddg_tx"] = tx
        else:
            sheet[cell] = value
        self._put(source, "diem", key, sheet)

    def result(self) -> None:
        key = self._pick("csdl", "ket_qua")
        if key is None:
            return
        result = copy.deepcopy(self.stored["csdl"]["ket_qua"][key])
        what = self.rng.choice(["level", "average", "absent", "training"])
        if what == "level":
            result["KetQuaHocTap"] = self.rng.choice(["T", "K", "Đ", "CĐ"])
        elif what == "training":
            result["KetQuaRenLuyen"] = self.rng.choice(["T", "K", "Đ", "CĐ"])
        elif what == "absent":
            result["SoBuoiNghiCoPhep"] = self.rng.randrange(4)
        else:
            subject = self.rng.choice(result["Mon"])
            if "DiemTB" in subject:
                subject["DiemTB"] = f"{self.rng.randrange(30, 100) / 10:.1f}"
        self._put("csdl", "ket_qua", key, result)

    def training(self) -> None:
        key = self._pick("vnedu", "hanh_kiem")
        if key is not None:
            level = self.rng.choice(["T", "K", "Đ", "CĐ"])
            self._put("vnedu", "hanh_kiem", key, {**self.stored["vnedu"]["hanh_kiem"][key], "ket_qua_ren_luyen": level})

    def absence(self) -> None:
        if self.rng.random() < 0.5:
            key = self._pick("vnedu", "diem_danh")
            if key is not None:
                self._put("vnedu", "diem_danh", key, None)
            return
        student = self._pick("vnedu", "hoc_sinh")
        day = f"{self.rng.randrange(1, 28):02d}/{self.rng.choice((10, 11, 12))}/2026"  # some after AUTUMN
        if student is not None:
            payload = {"ma_hoc_sinh": student, "ngay": day, "buoi": "S", "loai": self.rng.choice("PK"), "ly_do": ""}
            self._put("vnedu", "diem_danh", f"{student}:{day}:S", payload)

    def bio(self, placed: bool = True) -> None:
        """A name or a birth date changed (or, with ``placed``, a class)."""
        source, name_field, class_field, born = self.rng.choice(
            [
                ("vnedu", "ho_ten", "ma_lop", "ngay_sinh"),
                ("csdl", "HoTen", "MaLop", "NgaySinh"),
                ("gradebook", "ho_ten", "ma_lop", "ngay_sinh"),
            ]
        )
        key = self._pick(source, "hoc_sinh")
        if key is None:
            return
        student = dict(self.stored[source]["hoc_sinh"][key])
        what = self.rng.random()
        if what < 0.4:
            student[name_field] = student[name_field][:-1] + self.rng.choice("anh")
        elif what < 0.7 or not placed:  # the day and month swapped, or a day off
            day = student[born]
            if "/" in day:
                d, m, y = day.split("/")
                student[born] = (
                    f"{m}/{d}/{y}" if int(m) <= 12 and self.rng.random() < 0.5 else f"{(int(d) % 28) + 1:02d}/{m}/{y}"
                )
            else:
                y, m, d = day.split("-")
                student[born] = (
                    f"{y}-{d}-{m}" if int(d) <= 12 and self.rng.random() < 0.5 else f"{y}-{m}-{(int(d) % 28) + 1:02d}"
                )
        else:
            student[class_field] = self.rng.choice(["6A1", "6A2", "7A1"])
        self._put(source, "hoc_sinh", key, student)

    def name(self) -> None:
        self.bio(placed=False)

    def add_student(self) -> None:
        key = self._pick("vnedu", "hoc_sinh")
        if key is None:
            return
        new = f"9{self.rng.randrange(10**8, 10**9)}"
        student = {**self.stored["vnedu"]["hoc_sinh"][key], "ma_hoc_sinh": new, "ma_dinh_danh_bo": None}
        student["ho_ten"] = student["ho_ten"].split()[0] + " Văn Mới"
        student["so_dinh_danh_ca_nhan"] = None
        self._put("vnedu", "hoc_sinh", new, student)
        for sheet_key in [k for k in self.stored["vnedu"]["diem"] if k.startswith(f"{key}:")][:3]:
            sheet = {**self.stored["vnedu"]["diem"][sheet_key], "ma_hoc_sinh": new}
            self._put("vnedu", "diem", f"{new}:{sheet_key.split(':', 1)[1]}", sheet)

    def remove_student(self) -> None:
        source = self.rng.choice(["vnedu", "csdl"])
        key = self._pick(source, "hoc_sinh")
        if key is None:
            return
        for entity, rows in self.stored[source].items():
            for stored_key in [k for k in rows if k == key or k.startswith(f"{key}:")]:
                self._put(source, entity, stored_key, None)

    def remove_sheet(self) -> None:
        key = self._pick("vnedu", "diem")
        if key is not None:
            self._put("vnedu", "diem", key, None)

    def write(self, engine: sa.Engine, at: datetime) -> None:
        table = SourceSnapshotRow.__table__
        with Session(engine) as session:
            for source, entity, key, payload in self.written:
                self.version += 1
                if payload is None:
                    where = (table.c.source == source) & (table.c.entity == entity) & (table.c.key == key)
                    session.execute(sa.delete(table).where(where))
                else:
                    upsert_snapshots(session, [SnapshotRecord(source, entity, key, self.version, payload)], at)
            session.commit()


SCORES_ONLY = ("score_vnedu", "score_gradebook", "result", "training", "absence")
NAMES_TOO = (*SCORES_ONLY, "name")  # the students' places (class, status) left as they are
EVERY_CHANGE = (*NAMES_TOO, "bio", "add_student", "remove_student", "remove_sheet")
KINDS = {"scores": SCORES_ONLY, "names": NAMES_TOO, "all": EVERY_CHANGE}


def _apply(changes: _Changes, what: str) -> None:
    if what.startswith("score_"):
        changes.score(what.removeprefix("score_"))
    else:
        getattr(changes, what)()


def _shown(result: service.Reconciliation) -> tuple:
    """What a person or a script reads of one reconciliation."""
    blanks = [b.as_json() for b in result.blanks]
    return result.records(), result.summary(), blanks, result.matched, sorted(result.teachers.items())


def _register(engine: sa.Engine) -> dict:
    with Session(engine) as session:
        rows = queries.discrepancies(session)
        return {k: (row.status, row.kind, row.class_code, row.record) for k, row in rows.items()}


def _both(engines, year: str, today: date) -> tuple[service.Reconciliation, service.Reconciliation]:
    incremental, full = engines
    return (
        service.reconcile_school(incremental, year, today=today),
        service.reconcile_school(full, year, today=today, full=True),
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    day=st.sampled_from([AUTUMN, YEAR_END]),
    seed=st.integers(0, 10**6),
    rounds=st.lists(st.lists(st.sampled_from(EVERY_CHANGE), min_size=1, max_size=8), min_size=1, max_size=4),
    kinds=st.sampled_from(sorted(KINDS)),
    days=st.lists(st.integers(0, 20), min_size=4, max_size=4),
)
def test_an_incremental_reconciliation_finds_what_a_full_one_finds(templates, tmp_path, day, seed, rounds, kinds, days):
    """Random change sets, each reconciled on a day the same as or later than the one before (by
    ``days``): absences are counted to the day."""
    template, stored, year = templates[day]
    folder = tmp_path / f"{seed}"
    folder.mkdir(exist_ok=True)
    rng = random.Random(seed)
    with _copies(template, folder) as engines:
        first = _both(engines, year, day)
        assert _shown(first[0]) == _shown(first[1])
        changes = _Changes(stored, rng)
        at = LATER
        for round_ in rounds:
            changes.written = []
            for what in round_:
                _apply(changes, what if what in KINDS[kinds] else rng.choice(KINDS[kinds]))
            at += timedelta(minutes=5)
            for engine in engines:
                changes.write(engine, at)
            day += timedelta(days=days.pop())
            incremental, full = _both(engines, year, day)
            assert _shown(incremental) == _shown(full)
            assert _register(engines[0]) == _register(engines[1])


def test_after_a_sync_that_changed_some_scores_only_those_students_are_read(templates, tmp_path):
    """The students whose records did not change are neither decoded nor recomputed: the
    incremental run reads the change journal, then the changed students' records only, and
    leaves the journal empty."""
    template, stored, year = templates[AUTUMN]
    with _copies(template, tmp_path) as engines:
        _both(engines, year, AUTUMN)
        changes = _Changes(stored, random.Random(5))
        for _ in range(2):
            changes.score("vnedu")
            changes.score("gradebook")
        for engine in engines:
            changes.write(engine, LATER)
        read: list[int] = []
        real = reconcile_queries.some_payloads

        def counted(session, source, wanted):
            read.append(len(wanted))
            return real(session, source, wanted)

        with (
            mock.patch.object(service, "some_payloads", counted),
            mock.patch.object(service, "school_payloads", side_effect=AssertionError("a full load")),
        ):
            incremental = service.reconcile_school(engines[0], year, today=AUTUMN)
        full = service.reconcile_school(engines[1], year, today=AUTUMN, full=True)
        assert _shown(incremental) == _shown(full)
        total = sum(len(rows) for entities in stored.values() for rows in entities.values())
        assert 0 < sum(read) < total / 4  # the changed students' records
        with service.opened(engines[0]) as db:
            assert reconcile_queries.pending_changes(db) == []


def test_two_reconciliations_of_a_school_at_once_in_one_process_take_turns(templates, tmp_path):
    """The daemon's after a sync and the dashboard's after an upload, in one process: the second
    starts once the first has committed (from the journal and state it left), never beside it."""
    template, stored, year = templates[AUTUMN]
    with _copies(template, tmp_path) as engines:
        _both(engines, year, AUTUMN)
        changes = _Changes(stored, random.Random(7))
        changes.score("vnedu")
        for engine in engines:
            changes.write(engine, LATER)
        spans: list[tuple[float, float]] = []
        real = service.runs.incremental

        def slow(*args, **kwargs):
            start = time.monotonic()
            time.sleep(0.3)  # long enough for the other thread to arrive meanwhile
            try:
                return real(*args, **kwargs)
            finally:
                spans.append((start, time.monotonic()))

        results: list = []
        with mock.patch.object(service.runs, "incremental", slow):
            threads = [
                threading.Thread(
                    target=lambda: results.append(service.reconcile_school(engines[0], year, today=AUTUMN))
                )
                for _ in range(2)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert len(results) == 2 and len(spans) == 2
        (first_start, first_end), (second_start, _) = sorted(spans)
        assert second_start >= first_end  # in turn, not side by side
        full = service.reconcile_school(engines[1], year, today=AUTUMN, full=True)
        assert results[0].records() == results[1].records() == full.records()
        assert sorted(r.changes["new"] for r in results) == [0, full.changes["new"]]  # the first registered them
        assert _register(engines[0]) == _register(engines[1])
        with service.opened(engines[0]) as db:
            assert reconcile_queries.pending_changes(db) == []


def test_reconciliations_in_two_processes_take_turns_and_both_succeed(templates, tmp_path):
    """A person's ``lienthong reconcile`` beside the daemon's, each its own process, on SQLite: each
    waits while another holds the school, then runs from what that one left. Side by side, the
    second to write failed on the register's key ("Cơ sở dữ liệu từ chối thay đổi")."""
    template, _, year = templates[AUTUMN]
    with _copies(template, tmp_path) as engines:
        env = {**os.environ, "LIENTHONG_SCHOOL_YEAR": year, "LIENTHONG_LOG_DIR": str(tmp_path)}
        outs = [tmp_path / f"{i}.jsonl" for i in range(2)]
        command = [sys.executable, "-m", "lienthong.cli.main", "--db", str(engines[0].url), "reconcile", "--format"]
        with service.opened(engines[0]) as db, school_lock.one_at_a_time(db, service.RECONCILE):
            runs = [
                subprocess.Popen([*command, "json", "--out", str(out)], stdout=PIPE, stderr=PIPE, env=env)
                for out in outs
            ]
            time.sleep(4)  # each command starts in about a second, then waits for the school
            assert [run.poll() for run in runs] == [None, None]
        done = [run.communicate(timeout=120) for run in runs]
        assert [run.returncode for run in runs] == [1, 1], [err.decode()[-500:] for _, err in done]
        summaries = [json.loads(err or out) for out, err in done]
        assert outs[0].read_bytes() == outs[1].read_bytes()
        full = service.reconcile_school(engines[1], year, full=True)
        assert sorted(s["new"] for s in summaries) == [0, full.changes["new"]] and full.changes["new"] > 0
        assert _register(engines[0]) == _register(engines[1])


def test_a_run_that_holds_the_school_too_long_is_waited_for_then_refused_in_vietnamese(templates, tmp_path):
    template, _, _ = templates[AUTUMN]
    with _copies(template, tmp_path) as engines:
        refused: list[BaseException] = []

        def second() -> None:
            with service.opened(engines[0]) as db:
                try:
                    with school_lock.one_at_a_time(db, service.RECONCILE, wait=0.3):
                        pass
                except school_lock.SchoolBusy as exc:
                    refused.append(exc)

        with service.opened(engines[0]) as db, school_lock.one_at_a_time(db, service.RECONCILE):
            started = time.monotonic()
            thread = threading.Thread(target=second)
            thread.start()
            thread.join()
            assert 0.3 <= time.monotonic() - started < 3
        assert len(refused) == 1 and "đang có một lần đối chiếu khác" in refused[0].message
        assert errors.handle(refused[0]) == exits.REFUSED
        second()  # once released, the school is free again
        assert len(refused) == 1


def test_a_new_day_or_a_student_moved_recomputes_everything_and_full_always_does(templates, tmp_path):
    template, stored, year = templates[AUTUMN]
    later = AUTUMN + timedelta(days=1)
    with _copies(template, tmp_path) as engines:
        _both(engines, year, AUTUMN)
        calls = []
        real = service._full

        def full_run(engine, run):
            calls.append(engine)
            return real(engine, run)

        with mock.patch.object(service, "_full", full_run):
            service.reconcile_school(engines[0], year, today=AUTUMN)
            assert calls == []  # nothing changed: nothing recomputed
            service.reconcile_school(engines[0], year, today=later)
            assert calls == []  # another day, no absence after the state's: the same findings
            service.reconcile_school(engines[0], year, today=AUTUMN)
            assert len(calls) == 1  # an earlier day than the state's
            changes = _Changes(stored, random.Random(1))
            key = sorted(changes.stored["vnedu"]["hoc_sinh"])[3]
            moved = {**changes.stored["vnedu"]["hoc_sinh"][key], "ma_lop": "7A1"}
            changes._put("vnedu", "hoc_sinh", key, moved)  # another class: which semesters are over may move
            changes.write(engines[0], LATER)
            service.reconcile_school(engines[0], year, today=later)
            assert len(calls) == 2
            service.reconcile_school(engines[0], year, today=later, full=True)
            assert len(calls) == 3


def test_a_later_day_keeps_the_findings_until_the_first_absence_after_the_state_s_day(templates, tmp_path):
    """Absences are counted to the day: a later day reuses the state until an absence falls on or
    before it; an absence added (the daily attendance) recomputes its student only."""
    template, stored, year = templates[AUTUMN]
    with _copies(template, tmp_path) as engines:
        _both(engines, year, AUTUMN)
        changes = _Changes(stored, random.Random(3))
        student = sorted(changes.stored["vnedu"]["hoc_sinh"])[5]
        for ahead in (1, 3):
            day = (AUTUMN + timedelta(days=ahead)).strftime("%d/%m/%Y")
            absence = {"ma_hoc_sinh": student, "ngay": day, "buoi": "S", "loai": "K", "ly_do": ""}
            changes._put("vnedu", "diem_danh", f"{student}:{day}:S", absence)
        for engine in engines:
            changes.write(engine, LATER)
        calls: list = []
        real = service._full

        def full_run(db, run):
            calls.append(run.today)
            return real(db, run)

        ran_full = []
        for offset in (1, 2, 3, 4, 4):
            today = AUTUMN + timedelta(days=offset)
            with mock.patch.object(service, "_full", full_run):
                calls.clear()
                incremental = service.reconcile_school(engines[0], year, today=today)
                ran_full.append(bool(calls))
            full = service.reconcile_school(engines[1], year, today=today, full=True)
            assert _shown(incremental) == _shown(full)
            assert _register(engines[0]) == _register(engines[1])
        assert ran_full == [False, False, True, False, False]


def test_a_name_corrected_relinks_from_the_rosters_and_recomputes_only_its_neighbours(templates, tmp_path):
    """A roster row changed (a name, a birth date): matching runs again over every roster, the
    students whose link, roster row or records moved are recomputed, the rest kept."""
    template, stored, year = templates[AUTUMN]
    with _copies(template, tmp_path) as engines:
        _both(engines, year, AUTUMN)
        changes = _Changes(stored, random.Random(4))
        for source, field in (("vnedu", "ho_ten"), ("csdl", "HoTen")):
            key = sorted(changes.stored[source]["hoc_sinh"])[7]
            student = changes.stored[source]["hoc_sinh"][key]
            changes._put(source, "hoc_sinh", key, {**student, field: student[field] + " Anh"})
        for engine in engines:
            changes.write(engine, LATER)
        with mock.patch.object(service, "_full", side_effect=AssertionError("a full run")):
            incremental = service.reconcile_school(engines[0], year, today=AUTUMN)
        full = service.reconcile_school(engines[1], year, today=AUTUMN, full=True)
        assert _shown(incremental) == _shown(full)
        assert _register(engines[0]) == _register(engines[1])
        assert any(d["kind"] == "bio_mismatch" and d["student"]["name"].endswith(" Anh") for d in full.records())


@pytest.mark.parametrize("day", [AUTUMN, YEAR_END])
def test_the_completeness_figures_kept_for_the_next_run_are_completeness_figures(templates, tmp_path, day):
    """The figures a reconciliation shows come from the counts its state keeps (each student's
    blank cells, to be recomputed alone): they are `completeness.figures` of the same records."""
    from lienthong.reconciliation import completeness

    template, stored, year = templates[day]
    changes = _Changes(stored, random.Random(3))
    for _ in range(30):  # blanks and unreadable cells in some sheets
        changes.score("vnedu")
    with _copies(template, tmp_path) as (engine, _):
        changes.write(engine, LATER)
        shown = service.reconcile_school(engine, year, today=day, full=True).blanks
        sources = service.load_sources(engine)
        expected = completeness.figures(sources, sources["vnedu"], year, ())
    assert [b.as_json() for b in shown] == [b.as_json() for b in expected]
    assert any(b.blank for b in expected)


def test_on_either_database_a_changed_score_is_recomputed_alone(engine):
    """SQLite and PostgreSQL alike: the hashes read on the driver's cursor, the changed students'
    records by key, in one order (PostgreSQL sorts keys by code point here, as Python does)."""
    stored = _school(AUTUMN)
    keep(engine, stored)
    year = generate_school(3, STUDENTS, AUTUMN).school_year
    service.reconcile_school(engine, year, today=AUTUMN)
    changes = _Changes(stored, random.Random(8))
    for _ in range(3):
        changes.score("vnedu")
        changes.result()
    changes.write(engine, LATER)
    with mock.patch.object(service, "_full", side_effect=AssertionError("a full run")):
        incremental = service.reconcile_school(engine, year, today=AUTUMN)
    full = service.reconcile_school(engine, year, today=AUTUMN, full=True)
    assert incremental.records() == full.records()
    assert [b.as_json() for b in incremental.blanks] == [b.as_json() for b in full.blanks]
