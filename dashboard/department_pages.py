"""The department's page (``/so/truong``, «Các trường»): the schools a Sở GD&ĐT officer oversees side
by side — completeness, open discrepancies, sync health per platform, pushes waiting and refused,
the portal's on-time rate — sortable by each column on the server (``?sap_xep=…&nguoc=1``, no
JavaScript needed), and its JSON twin (``/api/schools``). Aggregate figures only: who may read
which school is `store.access`'s decision, the figures are `sync.schools_overview`'s.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from lienthong.dashboard import exports
from lienthong.dashboard.deps import dashboard, signed_in
from lienthong.dashboard.operations_pages import RUN_WORDS
from lienthong.dashboard.pages import render
from lienthong.dashboard.security import Who
from lienthong.store import access
from lienthong.sync import schools_overview
from lienthong.sync.schools_overview import UnknownSort

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["lienthong"])
# the page's columns, in order: (sort key, heading)
COLUMNS = (
    ("ma_truong", "Mã trường"),
    ("name", "Tên trường"),
    ("completeness", "Đủ điểm"),
    ("discrepancies", "Khác biệt đang mở"),
    ("sync", "Đồng bộ"),
    ("waiting", "Chờ gửi"),
    ("dead", "Bị từ chối"),
    ("on_time", "Nộp đúng hạn"),
)
# which way each column's first sort runs (`SORT_KEYS`: the worst first), for ``aria-sort`` and the arrow
ASCENDING = frozenset({"ma_truong", "name", "completeness", "on_time"})
DESCENDING = frozenset({"discrepancies", "waiting", "dead"})  # "sync": failing first, then the stalest: neither


def direction(key: str, reverse: bool) -> str:
    """``aria-sort`` of the column sorted by ``key``."""
    if key in ASCENDING:
        return "descending" if reverse else "ascending"
    if key in DESCENDING:
        return "ascending" if reverse else "descending"
    return "other"


def _summaries(request: Request, who: Who, sort: str, reverse: bool) -> list[schools_overview.SchoolSummary]:
    access.require_department(who.actor)
    board = dashboard(request)
    return schools_overview.summaries(board.engine, board.settings, board.clock(), who.actor, sort, reverse)


@router.get("/so/truong")
def schools_page(
    request: Request, sap_xep: str = "ma_truong", nguoc: str = "", who: Who = Depends(signed_in)
) -> Response:
    reverse = nguoc == "1"
    try:
        found = _summaries(request, who, sap_xep, reverse)
    except UnknownSort as exc:
        return render(request, "error.j2", who, 400, title="Không sắp xếp được", message=str(exc))
    return render(
        request,
        "schools.j2",
        who,
        title="Các trường",
        schools=found,
        columns=COLUMNS,
        sort=sap_xep,
        reverse=reverse,
        direction=direction(sap_xep, reverse),
        RUN_WORDS=RUN_WORDS,
        lag_words=exports.lag_words,
    )


@api.get("/schools", summary="Các trường song song: đủ điểm, khác biệt, đồng bộ, hàng đợi, nộp báo cáo đúng hạn")
def schools_json(
    request: Request, sort: str = "ma_truong", reverse: bool = False, who: Who = Depends(signed_in)
) -> Any:
    """The schools this account oversees (a Sở officer hers, IT every school), aggregate figures
    only, sorted as the page sorts them (the worst first; ``reverse``: the best first)."""
    try:
        found = _summaries(request, who, sort, reverse)
    except UnknownSort as exc:
        return JSONResponse({"detail": str(exc)}, status_code=422)
    return {"sort": sort, "reverse": reverse, "schools": [s.as_api_json() for s in found]}
