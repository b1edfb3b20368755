"""The gradebook-against-vnEdu rules exist once (`authority.diff_sheets`): fed the same data,
the push plan and the discrepancies never overlap and never leave a differing cell silent."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lienthong.mapping.canonical import Student
from lienthong.mapping.sources import SourceRecords
from lienthong.mapping.vnedu import CELLS, score_cells
from lienthong.reconciliation.authority import ScoreAuthority, plan_scores
from lienthong.reconciliation.compare import compare_scores

STUDENT = "1800000001"
VALUES = st.one_of(st.none(), st.sampled_from(["8", "8,5", "8.5", "7", "10", "0", "abc"]))
MARKS = st.one_of(st.none(), st.sampled_from(["Đ", "CĐ"]))


def sheet(subject: str, values: list) -> dict:
    tx = list(values[:4])
    while tx and tx[-1] is None:
        tx.pop()
    return {
        "ma_hoc_sinh": STUDENT,
        "ma_mon": subject,
        "hoc_ky": 1,
        "ddg_tx": tx,
        "ddg_gk": values[4],
        "ddg_ck": values[5],
        "nhan_xet": "",
    }


@st.composite
def two_books(draw):
    """The same sheets in the gradebook and in vnEdu, cell by cell either equal or not."""
    owner, target = {}, {}
    for subject, values in (("TOAN", VALUES), ("VAN", VALUES), ("GDTC", MARKS)):
        mine = [draw(values) for _ in CELLS]
        theirs = [draw(st.one_of(st.just(v), values)) for v in mine]
        key = f"{STUDENT}:{subject}:1"
        owner[key], target[key] = sheet(subject, mine), sheet(subject, theirs)
    return owner, target


def differing_cells(owner: dict, target: dict) -> set[tuple[str, str]]:
    out = set()
    for key, own in owner.items():
        by_comment = own["ma_mon"] == "GDTC"
        mine, theirs = score_cells(own, by_comment), score_cells(target[key], by_comment)
        out |= {(key, cell) for cell in CELLS if mine[cell] != theirs[cell]}
    return out


def school() -> SourceRecords:
    records = SourceRecords("vnedu", "vnEdu", "vnEdu", sheets={})
    records.students[STUDENT] = Student.model_construct(full_name="Lê Văn An", class_code="6A1")
    return records


@settings(max_examples=300, deadline=None)
@given(two_books())
def test_every_differing_cell_is_pushed_awaiting_approval_or_a_discrepancy_never_two_never_none(data):
    owner, target = data
    authority = ScoreAuthority.from_settings(None)
    held = {key: (3, payload) for key, payload in target.items()}
    plan = plan_scores(owner, {"vnedu": held}, {STUDENT: "6A1"}, authority)
    gradebook = SourceRecords("gradebook", "sổ điểm", "sổ điểm", sheets=owner)
    vnedu = school()
    vnedu.sheets = target
    found = compare_scores(gradebook, vnedu, vnedu, {}, "csdl", pushed=True)

    pushed = {(c.key, cell) for c in plan if c.kind not in authority.approval for cell in c.cells}
    awaiting = {(c.key, cell) for c in plan if c.kind in authority.approval for cell in c.cells}
    reported = {(f"{STUDENT}:{d.subject}:{d.semester}", d.field) for d in found}

    assert not pushed & reported  # what goes out by itself is nobody's task
    assert awaiting <= reported  # what waits for the principal is shown to her
    assert pushed | awaiting | reported == differing_cells(owner, target)  # nothing differing is silent
    for change in plan:  # once sent, vnEdu's sheet equals the gradebook's, cell for cell
        by_comment = change.payload["ma_mon"] == "GDTC"
        sent, mine = score_cells(change.payload, by_comment), score_cells(owner[change.key], by_comment)
        theirs = score_cells(target[change.key], by_comment)
        # a value of the gradebook that is no score is never sent: vnEdu keeps its own
        assert sent == {c: theirs[c] if isinstance(mine[c], tuple) else mine[c] for c in CELLS}
        assert change.payload["version"] == 3  # sent against the version vnEdu holds


@settings(max_examples=200, deadline=None)
@given(two_books())
def test_without_a_push_to_vnedu_every_differing_cell_is_a_discrepancy(data):
    owner, target = data
    gradebook = SourceRecords("gradebook", "sổ điểm", "sổ điểm", sheets=owner)
    vnedu = school()
    vnedu.sheets = target
    found = compare_scores(gradebook, vnedu, vnedu, {}, "csdl", pushed=False)
    assert {(f"{STUDENT}:{d.subject}:{d.semester}", d.field) for d in found} == differing_cells(owner, target)
    assert len(found) == len({d.id for d in found})
