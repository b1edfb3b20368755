"""Excel files uploaded on the IT page: the checks of ``lienthong import``, a report per file in
Vietnamese, size and type limits, temporary copies removed, the upload audited with the account."""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

import pytest
from sqlmodel import Session, select

from lienthong.store.tables import AuditLogRow, DiscrepancyRow, ReconcileStateRow, SourceSnapshotRow
from lienthong.sync import uploads
from lienthong.sync.service import NotAllowed
from tests.dashboard.conftest import csrf_of, make_site

FIXTURES = Path(__file__).parents[1] / "fixtures"
SCORE_BOOK = FIXTURES / "vnedu_so_diem_toan_6A1_hk1.xlsx"
CSDL_LIST = FIXTURES / "csdl_danh_sach_hoc_sinh.xlsx"


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _post(client, files, csrf, **fields):
    return client.post("/cntt/nhap-tep", data={"csrf": csrf, **fields}, files=files, follow_redirects=False)


def test_it_uploads_files_and_reads_each_ones_report(sqlite_engine, private_tmp):
    site = make_site(sqlite_engine)
    client = site.client("it")
    page = client.get("/cntt")
    assert 'enctype="multipart/form-data"' in page.text and "Nhập tệp Excel" in page.text
    files = [
        ("tep", (SCORE_BOOK.name, SCORE_BOOK.read_bytes(), "application/vnd.ms-excel")),
        ("tep", ("danh-sach.csv", b"a,b\n", "text/csv")),
        ("tep", (CSDL_LIST.name, CSDL_LIST.read_bytes(), "application/vnd.ms-excel")),
    ]
    response = _post(client, files, csrf_of(page.text))
    assert response.status_code == 200, response.text[:500]
    text = response.text
    assert SCORE_BOOK.name in text and "năm học" in text and "học sinh" in text
    assert "Ngày không tồn tại" in text and '<td data-label="Dòng">13</td>' in text  # the refused row, where
    assert "danh-sach.csv</strong>: không nhập — Chỉ nhận tệp Excel (.xlsx hoặc .xls)." in text
    assert list(private_tmp.iterdir()) == []  # the copies are gone
    with Session(sqlite_engine) as session:
        entries = list(
            session.exec(select(AuditLogRow).where(AuditLogRow.action.in_(("file_imported", "files_uploaded"))))
        )
    by = {e.action: e for e in entries}
    assert by["files_uploaded"].actor == by["file_imported"].actor == site.people["it"].ref
    assert [f["file"] for f in by["files_uploaded"].detail["files"]] == [
        SCORE_BOOK.name,
        "danh-sach.csv",
        CSDL_LIST.name,
    ]
    # the school reconciled after the file: the list a GVCN works from follows it
    with Session(sqlite_engine) as session:
        registered = session.exec(select(DiscrepancyRow).where(DiscrepancyRow.status == "open")).all()
        state = session.exec(select(ReconcileStateRow)).all()
    assert registered and state  # vnEdu's book against the CSDL's list: the two rosters compared
    said = re.search(r"Đã đối chiếu lại sau khi nhập: (\d+) khác biệt \((\d+) mới, (\d+) đã hết\)", text)
    assert said and int(said[1]) == int(said[2]) == len(registered), text[-3000:]
    assert "Chưa có hai nguồn" not in text
    again = _post(
        client, [("tep", (SCORE_BOOK.name, SCORE_BOOK.read_bytes(), "application/vnd.ms-excel"))], csrf_of(text)
    )
    assert "đã được nhập lúc" in again.text  # the same file again changes nothing
    assert "Đã đối chiếu lại" not in again.text  # ... and nothing is reconciled for it


def test_a_failed_reconciliation_after_an_upload_leaves_the_files_imported_and_says_so(
    sqlite_engine, private_tmp, monkeypatch, capsys
):
    from lienthong.reconciliation import service as reconciliation

    def broken(*args, **kwargs):
        raise RuntimeError("Nguyễn Thị Hoa")

    monkeypatch.setattr(reconciliation, "reconcile_school", broken)
    client = make_site(sqlite_engine).client("it")
    files = [("tep", (SCORE_BOOK.name, SCORE_BOOK.read_bytes(), "application/vnd.ms-excel"))]
    response = _post(client, files, csrf_of(client.get("/cntt").text))
    assert response.status_code == 200
    assert "Lưu (bản ghi): mới" in response.text  # the file's records are stored
    assert "chưa đối chiếu lại được; hãy chạy lệnh «lienthong reconcile» (lỗi RuntimeError)" in response.text
    logs = capsys.readouterr()
    assert "reconcile_after_upload_failed" in logs.out + logs.err and "Hoa" not in logs.out + logs.err


def test_a_book_that_names_no_subject_is_imported_with_the_subject_chosen_on_the_page(sqlite_engine, private_tmp):
    """A teacher's book with no title (a real one: github:solz9/L-4, tests/connectors/test_real_workbooks_14.py)
    cannot say its subject: the refusal names the page's field, and with the subject chosen there the
    book is read and stored under it, as ``lienthong import --subject`` does."""
    from tests.workbooks import workbook

    book = workbook({"Sheet1": [["STT", "Họ và tên", "TX1", "TX2", "GK", "CK"], [1, "Lê Minh An", 7, 8, 7.5, 8]]})
    client = make_site(sqlite_engine).client("it")
    page = client.get("/cntt").text
    assert '<select id="mon" name="mon">' in page and '<option value="TOAN">Toán</option>' in page
    files = [("tep", ("so-diem.xlsx", book, "application/vnd.ms-excel"))]
    refused = _post(client, files, csrf_of(page), hoc_ky="1")
    assert "không rõ môn học" in refused.text and "ô Môn khi tải tệp lên" in refused.text
    read = _post(client, files, csrf_of(refused.text), hoc_ky="1", mon="TOAN")
    assert read.status_code == 200 and "không rõ môn học" not in read.text, read.text[-2000:]
    with Session(sqlite_engine) as session:
        stored = session.exec(select(SourceSnapshotRow).where(SourceSnapshotRow.entity == "diem")).all()
    assert [(row.payload["ma_mon"], row.payload["hoc_ky"]) for row in stored] == [("TOAN", 1)]
    wrong = _post(client, files, csrf_of(read.text), mon="LY")
    assert wrong.status_code == 400 and "Môn không có trong danh mục." in wrong.text


def test_a_book_uploaded_again_under_another_semester_takes_back_its_first_reading(sqlite_engine, private_tmp):
    """As ``lienthong import --semester 2`` after a book was read as semester 1: the page says so, and
    only semester 2's sheet stays (tests/sync/test_reimport.py)."""
    from tests.workbooks import workbook

    site = make_site(sqlite_engine)
    year = site.settings.current_school_year()
    rows = [["SỔ ĐIỂM MÔN TOÁN"], [f"Lớp 6A1 — Năm học {year}"], ["STT", "Họ và tên", "TX1", "TX2", "GK", "CK"]]
    book = workbook({"6A1": [*rows, [1, "Lê Minh An", 7, 8, 7.5, 8]]})
    client = site.client("it")
    files = [("tep", ("so-diem.xlsx", book, "application/vnd.ms-excel"))]
    first = _post(client, files, csrf_of(client.get("/cntt").text), hoc_ky="1")
    assert first.status_code == 200 and "Lưu (bản ghi): mới 2" in first.text, first.text[-2000:]
    again = _post(client, files, csrf_of(first.text), hoc_ky="2")
    assert "nên được lưu lại theo tệp; đã gỡ 1 bản ghi lần trước đọc theo học kỳ, môn hay lớp khác." in again.text
    with Session(sqlite_engine) as session:
        stored = session.exec(select(SourceSnapshotRow).where(SourceSnapshotRow.entity == "diem")).all()
    assert [row.payload["hoc_ky"] for row in stored] == [2]


def test_the_page_says_what_of_a_file_was_left_out_or_read_though_hidden(sqlite_engine, private_tmp):
    """The page said how many rows were read and refused, and nothing of the sheets not read, the
    columns not used, nor the command's notes (a hidden column read, a semester assumed): the one
    who uploads now reads what ``lienthong import`` says under each file."""
    from openpyxl import Workbook

    site = make_site(sqlite_engine)
    year = site.settings.current_school_year()
    book = Workbook()
    sheet = book.active
    sheet.title = "6A1"
    for row in (
        ["SỔ ĐIỂM MÔN TOÁN"],
        [f"Lớp 6A1 — Năm học {year}"],
        ["STT", "Họ và tên", "TX1", "TX2", "TX3", "TX4", "TX5", "GK", "CK"],
        [1, "Lê Minh An", 7, 8, 6, 9, 10, 7.5, 8],
    ):
        sheet.append(row)
    sheet.column_dimensions["D"].hidden = True
    book.create_sheet("Ghi chú").append(["Sổ của cô Hoa, không sửa"])
    data = io.BytesIO()
    book.save(data)
    client = site.client("it")
    files = [("tep", ("so-diem.xlsx", data.getvalue(), "application/vnd.ms-excel"))]
    text = _post(client, files, csrf_of(client.get("/cntt").text), hoc_ky="1").text
    assert "<li>Đã đọc 1 trang: 6A1.</li>" in text, text[-3000:]
    assert "<li>Trang «Ghi chú»: không đọc — " in text
    assert "<li>Cột «TX5» trang «6A1» (ô G3): không dùng — " in text
    assert "<li>Lưu ý: Trang «6A1»: cột D («TX2») đang bị ẩn trong tệp nhưng vẫn được đọc như mọi cột" in text


def test_an_upload_too_large_is_refused_before_it_is_read(sqlite_engine):
    client = make_site(sqlite_engine).client("principal")
    csrf = csrf_of(client.get("/cntt").text)
    big = b"\0" * (uploads.MAX_FILE + (2 << 20))
    response = _post(client, [("tep", ("lon.xlsx", big, "application/octet-stream"))], csrf)
    assert response.status_code == 413 and "không quá 30 MB" in response.text


def test_a_file_over_the_limit_is_refused_by_the_service(sqlite_engine, private_tmp, monkeypatch):
    site = make_site(sqlite_engine)
    monkeypatch.setattr(uploads, "MAX_FILE", 10)
    found = uploads.import_uploads(
        sqlite_engine, site.settings, [uploads.Upload("a.xlsx", io.BytesIO(b"x" * 11))], site.people["it"], site.clock
    )
    assert "không quá" in found[0].error and list(private_tmp.iterdir()) == []


def test_only_it_and_the_principal_import(sqlite_engine):
    site = make_site(sqlite_engine)
    with pytest.raises(NotAllowed):
        uploads.import_uploads(sqlite_engine, site.settings, [], site.people["gvcn"], site.clock)
