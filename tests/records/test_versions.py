"""Versions of a signed học bạ: a year added or corrected makes a new document that names the one
it replaces; the years not touched keep their GVCN's signature, still valid; the signed file
itself is never edited."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

import pytest

from lienthong.mapping import catalogs
from lienthong.mapping.canonical import ScoreSheet, Student
from lienthong.records import hocba_xml, signing
from lienthong.records.transcript import Transcript, build_year, pupil_of
from lienthong.records.versions import CorrectionRefused, new_version
from lienthong.store.accounts import Actor
from tests.records.pki import issue, make_ca

AT = datetime.now(timezone.utc).replace(microsecond=0)  # within the test certificates' validity
GVCN_8 = Actor(2, "gv.lan", "Nguyễn Thị Lan", "gvcn", frozenset({"8A1"}))
PRINCIPAL = Actor(1, "ht.trung", "Đặng Quang Trung", "principal")


def _year(school_year: str, class_code: str, score: str = "8") -> object:
    sheets = []
    for code, info in catalogs.subjects().items():
        for semester in ("1", "2"):
            if info.by_comment:
                values = {"tx": ["Đ", "Đ"], "gk": "Đ", "ck": "Đ"}
            else:
                values = {"tx": [score, "7.5", "9", "6.5"], "gk": "8", "ck": "8.5"}
            sheets.append(
                ScoreSheet(student_id="a", subject_code=code, school_year=school_year, semester=semester, **values)
            )
    return build_year(
        school_year,
        class_code,
        sheets,
        {"1": "T", "2": "T"},
        2,
        "Nguyễn Thị Lan",
        "Đặng Quang Trung",
        date(2025, 5, 30),
    )


@pytest.fixture(scope="module")
def keys():
    ca = make_ca()
    gvcn, principal = issue(ca, "Nguyễn Thị Lan"), issue(ca, "Đặng Quang Trung")
    return ca, signing.SigningKey(gvcn.key, gvcn.cert), signing.SigningKey(principal.key, principal.cert)


@pytest.fixture
def signed_v1(keys) -> bytes:
    _, gvcn, principal = keys
    student = Student(
        id="a",
        full_name="Trần Thị Thu Hà",
        birth_date="2011-09-02",
        gender="2",
        class_code="8A1",
        ministry_id="7900000123",
    )
    root = hocba_xml.parse(
        hocba_xml.write(
            Transcript(pupil_of(student, "79000701", "Trường THCS Bình An"), (_year("2024-2025", "8A1"),)), AT
        )
    )
    root = signing.sign_year(root, "2024-2025", GVCN_8, gvcn, AT)
    return hocba_xml.to_bytes(signing.sign_document(root, PRINCIPAL, principal, AT))


def test_a_new_year_is_a_new_version_and_the_signed_year_keeps_its_signature(signed_v1, keys):
    ca = keys[0]
    made = new_version(signed_v1, [_year("2025-2026", "9A1")], AT)
    root = hocba_xml.parse(made.data)
    info = hocba_xml.transcript_of(root)
    assert made.version == info.version == 2 and info.replaces == hocba_xml.digest(signed_v1)
    assert [y.school_year for y in info.years] == ["2024-2025", "2025-2026"] and made.kept_signed == ["2024-2025"]
    found = signing.verify(root, [ca.cert])
    (gvcn,) = found.signatures
    assert gvcn.valid and gvcn.trusted and gvcn.covers == "năm học 2024-2025, lớp 8A1"
    assert any("2025-2026" in part for part in found.unsigned) and any("Hiệu trưởng" in part for part in found.unsigned)


def test_a_changed_signed_year_needs_the_principal_and_a_reason(signed_v1):
    changed = _year("2024-2025", "8A1", score="10")
    with pytest.raises(CorrectionRefused, match="Hiệu trưởng duyệt"):
        new_version(signed_v1, [changed], AT)
    with pytest.raises(CorrectionRefused, match="Hiệu trưởng duyệt"):
        new_version(signed_v1, [changed], AT, "nhập nhầm", GVCN_8)
    with pytest.raises(CorrectionRefused, match="lý do"):
        new_version(signed_v1, [changed], AT, " ", PRINCIPAL)
    made = new_version(signed_v1, [changed], AT, "nhập nhầm điểm TX1", PRINCIPAL, date(2025, 6, 2))
    year = hocba_xml.transcript_of(hocba_xml.parse(made.data)).years[0]
    toan = [c for c in year.corrections if c.field.startswith("TOAN/")]
    assert {c.field for c in toan} == {"TOAN/HK1", "TOAN/HK2", "TOAN/CN"}
    assert all(c.reason == "nhập nhầm điểm TX1" and c.approved_by == "Đặng Quang Trung (ht.trung)" for c in toan)
    assert made.kept_signed == []  # the corrected year waits for its GVCN again


def test_nothing_changed_makes_no_new_version(signed_v1):
    with pytest.raises(CorrectionRefused, match="Không có gì thay đổi"):
        new_version(signed_v1, [_year("2024-2025", "8A1")], AT)


def test_a_gvcn_signs_only_her_class_and_only_before_the_principal(signed_v1, keys):
    _, gvcn, _ = keys
    root = hocba_xml.parse(new_version(signed_v1, [_year("2025-2026", "9A1")], AT).data)
    with pytest.raises(signing.SigningRefused, match="chỉ GVCN lớp 9A1"):
        signing.sign_year(root, "2025-2026", GVCN_8, gvcn, AT)
    with pytest.raises(signing.SigningRefused, match="Hiệu trưởng đã ký"):
        signing.sign_year(hocba_xml.parse(signed_v1), "2024-2025", replace(GVCN_8), gvcn, AT)


def test_a_signature_made_outside_the_certificates_validity_is_not_trusted(keys):
    ca, gvcn, _ = keys
    student = Student(
        id="b", full_name="Lê Văn Tú", birth_date="2011-01-02", gender="1", class_code="8A1", ministry_id="7900000124"
    )
    data = hocba_xml.write(
        Transcript(pupil_of(student, "79000701", "Trường THCS Bình An"), (_year("2024-2025", "8A1"),)), AT
    )
    long_ago = datetime(2020, 6, 1, tzinfo=timezone.utc)  # before the certificate was issued
    root = signing.sign_year(hocba_xml.parse(data), "2024-2025", GVCN_8, gvcn, long_ago)
    (check,) = signing.verify(root, [ca.cert]).signatures
    assert check.valid and check.trusted is False
    assert "chứng thư số không có hiệu lực vào thời điểm ký" in check.problems


def test_a_key_issued_to_someone_else_is_flagged(keys):
    ca = keys[0]
    other = issue(ca, "Phạm Văn Khác")
    student = Student(
        id="c", full_name="Lê Văn Tú", birth_date="2011-01-02", gender="1", class_code="8A1", ministry_id="7900000125"
    )
    data = hocba_xml.write(
        Transcript(pupil_of(student, "79000701", "Trường THCS Bình An"), (_year("2024-2025", "8A1"),)), AT
    )
    root = signing.sign_year(hocba_xml.parse(data), "2024-2025", GVCN_8, signing.SigningKey(other.key, other.cert), AT)
    (check,) = signing.verify(root, [ca.cert]).signatures
    assert check.valid and check.trusted is False
    assert "chứng thư số cấp cho «Phạm Văn Khác», không phải Nguyễn Thị Lan" in check.problems


def test_an_account_cannot_sign_with_a_key_issued_to_someone_else(pki, monkeypatch):
    from tests.records.conftest import KEY_PASSWORDS

    monkeypatch.setenv("LIENTHONG_KEY_PASSWORD", KEY_PASSWORDS["ht.trung"])
    with pytest.raises(signing.KeyProblem, match="cấp cho «Đặng Quang Trung», không phải Nguyễn Thị Lan"):
        signing.key_for(GVCN_8, {"gv.lan": pki.folder / "ht.trung.p12"})
    monkeypatch.setenv("LIENTHONG_KEY_PASSWORD", "sai-mat-khau")
    with pytest.raises(signing.KeyProblem, match="sai mật khẩu") as wrong:
        signing.key_for(PRINCIPAL, {"ht.trung": pki.folder / "ht.trung.p12"})
    assert "sai-mat-khau" not in str(wrong.value)
