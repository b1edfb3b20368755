"""The dashboard's FastAPI app: `create_app(settings, engine)` builds it; ``lienthong serve`` runs it.

Pages (`dashboard.pages`, Vietnamese, server-rendered, no JavaScript needed) and the JSON API
(`dashboard.api`, OpenAPI at ``/docs``) present what the services return; who may see what is
decided in `store.access`, who acts in `dashboard.security`.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import quote

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from lienthong.config.settings import Settings
from lienthong.dashboard import views
from lienthong.dashboard.overview import RecordsCache
from lienthong.dashboard.security import SESSION_COOKIE, CsrfRefused, Guard, SignInNeeded
from lienthong.mapping.canonical import LockWindow
from lienthong.reconciliation.authority import ScoreAuthority
from lienthong.reconciliation.results import Where, where_of
from lienthong.store import accounts, tenancy
from lienthong.store.access import Forbidden, NotFound
from lienthong.sync import service as sync_service

HERE = Path(__file__).parent
SECRET_ENV = "LIENTHONG_DASHBOARD_SECRET"


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


@dataclass
class Dashboard:
    """What every route needs, kept on ``app.state.dashboard``."""

    settings: Settings
    engine: sa.Engine
    guard: Guard
    clock: Callable[[], datetime]
    templates: Jinja2Templates
    records: RecordsCache = field(default_factory=RecordsCache)  # the principal's figures, kept while unchanged
    # A request's dashboard is scoped to its account's school (`for_actor`): ``root`` is the app's.
    root: Dashboard | None = None
    _schools: dict[str, Dashboard] = field(default_factory=dict, repr=False)

    @property
    def served(self) -> Dashboard:
        """The app's own dashboard (the configured store's scope), whichever request's this is."""
        return self.root or self

    def for_actor(self, actor: accounts.Actor) -> Dashboard:
        """The dashboard of ``actor``'s requests: scoped to her home school (`store.tenancy`), with
        that school's figures cache, so a principal of A sees A and never B on a province's store.
        An account of no school (a Sở officer, the installation's IT) and the staff of the school the
        store acts for keep the app's scope: one school's store is served as it always was."""
        board = self.served
        engine = accounts.work_engine(board.engine, actor)
        if engine is board.engine:
            return board
        school = tenancy.school_of(engine)
        found = board._schools.get(school)
        if found is None:
            found = board._schools[school] = replace(
                board,
                engine=engine,
                settings=board.settings.model_copy(update={"ma_truong": school}),
                records=RecordsCache(),
                root=board,
                _schools={},
            )
        return found

    @property
    def authority(self) -> ScoreAuthority:
        return ScoreAuthority.from_settings(self.settings.authority.scores)

    @property
    def results_where(self) -> Where:
        """The school whose class results the pages confirm and approve."""
        return where_of(self.settings)

    def windows(self) -> list[LockWindow]:
        """The windows a correction must respect: the school's own (``[[lock_windows]]``)."""
        return sync_service.school_windows(self.settings)


def _secret(secret_key: bytes | str | None) -> bytes:
    """The key CSRF tokens are signed with: given, else ``LIENTHONG_DASHBOARD_SECRET``, else one for
    this process (forms then need a reload after a restart, nothing else is lost)."""
    key = secret_key or os.environ.get(SECRET_ENV)
    if isinstance(key, str):
        key = key.encode("utf-8")
    return key or secrets.token_bytes(32)


def create_app(
    settings: Settings,
    engine: sa.Engine | None = None,
    *,
    secret_key: bytes | str | None = None,
    clock: Callable[[], datetime] = utc_now,
    session_hours: int | None = None,
) -> FastAPI:
    """The dashboard over ``engine`` (default: the configured store, checked and migrated)."""
    from lienthong.dashboard import api, department_pages, operations_pages, pages, principal_pages, results_pages

    engine = engine or sync_service.open_store(settings)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    views.install(templates)
    guard = Guard(_secret(secret_key), session_hours or accounts.SESSION_HOURS)
    app = FastAPI(
        title="lienthong — bảng điều khiển",
        description="API của bảng điều khiển: khác biệt giữa các nguồn, đề xuất của GVCN, duyệt của Hiệu trưởng. "
        "Đăng nhập bằng POST /api/session rồi gửi `Authorization: Bearer <token>`.",
        version="1",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.dashboard = Dashboard(settings, engine, guard, clock, templates)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(pages.router)
    app.include_router(principal_pages.router)
    app.include_router(principal_pages.api)
    app.include_router(operations_pages.router)
    app.include_router(results_pages.router)
    app.include_router(department_pages.router)
    app.include_router(department_pages.api)
    app.include_router(api.router)
    _handlers(app)
    app.middleware("http")(_protective_headers)
    return app


async def _protective_headers(request: Request, call_next) -> Response:
    """No framing (a hidden approve button under another site's page), no sniffing, no caching of
    pages with students' data on a shared school PC; scripts and styles from this site only (the
    OpenAPI page, /docs, loads its viewer from a CDN and keeps FastAPI's defaults)."""
    response = await call_next(request)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.url.path.startswith(("/docs", "/openapi.json", "/static/")):
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault(
            "Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'"
        )
    return response


def from_environment() -> FastAPI:
    """The app over the configured store (``LIENTHONG_*`` variables, ``LIENTHONG_CONFIG``): the
    factory ``lienthong serve`` hands uvicorn, and ``uvicorn --factory`` in a deployment."""
    return create_app(Settings())


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _handlers(app: FastAPI) -> None:
    def page(request: Request, status: int, title: str, message: str) -> Response:
        dashboard: Dashboard = request.app.state.dashboard
        context = {"title": title, "message": message, "who": getattr(request.state, "who", None), "csrf": ""}
        return dashboard.templates.TemplateResponse(request, "error.j2", context, status_code=status)

    @app.exception_handler(SignInNeeded)
    async def sign_in_needed(request: Request, exc: SignInNeeded) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": exc.message}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        stale = SESSION_COOKIE in request.cookies  # expired, signed out elsewhere, or a new password
        response = RedirectResponse(f"/dang-nhap?tiep={quote(target)}{'&het=1' if stale else ''}", status_code=303)
        if stale:
            Guard.clear_session(request, response)
        return response

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        message = "Biểu mẫu không hợp lệ hoặc đã hết hạn (thiếu mã chống giả mạo): hãy tải lại trang rồi gửi lại."
        if _is_api(request):
            return JSONResponse({"detail": message}, status_code=403)
        return page(request, 403, "Không gửi được biểu mẫu", message)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=403)
        return page(request, 403, "Không có quyền", str(exc))

    @app.exception_handler(tenancy.TenancyError)
    async def no_school(request: Request, exc: tenancy.TenancyError) -> Response:
        # school data asked for where no school is in scope: an account of no school (a Sở officer,
        # the installation's IT) on a store of several schools acting for none
        message = (
            "Trang này là dữ liệu của một trường, mà tài khoản này không thuộc trường nào "
            "(cơ sở dữ liệu có nhiều trường): dùng trang «Các trường» hoặc tài khoản của trường."
        )
        if _is_api(request):
            return JSONResponse({"detail": message}, status_code=403)
        return page(request, 403, "Không có quyền", message)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=404)
        return page(request, 404, "Không tìm thấy", str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(".".join(str(p) for p in e.get("loc", ())[1:]) or "?" for e in exc.errors())
        message = f"Dữ liệu gửi lên không hợp lệ ({fields})."
        if _is_api(request):
            return JSONResponse({"detail": message}, status_code=422)
        return page(request, 422, "Dữ liệu không hợp lệ", message)
