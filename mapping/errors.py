"""Errors raised while turning outside data into canonical records.

A `MappingError` is never a crash: the caller turns it into a discrepancy or a clear,
Vietnamese message for the person who supplied the data.
"""

from __future__ import annotations

from lienthong.assessment.errors import DataError

# One base for every refused value, defined in the lowest layer (the assessment engine raises
# its own subclass), so that callers catching `MappingError` also catch assessment errors.
MappingError = DataError


class LegacyEncodingError(MappingError):
    """Text that is Vietnamese typed in a legacy 8-bit font encoding (TCVN3, VNI).

    Attributes:
        encoding: ``"tcvn3"``, ``"vni"`` or ``"utf8-as-cp1252"``.
        suggestion: how the text probably reads, for the person to confirm.
    """

    def __init__(self, encoding: str, value: str, suggestion: str, field: str | None = None):
        self.encoding = encoding
        self.suggestion = suggestion
        names = {
            "tcvn3": "bảng mã TCVN3 (ABC, phông .VnTime)",
            "vni": "bảng mã VNI (phông VNI-Times)",
            "utf8-as-cp1252": "Unicode bị đọc sai thành Windows-1252",
        }
        # a header's reading helps; a person's name is not repeated in an error (personal data)
        personal = bool(field) and any(k in field.lower() for k in ("ho_ten", "hoten", "full_name"))
        guess = "" if personal else f", có thể là «{suggestion}»"
        reason = (
            f"Văn bản có vẻ được gõ bằng {names.get(encoding, encoding)}{guess}. "
            "Hãy chuyển tệp sang Unicode (ví dụ bằng Unikey) rồi nhập lại"
        )
        super().__init__(reason, value=value, field=field)


def describe(exc: Exception) -> str:
    """One line naming the field and the offending value, for people and for logs.

    Works for `MappingError` and for pydantic's ``ValidationError`` (whose first error is
    reported, with its location rendered as ``tx[2]``-style paths).
    """
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    first = errors()[0]
    loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"]).lstrip(".")
    inner = first.get("ctx", {}).get("error")
    if isinstance(inner, MappingError):
        return str(inner.at(loc) if loc else inner)
    where = f"{loc}: " if loc else ""
    return f"{where}{first['msg']} (giá trị nhận được: {first['input']!r})"
