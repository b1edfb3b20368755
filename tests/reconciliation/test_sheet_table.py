"""The bulk comparison by segment digests finds exactly the sheets a one-by-one comparison of
their values finds: ``7,5`` and ``7.5`` are one score, never a sheet to look at."""

from hypothesis import given, settings
from hypothesis import strategies as st

from lienthong.mapping.vnedu import score_cells
from lienthong.reconciliation.compare import SheetTable

SCORES = st.sampled_from([None, "7", "7,5", "7.5", "8", "10", "Đ", "CĐ"])
SHEET = st.fixed_dictionaries({"ddg_tx": st.lists(SCORES, max_size=4), "ddg_gk": SCORES, "ddg_ck": SCORES})
KEYS = st.text("0123456789", min_size=3, max_size=6).map(lambda k: f"18{k}:TOAN:1")


@settings(max_examples=200, deadline=None)
@given(
    mine=st.dictionaries(KEYS, SHEET, max_size=60),
    theirs=st.dictionaries(KEYS, SHEET, max_size=60),
    shared=st.dictionaries(KEYS, SHEET, max_size=60),
)
def test_segment_digests_find_exactly_the_differing_shared_sheets(mine, theirs, shared):
    left, right = {**mine, **shared}, {**theirs, **shared}  # some sheets alike, some not, some one-sided
    expected = sorted(k for k in left if k in right and score_cells(left[k], False) != score_cells(right[k], False))
    assert SheetTable(left).differing(SheetTable(right)) == expected


def test_a_score_written_with_a_comma_or_a_point_is_one_value():
    comma = {"1800000001:TOAN:1": {"ddg_tx": ["7,5", "8"], "ddg_gk": "6,0", "ddg_ck": "9"}}
    point = {"1800000001:TOAN:1": {"ddg_tx": ["7.5", "8.0"], "ddg_gk": "6", "ddg_ck": "9.0"}}
    assert SheetTable(comma).differing(SheetTable(point)) == []
    marks = {"1800000001:GDTC:1": {"ddg_tx": ["Đ", "Đạt"], "ddg_gk": "Đ", "ddg_ck": "CĐ"}}
    codes = {"1800000001:GDTC:1": {"ddg_tx": ["Đ", "Đ"], "ddg_gk": "Đ", "ddg_ck": "Chưa đạt"}}
    assert SheetTable(marks).differing(SheetTable(codes)) == []  # a comment subject reads marks


def test_one_changed_cell_among_thousands_is_found():
    sheets = {f"18{i:08d}:VAN:1": {"ddg_tx": ["8", "7"], "ddg_gk": "6", "ddg_ck": "9"} for i in range(5000)}
    changed = {**sheets, "1800000042:VAN:1": {"ddg_tx": ["8", "1"], "ddg_gk": "6", "ddg_ck": "9"}}
    assert SheetTable(sheets).differing(SheetTable(changed)) == ["1800000042:VAN:1"]
    assert SheetTable(sheets).differing(SheetTable(dict(sheets))) == []
