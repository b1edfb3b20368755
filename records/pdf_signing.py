"""PAdES signatures of printed books (pyHanko): each signer adds an incremental signature, so the
GVCN's survives the principal's; verification lists every signature, its signer, whether the
document was changed after it, and whether the certificate chains to the configured CAs."""

from __future__ import annotations

import io
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from lienthong.records.signing import KeyProblem, key_password
from lienthong.store.accounts import ROLES, Actor


@contextmanager
def _quiet():
    """pyHanko logs failed path building with the certificate's subject (a person's name): not in our logs."""
    loggers = [logging.getLogger(name) for name in ("pyhanko", "pyhanko_certvalidator")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


@dataclass
class PdfSignatureCheck:
    field_name: str
    signer: str
    signed_at: str
    intact: bool
    trusted: bool | None
    covers_whole: bool
    changed_after: str = ""  # what later revisions did: "" none, else pyHanko's modification level
    problems: list[str] = field(default_factory=list)


def sign_pdf(data: bytes, actor: Actor, signing_keys: dict[str, Path]) -> bytes:
    """``data`` with one more PAdES signature, by the key configured for ``actor``."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    path = signing_keys.get(actor.login)
    if path is None:
        raise KeyProblem(f"Tài khoản {actor.login} chưa có khoá ký: khai báo [records] signing_keys.{actor.login}.")
    try:
        signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=key_password(actor.login))
    except Exception:  # noqa: BLE001 - pyHanko raises several kinds; none may carry the password out
        signer = None
    if signer is None:
        raise KeyProblem(f"Không mở được tệp khoá ký {path}: sai mật khẩu hoặc tệp không phải PKCS#12.")
    name = f"{actor.role}-{actor.id}"
    meta = signers.PdfSignatureMetadata(
        field_name=name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=f"{ROLES.get(actor.role, actor.role)} ký xác nhận",
        name=actor.full_name,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    out = signers.sign_pdf(writer, meta, signer=signer)
    return out.getvalue()


def verify_pdf(data: bytes, anchors: list) -> list[PdfSignatureCheck]:
    """Every signature of a PDF: who, when, intact, trusted (``None`` without CAs), covering the whole file."""
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(data))
    roots = [asn1_x509.Certificate.load(a.public_bytes(Encoding.DER)) for a in anchors]
    context = ValidationContext(trust_roots=roots, allow_fetching=False) if roots else None
    found = []
    for embedded in reader.embedded_signatures:
        with _quiet():
            status = validate_pdf_signature(embedded, signer_validation_context=context)
        cert = status.signing_cert
        check = PdfSignatureCheck(
            field_name=embedded.field_name,
            signer=cert.subject.native.get("common_name", "") if cert is not None else "",
            signed_at=str(status.signer_reported_dt or ""),
            intact=bool(status.intact and status.valid),
            trusted=bool(status.trusted) if roots else None,
            covers_whole=embedded.coverage.name == "ENTIRE_FILE",
        )
        level = getattr(getattr(status, "modification_level", None), "name", "")
        if not check.covers_whole:
            check.changed_after = level
            if level not in ("NONE", "LTA_UPDATES", "FORM_FILLING"):
                check.problems.append("tệp đã bị sửa sau chữ ký này (không chỉ thêm chữ ký)")
        if not check.intact:
            check.problems.append("nội dung đã bị thay đổi sau khi ký")
        if roots and not status.trusted:
            check.problems.append("chứng thư số không do tổ chức chứng thực được tin cậy cấp")
        found.append(check)
    return found
