"""CSDL ngành simulator: the SOAP 1.1 web service of ``contracts/csdl.md`` and its Excel side.

The WSDL is ours, written from the contract (``csdl.wsdl``) and served at ``/csdl?wsdl``;
requests are real SOAP envelopes, parsed with entities and network access off; errors are
SOAP Faults with ``detail/LoiCSDL/MaLoi``. ``MaGiaoDich`` makes writes idempotent for 7 days;
``PhienBan`` must grow. The Excel exports (ministry layout and quirks) are in `csdl_excel`.

One simulator serves one school (the demo's) or many (`CsdlPlatform`, a province's): each school
signs in with its own ``MaTruong``, user name and password, and its session token reaches its
own data only; another school's ``MaDinhDanh`` is ``KHONG_TON_TAI`` to it, as to the real CSDL.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from importlib import resources

from fastapi import FastAPI, HTTPException, Request, Response
from lxml import etree

from lienthong.simulators.catalog import ETHNICITIES, STATUSES, SUBJECTS
from lienthong.simulators.common import Clock, WriteCounter, add_control_routes, schools_writes, vn_now
from lienthong.simulators.faults import FaultInjector, FaultMiddleware
from lienthong.simulators.school import School
from lienthong.simulators.views import PlatformData

NS = "urn:moet:csdl:truonghoc:v1"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
DEMO_LOGIN = ("demo", "demo")
TOKEN_MINUTES = 30
MAX_PAGE, MAX_BATCH = 500, 200
IDEMPOTENCY_SECONDS = 7 * 24 * 3600
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=True
)
STUDENT_FIELDS = [
    "MaDinhDanh",
    "SoDinhDanhCaNhan",
    "HoTen",
    "NgaySinh",
    "GioiTinh",
    "MaDanToc",
    "MaLop",
    "TrangThai",
    "MaBanGhi",
    "SuKien",
    "PhienBan",
    "ThoiGianCapNhat",
]
RESULT_TAIL = [
    "KetQuaHocTap",
    "KetQuaRenLuyen",
    "SoBuoiNghiCoPhep",
    "SoBuoiNghiKhongPhep",
    "DanhHieu",
    "LenLop",
    "MaBanGhi",
    "SuKien",
    "PhienBan",
    "ThoiGianCapNhat",
]
LEVELS = {"T", "K", "Đ", "CĐ"}


class Fault(Exception):
    def __init__(self, code: str, ma_loi: str, message: str):
        self.code, self.ma_loi, self.message = code, ma_loi, message


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


class CsdlPlatform:
    """What one CSDL serves to all its schools: the session tokens (each one a school's: the school
    that logged in with its ``MaTruong``, user name and password) and the fault profile. A request
    reaches the data of its token's school only, so a school never reads or writes another's."""

    def __init__(self) -> None:
        self.schools: dict[str, CsdlState] = {}
        self.tokens: dict[str, list] = {}  # token → [expires (monotonic), requests, ma_truong]
        self.faults = FaultInjector()

    def add(self, state: "CsdlState") -> "CsdlState":
        self.schools[state.ma_truong] = state
        state.platform = self
        return state

    def school(self, ma_truong: str | None) -> "CsdlState":
        """The school a control or Excel request names (``ma_truong``; may be left out when there is one)."""
        if ma_truong is None and len(self.schools) == 1:
            return next(iter(self.schools.values()))
        found = self.schools.get(ma_truong or "")
        if found is None:
            raise KeyError(ma_truong)
        return found

    def writes_as_dict(self) -> dict:
        """Writes of every school (keys prefixed by the school when there are several)."""
        return schools_writes(self.schools)


class CsdlState:
    """One school's data, sign-in and bookkeeping (its tokens and faults are its `CsdlPlatform`'s:
    its own, unless added to one that serves several schools)."""

    def __init__(
        self,
        school: School,
        data: PlatformData,
        clock: Clock = vn_now,
        login: tuple[str, str] = DEMO_LOGIN,
        seed: str = "csdl-ids",
    ):
        self.ma_truong, self.nam_hoc, self.clock, self.login = school.ma_truong, school.school_year, clock, login
        self.school = school
        self.students: dict[str, dict] = data.csdl["hoc_sinh"]
        self.results: dict[tuple[str, str], dict] = data.csdl["ket_qua"]
        self.numeric_ids = set(data.csdl.get("excel_numeric_ids", []))
        self.windows = school.lock_windows
        self.forced_locks: dict[tuple[str, str], bool] = {}
        self.replies: dict[str, tuple[float, bytes]] = {}  # MaGiaoDich → first answer, per school
        self.writes = WriteCounter()
        self.rng = random.Random(seed)
        CsdlPlatform().add(self)

    # what the platform keeps for all its schools, reached from one school as before
    tokens = property(lambda self: self.platform.tokens)
    faults = property(lambda self: self.platform.faults)

    def locked(self, semester: str, kind: str) -> bool:
        semester = "2" if semester == "CN" else semester
        forced = self.forced_locks.get((semester, kind))
        if forced is not None:
            return forced
        return next((w.locked(self.clock()) for w in self.windows if w.semester == semester and w.kind == "diem"), True)

    def window(self, semester: str):
        semester = "2" if semester == "CN" else semester
        return next(w for w in self.windows if w.semester == semester and w.kind == "diem")

    def new_id(self) -> str:
        while (candidate := f"79{self.rng.randrange(10**8):08d}") in self.students:
            pass
        return candidate


# --- XML helpers -------------------------------------------------------------------------------


def _text(parent, name: str) -> str | None:
    node = parent.find(_q(name))
    return None if node is None or node.text is None else node.text.strip()


def _required(parent, name: str) -> str:
    value = _text(parent, name)
    if value is None or value == "":
        raise Fault("soap:Client", "DU_LIEU_KHONG_HOP_LE", f"Thiếu trường {name}")
    return value


def _int(parent, name: str, low: int, high: int) -> int:
    raw = _required(parent, name)
    try:
        value = int(raw)
    except ValueError:
        raise Fault("soap:Client", "DU_LIEU_KHONG_HOP_LE", f"{name} phải là số nguyên") from None
    if not low <= value <= high:
        raise Fault("soap:Client", "DU_LIEU_KHONG_HOP_LE", f"{name} phải từ {low} đến {high}")
    return value


def _sub(parent, name: str, value) -> None:
    if value is None:
        return
    etree.SubElement(parent, _q(name)).text = str(value).lower() if isinstance(value, bool) else str(value)


def envelope(body: etree._Element) -> bytes:
    env = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP, None: NS})
    etree.SubElement(env, f"{{{SOAP}}}Body").append(body)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def fault_response(fault: Fault) -> Response:
    env = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP})
    node = etree.SubElement(etree.SubElement(env, f"{{{SOAP}}}Body"), f"{{{SOAP}}}Fault")
    etree.SubElement(node, "faultcode").text = fault.code
    etree.SubElement(node, "faultstring").text = fault.message
    detail = etree.SubElement(etree.SubElement(node, "detail"), _q("LoiCSDL"), nsmap={None: NS})
    _sub(detail, "MaLoi", fault.ma_loi)
    _sub(detail, "MoTa", fault.message)
    return Response(
        etree.tostring(env, xml_declaration=True, encoding="utf-8"),
        status_code=500,
        media_type="text/xml; charset=utf-8",
    )


def parse_request(raw: bytes) -> etree._Element:
    """The operation element of a SOAP request; hostile or malformed XML is a client fault."""
    try:
        root = etree.fromstring(raw, _PARSER)
    except etree.XMLSyntaxError:
        raise Fault("soap:Client", "DU_LIEU_KHONG_HOP_LE", "Nội dung không phải XML hợp lệ") from None
    if root.getroottree().docinfo.doctype:
        raise Fault("soap:Client", "DU_LIEU_KHONG_HOP_LE", "Không chấp nhận DOCTYPE trong yêu cầu")
    body = root.find(f"{{{SOAP}}}Body")
    if root.tag != f"{{{SOAP}}}Envelope" or body is None or len(body) == 0:
        raise Fault("soap:Client", "DU_LIEU_KHONG_HOP_LE", "Không phải phong bì SOAP 1.1")
    return body[0]


# --- operations --------------------------------------------------------------------------------


OPERATIONS = (
    "DangNhap",
    "LayDanhSachHocSinh",
    "CapNhatHocSinh",
    "LayKetQuaHocTap",
    "CapNhatKetQuaHocTap",
    "LayTrangThaiKhoa",
)


class Gateway:
    """The endpoint of a `CsdlPlatform`: ``DangNhap`` opens a session for the school named by
    ``MaTruong`` (with that school's user name and password); every other operation is served by
    the `Service` of the school whose session its ``Token`` is."""

    def __init__(self, platform: CsdlPlatform):
        self.platform = platform

    def dispatch(self, op: etree._Element) -> bytes:
        name = etree.QName(op).localname
        if etree.QName(op).namespace != NS or name not in OPERATIONS:
            raise Fault("soap:Client", "DU_LIEU_KHONG_HOP_LE", f"Không có thao tác {name}")
        response = etree.Element(_q(f"{name}Response"), nsmap={None: NS})
        if name == "DangNhap":
            return self.DangNhap(op, response)
        state = self._session(_required(op, "Token"))
        return getattr(Service(state), name)(op, response)

    def _session(self, token: str) -> CsdlState:
        """The school whose session ``token`` is; an unknown or expired token is ``TOKEN_HET_HAN``."""
        platform = self.platform
        entry = platform.tokens.get(token)
        if entry is None or entry[0] < time.monotonic():
            raise Fault("soap:Client", "TOKEN_HET_HAN", "Phiên làm việc đã hết hạn, hãy đăng nhập lại")
        entry[1] += 1
        every = platform.faults.profile.token_expiry_every
        if every and entry[1] > every:
            platform.tokens.pop(token)
            platform.faults.count("token_expired")
            raise Fault("soap:Client", "TOKEN_HET_HAN", "Phiên làm việc đã hết hạn, hãy đăng nhập lại")
        return platform.schools[entry[2]]

    def DangNhap(self, op, response) -> bytes:
        ma_truong = _text(op, "MaTruong")
        state = self.platform.schools.get(ma_truong or "")
        if state is None or (_text(op, "TenDangNhap"), _text(op, "MatKhau")) != state.login:
            raise Fault("soap:Client", "SAI_DANG_NHAP", "Sai mã trường, tên đăng nhập hoặc mật khẩu")
        while (token := f"{state.rng.getrandbits(128):032x}") in self.platform.tokens:
            pass
        self.platform.tokens[token] = [time.monotonic() + TOKEN_MINUTES * 60, 0, state.ma_truong]
        _sub(response, "Token", token)
        _sub(response, "HetHan", (state.clock() + timedelta(minutes=TOKEN_MINUTES)).isoformat())
        return envelope(response)


class Service:
    """The operations of one school's session: its data only."""

    def __init__(self, state: CsdlState):
        self.state = state

    def _year(self, op) -> bool:
        year = _required(op, "NamHoc")
        if len(year) != 9 or year[4] != "-" or not (year[:4] + year[5:]).isdigit():
            raise Fault("soap:Client", "DU_LIEU_KHONG_HOP_LE", "NamHoc phải có dạng 2024-2025")
        return year == self.state.nam_hoc

    def _paged(self, op, rows: list) -> tuple[int, list]:
        page, size = _int(op, "Trang", 1, 10**6), _int(op, "SoBanGhi", 1, MAX_PAGE)
        return len(rows), rows[(page - 1) * size : page * size]

    def LayDanhSachHocSinh(self, op, response) -> bytes:
        current = self._year(op)
        ma_lop = _text(op, "MaLop")
        rows = [s for _, s in sorted(self.state.students.items()) if current and (not ma_lop or s["MaLop"] == ma_lop)]
        total, page = self._paged(op, rows)
        _sub(response, "TongSo", total)
        for student in page:
            node = etree.SubElement(response, _q("HocSinh"))
            for name in STUDENT_FIELDS:
                _sub(node, name, student.get(name))
        return envelope(response)

    def LayKetQuaHocTap(self, op, response) -> bytes:
        current = self._year(op)
        semester = _required(op, "HocKy")
        if semester not in ("1", "2", "CN"):
            raise Fault("soap:Client", "DU_LIEU_KHONG_HOP_LE", "HocKy phải là 1, 2 hoặc CN")
        ma_lop = _text(op, "MaLop")
        rows = [
            r
            for (mid, hk), r in sorted(self.state.results.items())
            if current and hk == semester and (not ma_lop or self.state.students.get(mid, {}).get("MaLop") == ma_lop)
        ]
        total, page = self._paged(op, rows)
        _sub(response, "TongSo", total)
        for result in page:
            node = etree.SubElement(response, _q("KetQuaHocSinh"))
            _sub(node, "MaDinhDanh", result["MaDinhDanh"])
            _sub(node, "HocKy", result["HocKy"])
            for subject in result["Mon"]:
                value = subject.get("DiemTB") or subject.get("KetQuaDanhGia")
                if value is None:
                    continue  # nothing recorded for that subject yet
                mon = etree.SubElement(node, _q("Mon"))
                _sub(mon, "MaMon", subject["MaMon"])
                _sub(mon, "DiemTB" if "DiemTB" in subject else "KetQuaDanhGia", value)
            for name in RESULT_TAIL:
                _sub(node, name, result.get(name))
        return envelope(response)

    def LayTrangThaiKhoa(self, op, response) -> bytes:
        current = self._year(op)
        for semester in ("1", "2", "CN") if current else ():
            window = self.state.window(semester)
            for kind in ("HOCSINH", "KETQUA"):
                node = etree.SubElement(response, _q("Khoa"))
                _sub(node, "HocKy", semester)
                _sub(node, "LoaiDuLieu", kind)
                _sub(node, "DangKhoa", self.state.locked(semester, kind))
                _sub(node, "MoTu", window.opens_at.isoformat())
                _sub(node, "KhoaTu", window.closes_at.isoformat())
        return envelope(response)

    def _idempotent(self, op, records: str, apply) -> bytes:
        key = _required(op, "MaGiaoDich")
        seen = self.state.replies.get(key)
        if seen and seen[0] > time.monotonic() - IDEMPOTENCY_SECONDS:
            return seen[1]
        items = op.findall(_q(records))
        if not 1 <= len(items) <= MAX_BATCH:
            raise Fault("soap:Client", "DU_LIEU_KHONG_HOP_LE", f"Mỗi lần gửi từ 1 đến {MAX_BATCH} bản ghi")
        response = etree.Element(_q(f"{etree.QName(op).localname}Response"), nsmap={None: NS})
        for row, item in enumerate(items, start=1):
            khoa, ma_loi, mo_ta, issued = apply(row, item)
            node = etree.SubElement(response, _q("KetQua"))
            _sub(node, "Khoa", khoa)
            _sub(node, "MaLoi", ma_loi)
            _sub(node, "MoTa", mo_ta)
            _sub(node, "MaDinhDanh", issued)
        answer = envelope(response)
        self.state.replies[key] = (time.monotonic(), answer)
        return answer

    def CapNhatHocSinh(self, op, _response) -> bytes:
        return self._idempotent(op, "HocSinh", self._write_student)

    def CapNhatKetQuaHocTap(self, op, _response) -> bytes:
        return self._idempotent(op, "KetQuaHocSinh", self._write_result)

    def _write_student(self, row: int, item) -> tuple:
        state = self.state
        fields = {name: _text(item, name) for name in STUDENT_FIELDS}
        key = fields["MaDinhDanh"] or str(row)
        problem = _student_problem(fields)
        if problem:
            return key, "SAI_DINH_DANG", problem, None
        if state.locked(state.school.current_semester, "HOCSINH"):
            return key, "DANG_KHOA", "Dữ liệu học sinh đang khoá", None
        version = int(fields["PhienBan"])
        if not fields["MaDinhDanh"]:
            personal = fields["SoDinhDanhCaNhan"]
            if personal and any(s.get("SoDinhDanhCaNhan") == personal for s in state.students.values()):
                return key, "TRUNG_MA", "Số định danh cá nhân đã có trong CSDL", None
            fields["MaDinhDanh"] = issued = state.new_id()
            self._store_student(fields, version)
            return key, "0", "Đã thêm học sinh", issued
        stored = state.students.get(fields["MaDinhDanh"])
        if stored is None:
            return key, "KHONG_TON_TAI", "Không có học sinh với mã định danh này", None
        if version <= int(stored["PhienBan"]):
            return key, "PHIEN_BAN_CU", f"Phiên bản {version} không mới hơn {stored['PhienBan']}", None
        if fields["SuKien"] == "CANCEL":
            state.students.pop(fields["MaDinhDanh"])
            state.writes.add(f"hoc_sinh:{fields['MaDinhDanh']}")
            return key, "0", "Đã huỷ bản ghi", None
        self._store_student(fields, version)
        return key, "0", "Đã cập nhật", None

    def _store_student(self, fields: dict, version: int) -> None:
        record = {name: fields.get(name) for name in STUDENT_FIELDS}
        record.update(
            PhienBan=version,
            ThoiGianCapNhat=self.state.clock().isoformat(),
            MaBanGhi=fields.get("MaBanGhi") or f"HS-{fields['MaDinhDanh']}",
        )
        self.state.students[fields["MaDinhDanh"]] = record
        self.state.writes.add(f"hoc_sinh:{fields['MaDinhDanh']}")

    def _write_result(self, row: int, item) -> tuple:
        state = self.state
        mid, semester = _text(item, "MaDinhDanh"), _text(item, "HocKy")
        key = mid or str(row)
        problem = _result_problem(item, semester)
        if problem:
            return key, "SAI_DINH_DANG", problem, None
        if mid not in state.students:
            return key, "KHONG_TON_TAI", "Không có học sinh với mã định danh này", None
        if state.locked(semester, "KETQUA"):
            return key, "DANG_KHOA", f"Kết quả học kỳ {semester} đang khoá", None
        stored = state.results.get((mid, semester))
        version = int(_text(item, "PhienBan"))
        if stored and version <= int(stored["PhienBan"]):
            return key, "PHIEN_BAN_CU", f"Phiên bản {version} không mới hơn {stored['PhienBan']}", None
        subjects = [
            {
                "MaMon": _text(m, "MaMon"),
                **(
                    {"DiemTB": _text(m, "DiemTB")}
                    if _text(m, "DiemTB") is not None
                    else {"KetQuaDanhGia": _text(m, "KetQuaDanhGia")}
                ),
            }
            for m in item.findall(_q("Mon"))
        ]
        record = {
            "MaDinhDanh": mid,
            "HocKy": semester,
            "Mon": subjects,
            **{name: _text(item, name) for name in RESULT_TAIL},
        }
        record.update(
            PhienBan=version,
            ThoiGianCapNhat=state.clock().isoformat(),
            SoBuoiNghiCoPhep=int(record["SoBuoiNghiCoPhep"]),
            SoBuoiNghiKhongPhep=int(record["SoBuoiNghiKhongPhep"]),
            MaBanGhi=record.get("MaBanGhi") or f"KQ-{mid}-{semester}",
        )
        state.results[(mid, semester)] = record
        state.writes.add(f"ket_qua:{mid}:{semester}")
        return key, "0", "Đã cập nhật", None


def _student_problem(fields: dict) -> str | None:
    if not fields["HoTen"]:
        return "Thiếu họ tên"
    try:
        date.fromisoformat(fields["NgaySinh"] or "")
    except ValueError:
        return "NgaySinh phải là ngày (yyyy-mm-dd)"
    checks = [
        (fields["GioiTinh"] in ("1", "2"), "GioiTinh phải là 1 (Nam) hoặc 2 (Nữ)"),
        (fields["MaDanToc"] in ETHNICITIES, "MaDanToc không có trong danh mục"),
        (fields["TrangThai"] in STATUSES, "TrangThai phải từ 1 đến 5"),
        (fields["SuKien"] in ("NEW", "UPDATE", "CANCEL"), "SuKien phải là NEW, UPDATE hoặc CANCEL"),
        ((fields["PhienBan"] or "").isdigit(), "PhienBan phải là số nguyên"),
        (
            not fields["MaDinhDanh"] or (fields["MaDinhDanh"].isdigit() and len(fields["MaDinhDanh"]) == 10),
            "MaDinhDanh phải gồm 10 chữ số",
        ),
        (
            not fields["SoDinhDanhCaNhan"]
            or (fields["SoDinhDanhCaNhan"].isdigit() and len(fields["SoDinhDanhCaNhan"]) == 12),
            "SoDinhDanhCaNhan phải gồm 12 chữ số",
        ),
    ]
    return next((message for ok, message in checks if not ok), None)


def _result_problem(item, semester: str | None) -> str | None:
    if semester not in ("1", "2", "CN"):
        return "HocKy phải là 1, 2 hoặc CN"
    if not (_text(item, "PhienBan") or "").isdigit():
        return "PhienBan phải là số nguyên"
    for name in ("KetQuaHocTap", "KetQuaRenLuyen"):
        if _text(item, name) not in LEVELS | {None}:
            return f"{name} phải là T, K, Đ hoặc CĐ"
    for name in ("SoBuoiNghiCoPhep", "SoBuoiNghiKhongPhep"):
        if not (_text(item, name) or "").isdigit():
            return f"{name} phải là số nguyên không âm"
    for subject in item.findall(_q("Mon")):
        code = _text(subject, "MaMon")
        if code not in SUBJECTS:
            return f"Mã môn {code} không có trong danh mục"
        score, mark = _text(subject, "DiemTB"), _text(subject, "KetQuaDanhGia")
        if SUBJECTS[code].by_comment:
            if mark not in ("Đ", "CĐ"):
                return f"Môn {code} đánh giá bằng nhận xét: KetQuaDanhGia phải là Đ hoặc CĐ"
        elif not _valid_average(score):
            return f"Môn {code}: DiemTB phải từ 0 đến 10, một chữ số thập phân"
    return None


def _valid_average(text: str | None) -> bool:
    try:
        value = Decimal(text or "")
    except InvalidOperation:
        return False
    return value.is_finite() and 0 <= value <= 10 and value == value.quantize(Decimal("0.1"))


# --- the app -----------------------------------------------------------------------------------


def create_app(served: CsdlState | CsdlPlatform) -> FastAPI:
    """The simulator of one school (a `CsdlState`, as the demo runs it) or of many (a `CsdlPlatform`)."""
    platform = served.platform if isinstance(served, CsdlState) else served
    app = FastAPI(title="CSDL ngành (mô phỏng)", docs_url=None, redoc_url=None, openapi_url=None)
    _soap_routes(app, platform)
    _excel_routes(app, platform)
    _control(app, platform)
    return app


def _soap_routes(app: FastAPI, platform: CsdlPlatform) -> None:
    gateway = Gateway(platform)
    wsdl = resources.files(__package__).joinpath("csdl.wsdl").read_text(encoding="utf-8")  # ours, from the contract

    @app.get("/csdl")
    async def get_wsdl(request: Request) -> Response:
        if "wsdl" not in request.query_params:
            return Response("Dùng ?wsdl để lấy mô tả dịch vụ", status_code=404)
        location = str(request.url.replace(query=""))
        return Response(wsdl.replace("{location}", location), media_type="text/xml; charset=utf-8")

    @app.post("/csdl")
    async def soap(request: Request) -> Response:
        faults = platform.faults
        try:
            if faults.roll(faults.profile.soap_fault_rate):
                faults.count("QUA_TAI")
                raise Fault("soap:Server", "QUA_TAI", "Hệ thống đang quá tải, hãy thử lại sau")
            if faults.roll(faults.profile.permanent_rate):
                faults.count("DU_LIEU_KHONG_HOP_LE")
                raise Fault("soap:Client", "DU_LIEU_KHONG_HOP_LE", "Yêu cầu bị từ chối")
            answer = gateway.dispatch(parse_request(await request.body()))
        except Fault as fault:
            return fault_response(fault)
        return Response(answer, media_type="text/xml; charset=utf-8")


def _named(platform: CsdlPlatform, request: Request) -> CsdlState:
    """The school a request names by ``ma_truong`` (optional when the simulator serves one)."""
    try:
        return platform.school(request.query_params.get("ma_truong"))
    except KeyError:
        raise HTTPException(404, "Không có trường này") from None


def _excel_routes(app: FastAPI, platform: CsdlPlatform) -> None:
    from lienthong.simulators.csdl_excel import results_workbook, student_list_workbook

    @app.get("/csdl/excel/danh-sach-hoc-sinh")
    async def export_students(request: Request) -> Response:
        params = request.query_params
        data = student_list_workbook(_named(platform, request), params.get("ma_lop"), int(params.get("mau", "2")))
        return _xlsx(data, "DanhSachHocSinh.xlsx")

    @app.get("/csdl/excel/ket-qua-hoc-tap")
    async def export_results(request: Request) -> Response:
        params = request.query_params
        data = results_workbook(_named(platform, request), int(params.get("khoi", "6")), params.get("hoc_ky", "1"))
        return _xlsx(data, "KetQuaHocTap.xlsx")


def _control(app: FastAPI, platform: CsdlPlatform) -> None:
    add_control_routes(app, platform)

    @app.put("/_sim/khoa")
    async def force_lock(request: Request) -> dict:
        """Force a lock open or shut (``dang_khoa``: true, false, or null to follow the windows), for
        the school named by ``ma_truong`` in the body, else for every school."""
        body = await request.json()
        chosen = body.get("ma_truong")
        if chosen is not None and chosen not in platform.schools:
            raise HTTPException(404, "Không có trường này")
        for state in [platform.schools[chosen]] if chosen else platform.schools.values():
            state.forced_locks[(body["hoc_ky"], body["loai"])] = body["dang_khoa"]
        return {"ok": True}


def _xlsx(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def error_body(status: int) -> tuple[bytes, bytes]:
    return f"{status} Service Unavailable".encode(), b"text/plain"


def build(served: CsdlState | CsdlPlatform):
    return FaultMiddleware(create_app(served), served.faults, error_body)
