"""The reporting portal simulator against contracts/portal.md, over real HTTP."""

import io
import json
import uuid
from datetime import datetime

import httpx
import pytest
from openpyxl import Workbook

from tests.simulators.conftest import NOW, SCHOOL

CODES = {"ma_truong": SCHOOL, "ma_tinh": "79", "ma_xa": "26734"}
ATTENDANCE = ["Lớp", "Sĩ số", "Buổi nghỉ có phép", "Buổi nghỉ không phép", "HS nghỉ quá 45 buổi (lũy kế)"]


@pytest.fixture(scope="module")
def portal(sims):
    with httpx.Client(
        base_url=f"{sims.servers['portal'].url}/api/v1", headers={"X-Api-Key": "demo-key"}, timeout=30
    ) as client:
        yield client


def requests_of(portal, form):
    answer = portal.get("/yeu-cau-bao-cao", params={**CODES, "nam_hoc": "2026-2027"})
    assert answer.status_code == 200
    return [r for r in answer.json() if r["ma_bieu_mau"] == form]


def attendance_workbook(sims, tamper: int = 0) -> tuple[bytes, dict]:
    """TK-CHUYENCAN from the school's own roster, as the contract describes it."""
    classes: dict[str, int] = {}
    for student in sims.school.students:
        classes[student.class_code] = classes.get(student.class_code, 0) + 1
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["THỐNG KÊ CHUYÊN CẦN"])
    sheet.append([])
    sheet.append(ATTENDANCE)
    rows = [[code, size, 3, 1, 0] for code, size in sorted(classes.items())]
    rows[0][1] += tamper
    for row in rows:
        sheet.append(row)
    total = ["Tổng", *(sum(r[i] for r in rows) for i in range(1, 5))]
    sheet.append(total)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), dict(zip(ATTENDANCE[1:], total[1:]))


def submit(portal, code, content, summary, key=None):
    return portal.post(
        f"/yeu-cau-bao-cao/{code}/nop",
        params=CODES,
        files={"tep": ("bao-cao.xlsx", content)},
        data={"tom_tat": json.dumps(summary, ensure_ascii=False)},
        headers={"Idempotency-Key": key or str(uuid.uuid4())},
    )


def poll(portal, number):
    states = []
    for _ in range(5):
        answer = portal.get(f"/lan-nop/{number}", params=CODES).json()
        states.append(answer["trang_thai"])
        if answer["trang_thai"] != "dang_xu_ly":
            return states, answer
    raise AssertionError(states)


def test_wrong_key_is_401(sims):
    answer = httpx.get(
        f"{sims.servers['portal'].url}/api/v1/yeu-cau-bao-cao",
        params={**CODES, "nam_hoc": "2026-2027"},
        headers={"X-Api-Key": "wrong"},
    )
    assert answer.status_code == 401


def test_requests_have_deadlines_and_states(portal):
    monthly = requests_of(portal, "TK-CHUYENCAN")
    assert [r["ky_bao_cao"] for r in monthly] == ["2026-09", "2026-10", "2026-11"]
    assert datetime.fromisoformat(monthly[0]["han_nop"]).tzinfo is not None
    assert {r["trang_thai"] for r in monthly} <= {"chua_nop", "da_nop", "bi_tra_lai", "da_duyet"}
    assert requests_of(portal, "TK-CLGD") and requests_of(portal, "TK-BIENDONG")


def test_a_correct_late_report_is_accepted_after_checking(portal, sims):
    october = next(r for r in requests_of(portal, "TK-CHUYENCAN") if r["ky_bao_cao"] == "2026-10")
    assert datetime.fromisoformat(october["han_nop"]) < NOW  # past its deadline: counted late
    content, summary = attendance_workbook(sims)
    answer = submit(portal, october["ma_yeu_cau"], content, summary)
    assert answer.status_code == 202
    states, result = poll(portal, answer.json()["ma_lan_nop"])
    assert states == ["dang_xu_ly", "chap_nhan"] and result["loi"] == []
    assert datetime.fromisoformat(result["nop_luc"]) > datetime.fromisoformat(october["han_nop"])


def test_rows_that_disagree_with_the_school_or_tom_tat_are_returned(portal, sims):
    november = next(r for r in requests_of(portal, "TK-CHUYENCAN") if r["ky_bao_cao"] == "2026-11")
    content, summary = attendance_workbook(sims, tamper=2)  # class size off by two, total follows
    summary["Buổi nghỉ có phép"] += 1  # and tom_tat disagrees with the total row
    answer = submit(portal, november["ma_yeu_cau"], content, summary)
    _, result = poll(portal, answer.json()["ma_lan_nop"])
    assert result["trang_thai"] == "tra_lai"
    columns = {(e["cot"]) for e in result["loi"]}
    assert {"Sĩ số", "Buổi nghỉ có phép"} <= columns
    assert all(e["mo_ta"] and isinstance(e["dong"], int) for e in result["loi"])
    assert requests_of(portal, "TK-CHUYENCAN")[-1]["trang_thai"] == "bi_tra_lai"


def test_same_key_same_submission_same_answer(portal, sims):
    november = requests_of(portal, "TK-BIENDONG")[-1]
    content, summary = attendance_workbook(sims)
    key = str(uuid.uuid4())
    first = submit(portal, november["ma_yeu_cau"], content, summary, key)
    again = submit(portal, november["ma_yeu_cau"], content, summary, key)
    assert first.json() == again.json()
    other = submit(portal, november["ma_yeu_cau"], content + b" ", summary, key)
    assert other.status_code == 422


def test_approved_report_is_locked(portal, sims):
    september = next(r for r in requests_of(portal, "TK-CHUYENCAN") if r["ky_bao_cao"] == "2026-09")
    assert september["trang_thai"] == "da_duyet"
    content, summary = attendance_workbook(sims)
    assert submit(portal, september["ma_yeu_cau"], content, summary).status_code == 409


def test_a_file_that_is_not_the_template_is_returned(portal, sims):
    november = requests_of(portal, "TK-CHUYENCAN")[-1]
    answer = submit(portal, november["ma_yeu_cau"], b"PK\x03\x04 not really a workbook", {"Sĩ số": 1})
    _, result = poll(portal, answer.json()["ma_lan_nop"])
    assert result["trang_thai"] == "tra_lai" and "không đọc được" in result["loi"][0]["mo_ta"]


def test_wrong_administrative_codes_are_refused(sims):
    answer = httpx.get(
        f"{sims.servers['portal'].url}/api/v1/yeu-cau-bao-cao",
        params={**CODES, "ma_xa": "00001", "nam_hoc": "2026-2027"},
        headers={"X-Api-Key": "demo-key"},
    )
    assert answer.status_code == 403
