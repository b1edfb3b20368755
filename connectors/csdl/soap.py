"""CSDL ngành SOAP connector (``contracts/csdl.md``), zeep over our own WSDL and httpx.

The WSDL is the project's (written from the contract) and loaded once per process from the
package, so nothing is fetched to build the client; the endpoint comes from configuration.
zeep's async transport runs over the shared httpx client (chosen over a thread pool: one
HTTP stack, no threads, and the same transports are swappable in tests). Session login and
one re-login on ``TOKEN_HET_HAN``; paging; ``MaGiaoDich`` as the idempotency key; per-record
``KetQua`` mapped to push outcomes; SOAP Faults mapped to retry or stop.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, AsyncIterator

from pydantic import SecretStr

from lienthong.connectors.base import Health, PullPage, PushOutcome, PushResult, Record
from lienthong.connectors.errors import AuthError, ConnectorError, LockedError, PermanentError, TransientError
from lienthong.connectors.http import (
    HEALTH_POLICY,
    RateLimiter,
    RetryPolicy,
    Sleep,
    WireConnector,
    new_client,
    transport_error,
)
from lienthong.mapping.canonical import LockWindow

if TYPE_CHECKING:  # zeep, lxml and httpx load with the first client: a reconcile never needs them
    import httpx
    import zeep
    from zeep.exceptions import Fault

PLATFORM = "csdl"
NS = "urn:moet:csdl:truonghoc:v1"
BINDING = f"{{{NS}}}CSDLTruongHocBinding"
PAGE_SIZE = 500
OUTCOMES = {
    "0": PushOutcome.APPLIED,
    "PHIEN_BAN_CU": PushOutcome.CONFLICT,
    "DANG_KHOA": PushOutcome.LOCKED,
    "KHONG_TON_TAI": PushOutcome.NOT_FOUND,
    "TRUNG_MA": PushOutcome.INVALID,
    "SAI_DINH_DANG": PushOutcome.INVALID,
}
DATA_KINDS = {"HOCSINH": "hoc_sinh", "KETQUA": "diem"}


@dataclass(frozen=True)
class CsdlConfig:
    endpoint: str  # e.g. https://…/csdl
    ma_truong: str
    username: str
    password: SecretStr
    school_year: str  # "2026-2027"
    rate_limit: float = 5.0
    page_size: int = PAGE_SIZE


@cache
def zeep_settings() -> zeep.Settings:
    """The parser's settings: strict, no huge trees, no DTD, entities or external fetches."""
    import zeep

    return zeep.Settings(strict=True, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True, forbid_external=True)


def __getattr__(name: str) -> Any:
    if name == "SETTINGS":  # the old constant, made when first asked for
        return zeep_settings()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def _wsdl_path() -> str:
    return str(resources.files("lienthong.connectors.csdl").joinpath("csdl.wsdl"))


class CsdlSoap(WireConnector):
    name = PLATFORM
    pulls = ("hoc_sinh", "ket_qua")
    pushes = ("hoc_sinh", "ket_qua")

    def __init__(
        self,
        config: CsdlConfig,
        transport: httpx.AsyncBaseTransport | None = None,
        policy: RetryPolicy = RetryPolicy(),
        sleep: Sleep = asyncio.sleep,
        limiter: RateLimiter | None = None,
    ):
        import zeep
        from zeep.proxy import AsyncServiceProxy
        from zeep.transports import AsyncTransport

        super().__init__(config.rate_limit, policy, sleep, limiter)
        self.config = config
        self.http = new_client(config.endpoint, transport)
        client = zeep.AsyncClient(_document(), transport=AsyncTransport(client=self.http), settings=zeep_settings())
        # AsyncClient.create_service would build a synchronous proxy; bind the async one.
        self.service = AsyncServiceProxy(client, client.wsdl.bindings[BINDING], address=config.endpoint)
        self.factory = client.type_factory("ns0")
        self.token: str | None = None

    @classmethod
    def from_settings(cls, section, settings, policy: RetryPolicy) -> "CsdlSoap":
        return cls(
            CsdlConfig(
                section.endpoint,
                settings.ma_truong,
                section.username,
                settings.secret(PLATFORM),
                settings.current_school_year(),
                section.rate_limit,
            ),
            policy=policy,
        )

    def pull_plan(self, school_year: str, semester: str, today: date) -> list[tuple[str, dict]]:
        """The students, and the results of each semester begun."""
        semesters = ["1"] if semester == "1" else ["1", "2"]
        return [("hoc_sinh", {}), *(("ket_qua", {"hoc_ky": s}) for s in semesters)]

    async def aclose(self) -> None:
        await self.http.aclose()

    # --- the wire ----------------------------------------------------------------------------

    async def _raw(self, operation: str, **args) -> Any:
        import httpx
        from lxml import etree
        from zeep.exceptions import Fault, TransportError, XMLParseError, XMLSyntaxError

        async with self._slot():
            try:
                return await getattr(self.service, operation)(**args)
            except Fault as fault:
                raise _fault_error(fault) from None
            except httpx.TransportError as exc:
                raise transport_error(PLATFORM, exc) from None
            except (TransportError, XMLSyntaxError, XMLParseError, etree.XMLSyntaxError) as exc:
                raise TransientError(PLATFORM, f"CSDL trả lời không phải SOAP hợp lệ ({type(exc).__name__})") from None

    async def _login(self) -> str:
        answer = await self._raw(
            "DangNhap",
            MaTruong=self.config.ma_truong,
            TenDangNhap=self.config.username,
            MatKhau=self.config.password.get_secret_value(),
        )
        return answer.Token

    async def _once(self, operation: str, args: dict) -> Any:
        for relogin in (False, True):
            if self.token is None or relogin:
                self.token = await self._login()
            try:
                return await self._raw(operation, Token=self.token, **args)
            except _SessionExpired:
                continue
        raise AuthError(PLATFORM, "CSDL từ chối phiên vừa đăng nhập: kiểm tra quyền của tài khoản csdl.username")

    async def _call(self, operation: str, policy: RetryPolicy | None = None, **args) -> Any:
        return await self._retried(lambda: self._once(operation, args), policy)

    # --- pulls ------------------------------------------------------------------------------

    async def pull(self, entity: str, cursor: dict | None = None, **scope: Any) -> AsyncIterator[PullPage]:
        """Every page of ``entity`` (the CSDL offers no incremental read; unchanged records cost
        nothing downstream). ``scope``: ``ma_lop``; ``hoc_ky`` (``1``, ``2``, ``CN``) for ket_qua."""
        self.check_entity(entity, self.pulls)
        args: dict[str, Any] = {"NamHoc": self.config.school_year, "MaLop": scope.get("ma_lop")}
        if entity == "ket_qua":
            args["HocKy"] = str(scope.get("hoc_ky", "1"))
        operation, field = (
            ("LayDanhSachHocSinh", "HocSinh") if entity == "hoc_sinh" else ("LayKetQuaHocTap", "KetQuaHocSinh")
        )
        from zeep.helpers import serialize_object

        page, total = 1, None
        while total is None or (page - 1) * self.config.page_size < total:
            answer = await self._call(operation, Trang=page, SoBanGhi=self.config.page_size, **args)
            total = answer.TongSo
            rows = [_plain(serialize_object(item)) for item in getattr(answer, field) or []]
            yield PullPage([_record(entity, row) for row in rows], None)
            if not rows:
                return
            page += 1

    async def lock_windows(self, policy: RetryPolicy | None = None) -> list[LockWindow]:
        answer = await self._call("LayTrangThaiKhoa", policy, NamHoc=self.config.school_year)
        return [
            LockWindow(
                platform="csdl",
                school_year=self.config.school_year,
                semester=item.HocKy,
                kind=DATA_KINDS[item.LoaiDuLieu],
                opens_at=item.MoTu,
                closes_at=item.KhoaTu,
                locked=item.DangKhoa,
            )
            for item in answer
        ]

    async def health(self) -> Health:
        async def probe() -> tuple[str, dict]:
            windows = await self.lock_windows(HEALTH_POLICY)
            return f"{sum(not w.locked for w in windows)} khoá sổ đang mở", {}

        return await self._health(probe)

    # --- pushes -----------------------------------------------------------------------------

    async def push(self, entity: str, items: list[dict], idempotency_key: str) -> list[PushResult]:
        """Send records (contract field names); ``idempotency_key`` becomes ``MaGiaoDich``."""
        self.check_entity(entity, self.pushes)
        if not 1 <= len(items) <= self.max_batch:
            raise ValueError(f"a CSDL batch holds 1 to {self.max_batch} records, got {len(items)}")
        if entity == "hoc_sinh":
            records = [self.factory.HocSinh(**item) for item in items]
            answer = await self._call("CapNhatHocSinh", MaGiaoDich=idempotency_key, HocSinh=records)
        else:
            records = [
                self.factory.KetQuaHocSinh(**{**item, "Mon": [self.factory.Mon(**m) for m in item.get("Mon", [])]})
                for item in items
            ]
            answer = await self._call("CapNhatKetQuaHocTap", MaGiaoDich=idempotency_key, KetQuaHocSinh=records)
        if len(answer or []) != len(items):
            raise TransientError(PLATFORM, "CSDL trả thiếu kết quả từng bản ghi; sẽ gửi lại cùng MaGiaoDich")
        return [
            PushResult(r.Khoa, OUTCOMES.get(r.MaLoi, PushOutcome.INVALID), None, r.MoTa or r.MaLoi, r.MaDinhDanh)
            for r in answer
        ]


class _SessionExpired(TransientError):
    """``TOKEN_HET_HAN``: log in again once, then repeat."""


@cache
def _document():
    """The WSDL parsed once per process (zeep Documents are reusable across clients)."""
    import zeep

    return zeep.wsdl.Document(_wsdl_path(), zeep.Transport(), settings=zeep_settings())


def _fault_error(fault: Fault) -> ConnectorError:
    code = None
    if fault.detail is not None:
        node = fault.detail.find(f"{{{NS}}}LoiCSDL/{{{NS}}}MaLoi")
        code = node.text if node is not None else None
    message = fault.message or ""
    if code == "TOKEN_HET_HAN":
        return _SessionExpired(PLATFORM, "Phiên CSDL hết hạn")
    if code == "SAI_DANG_NHAP":
        return AuthError(
            PLATFORM,
            "CSDL từ chối đăng nhập: kiểm tra csdl.ma_truong, csdl.username và biến môi trường LIENTHONG_CSDL_PASSWORD",
        )
    if code == "DANG_KHOA":
        return LockedError(PLATFORM, f"Dữ liệu đang khoá trên CSDL: {message}")
    if code == "QUA_TAI" or (code is None and fault.code and fault.code.endswith("Server")):
        return TransientError(PLATFORM, f"CSDL quá tải, sẽ thử lại: {message}")
    return PermanentError(PLATFORM, f"CSDL từ chối yêu cầu ({code or fault.code}): {message}")


def _plain(value: Any) -> Any:
    """zeep objects → JSON-able platform records (dates ISO, decimals as text)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _record(entity: str, row: dict) -> Record:
    if "Mon" in row:  # a subject carries DiemTB or KetQuaDanhGia, never both
        row["Mon"] = [{k: v for k, v in m.items() if v is not None} for m in row["Mon"] or []]
    key = row["MaDinhDanh"] if entity == "hoc_sinh" else f"{row['MaDinhDanh']}:{row['HocKy']}"
    return Record(entity, key, int(row.get("PhienBan") or 0), row, row.get("ThoiGianCapNhat"))
