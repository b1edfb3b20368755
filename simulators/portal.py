"""Provincial reporting portal simulator (``contracts/portal.md``): the Sở GD&ĐT's portal.

Report requests with deadlines; multipart submissions with a ``tom_tat`` and an
``Idempotency-Key``; asynchronous checking that refuses (``tra_lai``) a file whose rows do
not add up, disagree with its ``tom_tat`` or with the school's own enrolment, with
row/column errors in Vietnamese; late submissions accepted and stamped; approved reports
locked. The report templates' columns are the simulator's own reading of the contract
(`portal_templates`), so a report the project builds differently is refused.
"""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from openpyxl import load_workbook

from lienthong.simulators.common import Clock, WriteCounter, add_control_routes, body_digest, schools_writes, vn_now
from lienthong.simulators.faults import FaultInjector, FaultMiddleware
from lienthong.simulators.formats import fold
from lienthong.simulators.portal_templates import GROUPS, LEVELS, TEMPLATES
from lienthong.simulators.school import VN_TZ, School
from lienthong.simulators.views import PlatformData

DEMO_KEY = "demo-key"
TOTAL_LABELS = {"tong", "tong cong", "toan truong"}
MAX_UPLOAD = 5 * 1024 * 1024


class PortalError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        self.status, self.code, self.message, self.headers = status, code, message, headers


class PortalPlatform:
    """One portal serving many schools (a province's), each with its own API key; faults are the portal's."""

    def __init__(self) -> None:
        self.schools: dict[str, PortalState] = {}
        self.faults = FaultInjector()

    def add(self, state: "PortalState") -> "PortalState":
        self.schools[state.school.ma_truong] = state
        state.platform = self
        return state

    def writes_as_dict(self) -> dict:
        """Submissions of every school (keys prefixed by the school when there are several)."""
        return schools_writes(self.schools)


class PortalState:
    """One school's requests and submissions (its faults are its `PortalPlatform`'s)."""

    def __init__(self, school: School, data: PlatformData, clock: Clock = vn_now, api_key: str = DEMO_KEY):
        self.school, self.clock, self.api_key = school, clock, api_key
        self.enrolment_by_grade = {str(k): v for k, v in data.portal["enrolment_by_grade"].items()}
        self.enrolment_by_class = data.portal["enrolment_by_class"]
        self.requests = _requests(school)
        self.submissions: dict[str, dict] = {}
        self.replies: dict[str, tuple[str, dict]] = {}
        self.writes = WriteCounter()
        PortalPlatform().add(self)

    faults = property(lambda self: self.platform.faults)


def _requests(school: School) -> dict[str, dict]:
    """The year's report requests: quality per semester and year, attendance and changes monthly."""
    start, today = school.start_year, school.today
    items = []
    for semester, deadline in (
        ("1", date(start + 1, 1, 20)),
        ("2", date(start + 1, 5, 31)),
        ("CN", date(start + 1, 6, 10)),
    ):
        items.append(
            (
                "TK-CLGD",
                f"Thống kê chất lượng giáo dục {'cả năm' if semester == 'CN' else 'học kỳ ' + semester}",
                semester,
                None,
                deadline,
            )
        )
    month = date(start, 9, 1)
    while month <= today.replace(day=1):
        period = month.strftime("%Y-%m")
        deadline = (month.replace(day=28) + timedelta(days=8)).replace(day=5)
        items.append(("TK-CHUYENCAN", f"Chuyên cần tháng {month.month}/{month.year}", None, period, deadline))
        items.append(("TK-BIENDONG", f"Biến động học sinh tháng {month.month}/{month.year}", None, period, deadline))
        month = (month + timedelta(days=32)).replace(day=1)
    requests = {}
    for number, (form, name, semester, period, deadline) in enumerate(items, start=1):
        due = datetime.combine(deadline, time(17), VN_TZ)
        # long past: approved and locked; recently past: still open, so a submission is late
        status = "da_duyet" if due.date() < today - timedelta(days=30) else "chua_nop"
        code = f"YC{start}{number:04d}"
        requests[code] = {
            "ma_yeu_cau": code,
            "ma_bieu_mau": form,
            "ten": name,
            "hoc_ky": semester,
            "ky_bao_cao": period,
            "han_nop": due.isoformat(),
            "trang_thai": status,
        }
    return requests


# --- checking a submitted file -------------------------------------------------------------------


def _number(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    try:
        return Decimal(str(value).strip().replace(",", "."))
    except ArithmeticError:
        return None


def read_report(content: bytes, form: str) -> tuple[list[str], list[tuple[int, dict]]]:
    """Header and rows (sheet row number, values by header) of a submitted workbook."""
    if len(content) > MAX_UPLOAD:
        raise ValueError("Tệp quá lớn")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:  # refuse zip bombs before openpyxl
        if sum(i.file_size for i in archive.infolist()) > 50 * MAX_UPLOAD:
            raise ValueError("Tệp nén bất thường")
    sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    expected = {fold(c): c for c in TEMPLATES[form]}
    header, rows = None, []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if header is None:
            folded = [fold(str(v)) if v is not None else "" for v in values]
            if number > 12:
                break
            if set(expected) <= set(folded):
                header = [expected.get(f, "") for f in folded]
            continue
        if all(v is None or v == "" for v in values):
            continue
        rows.append((number, {h: v for h, v in zip(header, values) if h}))
    if header is None:
        raise ValueError(f"Không tìm thấy dòng tiêu đề của mẫu {form}")
    return [h for h in header if h], rows


def check_report(state: PortalState, form: str, content: bytes, summary: dict) -> list[dict]:
    """The portal's asynchronous check: a list of row/column errors (empty: accepted)."""
    try:
        header, rows = read_report(content, form)
    except (ValueError, KeyError, zipfile.BadZipFile, OSError) as exc:
        return [{"dong": 0, "cot": "", "mo_ta": f"Tệp không đọc được hoặc không đúng mẫu {form}: {exc}"}]
    label = header[0]
    totals = [r for r in rows if fold(str(r[1].get(label, ""))) in TOTAL_LABELS]
    body = [r for r in rows if r not in totals]
    if len(totals) != 1:
        return [{"dong": 0, "cot": label, "mo_ta": "Thiếu dòng tổng (Tổng) hoặc có nhiều hơn một"}]
    total_line, total = totals[0]
    errors = []
    counts = [h for h in header[1:] if not h.endswith("(%)")]
    for column in counts:
        added = sum((_number(r.get(column)) or 0) for _, r in body)
        if _number(total.get(column)) != added:
            errors.append(
                {
                    "dong": total_line,
                    "cot": column,
                    "mo_ta": f"Dòng tổng {total.get(column)} khác tổng các dòng ({added})",
                }
            )
        if _number(summary.get(column)) != _number(total.get(column)):
            errors.append(
                {
                    "dong": total_line,
                    "cot": column,
                    "mo_ta": f"tom_tat ghi {summary.get(column)!r}, dòng tổng ghi {total.get(column)!r}",
                }
            )
    errors += _check_enrolment(state, form, body, label)
    if form == "TK-CLGD":
        errors += _check_groups(body + totals)
    return errors


def _check_enrolment(state: PortalState, form: str, body: list, label: str) -> list[dict]:
    known, column = {
        "TK-CLGD": (state.enrolment_by_grade, "Tổng số HS"),
        "TK-CHUYENCAN": (state.enrolment_by_class, "Sĩ số"),
    }.get(form, (None, None))
    errors = []
    for line, row in body if known else ():
        key = str(row.get(label, "")).strip()
        if key not in known:
            errors.append(
                {"dong": line, "cot": label, "mo_ta": f"Không có {label.lower()} {key} trong dữ liệu của trường"}
            )
        elif _number(row.get(column)) != known[key]:
            errors.append(
                {
                    "dong": line,
                    "cot": column,
                    "mo_ta": f"{column} {label.lower()} {key} là {row.get(column)}, dữ liệu của trường là {known[key]}",
                }
            )
    return errors


def _check_groups(rows: list) -> list[dict]:
    errors = []
    for line, row in rows:
        pupils = _number(row.get("Tổng số HS")) or 0
        for group in GROUPS:
            added = sum((_number(row.get(f"{group} {lv}")) or 0) for lv in LEVELS)
            if added != pupils:
                errors.append(
                    {
                        "dong": line,
                        "cot": f"{group} {LEVELS[0]}",
                        "mo_ta": f"Tổng các mức {group.lower()} ({added}) khác tổng số học sinh ({pupils})",
                    }
                )
            percents = [_number(row.get(f"{group} {lv} (%)")) for lv in LEVELS]
            if pupils and None not in percents and sum(percents) != 100:
                errors.append(
                    {
                        "dong": line,
                        "cot": f"{group} {LEVELS[0]} (%)",
                        "mo_ta": f"Tỉ lệ các mức {group.lower()} cộng lại {sum(percents)}, phải là 100,0",
                    }
                )
    return errors


# --- the app -------------------------------------------------------------------------------------


def create_app(served: PortalState | PortalPlatform) -> FastAPI:
    """The portal of one school, or of many (``served`` a `PortalPlatform`)."""
    platform = served.platform if isinstance(served, PortalState) else served
    app = FastAPI(title="Cổng báo cáo Sở GD&ĐT (mô phỏng)", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_exception_handler(PortalError, _portal_error)
    _request_list_route(app, platform)
    _submit_route(app, platform)
    _submission_route(app, platform)
    _control(app, platform)
    return app


async def _portal_error(_request: Request, exc: PortalError) -> JSONResponse:
    return JSONResponse({"error": exc.code, "message": exc.message}, status_code=exc.status, headers=exc.headers)


def _authorize(platform: PortalPlatform, request: Request, fields: dict) -> PortalState:
    """The API key, and the school and administrative codes it was issued for; the school's state."""
    key = request.headers.get("x-api-key")
    if key not in {s.api_key for s in platform.schools.values()}:
        raise PortalError(401, "unauthorized", "X-Api-Key không đúng")
    for name, width in (("ma_truong", 8), ("ma_tinh", 2), ("ma_xa", 5)):
        value = str(fields.get(name) or "")
        if len(value) != width or not value.isdigit():
            raise PortalError(400, "bad_request", f"Thiếu hoặc sai {name} ({width} chữ số)")
    state = platform.schools.get(fields["ma_truong"])
    if state is None or state.api_key != key:
        raise PortalError(403, "forbidden", "Khoá API không dùng được cho trường hoặc đơn vị hành chính này")
    school = state.school
    if (fields["ma_truong"], fields["ma_tinh"], fields["ma_xa"]) != (
        school.ma_truong,
        school.province_code,
        school.commune_code,
    ):
        raise PortalError(403, "forbidden", "Khoá API không dùng được cho trường hoặc đơn vị hành chính này")
    if state.faults.roll(state.faults.profile.permanent_rate):
        state.faults.count("403")
        raise PortalError(403, "forbidden", "Tài khoản của trường đang bị tạm khoá")
    return state


def _request_list_route(app: FastAPI, platform: PortalPlatform) -> None:
    @app.get("/api/v1/yeu-cau-bao-cao")
    async def list_requests(request: Request) -> list[dict]:
        state = _authorize(platform, request, dict(request.query_params))
        year = request.query_params.get("nam_hoc")
        if year != state.school.school_year:
            return []
        return list(state.requests.values())


def _submit_route(app: FastAPI, platform: PortalPlatform) -> None:
    @app.post("/api/v1/yeu-cau-bao-cao/{code}/nop")
    async def submit(code: str, request: Request) -> JSONResponse:
        form = await request.form()
        state = _authorize(
            platform, request, {**dict(request.query_params), **{k: v for k, v in form.items() if isinstance(v, str)}}
        )
        key = request.headers.get("idempotency-key")
        if not key:
            raise PortalError(400, "bad_request", "Thiếu header Idempotency-Key")
        if code not in state.requests:
            raise PortalError(404, "not_found", f"Không có yêu cầu báo cáo {code}")
        upload, summary_text = form.get("tep"), form.get("tom_tat")
        if upload is None or isinstance(upload, str) or summary_text is None:
            raise PortalError(400, "bad_request", "Cần tệp (tep) và tom_tat")
        content = await upload.read()
        digest = body_digest(code.encode() + content + str(summary_text).encode())
        if key in state.replies:
            if state.replies[key][0] != digest:
                raise PortalError(422, "idempotency_key_reuse", "Idempotency-Key đã dùng cho một lần nộp khác")
            return JSONResponse(state.replies[key][1], status_code=202)
        answer = _new_submission(state, code, content, summary_text)
        state.replies[key] = (digest, answer)
        return JSONResponse(answer, status_code=202)


def _new_submission(state: PortalState, code: str, content: bytes, summary_text) -> dict:
    """A first submission for a request not yet approved, queued for the asynchronous check."""
    wanted = state.requests[code]
    if wanted["trang_thai"] == "da_duyet":
        raise PortalError(409, "da_duyet", "Báo cáo đã được Sở duyệt; cần một yêu cầu mới để sửa")
    try:
        summary = json.loads(summary_text)
        assert isinstance(summary, dict)
    except (ValueError, AssertionError):
        raise PortalError(400, "bad_request", "tom_tat phải là một đối tượng JSON") from None
    number = f"LN{secrets.token_hex(6)}"
    state.submissions[number] = {
        "ma_yeu_cau": code,
        "form": wanted["ma_bieu_mau"],
        "content": content,
        "summary": summary,
        "nop_luc": state.clock(),
        "trang_thai": "dang_xu_ly",
        "loi": [],
        "polls": 0,
    }
    state.writes.add(f"nop:{code}")
    return {"ma_lan_nop": number}


def _submission_route(app: FastAPI, platform: PortalPlatform) -> None:
    @app.get("/api/v1/lan-nop/{number}")
    async def submission(number: str, request: Request) -> dict:
        state = _authorize(platform, request, dict(request.query_params))
        found = state.submissions.get(number)
        if found is None:
            raise PortalError(404, "not_found", f"Không có lần nộp {number}")
        if found["trang_thai"] == "dang_xu_ly":
            found["polls"] += 1
            if found["polls"] > 1:  # checked asynchronously: the first poll always finds it in progress
                _finish(state, found)
        return {"trang_thai": found["trang_thai"], "nop_luc": found["nop_luc"].isoformat(), "loi": found["loi"]}


def _control(app: FastAPI, platform: PortalPlatform) -> None:
    add_control_routes(app, platform)

    @app.post("/_sim/duyet/{code}")
    async def approve(code: str, request: Request) -> dict:
        chosen = request.query_params.get("ma_truong")
        schools = [platform.schools[chosen]] if chosen else list(platform.schools.values())
        for state in schools:
            state.requests[code]["trang_thai"] = "da_duyet"
        return schools[0].requests[code]


def _finish(state: PortalState, found: dict) -> None:
    found["loi"] = check_report(state, found["form"], found["content"], found["summary"])
    found["trang_thai"] = "tra_lai" if found["loi"] else "chap_nhan"
    state.requests[found["ma_yeu_cau"]]["trang_thai"] = "bi_tra_lai" if found["loi"] else "da_nop"


def error_body(status: int) -> tuple[bytes, bytes]:
    return json.dumps({"error": "tam_thoi", "message": "Lỗi tạm thời, hãy thử lại"}).encode(), b"application/json"


def build(served: PortalState | PortalPlatform):
    return FaultMiddleware(create_app(served), served.faults, error_body)
