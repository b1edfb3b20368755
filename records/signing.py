"""Digital signatures of the học bạ (XML-DSig with signxml): the GVCN signs each year, then the
principal signs the whole document, the teachers' signatures included.

Who signs is an account with a role (`store.accounts.Actor`), never a typed name: the account's
login and name, its role and the time go into the signed content (``ChuKyGVCN`` inside the
year, ``ChuKyHieuTruong`` at the end of the document), and the key is the one configured for
that account (``[records] signing_keys``), read from its PKCS#12 file with a password from the
environment. Verification pins each signature to the certificate it carries, checks that
certificate against the configured CAs, and says what each signature covers and whether
anything changed after it was made.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import DigestAlgorithm, SignatureMethod, XMLSigner, XMLVerifier
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, InvalidSignature
from signxml.verifier import SignatureConfiguration

from lienthong.mapping.normalize import fold
from lienthong.records.hocba_xml import DS, NS, qname, safe_parser, sub_element, validate, year_blocks
from lienthong.store.accounts import ROLES, Actor

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
PRINCIPAL_ROLES = ("principal",)


class SigningRefused(ValueError):
    """A signature that may not be made (role, class, order, a document already signed)."""


class KeyProblem(ValueError):
    """A signing key that cannot be used; the message never carries the password."""


@dataclass(frozen=True)
class SigningKey:
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()


def password_variable(login: str) -> str:
    return "LIENTHONG_KEY_PASSWORD_" + re.sub(r"[^A-Z0-9]", "_", login.upper())


def key_password(login: str) -> bytes | None:
    """The PKCS#12 password: ``LIENTHONG_KEY_PASSWORD_<LOGIN>``, else ``LIENTHONG_KEY_PASSWORD``."""
    value = os.environ.get(password_variable(login)) or os.environ.get("LIENTHONG_KEY_PASSWORD")
    return value.encode() if value else None


def load_key(path: Path, password: bytes | None) -> SigningKey:
    """A key and its certificate from a PKCS#12 file."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        raise KeyProblem(f"Không đọc được tệp khoá ký {path} (khai báo trong [records] signing_keys).") from None
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, password)
    except (ValueError, TypeError):
        raise KeyProblem(
            f"Không mở được tệp khoá ký {path}: sai mật khẩu (biến môi trường LIENTHONG_KEY_PASSWORD…) "
            "hoặc tệp không phải PKCS#12."
        ) from None
    if key is None or cert is None or not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyProblem(f"Tệp {path} không có khoá RSA/ECDSA kèm chứng thư số.")
    return SigningKey(key, cert, tuple(chain or ()))


def key_for(actor: Actor, signing_keys: dict[str, Path]) -> SigningKey:
    """The key configured for this account."""
    path = signing_keys.get(actor.login)
    if path is None:
        raise KeyProblem(
            f"Tài khoản {actor.login} chưa có khoá ký: khai báo [records] signing_keys.{actor.login} = "
            '"/đường/dẫn/tệp.p12" trong cấu hình.'
        )
    key = load_key(path, key_password(actor.login))
    names = key.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names or fold(actor.full_name) not in fold(str(names[0].value)):
        raise KeyProblem(
            f"Chứng thư số trong {path} cấp cho «{names[0].value if names else '?'}», không phải {actor.full_name} "
            f"(tài khoản {actor.login}): mỗi người ký bằng khoá của chính mình."
        )
    return key


def _signer(key: SigningKey) -> XMLSigner:
    method = (
        SignatureMethod.ECDSA_SHA256 if isinstance(key.key, ec.EllipticCurvePrivateKey) else SignatureMethod.RSA_SHA256
    )
    return XMLSigner(signature_algorithm=method, digest_algorithm=DigestAlgorithm.SHA256, c14n_algorithm=EXC_C14N)


def _who(parent: etree._Element, name: str, actor: Actor, at: datetime) -> None:
    block = sub_element(parent, name)
    sub_element(block, "TaiKhoan", actor.ref)
    sub_element(block, "HoTen", actor.full_name)
    sub_element(block, "VaiTro", ROLES.get(actor.role, actor.role))
    sub_element(block, "ThoiGian", at.astimezone(timezone.utc).isoformat(timespec="seconds"))


def _placeholder(parent: etree._Element) -> None:
    etree.SubElement(parent, f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})


def _principal_signed(root: etree._Element) -> bool:
    return root.find(qname("ChuKyHieuTruong")) is not None or root.find(f"{{{DS}}}Signature") is not None


def _signed(block: etree._Element) -> bool:
    return block.find(qname("ChuKyGVCN")) is not None or block.find(f"{{{DS}}}Signature") is not None


def check_year_signer(root: etree._Element, school_year: str, actor: Actor) -> etree._Element:
    """The year's block, if ``actor`` may sign it now (before any key is opened)."""
    block = year_blocks(root).get(school_year)
    if block is None:
        known = ", ".join(year_blocks(root)) or "(không có)"
        raise SigningRefused(f"Học bạ không có năm học {school_year}; các năm học: {known}.")
    class_code = block.findtext(qname("Lop"))
    if actor.role != "gvcn" or class_code not in actor.classes:
        raise SigningRefused(
            f"{actor.shown()} không ký được năm học {school_year}: "
            f"chỉ GVCN lớp {class_code} ký phần năm học của lớp mình."
        )
    if _principal_signed(root):
        raise SigningRefused(
            "Hiệu trưởng đã ký học bạ này: không ký thêm vào bản đã ký; sửa đổi cần một phiên bản mới "
            "(`lienthong hocba correct`)."
        )
    if _signed(block):
        raise SigningRefused(f"Năm học {school_year} đã được GVCN ký; không ký lại trên bản đã ký.")
    return block


def check_document_signer(root: etree._Element, actor: Actor) -> None:
    """Whether ``actor`` may sign the whole document now (before any key is opened)."""
    if actor.role not in PRINCIPAL_ROLES:
        raise SigningRefused(f"{actor.shown()} không ký được học bạ: chỉ Hiệu trưởng ký toàn bộ học bạ.")
    if _principal_signed(root):
        raise SigningRefused("Học bạ này đã có chữ ký của Hiệu trưởng.")
    unsigned = [year for year, block in year_blocks(root).items() if not _signed(block)]
    if unsigned:
        raise SigningRefused(
            f"GVCN chưa ký năm học {', '.join(unsigned)}: Hiệu trưởng ký sau khi GVCN đã ký mọi năm học."
        )


def sign_year(root: etree._Element, school_year: str, actor: Actor, key: SigningKey, at: datetime) -> etree._Element:
    """The GVCN of the year's class signs the year (``NamHoc``); returns the signed document."""
    block = check_year_signer(root, school_year, actor)
    _who(block, "ChuKyGVCN", actor, at)
    _placeholder(block)
    signed = _signer(key).sign(root, key=key.key, cert=[key.cert, *key.chain], reference_uri=f"#{block.get('Id')}")
    validate(signed)
    return signed


def sign_document(root: etree._Element, actor: Actor, key: SigningKey, at: datetime) -> etree._Element:
    """The principal signs the whole document, after the GVCN signed every year."""
    check_document_signer(root, actor)
    _who(root, "ChuKyHieuTruong", actor, at)
    _placeholder(root)
    signed = _signer(key).sign(root, key=key.key, cert=[key.cert, *key.chain])
    validate(signed)
    return signed


# --- verification ----------------------------------------------------------------------------


@dataclass
class SignatureCheck:
    """One signature as verification found it."""

    role: str  # "gvcn" | "principal"
    covers: str  # in Vietnamese: what the signature covers
    account: str = ""
    name: str = ""
    signed_at: str = ""
    certificate: str = ""  # the certificate's subject (CN) and serial
    valid: bool = False
    trusted: bool | None = None  # None: no CA configured to check against
    problems: list[str] = field(default_factory=list)


@dataclass
class Verification:
    signatures: list[SignatureCheck]
    unsigned: list[str]  # what has no signature yet

    @property
    def intact(self) -> bool:
        return all(s.valid for s in self.signatures) and bool(self.signatures)

    @property
    def trusted(self) -> bool:
        return self.intact and all(s.trusted is not False for s in self.signatures)


def _cert_of(signature: etree._Element) -> x509.Certificate | None:
    text = signature.findtext(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate")
    if not text:
        return None
    body = "".join(text.split())
    pem = "-----BEGIN CERTIFICATE-----\n" + "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    try:
        return x509.load_pem_x509_certificate((pem + "\n-----END CERTIFICATE-----\n").encode())
    except ValueError:
        return None


def _chain_of(signature: etree._Element) -> list[x509.Certificate]:
    found = []
    for text in signature.findall(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate"):
        body = "".join((text.text or "").split())
        pem = "-----BEGIN CERTIFICATE-----\n" + "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
        try:
            found.append(x509.load_pem_x509_certificate((pem + "\n-----END CERTIFICATE-----\n").encode()))
        except ValueError:
            continue
    return found


def subject_of(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common = names[0].value if names else cert.subject.rfc4514_string()
    return f"{common} (số sê-ri {cert.serial_number:x})"


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
        return True
    except (ValueError, TypeError, Exception):  # noqa: BLE001 - any failure means "not issued by"
        return False


def _trust(check: SignatureCheck, chain: list[x509.Certificate], anchors: list[x509.Certificate], at: datetime | None):
    if not chain:
        return
    cert = chain[0]
    if at is not None and not (cert.not_valid_before_utc <= at <= cert.not_valid_after_utc):
        check.trusted = False
        check.problems.append("chứng thư số không có hiệu lực vào thời điểm ký")
        return
    if not anchors:
        check.trusted = None
        return
    current, steps = cert, 0
    while steps < 5:
        if any(_issued_by(current, anchor) for anchor in anchors):
            check.trusted = True
            return
        parent = next((c for c in chain[1:] if c.subject == current.issuer and _issued_by(current, c)), None)
        if parent is None:
            break
        current, steps = parent, steps + 1
    check.trusted = False
    check.problems.append("chứng thư số không do tổ chức chứng thực được tin cậy cấp ([records] trusted_ca)")


def _signed_at(who: etree._Element | None) -> datetime | None:
    text = who.findtext(qname("ThoiGian")) if who is not None else None
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _check(
    holder: etree._Element, role: str, covers: str, anchors: list[x509.Certificate], who_tag: str
) -> SignatureCheck:
    """Verify the signature that is a direct child of ``holder`` over ``holder`` itself."""
    check = SignatureCheck(role, covers)
    who = holder.find(qname(who_tag))
    if who is not None:
        check.account = who.findtext(qname("TaiKhoan")) or ""
        check.name = who.findtext(qname("HoTen")) or ""
        check.signed_at = who.findtext(qname("ThoiGian")) or ""
    signature = holder.find(f"{{{DS}}}Signature")
    chain = _chain_of(signature) if signature is not None else []
    cert = chain[0] if chain else None
    if cert is None:
        check.problems.append("chữ ký không kèm chứng thư số")
        return check
    check.certificate = subject_of(cert)
    data = etree.tostring(holder)  # verified on its own: a reference can only reach inside it
    expected = f"#{holder.get('Id')}" if holder.get("Id") else ""
    try:
        result = XMLVerifier().verify(
            data,
            x509_cert=cert,
            parser=safe_parser(),
            expect_config=SignatureConfiguration(location="./", expect_references=1),
        )
        reference = signature.find(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
        if reference is None or reference.get("URI") != expected or result.signed_xml.tag != holder.tag:
            check.problems.append("chữ ký không trỏ đúng vào phần nó đứng trong (nghi giả mạo cấu trúc)")
        else:
            check.valid = True
    except InvalidDigest:
        check.problems.append("nội dung đã bị thay đổi sau khi ký")
    except (InvalidSignature, InvalidCertificate, InvalidInput):
        check.problems.append("chữ ký không hợp lệ (giá trị chữ ký không khớp khoá của chứng thư)")
    _trust(check, chain, anchors, _signed_at(who))
    _same_person(check, cert)
    return check


def _same_person(check: SignatureCheck, cert: x509.Certificate) -> None:
    """The certificate names the person the signed content names (folded: a CA may write
    ``NGUYEN THI LAN``); another name means the key is not that account's."""
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common = fold(str(names[0].value)) if names else ""
    if check.name and fold(check.name) not in common:
        check.trusted = False
        check.problems.append(f"chứng thư số cấp cho «{names[0].value if names else '?'}», không phải {check.name}")


def verify(root: etree._Element, anchors: list[x509.Certificate] | None = None) -> Verification:
    """Every signature of a parsed document: who, when, what it covers, valid or not, and why."""
    anchors = anchors or []
    checks, unsigned = [], []
    for year, block in year_blocks(root).items():
        covers = f"năm học {year}, lớp {block.findtext(qname('Lop'))}"
        if block.find(f"{{{DS}}}Signature") is None:
            unsigned.append(f"{covers} (chưa có chữ ký GVCN)")
            continue
        checks.append(_check(block, "gvcn", covers, anchors, "ChuKyGVCN"))
    if root.find(f"{{{DS}}}Signature") is None:
        unsigned.append("toàn bộ học bạ (chưa có chữ ký Hiệu trưởng)")
    else:
        covers = "toàn bộ học bạ (thông tin học sinh, mọi năm học và chữ ký của GVCN)"
        checks.append(_check(root, "principal", covers, anchors, "ChuKyHieuTruong"))
    return Verification(checks, unsigned)


def load_anchors(paths: list[Path]) -> list[x509.Certificate]:
    anchors = []
    for path in paths:
        try:
            anchors.extend(x509.load_pem_x509_certificates(Path(path).read_bytes()))
        except (OSError, ValueError):
            raise KeyProblem(f"Không đọc được chứng thư CA {path} ([records] trusted_ca).") from None
    return anchors


__all__ = [
    "NS",
    "KeyProblem",
    "SigningKey",
    "SigningRefused",
    "Verification",
    "key_for",
    "load_anchors",
    "load_key",
    "sign_document",
    "sign_year",
    "verify",
]
