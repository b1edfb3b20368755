"""Files stored by one import are committed together (`sync.file_import.COMMIT_SECONDS`), and a
file's report is handed out only once what it stored is committed: what a person is told was
stored is in the database for every other connection, and a command that stops on an error leaves
no file it did not report, each file whole, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from lienthong.store import audit, imports, plain
from lienthong.sync import file_import
from lienthong.sync.file_import import Wanted, import_files
from tests.workbooks import workbook

WANTED = Wanted("2025-2026", "1")
KEY = "khoa-kiem-toan"


@pytest.fixture(autouse=True)
def unconfigured():
    """`audit.configure` is process-wide: every test starts and ends without it."""
    audit.configure(None, None)
    yield
    audit.configure(None, None)


def _book(folder: Path, number: int, students: int = 2) -> tuple[str, Path]:
    name = f"toan-6a{number}.xlsx"
    rows = [[f"SỔ ĐIỂM MÔN TOÁN — LỚP 6A{number}"], ["STT", "Họ và tên", "TX1", "GK", "CK"]]
    rows += [[n, f"Lê Văn An {chr(64 + n)}", 8, 7, 9] for n in range(1, students + 1)]
    (folder / name).write_bytes(workbook({f"6A{number}": rows}))
    return name, folder / name


@pytest.fixture(params=["engine", "plain"])
def store(request, engine):
    """What the import stores through: the engine (the dashboard, the tests), or a command's own
    driver connection to a SQLite store (`store.plain.open_sqlite`: ``lienthong import``)."""
    if request.param == "engine":
        yield engine
        return
    if engine.dialect.name != "sqlite":
        pytest.skip("a server database is opened through its engine")
    opened = plain.open_sqlite(engine.url.render_as_string(), None)
    yield opened
    plain.close(opened)


class _Clock:
    def __init__(self) -> None:
        self.at = datetime(2025, 12, 1, 8, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        self.at += timedelta(seconds=1)
        return self.at


def _stored(engine: sa.Engine) -> tuple[list[str], int, int]:
    """The imported files' names, the snapshots and the audit entries, as another connection sees them."""
    with engine.connect() as connection:
        names = connection.execute(sa.text("select name from imported_file order by imported_at")).scalars().all()
        snapshots = connection.execute(sa.text("select count(*) from source_snapshot")).scalar()
        entries = connection.execute(sa.text("select count(*) from audit_log")).scalar()
    return list(names), snapshots, entries


@pytest.mark.parametrize("every", [0.0, 3600.0])
def test_a_report_is_handed_out_once_its_file_is_committed(store, engine, tmp_path, monkeypatch, every):
    monkeypatch.setattr(file_import, "COMMIT_SECONDS", every)
    marks = tmp_path / "marks.log"
    audit.configure(KEY, marks)
    files = [_book(tmp_path, number) for number in (1, 2, 3)]
    seen = []
    for report in import_files(store, files, None, WANTED, None, "it", _Clock(), readers=0):
        assert report.error is None and report.stored["new"] == 4  # two students and their scores
        seen.append(report.name)
        names, _, _ = _stored(engine)
        assert names[: len(seen)] == seen  # every file reported so far is committed
    assert _stored(engine) == ([name for name, _ in files], 12, 3)
    with Session(engine) as session:  # the chain and its checkpoints, one per file, in the file beside it
        assert audit.check(session, key=KEY, checkpoint=marks) == audit.AuditReport(entries=3)


@pytest.mark.parametrize("every", [0.0, 3600.0])
def test_an_error_while_storing_leaves_only_the_files_reported_each_whole(store, engine, tmp_path, monkeypatch, every):
    monkeypatch.setattr(file_import, "COMMIT_SECONDS", every)
    stored = imports.store_rows

    def fails_on_the_third_file(db, source, entity, version, rows, now):
        if "6A3" in rows[0][1]:
            stored(db, source, entity, version, rows, now)  # half written when the database gives up
            raise sa.exc.OperationalError("INSERT", {}, Exception("disk I/O error"))
        return stored(db, source, entity, version, rows, now)

    monkeypatch.setattr(imports, "store_rows", fails_on_the_third_file)
    files = [_book(tmp_path, number) for number in (1, 2, 3, 4)]
    reported = []
    with pytest.raises(sa.exc.OperationalError):
        for report in import_files(store, files, None, WANTED, None, "it", _Clock(), readers=0):
            reported.append(report.name)
    names, snapshots, entries = _stored(engine)
    assert names == reported == ([] if every else ["toan-6a1.xlsx", "toan-6a2.xlsx"])
    assert (snapshots, entries) == (4 * len(names), len(names))
    # imported again: the files not stored are stored now, the others are known
    monkeypatch.setattr(imports, "store_rows", stored)
    again = list(import_files(store, files, None, WANTED, None, "it", _Clock(), readers=0))
    assert [r.already_imported_at is not None for r in again] == [name in names for name, _ in files]
    assert _stored(engine)[1:] == (16, 4)


def test_results_approved_while_a_plain_import_runs_refuse_the_files_that_bring_results(
    sqlite_engine, tmp_path, monkeypatch
):
    """A command's own connection (no SQLAlchemy) is used only while the school has no approved
    results; were they approved meanwhile, a file bringing results is refused whole, with why,
    rather than stored without comparing it to them. The files before it are stored."""
    from lienthong.store.tables import ResultApprovalRow

    monkeypatch.setattr(file_import, "COMMIT_SECONDS", 0.0)  # each file's report as soon as it is stored
    files = [_book(tmp_path, number) for number in (1, 2)]
    opened = plain.open_sqlite(sqlite_engine.url.render_as_string(), None)
    try:
        imported = import_files(opened, files, None, WANTED, None, "it", _Clock(), readers=0)
        first = next(imported)
        with Session(sqlite_engine) as session:  # the principal, on the dashboard
            at = datetime(2025, 12, 1, 9, tzinfo=timezone.utc)
            session.add(
                ResultApprovalRow(
                    school_year="2025-2026", class_code="6A2", period="HK1", state="da_duyet", updated_at=at
                )
            )
            session.commit()
        second = next(imported)
        assert next(imported, None) is None
    finally:
        plain.close(opened)
    assert first.error is None and second.error == file_import.APPROVED_MEANWHILE
    assert "Hiệu trưởng vừa duyệt kết quả" in second.error
    assert _stored(sqlite_engine) == (["toan-6a1.xlsx"], 4, 1)


def test_records_written_by_an_earlier_file_are_left_out_in_the_file_s_order():
    """`_Found.fresh`: what an earlier file of the command wrote as it is here is not written again
    (counted unchanged); each entity is written where its first record to write came, each key once
    with its last value."""
    found = file_import._Found(
        "gradebook",
        7,
        [
            ("hoc_sinh", "a", "h1", "{}"),
            ("diem", "a:TOAN", "d1", "{}"),
            ("hoc_sinh", "b", "h2", "{}"),
            ("diem", "b:TOAN", "d2", "{}"),
        ],
    )
    written = {("gradebook", "hoc_sinh"): {"a": (0, "h1")}}
    groups, unchanged = found.fresh(written)
    assert unchanged == 1
    assert [(g.entity, g.version, [row[1] for row in g.rows]) for g in groups] == [
        ("diem", 7, ["a:TOAN", "b:TOAN"]),
        ("hoc_sinh", 0, ["b"]),
    ]
    file_import._Found.remember(written, groups)
    assert written[("gradebook", "diem")] == {"a:TOAN": (7, "d1"), "b:TOAN": (7, "d2")}
    twice = file_import._Found("gradebook", 7, [*found.stored, ("diem", "a:TOAN", "d3", "[]")])
    groups, unchanged = twice.fresh({("gradebook", "diem"): {"b:TOAN": (7, "d2")}})
    assert unchanged == 1
    assert [(g.entity, [row[1:3] for row in g.rows]) for g in groups] == [
        ("hoc_sinh", [("a", "h1"), ("b", "h2")]),
        ("diem", [("a:TOAN", "d3")]),
    ]
