"""``lienthong match``: which vnEdu student is which CSDL student, from the last pulls."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from lienthong.config.settings import Settings
from lienthong.reconciliation import service
from lienthong.sync.service import open_store


def run_match(console: Console | None = None) -> int:
    console = console or Console(markup=False, highlight=False, soft_wrap=True)
    try:
        settings = Settings()
        found = service.match_students(open_store(settings), settings)
    except service.NoData as exc:
        console.print(f"{exc}", style="red")
        return 2
    result, names, anchor_names = found.result, found.others, found.anchors
    by_method = found.by_method()
    console.print(
        f"vnEdu {len(names)} học sinh, CSDL {len(anchor_names)} học sinh: liên kết {len(result.links)} "
        f"(mã định danh {by_method.get('ministry_id', 0)}, số định danh cá nhân "
        f"{by_method.get('personal_id', 0)}, so khớp họ tên/ngày sinh {by_method.get('scored', 0)}); "
        f"cần người xác nhận {len(result.doubts)}; trùng {len(result.duplicates)}; "
        f"không có trên CSDL {len(result.unmatched)}."
    )
    if result.doubts or result.duplicates:
        table = Table("Loại", "Học sinh vnEdu", "Lớp", "Ứng viên trên CSDL")
        for doubt in result.doubts:
            who = names[doubt.key]
            candidates = "; ".join(
                f"{anchor_names[a].full_name} {anchor_names[a].class_code} ({s:.0%})" for a, s in doubt.candidates
            )
            table.add_row(
                f"nghi vấn ({doubt.reason})", f"{who.full_name} [{who.key}]", who.class_code or "", candidates
            )
        for key, anchor, holder in result.duplicates:
            who = names[key]
            table.add_row(
                "trùng học sinh",
                f"{who.full_name} [{key}]",
                who.class_code or "",
                f"{anchor_names[anchor].full_name} — đã gắn với vnEdu {holder}",
            )
        console.print(table)
    for source, bad in found.unreadable.items():
        for key, reason in bad.items():
            console.print(f"  {source} {key}: không đọc được — {reason}")
    unreadable = any(found.unreadable.values())
    return 1 if result.doubts or result.duplicates or unreadable else 0
