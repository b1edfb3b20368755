"""``lienthong match``: which vnEdu student is which CSDL student, from the last pulls."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from lienthong.config.settings import Settings
from lienthong.reconciliation.matching import match
from lienthong.reconciliation.people import people
from lienthong.store.db import make_engine, migrate
from lienthong.store.repository import snapshot_versions


def run_match(console: Console | None = None) -> int:
    console = console or Console()
    settings = Settings()
    migrate(settings.database_url)
    with Session(make_engine(settings.database_url)) as session:
        csdl = {k: p for k, (_, p) in snapshot_versions(session, "csdl", "hoc_sinh").items()}
        vnedu = {k: p for k, (_, p) in snapshot_versions(session, "vnedu", "hoc_sinh").items()}
    if not csdl or not vnedu:
        console.print("[red]Chưa có danh sách học sinh của cả CSDL và vnEdu: hãy chạy `lienthong sync --once` trước.[/red]")
        return 2
    anchors, bad_csdl = people("csdl", csdl)
    others, bad_vnedu = people("vnedu", vnedu)
    result = match(anchors, others)
    by_method: dict[str, int] = {}
    for link in result.links.values():
        by_method[link.method] = by_method.get(link.method, 0) + 1
    console.print(f"vnEdu {len(others)} học sinh, CSDL {len(anchors)} học sinh: liên kết {len(result.links)} "
                  f"(mã định danh {by_method.get('ministry_id', 0)}, số định danh cá nhân "
                  f"{by_method.get('personal_id', 0)}, so khớp họ tên/ngày sinh {by_method.get('scored', 0)}); "
                  f"cần người xác nhận {len(result.doubts)}; trùng {len(result.duplicates)}; "
                  f"không có trên CSDL {len(result.unmatched)}.")
    names = {p.key: p for p in others}
    anchor_names = {p.key: p for p in anchors}
    if result.doubts or result.duplicates:
        table = Table("Loại", "Học sinh vnEdu", "Lớp", "Ứng viên trên CSDL")
        for doubt in result.doubts:
            who = names[doubt.key]
            candidates = "; ".join(f"{anchor_names[a].full_name} {anchor_names[a].class_code} ({s:.0%})"
                                   for a, s in doubt.candidates)
            table.add_row(f"nghi vấn ({doubt.reason})", f"{who.full_name} [{who.key}]", who.class_code or "", candidates)
        for key, anchor, holder in result.duplicates:
            who = names[key]
            table.add_row("trùng học sinh", f"{who.full_name} [{key}]", who.class_code or "",
                          f"{anchor_names[anchor].full_name} — đã gắn với vnEdu {holder}")
        console.print(table)
    for source, bad in (("CSDL", bad_csdl), ("vnEdu", bad_vnedu)):
        for key, reason in bad.items():
            console.print(f"  {source} {key}: không đọc được — {reason}")
    return 1 if result.doubts or result.duplicates or bad_csdl or bad_vnedu else 0
