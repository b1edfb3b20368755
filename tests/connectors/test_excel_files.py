"""Excel files from people: ministry exports, vnEdu score books, teachers' gradebooks, and
files that must be refused (hostile, wrong kind, wrong year, legacy encodings)."""

import io
import zipfile
from decimal import Decimal

import httpx
import pytest
from openpyxl import Workbook, load_workbook

from lienthong.connectors.csdl.excel import read_results, read_student_list, write_results, write_student_list
from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.gradebook.excel import Expect, parse_map, read_score_book
from lienthong.simulators.server import Simulators
from lienthong.simulators.views import Rates
from tests.simulators.conftest import TODAY, pinned


def save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def sims():
    running = Simulators.create(
        seed=4, students=300, today=TODAY, clock=pinned, rates=Rates(personal_id_lost_zeros=0.05)
    ).start()
    yield running
    running.stop()


def export(sims, path, **params) -> bytes:
    return httpx.get(f"{sims.servers['csdl'].url}/csdl/excel/{path}", params=params).content


# --- CSDL exports -------------------------------------------------------------------------------


@pytest.mark.parametrize("template", [1, 2])
def test_student_list_reads_both_templates_and_keeps_no_address(sims, template):
    read = read_student_list(export(sims, "danh-sach-hoc-sinh", mau=template), expected_year="2026-2027")
    assert len(read.records) == len(sims.csdl.students) and not read.rejected_rows
    truth = sims.csdl.students
    for record in read.records:
        expected = truth[record["MaDinhDanh"]]
        assert {k: record[k] for k in ("HoTen", "NgaySinh", "GioiTinh", "MaDanToc", "MaLop", "TrangThai")} == {
            k: expected[k] for k in ("HoTen", "NgaySinh", "GioiTinh", "MaDanToc", "MaLop", "TrangThai")
        }
        assert record["SoDinhDanhCaNhan"] == expected["SoDinhDanhCaNhan"]  # zeros restored
        assert set(record) == {
            "MaDinhDanh",
            "SoDinhDanhCaNhan",
            "HoTen",
            "NgaySinh",
            "GioiTinh",
            "MaDanToc",
            "MaLop",
            "TrangThai",
        }  # no address column is kept
    flagged = [p for p in read.problems if not p.fatal]
    assert len(flagged) == len(sims.csdl.numeric_ids) > 0
    assert all("số 0 đầu" in p.message for p in flagged)


def test_results_export(sims):
    read = read_results(export(sims, "ket-qua-hoc-tap", khoi=7, hoc_ky="1"), "2026-2027", "1")
    assert read.records and not read.problems
    record = read.records[0]
    assert record["KetQuaHocTap"] in ("T", "K", "Đ", "CĐ") and len(record["Mon"]) >= 8


def test_import_file_round_trips(sims):
    read = read_student_list(export(sims, "danh-sach-hoc-sinh"))
    again = read_student_list(write_student_list(read.records))
    assert again.records == read.records and again.problems == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: read_student_list(export(s, "ket-qua-hoc-tap", khoi=6, hoc_ky="1")), "có vẻ là kết quả học tập"),
        (lambda s: read_student_list(export(s, "danh-sach-hoc-sinh"), expected_year="2025-2026"), "năm học 2026-2027"),
        (lambda s: read_student_list(export(s, "danh-sach-hoc-sinh"), expected_class="6A1"), "không chỉ lớp 6A1"),
        (lambda s: read_results(export(s, "ket-qua-hoc-tap", khoi=6, hoc_ky="1"), semester="2"), "học kỳ I"),
    ],
)
def test_wrong_kind_year_class_or_semester_is_refused_saying_what_it_is(sims, call, message):
    with pytest.raises(FileFormatError) as caught:
        call(sims)
    assert message in caught.value.message


def test_bad_rows_are_reported_by_number_and_the_rest_read():
    book = Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH HỌC SINH"])
    sheet.append(["STT", "Mã lớp", "Mã định danh\nBộ GD&ĐT", "Họ tên", "Ngày sinh", "Giới tính"])
    sheet.append([1, "6A1", "7900000001", "Nguyễn Văn An", "05/09/2014", "Nam"])
    sheet.append([2, "6A1", "7900000002", "Trần Thị Bình", "31/02/2014", "Nữ"])
    sheet.append([3, "6A1", "79000003", "Lê Văn Cường", "01/01/2014", "Nam"])
    sheet.append([4, "6A1", "7900000004", "Phạm Thị Dung", "01/01/2014", "Không rõ"])
    read = read_student_list(save(book))
    assert [r["HoTen"] for r in read.records] == ["Nguyễn Văn An", "Lê Văn Cường"]
    assert read.records[1]["MaDinhDanh"] == "0079000003"  # restored, flagged
    assert [(p.row, p.column) for p in read.rejected_rows] == [(4, "Ngày sinh"), (6, "Giới tính")]
    assert "Dòng 4" in str(read.rejected_rows[0])


# --- hostile files ------------------------------------------------------------------------------


def xlsx_with(part: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(save(Workbook()))) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for item in source.infolist():
            out.writestr(item, content if item.filename == part else source.read(item))
    return buffer.getvalue()


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("[Content_Types].xml", b"<Types/>")
        out.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (300 * 1024 * 1024) + b"/>")
    return buffer.getvalue()


HOSTILE = {
    "xxe": xlsx_with(
        "xl/workbook.xml",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><workbook>&e;</workbook>',
    ),
    "billion-laughs": xlsx_with(
        "xl/workbook.xml",
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><workbook>&b;</workbook>',
    ),
    "broken-xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
    "not-a-workbook": b"Ho ten,Diem\nAn,8",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_are_refused_with_a_clear_message(name):
    for reader in (read_student_list, lambda d: read_score_book(d)):
        with pytest.raises(FileFormatError) as caught:
            reader(HOSTILE[name])
        assert caught.value.message and "passwd" not in caught.value.message


def test_zip_bomb_disguised_as_xlsx_is_refused_without_unpacking():
    with pytest.raises(FileFormatError) as caught:
        read_student_list(zip_bomb())
    assert "bom nén" in caught.value.message


def test_a_broken_xls_is_refused_as_broken():
    # vnEdu's exports are .xls and are read; a compound file with no workbook in it is not one
    with pytest.raises(FileFormatError) as caught:
        read_student_list(HOSTILE["broken-xls"])
    assert ".xls" in caught.value.message and "hỏng" in caught.value.message


# --- score books --------------------------------------------------------------------------------


def vnedu_score_book(average="7,8") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "6A1"
    for line in ("TRƯỜNG THCS BÌNH AN", "SỔ ĐIỂM MÔN Toán", "LỚP 6A1", "HỌC KỲ I", "NĂM HỌC 2026-2027"):
        sheet.append([line])
    sheet.append(
        [
            "STT",
            "ID",
            "Mã học sinh",
            "Họ và tên",
            "Ngày sinh",
            "ĐĐGtx",
            None,
            None,
            None,
            "ĐĐGgk",
            "ĐĐGck",
            "ĐTBmhk",
            "Nhận xét",
        ]
    )
    sheet.append([None, None, None, None, None, "TX1", "TX2", "TX3", "TX4"])
    sheet.merge_cells("F6:I6")
    sheet.column_dimensions["B"].hidden = True
    sheet.append([1, 9001, "1800000001", "Nguyễn Thị Hoà", "05/09/2014", "8", "7,5", 9, "6", "7", "8,5", average, ""])
    sheet.append([2, 9002, "1800000002", "Lê Văn Bình", "06/09/2014", "5", "6", "7", "8", "9", "10", "8,5", "Tốt"])
    return save(book)


def test_vnedu_score_book_two_row_header_hidden_id_and_average_checked():
    read = read_score_book(vnedu_score_book(), Expect(subject="TOAN", semester="1", school_year="2026-2027"))
    first, second = read.records
    assert first["tx"] == [Decimal("8.0"), Decimal("7.5"), Decimal("9.0"), Decimal("6.0")]
    assert (first["gk"], first["ck"], first["row_id"], first["ma_hoc_sinh"]) == (
        Decimal("7.0"),
        Decimal("8.5"),
        9001,
        "1800000001",
    )
    assert first["lop"] == "6A1" and first["ma_mon"] == "TOAN" and first["hoc_ky"] == "1"
    # row 2: (26 + 18 + 30) / 9 = 8.2, the file says 8,5: flagged, not trusted
    [flag] = read.problems
    assert flag.row == 9 and not flag.fatal and "8,2" in flag.message


def test_score_book_of_another_subject_or_year_is_refused():
    with pytest.raises(FileFormatError, match="môn Toán"):
        read_score_book(vnedu_score_book(), Expect(subject="VAN"))
    with pytest.raises(FileFormatError, match="năm học 2026-2027"):
        read_score_book(vnedu_score_book(), Expect(school_year="2025-2026"))


def teacher_gradebook(names=("Nguyễn Văn An", "Trần Thị Bình")) -> bytes:
    book = Workbook()
    for code in ("6A1", "6A2"):
        sheet = book.create_sheet(code)
        sheet.append([f"Sổ điểm cá nhân — lớp {code}"])
        sheet.append([])
        sheet.append(["STT", "Họ tên", "Miệng", "15 phút", "15 phút", "Giữa kì", "Cuối kì"])
        sheet.append([1, names[0], "8,5", "7", "9", "8", "7,5"])
        sheet.append([])
        sheet.append([2, names[1], "6", "6,5", None, "7", "8"])
        sheet.append([None, "Ghi chú: bạn Bình vắng bài 15 phút lần 2"])
    book.remove(book["Sheet"])
    return save(book)


def test_teacher_gradebook_with_several_classes_blank_and_note_rows():
    read = read_score_book(teacher_gradebook(), Expect(subject="TOAN", semester="1"))
    assert [(r["lop"], r["ho_ten"]) for r in read.records] == [
        ("6A1", "Nguyễn Văn An"),
        ("6A1", "Trần Thị Bình"),
        ("6A2", "Nguyễn Văn An"),
        ("6A2", "Trần Thị Bình"),
    ]
    assert read.records[1]["tx"] == [Decimal("6.0"), Decimal("6.5"), None]
    assert read.problems == []


def test_tcvn3_gradebook_is_refused_with_advice():
    with pytest.raises(FileFormatError) as caught:
        read_score_book(
            teacher_gradebook(names=("NguyÔn V¨n An", "TrÇn ThÞ B×nh")), Expect(subject="TOAN", semester="1")
        )
    assert "TCVN3" in caught.value.message and "Unicode" in caught.value.message


def test_unrecognised_columns_ask_for_a_mapping_and_the_mapping_works():
    book = Workbook()
    sheet = book.active
    sheet.append(["Lớp 6A1"])
    sheet.append(["Số", "Tên em", "Cột 1", "Cột 2", "Cột 3", "Cột 4"])
    sheet.append([1, "Nguyễn Văn An", "8", "7", "9", "8"])
    data = save(book)
    with pytest.raises(FileFormatError, match="--map"):
        read_score_book(data, Expect(subject="TOAN", semester="1"))
    read = read_score_book(data, Expect(subject="TOAN", semester="1"), parse_map("dong=2,ho_ten=B,tx=C:D,gk=E,ck=F"))
    assert read.records[0]["tx"] == [Decimal("8.0"), Decimal("7.0")] and read.records[0]["ck"] == Decimal("8.0")


def test_bad_scores_are_reported_by_row():
    book = Workbook()
    sheet = book.active
    sheet.append(["STT", "Họ và tên", "TX1", "TX2", "GK", "CK"])
    sheet.append([1, "Nguyễn Văn An", "8", "11", "7", "8"])
    sheet.append([2, "Lê Thị Hoa", "8,55", "7", "7", "8"])
    sheet.append([3, "Phạm Văn Cao", "8", "7", "7", "8"])
    read = read_score_book(save(book), Expect(subject="TOAN", semester="1"))
    assert [r["ho_ten"] for r in read.records] == ["Phạm Văn Cao"]
    assert [(p.row, p.column) for p in read.problems] == [(2, "TX2"), (3, "TX1")]


def test_results_import_file_round_trips_with_codes_as_text(sims):
    read = read_results(export(sims, "ket-qua-hoc-tap", khoi=8, hoc_ky="1"), "2026-2027", "1")
    students = {mid: s for mid, s in sims.csdl.students.items()}
    data = write_results(read.records, students, "1")
    again = read_results(data, semester="1")
    assert again.records == read.records and again.problems == []
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]][:3] == ["STT", "Mã lớp", "Mã định danh Bộ GD&ĐT"]
    assert all(isinstance(c.value, str) for c in sheet[2])  # every value written as text


def test_year_results_carry_title_and_promotion_codes():
    record = {
        "MaDinhDanh": "7900000001",
        "HocKy": "CN",
        "Mon": [{"MaMon": "TOAN", "DiemTB": "9.1"}, {"MaMon": "GDTC", "KetQuaDanhGia": "Đ"}],
        "KetQuaHocTap": "T",
        "KetQuaRenLuyen": "T",
        "SoBuoiNghiCoPhep": 2,
        "SoBuoiNghiKhongPhep": 0,
        "DanhHieu": "XS",
        "LenLop": "LL",
    }
    students = {"7900000001": {"HoTen": "Nguyễn Thị Hoà", "NgaySinh": "2013-09-05", "MaLop": "8A1"}}
    [again] = read_results(write_results([record], students, "CN"), semester="CN").records
    assert again == record
