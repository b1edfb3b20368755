"""``lienthong sync``, ``run``, ``runs``, ``approve-run``, ``audit verify``."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from typing import TYPE_CHECKING

from sqlmodel import Session

from lienthong.cli import exits
from lienthong.cli.identity import current_actor, work_engine
from lienthong.config.settings import Settings, SettingsError
from lienthong.connectors.errors import ConnectorError
from lienthong.mapping.calendar import shown_time
from lienthong.store.accounts import AccountError
from lienthong.sync import findings, service

if TYPE_CHECKING:  # rich loads when something is shown on screen, the run's machinery with a sync
    from rich.console import Console

STATUS_WORDS = {
    "running": "đang chạy",
    "completed": "hoàn tất",
    "held": "tạm giữ",
    "failed": "lỗi",
    "approved": "đã duyệt",
    "interrupted": "bị ngắt",
}


def _screen(console: Console | None = None) -> Console:
    if console is not None:
        return console
    from rich.console import Console

    return Console(markup=False, highlight=False, soft_wrap=True)


def sync_once(
    platforms: list[str] | None, full: bool, dry_run: bool, as_json: bool = False, console: Console | None = None
) -> int:
    """Exit: 0 done, 1 done with refusals, errors or a hold, 2 bad configuration, 3 a platform unreachable.
    A run (not a dry run) is followed by a reconciliation of the school, as the daemon's (`sync.findings`;
    in full after a full sync), said in a line (a ``reconciled`` event before the report with
    ``--json``); its outcome changes no exit code: what was pulled is stored."""
    from lienthong.config.logging import configure as configure_logging
    from lienthong.sync.run import RunBusy

    console = _screen(console)
    configure_logging("WARNING")
    try:
        settings = Settings()
        service.connectors_for(settings, platforms)  # configuration checked before any work
    except (ConnectorError, SettingsError) as exc:
        _fail(getattr(exc, "message", str(exc)), as_json, console)
        return 2
    try:
        report = _run(settings, platforms, full, dry_run, as_json, console)
    except RunBusy as exc:  # another run holds this platform: say so, change nothing
        _fail(exc.message, as_json, console)
        return exits.REFUSED
    refreshed = None if dry_run else findings.reconcile_stored(settings, full=full)
    if as_json:
        if refreshed is not None:
            event = {"event": "reconciled", **asdict(refreshed), "message": refreshed.said("sync")}
            print(json.dumps(event, ensure_ascii=False), flush=True)
        print(json.dumps(report.as_json(), ensure_ascii=False), flush=True)
    else:
        print_summary(report, dry_run, console)
        if refreshed is not None:
            console.print(refreshed.said("sync"), style="red" if refreshed.outcome == "failed" else None)
    return service.exit_code(report)


def run_service(host: str | None = None, port: int = 8100) -> int:
    """The daemon (`sync.daemon`); with ``host``, the dashboard too, served from a thread of this
    process (uvicorn over the dashboard's factory, as ``lienthong serve``). SIGTERM stops both.
    Exit: 0 stopped, 2 bad configuration or the dashboard could not start."""
    import signal
    import sys
    import threading

    from lienthong.sync.daemon import run_daemon

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # while the dashboard starts, too
    try:
        settings = Settings()
    except SettingsError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if settings.engine.mode == "distributed":  # many schools: the workers and the scheduler do this
        print(
            'Cấu hình đang ở chế độ phân tán ([engine] mode = "distributed"): chạy `lienthong scheduler` và '
            "`lienthong worker` thay cho `lienthong run`.",
            file=sys.stderr,
        )
        return 2
    server = thread = None
    if host is not None:
        from lienthong.cli.serve_command import start_in_background, stop_background

        try:
            service.open_store(settings, create=True).dispose()  # created and migrated before the pages open it
            server, thread, address = start_in_background(host, port)
        except (RuntimeError, OSError, ValueError, ConnectorError) as exc:
            print(f"Không chạy được bảng điều khiển: {getattr(exc, 'message', exc)}", file=sys.stderr)
            return 2
        print(f"Bảng điều khiển: {address}", file=sys.stderr, flush=True)
    try:
        return run_daemon(settings, stop)
    except (ConnectorError, SettingsError) as exc:
        print(getattr(exc, "message", str(exc)), file=sys.stderr)
        return 2
    finally:
        if server is not None:
            stop_background(server, thread)


def _run(settings: Settings, platforms, full: bool, dry_run: bool, as_json: bool, console: Console):
    """One run, with progress as JSON events or a bar."""
    if as_json:

        def progress(platform: str, entity: str, count: int) -> None:
            print(json.dumps({"event": "pulled", "platform": platform, "entity": entity, "records": count}), flush=True)

        return service.sync_blocking(settings, platforms=platforms, full=full, dry_run=dry_run, progress=progress)
    from rich.progress import BarColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} bản ghi"),
        console=console,
        transient=True,
    ) as bar:
        tasks: dict[tuple[str, str], int] = {}

        def progress(platform: str, entity: str, count: int) -> None:
            key = (platform, entity)
            if key not in tasks:
                tasks[key] = bar.add_task(f"{platform} · {entity}", total=None)
            bar.advance(tasks[key], count)

        return service.sync_blocking(settings, platforms=platforms, full=full, dry_run=dry_run, progress=progress)


def _fail(message: str, as_json: bool, console: Console) -> None:
    if as_json:
        print(json.dumps({"event": "error", "message": message}, ensure_ascii=False))
    else:
        console.print(f"{message}", style="red")


def print_summary(report, dry_run: bool, console: Console) -> None:
    from rich.table import Table

    table = Table(
        title=("Chạy thử (không ghi gì)" if dry_run else f"Lần chạy #{report.run_id}")
        + f" — {STATUS_WORDS.get(report.status, report.status)}"
    )
    table.add_column("Hệ thống")
    table.add_column("Đọc")
    table.add_column("Mới / đổi")
    table.add_column("Đã gửi")
    table.add_column("Lỗi")
    for name, pulled in report.pulled.items():
        sent = report.delivered.get(name, {})
        table.add_row(
            name,
            str(pulled.get("records", 0)),
            f"{pulled.get('new', 0)} / {pulled.get('changed', 0)}",
            ", ".join(f"{k}: {v}" for k, v in sent.items()) or "—",
            report.errors.get(name, ""),
        )
    console.print(table)
    planned = report.planned
    console.print(
        f"Kế hoạch: bổ sung {planned.get('fill', 0)}, xoá {planned.get('blank', 0)}, "
        f"sửa cần Hiệu trưởng duyệt {planned.get('correction', 0)}; chờ mở khoá sổ {report.waiting_window}."
    )
    if report.hold_reason:
        console.print(
            f"Tạm giữ: {report.hold_reason}. Quản trị viên duyệt bằng `lienthong approve-run {report.run_id}`.",
            style="yellow",
        )
    if dry_run:
        for change in report.plan[:20]:
            console.print(
                f"  {change.kind:<10} {change.platform} {change.entity} {change.key} ô {', '.join(change.cells)}"
            )


INSTALLATION_KINDS = {"backup": "sao lưu toàn bộ"}


def list_installation_runs(limit: int, as_json: bool = False, console: Console | None = None) -> int:
    """``lienthong runs --installation``: the installation's own runs (backups of every school's rows)."""
    settings = Settings()
    engine = service.open_store(settings.model_copy(update={"ma_truong": None}))
    found = service.installation_history(engine, limit)
    if as_json:
        for run in found:
            print(
                json.dumps(
                    {
                        "event": "installation_run",
                        "run_id": run.id,
                        "kind": run.kind,
                        "reason": run.reason,
                        "started_at": run.started_at.isoformat(),
                        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                        "status": run.status,
                        "summary": run.summary,
                    },
                    ensure_ascii=False,
                    default=str,
                )
            )
        return 0
    from rich.table import Table

    console = _screen(console)
    table = Table("#", "Bắt đầu", "Kết thúc", "Việc", "Lý do", "Trạng thái", "Chi tiết")
    for run in found:
        detail = ", ".join(f"{k}: {v}" for k, v in (run.summary.get("errors") or {}).items())
        if not detail and run.summary.get("folder"):
            detail = f"{run.summary['folder']} ({run.summary.get('rows', 0):,} dòng)".replace(",", ".")
        table.add_row(
            str(run.id),
            shown_time(run.started_at),
            shown_time(run.finished_at, with_seconds=True) if run.finished_at else "—",
            INSTALLATION_KINDS.get(run.kind, run.kind),
            run.reason,
            STATUS_WORDS.get(run.status, run.status),
            detail,
        )
    console.print(table if found else "Chưa có việc nào của cả hệ thống (sao lưu toàn bộ cơ sở dữ liệu).")
    return 0


def list_runs(limit: int, as_json: bool = False, console: Console | None = None) -> int:
    found = service.history(service.open_store(Settings()), limit)
    queue = Counter(found.queue)
    if as_json:
        for run in found.runs:
            print(
                json.dumps(
                    {
                        "event": "run",
                        "run_id": run.id,
                        "started_at": run.started_at.isoformat(),
                        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                        "platforms": run.platforms,
                        "mode": run.mode,
                        "dry_run": run.dry_run,
                        "status": run.status,
                        "hold_reason": run.hold_reason,
                        "summary": run.summary,
                    },
                    ensure_ascii=False,
                    default=str,
                )
            )
        print(
            json.dumps(
                {
                    "event": "queue",
                    **{k: queue[k] for k in ("pending", "held", "awaiting_approval", "awaiting_results", "dead")},
                    "refused": [
                        {"platform": i.platform, "entity": i.entity, "key": i.key, "message": i.message}
                        for i in found.refused
                    ],
                },
                ensure_ascii=False,
            )
        )
        return 0
    from rich.table import Table

    console = _screen(console)
    table = Table("#", "Bắt đầu", "Kết thúc", "Hệ thống", "Kiểu", "Trạng thái", "Chi tiết")
    for run in found.runs:
        detail = run.hold_reason or ", ".join(f"{k}: {v}" for k, v in (run.summary.get("errors") or {}).items())
        waiting = (run.summary.get("year_results") or {}).get("waiting") or {}
        if waiting:  # year results held until the principal approves the class's results
            listed = ", ".join(f"{code} ({n})" for code, n in waiting.items())
            detail = "; ".join(filter(None, [detail, f"kết quả cả năm chờ Hiệu trưởng duyệt: {listed}"]))
        table.add_row(
            str(run.id),
            shown_time(run.started_at),
            shown_time(run.finished_at, with_seconds=True) if run.finished_at else "—",
            run.platforms,
            "chạy thử" if run.dry_run else run.mode,
            STATUS_WORDS.get(run.status, run.status),
            detail,
        )
    console.print(table)
    console.print(
        f"Hàng đợi gửi: chờ gửi {queue['pending']} (kể cả chờ mở khoá sổ), tạm giữ {queue['held']}, "
        f"chờ Hiệu trưởng duyệt {queue['awaiting_approval']}, "
        f"kết quả cả năm chờ duyệt {queue['awaiting_results']}, bị từ chối {queue['dead']}."
    )
    for item in found.refused:
        console.print(f"  bị từ chối {item.platform} {item.entity} {item.key}: {item.message}", style="red")
    return 0


def approve(run_id: int, console: Console | None = None) -> int:
    console = _screen(console)
    settings = Settings()
    engine = service.open_store(settings)
    try:
        with Session(engine) as session:
            actor = current_actor(session)
        released = service.approve(work_engine(engine, actor), run_id, actor)
    except (AccountError, ValueError) as exc:
        console.print(str(exc), style="red", markup=False)
        return exits.REFUSED
    if settings.files_only():  # a run held before the connections were removed: nothing sends it now
        console.print(
            f"Đã duyệt lần chạy #{run_id}: {released} thay đổi được đưa vào hàng đợi gửi, nhưng trường chưa "
            "kết nối hệ thống nào (chỉ nhập tệp) nên chưa có lần đồng bộ nào gửi chúng đi."
        )
        return 0
    console.print(f"Đã duyệt lần chạy #{run_id}: {released} thay đổi sẽ được gửi ở lần đồng bộ tới.")
    return 0


def verify_audit(console: Console | None = None) -> int:
    console = _screen(console)
    from lienthong.store.tenancy import INSTALLATION

    reports = service.verify_audit(service.open_store(Settings()))
    # one school and no installation entries: said as it always was; else chain by chain
    shown = {scope: report for scope, report in reports.items() if scope != INSTALLATION or report.entries}
    named = len(shown) > 1

    def name(scope: str) -> str:
        return "Nhật ký của cả hệ thống (tài khoản)" if scope == INSTALLATION else f"Nhật ký của trường {scope}"

    bad = False
    for scope, report in shown.items():
        for problem in report.problems:
            console.print(f"{name(scope)}: {problem}" if named else problem, style="red")
        bad = bad or bool(report.problems)
    if bad:
        return 1
    if named:
        for scope, report in shown.items():
            console.print(f"{name(scope)}: {report.entries} mục, nguyên vẹn.")
    console.print("Nhật ký kiểm toán nguyên vẹn.")
    return 0
