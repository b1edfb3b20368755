"""The values a homeroom teacher is offered to choose from are exactly the ones a proposal accepts:
a source's empty cell («(trống)») is shown, never offered, and refused with a reason when sent."""

from __future__ import annotations

import re

from sqlmodel import Session

from lienthong.store.tables import DiscrepancyRow
from tests.dashboard.conftest import score
from tests.dashboard.test_resolving import propose, status

MISSING = "d6a1toantx1"


def _missing_on_vnedu(engine) -> None:
    """A score the gradebook has and vnEdu lacks, as reconciliation records it (the empty side shown)."""
    row = score(MISSING, "6A1", "1800000001", "Lê Văn Ánh", "tx1", "8,0", "(trống)")
    row.kind = row.record["kind"] = "missing_score"
    with Session(engine) as session:
        session.add(row)
        session.commit()


def offered(html: str) -> list[str]:
    return re.findall(r'name="nguon" value="([^"]+)"', html)


def test_an_empty_value_is_shown_but_not_offered_and_every_choice_offered_is_accepted(site):
    _missing_on_vnedu(site.engine)
    gvcn = site.client("gvcn")
    page = gvcn.get(f"/khac-biet/{MISSING}").text
    assert "(trống)" in page  # what vnEdu holds is still shown beside the gradebook's value
    assert offered(page) == ["gradebook"]
    listed = gvcn.get("/khac-biet").text
    assert f'action="/khac-biet/{MISSING}/de-xuat"' in listed
    assert "theo vnEdu: <strong>(trống)</strong>" not in listed
    refused = propose(gvcn, MISSING, nguon="vnedu", ly_do="vnEdu đúng")  # sent anyway: said, not recorded
    assert refused.status_code == 400 and "Không đề xuất giá trị trống" in refused.text
    assert status(site.engine, MISSING) == "open"
    assert propose(gvcn, MISSING, nguon="gradebook", ly_do="đối chiếu bài gốc").status_code == 303
    assert status(site.engine, MISSING) == "proposed"


def test_the_api_marks_only_acceptable_values_as_choosable(site):
    _missing_on_vnedu(site.engine)
    bearer = {"Authorization": f"Bearer {site.token('gvcn')}"}
    detail = site.client().get(f"/api/discrepancies/{MISSING}", headers=bearer).json()
    assert {s["source"]: s["choosable"] for s in detail["sources"]} == {"gradebook": True, "vnedu": False}
    with Session(site.engine) as session:
        assert session.get(DiscrepancyRow, MISSING).status == "open"
