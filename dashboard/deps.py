"""What routes depend on: the store session, the signed-in account, a form whose token was checked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from fastapi import Depends, Request
from sqlmodel import Session
from starlette.datastructures import FormData

from lienthong.dashboard.security import CSRF_FIELD, CSRF_HEADER, Who
from lienthong.store import accounts

if TYPE_CHECKING:
    from lienthong.dashboard.app import Dashboard


def dashboard(request: Request) -> Dashboard:
    """The request's dashboard: once signed in, scoped to the account's school (`Dashboard.for_actor`)."""
    return getattr(request.state, "board", None) or request.app.state.dashboard


def store(request: Request) -> Iterator[Session]:
    """The request's store session: on the app's scope until `signed_in` moves it to the account's."""
    with Session(dashboard(request).engine) as session:
        yield session


def signed_in(request: Request, session: Session = Depends(store)) -> Who:
    """The account of this request, or a redirect to sign in (401 on the API). From here on the
    request works in the account's school: `dashboard` and the ``store`` session are scoped to it."""
    board = dashboard(request)
    who = board.guard.who(request, session, board.clock())
    request.state.who = who
    scoped = board.for_actor(who.actor)
    request.state.board = scoped
    if scoped.engine is not session.get_bind():
        session.close()  # only the session's row was read (accounts are the installation's)
        session.bind = scoped.engine
    return who


def account_store(request: Request, who: Who = Depends(signed_in)) -> Iterator[Session]:
    """A session on the audit chain of the signed-in account's own events (sign-out, password):
    `store.accounts.audit_engine`, its school's chain or the installation's."""
    with Session(accounts.audit_engine(dashboard(request).served.engine, who.actor.login)) as session:
        yield session


async def read_form(request: Request) -> FormData:
    return await request.form()


def checked_form(request: Request, form: FormData = Depends(read_form), who: Who = Depends(signed_in)) -> FormData:
    """The posted form, refused unless it carries this session's CSRF token."""
    dashboard(request).guard.check(_text(form.get(CSRF_FIELD)), who.token)
    return form


def checked_call(request: Request, who: Who = Depends(signed_in)) -> Who:
    """An API call that changes something: by bearer token, or by cookie with this session's
    CSRF token in ``X-CSRF-Token``."""
    if who.by_cookie:
        dashboard(request).guard.check(request.headers.get(CSRF_HEADER), who.token)
    return who


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
