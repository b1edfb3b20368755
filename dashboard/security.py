"""Sign-in for the dashboard: the store's server-side sessions in a cookie, CSRF tokens, who acts.

The cookie holds the session token (`store.accounts.open_session`; the store keeps only its hash),
``HttpOnly``, ``SameSite=Lax``, ``Secure`` when served over HTTPS. Every form carries a token signed
with itsdangerous and bound to the session (or, before sign-in, to a one-off cookie), so a page on
another site cannot post in a teacher's name. The JSON API also takes the token as a bearer
(``Authorization: Bearer …``), which no other site can send.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlmodel import Session

from lienthong.store import accounts
from lienthong.store.accounts import AccountError, Actor

SESSION_COOKIE = "lt_phien"
PRE_COOKIE = "lt_truoc"  # binds the sign-in form's token before there is a session
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


class SignInNeeded(Exception):
    """No valid session: pages go to the sign-in page, the API answers 401."""

    def __init__(self, message: str = "Hãy đăng nhập."):
        super().__init__(message)
        self.message = message


class CsrfRefused(Exception):
    """A form or API call without a valid token bound to this session."""


@dataclass(frozen=True)
class Who:
    """The signed-in account of a request and the token its session is bound to."""

    actor: Actor
    token: str
    by_cookie: bool  # the API may also be called with a bearer token (no CSRF needed then)


class Guard:
    """Sessions and CSRF for one app (its secret key and session length)."""

    def __init__(self, secret_key: bytes, session_hours: int = accounts.SESSION_HOURS):
        self.session_hours = session_hours
        self._signer = URLSafeTimedSerializer(secret_key, salt="lienthong-csrf")

    # --- sessions ---------------------------------------------------------------------------

    def who(self, request: Request, session: Session, now: datetime) -> Who:
        """The account of this request's session, or `SignInNeeded` (expired, revoked, none)."""
        header = request.headers.get("authorization", "")
        token, by_cookie = (header[7:].strip(), False) if header.lower().startswith("bearer ") else (None, True)
        token = token or request.cookies.get(SESSION_COOKIE)
        if not token:
            raise SignInNeeded()
        try:
            actor = accounts.actor_for_token(session, token, now)
        except AccountError as exc:
            raise SignInNeeded(str(exc).replace(" (`lienthong login`)", "")) from None
        return Who(actor, token, by_cookie)

    def set_session(self, request: Request, response: Response, token: str, expires: datetime, now: datetime) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=int((expires - now).total_seconds()),
            httponly=True,
            samesite="lax",
            secure=secure(request),
            path="/",
        )
        response.delete_cookie(PRE_COOKIE, path="/")

    @staticmethod
    def clear_session(request: Request, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure(request))

    # --- CSRF -------------------------------------------------------------------------------

    @staticmethod
    def _binding(value: str) -> str:
        return hashlib.sha256(value.encode()).hexdigest()[:32]

    def token_for(self, bound_to: str) -> str:
        """A form token bound to a session token (or the pre-sign-in cookie)."""
        return self._signer.dumps(self._binding(bound_to))

    def check(self, token: str | None, bound_to: str | None) -> None:
        """Refuse (`CsrfRefused`) a token missing, forged, stale or bound to another session."""
        if not token or not bound_to:
            raise CsrfRefused()
        try:
            binding = self._signer.loads(token, max_age=self.session_hours * 3600)
        except BadSignature:
            raise CsrfRefused() from None
        if not isinstance(binding, str) or not hmac.compare_digest(binding, self._binding(bound_to)):
            raise CsrfRefused()


def secure(request: Request) -> bool:
    """Cookies are ``Secure`` when the page was served over HTTPS (behind a proxy: uvicorn's
    ``--proxy-headers`` sets the scheme from ``X-Forwarded-Proto``)."""
    return request.url.scheme == "https"


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never ``//other.site``)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
