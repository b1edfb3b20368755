"""Errors raised while turning outside data into canonical records.

A `MappingError` is never a crash: the caller turns it into a discrepancy or a clear,
Vietnamese message for the person who supplied the data.
"""

from __future__ import annotations

from typing import Any


class MappingError(ValueError):
    """A value that cannot become canonical data.

    Attributes:
        field: where the value was found (a field name or path), or ``None``.
        value: the offending value as received.
        reason: a Vietnamese sentence saying what is wrong and what is expected.
    """

    def __init__(self, reason: str, *, value: Any = None, field: str | None = None) -> None:
        self.reason = reason
        self.value = value
        self.field = field
        super().__init__(self._render())

    def _render(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{where}{self.reason} (giá trị nhận được: {self.value!r})"

    def at(self, field: str) -> "MappingError":
        """Return the same error located at ``field`` (prefixing any inner location)."""
        inner = f"{field}.{self.field}" if self.field else field
        return MappingError(self.reason, value=self.value, field=inner)


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
        reason = (
            f"Văn bản có vẻ được gõ bằng {names.get(encoding, encoding)}, "
            f"có thể là «{suggestion}». Hãy chuyển tệp sang Unicode (ví dụ bằng Unikey) rồi nhập lại"
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
