"""The học bạ as XML: written from a `Transcript`, read back, validated against our XSD both ways.

Reading never touches the network or the file system beyond the bytes given: no DTD is
loaded, no entity is resolved or expanded, no huge tree is built; a document that carries a
DOCTYPE (where XXE and "billion laughs" live) is refused before parsing.
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import date, datetime
from functools import cache
from importlib import resources

from lxml import etree

from lienthong.records.transcript import (
    Correction,
    Pupil,
    SubjectLine,
    Transcript,
    TranscriptYear,
    YearResults,
)

NS = "urn:lienthong:hocba:v1"
DS = "http://www.w3.org/2000/09/xmldsig#"
NSMAP = {None: NS}
MAX_BYTES = 5_000_000  # a transcript is a few dozen kilobytes
_Q = f"{{{NS}}}"


class TranscriptRefused(ValueError):
    """An XML transcript that is not one: hostile, malformed or not valid against the schema."""


def qname(name: str) -> str:
    return _Q + name


def safe_parser() -> etree.XMLParser:
    """No entities resolved, no DTD, no network, no huge trees."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=False,
        remove_pis=True,
    )


@cache
def schema() -> etree.XMLSchema:
    text = resources.files("lienthong.records").joinpath("hocba.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(text, safe_parser()))


def sub_element(parent: etree._Element, name: str, text: str | int | None = None) -> etree._Element:
    element = etree.SubElement(parent, qname(name))
    if text is not None:
        element.text = unicodedata.normalize("NFC", str(text))
    return element


def _opt(parent: etree._Element, name: str, text: str | None) -> None:
    if text:
        sub_element(parent, name, text)


def _when(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def year_element(year: TranscriptYear) -> etree._Element:
    """One ``NamHoc`` element (not yet signed)."""
    block = etree.Element(qname("NamHoc"), nsmap=NSMAP, Id=year.element_id)
    sub_element(block, "Nam", year.school_year)
    sub_element(block, "Lop", year.class_code)
    sub_element(block, "Khoi", year.grade)
    for line in year.subjects:
        mon = sub_element(block, "Mon")
        sub_element(mon, "MaMon", line.code)
        sub_element(mon, "TenMon", line.name)
        sub_element(mon, "HK1", line.hk1)
        sub_element(mon, "HK2", line.hk2)
        sub_element(mon, "CN", line.cn)
        _opt(mon, "NhanXet", line.comment)
        sub_element(mon, "GiaoVien", line.teacher)
        _opt(mon, "KiemTraLai", line.retest)
    r = year.results
    result = sub_element(block, "KetQua")
    for name, value in (
        ("HocTapHK1", r.learning_hk1),
        ("HocTapHK2", r.learning_hk2),
        ("HocTapCN", r.learning_cn),
        ("RenLuyenHK1", r.training_hk1),
        ("RenLuyenHK2", r.training_hk2),
        ("RenLuyenCN", r.training_cn),
        ("SoBuoiNghi", r.absences),
        ("LenLop", r.promotion),
    ):
        sub_element(result, name, value)
    _opt(result, "DanhHieu", r.title)
    sub_element(result, "NhanXetGVCN", r.gvcn_comment)
    confirm = sub_element(block, "XacNhan")
    sub_element(confirm, "GVCN", year.gvcn)
    sub_element(confirm, "HieuTruong", year.principal)
    sub_element(confirm, "Ngay", year.day.isoformat())
    for fix in year.corrections:
        change = sub_element(block, "DieuChinh")
        sub_element(change, "Muc", fix.field)
        sub_element(change, "GiaTriCu", fix.old)
        sub_element(change, "GiaTriMoi", fix.new)
        sub_element(change, "LyDo", fix.reason)
        sub_element(change, "NguoiDuyet", fix.approved_by)
        sub_element(change, "Ngay", fix.day.isoformat())
    return block


def document(
    transcript: Transcript, made_at: datetime, kept: dict[str, etree._Element] | None = None
) -> etree._Element:
    """The whole document. ``kept``: school year → a signed ``NamHoc`` of an earlier version, kept
    byte for byte (with its signature) instead of being written again."""
    root = etree.Element(qname("HocBa"), nsmap=NSMAP, PhienBan="1")
    info = sub_element(root, "TaiLieu")
    sub_element(info, "SoPhienBan", transcript.version)
    sub_element(info, "NgayLap", _when(made_at))
    _opt(info, "ThayThe", transcript.replaces)
    p = transcript.pupil
    pupil = sub_element(root, "HocSinh")
    sub_element(pupil, "MaDinhDanh", p.ministry_id)
    _opt(pupil, "SoDinhDanhCaNhan", p.personal_id)
    sub_element(pupil, "HoTen", p.full_name)
    sub_element(pupil, "GioiTinh", p.gender)
    sub_element(pupil, "NgaySinh", p.birth_date.isoformat())
    _opt(pupil, "NoiSinh", p.birthplace)
    sub_element(pupil, "DanToc", p.ethnicity)
    sub_element(pupil, "MaTruong", p.school_code)
    sub_element(pupil, "TenTruong", p.school_name)
    for year in sorted(transcript.years, key=lambda y: y.school_year):
        signed = (kept or {}).get(year.school_year)
        root.append(_reparsed(signed) if signed is not None else year_element(year))
    return root


def _reparsed(element: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(element), safe_parser())


def to_bytes(root: etree._Element) -> bytes:
    """The document as written to disk: UTF-8 with its declaration; validated first."""
    validate(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def write(transcript: Transcript, made_at: datetime) -> bytes:
    """A transcript as a validated XML document."""
    return to_bytes(document(transcript, made_at))


def validate(root: etree._Element) -> None:
    checker = schema()
    if not checker.validate(root):
        problem = checker.error_log.filter_from_errors()[0] if checker.error_log else None
        where = f" (dòng {problem.line}: {problem.message[:160]})" if problem else ""
        raise TranscriptRefused(f"Học bạ không đúng lược đồ hocba.xsd{where}.")


def parse(data: bytes) -> etree._Element:
    """A document read safely and validated; anything else is refused, saying why."""
    if len(data) > MAX_BYTES:
        raise TranscriptRefused(f"Tệp học bạ quá lớn ({len(data):,} byte): không phải một học bạ.")
    head = data[:4096].lstrip()
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise TranscriptRefused("Tệp học bạ có khai báo DOCTYPE/ENTITY (có thể là tấn công XXE): từ chối, không đọc.")
    if not head.startswith(b"<"):
        raise TranscriptRefused("Tệp không phải XML học bạ.")
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise TranscriptRefused(f"Tệp học bạ không phải XML hợp lệ (dòng {exc.lineno}).") from None
    if root.getroottree().docinfo.doctype:  # a DOCTYPE in another encoding than the check above reads
        raise TranscriptRefused("Tệp học bạ có khai báo DOCTYPE (có thể là tấn công XXE): từ chối, không đọc.")
    if root.tag != qname("HocBa"):
        raise TranscriptRefused("Tệp XML không phải học bạ (phần tử gốc khác HocBa, hoặc sai không gian tên).")
    validate(root)
    return root


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- reading back into the model -----------------------------------------------------------


def _t(element: etree._Element, name: str) -> str | None:
    found = element.find(qname(name))
    return found.text or "" if found is not None else None


def year_of(block: etree._Element) -> TranscriptYear:
    subjects = tuple(
        SubjectLine(
            code=_t(m, "MaMon") or "",
            name=_t(m, "TenMon") or "",
            hk1=_t(m, "HK1") or "",
            hk2=_t(m, "HK2") or "",
            cn=_t(m, "CN") or "",
            teacher=_t(m, "GiaoVien") or "",
            comment=_t(m, "NhanXet"),
            retest=_t(m, "KiemTraLai"),
        )
        for m in block.findall(qname("Mon"))
    )
    k = block.find(qname("KetQua"))
    results = YearResults(
        *(_t(k, n) or "" for n in ("HocTapHK1", "HocTapHK2", "HocTapCN", "RenLuyenHK1", "RenLuyenHK2", "RenLuyenCN")),
        absences=int(_t(k, "SoBuoiNghi") or 0),
        promotion=_t(k, "LenLop") or "",
        title=_t(k, "DanhHieu"),
        gvcn_comment=_t(k, "NhanXetGVCN") or "",
    )
    x = block.find(qname("XacNhan"))
    corrections = tuple(
        Correction(
            _t(c, "Muc") or "",
            _t(c, "GiaTriCu") or "",
            _t(c, "GiaTriMoi") or "",
            _t(c, "LyDo") or "",
            _t(c, "NguoiDuyet") or "",
            date.fromisoformat(_t(c, "Ngay") or ""),
        )
        for c in block.findall(qname("DieuChinh"))
    )
    return TranscriptYear(
        school_year=_t(block, "Nam") or "",
        class_code=_t(block, "Lop") or "",
        grade=int(_t(block, "Khoi") or 0),
        subjects=subjects,
        results=results,
        gvcn=_t(x, "GVCN") or "",
        principal=_t(x, "HieuTruong") or "",
        day=date.fromisoformat(_t(x, "Ngay") or ""),
        corrections=corrections,
    )


def transcript_of(root: etree._Element) -> Transcript:
    """The model of a parsed (validated) document."""
    p = root.find(qname("HocSinh"))
    info = root.find(qname("TaiLieu"))
    pupil = Pupil(
        ministry_id=_t(p, "MaDinhDanh") or "",
        full_name=_t(p, "HoTen") or "",
        gender=_t(p, "GioiTinh") or "",
        birth_date=date.fromisoformat(_t(p, "NgaySinh") or ""),
        ethnicity=_t(p, "DanToc") or "",
        school_code=_t(p, "MaTruong") or "",
        school_name=_t(p, "TenTruong") or "",
        personal_id=_t(p, "SoDinhDanhCaNhan"),
        birthplace=_t(p, "NoiSinh"),
    )
    years = tuple(year_of(block) for block in root.findall(qname("NamHoc")))
    return Transcript(pupil, years, int(_t(info, "SoPhienBan") or 1), _t(info, "ThayThe"))


def year_blocks(root: etree._Element) -> dict[str, etree._Element]:
    return {_t(block, "Nam") or "": block for block in root.findall(qname("NamHoc"))}
