"""Provincial reporting portal records ↔ canonical models (``contracts/portal.md``)."""

from __future__ import annotations

from typing import Any

from lienthong.mapping.canonical import ReportRequest
from lienthong.mapping.normalize import parse_date
from lienthong.mapping.sources import Payloads, SourceRecords

SOURCE, TITLE, FULL_TITLE = "portal", "cổng báo cáo", "cổng báo cáo của Sở"
ENTITIES = ("yeu_cau_bao_cao",)


def request_from_portal(code: str, item: dict[str, Any]) -> ReportRequest:
    due = item.get("han_nop")
    return ReportRequest.model_construct(
        code=code,
        name=item.get("ten") or code,
        form=item.get("ma_bieu_mau") or "",
        status=item.get("trang_thai") or "",
        due=parse_date(due[:10]) if due else None,
    )


def to_canonical(stored: dict[str, Payloads]) -> SourceRecords:
    records = SourceRecords(SOURCE, TITLE, FULL_TITLE)
    records.requests = [
        request_from_portal(code, item) for code, item in sorted(stored.get("yeu_cau_bao_cao", {}).items())
    ]
    return records
