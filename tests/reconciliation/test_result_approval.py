"""The results workflow (Suối Ngô art. 7, Bình An 5.4): the class's GVCN confirms exactly what the
school's record holds, the principal approves that fingerprint, approved results are locked, a
reopening needs a reason; wrong roles, wrong classes and stale confirmations are refused."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from lienthong.reconciliation import resolution, results
from lienthong.store import access, audit
from lienthong.store.tables import AuditLogRow, DiscrepancyRow, ResultApprovalRow
from tests.results_school import NOW, WHERE, change, make_accounts, quick, store_school

LATER = NOW + timedelta(hours=1)


@pytest.fixture
def people(engine, monkeypatch):
    quick(monkeypatch)
    store_school(engine)
    return make_accounts(engine)


def step(engine, fn, *args, **kwargs):
    with Session(engine) as session:
        out = fn(session, *args, **kwargs)
        session.commit()
        return out


def state(engine, class_code="9A1", period="CN") -> str | None:
    with Session(engine) as session:
        row = session.get(ResultApprovalRow, (WHERE.school_year, class_code, period))
        return row.state if row else None


def test_confirm_then_approve_locks_exactly_what_the_gvcn_saw(engine, people):
    shown = step(engine, results.one, people["gvcn"], WHERE, "9A1", "CN")
    assert shown.state == "chua_xac_nhan" and shown.students == 3
    content = shown.content
    assert content["retest"] == [{"key": "1800000002", "name": "Trần Thị Ngọc", "subjects": ["GDTC", "TOAN"]}]
    assert content["summer_training"] == [{"key": "1800000003", "name": "Phạm Minh Khôi"}]
    assert content["titles"] == [{"key": "1800000001", "name": "Lê Văn Ánh", "title": "G"}]
    assert content["absences"] == {"excused": 6, "unexcused": 3}

    confirmed = step(engine, results.confirm, people["gvcn"], WHERE, "9A1", "CN", NOW, seen=shown.current)
    assert confirmed.state == "da_xac_nhan" and confirmed.confirmed == shown.current
    approved = step(engine, results.approve, people["principal"], WHERE, "9A1", "CN", LATER)
    assert approved.state == "da_duyet" and approved.approved_by == people["principal"].ref
    with Session(engine) as session:
        actions = [r.action for r in session.exec(select(AuditLogRow).order_by(AuditLogRow.id))]
        assert actions[-2:] == ["results_confirmed", "results_approved"]
        assert audit.verify(session) == []
        assert results.approved_contents(session, WHERE, "CN")["9A1"]["students"][1]["promotion"] == "KTL"


@pytest.mark.parametrize("who", ["principal", "gvcn2", "teacher", "board", "it"])
def test_only_the_classs_own_gvcn_confirms(engine, people, who):
    with pytest.raises(access.Forbidden, match="chỉ giáo viên chủ nhiệm của lớp"):
        step(engine, results.confirm, people[who], WHERE, "9A1", "HK1", NOW)
    assert state(engine, period="HK1") is None


@pytest.mark.parametrize("who", ["gvcn", "gvcn2", "teacher", "board", "it"])
def test_only_the_principal_approves_and_reopens(engine, people, who):
    step(engine, results.confirm, people["gvcn"], WHERE, "9A1", "HK1", NOW)
    with pytest.raises(access.Forbidden, match="chỉ Hiệu trưởng"):
        step(engine, results.approve, people[who], WHERE, "9A1", "HK1", LATER)
    with pytest.raises(access.Forbidden, match="chỉ Hiệu trưởng"):
        step(engine, results.reopen, people[who], WHERE, "9A1", "HK1", "sai sót", LATER)
    assert state(engine, period="HK1") == "da_xac_nhan"


def test_a_change_after_confirmation_refuses_the_approval_until_confirmed_again(engine, people):
    step(engine, results.confirm, people["gvcn"], WHERE, "9A1", "CN", NOW)
    change(engine, "1800000002", "CN", 2, kq_hoc_tap="Đ", len_lop="LL")  # a later pull moved one result
    with pytest.raises(
        results.ResultsRefused, match="đã thay đổi sau khi GVCN xác nhận \\(1 học sinh\\).*xác nhận lại"
    ):
        step(engine, results.approve, people["principal"], WHERE, "9A1", "CN", LATER)
    assert state(engine) == "da_xac_nhan"
    seen = step(engine, results.one, people["gvcn"], WHERE, "9A1", "CN")
    assert seen.changed == ["1800000002"] and "xác nhận lại" in seen.note
    step(engine, results.confirm, people["gvcn"], WHERE, "9A1", "CN", LATER, seen=seen.current)
    assert step(engine, results.approve, people["principal"], WHERE, "9A1", "CN", LATER).state == "da_duyet"


def test_a_confirmation_of_a_page_shown_before_a_change_is_refused(engine, people):
    shown = step(engine, results.one, people["gvcn"], WHERE, "9A1", "HK2")
    change(engine, "1800000001", "2", 2, nghi_khong_phep=9)
    with pytest.raises(results.ResultsRefused, match="vừa thay đổi"):
        step(engine, results.confirm, people["gvcn"], WHERE, "9A1", "HK2", NOW, seen=shown.current)
    assert state(engine, period="HK2") is None


def test_approve_twice_approve_unconfirmed_and_reopen_without_reason_are_refused(engine, people):
    with pytest.raises(results.ResultsRefused, match="chưa được GVCN xác nhận"):
        step(engine, results.approve, people["principal"], WHERE, "9A1", "CN", NOW)
    step(engine, results.confirm, people["gvcn"], WHERE, "9A1", "CN", NOW)
    step(engine, results.approve, people["principal"], WHERE, "9A1", "CN", NOW)
    with pytest.raises(results.ResultsRefused, match="đã được duyệt rồi"):
        step(engine, results.approve, people["principal"], WHERE, "9A1", "CN", LATER)
    with pytest.raises(results.ResultsRefused, match="đã được Hiệu trưởng duyệt và khoá"):
        step(engine, results.confirm, people["gvcn"], WHERE, "9A1", "CN", LATER)
    for blank in ("", "   "):
        with pytest.raises(results.ResultsError, match="Cần ghi lý do"):
            step(engine, results.reopen, people["principal"], WHERE, "9A1", "CN", blank, LATER)
    assert state(engine) == "da_duyet"
    with Session(engine) as session:
        assert [r.action for r in session.exec(select(AuditLogRow))].count("results_approved") == 1


def test_reopen_with_a_reason_is_audited_and_the_retest_outcome_is_listed_after(engine, people):
    step(engine, results.confirm, people["gvcn"], WHERE, "9A1", "CN", NOW)
    step(engine, results.approve, people["principal"], WHERE, "9A1", "CN", NOW)
    reopened = step(engine, results.reopen, people["principal"], WHERE, "9A1", "CN", "Kết quả kiểm tra lại", LATER)
    assert reopened.state == "chua_xac_nhan" and reopened.reopen_reason == "Kết quả kiểm tra lại"
    with Session(engine) as session:
        entry = session.exec(select(AuditLogRow).where(AuditLogRow.action == "results_reopened")).one()
        assert entry.detail["reason"] == "Kết quả kiểm tra lại" and entry.detail["was"] == "da_duyet"
    change(engine, "1800000002", "CN", 2, kq_hoc_tap="Đ", len_lop="LL", mon={"TOAN": "5.5", "VAN": "6.0", "GDTC": "Đ"})
    after = step(engine, results.one, people["gvcn"], WHERE, "9A1", "CN")
    assert after.content["retest"] == []
    assert after.content["passed_after_retest"] == [{"key": "1800000002", "name": "Trần Thị Ngọc", "before": "KTL"}]


def test_wrong_class_and_period_are_said_in_vietnamese(engine, people):
    with pytest.raises(results.ResultsError, match="Không có lớp 9Z9"):
        step(engine, results.confirm, people["gvcn"], WHERE, "9Z9", "CN", NOW)
    with pytest.raises(results.ResultsError, match="dùng HK1, HK2 hoặc CN"):
        step(engine, results.confirm, people["gvcn"], WHERE, "9A1", "HK3", NOW)
    with pytest.raises(access.Forbidden, match="ngoài phạm vi"):
        step(engine, results.statuses, people["gvcn"], WHERE, "9A2")
    mine = step(engine, results.statuses, people["gvcn"], WHERE)
    assert {(r.class_code, r.period) for r in mine} == {("9A1", "HK1"), ("9A1", "HK2"), ("9A1", "CN")}


def test_a_source_changing_approved_results_becomes_a_discrepancy_and_the_approved_values_stay(engine, people):
    step(engine, results.confirm, people["gvcn"], WHERE, "9A1", "CN", NOW)
    step(engine, results.approve, people["principal"], WHERE, "9A1", "CN", NOW)
    change(engine, "1800000003", "CN", 2, kq_ren_luyen="Đ", len_lop="LL")
    with Session(engine) as session:
        opened = results.record_changes(session, WHERE, LATER)
        assert [(d.kind, d.class_code, d.record["students"]) for d in opened] == [
            ("approved_result_changed", "9A1", ["1800000003"])
        ]
        session.commit()
    with Session(engine) as session:
        kept = results.approved_contents(session, WHERE, "CN")["9A1"]
        assert [s["promotion"] for s in kept["students"]] == ["LL", "KTL", "RLH"]  # not overwritten
    with pytest.raises(results.ResultsRefused, match="mở lại kết quả"):
        step(engine, results.correction_guard, WHERE, "9A1", "2")
    change(engine, "1800000003", "CN", 3, kq_ren_luyen="CĐ", len_lop="RLH")  # the source agrees again
    assert step(engine, results.record_changes, WHERE, LATER) == []
    with Session(engine) as session:
        assert [d.status for d in session.exec(select(DiscrepancyRow))] == ["closed"]


# --- the people present at a correction (Suối Ngô art. 9) --------------------------------------


def result_correction(engine, people, semester="CN") -> str:
    """A year-result difference of 9A1 the GVCN proposes to correct."""
    with Session(engine) as session:
        session.add(
            DiscrepancyRow(
                id="kqsai00000000001",
                kind="result_mismatch",
                class_code="9A1",
                record={
                    "kind": "result_mismatch",
                    "field": "csdl.cn.LenLop",
                    "semester": semester,
                    "student": {"name": "Trần Thị Ngọc", "keys": {"vnedu": "1800000002"}},
                    "values": {"csdl": "LL", "vnedu": "KTL"},
                    "message": "Lên lớp của Trần Thị Ngọc khác nhau.",
                    "suggestion": "Đối chiếu sổ.",
                },
                status="open",
                first_seen=NOW,
                last_seen=NOW,
            )
        )
        resolution.propose(session, "kqsai00000000001", "KTL", "đối chiếu sổ", people["gvcn"], NOW)
        session.commit()
    return "kqsai00000000001"


def approve_correction(engine, people, present=None):
    with Session(engine) as session:
        out = resolution.approve(session, "kqsai00000000001", people["principal"], LATER, "", None, present, WHERE)
        session.commit()
        return out


def test_a_correction_of_approved_results_is_refused_until_reopened_then_needs_the_people_present(engine, people):
    result_correction(engine, people)
    step(engine, results.confirm, people["gvcn"], WHERE, "9A1", "CN", NOW)
    step(engine, results.approve, people["principal"], WHERE, "9A1", "CN", NOW)
    with pytest.raises(resolution.NotAllowed, match="đã được Hiệu trưởng duyệt và khoá.*mở lại"):
        approve_correction(engine, people, resolution.Present("vuthiha", "gvcn9a1"))
    step(engine, results.reopen, people["principal"], WHERE, "9A1", "CN", "Sửa lên lớp theo biên bản", LATER)
    with pytest.raises(
        resolution.ResolutionError, match="cần ghi người chứng kiến.*thiếu thành viên Ban quản trị và GVCN"
    ):
        approve_correction(engine, people)
    with pytest.raises(resolution.ResolutionError, match="không phải giáo viên chủ nhiệm lớp 9A1"):
        approve_correction(engine, people, resolution.Present("board", "gvcn9a2"))
    with pytest.raises(resolution.ResolutionError, match="không phải thành viên Ban quản trị"):
        approve_correction(engine, people, resolution.Present("gvbm", "gvcn9a1"))
    approve_correction(engine, people, resolution.Present("board", "Nguyễn Thị Lan"))
    with Session(engine) as session:
        step_row = resolution.history(session, "kqsai00000000001")[-1]
        present = step_row.value["present"]
        assert present == {
            "principal": {"account": people["principal"].ref, "name": "Trần Văn Minh"},
            "board": {"account": people["board"].ref, "name": "Vũ Thị Hà"},
            "gvcn": {"name": "Nguyễn Thị Lan"},
        }
        entry = session.exec(select(AuditLogRow).where(AuditLogRow.action == "discrepancy_approved")).one()
        assert entry.detail["present"] == present and audit.verify(session) == []


def test_a_correction_of_results_never_approved_records_the_people_present_when_given(engine, people):
    result_correction(engine, people, semester="1")
    with Session(engine) as session:
        row = session.get(DiscrepancyRow, "kqsai00000000001")
        assert resolution.witness_rule(session, row, WHERE) == "optional"
    approve_correction(engine, people)  # not required: nothing of 9A1 was approved
    with Session(engine) as session:
        assert "present" not in resolution.history(session, "kqsai00000000001")[-1].value
