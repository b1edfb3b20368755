"""The JSON API behind the pages (OpenAPI at ``/docs``): the same services, the same scoping.

Sign in with ``POST /api/session`` (throttled and audited like the page) and send the token as
``Authorization: Bearer …``; a browser already signed in may call it with its cookie, changes then
carrying the page's CSRF token in ``X-CSRF-Token``. Messages are Vietnamese, field names English.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from lienthong.dashboard import views
from lienthong.dashboard.deps import account_store, checked_call, dashboard, signed_in, store
from lienthong.dashboard.security import Who
from lienthong.reconciliation import resolution, results
from lienthong.store import access, accounts, audit
from lienthong.store.accounts import AccountError

router = APIRouter(prefix="/api", tags=["lienthong"])
REFUSAL_STATUS = {"window": 409, "rule": 403, "input": 400}


class Credentials(BaseModel):
    login: str = Field(description="Tên đăng nhập.")
    password: str = Field(description="Mật khẩu.")


class Proposal(BaseModel):
    reason: str = Field(description="Lý do (bắt buộc), ví dụ «đối chiếu bài kiểm tra gốc».")
    value: str | None = Field(None, description="Giá trị đúng, gõ tay (ưu tiên hơn `source`).")
    source: str | None = Field(None, description="Chọn giá trị của nguồn này (vnedu, gradebook, csdl…).")


class Decisions(BaseModel):
    ids: list[str] = Field(min_length=1, description="Mã các khác biệt đang chờ duyệt.")
    decision: Literal["approve", "reject"]
    note: str = Field("", description="Ghi chú khi duyệt; lý do (bắt buộc) khi từ chối.")
    present_board: str = Field(
        "", max_length=100, description="Thành viên Ban quản trị chứng kiến việc sửa (tên đăng nhập hoặc họ tên)."
    )
    present_gvcn: str = Field(
        "", max_length=100, description="GVCN của lớp chứng kiến việc sửa (tên đăng nhập hoặc họ tên)."
    )


def _refused(exc: resolution.ResolutionError) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=REFUSAL_STATUS[resolution.refusal_kind(exc)])


@router.post("/session", summary="Đăng nhập: trả về mã phiên (Bearer)")
def open_session(body: Credentials, request: Request) -> Any:
    board = dashboard(request)
    with Session(accounts.audit_engine(board.engine, body.login)) as session:  # the login's audit chain
        return _opening(board, session, body)


def _opening(board: Any, session: Session, body: Credentials) -> Any:
    now = board.clock()
    try:
        actor = accounts.sign_in(session, body.login, body.password, now, via="api")
    except AccountError as exc:
        session.commit()  # the refusal is audited
        status = 429 if isinstance(exc, accounts.Throttled) else 401
        return JSONResponse({"detail": str(exc)}, status_code=status)
    token, expires = accounts.open_session(session, actor, now, board.guard.session_hours)
    session.commit()
    return {"token": token, "expires_at": expires.isoformat(), "account": views.actor_json(actor)}


@router.delete("/session", status_code=204, summary="Đăng xuất: mã phiên hết hiệu lực")
def close_session(
    request: Request, who: Who = Depends(checked_call), session: Session = Depends(account_store)
) -> Response:
    accounts.close_session(session, who.token)
    audit.append(session, who.actor.ref, "logout", {"login": who.actor.login, "via": "api"}, dashboard(request).clock())
    session.commit()
    return Response(status_code=204)


@router.get("/me", summary="Tài khoản đang đăng nhập và phạm vi của nó")
def me(who: Who = Depends(signed_in)) -> Any:
    scope = access.scope_of(who.actor)
    return {
        **views.actor_json(who.actor),
        "may": {"student_data": scope.student_data, "propose": scope.propose, "approve": scope.approve},
    }


@router.get("/discrepancies", summary="Khác biệt còn mở trong phạm vi của tài khoản")
def discrepancy_list(
    class_code: str | None = Query(None, alias="class", description="Lớp, ví dụ 6A1."),
    offset: int = Query(0, ge=0),
    limit: int = Query(100, ge=1, le=1000),
    who: Who = Depends(signed_in),
    session: Session = Depends(store),
) -> Any:
    code = class_code.strip().upper() if class_code else None
    rows = access.discrepancies(session, who.actor, code, limit=limit, offset=offset)
    read = access.read_times(session)
    classes = access.scope_of(who.actor).classes
    items = [views.discrepancy_json(row, read, classes=classes) for row in rows]
    return {"items": items, "offset": offset, "limit": limit}


@router.get("/discrepancies/{discrepancy_id}", summary="Một khác biệt và các bước xử lý")
def discrepancy(discrepancy_id: str, who: Who = Depends(signed_in), session: Session = Depends(store)) -> Any:
    row = access.discrepancy(session, who.actor, discrepancy_id)
    return {
        **views.discrepancy_json(row, access.read_times(session), classes=access.scope_of(who.actor).classes),
        "history": [views.step_json(step) for step in resolution.history(session, row.id)],
    }


@router.post("/discrepancies/{discrepancy_id}/proposal", summary="GVCN đề xuất giá trị đúng, kèm lý do")
def propose(
    discrepancy_id: str,
    body: Proposal,
    request: Request,
    who: Who = Depends(checked_call),
    session: Session = Depends(store),
) -> Any:
    board = dashboard(request)
    row = access.require_proposer(session, who.actor, discrepancy_id)
    values = (row.record or {}).get("values") or {}
    value = (body.value or "").strip() or (str(values.get(body.source, "")) if body.source else "")
    try:
        if not value:
            raise resolution.ResolutionError(
                "Hãy chọn giá trị của một nguồn (`source`) hoặc gõ giá trị đúng (`value`)."
            )
        step = resolution.propose_in_window(
            session, discrepancy_id, value, body.reason, who.actor, board.clock(), board.windows()
        )
    except resolution.ResolutionError as exc:
        session.rollback()
        return _refused(exc)
    session.commit()
    session.refresh(row)
    return {"id": row.id, "status": row.status, "status_words": views.STATUS_WORDS[row.status], **views.step_json(step)}


@router.get("/approvals", summary="Đề xuất đang chờ Hiệu trưởng duyệt")
def approvals(request: Request, who: Who = Depends(signed_in), session: Session = Depends(store)) -> Any:
    read = access.read_times(session)
    return {
        "items": [
            {
                **views.discrepancy_json(row, read),
                "proposal": views.step_json(step),
                "witnesses": resolution.witness_rule(session, row, dashboard(request).results_where),
            }
            for row, step in access.approval_queue(session, who.actor)
        ]
    }


@router.post("/approvals", summary="Duyệt hoặc từ chối một hay nhiều đề xuất")
def decide(
    body: Decisions, request: Request, who: Who = Depends(checked_call), session: Session = Depends(store)
) -> Any:
    board = dashboard(request)
    access.require_approver(who.actor)
    for discrepancy_id in body.ids:
        access.discrepancy(session, who.actor, discrepancy_id)
    decisions = resolution.decide(
        session,
        body.ids,
        body.decision == "approve",
        who.actor,
        board.clock(),
        body.note,
        board.authority,
        board.windows(),
        resolution.Present(body.present_board, body.present_gvcn),
        board.results_where,
    )
    session.commit()
    items = [
        {"id": d.discrepancy_id, "done": d.done, "released": d.released, "refusal": d.refusal, "refused": d.refused}
        for d in decisions
    ]
    refused = [d for d in decisions if not d.done]
    status = 200 if len(refused) < len(decisions) else max(REFUSAL_STATUS[d.refused] for d in refused)
    return JSONResponse({"items": items}, status_code=status)


# --- class results: the GVCN confirms, the principal approves or reopens -------------------------


class ResultsStep(BaseModel):
    class_code: str = Field(alias="class", description="Lớp, ví dụ 9A1.")
    period: str = Field(description="HK1, HK2 hoặc CN (cả năm).")
    fingerprint: str | None = Field(
        None, description="Khi xác nhận: mã kiểm tra của nội dung đã xem (`fingerprint` của GET /api/results)."
    )
    reason: str = Field("", description="Khi mở lại: lý do (bắt buộc).")


def _results_refused(exc: results.ResultsError) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=409 if isinstance(exc, results.ResultsRefused) else 400)


@router.get("/results", summary="Kết quả các lớp trong phạm vi của tài khoản, kèm trạng thái xác nhận, duyệt")
def results_list(
    request: Request,
    class_code: str | None = Query(None, alias="class"),
    period: str | None = None,
    who: Who = Depends(signed_in),
    session: Session = Depends(store),
) -> Any:
    try:
        found = results.statuses(session, who.actor, dashboard(request).results_where, class_code, period)
    except results.ResultsError as exc:
        return _results_refused(exc)
    return {"items": [item.as_json() for item in found]}


@router.post("/results/{step}", summary="Xác nhận (GVCN), duyệt hoặc mở lại (Hiệu trưởng) kết quả của một lớp")
def results_step(
    step: Literal["confirm", "approve", "reopen"],
    body: ResultsStep,
    request: Request,
    who: Who = Depends(checked_call),
    session: Session = Depends(store),
) -> Any:
    board = dashboard(request)
    where, now = board.results_where, board.clock()
    try:
        if step == "confirm":
            found = results.confirm(session, who.actor, where, body.class_code, body.period, now, body.fingerprint)
        elif step == "approve":
            found = results.approve(session, who.actor, where, body.class_code, body.period, now)
        else:
            found = results.reopen(session, who.actor, where, body.class_code, body.period, body.reason, now)
    except results.ResultsError as exc:
        session.rollback()
        return _results_refused(exc)
    session.commit()
    return found.as_json()
