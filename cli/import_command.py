"""``lienthong import FILE...``: exports and gradebooks into per-source snapshots, file by file.

Prints per file what it is and what it held (kind, year, semesters, classes, students, cells),
every sheet (read, or skipped and why), every column not used, and every refused row with its
sheet, cell, value and reason; ``--json`` prints one object per file. ``--dry-run`` reads and
checks only (no database needed): what ``read-file`` did, with the same detector and words.
Files that stored new or changed records are followed by a reconciliation of the school
(`sync.findings.after_import`, as the dashboard's upload and the daemon's sync), said in one line
(on stderr with ``--json``); ``--no-reconcile`` leaves it to a later command (batches of files).
Exit: 0 all read, 1 some rows refused or scores left out until the school says how (a split test's
parts without ``--map``), 2 a file refused whole or not readable (a reconciliation
that fails is said, and changes no exit code: the files are stored).
"""

from __future__ import annotations

import json
import sys
from contextlib import closing, contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rich.console import Console

from lienthong.config.settings import Settings
from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.file_kinds import WORDS
from lienthong.connectors.gradebook.excel import parse_map
from lienthong.mapping.calendar import VN_TZ, shown_time
from lienthong.mapping.normalize import SEMESTER_SAID
from lienthong.store import audit_chain, imports, plain
from lienthong.store.location import check_store_ahead, plain_sqlite_file
from lienthong.sync import findings
from lienthong.sync.file_import import ImportReport, Wanted, import_files, started_readers
from lienthong.sync.file_readers import Readers
from lienthong.sync.file_reading import as_of
from lienthong.sync.reader_processes import reader_count

SEMESTER_WORDS = SEMESTER_SAID
_COUNTED = {"vnedu-nenep": "buổi nghỉ"}  # what a file's cells are, where not scores or results


def run_import(
    paths: list[Path],
    kind: str | None,
    wanted: Wanted,
    column_map: str | None,
    as_json: bool,
    actor: str,
    console: Console | None = None,
    dry_run: bool = False,
    reconcile: bool = True,
) -> int:
    console = console or Console(markup=False, highlight=False, soft_wrap=True)
    settings = Settings()
    if wanted.school_year is None:  # a file of another school year is refused unless asked for
        wanted = replace(wanted, school_year=settings.current_school_year())
    today = datetime.now(VN_TZ).date()  # the school's day
    wanted = as_of(wanted, today)
    try:
        mapping = parse_map(column_map) if column_map else _standing_parts(settings)
    except FileFormatError as exc:
        console.print(f"{exc.message}", style="red")
        return 2
    # the readers start loading first: the store's integrity check and opening go on meanwhile
    store, copied = None, _nothing
    try:
        with started_readers(reader_count(len(paths)), kind, wanted, mapping) as pool:
            store = None if dry_run else _open(settings)
            worst, reports = _imported(store, paths, kind, wanted, mapping, as_json, actor, console, dry_run, pool)
        if isinstance(store, plain.Plain):  # the log copied into the file while the reconciliation runs
            copied = plain.checkpoint_meanwhile(store)
        if store is not None and reconcile:  # the readers have stopped: the processors are the reconciliation's
            refreshed = findings.after_import(store, settings, reports)
            if refreshed is not None:
                _said(refreshed, console, as_json)
        return worst
    finally:
        copied()
        if isinstance(store, plain.Plain):
            plain.close(store)


def _nothing() -> None:
    pass


def _open(settings: Settings) -> Any:
    """The store: a plain connection to a SQLite store ready as it is and whose school has no approved
    results (`store.plain.open_sqlite`: SQLAlchemy is not loaded, `sync.file_import._Keeper`), else
    the engine of `sync.service.open_store` (which migrates a store that is behind, registers the
    configured school, opens a server database; and compares imported results with approved ones)."""
    checked = check_store_ahead(settings.database_url) if plain_sqlite_file(settings.database_url) else None
    try:
        db = plain.open_sqlite(settings.database_url, settings.ma_truong, checked)
    except plain.NotPlain:
        db = None
    if db is not None:
        if not imports.has_approved_results(db):
            audit_chain.configure_from(settings)  # as `open_store` does: the key and checkpoint file
            return db
        plain.close(db)
    from lienthong.sync.service import open_store

    return open_store(settings)


def _imported(
    store: Any,
    paths: list[Path],
    kind: str | None,
    wanted: Wanted,
    mapping: dict | None,
    as_json: bool,
    actor: str,
    console: Console,
    dry_run: bool,
    pool: Readers | None,
) -> tuple[int, list[ImportReport]]:
    worst, done = 0, []
    imported = import_files(
        store,
        [(path.name, path) for path in paths],
        kind,
        wanted,
        mapping,
        actor,
        lambda: datetime.now(timezone.utc),
        dry_run,
        pool if pool is not None else 0,
    )
    # Closed here, whatever stops the loop (stdout closed by its reader, ``| head``: rich's SystemExit,
    # a BrokenPipeError): the files stored and not yet committed are rolled back while the store is
    # still open (each file stays whole or absent), not when the collector finds the generator later.
    with closing(imported) as reports, _progress(paths, console, quiet=as_json) as advance:
        for path, report in zip(paths, reports, strict=True):  # stored one by one, in order; the next read meanwhile
            withheld = any(note.withheld for note in report.notes)  # a split test waiting for --map
            worst = max(worst, 2 if report.error else 1 if report.refused or withheld else 0)
            if as_json:
                sys.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, default=str) + "\n")
            else:
                _show(report, console)
            advance(path, report.rows)
            done.append(report)
    return worst, done


def _said(refreshed: findings.Reconciled, console: Console, as_json: bool) -> None:
    """The reconciliation after the import, in one line: on stderr with ``--json`` (stdout keeps one
    object per file)."""
    text = refreshed.said()
    if refreshed.outcome == "completed":
        text += " Xem từng khác biệt: lienthong reconcile (--class 6A1 cho một lớp)."
    if as_json:
        sys.stderr.write(text + "\n")
    else:
        console.print(text, style="red" if refreshed.outcome == "failed" else None)


def _standing_parts(settings: Settings) -> dict | None:
    """How the school combines split tests, said once in ``[files] gradebook_parts``."""
    text = settings.files.gradebook_parts.strip()
    if not text:
        return None
    try:
        return {**parse_map(text), "standing": True}
    except FileFormatError as exc:
        raise FileFormatError(exc.platform, f"Cấu hình [files] gradebook_parts: {exc.message}") from None


@contextmanager
def _progress(paths: list[Path], console: Console, quiet: bool):
    """A progress bar (files, rows read, time left) for several files at a terminal; nothing
    otherwise — scripts and ``--json`` get only their lines."""
    if quiet or len(paths) < 2 or not console.is_terminal:
        yield lambda path, rows: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    rows = 0
    with Progress(
        TextColumn("Đang nhập"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("tệp · {task.fields[rows]} dòng · còn"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("import", total=len(paths), rows=0)

        def advance(path: Path, read: int) -> None:
            nonlocal rows
            rows += read
            bar.update(task, advance=1, rows=rows)

        yield advance


def _show(report: ImportReport, console: Console) -> None:
    if report.error:
        console.print(f"✗ {report.name}: {report.refusal_said()}", style="red")
        return
    semesters = ", ".join(SEMESTER_WORDS.get(s, s) for s in report.semesters) or "—"
    classes = ", ".join(report.classes[:12]) + ("…" if len(report.classes) > 12 else "")
    counted = _COUNTED.get(report.kind, "ô điểm/kết quả")
    console.print(
        f"{report.name}: {WORDS[report.kind]} ({report.kind}), năm học {report.school_year or '?'}"
        f", {semesters}; lớp {classes or '—'}; {report.students} học sinh, {report.cells} {counted}, "
        f"{report.rows} dòng đọc được, {len(report.refused)} dòng bị từ chối."
    )
    if report.read_said():
        console.print(f"  {report.read_said()}")
    for line in report.left_out_said():
        console.print(f"  {line}", style="yellow")
    if report.dry_run:
        console.print("  Chỉ đọc thử (--dry-run): không lưu gì.")
    elif report.already_imported_at:
        console.print(f"  Tệp này đã được nhập lúc {shown_time(report.already_imported_at)}; không thay đổi gì.")
    else:
        console.print(
            f"  Lưu (bản ghi): mới {report.stored['new']}, thay đổi {report.stored['changed']}, không đổi "
            f"{report.stored['unchanged']}, bỏ qua vì đã có bản mới hơn {report.stored['stale']}."
        )
        if report.imported_before:
            console.print(f"  Tệp này đã được nhập lúc {shown_time(report.imported_before)}; {report.again_said()}.")
    for problem in report.refused:
        console.print(f"  {problem}", style="red")
    for problem in report.notes[:20]:
        console.print(f"  Lưu ý: {problem.describe()}", style="yellow")
    if len(report.notes) > 20:
        console.print(f"  … và {len(report.notes) - 20} lưu ý khác (xem --json).")
