"""What a GVCN and the principal read as a source's value or a proposal: a level as its word.

An audit found «theo CSDL: K / theo vnEdu: T» as the choices of a learning-result difference and
«Đề xuất: T» in the principal's queue, where the message itself said «Khá» and «Tốt».
"""

from __future__ import annotations

from datetime import datetime, timezone

from lienthong.dashboard import views
from lienthong.store.tables import DiscrepancyRow, ResolutionRow


def test_a_level_and_a_title_are_said_in_words_and_other_values_as_they_are():
    assert [views.value_words(v) for v in ("T", "K", "Đ", "CĐ")] == ["Tốt", "Khá", "Đạt", "Chưa đạt"]
    assert views.value_words("XS", "vnedu_tonghop.cn.DanhHieu") == "Học sinh Xuất sắc"
    assert views.value_words("G", "danh_hieu") == "Học sinh Giỏi"
    assert views.value_words("G", "ho_ten") == "G"  # a title's code only where a title stands
    assert views.value_words(7.5) == "7,5" and views.value_words("") == "(trống)"
    assert views.value_words("Nguyễn Thị Hoà", "ho_ten") == "Nguyễn Thị Hoà"


def test_the_choices_and_the_proposal_of_a_result_difference_read_in_words():
    row = DiscrepancyRow(
        id="a1b2c3d4e5f60718",
        kind="result_mismatch",
        record={"field": "KetQuaHocTap", "values": {"csdl": "K", "vnedu": "T"}},
    )
    shown = {s["title"]: s["shown"] for s in views.sources(row, {})}
    assert set(shown.values()) == {"Khá", "Tốt"}
    assert all(s["value"] in ("K", "T") for s in views.sources(row, {}))  # what is sent stays the code
    step = ResolutionRow(
        discrepancy_id=row.id,
        step="proposed",
        actor="user:3:gv.lan",
        role="gvcn",
        value={"value": "T"},
        reason="tính lại",
        at=datetime(2026, 11, 30, tzinfo=timezone.utc),
    )
    said = views.step_json(step)
    assert said["value"] == "T" and said["value_shown"] == "Tốt"


def test_an_items_field_is_said_as_the_reports_say_it():
    """The dashboard's item headings read «· ho_ten», «· ma_lop», «· csdl.cn.KetQuaRenLuyen» and the
    spreadsheet's column «csdl.cn.GDCD»: both now say the field from one table of words."""
    from lienthong.reconciliation.discrepancy import field_said
    from lienthong.reconciliation.reports import _field

    said = {
        "ho_ten": "Họ và tên",
        "ma_lop": "Lớp",
        "tx1": "ĐĐGtx2",
        "csdl.cn.GDCD": "Giáo dục công dân, cả năm (CSDL)",
        "csdl.cn.KetQuaRenLuyen": "Kết quả rèn luyện, cả năm (CSDL)",
        "vnedu_tonghop.cn.DanhHieu": "Danh hiệu, cả năm (vnEdu)",
        "gradebook.hoc_sinh": "Hồ sơ học sinh (sổ điểm)",
    }
    for field, words in said.items():
        row = DiscrepancyRow(id="0" * 16, kind="x", record={"field": field, "values": {}})
        assert views.field_words(row) == field_said(field) == _field({"field": field}) == words
