"""``lienthong reconcile``: every difference between the stored pulls, for people or for scripts."""

from __future__ import annotations

import json
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from lienthong.cli import exits
from lienthong.config.settings import Settings
from lienthong.store import plain
from lienthong.store.files import OutputRefused, check_output, database_files, write_output
from lienthong.store.location import check_store_ahead, plain_sqlite_file

if TYPE_CHECKING:
    from rich.console import Console

    from lienthong.reconciliation import service

RENDERERS = ("html", "xlsx", "pdf")  # the reports (`reconciliation.reports`, loaded only for them)
Write = Callable[[Path, bytes], None]


def run_reconcile(
    output_format: str,
    class_code: str | None,
    out: Path | None,
    summary_file: Path | None = None,
    console: Console | None = None,
    overwrite: bool = False,
    full: bool = False,
) -> int:
    settings = Settings()
    protect = database_files(settings.database_url)  # a report over the database would destroy it
    write = partial(write_output, overwrite=overwrite, protect=protect)
    try:
        # Checked before the store is opened: a wrong path costs nothing and touches nothing.
        for target in (out, summary_file):
            if target:
                check_output(target, overwrite=overwrite, protect=protect)
    except OutputRefused as exc:
        _screen(console).print(f"{exc}", style="red")
        return 2
    # SQLite's integrity check runs in a thread while the reconciliation's code loads
    checked = check_store_ahead(settings.database_url) if plain_sqlite_file(settings.database_url) else None
    import lienthong.reconciliation.service  # noqa: F401  (loaded now, beside the check, not after it)

    store = _open(settings, checked)
    try:
        return _reconciled(store, settings, output_format, class_code, out, summary_file, console, write, full)
    finally:
        if isinstance(store, plain.Plain):
            plain.close(store)


def _reconciled(
    store: Any,
    settings: Settings,
    output_format: str,
    class_code: str | None,
    out: Path | None,
    summary_file: Path | None,
    console: Console | None,
    write: Write,
    full: bool,
) -> int:
    from lienthong.reconciliation import service

    try:
        result = service.reconcile_school(
            store,
            settings.current_school_year(),
            class_code,
            pushed=service.scores_pushed(settings),
            settings=settings,
            full=full,
        )
    except service.NoData as exc:
        _screen(console).print(f"{exc}", style="red")
        return 2
    try:
        if output_format in RENDERERS:
            statuses = service.register_statuses(store)
            _write_report(result, settings, output_format, class_code, out, statuses, _screen(console), write)
        elif output_format == "json":
            _write_json(result, out, summary_file, write)
        else:
            _print_table(result, settings.authority.school, _screen(console))
    except OutputRefused as exc:  # the path changed while reconciling (a file or link appeared)
        _screen(console).print(f"{exc}", style="red")
        return 2
    return exit_code(result)


def _open(settings: Settings, checked: Callable[[], None] | None = None) -> Any:
    """The store: a plain connection to a SQLite store ready as it is (`store.plain.open_sqlite`:
    SQLAlchemy is not loaded), else the engine of `sync.service.open_store` (which migrates a store
    that is behind, registers the configured school, or opens a server database)."""
    try:
        return plain.open_sqlite(settings.database_url, settings.ma_truong, checked)
    except plain.NotPlain:
        from lienthong.sync.service import open_store

        return open_store(settings)


def _screen(console: Console | None = None, stderr: bool = False) -> Console:
    """``console``, or the terminal's: rich is loaded only when something is shown (the JSON path,
    the one scripts and the daemon wait for, never loads it: tests/cli/test_startup.py)."""
    if console is not None:
        return console
    from rich.console import Console

    return Console(stderr=stderr, markup=False, highlight=False, soft_wrap=True)


def exit_code(result: service.Reconciliation) -> int:
    """1: differences to look at; 2: nothing found because no two sources could be compared (as
    with no data at all: "no difference" must never be said of what was not compared); 0: the
    sources compared agree."""
    if result.found:
        return exits.DIFFERENCES
    return exits.OK if result.compared else exits.BAD_INPUT


def _say_what_was_not_checked(result: service.Reconciliation, console: Console) -> None:
    """The checks that could not run, and the school's blank cells while semesters run."""
    if not result.compared:
        console.print(
            "Chưa đối chiếu được nguồn nào với nhau, nên «không có khác biệt» chưa có nghĩa là dữ liệu đã "
            "khớp: hãy nhập thêm tệp của nguồn còn thiếu (`lienthong import`) hoặc đồng bộ (`lienthong sync`).",
            style="yellow",
        )
    if result.matched:
        console.print(f"Sổ điểm của giáo viên: {result.matched}.")
    if result.skipped:
        console.print("Chưa đối chiếu được:")
        for skipped in result.skipped:
            console.print(f"  - {skipped.reason}")
    running = [b for b in result.blanks if b.blank and not b.over]
    if running:
        classes = len({b.class_code for b in running})
        console.print(
            f"Đang trong học kỳ: còn {sum(b.blank for b in running)} ô điểm bắt buộc để trống ở {classes} lớp "
            "(chưa tính là thiếu điểm; xem phần «Mức độ đầy đủ» của báo cáo --format html)."
        )


def _write_report(
    result: service.Reconciliation,
    settings: Settings,
    output_format: str,
    class_code: str | None,
    out: Path | None,
    statuses: dict[str, str],
    console: Console,
    write: Write,
) -> None:
    from lienthong.reconciliation import reports, service

    summary = result.summary()
    context = reports.ReportContext(
        f"Trường {settings.ma_truong}" if settings.ma_truong else "Trường",
        result.school_year,
        result.at.astimezone(service.VN_TZ),
        class_code,
        result.teachers,
        skipped=summary["skipped"],
        incomplete=summary["incomplete"],
        compared=summary["compared"],
        matched=result.matched,
        statuses=statuses,
    )
    render = {"html": reports.render_html, "xlsx": reports.render_xlsx, "pdf": reports.render_pdf}[output_format]
    rendered = render(result.records(), context)
    if isinstance(rendered, str):
        rendered = rendered.encode("utf-8")
    if out:
        write(out, rendered)
        console.print(f"Đã ghi báo cáo {out} ({len(result.found)} khác biệt).")
        if not result.compared:
            _say_what_was_not_checked(result, console)
    else:
        sys.stdout.buffer.write(rendered)
        if not result.compared:  # the report is on standard output: the warning goes beside it
            _say_what_was_not_checked(result, _screen(stderr=True))


def _write_json(result: service.Reconciliation, out: Path | None, summary_file: Path | None, write: Write) -> None:
    """JSON Lines on stdout (or ``out``), the summary on stderr (or ``summary_file``)."""
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in result.records())
    if out:
        write(out, lines.encode("utf-8"))
    else:
        sys.stdout.write(lines)
    summary = json.dumps(result.summary(), ensure_ascii=False)
    if summary_file:
        write(summary_file, (summary + "\n").encode("utf-8"))
    else:
        print(summary, file=sys.stderr)


def _print_table(result: service.Reconciliation, school_source: str, console: Console) -> None:
    from rich.table import Table

    from lienthong.mapping.normalize import class_order
    from lienthong.reconciliation.discrepancy import KIND_WORDS, message_shown

    table = Table("Lớp", "Loại", "Nội dung", "Gợi ý")
    for d in sorted(result.found, key=lambda d: (class_order(d.class_code or ""), d.kind)):  # 6A2 before 6A10
        shown = message_shown(d.as_json(), school_source)  # the student named as the reports name her
        table.add_row(d.class_code or "", KIND_WORDS.get(d.kind, d.kind), shown, d.suggestion)
    console.print(table)
    changes = result.changes
    console.print(
        f"Tổng cộng {len(result.found)} khác biệt cần xem: mới {changes['new']}, đã có từ trước "
        f"{changes['seen'] + changes['reopened']}, đã tự đóng vì các nguồn đã khớp {changes['closed']}."
    )
    _say_what_was_not_checked(result, console)
