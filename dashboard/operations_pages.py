"""The IT page (``/cntt``) and the audit page (``/nhat-ky``), for IT and the principal.

IT page: runs with their outcome and errors, held runs (approve with a reason), dead letters (send
again or discard, with a reason), lock windows and schedules, credential status per platform (set or
not, never the secret), the school's reconciliation report to download (an export, audited).
Audit page: who did what, when, from which account; the chain's verification, as
``lienthong audit verify`` says it, with the first broken entry marked.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile

from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.file_kinds import KINDS, WORDS
from lienthong.connectors.spreadsheet import MAX_FILE
from lienthong.dashboard import exports, views
from lienthong.dashboard.deps import checked_form, dashboard, signed_in, store
from lienthong.dashboard.pages import render
from lienthong.dashboard.security import CSRF_FIELD, Who
from lienthong.mapping import catalogs
from lienthong.mapping.calendar import VN_TZ
from lienthong.mapping.normalize import SEMESTER_TITLES
from lienthong.reconciliation.reports import ReportContext, render_pdf, render_xlsx
from lienthong.store import access, tenancy
from lienthong.sync import operations, uploads
from lienthong.sync import service as sync_service

router = APIRouter(include_in_schema=False)
AUDIT_PAGE = 100
RUN_WORDS = {
    "running": "đang chạy",
    "completed": "hoàn tất",
    "held": "bị tạm giữ",
    "approved": "đã duyệt",
    "failed": "thất bại",
    "interrupted": "bị ngắt",
}
QUEUE_WORDS = {
    "pending": "chờ gửi",
    "awaiting_approval": "chờ Hiệu trưởng duyệt",
    "awaiting_results": "chờ Hiệu trưởng duyệt kết quả cả năm của lớp (chưa gửi)",
    "held": "bị giữ cùng lần chạy",
    "conflict": "xung đột, lập lại sau lần đọc tới",
    "done": "đã gửi",
    "dead": "bị từ chối",
    "superseded": "đã thay bằng thay đổi mới hơn",
    "cancelled": "đã bỏ",
}
WINDOW_WORDS = {"diem": "điểm", "diem_danh": "chuyên cần", "hanh_kiem": "rèn luyện"}
DONE_WORDS = {
    "duyet": "Đã duyệt lần chạy: các thay đổi sẽ được gửi ở lần đồng bộ tới.",
    "gui_lai": "Mục bị từ chối sẽ được gửi lại ở lần đồng bộ tới.",
    "bo": "Đã bỏ mục bị từ chối: mục này sẽ không được gửi.",
}
ACTION_WORDS = {
    "login_succeeded": "đăng nhập",
    "login_failed": "đăng nhập sai mật khẩu",
    "login_throttled": "đăng nhập bị tạm chặn",
    "logout": "đăng xuất",
    "password_set": "đặt mật khẩu",
    "account_added": "tạo tài khoản",
    "account_disabled": "khoá tài khoản",
    "account_enabled": "mở lại tài khoản",
    "delegation_granted": "uỷ quyền duyệt",
    "delegation_revoked": "thu hồi uỷ quyền duyệt",
    "discrepancy_proposed": "GVCN đề xuất sửa",
    "discrepancy_approved": "Hiệu trưởng duyệt sửa",
    "results_confirmed": "GVCN xác nhận kết quả của lớp",
    "results_approved": "Hiệu trưởng duyệt kết quả của lớp",
    "results_reopened": "Hiệu trưởng mở lại kết quả của lớp",
    "discrepancy_rejected": "Hiệu trưởng từ chối đề xuất",
    "file_imported": "nhập tệp",
    "hocba_printed": "in học bạ",
    "printed_book_signed": "ký sổ đã in",
    "records_purged": "xoá dữ liệu hết hạn lưu trữ",
    "backup_made": "sao lưu",
    "backup_restored": "khôi phục bản sao lưu",
    "export": "xuất dữ liệu",
    "run_held": "lần chạy bị tạm giữ",
    "run_approved": "duyệt lần chạy",
    "run_approval_reason": "lý do duyệt lần chạy",
    "dead_letter_retried": "gửi lại mục bị từ chối",
    "dead_letter_discarded": "bỏ mục bị từ chối",
    "files_uploaded": "tải tệp lên để nhập",
    "backup_failed": "sao lưu không thành công",
}
SEMESTER_WORDS = SEMESTER_TITLES
MAX_UPLOAD = MAX_FILE + (1 << 20)  # one upload, every file together, and the form around them


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _it_page(request: Request, who: Who, status: int = 200, **extra: Any) -> Response:
    board = dashboard(request)
    access.require_operations(who.actor)
    now = board.clock()
    history = sync_service.history(board.engine, limit=30, refused=100)
    return render(
        request,
        "operations.j2",
        who,
        status,
        title="Vận hành",
        runs=history.runs,
        queue=history.queue,
        dead=history.refused,
        held=operations.held_runs(board.engine),
        health=operations.platform_health(board.engine, board.settings, now),
        credentials=operations.credential_status(board.settings),
        windows=operations.lock_windows(board.engine, board.settings, now),
        schedule=board.settings.schedule,
        timezone=board.settings.timezone,
        RUN_WORDS=RUN_WORDS,
        QUEUE_WORDS=QUEUE_WORDS,
        WINDOW_WORDS=WINDOW_WORDS,
        lag_words=exports.lag_words,
        may_import=access.scope_of(who.actor).operations,
        KINDS=KINDS,
        KIND_WORDS=WORDS,
        SEMESTER_WORDS=SEMESTER_WORDS,
        SUBJECTS=catalogs.subjects(),
        max_mb=MAX_FILE >> 20,
        **extra,
    )


@router.get("/cntt")
def it_page(request: Request, xong: str = "", who: Who = Depends(signed_in)) -> Response:
    return _it_page(request, who, done=DONE_WORDS.get(xong, ""))


@router.post("/cntt/lan-chay/{run_id}/duyet")
def approve_run(
    request: Request, run_id: int, form: FormData = Depends(checked_form), who: Who = Depends(signed_in)
) -> Response:
    board = dashboard(request)
    access.require_operations(who.actor)
    try:
        operations.approve_held_run(board.engine, run_id, _text(form, "ly_do"), who.actor, board.clock)
    except operations.NotAllowed as exc:
        raise access.Forbidden(str(exc)) from None
    except operations.OperationRefused as exc:
        return _it_page(request, who, 400, error=str(exc))
    return RedirectResponse("/cntt?xong=duyet#tam-giu", status_code=303)


@router.post("/cntt/thu-loi/{item_id}")
def dead_letter(
    request: Request, item_id: int, form: FormData = Depends(checked_form), who: Who = Depends(signed_in)
) -> Response:
    board = dashboard(request)
    access.require_operations(who.actor)
    action = _text(form, "hanh_dong")
    steps = {"gui_lai": operations.retry_dead_letter, "bo": operations.discard_dead_letter}
    if action not in steps:
        return _it_page(request, who, 400, error="Hãy bấm «Gửi lại» hoặc «Bỏ».")
    try:
        steps[action](board.engine, item_id, _text(form, "ly_do"), who.actor, board.clock)
    except operations.NotAllowed as exc:
        raise access.Forbidden(str(exc)) from None
    except operations.OperationRefused as exc:
        return _it_page(request, who, 400, error=str(exc))
    return RedirectResponse(f"/cntt?xong={action}#bi-tu-choi", status_code=303)


def _too_large(request: Request) -> bool:
    """An upload larger than `MAX_UPLOAD` is refused before it is read (browsers send its length)."""
    try:
        return int(request.headers.get("content-length", "")) > MAX_UPLOAD
    except ValueError:
        return True  # no length said: not read at all


@router.post("/cntt/nhap-tep")
async def upload_files(request: Request, who: Who = Depends(signed_in)) -> Response:
    """Excel files imported as ``lienthong import`` does, then the school reconciled when they stored
    something (`uploads.refresh_findings`); the page shows each file's report and what was found."""
    board = dashboard(request)
    access.require_import(who.actor)  # refused before the body is read
    if _too_large(request):
        error = f"Tải lên quá lớn: mỗi lần không quá {MAX_FILE >> 20} MB (hãy chia thành nhiều lần)."
        return await run_in_threadpool(_it_page, request, who, 413, error=error)
    form = await request.form(max_files=uploads.MAX_FILES + 1, max_fields=20)
    board.guard.check(_text(form, CSRF_FIELD) or None, who.token)
    files = [f for f in form.getlist("tep") if isinstance(f, UploadFile) and f.filename]
    kind, semester = _text(form, "loai") or None, _text(form, "hoc_ky") or None
    subject = _text(form, "mon") or None
    error = None
    if not files:
        error = "Hãy chọn ít nhất một tệp Excel (.xlsx hoặc .xls)."
    elif (kind and kind not in KINDS) or (semester and semester not in SEMESTER_WORDS):
        error = "Loại tệp hoặc học kỳ không hợp lệ."
    elif subject and subject not in catalogs.subjects():
        error = "Môn không có trong danh mục."
    if error:
        return await run_in_threadpool(_it_page, request, who, 400, error=error)
    sent = [uploads.Upload(f.filename, f.file) for f in files]
    try:
        reports = await run_in_threadpool(
            uploads.import_uploads, board.engine, board.settings, sent, who.actor, board.clock, kind, semester, subject
        )
    except operations.NotAllowed as exc:
        raise access.Forbidden(str(exc)) from None
    except FileFormatError as exc:
        return await run_in_threadpool(_it_page, request, who, 400, error=exc.message)
    finally:
        await form.close()
    refreshed = await run_in_threadpool(uploads.refresh_findings, board.engine, board.settings, reports)
    return await run_in_threadpool(_it_page, request, who, 200, uploaded=reports, refreshed=refreshed)


@router.get("/cntt/doi-chieu.{fmt}")
def reconciliation_report(
    request: Request, fmt: str, who: Who = Depends(signed_in), session: Session = Depends(store)
) -> Response:
    board = dashboard(request)
    access.require_operations(who.actor)
    if fmt not in ("pdf", "xlsx"):
        raise access.NotFound("Báo cáo đối chiếu có dạng PDF hoặc XLSX.")
    school_year = board.settings.current_school_year()
    records, teachers = access.report_records(session, who.actor, school_year)
    now = board.clock()
    context = ReportContext(board.settings.ma_truong or "Trường", school_year, now.astimezone(VN_TZ), teachers=teachers)
    body = render_pdf(records, context) if fmt == "pdf" else render_xlsx(records, context)
    operations.log_export(board.engine, who.actor, "reconciliation", fmt, {"discrepancies": len(records)}, now)
    media = "application/pdf" if fmt == "pdf" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = f"doi-chieu-{now.astimezone(VN_TZ):%Y%m%d-%H%M}.{fmt}"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/nhat-ky")
def audit_page(request: Request, trang: int = 1, hanh_dong: str = "", who: Who = Depends(signed_in)) -> Response:
    board = dashboard(request)
    access.require_operations(who.actor)
    page = max(1, trang)
    engine = board.engine
    if who.actor.school is None and tenancy.store_school(engine) is None:
        engine = tenancy.installation(engine)  # the installation's IT on a province's store: its own chain
    trail = operations.audit_trail(engine, AUDIT_PAGE, (page - 1) * AUDIT_PAGE, hanh_dong.strip() or None)
    return render(
        request,
        "audit.j2",
        who,
        title="Nhật ký kiểm toán",
        trail=trail,
        page=page,
        action=hanh_dong.strip(),
        more=page * AUDIT_PAGE < trail.total,
        ACTION_WORDS=ACTION_WORDS,
        shown_value=views.shown_value,
    )
