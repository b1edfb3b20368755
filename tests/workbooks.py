"""Workbooks built by hand in tests, from rows as a person would type them."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from lienthong.connectors.errors import FileFormatError


def workbook(sheets: dict[str, list[list]], merged: dict[str, list[str]] | None = None) -> bytes:
    """An .xlsx with one sheet per entry (title → rows), cells merged as ``merged`` says (``"C1:F1"``)."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for cells in (merged or {}).get(title, []):
            sheet.merge_cells(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def refusal(call) -> str:
    """The message of the `FileFormatError` that ``call()`` raises (it must raise one)."""
    with pytest.raises(FileFormatError) as caught:
        call()
    return caught.value.message
