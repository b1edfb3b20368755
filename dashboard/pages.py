"""The pages (Vietnamese, server-rendered; every form works without JavaScript).

Sign-in and sign-out, the password page, the list of a class's discrepancies with the form to
resolve each, one discrepancy with its history, the principal's approval queue.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from lienthong.dashboard import views
from lienthong.dashboard.deps import account_store, checked_form, dashboard, read_form, signed_in, store
from lienthong.dashboard.security import CSRF_FIELD, PRE_COOKIE, Who, safe_next, secure
from lienthong.reconciliation import resolution
from lienthong.store import access, accounts, audit
from lienthong.store.accounts import AccountError

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100


def render(request: Request, name: str, who: Who | None, status: int = 200, **context: Any) -> Response:
    board = dashboard(request)
    csrf = board.guard.token_for(who.token) if who else ""
    scope = access.scope_of(who.actor) if who else None
    base = {
        "who": who,
        "csrf": csrf,
        "csrf_field": CSRF_FIELD,
        "scope": scope,
        "files_only": board.settings.files_only(),  # no platform: nothing is sent, files are imported
    }
    return board.templates.TemplateResponse(request, name, {**base, **context}, status_code=status)


def _text(form: FormData, name: str) -> str:
    return _raw(form, name).strip()


def _raw(form: FormData, name: str) -> str:
    """A field as typed (passwords are not trimmed); a file posted in its place counts as empty."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


# --- sign-in --------------------------------------------------------------------------------


@router.get("/dang-nhap")
def sign_in_page(request: Request, tiep: str = "/", het: str = "") -> Response:
    ended = "Phiên đăng nhập đã hết hạn hoặc đã kết thúc: hãy đăng nhập lại." if het else ""
    return _sign_in_form(request, safe_next(tiep), ended)


def _sign_in_form(request: Request, target: str, error: str = "", login: str = "", status: int = 200) -> Response:
    board = dashboard(request)
    pre = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
    response = board.templates.TemplateResponse(
        request,
        "sign_in.j2",
        {"who": None, "csrf": board.guard.token_for(pre), "csrf_field": CSRF_FIELD, "next": target, "error": error}
        | {"login": login, "scope": None},
        status_code=status,
    )
    response.set_cookie(PRE_COOKIE, pre, max_age=3600, httponly=True, samesite="lax", secure=secure(request))
    return response


@router.post("/dang-nhap")
def sign_in(request: Request, form: FormData = Depends(read_form)) -> Response:
    board = dashboard(request)
    board.guard.check(_text(form, CSRF_FIELD) or None, request.cookies.get(PRE_COOKIE))
    login, target = _text(form, "ten"), safe_next(_text(form, "tiep"))
    with Session(accounts.audit_engine(board.engine, login)) as session:  # the login's chain
        return _signing_in(request, session, login, _raw(form, "mat_khau"), target)


def _signing_in(request: Request, session: Session, login: str, password: str, target: str) -> Response:
    board = dashboard(request)
    now = board.clock()
    try:
        actor = accounts.sign_in(session, login, password, now)
    except accounts.Throttled as exc:
        session.commit()  # the refusal is audited
        return _sign_in_form(request, target, str(exc), login, 429)
    except AccountError as exc:
        session.commit()
        return _sign_in_form(request, target, str(exc), login, 401)
    token, expires = accounts.open_session(session, actor, now, board.guard.session_hours)
    session.commit()
    response = RedirectResponse(target, status_code=303)
    board.guard.set_session(request, response, token, expires, now)
    return response


@router.post("/dang-xuat")
def sign_out(
    request: Request,
    form: FormData = Depends(checked_form),
    who: Who = Depends(signed_in),
    session: Session = Depends(account_store),
) -> Response:
    board = dashboard(request)
    accounts.close_session(session, who.token)
    audit.append(session, who.actor.ref, "logout", {"login": who.actor.login, "via": "web"}, board.clock())
    session.commit()
    response = RedirectResponse("/dang-nhap", status_code=303)
    board.guard.clear_session(request, response)
    return response


@router.get("/doi-mat-khau")
def password_page(request: Request, who: Who = Depends(signed_in)) -> Response:
    return render(request, "password.j2", who)


@router.post("/doi-mat-khau")
def change_password(
    request: Request,
    form: FormData = Depends(checked_form),
    who: Who = Depends(signed_in),
    session: Session = Depends(account_store),
) -> Response:
    board = dashboard(request)
    new, again = _raw(form, "moi"), _raw(form, "nhap_lai")
    now = board.clock()
    try:
        if new != again:
            raise AccountError("Hai lần nhập mật khẩu mới không giống nhau.")
        accounts.change_own_password(session, who.actor, _raw(form, "hien_tai"), new, now)
    except AccountError as exc:
        session.rollback()
        return render(request, "password.j2", who, 400, error=str(exc))
    token, expires = accounts.open_session(session, who.actor, now, board.guard.session_hours)  # the old one ended
    session.commit()
    fresh = Who(who.actor, token, True)
    response = render(request, "password.j2", fresh, done=True)
    board.guard.set_session(request, response, token, expires, now)
    return response


# --- home -----------------------------------------------------------------------------------


@router.get("/")
def home(request: Request, who: Who = Depends(signed_in), session: Session = Depends(store)) -> Response:
    scope = access.scope_of(who.actor)
    classes = access.counts_by_class(session, who.actor) if scope.student_data else {}
    waiting = len(access.approval_queue(session, who.actor)) if scope.approve else 0
    return render(request, "home.j2", who, classes=classes, waiting=waiting)


# --- discrepancies --------------------------------------------------------------------------


@router.get("/khac-biet")
def discrepancy_list(
    request: Request,
    lop: str | None = None,
    trang: int = 1,
    tuoi: str = "",
    who: Who = Depends(signed_in),
    session: Session = Depends(store),
) -> Response:
    age = tuoi if tuoi in access.AGES else None
    classes = access.visible_classes(session, who.actor)
    scope = access.scope_of(who.actor)
    chosen = lop.strip().upper() if lop and lop.strip() else None
    if chosen is None and scope.classes is not None and len(scope.classes) == 1:
        chosen = next(iter(scope.classes))
    page = max(1, trang)
    rows = access.discrepancies(
        session,
        who.actor,
        chosen,
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
        age=age,
        now=dashboard(request).clock(),
    )
    read = access.read_times(session)
    school = dashboard(request).settings.authority.school
    # scope.classes: whose candidates' birth dates the reader sees (`views.candidates`)
    items = [views.discrepancy_json(row, read, school, scope.classes) for row in rows[:PAGE_SIZE]]
    return render(
        request,
        "discrepancies.j2",
        who,
        items=items,
        classes=classes,
        chosen=chosen,
        page=page,
        more=len(rows) > PAGE_SIZE,
        may_propose=scope.propose,
        age=age,
        age_words=access.AGE_WORDS.get(age or "", ""),
    )


def _detail(
    request: Request, who: Who, session: Session, discrepancy_id: str, status: int = 200, **extra: Any
) -> Response:
    row = access.discrepancy(session, who.actor, discrepancy_id)
    scope = access.scope_of(who.actor)
    item = views.discrepancy_json(
        row, access.read_times(session), dashboard(request).settings.authority.school, scope.classes
    )
    history = resolution.history(session, row.id)
    names = accounts.names_by_ref(session, {step.actor for step in history})
    steps = [views.step_json(step, names) for step in history]
    return render(request, "discrepancy.j2", who, status, item=item, steps=steps, may_propose=scope.propose, **extra)


@router.get("/khac-biet/{discrepancy_id}")
def discrepancy_page(
    request: Request,
    discrepancy_id: str,
    xong: str = "",
    who: Who = Depends(signed_in),
    session: Session = Depends(store),
) -> Response:
    return _detail(request, who, session, discrepancy_id, done=xong)


@router.post("/khac-biet/{discrepancy_id}/de-xuat")
def propose(
    request: Request,
    discrepancy_id: str,
    form: FormData = Depends(checked_form),
    who: Who = Depends(signed_in),
    session: Session = Depends(store),
) -> Response:
    board = dashboard(request)
    row = access.require_proposer(session, who.actor, discrepancy_id)
    typed, chosen, candidate = _text(form, "gia_tri"), _text(form, "nguon"), _text(form, "ung_vien")
    value = candidate or typed or str(((row.record or {}).get("values") or {}).get(chosen, "") if chosen else "")
    try:
        if not value:
            raise resolution.ResolutionError("Hãy chọn giá trị của một nguồn hoặc gõ giá trị đúng.")
        resolution.propose_in_window(
            session, discrepancy_id, value, _text(form, "ly_do"), who.actor, board.clock(), board.windows()
        )
    except resolution.ResolutionError as exc:
        session.rollback()
        return _detail(request, who, session, discrepancy_id, _status(exc), error=str(exc), typed=typed)
    session.commit()
    return RedirectResponse(f"/khac-biet/{discrepancy_id}?xong=de-xuat", status_code=303)


_REFUSAL_STATUS = {"window": 409, "rule": 403, "input": 400}


def _status(exc: resolution.ResolutionError) -> int:
    """A refusal's HTTP status: 409 a closed window, 403 another rule, 400 the input."""
    return _REFUSAL_STATUS[resolution.refusal_kind(exc)]


# --- approvals ------------------------------------------------------------------------------


@router.get("/duyet")
def approval_page(request: Request, who: Who = Depends(signed_in), session: Session = Depends(store)) -> Response:
    return _queue(request, who, session)


def _queue(request: Request, who: Who, session: Session, status: int = 200, **extra: Any) -> Response:
    queue = access.approval_queue(session, who.actor)  # first: who may not approve reads nothing here
    read = access.read_times(session)
    where = dashboard(request).results_where
    names = accounts.names_by_ref(session, {step.actor for _, step in queue})
    waiting = [
        {
            **views.discrepancy_json(row, read, dashboard(request).settings.authority.school),
            "proposal": views.step_json(step, names),
            "witnesses": resolution.witness_rule(session, row, where),
        }
        for row, step in queue
    ]
    return render(
        request,
        "approvals.j2",
        who,
        status,
        waiting=waiting,
        files_only_approved=resolution.FILES_ONLY_APPROVED,
        **extra,
    )


@router.post("/duyet")
def decide(
    request: Request,
    form: FormData = Depends(checked_form),
    who: Who = Depends(signed_in),
    session: Session = Depends(store),
) -> Response:
    board = dashboard(request)
    access.require_approver(who.actor)
    action = _text(form, "hanh_dong")
    verb, _, one = action.partition(":")
    if verb not in ("duyet", "tu_choi"):
        return _queue(request, who, session, 400, error="Hãy bấm «Duyệt» hoặc «Từ chối».")
    chosen = [one] if one else [v for v in form.getlist("chon") if isinstance(v, str)]
    if not chosen:
        return _queue(request, who, session, 400, error="Chưa chọn đề xuất nào.")
    note = _text(form, f"ghi_chu:{one}") if one else ""
    note = note or _text(form, "ghi_chu")
    for discrepancy_id in chosen:
        access.discrepancy(session, who.actor, discrepancy_id)  # within the approver's scope
    present = resolution.Present(
        _text(form, f"chung_kien_bqt:{one}") if one else _text(form, "chung_kien_bqt"),
        _text(form, f"chung_kien_gvcn:{one}") if one else _text(form, "chung_kien_gvcn"),
    )
    decisions = resolution.decide(
        session,
        chosen,
        verb == "duyet",
        who.actor,
        board.clock(),
        note,
        board.authority,
        board.windows(),
        present,
        board.results_where,
    )
    session.commit()
    done = [d for d in decisions if d.done]
    refused = [d for d in decisions if not d.done]
    status = 200 if done or not refused else max(_REFUSAL_STATUS[d.refused] for d in refused)
    return _queue(request, who, session, status, decided=verb, done=done, refused=refused)
