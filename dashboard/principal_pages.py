"""The principal's page (``/tong-quan``): completeness per class × subject as a heat table,
per-teacher progress, who is late, open discrepancies by class and age, sync health per platform,
the portal's requests; a class's detail (``/tong-quan/lop/6A1``); the page as XLSX and PDF, each
export written to the audit log with its account (Bình An regulation, art. 9.3). The same page,
scoped by `store.access` to a department's subjects, for its head.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from lienthong.dashboard import charts, exports, overview
from lienthong.dashboard.deps import checked_form, dashboard, signed_in, store
from lienthong.dashboard.pages import render
from lienthong.dashboard.security import Who
from lienthong.mapping.calendar import VN_TZ
from lienthong.reconciliation import completeness_cadence as cadence
from lienthong.reconciliation import service as reconciliation_service
from lienthong.reconciliation.completeness_figures import percent_entered
from lienthong.store import access
from lienthong.sync import operations, portal_reports

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["lienthong"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _semester(hk: str | None) -> str | None:
    return hk if hk in ("1", "2") else None


def _overview(request: Request, who: Who, session: Session, semester: str | None) -> overview.Overview:
    board = dashboard(request)
    return overview.overview(board.records, session, board.engine, board.settings, who.actor, board.clock(), semester)


def _class_bars(ov: overview.Overview, semester: str | None) -> list[charts.Bar]:
    if ov.figures is None:
        return []
    bars = []
    for code in ov.classes:
        mine = ov.figures.scoped(classes=[code])
        share = percent_entered(mine.entered, mine.required)
        href = f"/tong-quan/lop/{code}" + (f"?hk={semester}" if semester else "")
        bars.append(charts.Bar(code, share, href, f"Lớp {code}: {mine.entered}/{mine.required} đầu điểm ({share}%)"))
    return bars


SUBMIT_DONE = (
    "Đã xếp báo cáo {code} vào hàng đợi gửi Sở (số liệu từ kết quả đã duyệt): "
    "gửi ở lần đồng bộ cổng báo cáo tới, không bao giờ gửi trùng."
)
SUBMIT_ALREADY = "Sở đã nhận báo cáo {code} với đúng số liệu này: không nộp lại."


@router.get("/tong-quan")
def principal_page(
    request: Request,
    hk: str | None = None,
    nop: str = "",
    da: str = "",
    who: Who = Depends(signed_in),
    session: Session = Depends(store),
) -> Response:
    semester = _semester(hk)
    ov = _overview(request, who, session, semester)
    scope = access.scope_of(who.actor)
    return render(
        request,
        "principal.j2",
        who,
        ov=ov,
        semester=semester,
        title=exports.title_of(ov),
        class_chart=charts.share_bars(_class_bars(ov, semester), "Mức độ nhập điểm theo lớp"),
        age_chart=charts.age_bars(
            ov.by_age, access.AGE_WORDS, "/khac-biet?lop={lop}&tuoi={tuoi}", "Khác biệt đang mở theo lớp và tuổi"
        ),
        operations=scope.operations,
        may_submit=who.actor.role == "principal",
        submit_forms=portal_reports.FORMS,
        done=(SUBMIT_ALREADY if da else SUBMIT_DONE).format(code=nop) if nop in _request_codes(ov) else "",
        **exports.helpers(),
    )


def _request_codes(ov: overview.Overview) -> set[str]:
    return {r.code for r in ov.portal.requests} if ov.portal else set()


@router.post("/tong-quan/bao-cao/{code}/nop")
def submit_report(
    request: Request,
    code: str,
    _form: FormData = Depends(checked_form),
    who: Who = Depends(signed_in),
    session: Session = Depends(store),
) -> Response:
    """«Nộp báo cáo»: the principal puts the report answering ``code`` in the outbox (TK-CLGD from the
    approved class results only, TK-CHUYENCAN once its month is over: `sync.portal_reports`); the next
    portal run sends it."""
    access.require_results_approver(who.actor)
    board = dashboard(request)
    try:
        _report, item = portal_reports.plan(session, who.actor, board.results_where, code, board.clock())
    except portal_reports.PortalReportRefused as exc:
        session.rollback()
        return render(request, "error.j2", who, 409, title="Chưa nộp được báo cáo", message=str(exc))
    except portal_reports.PortalReportError as exc:
        session.rollback()
        return render(request, "error.j2", who, 404, title="Không tìm thấy yêu cầu báo cáo", message=str(exc))
    session.commit()
    already = "&da=1" if item is None else ""
    return RedirectResponse(f"/tong-quan?nop={quote(code)}{already}#bao-cao-so", status_code=303)


@router.get("/tong-quan/lop/{class_code}")
def class_page(
    request: Request,
    class_code: str,
    hk: str | None = None,
    who: Who = Depends(signed_in),
    session: Session = Depends(store),
) -> Response:
    board = dashboard(request)
    access.require_overview(who.actor)
    code = class_code.strip().upper()
    try:
        figures = overview.scoped_report(
            board.records, session, board.engine, board.settings, who.actor, board.clock(), code, _semester(hk)
        )
    except reconciliation_service.UnknownChoice as exc:
        raise access.NotFound(str(exc)) from None
    except reconciliation_service.NoData as exc:
        raise access.NotFound(str(exc)) from None
    return render(
        request,
        "class_figures.j2",
        who,
        figures=figures,
        code=code,
        semester=_semester(hk),
        title=f"Lớp {code}",
        CHECKPOINT_WORDS=cadence.CHECKPOINT_WORDS,
        CADENCE_WORDS=cadence.STATUS_WORDS,
    )


def _export(request: Request, who: Who, session: Session, hk: str | None, fmt: str) -> Response:
    board = dashboard(request)
    semester = _semester(hk)
    ov = _overview(request, who, session, semester)
    now = board.clock()
    school = board.settings.ma_truong or "Trường"
    if fmt == "xlsx":
        body, media = exports.overview_xlsx(ov, school, now), XLSX
    else:
        body, media = exports.overview_pdf(board.templates, ov, school, now), "application/pdf"
    operations.log_export(board.engine, who.actor, "overview", fmt, overview.export_scope(who.actor, semester), now)
    name = f"tong-quan-{now.astimezone(VN_TZ).strftime('%Y%m%d-%H%M')}.{fmt}"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/tong-quan.xlsx")
def principal_xlsx(
    request: Request, hk: str | None = None, who: Who = Depends(signed_in), session: Session = Depends(store)
) -> Response:
    return _export(request, who, session, hk, "xlsx")


@router.get("/tong-quan.pdf")
def principal_pdf(
    request: Request, hk: str | None = None, who: Who = Depends(signed_in), session: Session = Depends(store)
) -> Response:
    return _export(request, who, session, hk, "pdf")


@api.get("/overview", summary="Tổng quan: mức độ nhập điểm, khác biệt theo tuổi, đồng bộ, báo cáo Sở")
def overview_json(
    request: Request, semester: str | None = None, who: Who = Depends(signed_in), session: Session = Depends(store)
) -> Any:
    """The principal's page as JSON (a department head: the department's subjects); an export of
    personal data (teachers' names), so it is written to the audit log with the account."""
    board = dashboard(request)
    chosen = _semester(semester)
    ov = _overview(request, who, session, chosen)
    operations.log_export(
        board.engine, who.actor, "overview", "json", overview.export_scope(who.actor, chosen), board.clock()
    )
    return {
        "completeness": ov.figures.as_json() if ov.figures else None,
        "no_data": ov.no_data or None,
        "discrepancies_by_age": ov.by_age,
        "platforms": [h.as_json() for h in ov.health],
        "portal": None
        if ov.portal is None
        else {
            "on_time": ov.portal.on_time,
            "late": ov.portal.late,
            "on_time_rate": ov.portal.rate,
            "requests": [
                {
                    "code": r.code,
                    "name": r.name,
                    "form": r.form,
                    "status": r.status,
                    "due": r.due.isoformat() if r.due else None,
                    "on_time": r.on_time,
                    "overdue": r.overdue,
                }
                for r in ov.portal.requests
            ],
        },
    }
