"""``lienthong export csdl-ketqua|csdl-hocsinh``: the CSDL's import files from canonical data.

Refuses while score or identity discrepancies are open for the classes asked (a file built
on a wrong score or a doubtful link would carry it into the ministry's database), unless
``--force``, which is written to the audit log. Exit: 0 written, 1 written but some students
left out, 2 refused or bad input.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from lienthong.config.settings import Settings
from lienthong.reconciliation import service
from lienthong.store.files import OutputRefused, check_output, database_files, write_output
from lienthong.sync.service import open_store

BLOCKING_WORDS = {
    "score_mismatch": "điểm khác sổ điểm",
    "missing_score": "thiếu điểm",
    "identity_doubt": "nghi vấn danh tính",
}


def run_export(
    what: str,
    semester: str | None,
    class_code: str | None,
    out: Path,
    force: bool,
    actor: str,
    console: Console | None = None,
    overwrite: bool = False,
) -> int:
    console = console or Console(markup=False, highlight=False, soft_wrap=True)
    settings = Settings()
    protect = database_files(settings.database_url)  # an export over the database would destroy it
    try:
        check_output(out, overwrite=overwrite, protect=protect)  # before any work or audit entry
    except OutputRefused as exc:
        console.print(f"{exc}", style="red")
        return 2
    try:
        made = service.export_for_csdl(
            open_store(settings),
            what,
            settings.current_school_year(),
            semester,
            class_code,
            force,
            actor,
            pushed=service.scores_pushed(settings),
            settings=settings,
            write=lambda data: write_output(out, data, overwrite=overwrite, protect=protect),
        )
    except OutputRefused as exc:  # the path changed meanwhile (a file or link appeared): nothing audited
        console.print(f"{exc}", style="red")
        return 2
    blocking = made.blocking
    if made.refused:
        console.print(
            f"Chưa xuất tệp: còn {len(blocking)} khác biệt về điểm hoặc danh tính chưa giải quyết"
            f"{' ở lớp ' + class_code if class_code else ''}. Hãy xử lý (lienthong reconcile) hoặc dùng "
            "--force (được ghi vào nhật ký kiểm toán).",
            style="red",
        )
        for d in blocking[:10]:
            console.print(f"  • {BLOCKING_WORDS[d.kind]}: {d.message}")
        return 2
    if not made.rows:
        console.print("Không có học sinh nào để xuất (chưa có dữ liệu đã đối chiếu cho lựa chọn này).", style="red")
        return 2
    console.print(f"Đã ghi {out}: {made.rows} học sinh.")
    if blocking:
        console.print(
            f"Đã xuất dù còn {len(blocking)} khác biệt (--force); đã ghi vào nhật ký kiểm toán.", style="yellow"
        )
    if made.incomplete:
        console.print(f"{len(made.incomplete)} học sinh chưa đủ dữ liệu nên không có trong tệp:", style="yellow")
        for line in made.incomplete[:30]:
            console.print(f"  • {line}")
    return 1 if made.incomplete else 0
