"""``lienthong reconcile``: every difference between the stored pulls, for people or for scripts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from lienthong.config.settings import Settings
from lienthong.reconciliation import service
from lienthong.reconciliation.discrepancy import KIND_WORDS
from lienthong.reconciliation.reports import ReportContext, render_html, render_pdf, render_xlsx
from lienthong.sync.service import open_store

RENDERERS = {"html": render_html, "xlsx": render_xlsx, "pdf": render_pdf}


def run_reconcile(
    output_format: str,
    class_code: str | None,
    out: Path | None,
    summary_file: Path | None = None,
    console: Console | None = None,
) -> int:
    console = console or Console()
    settings = Settings()
    try:
        result = service.reconcile_school(
            open_store(settings),
            settings.current_school_year(),
            class_code,
            pushed=service.scores_pushed(settings),
            settings=settings,
        )
    except service.NoData as exc:
        console.print(f"[red]{exc}[/red]")
        return 2
    if output_format in RENDERERS:
        _write_report(result, settings, output_format, class_code, out, console)
    elif output_format == "json":
        _write_json(result, out, summary_file)
    else:
        _print_table(result, console)
    return 1 if result.found else 0


def _write_report(
    result: service.Reconciliation,
    settings: Settings,
    output_format: str,
    class_code: str | None,
    out: Path | None,
    console: Console,
) -> None:
    context = ReportContext(
        f"Trường {settings.ma_truong}" if settings.ma_truong else "Trường",
        result.school_year,
        result.at.astimezone(service.VN_TZ),
        class_code,
        result.teachers,
    )
    rendered = RENDERERS[output_format](result.records(), context)
    if isinstance(rendered, str):
        rendered = rendered.encode("utf-8")
    if out:
        out.write_bytes(rendered)
        console.print(f"Đã ghi báo cáo {out} ({len(result.found)} khác biệt).")
    else:
        sys.stdout.buffer.write(rendered)


def _write_json(result: service.Reconciliation, out: Path | None, summary_file: Path | None) -> None:
    """JSON Lines on stdout (or ``out``), the summary on stderr (or ``summary_file``)."""
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in result.records())
    if out:
        out.write_text(lines, encoding="utf-8")
    else:
        sys.stdout.write(lines)
    summary = json.dumps(result.summary(), ensure_ascii=False)
    if summary_file:
        summary_file.write_text(summary + "\n", encoding="utf-8")
    else:
        print(summary, file=sys.stderr)


def _print_table(result: service.Reconciliation, console: Console) -> None:
    table = Table("Lớp", "Loại", "Nội dung", "Gợi ý")
    for d in sorted(result.found, key=lambda d: (d.class_code or "", d.kind)):
        table.add_row(d.class_code or "", KIND_WORDS.get(d.kind, d.kind), d.message, d.suggestion)
    console.print(table)
    changes = result.changes
    console.print(
        f"Tổng cộng {len(result.found)} khác biệt cần xem: mới {changes['new']}, đã có từ trước "
        f"{changes['seen'] + changes['reopened']}, đã tự đóng vì các nguồn đã khớp {changes['closed']}."
    )
