"""``lienthong reconcile``: every difference between the stored pulls, for people or for scripts."""

from __future__ import annotations

import gc
import json
import sys
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from lienthong.config.settings import Settings
from lienthong.reconciliation.compare import SheetTable, reconcile
from lienthong.reconciliation.discrepancy import KIND_WORDS
from lienthong.reconciliation.register import homeroom_teachers, record
from lienthong.reconciliation.reports import ReportContext, render_html, render_pdf, render_xlsx
from lienthong.store.db import make_engine, migrate
from lienthong.store.repository import snapshot_versions
from lienthong.store.tables import SourceSnapshotRow

ENTITIES = {"gradebook": ("diem",), "vnedu": ("lop", "hoc_sinh", "diem", "diem_danh", "hanh_kiem", "tong_hop"),
            "csdl": ("hoc_sinh", "ket_qua"), "portal": ("yeu_cau_bao_cao",)}
RENDERERS = {"html": render_html, "xlsx": render_xlsx, "pdf": render_pdf}
VN_TZ = timezone(timedelta(hours=7))


def load_sources(settings: Settings) -> dict:
    """Every stored pull and import, as reconciliation reads them (source → entity → key → payload)."""
    migrate(settings.database_url)
    with Session(make_engine(settings.database_url)) as session:
        sources = {source: {entity: {k: p for k, (_, p) in snapshot_versions(session, source, entity).items()}
                            for entity in entities} for source, entities in ENTITIES.items()}
    for source in ("gradebook", "vnedu"):  # score sheets digested once, for the bulk comparison
        sources[source]["diem"] = SheetTable(sources[source]["diem"])
    return sources


def last_seen(settings: Settings) -> dict[str, str]:
    """When each source was last read (pulled or imported): how fresh the values shown are."""
    table = SourceSnapshotRow.__table__
    with Session(make_engine(settings.database_url)) as session:
        rows = session.execute(sa.select(table.c.source, sa.func.max(table.c.seen_at)).group_by(table.c.source))
        return {source: _vn_time(at) for source, at in rows if at is not None}


def _vn_time(at: datetime) -> str:
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(VN_TZ).isoformat(timespec="seconds")


def _with_seen(record: dict, seen: dict[str, str]) -> dict:
    sources = [s for s in record["values"] if s in seen] or list(record["student"]["keys"])
    return {**record, "seen": {s: seen[s] for s in sources if s in seen}}


def run_reconcile(output_format: str, class_code: str | None, out: Path | None, summary_file: Path | None = None,
                  console: Console | None = None) -> int:
    console = console or Console()
    settings = Settings()
    sources = load_sources(settings)
    gc.freeze()  # hundreds of thousands of loaded records live to the end: keep the collector off them
    if not any(records for entities in sources.values() for records in entities.values()):
        console.print("[red]Chưa có dữ liệu: hãy chạy `lienthong sync --once` hoặc `lienthong import TỆP…` trước.[/red]")
        return 2
    today = date.today()
    found = [d for d in reconcile(sources, settings.current_school_year(today), None, today)
             if not class_code or d.class_code == class_code]
    teachers = homeroom_teachers(sources["vnedu"].get("lop", {}))
    now = datetime.now(timezone.utc)
    with Session(make_engine(settings.database_url)) as session:
        changes = record(session, found, now, {class_code} if class_code else None, teachers)
        session.commit()
    if output_format in RENDERERS:
        context = ReportContext(f"Trường {settings.ma_truong}" if settings.ma_truong else "Trường",
                                settings.current_school_year(today), now.astimezone(VN_TZ), class_code, teachers)
        seen = last_seen(settings)
        rendered = RENDERERS[output_format]([_with_seen(d.as_json(), seen) for d in found], context)
        if isinstance(rendered, str):
            rendered = rendered.encode("utf-8")
        if out:
            out.write_bytes(rendered)
            console.print(f"Đã ghi báo cáo {out} ({len(found)} khác biệt).")
        else:
            sys.stdout.buffer.write(rendered)
    elif output_format == "json":
        seen = last_seen(settings)
        lines = "".join(json.dumps(_with_seen(d.as_json(), seen), ensure_ascii=False) + "\n" for d in found)
        if out:
            out.write_text(lines, encoding="utf-8")
        else:
            sys.stdout.write(lines)
        counts = Counter(d.kind for d in found)
        summary = json.dumps({"total": len(found), "new": changes["new"], "closed": changes["closed"],
                              "by_kind": dict(sorted(counts.items())),
                              "by_class": dict(sorted(Counter(d.class_code for d in found).items()))}, ensure_ascii=False)
        if summary_file:
            summary_file.write_text(summary + "\n", encoding="utf-8")
        else:
            print(summary, file=sys.stderr)
    else:
        table = Table("Lớp", "Loại", "Nội dung", "Gợi ý")
        for d in sorted(found, key=lambda d: (d.class_code or "", d.kind)):
            table.add_row(d.class_code or "", KIND_WORDS.get(d.kind, d.kind), d.message, d.suggestion)
        console.print(table)
        console.print(f"Tổng cộng {len(found)} khác biệt cần xem: mới {changes['new']}, đã có từ trước "
                      f"{changes['seen'] + changes['reopened']}, đã tự đóng vì các nguồn đã khớp {changes['closed']}.")
    return 1 if found else 0
