"""A child whose name differs between platforms is named on the pages as her school's record writes
it, as the reports and the command's table name her; the API keeps the record as it was made."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from lienthong.mapping.canonical import Student
from lienthong.mapping.sources import SourceRecords
from lienthong.reconciliation.compare import _bio
from lienthong.store.tables import DiscrepancyRow
from tests.dashboard.conftest import NOW, make_site


def name_difference() -> DiscrepancyRow:
    """The record `compare` makes for the school's «Nguyễn Thị Hoà» whom the CSDL spells «Nguyễn Thị Hòa Ánh»."""
    born = date(2014, 2, 19)
    child = {"birth_date": born, "gender": "2", "class_code": "6A1"}
    ours = SourceRecords(
        "vnedu", "vnEdu", students={"1800000009": Student(id="a", full_name="Nguyễn Thị Hoà", **child)}
    )
    theirs = SourceRecords(
        "csdl", "CSDL", students={"7900000009": Student(id="b", full_name="Nguyễn Thị Hòa Ánh", **child)}
    )
    (found,) = _bio(ours, "1800000009", theirs, "7900000009")
    record = found.as_json()
    return DiscrepancyRow(
        id=found.id, kind=found.kind, class_code="6A1", record=record, status="open", first_seen=NOW, last_seen=NOW
    )


def test_the_pages_name_her_as_her_school_does_and_quote_the_other_spelling(engine):
    site = make_site(engine)
    row = name_difference()
    made_id, record = row.id, row.record
    with Session(engine) as session:
        session.add(row)
        session.commit()
    assert record["student"]["name"] == "Nguyễn Thị Hòa Ánh"  # the record names her by the CSDL
    gvcn = site.client("gvcn")
    listed, shown = gvcn.get("/khac-biet").text, gvcn.get(f"/khac-biet/{made_id}").text
    for page in (listed, shown):
        assert "Họ tên của em Nguyễn Thị Hoà (6A1) khác nhau" in page
        assert "«Nguyễn Thị Hòa Ánh»" in page  # quoted, as the other platform writes it
        assert "<strong>Nguyễn Thị Hoà</strong>" in page  # the item's heading
        assert "em Nguyễn Thị Hòa Ánh" not in page, page[page.find("em Nguyễn Thị Hòa Ánh") - 300 :][:600]
    api = gvcn.get(f"/api/discrepancies/{made_id}", headers={"Authorization": f"Bearer {site.token('gvcn')}"}).json()
    assert api["message"] == record["message"] and api["student"] == "Nguyễn Thị Hòa Ánh"
