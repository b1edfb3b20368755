"""Checks the security review found too shallow: a DOCTYPE past a part's first 4 KB, secrets and
personal data nested in log events or passed through the standard library's loggers."""

from __future__ import annotations

import io
import logging
import zipfile

import pytest

from lienthong.config.logging import RedactingFilter, redact
from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.excel import open_workbook
from tests.connectors.test_excel_files import HOSTILE  # noqa: F401  (the other hostile files live there)


def workbook_with_late_doctype() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                padding = b"<!--" + b" " * 10_000 + b"-->"  # the declaration starts past the first 4 KB
                body = data.split(b"?>", 1)[-1]
                doctype = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                data = b'<?xml version="1.0" encoding="UTF-8"?>' + padding + doctype + body
            target.writestr(item, data)
    return out.getvalue()


def test_a_doctype_past_the_first_four_kilobytes_is_refused():
    with pytest.raises(FileFormatError, match="DOCTYPE"):
        open_workbook(workbook_with_late_doctype(), "excel")


def test_nested_personal_data_and_secrets_are_masked():
    event = redact(
        None,
        "info",
        {"event": "x", "detail": {"ho_ten": "Lê Văn An", "rows": [{"password": "p"}], "note": "ma 7910655795"}},
    )
    assert event["detail"] == {"ho_ten": "***", "rows": [{"password": "***"}], "note": "ma <id>"}


def test_standard_library_loggers_are_masked():
    record = logging.LogRecord(
        "uvicorn", logging.INFO, __file__, 1, "token Bearer abc.def for %s", ("7910655795",), None
    )
    assert RedactingFilter().filter(record) and record.getMessage() == "token Bearer *** for <id>"
