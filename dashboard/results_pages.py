"""The class results pages (Suối Ngô regulation, art. 7; Bình An 5.4): the GVCN's «Xác nhận kết
quả» of her class (what will be confirmed, and the button), the principal's «Duyệt kết quả» (every
class with its state, approve, reopen with a reason). The pages present what
`reconciliation.results` returns; every rule, scoping included, is there and in `store.access`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from lienthong.dashboard.deps import checked_form, dashboard, signed_in, store
from lienthong.dashboard.pages import render
from lienthong.dashboard.security import Who
from lienthong.mapping.normalize import LEVEL_WORDS, PROMOTION_WORDS, TITLE_WORDS
from lienthong.reconciliation import results
from lienthong.store import access

router = APIRouter(include_in_schema=False)
DONE_WORDS = {
    "xac-nhan": "Đã xác nhận kết quả. Hiệu trưởng sẽ duyệt đúng nội dung này.",
    "duyet": "Đã duyệt kết quả: kết quả được khoá; kết quả cả năm sẽ được gửi ở lần đồng bộ tới.",
    "mo-lai": "Đã mở lại kết quả: GVCN xác nhận lại trước khi duyệt.",
}
# a school that works from files alone (`Settings.files_only`) has no sync to send the year's results
FILES_ONLY_APPROVED = (
    "Đã duyệt kết quả: kết quả được khoá. Trường chỉ làm việc bằng tệp (chưa kết nối hệ thống nào) nên không có gì "
    "được gửi đi; tệp nộp CSDL ngành được lập bằng lệnh lienthong export csdl-ketqua."
)
WORDS = {"levels": LEVEL_WORDS, "promotions": PROMOTION_WORDS, "titles": TITLE_WORDS}


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _status(exc: results.ResultsError) -> int:
    return 409 if isinstance(exc, results.ResultsRefused) else 400


def _class_page(
    request: Request, who: Who, session: Session, class_code: str, status: int = 200, **extra: Any
) -> Response:
    where = dashboard(request).results_where
    found = results.statuses(session, who.actor, where, class_code)
    may_confirm = who.actor.role == "gvcn" and found[0].class_code in who.actor.classes
    return render(
        request,
        "results_class.j2",
        who,
        status,
        class_code=found[0].class_code,
        periods=found,
        period_words=results.PERIOD_WORDS,
        may_confirm=may_confirm,
        words=WORDS,
        **extra,
    )


def _done(request: Request, step: str) -> str:
    """What the page says once a step is done (``xong``)."""
    if step == "duyet" and dashboard(request).settings.files_only():
        return FILES_ONLY_APPROVED
    return DONE_WORDS.get(step, "")


@router.get("/ket-qua/lop/{class_code}")
def class_results(
    request: Request,
    class_code: str,
    xong: str = "",
    who: Who = Depends(signed_in),
    session: Session = Depends(store),
) -> Response:
    try:
        return _class_page(request, who, session, class_code, done=_done(request, xong))
    except results.ResultsError as exc:
        return render(request, "error.j2", who, 404, title="Không tìm thấy", message=str(exc))


@router.post("/ket-qua/lop/{class_code}/xac-nhan")
def confirm(
    request: Request,
    class_code: str,
    form: FormData = Depends(checked_form),
    who: Who = Depends(signed_in),
    session: Session = Depends(store),
) -> Response:
    board = dashboard(request)
    try:
        results.confirm(
            session,
            who.actor,
            board.results_where,
            class_code,
            _text(form, "ky"),
            board.clock(),
            seen=_text(form, "dau_van_tay") or None,
        )
    except results.ResultsError as exc:
        session.rollback()
        try:
            return _class_page(request, who, session, class_code, _status(exc), error=str(exc))
        except results.ResultsError:
            return render(request, "error.j2", who, 400, title="Không xác nhận được", message=str(exc))
    session.commit()
    return RedirectResponse(f"/ket-qua/lop/{class_code.strip().upper()}?xong=xac-nhan", status_code=303)


def _approval_page(request: Request, who: Who, session: Session, status: int = 200, **extra: Any) -> Response:
    access.require_results_approver(who.actor)
    found = results.statuses(session, who.actor, dashboard(request).results_where)
    by_class: dict[str, list] = {}
    for item in found:
        by_class.setdefault(item.class_code, []).append(item)
    return render(
        request,
        "results_approval.j2",
        who,
        status,
        by_class=by_class,
        period_words=results.PERIOD_WORDS,
        period_titles=results.PERIOD_TITLES,
        counts={state: sum(f.state == state for f in found) for state in results.STATES},
        **extra,
    )


@router.get("/ket-qua")
def approval_page(
    request: Request, xong: str = "", who: Who = Depends(signed_in), session: Session = Depends(store)
) -> Response:
    return _approval_page(request, who, session, done=_done(request, xong))


@router.post("/ket-qua/duyet")
def approve(
    request: Request,
    form: FormData = Depends(checked_form),
    who: Who = Depends(signed_in),
    session: Session = Depends(store),
) -> Response:
    board = dashboard(request)
    try:
        results.approve(session, who.actor, board.results_where, _text(form, "lop"), _text(form, "ky"), board.clock())
    except results.ResultsError as exc:
        session.rollback()
        return _approval_page(request, who, session, _status(exc), error=str(exc))
    session.commit()
    return RedirectResponse("/ket-qua?xong=duyet", status_code=303)


@router.post("/ket-qua/mo-lai")
def reopen(
    request: Request,
    form: FormData = Depends(checked_form),
    who: Who = Depends(signed_in),
    session: Session = Depends(store),
) -> Response:
    board = dashboard(request)
    try:
        results.reopen(
            session,
            who.actor,
            board.results_where,
            _text(form, "lop"),
            _text(form, "ky"),
            _text(form, "ly_do"),
            board.clock(),
        )
    except results.ResultsError as exc:
        session.rollback()
        return _approval_page(request, who, session, _status(exc), error=str(exc))
    session.commit()
    return RedirectResponse("/ket-qua?xong=mo-lai", status_code=303)
