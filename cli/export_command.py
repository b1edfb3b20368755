"""``lienthong export csdl-ketqua|csdl-hocsinh``: the CSDL's import files from canonical data.

Refuses while score or identity discrepancies are open for the classes asked (a file built
on a wrong score or a doubtful link would carry it into the ministry's database), unless
``--force``, which is written to the audit log. Exit: 0 written, 1 written but some students
left out, 2 refused or bad input.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from rich.console import Console
from sqlmodel import Session

from lienthong.cli.reconcile_command import load_sources
from lienthong.config.settings import Settings
from lienthong.connectors.csdl.excel import write_results, write_student_list
from lienthong.reconciliation.compare import reconcile
from lienthong.reconciliation.csdl_files import results_file, student_list_file
from lienthong.reconciliation.register import record
from lienthong.store.db import make_engine
from lienthong.sync import audit

BLOCKING = ("score_mismatch", "missing_score", "identity_doubt")
BLOCKING_WORDS = {"score_mismatch": "điểm khác sổ điểm", "missing_score": "thiếu điểm",
                  "identity_doubt": "nghi vấn danh tính"}


def run_export(what: str, semester: str | None, class_code: str | None, out: Path, force: bool, actor: str,
               console: Console | None = None) -> int:
    console = console or Console()
    settings = Settings()
    sources = load_sources(settings)
    today = date.today()
    school_year = settings.current_school_year(today)
    found = [d for d in reconcile(sources, school_year, None, today) if not class_code or d.class_code == class_code]
    engine = make_engine(settings.database_url)
    now = datetime.now(timezone.utc)
    with Session(engine) as session:
        record(session, found, now, {class_code} if class_code else None)
        session.commit()
    blocking = [d for d in found if d.kind in BLOCKING]
    if blocking and not force:
        console.print(f"[red]Chưa xuất tệp: còn {len(blocking)} khác biệt về điểm hoặc danh tính chưa giải quyết"
                      f"{' ở lớp ' + class_code if class_code else ''}. Hãy xử lý (lienthong reconcile) hoặc dùng "
                      "--force (được ghi vào nhật ký kiểm toán).[/red]")
        for d in blocking[:10]:
            console.print(f"  • {BLOCKING_WORDS[d.kind]}: {d.message}")
        return 2
    if what == "csdl-ketqua":
        built = results_file(sources, school_year, semester or "1", class_code)
        data = write_results(built.records, built.students, semester or "1")
    else:
        built = student_list_file(sources, class_code)
        data = write_student_list(built.records)
    if not built.records:
        console.print("[red]Không có học sinh nào để xuất (chưa có dữ liệu đã đối chiếu cho lựa chọn này).[/red]")
        return 2
    out.write_bytes(data)
    with Session(engine) as session:
        audit.append(session, actor, "csdl_file_exported",
                     {"what": what, "semester": semester, "class": class_code, "rows": len(built.records),
                      "left_out": len(built.incomplete), "forced_over": len(blocking) if force else 0}, now)
        session.commit()
    console.print(f"Đã ghi {out}: {len(built.records)} học sinh.")
    if blocking:
        console.print(f"[yellow]Đã xuất dù còn {len(blocking)} khác biệt (--force); đã ghi vào nhật ký kiểm toán.[/yellow]")
    if built.incomplete:
        console.print(f"[yellow]{len(built.incomplete)} học sinh chưa đủ dữ liệu nên không có trong tệp:[/yellow]")
        for line in built.incomplete[:30]:
            console.print(f"  • {line}")
    return 1 if built.incomplete else 0
