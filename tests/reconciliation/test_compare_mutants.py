"""Reconciliation's records exactly as a homeroom teacher reads them: kind, keys, field, values,
message and suggestion of every comparison in `reconciliation.compare`, on small hand-made sources.

Written from mutation testing (bench/mutation.md): each test pins what no other test checked
exactly. The sources are the stored payloads of vnEdu, the CSDL, the gradebook and the portal
(the shapes of `test_absence_rules`), or hand-made `SourceRecords` where a record holds what only
another platform's mapping would give (plain codes, a further source). School year 2025-2026,
default roles: the CSDL issues the identity and holds the results, vnEdu is the school's record,
the gradebook owns the scores and vnEdu must equal it.
"""

from __future__ import annotations

from datetime import date

import pytest

from lienthong.config.settings import AuthoritySettings, ScoreAuthoritySettings
from lienthong.mapping.canonical import Student
from lienthong.mapping.sources import SourceRecords
from lienthong.reconciliation.authority import ScoreAuthority
from lienthong.reconciliation.compare import Roles, SheetTable, compare_scores, reconcile
from lienthong.reconciliation.discrepancy import Discrepancy
from tests.hand_made import COMMENT, TX_GRADE_8, mid, vkey

SCHOOL_YEAR = "2025-2026"
TODAY = date(2025, 12, 1)
AN = "Nguyễn Văn An"


def keys(n: int) -> dict[str, str]:
    return {"vnedu": vkey(n), "csdl": mid(n)}


def hs_vnedu(
    n: int,
    name: str = AN,
    born: str = "12/03/2012",
    cls: str = "8A1",
    status: str = "Đang học",
    gender: str = "Nam",
    ministry_id: str | None = "",
    personal_id: str | None = None,
) -> dict:
    return {
        "ma_hoc_sinh": vkey(n),
        "ma_dinh_danh_bo": mid(n) if ministry_id == "" else ministry_id,
        "so_dinh_danh_ca_nhan": personal_id,
        "ho_ten": name,
        "ngay_sinh": born,
        "gioi_tinh": gender,
        "dan_toc": "Kinh",
        "ma_lop": cls,
        "trang_thai": status,
    }


def hs_csdl(
    n: int,
    name: str = AN,
    born: str = "2012-03-12",
    cls: str = "8A1",
    status: str = "1",
    gender: str = "1",
    personal_id: str | None = None,
) -> dict:
    return {
        "MaDinhDanh": mid(n),
        "SoDinhDanhCaNhan": personal_id,
        "HoTen": name,
        "NgaySinh": born,
        "GioiTinh": gender,
        "MaDanToc": "01",
        "MaLop": cls,
        "TrangThai": status,
    }


def one_student(vnedu: dict | None = None, csdl: dict | None = None) -> dict:
    """Student 1 on both sides, linked by the Mã định danh."""
    return {"vnedu": {"hoc_sinh": {vkey(1): vnedu or hs_vnedu(1)}}, "csdl": {"hoc_sinh": {mid(1): csdl or hs_csdl(1)}}}


def result(n: int, semester: str = "1", subjects: list | None = None, **more) -> tuple[str, dict]:
    return f"{mid(n)}:{semester}", {
        "MaDinhDanh": mid(n),
        "HocKy": semester,
        "Mon": subjects or [],
        "SoBuoiNghiCoPhep": 0,
        "SoBuoiNghiKhongPhep": 0,
        **more,
    }


def sheet(n: int, subject: str, tx: list, gk, ck, semester: int = 1) -> tuple[str, dict]:
    return f"{vkey(n)}:{subject}:{semester}", {
        "ma_hoc_sinh": vkey(n),
        "ma_mon": subject,
        "hoc_ky": semester,
        "ddg_tx": tx,
        "ddg_gk": gk,
        "ddg_ck": ck,
        "nhan_xet": "",
    }


def whole_semester(n: int, semester: int = 1) -> dict:
    """Every subject of grade 8 entered (8.5 or Đ): learning level Tốt."""
    return dict(
        sheet(
            n, code, ["Đ" if code in COMMENT else "8.5"] * count, *(["Đ" if code in COMMENT else "8.5"] * 2), semester
        )
        for code, count in TX_GRADE_8.items()
    )


def found(sources: dict, semester: str | None = "1", **kwargs) -> list[Discrepancy]:
    return reconcile(sources, SCHOOL_YEAR, semester, TODAY, **kwargs)


# --- bio, class and status of linked students ---------------------------------------------------


def test_a_linked_student_s_birth_date_class_and_status_are_each_one_exact_record():
    sources = one_student(hs_vnedu(1, born="13/03/2012", cls="8A2", status="Chuyển đi"), hs_csdl(1))
    assert found(sources) == [
        Discrepancy(
            "bio_mismatch",
            AN,
            keys(1),
            "ngay_sinh",
            {"vnedu": "13/03/2012", "csdl": "12/03/2012"},
            f"Ngày sinh của em {AN} (8A1): vnEdu 13/03/2012 – CSDL 12/03/2012",
            "8A1",
            suggestion="Sửa theo giấy khai sinh",
        ),
        Discrepancy(
            "class_mismatch",
            AN,
            keys(1),
            "ma_lop",
            {"vnedu": "8A2", "csdl": "8A1"},
            f"Lớp của em {AN}: vnEdu 8A2 – CSDL 8A1",
            "8A2",  # the class vnEdu (the school's own records) places her in: its GVCN handles it
        ),
        Discrepancy(
            "status_mismatch",
            AN,
            keys(1),
            "trang_thai",
            {"vnedu": "Chuyển đi", "csdl": "Đang học"},
            f"Trạng thái của em {AN} (8A1): vnEdu «Chuyển đi» – CSDL «Đang học»",
            "8A1",
            suggestion="Cập nhật chuyển đi/chuyển đến ở cả hai nơi",
        ),
    ]


def hand_made(name: str, title: str, student_key: str, **student) -> SourceRecords:
    """A source whose one student was built by a mapping with ``model_construct`` (plain codes)."""
    fields = {
        "full_name": AN,
        "birth_date": date(2012, 3, 12),
        "class_code": "8A1",
        "gender": "1",
        "status": "1",
        "ministry_id": mid(1),
        "personal_id": None,
        **student,
    }
    records = SourceRecords(name, title, title)
    records.students[student_key] = Student.model_construct(**fields)
    records.raw_names[student_key] = (fields["full_name"], fields["class_code"])
    return records


def test_a_status_given_as_a_plain_code_is_shown_in_words_and_an_unknown_one_as_written():
    csdl = hand_made("csdl", "CSDL", mid(1))
    moved = found({"vnedu": hand_made("vnedu", "vnEdu", vkey(1), status="3"), "csdl": csdl})
    assert [(d.kind, d.values, d.message) for d in moved] == [
        (
            "status_mismatch",
            {"vnedu": "Chuyển đi", "csdl": "Đang học"},
            f"Trạng thái của em {AN} (8A1): vnEdu «Chuyển đi» – CSDL «Đang học»",
        )
    ]
    unknown = found({"vnedu": hand_made("vnedu", "vnEdu", vkey(1), status="Bảo lưu"), "csdl": csdl})
    assert [(d.kind, d.values, d.message) for d in unknown] == [
        (
            "status_mismatch",
            {"vnedu": "Bảo lưu", "csdl": "Đang học"},
            f"Trạng thái của em {AN} (8A1): vnEdu «Bảo lưu» – CSDL «Đang học»",
        )
    ]


# --- identity: the records of linking --------------------------------------------------------------


def test_a_student_linked_only_by_the_personal_id_is_compared_not_reported_missing():
    cccd = "079212000001"
    sources = one_student(
        hs_vnedu(1, name="Trần Văn Bình", ministry_id=None, personal_id=cccd), hs_csdl(1, personal_id=cccd)
    )
    assert [(d.kind, d.keys, d.field, d.values) for d in found(sources)] == [
        ("bio_mismatch", keys(1), "ho_ten", {"vnedu": "Trần Văn Bình", "csdl": AN})
    ]


def namesakes(vnedu_gender) -> dict:
    """Two namesakes of the CSDL born the same day in one class, a girl (…2) and a boy (…3), and vnEdu's
    one record of that name, without IDs."""
    born, cls = "2014-06-15", "7A3"
    return {
        "csdl": {
            "hoc_sinh": {
                mid(2): hs_csdl(2, "Nguyễn Minh Anh", born, cls, gender="2"),
                mid(3): hs_csdl(3, "Nguyễn Minh Anh", born, cls, gender="1"),
            }
        },
        "vnedu": vnedu_gender,
    }


def test_a_doubt_between_namesakes_lists_first_the_one_of_the_student_s_gender():
    girl = hs_vnedu(2, "Nguyễn Minh Anh", "15/06/2014", "7A3", gender="Nữ", ministry_id=None)
    doubts = [d for d in found(namesakes({"hoc_sinh": {vkey(2): girl}})) if d.kind == "identity_doubt"]
    assert [d.values for d in doubts] == [{"vnedu": vkey(2), "csdl": [mid(2), mid(3)]}]


def test_a_gender_given_as_a_plain_code_counts_in_matching_too():
    csdl = SourceRecords("csdl", "CSDL", "CSDL ngành")
    for n, gender in ((2, "2"), (3, "1")):
        one = hand_made(
            "csdl",
            "CSDL",
            mid(n),
            full_name="Nguyễn Minh Anh",
            birth_date=date(2014, 6, 15),
            class_code="7A3",
            gender=gender,
            ministry_id=mid(n),
        )
        csdl.students.update(one.students)
        csdl.raw_names.update(one.raw_names)
    vnedu = hand_made(
        "vnedu",
        "vnEdu",
        vkey(2),
        full_name="Nguyễn Minh Anh",
        birth_date=date(2014, 6, 15),
        class_code="7A3",
        gender="2",
        ministry_id=None,
    )
    doubts = [d for d in found({"vnedu": vnedu, "csdl": csdl}) if d.kind == "identity_doubt"]
    assert [d.values for d in doubts] == [{"vnedu": vkey(2), "csdl": [mid(2), mid(3)]}]


def test_each_student_held_twice_is_one_duplicate_record():
    people = {1: ("Lê Văn Hùng", "10/10/2012", "2012-10-10"), 2: ("Trần Văn Nam", "11/11/2012", "2012-11-11")}
    vnedu, csdl = {}, {}
    for n, (name, born, iso) in people.items():
        csdl[mid(n)] = hs_csdl(n, name, iso)
        for copy in (n, n + 4):  # 1000000001/…5 and 1000000002/…6, without IDs
            vnedu[vkey(copy)] = {**hs_vnedu(copy, name, born, ministry_id=None)}
    assert [
        (d.kind, d.student_name, d.values) for d in found({"vnedu": {"hoc_sinh": vnedu}, "csdl": {"hoc_sinh": csdl}})
    ] == [
        ("duplicate_student", "Lê Văn Hùng", {"vnedu": [vkey(1), vkey(5)]}),
        ("duplicate_student", "Trần Văn Nam", {"vnedu": [vkey(2), vkey(6)]}),
    ]


def test_a_student_only_on_the_csdl_is_named_as_read_or_as_written_when_unreadable():
    sources = one_student()
    sources["csdl"]["hoc_sinh"][mid(2)] = hs_csdl(2, "Trần  Thị My ", "2012-01-02")  # read: single spaces
    sources["csdl"]["hoc_sinh"][mid(3)] = hs_csdl(3, "Lê Thị Hoa", "không rõ", "8A2")  # no date: unreadable
    assert found(sources) == [
        Discrepancy(
            "missing_student",
            "Trần Thị My",
            {"csdl": mid(2)},
            "hoc_sinh",
            {"vnedu": None, "csdl": mid(2)},
            "Em Trần Thị My (8A1) có trên CSDL nhưng không có trên vnEdu",
            "8A1",
            suggestion="Kiểm tra hồ sơ trên vnEdu",
        ),
        Discrepancy(
            "missing_student",
            "Lê Thị Hoa",
            {"csdl": mid(3)},
            "hoc_sinh",
            {"vnedu": None, "csdl": mid(3)},
            "Em Lê Thị Hoa (8A2) có trên CSDL nhưng không có trên vnEdu",
            "8A2",
            suggestion="Kiểm tra hồ sơ trên vnEdu",
        ),
    ]


def test_without_students_on_one_side_nobody_is_reported_missing_from_it():
    only_csdl = {"csdl": {"hoc_sinh": {mid(1): hs_csdl(1)}}, "vnedu": {"hoc_sinh": {}}}
    only_vnedu = {"vnedu": {"hoc_sinh": {vkey(1): hs_vnedu(1)}}, "csdl": {"hoc_sinh": {}}}
    assert found(only_csdl) == [] and found(only_vnedu) == []


def test_a_further_source_that_lists_students_is_linked_to_the_csdl_too():
    sources = one_student()
    smas = hand_made("smas", "SMAS", "HS01", full_name="Bùi Thị My", birth_date=date(2012, 4, 4), ministry_id=None)
    sources["smas"] = smas
    assert found(sources) == [
        Discrepancy(
            "missing_student",
            "Bùi Thị My",
            {"smas": "HS01"},
            "smas.hoc_sinh",  # a further source: its own ids
            {"smas": "HS01", "csdl": None},
            "Em Bùi Thị My (8A1) có trên SMAS nhưng chưa có trên CSDL ngành",
            "8A1",
            suggestion="Khai báo học sinh trên CSDL để được cấp mã định danh",
        ),
        Discrepancy(
            "missing_student",
            AN,
            {"csdl": mid(1)},
            "smas.hoc_sinh",  # a further source: its own ids
            {"smas": None, "csdl": mid(1)},
            f"Em {AN} (8A1) có trên CSDL nhưng không có trên SMAS",
            "8A1",
            suggestion="Kiểm tra hồ sơ trên SMAS",
        ),
    ]


# --- score cells: the gradebook against vnEdu ---------------------------------------------------------


def books(gradebook: dict, vnedu: dict) -> dict:
    sources = one_student()
    sources["gradebook"] = {"diem": gradebook}
    sources["vnedu"]["diem"] = vnedu
    return sources


def toan(tx, gk, ck, n: int = 1) -> dict:
    return dict([sheet(n, "TOAN", tx, gk, ck)])


def cell(kind: str, field: str, words: str, subject: str, mine: str, theirs: str, suggestion: str) -> Discrepancy:
    return Discrepancy(
        kind,
        AN,
        keys(1),
        field,
        {"gradebook": mine, "vnedu": theirs},
        f"Điểm {words} môn {subject} HK1 của em {AN} (8A1): sổ điểm {mine} – vnEdu {theirs}",
        "8A1",
        {"Toán": "TOAN", "Giáo dục thể chất": "GDTC"}[subject],
        "1",
        suggestion=suggestion,
    )


def test_each_differing_score_cell_is_one_record_saying_both_values_and_what_to_do():
    gradebook = {
        **toan(["8", "7"], "6", None),
        **dict([sheet(1, "GDTC", ["Đ"], None, None)]),
        **dict([sheet(0, "TOAN", ["5"], None, None)]),  # a student vnEdu does not list: not compared
        **dict([sheet(1, "VAN", ["9"], None, None)]),
    }  # a sheet vnEdu does not hold: for a person elsewhere
    vnedu = {
        **toan(["8", "9"], None, "5"),
        **dict([sheet(1, "GDTC", ["CĐ"], None, None)]),
        **dict([sheet(0, "TOAN", ["6"], None, None)]),
    }
    assert found(books(gradebook, vnedu)) == [
        cell("score_mismatch", "tx0", "ĐĐGtx1", "Giáo dục thể chất", "Đ", "CĐ", "Cập nhật vnEdu theo sổ điểm: Đ"),
        cell("score_mismatch", "tx1", "ĐĐGtx2", "Toán", "7,0", "9,0", "Cập nhật vnEdu theo sổ điểm: 7,0"),
        cell("missing_score", "gk", "ĐĐGgk", "Toán", "6,0", "(trống)", "Cập nhật vnEdu theo sổ điểm: 6,0"),
        cell("score_mismatch", "ck", "ĐĐGck", "Toán", "(trống)", "5,0", "Kiểm tra lại: sổ điểm để trống ô này"),
    ]


def test_with_pushes_only_what_waits_for_the_principal_is_for_a_person():
    fill = dict([sheet(1, "VAN", ["8"], None, None)]), dict([sheet(1, "VAN", [], None, None)])
    correction = toan(["7"], None, None), toan(["9"], None, None)
    sources = books({**fill[0], **correction[0]}, {**fill[1], **correction[1]})
    assert [(d.subject, d.field) for d in found(sources, pushed=True)] == [("TOAN", "tx0")]
    assert [(d.subject, d.field) for d in found(sources, pushed=False)] == [("TOAN", "tx0"), ("VAN", "tx0")]
    fills_too = Roles("csdl", "vnedu", "csdl", ScoreAuthority("gradebook", ("vnedu",), ("fill", "correction")))
    assert [(d.subject, d.field) for d in found(sources, pushed=True, roles=fills_too)] == [
        ("TOAN", "tx0"),
        ("VAN", "tx0"),
    ]


def score_sources(owner_sheets, target_sheets) -> tuple[SourceRecords, SourceRecords]:
    gradebook = SourceRecords("gradebook", "sổ điểm", "sổ điểm", sheets=owner_sheets)
    vnedu = hand_made("vnedu", "vnEdu", vkey(1))
    vnedu.sheets = target_sheets
    return gradebook, vnedu


def test_compare_scores_alone_reports_every_differing_cell_whatever_holds_the_sheets():
    mine, theirs = {**toan(["8"], "7", None), **toan(["5"], None, None, n=2)}, toan([], "7", None)
    expected = [("missing_score", "tx0", {"gradebook": "8,0", "vnedu": "(trống)"})]
    for owner_sheets, target_sheets in [
        (mine, theirs),
        (SheetTable(mine), theirs),
        (mine, SheetTable(theirs)),
        (SheetTable(mine), SheetTable(theirs)),
    ]:
        gradebook, vnedu = score_sources(owner_sheets, target_sheets)
        found_here = compare_scores(gradebook, vnedu, vnedu, {vkey(1): mid(1)}, "csdl")  # not pushed by default
        assert [(d.kind, d.field, d.values) for d in found_here] == expected
        assert found_here[0].keys == keys(1)


def test_the_roles_take_the_configured_score_authority():
    scores = ScoreAuthoritySettings(owner="vnedu", targets=["smas"], approval=["fill", "correction"])
    assert Roles.from_settings(AuthoritySettings(scores=scores)) == Roles(
        "csdl", "vnedu", "csdl", ScoreAuthority("vnedu", ("smas",), ("fill", "correction"))
    )


def test_corrections_always_need_the_principal_whatever_the_configuration():
    with pytest.raises(ValueError, match="correction"):
        ScoreAuthoritySettings(approval=["fill"])


# --- results: averages, levels, absences -----------------------------------------------------------------


def test_a_wrong_average_is_one_exact_record_and_what_cannot_be_recomputed_is_left_alone():
    sources = one_student()
    sources["vnedu"]["diem"] = {
        **toan(["8", "8", "8", "8"], "8", "8"),  # 8,0
        **dict([sheet(1, "NN1", ["6"], "6", None)]),  # no ĐĐGck: no average yet
        **dict([sheet(1, "KHTN", [], "6", "6")]),  # no ĐĐGtx: no average yet
    }
    sources["csdl"]["ket_qua"] = dict(
        [
            result(
                1,
                subjects=[
                    {"MaMon": "GDTC", "KetQuaDanhGia": "Đ"},  # a subject by comment comes first: skipped, not the end
                    {"MaMon": "VAN", "DiemTB": 7.0},  # no sheet on vnEdu
                    {"MaMon": "NN1", "DiemTB": 5.0},
                    {"MaMon": "KHTN", "DiemTB": 5.0},
                    {"MaMon": "TOAN", "DiemTB": 7.5},
                ],
            )
        ]
    )
    # the blank ĐĐGck and ĐĐGtx are `missing_score`s of their own (tests/reconciliation/test_missing_assessments)
    assert [d for d in found(sources) if d.kind != "missing_score"] == [
        Discrepancy(
            "average_mismatch",
            AN,
            keys(1),
            "DiemTB",
            {"csdl": "7,5", "vnedu": "8,0"},
            f"ĐTB môn Toán HK1 của em {AN} (8A1): CSDL 7,5 – tính lại từ điểm vnEdu 8,0",
            "8A1",
            "TOAN",
            "1",
            suggestion="Gửi lại kết quả học kỳ lên CSDL",
        )
    ]


def test_a_wrong_learning_level_is_one_exact_record_and_a_missing_one_is_no_difference():
    sources = {
        "vnedu": {
            "hoc_sinh": {vkey(1): hs_vnedu(1), vkey(2): hs_vnedu(2, "Trần Thị Bình", "05/07/2012")},
            "diem": {**whole_semester(1), **whole_semester(2)},
        },
        "csdl": {
            "hoc_sinh": {mid(1): hs_csdl(1), mid(2): hs_csdl(2, "Trần Thị Bình", "2012-07-05")},
            "ket_qua": dict([result(1, KetQuaHocTap="K"), result(2)]),
        },
    }  # the CSDL has no level for 2
    assert found(sources) == [
        Discrepancy(
            "result_mismatch",
            AN,
            keys(1),
            "KetQuaHocTap",
            {"csdl": "K", "vnedu": "T"},
            f"Kết quả học tập HK1 của em {AN} (8A1): CSDL «Khá» – tính lại theo Thông tư 22 từ điểm vnEdu «Tốt»",
            "8A1",
            None,
            "1",
            suggestion="Gửi lại kết quả học kỳ lên CSDL sau khi Hiệu trưởng duyệt",
        )
    ]


def training(sources: dict, n: int, level: str) -> None:
    sources["vnedu"].setdefault("hanh_kiem", {})[f"{vkey(n)}:1"] = {
        "ma_hoc_sinh": vkey(n),
        "hoc_ky": "1",
        "ket_qua_ren_luyen": level,
    }


def test_a_training_level_is_compared_only_where_both_give_one_and_shown_in_words_or_as_written():
    people = {1: AN, 2: "Trần Thị Bình", 3: "Lê Minh Chi", 4: "Phạm Quốc Dũng", 5: "Đỗ Thu Hà"}
    sources = {
        "vnedu": {"hoc_sinh": {vkey(n): hs_vnedu(n, name, f"0{n}/01/2012") for n, name in people.items()}},
        "csdl": {"hoc_sinh": {mid(n): hs_csdl(n, name, f"2012-01-0{n}") for n, name in people.items()}, "ket_qua": {}},
    }
    # 2: the CSDL holds no level yet; 5: the homeroom teacher has given none yet
    for n, (given, held) in {1: ("K", "T"), 2: ("T", None), 3: ("Khá", "T"), 4: ("K", "Tốt"), 5: (None, "T")}.items():
        if given:
            training(sources, n, given)
        key, record = result(n, KetQuaRenLuyen=held)
        sources["csdl"]["ket_qua"][key] = record

    def level(n: int, held: str, given: str, words: str) -> Discrepancy:
        return Discrepancy(
            "result_mismatch",
            people[n],
            keys(n),
            "KetQuaRenLuyen",
            {"csdl": held, "vnedu": given},
            f"Kết quả rèn luyện HK1 của em {people[n]} (8A1): CSDL {words}",
            "8A1",
            None,
            "1",
            suggestion="Gửi lại kết quả học kỳ lên CSDL theo đánh giá của giáo viên chủ nhiệm",
        )

    assert found(sources) == [
        level(1, "T", "K", "«Tốt» – vnEdu «Khá»"),
        level(3, "T", "Khá", "«Tốt» – vnEdu «Khá»"),
        level(4, "Tốt", "K", "«Tốt» – vnEdu «Khá»"),
    ]


def test_an_absence_count_that_differs_is_one_exact_record():
    sources = one_student()
    sources["vnedu"]["diem_danh"] = {
        f"{vkey(1)}:01/10/2025:S": {"ma_hoc_sinh": vkey(1), "ngay": "01/10/2025", "buoi": "S", "loai": "P", "ly_do": ""}
    }
    sources["csdl"]["ket_qua"] = dict([result(1)])
    assert found(sources) == [
        Discrepancy(
            "absence_mismatch",
            AN,
            keys(1),
            "so_buoi_nghi",
            {"vnedu": {"P": 1, "K": 0}, "csdl": {"P": 0, "K": 0}},
            f"Số buổi nghỉ HK1 của em {AN} (8A1): vnEdu có phép 1, không phép 0 – CSDL có phép 0, không phép 0",
            "8A1",
            semester="1",
            suggestion="Đối chiếu sổ điểm danh và cập nhật CSDL",
        )
    ]


def test_a_given_semester_is_the_only_one_compared():
    sources = one_student()
    sources["vnedu"]["diem"] = dict([sheet(1, "TOAN", ["8"] * 4, "8", "8", semester=2)])
    sources["csdl"]["ket_qua"] = dict([result(1, "1"), result(1, "2", [{"MaMon": "TOAN", "DiemTB": 7.0}])])
    assert found(sources, "1") == []
    assert [(d.kind, d.semester) for d in found(sources, None)] == [("average_mismatch", "2")]


# --- reports the Sở sent back ----------------------------------------------------------------------------


def test_a_report_sent_back_is_one_record_with_its_due_date_when_it_has_one():
    requests = {
        "YC01": {
            "ten": "Thống kê chuyên cần",
            "ma_bieu_mau": "TK-CHUYENCAN",
            "trang_thai": "bi_tra_lai",
            "han_nop": "2025-12-05T17:00:00+07:00",
        },
        "YC02": {"ten": "Thống kê học lực", "ma_bieu_mau": "TK-HOCLUC", "trang_thai": "bi_tra_lai"},
        "YC03": {"ten": "Thống kê sĩ số", "ma_bieu_mau": "TK-SISO", "trang_thai": "da_nop"},
    }

    def refused(code: str, text: str) -> Discrepancy:
        return Discrepancy(
            "report_refused",
            "",
            {"portal": code},
            "trang_thai",
            {"portal": "bi_tra_lai"},
            f"Báo cáo {text} bị Sở GD&ĐT trả lại: cần sửa theo các lỗi Sở ghi và nộp lại"
            + (" (hạn nộp 05/12/2025)" if code == "YC01" else ""),
            None,
            suggestion="Xem lỗi của lần nộp trên cổng báo cáo, sửa số liệu rồi nộp lại",
        )

    assert found({"portal": {"yeu_cau_bao_cao": requests}}) == [
        refused("YC01", "«Thống kê chuyên cần» (TK-CHUYENCAN)"),
        refused("YC02", "«Thống kê học lực» (TK-HOCLUC)"),
    ]


def test_records_name_the_student_by_the_identity_source_when_results_come_from_another():
    """With ``[authority] results`` naming another platform, the student's key is still filed
    under the identity source that issued it (the results are kept under that key)."""
    from dataclasses import replace as copied
    from datetime import date

    from lienthong.mapping.registry import canonical
    from lienthong.reconciliation.authority import ScoreAuthority
    from lienthong.reconciliation.compare import Roles, reconcile
    from lienthong.simulators.school import generate_school
    from lienthong.simulators.views import as_stored, build_platform_data

    today = date(2026, 11, 23)
    school = generate_school(3, 300, today)
    sources = canonical(as_stored(school, build_platform_data(school, 3)))
    sources["other"] = copied(sources["csdl"], name="other", title="hệ thống khác", students={}, raw_names={})
    roles = Roles("csdl", "vnedu", "other", ScoreAuthority.from_settings(None))
    found = [d for d in reconcile(sources, school.school_year, "1", today, roles=roles) if "other" in d.values]
    assert found and all("csdl" in d.keys and "other" not in d.keys for d in found)
    assert {d.kind for d in found} >= {"average_mismatch"}
