"""The học bạ from the school's data to a signed, verified XML file, on the command line.

Round trip: canonical data → XML (valid against hocba.xsd) → the GVCN signs the year → the
principal signs the document → verify names both signers and what they cover; one score
flipped afterwards is caught, naming the broken signatures; a signed year is corrected only
as a new version, approved by the principal, the old file untouched.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from lienthong.assessment import StudentYear, assess_student
from lienthong.assessment.engine import SemesterScores, SubjectYear
from lienthong.records import hocba_xml, signing
from lienthong.store.db import make_engine
from tests.records.conftest import PASSWORD, YEAR


def _export(cli, out: Path) -> list[Path]:
    done = cli("hocba", "export", "--class", "9A1", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    files = sorted(out.glob("*-v1.xml"))
    assert len(files) == 15 and "đã ghi 15 học bạ" in done.stdout
    return files


def test_export_writes_one_valid_transcript_per_student_with_values_from_the_engine(cli, tmp_path):
    files = _export(cli, tmp_path / "hocba")
    root = hocba_xml.parse(files[0].read_bytes())  # validated against hocba.xsd on read
    transcript = hocba_xml.transcript_of(root)
    (year,) = transcript.years
    assert (year.school_year, year.class_code, year.grade) == (YEAR, "9A1", 9)
    assert year.gvcn == "Nguyễn Thị Lan" and year.principal == "Đặng Quang Trung"
    assert transcript.pupil.school_name == "Trường THCS Bình An" and re.fullmatch(
        r"\d{10}", transcript.pupil.ministry_id
    )
    assert [s.code for s in year.subjects][:2] == ["VAN", "TOAN"] and len(year.subjects) == 12
    # the year average is the engine's: (HK1 + 2·HK2) / 3, half up
    toan = next(s for s in year.subjects if s.code == "TOAN")
    expected = (Decimal(toan.hk1) + 2 * Decimal(toan.hk2)) / 3
    assert Decimal(toan.cn) == expected.quantize(Decimal("0.1"), rounding="ROUND_HALF_UP")
    assert year.results.training_cn and year.results.promotion in ("LL", "KTL", "RLH", "OL")
    assert files[0].stat().st_mode & 0o077 == 0  # a student's record: readable by its owner only


def test_sign_by_gvcn_then_principal_and_verify_names_signers_and_coverage(cli, tmp_path):
    path = _export(cli, tmp_path / "hocba")[0]
    early = cli("--as", "ht.trung", "hocba", "sign", str(path), password=PASSWORD)
    assert early.returncode == 4 and "GVCN chưa ký năm học 2025-2026" in early.stdout
    other = cli("--as", "gv.hoa", "hocba", "sign", str(path), password=PASSWORD)
    assert other.returncode == 4, other.stdout + other.stderr  # GVCN of another class: not hers to sign

    done = cli("--as", "gv.lan", "hocba", "sign", str(path), password=PASSWORD)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Đã ký năm học 2025-2026" in done.stdout and "Nguyễn Thị Lan" in done.stdout
    again = cli("--as", "gv.lan", "hocba", "sign", str(path), "--year", YEAR, password=PASSWORD)
    assert again.returncode == 4 and "đã được GVCN ký" in again.stdout
    done = cli("--as", "ht.trung", "hocba", "sign", str(path), password=PASSWORD)
    assert done.returncode == 0, done.stdout + done.stderr

    checked = cli("hocba", "verify", str(path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    lines = checked.stdout.splitlines()
    gvcn = next(line for line in lines if "GVCN Nguyễn Thị Lan" in line)
    assert gvcn.lstrip().startswith("HỢP LỆ") and "năm học 2025-2026, lớp 9A1" in gvcn and "user:" in gvcn
    assert "(+07:00)" in gvcn and "tin cậy" in gvcn
    principal = next(line for line in lines if "Hiệu trưởng Đặng Quang Trung" in line)
    assert principal.lstrip().startswith("HỢP LỆ") and "toàn bộ học bạ" in principal
    assert "Chưa ký" not in checked.stdout


def test_one_score_changed_after_signing_is_caught_and_the_broken_signatures_named(cli, tmp_path):
    path = _export(cli, tmp_path / "hocba")[0]
    for login in ("gv.lan", "ht.trung"):
        assert cli("--as", login, "hocba", "sign", str(path), password=PASSWORD).returncode == 0
    text = path.read_text(encoding="utf-8")
    toan = re.search(r"<MaMon>TOAN</MaMon><TenMon>Toán</TenMon><HK1>([0-9.]+)</HK1>", text)
    changed = "9.9" if toan[1] != "9.9" else "9.8"
    path.write_text(text.replace(toan[0], toan[0].replace(f"<HK1>{toan[1]}<", f"<HK1>{changed}<")), encoding="utf-8")

    checked = cli("hocba", "verify", str(path))
    assert checked.returncode == 1
    assert "nội dung đã bị thay đổi sau khi ký" in checked.stdout
    assert "chữ ký của GVCN (năm học 2025-2026, lớp 9A1); Hiệu trưởng (toàn bộ học bạ" in checked.stdout
    assert checked.stdout.count("KHÔNG HỢP LỆ") == 2


def test_an_unsigned_transcript_says_what_is_not_signed(cli, tmp_path):
    path = _export(cli, tmp_path / "hocba")[0]
    checked = cli("hocba", "verify", str(path))
    assert checked.returncode == 1
    assert "Chưa ký: năm học 2025-2026, lớp 9A1 (chưa có chữ ký GVCN)" in checked.stdout
    assert "Chưa ký: toàn bộ học bạ (chưa có chữ ký Hiệu trưởng)" in checked.stdout


def test_a_certificate_from_another_ca_is_reported_untrusted(cli, tmp_path, pki):
    from tests.records.pki import issue, make_ca

    stranger = issue(make_ca("CA lạ"), "Nguyễn Thị Lan")
    stranger.pkcs12(tmp_path / "la.p12", b"khoa-la-123")
    path = _export(cli, tmp_path / "hocba")[0]
    cli.config.write_text(
        cli.config.read_text(encoding="utf-8").replace(str(pki.folder / "gv.lan.p12"), str(tmp_path / "la.p12")),
        encoding="utf-8",
    )
    signed = cli(
        "--as",
        "gv.lan",
        "hocba",
        "sign",
        str(path),
        password=PASSWORD,
        env={"LIENTHONG_KEY_PASSWORD_GV_LAN": "khoa-la-123"},
    )
    assert signed.returncode == 0, signed.stdout + signed.stderr
    checked = cli("hocba", "verify", str(path))
    assert checked.returncode == 1 and "KHÔNG tin cậy" in checked.stdout
    assert "không do tổ chức chứng thực được tin cậy cấp" in checked.stdout


def test_a_wrong_key_password_is_refused_without_showing_it(cli, tmp_path):
    path = _export(cli, tmp_path / "hocba")[0]
    done = cli(
        "--as",
        "gv.lan",
        "hocba",
        "sign",
        str(path),
        password=PASSWORD,
        env={"LIENTHONG_KEY_PASSWORD_GV_LAN": "sai-mat-khau-9"},
    )
    assert done.returncode == 2 and "sai mật khẩu" in done.stdout
    assert "sai-mat-khau-9" not in done.stdout + done.stderr
    assert "ChuKyGVCN" not in path.read_text(encoding="utf-8")


def test_a_signed_year_is_corrected_only_as_a_new_version_approved_by_the_principal(cli, tmp_path, store):
    out = tmp_path / "hocba"
    path = _export(cli, out)[0]
    for login in ("gv.lan", "ht.trung"):
        assert cli("--as", login, "hocba", "sign", str(path), password=PASSWORD).returncode == 0
    signed = path.read_bytes()
    # a score of this student changes in the store (a re-marked test, approved)
    student = hocba_xml.transcript_of(hocba_xml.parse(signed)).pupil
    _change_a_score(store, student.ministry_id)

    same = cli("hocba", "export", "--class", "9A1", "--out", str(out))
    assert same.returncode == 1 and "sửa cần Hiệu trưởng duyệt" in same.stdout  # never over a signed year
    refused = cli("--as", "gv.lan", "hocba", "correct", str(path), "--reason", "chấm phúc khảo", password=PASSWORD)
    assert refused.returncode == 4
    done = cli("--as", "ht.trung", "hocba", "correct", str(path), "--reason", "chấm phúc khảo", password=PASSWORD)
    assert done.returncode == 0, done.stdout + done.stderr
    assert path.read_bytes() == signed  # the signed version is kept as it was
    new = out / f"{student.ministry_id}-v2.xml"
    root = hocba_xml.parse(new.read_bytes())
    info = hocba_xml.transcript_of(root)
    assert info.version == 2 and info.replaces == hocba_xml.digest(signed)
    fixes = info.years[0].corrections
    assert fixes and all(f.reason == "chấm phúc khảo" and "ht.trung" in f.approved_by for f in fixes)
    assert any(f.field == "TOAN/HK1" for f in fixes)
    assert "TOAN/HK1" in done.stdout
    # the corrected year waits for new signatures
    assert signing.verify(root).unsigned and not signing.verify(root).signatures


def _change_a_score(url: str, ministry_id: str) -> None:
    """Raise the student's Toán mid-term of semester I in every source holding the sheet."""
    import json

    import sqlalchemy as sa

    engine = make_engine(url)
    with engine.begin() as connection:
        students = connection.execute(
            sa.text("select key, payload from source_snapshot where source='vnedu' and entity='hoc_sinh'")
        ).all()
        mine = next(k for k, p in students if json.loads(p)["ma_dinh_danh_bo"] == ministry_id)
        for source, payload in connection.execute(
            sa.text("select source, payload from source_snapshot where entity='diem' and key=:k"),
            {"k": f"{mine}:TOAN:1"},
        ).all():
            data = json.loads(payload)
            data["ddg_gk"] = "10" if data["ddg_gk"] != "10" else "9"
            connection.execute(
                sa.text("update source_snapshot set payload=:p where source=:s and entity='diem' and key=:k"),
                {"p": json.dumps(data), "s": source, "k": f"{mine}:TOAN:1"},
            )
    engine.dispose()


@pytest.mark.parametrize(
    "hostile",
    [
        # XXE: an external entity reading a local file
        b'<?xml version="1.0"?><!DOCTYPE HocBa [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<HocBa xmlns="urn:lienthong:hocba:v1" PhienBan="1">&x;</HocBa>',
        # billion laughs
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
        b'<HocBa xmlns="urn:lienthong:hocba:v1" PhienBan="1">&d;&d;&d;&d;&d;&d;</HocBa>',
        # an external DTD fetched over the network
        b'<?xml version="1.0"?><!DOCTYPE HocBa SYSTEM "http://127.0.0.1:9/hocba.dtd">'
        b'<HocBa xmlns="urn:lienthong:hocba:v1" PhienBan="1"/>',
        # the same in UTF-16, where a byte search for DOCTYPE finds nothing
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE HocBa [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<HocBa xmlns="urn:lienthong:hocba:v1" PhienBan="1">&x;</HocBa>'.encode("utf-16"),
    ],
    ids=["xxe", "billion-laughs", "external-dtd", "xxe-utf16"],
)
def test_hostile_xml_is_refused_without_reading_anything(cli, tmp_path, hostile):
    with pytest.raises(hocba_xml.TranscriptRefused):
        hocba_xml.parse(hostile)
    path = tmp_path / "doc.xml"
    path.write_bytes(hostile)
    done = cli("hocba", "verify", str(path))
    assert done.returncode == 2
    assert "root:" not in done.stdout + done.stderr  # nothing of /etc/passwd
    assert "DOCTYPE" in done.stdout or "không phải" in done.stdout


def test_a_document_against_the_schema_is_refused_on_read_and_write(tmp_path):
    bad = (
        b'<HocBa xmlns="urn:lienthong:hocba:v1" PhienBan="1"><TaiLieu><SoPhienBan>1</SoPhienBan>'
        b"<NgayLap>2026-06-15T10:00:00+07:00</NgayLap></TaiLieu></HocBa>"
    )
    with pytest.raises(hocba_xml.TranscriptRefused, match="hocba.xsd"):
        hocba_xml.parse(bad)


def test_values_are_computed_by_the_engine_not_typed():
    """The transcript's year of a hand-made student equals `assess_student` of the same scores."""
    from datetime import date

    from lienthong.mapping import catalogs
    from lienthong.mapping.canonical import ScoreSheet
    from lienthong.records.transcript import build_year

    sheets, subjects = [], []
    for code, info in catalogs.subjects().items():
        marks = ("Đ", "Đ", "Đ", "Đ") if info.by_comment else ("8", "7.5", "9", "6.5")
        for semester in ("1", "2"):
            tx = list(marks[:2] if info.by_comment else marks)
            sheets.append(
                ScoreSheet(
                    student_id="a",
                    subject_code=code,
                    school_year=YEAR,
                    semester=semester,
                    tx=tx,
                    gk=marks[0],
                    ck=marks[1],
                )
            )
        cells = SemesterScores(
            tuple(Decimal(v) if not info.by_comment else v for v in (marks[:2] if info.by_comment else marks)),
            Decimal(marks[0]) if not info.by_comment else marks[0],
            Decimal(marks[1]) if not info.by_comment else marks[1],
        )
        subjects.append(SubjectYear(code, cells, cells))
    year = build_year(YEAR, "8A2", sheets, {"1": "T", "2": "K"}, 4, "GVCN", "HT", date(2026, 5, 30))
    expected = assess_student(StudentYear(YEAR, 8, tuple(subjects), "T", "K", 4))
    assert year.results.learning_cn == expected.learning["cn"] and year.results.training_cn == expected.training["cn"]
    assert year.results.promotion == expected.promotion and year.results.title == expected.title
    toan = next(s for s in year.subjects if s.code == "TOAN")
    assert toan.cn == str(expected.subjects["TOAN"]["cn"])
