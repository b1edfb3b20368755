"""A teacher's gradebook keyed as teachers key them — vnEdu's code, the ministry's ID, the personal
ID, or the name only — is linked to the school's students at reconciliation, never by row order
(`reconciliation.owner_links`): a unique match is used and counted by way, several or none are
an ``identity_doubt`` listing the candidates, and rows imported before any roster wait for it.

The school (vnEdu) and identity source (CSDL) are written here by hand from the contracts' shapes;
the gradebook's rows have the shape the gradebook reader gives (`connectors.gradebook.excel`).
"""

from __future__ import annotations

import io
from datetime import date, datetime, timezone
from decimal import Decimal
from types import SimpleNamespace

from openpyxl import Workbook
from sqlmodel import Session

from lienthong.mapping.gradebook import gradebook_records
from lienthong.mapping.vnedu import score_book_records
from lienthong.reconciliation.compare import reconcile
from lienthong.reconciliation.owner_links import OwnerLinks
from lienthong.reconciliation.service import load_sources
from lienthong.store.db import make_engine, migrate
from lienthong.store.repository import SnapshotRecord, upsert_snapshots
from lienthong.sync.file_import import Wanted, import_file

SCHOOL_YEAR = "2025-2026"
TODAY = date(2025, 12, 1)
# (vnEdu code, ministry ID, personal ID, name, birth date, class): one class of a grade-6 school,
# with names a step apart (Hà/Hoa, Bình/Vinh, An/Ân) and a namesake in the next class
CLASS_6A1 = [
    ("1800000001", "0790000001", "079213000001", "Nguyễn Thị Hà", "05/01/2014", "6A1"),
    ("1800000002", "0790000002", "079213000002", "Nguyễn Thị Hoa", "17/03/2014", "6A1"),
    ("1800000003", "0790000003", "079213000003", "Trần Văn Bình", "02/09/2014", "6A1"),
    ("1800000004", "0790000004", "079213000004", "Trần Văn Vinh", "11/11/2014", "6A1"),
    ("1800000005", "0790000005", "079213000005", "Lê Minh An", "30/06/2014", "6A1"),
    ("1800000006", "0790000006", "079213000006", "Lê Minh Ân", "08/08/2014", "6A1"),
    ("1800000007", "0790000007", "079213000007", "Phạm Thuỳ Dương", "21/04/2014", "6A1"),
]
CLASS_6A2 = [("1800000011", "0790000011", "079213000011", "Hoàng Văn Nam", "12/12/2014", "6A2")]
SCHOOL = CLASS_6A1 + CLASS_6A2


def vnedu_student(code, mid, pid, name, born, cls, from_file=False) -> dict:
    """vnEdu's student: pulled from the API (IDs of other platforms on it), or read from an export."""
    if from_file:
        return {
            "ma_hoc_sinh": code,
            "ho_ten": name,
            "ngay_sinh": born,
            "ma_lop": cls,
            "gioi_tinh": None,
            "trang_thai": None,
            "ma_dinh_danh_bo": None,
            "so_dinh_danh_ca_nhan": None,
            "tu_tep": True,
        }
    return {
        "ma_hoc_sinh": code,
        "ma_dinh_danh_bo": mid,
        "so_dinh_danh_ca_nhan": pid,
        "ho_ten": name,
        "ngay_sinh": born,
        "gioi_tinh": "Nữ" if "Thị" in name else "Nam",
        "dan_toc": "Kinh",
        "ma_lop": cls,
        "trang_thai": "Đang học",
    }


def csdl_student(code, mid, pid, name, born, cls) -> dict:
    day, month, year = born.split("/")
    return {
        "MaDinhDanh": mid,
        "SoDinhDanhCaNhan": pid,
        "HoTen": name,
        "NgaySinh": f"{year}-{month}-{day}",
        "GioiTinh": "2" if "Thị" in name else "1",
        "MaDanToc": "01",
        "MaLop": cls,
        "TrangThai": "1",
    }


def vnedu_sheet(code: str, tx: list[str], gk: str | None, ck: str | None) -> tuple[str, dict]:
    return f"{code}:TOAN:1", {
        "ma_hoc_sinh": code,
        "ma_mon": "TOAN",
        "hoc_ky": 1,
        "ddg_tx": tx,
        "ddg_gk": gk,
        "ddg_ck": ck,
        "nhan_xet": "",
        "version": 1,
    }


def row(number: int, name: str, tx: list[str], gk: str | None, ck: str | None, **identity) -> dict:
    """A gradebook row as the reader gives it (scores exact, IDs as text, date dd/mm/yyyy)."""
    return {
        "dong": number,
        "ho_ten": name,
        "ngay_sinh": identity.get("born"),
        "lop": identity.get("cls", "6A1"),
        "ma_mon": "TOAN",
        "hoc_ky": "1",
        "tx": [Decimal(v) for v in tx],
        "gk": Decimal(gk) if gk else None,
        "ck": Decimal(ck) if ck else None,
        "ma_hoc_sinh": identity.get("code"),
        "ma_dinh_danh": identity.get("mid"),
        "so_dinh_danh": identity.get("pid"),
        "row_id": None,
        "nhan_xet": "",
    }


def book(*rows: dict) -> dict:
    """What the gradebook's import stores (entity → key → payload)."""
    read = SimpleNamespace(
        records=list(rows), info={"sheets": [{"sheet": "6A1", "semester": "1", "class_code": "6A1"}]}
    )
    stored: dict[str, dict] = {}
    for entity, key, payload in gradebook_records(read).stored:
        stored.setdefault(entity, {})[key] = payload
    return stored


def school(students=SCHOOL, from_file=False, sheets: dict | None = None) -> dict:
    return {
        "hoc_sinh": {s[0]: vnedu_student(*s, from_file=from_file) for s in students},
        "diem": sheets if sheets is not None else same_scores(),
    }


def same_scores() -> dict:
    """Every student of 6A1 with Toán 8, 7 | 9 | 8 in vnEdu."""
    return dict(vnedu_sheet(s[0], ["8", "7"], "9", "8") for s in CLASS_6A1)


def csdl(students=SCHOOL) -> dict:
    return {"hoc_sinh": {s[1]: csdl_student(*s) for s in students}}


def run(sources: dict) -> tuple[list, OwnerLinks]:
    from lienthong.mapping.registry import canonical

    mapped = canonical(sources)
    found = reconcile(mapped, SCHOOL_YEAR, "1", TODAY)
    return found, mapped["gradebook"].linked


def of_kind(found: list, *kinds: str) -> list:
    return [d for d in found if d.kind in kinds]


def scores(found: list) -> list[tuple]:
    return sorted((d.keys["vnedu"], d.field, d.values["gradebook"]) for d in of_kind(found, "score_mismatch"))


# --- name only ------------------------------------------------------------------------------------


def name_only_book() -> dict:
    """Names as a teacher types them: old-style tones (Thuỳ → Thùy), NFD, a dropped middle name."""
    return book(
        row(4, "Nguyễn Thị Hà", ["8", "7"], "9", "8"),
        row(5, "Nguyễn Thị Hoa", ["8", "7"], "6", "8"),  # GK differs from vnEdu
        row(6, "Trần Văn Bình", ["8", "7"], "9", "8"),
        row(7, "Trần Văn Vinh", ["8", "5"], "9", "8"),  # TX2 differs
        row(8, "Lê Minh An", ["8", "7"], "9", "8"),
        row(9, "Le Minh Ân".replace("Le", "Lê"), ["8", "7"], "9", "7"),  # CK differs
        row(10, "Phạm Thùy Dương", ["8", "7"], "9", "8"),
    )


def test_a_name_only_book_against_vnedu_s_roster_compares_each_child_s_own_scores():
    found, linked = run({"gradebook": name_only_book(), "vnedu": school(), "csdl": csdl()})
    assert scores(found) == [
        ("1800000002", "gk", "6,0"),  # Hoa's, not Hà's
        ("1800000004", "tx1", "5,0"),  # Vinh's, not Bình's
        ("1800000006", "ck", "7,0"),  # Ân's, not An's
    ]
    assert of_kind(found, "identity_doubt") == []
    assert linked.ways == {"name": 7}
    assert linked.words() == "khớp theo mã vnEdu: 0, theo mã định danh: 0, theo họ tên: 7"
    # 0 wrong links: each row is the child of that name
    names = {s[0]: s[3] for s in SCHOOL}
    gradebook = canonical_gradebook(name_only_book())
    for key, school_key in linked.keys.items():
        assert names[school_key].replace("Thuỳ", "Thùy") == gradebook.students[key].full_name


def canonical_gradebook(stored: dict):
    from lienthong.mapping.gradebook import to_canonical

    return to_canonical(stored)


def test_a_name_with_a_slip_is_linked_by_the_matcher_and_counted_by_name():
    stored = book(row(4, "Trần Bình", ["8", "7"], "9", "8"), row(5, "Nguyễn Thị Hoa", ["8", "7"], "9", "8"))
    found, linked = run({"gradebook": stored, "vnedu": school(), "csdl": csdl()})
    assert of_kind(found, "identity_doubt", "score_mismatch") == []
    assert sorted(linked.keys.values()) == ["1800000002", "1800000003"]
    assert sorted(linked.how.values()) == ["name", "scored"] and linked.ways == {"name": 2}


def test_a_vnedu_coded_book_is_keyed_and_compared_as_before():
    stored = book(row(4, "Nguyễn Thị Hà", ["8", "9"], "9", "8", code="1800000001"))
    assert set(stored["diem"]) == {"1800000001:TOAN:1"}
    found, linked = run({"gradebook": stored, "vnedu": school(), "csdl": csdl()})
    assert scores(found) == [("1800000001", "tx1", "9,0")]
    assert linked.ways == {"code": 1} and linked.sheets is not None


# --- ministry and personal IDs ----------------------------------------------------------------------


def test_an_id_keyed_book_is_linked_through_the_csdl_when_vnedu_s_students_come_from_files():
    """vnEdu's exports carry no IDs: the book's Mã định danh finds the CSDL's student, and the
    CSDL's student is linked to vnEdu's by name, birth date and class."""
    stored = book(
        row(4, "Nguyễn Thị Hà", ["8", "7"], "9", "8", mid="0790000001"),
        row(5, "Nguyễn T. Hoa", ["8", "7"], "5", "8", mid="0790000002"),  # the name as abbreviated: the ID decides
        row(6, "Trần Văn Bình", ["6", "7"], "9", "8", pid="079213000003"),
        row(7, "Trần Văn Vinh", ["8", "7"], "9", "8", mid="0790000004"),
    )
    assert set(stored["diem"]) == {
        "mdd-0790000001:TOAN:1",
        "mdd-0790000002:TOAN:1",
        "cccd-079213000003:TOAN:1",
        "mdd-0790000004:TOAN:1",
    }
    found, linked = run({"gradebook": stored, "vnedu": school(from_file=True), "csdl": csdl()})
    assert scores(found) == [("1800000002", "gk", "5,0"), ("1800000003", "tx0", "6,0")]
    assert of_kind(found, "identity_doubt") == []
    assert linked.ways == {"ministry_id": 3, "personal_id": 1}
    mismatch = of_kind(found, "score_mismatch")[0]
    assert mismatch.keys == {"vnedu": "1800000002", "csdl": "0790000002"}
    assert "Nguyễn Thị Hoa (6A1)" in mismatch.message


def test_an_id_keyed_book_is_linked_by_vnedu_s_own_ids_without_the_csdl():
    stored = book(row(4, "Nguyễn Thị Hà", ["8", "7"], "7", "8", mid="0790000001"))
    found, linked = run({"gradebook": stored, "vnedu": school()})
    assert scores(found) == [("1800000001", "gk", "7,0")] and linked.ways == {"ministry_id": 1}


def test_an_id_the_school_gives_another_child_is_not_overruled_by_the_name():
    """The book says Hà with Hoa's ministry ID: the ID decides, never the name."""
    stored = book(row(4, "Nguyễn Thị Hà", ["8", "7"], "9", "8", mid="0790000002"))
    _, linked = run({"gradebook": stored, "vnedu": school(), "csdl": csdl()})
    assert linked.keys == {"mdd-0790000002": "1800000002"}


# --- doubts ---------------------------------------------------------------------------------------------


def test_two_namesakes_in_a_class_without_birth_dates_are_one_doubt_listing_both():
    twins = [
        *CLASS_6A1,
        ("1800000008", "0790000008", "079213000008", "Nguyễn Thị Hà", "19/02/2014", "6A1"),
    ]
    stored = book(row(4, "Nguyễn Thị Hà", ["8", "7"], "5", "8"), row(5, "Trần Văn Bình", ["8", "7"], "9", "8"))
    found, linked = run({"gradebook": stored, "vnedu": school(twins), "csdl": csdl(twins)})
    doubts = of_kind(found, "identity_doubt")
    assert len(doubts) == 1 and scores(found) == []  # Hà's GK is compared with nobody's
    doubt = doubts[0]
    assert doubt.class_code == "6A1" and doubt.student_name == "Nguyễn Thị Hà"
    assert doubt.values["vnedu"] == ["1800000001", "1800000008"]
    assert [(c["name"], c["class"], c["birth_date"]) for c in doubt.detail["candidates"]] == [
        ("Nguyễn Thị Hà", "6A1", "05/01/2014"),
        ("Nguyễn Thị Hà", "6A1", "19/02/2014"),
    ]
    assert "sinh 05/01/2014" in doubt.message and "sinh 19/02/2014" in doubt.message
    assert "Toán HK1" in doubt.message and "giáo viên chủ nhiệm" in doubt.message
    assert linked.ways == {"name": 1}
    assert linked.words().endswith("cần xác nhận: 1")
    # with the birth date in the book, the same row is linked
    dated = book(row(4, "Nguyễn Thị Hà", ["8", "7"], "5", "8", born="19/02/2014"))
    found, linked = run({"gradebook": dated, "vnedu": school(twins), "csdl": csdl(twins)})
    assert of_kind(found, "identity_doubt") == [] and linked.keys == {next(iter(dated["hoc_sinh"])): "1800000008"}


def test_a_row_whose_student_is_nowhere_is_a_doubt_with_no_candidate_and_never_a_link():
    stored = book(
        row(4, "Đỗ Quang Khải", ["8", "7"], "9", "8"),  # nobody of that name in the school
        row(5, "Hoàng Văn Nam", ["8", "7"], "9", "8"),  # a namesake in 6A2 only: listed, not linked
    )
    found, linked = run({"gradebook": stored, "vnedu": school(), "csdl": csdl()})
    doubts = {d.student_name: d for d in of_kind(found, "identity_doubt")}
    assert set(doubts) == {"Đỗ Quang Khải", "Hoàng Văn Nam"} and linked.keys == {}
    nowhere = doubts["Đỗ Quang Khải"]
    assert nowhere.values["vnedu"] == [] and nowhere.detail["candidates"] == []
    assert "không tìm thấy em nào" in nowhere.message and nowhere.class_code == "6A1"
    assert doubts["Hoàng Văn Nam"].detail["candidates"] == [
        {"key": "1800000011", "name": "Hoàng Văn Nam", "class": "6A2", "birth_date": "12/12/2014"}
    ]
    assert nowhere.keys == {"gradebook": next(k for k in stored["hoc_sinh"] if "kha" in k)}


def test_two_rows_of_one_child_with_other_scores_are_doubts_and_neither_is_compared():
    stored = book(row(4, "Trần Văn Bình", ["8", "7"], "9", "8"), row(9, "Trần Văn Bình", ["8", "7"], "4", "8"))
    assert len(stored["diem"]) == 2  # neither row overwrote the other
    found, linked = run({"gradebook": stored, "vnedu": school(), "csdl": csdl()})
    doubts = of_kind(found, "identity_doubt")
    assert len(doubts) == 2 and scores(found) == [] and linked.ways == {}  # in doubt, not counted as matched
    assert all(d.subject == "TOAN" and d.semester == "1" and "dòng thừa" in d.suggestion for d in doubts)
    # the same two rows with the same scores stand for one sheet: nothing for a person
    alike = book(row(4, "Trần Văn Bình", ["8", "7"], "9", "8"), row(9, "Trần Văn Bình", ["8", "7"], "9", "8"))
    found, linked = run({"gradebook": alike, "vnedu": school(), "csdl": csdl()})
    assert of_kind(found, "identity_doubt", "score_mismatch") == [] and linked.ways == {"name": 1}


def test_a_row_keyed_by_code_outweighs_an_older_row_of_the_same_child_keyed_by_name():
    """A teacher imported her book by name, then again with vnEdu's codes: the code's row is compared,
    the name's row (other scores) is for a person."""
    by_name = book(row(4, "Trần Văn Bình", ["8", "7"], "4", "8"))
    by_code = book(row(4, "Trần Văn Bình", ["8", "7"], "6", "8", code="1800000003"))
    both = {entity: {**by_name[entity], **by_code[entity]} for entity in by_name}
    found, linked = run({"gradebook": both, "vnedu": school(), "csdl": csdl()})
    assert scores(found) == [("1800000003", "gk", "6,0")] and linked.ways == {"code": 1}
    [doubt] = of_kind(found, "identity_doubt")
    assert doubt.keys == {"gradebook": next(iter(by_name["hoc_sinh"]))} and doubt.subject == "TOAN"


# --- a book before the roster ------------------------------------------------------------------------


def test_rows_imported_before_any_roster_wait_and_are_linked_when_it_arrives():
    stored = name_only_book()
    found, linked = run({"gradebook": stored, "csdl": csdl()})
    assert of_kind(found, "identity_doubt", "score_mismatch") == []
    assert linked.waiting == {"6A1": 7} and linked.words().endswith("chờ danh sách lớp: 7")
    found, linked = run({"gradebook": stored, "vnedu": school(), "csdl": csdl()})
    assert len(scores(found)) == 3 and linked.waiting == {} and linked.ways == {"name": 7}


def gradebook_file(rows: list[tuple[str, list[str], str, str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "6A1"
    sheet.append(["SỔ ĐIỂM MÔN TOÁN — LỚP 6A1 — HỌC KỲ I — NĂM HỌC 2025-2026"])
    sheet.append(["STT", "Họ và tên", "TX1", "TX2", "GK", "CK"])
    for number, (name, tx, gk, ck) in enumerate(rows, start=1):
        sheet.append([number, name, *tx, gk, ck])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_name_only_file_imported_before_the_roster_is_compared_by_the_next_reconciliation(tmp_path):
    url = f"sqlite:///{tmp_path / 'g.db'}"
    migrate(url)
    engine = make_engine(url)
    data = gradebook_file([("Nguyễn Thị Hoa", ["8", "7"], "6", "8"), ("Trần Văn Vinh", ["8", "5"], "9", "8")])
    clock = lambda: datetime(2025, 11, 20, tzinfo=timezone.utc)  # noqa: E731
    report = import_file(engine, "toan-6a1.xlsx", data, "gradebook", Wanted(SCHOOL_YEAR, "1"), None, "gv", clock)
    assert report.error is None and report.refused == [] and report.students == 2
    assert report.stored == {"new": 4}  # two score sheets and the two students the book names
    sources = load_sources(engine)
    assert of_kind(reconcile(sources, SCHOOL_YEAR, "1", TODAY), "identity_doubt", "score_mismatch") == []
    assert sources["gradebook"].linked.waiting == {"6A1": 2}
    with Session(engine) as session:  # vnEdu's roster and scores arrive later
        for entity, records in school().items():
            items = [SnapshotRecord("vnedu", entity, k, 1, v) for k, v in records.items()]
            upsert_snapshots(session, items, clock())
        session.commit()
    sources = load_sources(engine)
    found = reconcile(sources, SCHOOL_YEAR, "1", TODAY)
    assert scores(found) == [("1800000002", "gk", "6,0"), ("1800000004", "tx1", "5,0")]
    assert sources["gradebook"].linked.ways == {"name": 2}


# --- vnEdu's own score book is unchanged ------------------------------------------------------------------


def test_vnedu_s_own_score_book_still_needs_its_student_code():
    read = SimpleNamespace(
        records=[
            {**row(4, "Nguyễn Thị Hà", ["8"], "9", "8", code="1800000001"), "ngay_sinh": "05/01/2014"},
            {**row(5, "Nguyễn Thị Hoa", ["8"], "9", "8", mid="0790000002"), "trang": "6A1"},
        ],
        info={"sheets": [{"sheet": "6A1", "semester": "1", "class_code": "6A1"}]},
    )
    out = score_book_records(read)
    assert [(e, k) for e, k, _ in out.stored] == [("diem", "1800000001:TOAN:1"), ("hoc_sinh", "1800000001")]
    assert [(r, c, s) for r, _, c, s in out.refused] == [(5, "Mã học sinh", "6A1")]
