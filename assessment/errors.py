"""Errors of the assessment layer, and the base of every refused value (`DataError`).

`DataError` lives here, in the lowest layer, because the engine raises it too; the mapping
layer names it `MappingError`.
"""

from __future__ import annotations

from typing import Any


class DataError(ValueError):
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

    def at(self, field: str) -> "DataError":
        """Return the same error located at ``field`` (prefixing any inner location)."""
        inner = f"{field}.{self.field}" if self.field else field
        return DataError(self.reason, value=self.value, field=inner)


class AssessmentError(DataError):
    """Input the rules cannot be applied to (a year without rules, a bad grade…)."""
