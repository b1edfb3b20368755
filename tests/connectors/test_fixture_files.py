"""Example files from outside the project, read by the project's readers, against expectations
written by hand.

``tests/fixtures/`` holds three workbooks laid out from the contracts (a CSDL student list, a
vnEdu score book, a teacher's own gradebook; made once by ``make_fixtures.py`` with openpyxl
alone, never by the project's writers or simulators) and, next to each, ``*.expected.json``:
what a reader should give, written by hand from the rows — the records exactly (scores as
exact decimals in text, ``"8.5"``), the rows read but noted (``notes``), and the rows refused
(``refused``) with the column a person should be told and a fragment of the reason.

Where a reader disagrees with the contract or the hand-written expectation, the case is marked
``xfail(strict=True)`` here with the reason; the reader is not changed by these tests.

The teacher's gradebook has a row with scores but no name (row 8). Such a row refuses the whole
file (whose scores they are cannot be known), so that expectation is checked as a whole-file
refusal naming the cell; every other expectation of that file is checked with row 8 emptied.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from lienthong.connectors.csdl.excel import read_student_list
from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.excel import ExcelRead
from lienthong.connectors.file_kinds import detect_kind
from lienthong.connectors.gradebook import excel as gradebook_excel
from lienthong.connectors.vnedu import excel as vnedu_excel

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TOAN_HK1 = {"subject": "TOAN", "semester": "1", "school_year": "2026-2027"}

# How each file is read: as the project reads that kind of file (sync.file_import, cli.files).
READERS: dict[str, Callable[[bytes], ExcelRead]] = {
    "csdl_danh_sach_hoc_sinh.xlsx": lambda data: read_student_list(data, expected_year="2026-2027"),
    "vnedu_so_diem_toan_6A1_hk1.xlsx": lambda data: vnedu_excel.read_score_book(
        data, vnedu_excel.Expect(**TOAN_HK1), keep_unreadable=True
    ),
    "gradebook_toan_7A2_hk1.xlsx": lambda data: gradebook_excel.read_score_book(
        data, gradebook_excel.Expect(**TOAN_HK1)
    ),
}

# Where the readers disagree with the expectations: (file, row) → why. Not fixed here.
KNOWN: dict[str, dict[tuple[str, int], str]] = {}
# A row with scores but no name: the whole file is refused (test below), not the row alone.
BLANK_NAME = ("gradebook_toan_7A2_hk1.xlsx", 8)


def expected(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name.replace(".xlsx", ".expected.json")).read_text(encoding="utf-8"))


def without_row(data: bytes, number: int) -> bytes:
    """The workbook with one row of its sheet emptied."""
    book = load_workbook(io.BytesIO(data))
    for cell in book.active[number]:
        cell.value = None
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read(name: str) -> ExcelRead:
    data = (FIXTURES / name).read_bytes()
    if name == BLANK_NAME[0]:
        data = without_row(data, BLANK_NAME[1])  # that row alone refuses the file: see the test below
    return READERS[name](data)


def plain(value: Any) -> Any:
    """A reader's output in the JSON's terms: exact decimals as their text (``Decimal("8.5")``
    → ``"8.5"``), sets as sorted lists; everything else as it is."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, set):
        return sorted(plain(v) for v in value)
    return value


def cases(section: str) -> list:
    """One case per expected row of ``section`` over every file, marked where a reader disagrees."""
    out = []
    for name in READERS:
        for entry in expected(name)[section if section != "column" else "refused"]:
            key = (name, entry["row"])
            if key == BLANK_NAME:
                continue  # a whole-file refusal: test_a_row_with_scores_but_no_name_refuses_the_whole_file
            known = KNOWN.get(section, {})
            marks = [pytest.mark.xfail(strict=True, reason=known[key])] if key in known else []
            out.append(pytest.param(name, entry, id=f"{name.removesuffix('.xlsx')}-row{entry['row']}", marks=marks))
    return out


FILES = list(READERS)


def test_every_fixture_has_a_reader_and_an_expectation():
    workbooks = sorted(p.name for p in FIXTURES.glob("*.xlsx"))
    assert workbooks == sorted(READERS)
    assert all((FIXTURES / n.replace(".xlsx", ".expected.json")).exists() for n in workbooks)
    assert all(expected(n)["file"] == n for n in workbooks)


@pytest.mark.parametrize("name", FILES)
def test_the_kind_is_recognised_from_the_file_alone(name):
    assert detect_kind((FIXTURES / name).read_bytes()) == expected(name)["kind"]


@pytest.mark.parametrize("name", FILES)
def test_records_are_exactly_the_hand_written_ones(name):
    got = read(name)
    assert plain(got.records) == expected(name)["records"]


@pytest.mark.parametrize("name", FILES)
def test_what_the_file_says_about_itself(name):
    assert plain(read(name).info) == expected(name)["info"]


@pytest.mark.parametrize("name", FILES)
def test_rows_read_but_noted_are_exactly_the_expected_ones(name):
    notes = [p for p in read(name).problems if not p.fatal]
    want = expected(name)["notes"]
    assert [(p.row, p.column) for p in notes] == [(n["row"], n["column"]) for n in want]
    for problem, note in zip(notes, want, strict=True):
        assert note["message_contains"] in problem.message, problem.message


@pytest.mark.parametrize("name", FILES)
def test_no_row_is_refused_that_the_expectation_does_not_list(name):
    refused = [p.row for p in read(name).rejected_rows]
    assert len(refused) == len(set(refused))  # one refusal per row
    assert set(refused) <= {r["row"] for r in expected(name)["refused"]}
    assert not {r["dong"] for r in expected(name)["records"] if "dong" in r} & set(refused)


@pytest.mark.parametrize(("name", "entry"), cases("refused"))
def test_each_bad_row_is_refused_with_its_reason(name, entry):
    by_row = {p.row: p for p in read(name).rejected_rows}
    assert entry["row"] in by_row, f"row {entry['row']} was not refused; refused: {sorted(by_row)}"
    assert entry["message_contains"] in by_row[entry["row"]].message, by_row[entry["row"]].message


@pytest.mark.parametrize(("name", "entry"), cases("column"))
def test_each_refusal_names_the_column_as_the_file_heads_it(name, entry):
    by_row = {p.row: p for p in read(name).rejected_rows}
    assert by_row.get(entry["row"]) is not None and by_row[entry["row"]].column == entry["column"]


def test_a_row_with_scores_but_no_name_refuses_the_whole_file():
    """Whose five scores they are cannot be known: nothing of the file is stored, and the message
    names the sheet, the cell and the column as the file heads it."""
    name, row = BLANK_NAME
    [entry] = [e for e in expected(name)["refused"] if e["row"] == row]
    with pytest.raises(FileFormatError) as caught:
        READERS[name]((FIXTURES / name).read_bytes())
    message = caught.value.message
    assert f"Trang «7A2», ô B{row} (dòng {row}, cột «{entry['column']}»)" in message, message
    assert entry["message_contains"].lower() in message.lower()
    assert "C8, D8, E8, F8, G8" in message  # the scores that would have vanished


def test_the_address_columns_of_the_csdl_export_are_not_kept():
    """contracts/csdl.md: the address columns must not be stored (data minimisation)."""
    got = read("csdl_danh_sach_hoc_sinh.xlsx")
    addresses = {
        "Thành phố Hồ Chí Minh",
        "Phường Bình Trị Đông",
        "Phường An Lạc",
        "Phường Tân Tạo",
        "Sóc Trăng",
        "Phường 5",
        "79",
        "94",
    }
    assert not {v for record in got.records for v in record.values()} & addresses
