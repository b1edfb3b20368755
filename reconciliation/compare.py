"""Find every difference between the sources at once, as `Discrepancy` records.

Inputs are the stored pulls (platform shapes by source and entity). Students are first
linked (`matching`); then bio, class and status are compared between linked records, each
score cell of the gradebook against vnEdu, the CSDL's subject averages against averages
recomputed with the assessment engine from vnEdu's scores, and the CSDL's absence counts
against vnEdu's absence records. NFC/NFD and tone placement never count as differences.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from lienthong.assessment.engine import assess_semester, semester_average
from lienthong.assessment.rules import CIRCULAR_22
from lienthong.mapping import catalogs
from lienthong.mapping.calendar import semester_bounds
from lienthong.mapping.errors import MappingError
from lienthong.mapping.normalize import LEVEL_WORDS, format_score, name_key, parse_date
from lienthong.reconciliation.authority import FILL, diff_sheets, for_a_person
from lienthong.reconciliation.discrepancy import Discrepancy
from lienthong.reconciliation.matching import match
from lienthong.reconciliation.people import people
from lienthong.reconciliation.year import ParsedSheets, compare_year, entered_subjects

Sources = dict[str, dict[str, dict[str, dict[str, Any]]]]  # source → entity → key → payload
CELL_WORDS = {"gk": "ĐĐGgk", "ck": "ĐĐGck", **{f"tx{i}": f"ĐĐGtx{i + 1}" for i in range(4)}}
STATUS_CODES = {s.name: s.code for s in catalogs.statuses()}
STATUS_WORDS = {s.code: s.name for s in catalogs.statuses()}


def _shown(value: Any) -> str:
    if value is None:
        return "(trống)"
    if isinstance(value, Decimal):
        return format_score(value)
    if isinstance(value, tuple):
        return value[1]
    return str(value)


def reconcile(sources: Sources, school_year: str, semester: str | None, today: date,
              pushed: bool = False) -> list[Discrepancy]:
    """Every difference; ``semester`` ``None`` compares every semester the CSDL's results hold.
    ``pushed``: the sync pushes the gradebook's scores to vnEdu (then only what waits for the
    principal is a score discrepancy, see `authority`)."""
    vnedu, csdl = sources.get("vnedu", {}), sources.get("csdl", {})
    students_v, students_c = vnedu.get("hoc_sinh", {}), csdl.get("hoc_sinh", {})
    results = csdl.get("ket_qua", {})
    found: list[Discrepancy] = []
    links: dict[str, str] = {}
    if students_v and students_c:
        links = link_students(students_v, students_c, found)
    found += compare_scores(sources.get("gradebook", {}).get("diem", {}), vnedu.get("diem", {}), students_v, links,
                            pushed)
    semesters = [semester] if semester else sorted({k.rsplit(":", 1)[1] for k in results} - {"CN"})
    sheets = ParsedSheets(vnedu.get("diem", {}))
    for period in semesters:
        found += _averages(results, sheets, students_v, links, period)
        found += _learning(results, sheets, students_v, links, school_year, period)
        found += _training(results, vnedu.get("hanh_kiem", {}), students_v, links, period)
        if vnedu.get("diem_danh"):  # exports carry no attendance: nothing to count against
            found += _absences(results, vnedu["diem_danh"], students_v, links, school_year, period, today)
    found += compare_year(results, vnedu, students_v, links, school_year, sheets)
    found += _refused_reports(sources.get("portal", {}).get("yeu_cau_bao_cao", {}))
    return found


def _refused_reports(requests: dict) -> list[Discrepancy]:
    """Reports the Sở sent back (``bi_tra_lai``): the school must correct and submit again."""
    out = []
    for code, request in sorted(requests.items()):
        if request.get("trang_thai") != "bi_tra_lai":
            continue
        due = parse_date(request["han_nop"][:10]) if request.get("han_nop") else None
        out.append(Discrepancy(
            "report_refused", "", {"portal": code}, "trang_thai", {"portal": request["trang_thai"]},
            f"Báo cáo «{request.get('ten', code)}» ({request.get('ma_bieu_mau', '')}) bị Sở GD&ĐT trả lại: cần sửa "
            f"theo các lỗi Sở ghi và nộp lại" + (f" (hạn nộp {due:%d/%m/%Y})" if due else ""),
            None, suggestion="Xem lỗi của lần nộp trên cổng báo cáo, sửa số liệu rồi nộp lại"))
    return out


def _keys(vnedu_key: str | None, csdl_key: str | None) -> dict[str, str]:
    return {k: v for k, v in (("vnedu", vnedu_key), ("csdl", csdl_key)) if v}


def link_students(students_v: dict, students_c: dict, found: list[Discrepancy]) -> dict[str, str]:
    """vnEdu key → the CSDL's Mã định danh for every student linked; doubts and the rest go to ``found``."""
    anchors, _ = people("csdl", students_c)
    others, _ = people("vnedu", students_v)
    result = match(anchors, others)
    for doubt in result.doubts:
        s = students_v[doubt.key]
        found.append(Discrepancy("identity_doubt", s["ho_ten"], _keys(doubt.key, None), "hoc_sinh",
                                 {"vnedu": doubt.key, "csdl": [a for a, _ in doubt.candidates]},
                                 f"Chưa chắc em {s['ho_ten']} ({s['ma_lop']}) trên vnEdu là học sinh nào trên CSDL: "
                                 "cần giáo viên chủ nhiệm xác nhận", s["ma_lop"],
                                 suggestion="Xác nhận hoặc từ chối liên kết với một ứng viên"))
    pairs = set()
    for key, anchor, holder in result.duplicates:
        if frozenset((key, holder)) in pairs:
            continue  # two records that cannot be told apart: one difference, not one per record
        pairs.add(frozenset((key, holder)))
        s = students_v[key]
        found.append(Discrepancy("duplicate_student", s["ho_ten"], _keys(key, anchor), "hoc_sinh",
                                 {"vnedu": sorted([key, holder])},
                                 f"Em {s['ho_ten']} ({s['ma_lop']}) có hai hồ sơ trên vnEdu ({holder}, {key})",
                                 s["ma_lop"], suggestion="Gộp hoặc xoá hồ sơ thừa trên vnEdu"))
    for key in result.unmatched:
        s = students_v[key]
        found.append(Discrepancy("missing_student", s["ho_ten"], _keys(key, None), "hoc_sinh",
                                 {"vnedu": key, "csdl": None},
                                 f"Em {s['ho_ten']} ({s['ma_lop']}) có trên vnEdu nhưng chưa có trên CSDL ngành",
                                 s["ma_lop"], suggestion="Khai báo học sinh trên CSDL để được cấp mã định danh"))
    linked = {link.anchor for link in result.links.values()} | {a for _, a, _ in result.duplicates}
    for anchor, c in students_c.items():
        if anchor not in linked:
            found.append(Discrepancy("missing_student", c["HoTen"], _keys(None, anchor), "hoc_sinh",
                                     {"vnedu": None, "csdl": anchor},
                                     f"Em {c['HoTen']} ({c['MaLop']}) có trên CSDL nhưng không có trên vnEdu",
                                     c["MaLop"], suggestion="Kiểm tra hồ sơ trên vnEdu"))
    links = {key: link.anchor for key, link in result.links.items()}
    for key, anchor in links.items():
        found += _bio(key, students_v[key], anchor, students_c[anchor])
    return links


def _bio(key: str, v: dict, anchor: str, c: dict) -> list[Discrepancy]:
    keys, name, cls = _keys(key, anchor), c["HoTen"], c["MaLop"]
    out = []
    if name_key(v["ho_ten"]) != name_key(c["HoTen"]):
        out.append(Discrepancy("bio_mismatch", name, keys, "ho_ten", {"vnedu": v["ho_ten"], "csdl": c["HoTen"]},
                               f"Họ tên của em {name} ({cls}) khác nhau: vnEdu «{v['ho_ten']}» – CSDL «{c['HoTen']}»",
                               cls, suggestion="Sửa theo giấy khai sinh"))
    born_v, born_c = parse_date(v["ngay_sinh"]) if v.get("ngay_sinh") else None, parse_date(c["NgaySinh"])
    if born_v and born_v != born_c:
        out.append(Discrepancy("bio_mismatch", name, keys, "ngay_sinh", {"vnedu": v["ngay_sinh"], "csdl": c["NgaySinh"]},
                               f"Ngày sinh của em {name} ({cls}): vnEdu {born_v:%d/%m/%Y} – CSDL {born_c:%d/%m/%Y}",
                               cls, suggestion="Sửa theo giấy khai sinh"))
    if v["ma_lop"] != c["MaLop"]:
        out.append(Discrepancy("class_mismatch", name, keys, "ma_lop", {"vnedu": v["ma_lop"], "csdl": c["MaLop"]},
                               f"Lớp của em {name}: vnEdu {v['ma_lop']} – CSDL {c['MaLop']}", cls))
    if v.get("trang_thai") and STATUS_CODES.get(v["trang_thai"]) != c["TrangThai"]:  # exports show no status
        out.append(Discrepancy("status_mismatch", name, keys, "trang_thai",
                               {"vnedu": v["trang_thai"], "csdl": STATUS_WORDS.get(c["TrangThai"], c["TrangThai"])},
                               f"Trạng thái của em {name} ({cls}): vnEdu «{v['trang_thai']}» – CSDL "
                               f"«{STATUS_WORDS.get(c['TrangThai'], c['TrangThai'])}»", cls,
                               suggestion="Cập nhật chuyển đi/chuyển đến ở cả hai nơi"))
    return out


class SheetTable(dict):
    """Score sheets by key, digested once when loaded, for comparing two sources in bulk.

    As data-diff does: each sheet's typed values get a digest, sheets fall into `SEGMENTS`
    buckets by key, and each bucket gets one digest of its members. Two tables are compared
    bucket by bucket; only the members of buckets that differ are looked at one by one.
    """

    SEGMENTS = 256

    def __init__(self, sheets: dict[str, dict]):
        super().__init__(sheets)
        self.digests: dict[str, int] = {}
        self.segments = [0] * self.SEGMENTS
        self.members: list[list[str]] = [[] for _ in range(self.SEGMENTS)]
        for key, sheet in self.items():
            digest = self.digests[key] = hash(_typed(sheet))
            bucket = hash(key) % self.SEGMENTS
            self.segments[bucket] ^= hash((key, digest))  # order-free: members may come in any order
            self.members[bucket].append(key)

    def differing(self, other: "SheetTable") -> list[str]:
        """Keys of this table that the other holds with other typed values."""
        theirs, mine = other.digests, self.digests
        buckets = [i for i, (a, b) in enumerate(zip(self.segments, other.segments)) if a != b]
        return sorted(key for i in buckets for key in self.members[i] if theirs.get(key, mine[key]) != mine[key])


def _typed(sheet: dict) -> tuple:
    return tuple(sheet["ddg_tx"]), sheet["ddg_gk"], sheet["ddg_ck"]


def compare_scores(gradebook: dict, vnedu_scores: dict, students_v: dict, links: dict[str, str],
                   pushed: bool = False) -> list[Discrepancy]:
    """Every score cell of the gradebook (the owner) against vnEdu's, through the one cell diff
    that also plans the pushes (`authority.diff_sheets`): with ``pushed`` (vnEdu takes the
    gradebook's values), only corrections, which wait for the principal, are for a person.

    Bulk first: sheets typed alike on both sides (nearly all of them) are set aside without
    parsing — by segment digests when both sides are `SheetTable`s, else by their typed
    values — and only the rest is parsed, so ``8,5`` and ``8.5`` still count as the same score.
    """
    out = []
    if isinstance(gradebook, SheetTable) and isinstance(vnedu_scores, SheetTable):
        differing = gradebook.differing(vnedu_scores)
    else:
        differing = sorted(key for key, own in gradebook.items()
                           if (theirs := vnedu_scores.get(key)) is not None and _typed(own) != _typed(theirs))
    for diff in diff_sheets(gradebook, vnedu_scores, differing):
        student_key = diff.own["ma_hoc_sinh"]
        student = students_v.get(student_key)
        if student is None:
            continue
        semester, subject = str(diff.own["hoc_ky"]), diff.subject
        name, cls = student["ho_ten"], student["ma_lop"]
        for cell in diff.cells:
            if not for_a_person(cell, pushed):
                continue
            kind = "missing_score" if cell.kind == FILL else "score_mismatch"
            mine, their = _shown(cell.mine), _shown(cell.theirs)
            out.append(Discrepancy(
                kind, name, _keys(student_key, links.get(student_key)), cell.cell,
                {"gradebook": mine, "vnedu": their},
                f"Điểm {CELL_WORDS[cell.cell]} môn {subject.name} HK{semester} của em {name} ({cls}): "
                f"sổ điểm {mine} – vnEdu {their}", cls, subject.code, semester,
                suggestion=f"Cập nhật vnEdu theo sổ điểm: {mine}" if cell.mine is not None
                else "Kiểm tra lại: sổ điểm để trống ô này"))
    return out


def _recomputed(cells: dict) -> Decimal | None:
    tx = [cells[f"tx{i}"] for i in range(4) if isinstance(cells[f"tx{i}"], Decimal)]
    gk, ck = cells["gk"], cells["ck"]
    if not tx or not isinstance(gk, Decimal) or not isinstance(ck, Decimal):
        return None
    return semester_average(tx, gk, ck, CIRCULAR_22)


def _averages(results: dict, sheets: ParsedSheets, students_v: dict, links: dict[str, str],
              semester: str) -> list[Discrepancy]:
    out = []
    for key, anchor in links.items():
        result = results.get(f"{anchor}:{semester}")
        if result is None:
            continue
        student = students_v[key]
        for subject in result.get("Mon") or []:
            info = catalogs.subject(subject["MaMon"])
            if info.by_comment or subject.get("DiemTB") is None:
                continue
            cells = sheets.cells(f"{key}:{info.code}:{semester}", False)
            expected = _recomputed(cells) if cells else None
            held = Decimal(str(subject["DiemTB"]))
            if expected is None or expected == held:
                continue
            name, cls = student["ho_ten"], student["ma_lop"]
            out.append(Discrepancy("average_mismatch", name, _keys(key, anchor), "DiemTB",
                                   {"csdl": format_score(held), "vnedu": format_score(expected)},
                                   f"ĐTB môn {info.name} HK{semester} của em {name} ({cls}): CSDL {format_score(held)}"
                                   f" – tính lại từ điểm vnEdu {format_score(expected)}", cls, info.code, semester,
                                   suggestion="Gửi lại kết quả học kỳ lên CSDL"))
    return out


def _semester_level(sheets: ParsedSheets, key: str, grade: int, school_year: str, semester: str) -> str | None:
    """The learning level of a semester recomputed (Circular 22) from vnEdu's score sheets."""
    subjects = entered_subjects(sheets, key, (semester,))
    if subjects is None:
        return None
    try:
        return assess_semester(school_year, grade, subjects, f"hk{semester}")[1]
    except MappingError:
        return None


def _learning(results: dict, sheets: ParsedSheets, students_v: dict, links: dict[str, str], school_year: str,
              semester: str) -> list[Discrepancy]:
    out = []
    for key, anchor in links.items():
        result = results.get(f"{anchor}:{semester}")
        student = students_v[key]
        held = (result or {}).get("KetQuaHocTap")
        if not held or not student["ma_lop"][:1].isdigit():
            continue
        expected = _semester_level(sheets, key, int(student["ma_lop"][0]), school_year, semester)
        if expected is None or expected == held:
            continue
        name, cls = student["ho_ten"], student["ma_lop"]
        out.append(Discrepancy("result_mismatch", name, _keys(key, anchor), "KetQuaHocTap",
                               {"csdl": held, "vnedu": expected},
                               f"Kết quả học tập HK{semester} của em {name} ({cls}): CSDL «{LEVEL_WORDS[held]}» – tính "
                               f"lại theo Thông tư 22 từ điểm vnEdu «{LEVEL_WORDS[expected]}»", cls, None, semester,
                               suggestion="Gửi lại kết quả học kỳ lên CSDL sau khi Hiệu trưởng duyệt"))
    return out


def _training(results: dict, conduct: dict, students_v: dict, links: dict[str, str], semester: str) -> list[Discrepancy]:
    """The semester's training level: given by the homeroom teacher in vnEdu, copied to the CSDL."""
    out = []
    for key, anchor in links.items():
        given = (conduct.get(f"{key}:{semester}") or {}).get("ket_qua_ren_luyen")
        held = (results.get(f"{anchor}:{semester}") or {}).get("KetQuaRenLuyen")
        if not given or not held or given == held:
            continue
        student = students_v[key]
        name, cls = student["ho_ten"], student["ma_lop"]
        out.append(Discrepancy("result_mismatch", name, _keys(key, anchor), "KetQuaRenLuyen",
                               {"csdl": held, "vnedu": given},
                               f"Kết quả rèn luyện HK{semester} của em {name} ({cls}): CSDL «{LEVEL_WORDS.get(held, held)}»"
                               f" – vnEdu «{LEVEL_WORDS.get(given, given)}»", cls, None, semester,
                               suggestion="Gửi lại kết quả học kỳ lên CSDL theo đánh giá của giáo viên chủ nhiệm"))
    return out


def _absences(results: dict, absences: dict, students_v: dict, links: dict[str, str], school_year: str,
              semester: str, today: date) -> list[Discrepancy]:
    first, last = semester_bounds(int(school_year[:4]), semester)
    counted: dict[str, dict[str, int]] = {}
    for record in absences.values():
        day = parse_date(record["ngay"])
        if record.get("loai") in ("P", "K") and first <= day <= min(last, today):
            kinds = counted.setdefault(record["ma_hoc_sinh"], {"P": 0, "K": 0})
            kinds[record["loai"]] += 1
    out = []
    for key, anchor in links.items():
        result = results.get(f"{anchor}:{semester}")
        if result is None:
            continue
        mine = counted.get(key, {"P": 0, "K": 0})
        held = {"P": int(result.get("SoBuoiNghiCoPhep") or 0), "K": int(result.get("SoBuoiNghiKhongPhep") or 0)}
        if mine != held:
            s = students_v[key]
            out.append(Discrepancy("absence_mismatch", s["ho_ten"], _keys(key, anchor), "so_buoi_nghi",
                                   {"vnedu": mine, "csdl": held},
                                   f"Số buổi nghỉ HK{semester} của em {s['ho_ten']} ({s['ma_lop']}): vnEdu có phép "
                                   f"{mine['P']}, không phép {mine['K']} – CSDL có phép {held['P']}, không phép {held['K']}",
                                   s["ma_lop"], semester=semester, suggestion="Đối chiếu sổ điểm danh và cập nhật CSDL"))
    return out
