"""Hostile and malformed files through `lienthong import`: refused whole, nothing stored, nothing
of the file (nor of /etc/passwd) repeated on the screen."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from lienthong.cli import exits
from lienthong.mapping.legacy_encoding import TCVN3_TABLE
from tests.faults.conftest import database_fingerprint, xlsx_bytes

TO_TCVN3 = {ord(unicode): chr(code) for code, unicode in TCVN3_TABLE.items()}


def tcvn3(text: str) -> str:
    """Unicode Vietnamese as it reads when typed with a TCVN3 (.VnTime) font."""
    return text.translate(TO_TCVN3)


def workbook_with_part(part: str, content: bytes) -> bytes:
    """A real workbook with one of its XML parts replaced."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(Workbook())))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            out.writestr(item, content if item.filename == part else source.read(item.filename))
    return buffer.getvalue()


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("[Content_Types].xml", b"<Types/>")
        out.writestr("xl/worksheets/sheet1.xml", b"<x>" + b" " * (40 * 1024 * 1024) + b"</x>")
    return buffer.getvalue()


def gradebook(header: list[str], names: list[str]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "6A1"
    sheet.append(["Sổ điểm cá nhân môn Toán — lớp 6A1 — học kỳ I"])
    sheet.append([])
    sheet.append(header)
    for number, name in enumerate(names, start=1):
        sheet.append([number, name, "8", "7,5", "9", "8", "7"])
    return xlsx_bytes(book)


HEADER = ["STT", "Họ và tên", "Miệng", "15 phút", "15 phút", "Giữa kì", "Cuối kì"]
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><workbook>&e;</workbook>'
HOSTILE = {
    "not-a-zip": (b"Ho ten,Diem\nNguyen Van An,8\n", ()),
    "broken-xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048, (".xls", "hỏng")),
    "zip-bomb": (zip_bomb(), ("bom nén",)),
    "xxe": (workbook_with_part("xl/workbook.xml", XXE), ("DOCTYPE",)),
    "empty-workbook": (xlsx_bytes(Workbook()), ()),
    "tcvn3-header": (gradebook([tcvn3(h) for h in HEADER], ["Nguyen Van An"]), ("TCVN3",)),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_or_malformed_file_is_refused_whole(case, name):
    data, says = HOSTILE[name]
    path = case.folder / f"{name}.xlsx"
    path.write_bytes(data)
    before = database_fingerprint(case.database)
    done = case.run("import", str(path))
    case.assert_error(done, exits.BAD_INPUT, says=(f"{name}.xlsx", *says), before=before)
    assert "root:" not in done.stdout + done.stderr  # nothing of /etc/passwd


def test_a_gradebook_with_names_typed_in_tcvn3_does_not_repeat_the_names(case):
    """The refusal may say the file is TCVN3; it must not print a student's name, decoded or not."""
    students = [s for s in case.sims.school.students if s.class_code == "6A1"][:3]
    path = case.folder / "so-diem-tcvn3.xlsx"
    path.write_bytes(gradebook(HEADER, [tcvn3(s.full_name) for s in students]))
    before = database_fingerprint(case.database)
    done = case.run("import", "--kind", "gradebook", "--subject", "TOAN", str(path))
    case.assert_error(done, exits.BAD_INPUT, says=("TCVN3",), before=before)
    assert not any(tcvn3(s.full_name) in done.stdout + done.stderr for s in students)


def test_a_bad_score_row_is_named_by_its_excel_address(case):
    """One score out of range: that row refused (exit 1), named by sheet and cell, not by the
    student; the other rows kept."""
    students = [s for s in case.sims.school.students if s.class_code == "6A1"][:3]
    book = Workbook()
    sheet = book.active
    sheet.title = "6A1"
    sheet.append(["Sổ điểm cá nhân môn Toán — lớp 6A1 — học kỳ I"])
    sheet.append([])
    sheet.append(["STT", "Mã học sinh", "Họ và tên", "Miệng", "15 phút", "15 phút", "Giữa kì", "Cuối kì"])
    for number, student in enumerate(students, start=1):
        scores = ["8", "11" if number == 2 else "7,5", "9", "8", "7"]
        sheet.append([number, student.vnedu_id, student.full_name, *scores])
    path = case.folder / "so-diem-6A1.xlsx"
    path.write_bytes(xlsx_bytes(book))
    done = case.run("import", "--kind", "gradebook", "--subject", "TOAN", "--semester", "1", str(path))
    case.assert_done(done, exits.DIFFERENCES)
    refused = [line for line in done.stdout.splitlines() if "E5" in line]
    assert refused, done.shown()
    assert not case.personal_data.found_in("\n".join(refused)), refused
