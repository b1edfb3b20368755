"""Each platform's copy of the one truth, with realistic differences injected.

From `school.School` (the teacher's gradebook and the school system are the truth) we
derive what vnEdu, the CSDL and the reporting portal hold, in their own wire shapes, then
inject differences at configurable rates. Every injected difference is written to a
ground-truth manifest (kind, platforms, student, field, values, and what a correct
reconciler should do with it) so that reconciliation can be scored against it.
"""

from __future__ import annotations

import json
import random
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from lienthong.assessment.engine import SemesterScores, StudentYear, SubjectYear, YearAssessment, assess_student
from lienthong.simulators.catalog import ETHNICITIES, STATUSES, SUBJECTS
from lienthong.simulators.formats import format_score, parse_score
from lienthong.simulators.school import VN_TZ, School, Student, semester_bounds

STATUS_WORDS = dict(STATUSES)
ETHNICITY_NAMES = dict(ETHNICITIES)
OLD_TONE = {
    "òa": "oà",
    "óa": "oá",
    "ỏa": "oả",
    "õa": "oã",
    "ọa": "oạ",
    "òe": "oè",
    "óe": "oé",
    "ỏe": "oẻ",
    "ùy": "uỳ",
    "úy": "uý",
    "ủy": "uỷ",
    "ũy": "uỹ",
    "ụy": "uỵ",
}
NEW_TONE = {old: new for new, old in OLD_TONE.items()}


@dataclass(frozen=True)
class Rates:
    """Per-student probability of each injected difference (at most one per student)."""

    score_typo: float = 0.006
    score_missing: float = 0.004
    comment_mark_as_score: float = 0.002
    csdl_average_mismatch: float = 0.004
    student_missing: float = 0.003
    transfer_one_place: float = 0.002
    name_variant: float = 0.006
    dob_swapped: float = 0.002
    duplicate_student: float = 0.002
    wrong_class: float = 0.002
    absences_count: float = 0.003
    personal_id_lost_zeros: float = 0.003
    training_mismatch: float = 0.003

    @classmethod
    def none(cls) -> "Rates":
        return cls(**{name: 0.0 for name in cls.__dataclass_fields__})


@dataclass
class Difference:
    id: str
    kind: str
    platforms: list[str]
    student: str  # the school system's key
    field: str
    values: dict[str, object]
    expect: str  # "discrepancy", "none" (folded silently), "identity" (a person must link)
    detail: str = ""


@dataclass
class PlatformData:
    """What every platform holds, in its own wire shapes, plus the manifest."""

    vnedu: dict = field(default_factory=dict)
    csdl: dict = field(default_factory=dict)
    portal: dict = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)

    def manifest(self, school: School, seed: int, rates: Rates) -> dict:
        return {
            "seed": seed,
            "ma_truong": school.ma_truong,
            "school_year": school.school_year,
            "students": len(school.students),
            "rates": asdict(rates),
            "differences": [asdict(d) for d in self.differences],
        }


def manifest_json(manifest: dict) -> str:
    return json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1, default=str)


# --- the clean copies -------------------------------------------------------------------------


class _Clock:
    """Deterministic ``updated_at`` values with second resolution and many ties."""

    def __init__(self, rng: random.Random, school: School):
        self.rng = rng
        self.base = datetime(school.start_year, 9, 5, 7, 0, tzinfo=VN_TZ)
        self.span = max(
            1, int((datetime.combine(school.today, datetime.min.time(), VN_TZ) - self.base).total_seconds() // 60)
        )

    def stamp(self) -> str:
        # a few hundred distinct minutes: several records share each second, as the contract warns
        return (self.base + timedelta(minutes=self.rng.randrange(0, self.span, max(1, self.span // 400)))).isoformat()


def _vnedu_student(s: Student, clock: _Clock, rng: random.Random, nfd: bool) -> dict:
    name = unicodedata.normalize("NFD", s.full_name) if nfd else s.full_name
    return {
        "ma_hoc_sinh": s.vnedu_id,
        "ma_dinh_danh_bo": s.ministry_id,
        "so_dinh_danh_ca_nhan": s.personal_id,
        "ho_ten": name,
        "ngay_sinh": s.birth_date.strftime("%d/%m/%Y"),
        "gioi_tinh": s.gender,
        "dan_toc": ETHNICITY_NAMES[s.ethnicity_code],
        "ma_lop": s.class_code,
        "trang_thai": STATUS_WORDS[s.status],
        "updated_at": clock.stamp(),
        "version": rng.randint(1, 4),
    }


def _vnedu_copy(school: School, rng: random.Random) -> dict:
    clock = _Clock(rng, school)
    teachers = {t.id: t.full_name for t in school.teachers}
    data: dict = {
        "lop": [
            {
                "ma_lop": c.code,
                "ten_lop": c.code,
                "khoi": c.grade,
                "gvcn_ma_gv": c.homeroom_teacher_id,
                "gvcn_ho_ten": teachers[c.homeroom_teacher_id],
            }
            for c in school.classes
        ],
        "hoc_sinh": {},
        "diem": {},
        "diem_danh": {},
        "hanh_kiem": {},
    }
    for s in school.students:
        data["hoc_sinh"][s.vnedu_id] = _vnedu_student(s, clock, rng, nfd=rng.random() < 0.3)
        for semester in school.semesters():
            for code, semesters in s.scores.items():
                entered = semesters[f"hk{semester}"]
                data["diem"][(s.vnedu_id, code, semester)] = {
                    "ma_hoc_sinh": s.vnedu_id,
                    "ma_mon": code,
                    "hoc_ky": int(semester),
                    "ddg_tx": list(entered["tx"]),
                    "ddg_gk": entered["gk"],
                    "ddg_ck": entered["ck"],
                    "nhan_xet": "",
                    "updated_at": clock.stamp(),
                    "version": rng.randint(1, 3),
                }
            data["hanh_kiem"][(s.vnedu_id, semester)] = {
                "ma_hoc_sinh": s.vnedu_id,
                "hoc_ky": semester,
                "ket_qua_ren_luyen": s.training[f"hk{semester}"],
                "nhan_xet": "",
                "updated_at": clock.stamp(),
                "version": 1,
            }
        for a in s.absences:
            if a.day <= school.today:
                day = a.day.strftime("%d/%m/%Y")
                data["diem_danh"][(s.vnedu_id, day, a.session)] = {
                    "ma_hoc_sinh": s.vnedu_id,
                    "ngay": day,
                    "buoi": a.session,
                    "loai": a.kind,
                    "ly_do": a.reason,
                    "updated_at": clock.stamp(),
                    "version": 1,
                }
    return data


def _csdl_student(s: Student, clock: _Clock, rng: random.Random) -> dict:
    return {
        "MaDinhDanh": s.ministry_id,
        "SoDinhDanhCaNhan": s.personal_id,
        "HoTen": s.full_name,
        "NgaySinh": s.birth_date.isoformat(),
        "GioiTinh": "1" if s.gender == "Nam" else "2",
        "MaDanToc": s.ethnicity_code,
        "MaLop": s.class_code,
        "TrangThai": s.status,
        "MaBanGhi": f"HS-{s.ministry_id}",
        "SuKien": "NEW",
        "PhienBan": rng.randint(1, 3),
        "ThoiGianCapNhat": clock.stamp(),
    }


def _semester_input(scores: dict, semester: str) -> dict:
    return {code: {f"hk{semester}": sems[f"hk{semester}"]} for code, sems in scores.items()}


def semester_result(student: Student, scores: dict, semester: str) -> dict:
    """Subject values and the learning level of one semester, computed (Circular 22)."""
    subjects = []
    for code, sems in scores.items():
        entered = sems.get(f"hk{semester}")
        by_comment = SUBJECTS[code].by_comment
        values = None
        if entered is not None:
            values = SemesterScores(
                tx=tuple(_value(v, by_comment) for v in entered["tx"]),
                gk=_value(entered["gk"], by_comment),
                ck=_value(entered["ck"], by_comment),
            )
        subjects.append(SubjectYear(code, **{f"hk{semester}": values}))
    result = assess_student(StudentYear(student.school_year, student.grade, tuple(subjects)))
    return {
        "subjects": {code: v[f"hk{semester}"] for code, v in result.subjects.items()},
        "learning": result.learning[f"hk{semester}"],
    }


def _value(raw, by_comment: bool):
    if raw is None:
        return None
    if by_comment:
        return raw if raw in ("Đ", "CĐ") else None  # a score typed for a comment subject counts as missing
    try:
        return parse_score(raw)
    except ValueError:
        return None  # "Đ" typed into a score subject


def _csdl_copy(school: School, vnedu: dict, rng: random.Random) -> dict:
    clock = _Clock(rng, school)
    data: dict = {"hoc_sinh": {}, "ket_qua": {}}
    for s in school.students:
        if s.ministry_id is None:
            continue  # the CSDL has not issued this student an ID yet
        data["hoc_sinh"][s.ministry_id] = _csdl_student(s, clock, rng)
        for semester in school.semesters():
            data["ket_qua"][(s.ministry_id, semester)] = _csdl_result(school, s, vnedu, semester, clock, rng)
        if school.year_ended():
            data["ket_qua"][(s.ministry_id, "CN")] = _csdl_year_result(s, vnedu, clock, rng)
    return data


def year_assessment(s: Student, vnedu: dict) -> YearAssessment:
    """The student's whole year (Circular 22) from what vnEdu holds: scores, training, absences."""
    subjects = []
    for code in s.scores:
        by_comment = SUBJECTS[code].by_comment
        entered = {}
        for semester in ("1", "2"):
            sheet = _vnedu_entered(vnedu, s.vnedu_id, code, semester)
            if sheet is not None:
                entered[f"hk{semester}"] = SemesterScores(
                    tx=tuple(_value(v, by_comment) for v in sheet["tx"]),
                    gk=_value(sheet["gk"], by_comment),
                    ck=_value(sheet["ck"], by_comment),
                )
        subjects.append(SubjectYear(code, **entered))
    training = {hk: (vnedu["hanh_kiem"].get((s.vnedu_id, hk)) or {}).get("ket_qua_ren_luyen") for hk in ("1", "2")}
    absences = sum(1 for (key, _, _), a in vnedu["diem_danh"].items() if key == s.vnedu_id and a.get("loai"))
    return assess_student(StudentYear(s.school_year, s.grade, tuple(subjects), training["1"], training["2"], absences))


def _csdl_year_result(s: Student, vnedu: dict, clock: _Clock, rng) -> dict:
    year = year_assessment(s, vnedu)
    subjects = [
        {
            "MaMon": code,
            **(
                {"KetQuaDanhGia": v["cn"]}
                if isinstance(v["cn"], str)
                else {"DiemTB": None if v["cn"] is None else str(v["cn"])}
            ),
        }
        for code, v in year.subjects.items()
    ]
    absences = [a for (key, _, _), a in vnedu["diem_danh"].items() if key == s.vnedu_id and a.get("loai")]
    return {
        "MaDinhDanh": s.ministry_id,
        "HocKy": "CN",
        "Mon": subjects,
        "KetQuaHocTap": year.learning["cn"],
        "KetQuaRenLuyen": year.training["cn"],
        "SoBuoiNghiCoPhep": sum(a["loai"] == "P" for a in absences),
        "SoBuoiNghiKhongPhep": sum(a["loai"] == "K" for a in absences),
        "DanhHieu": year.title,
        "LenLop": year.promotion,
        "MaBanGhi": f"KQ-{s.ministry_id}-CN",
        "SuKien": "NEW",
        "PhienBan": rng.randint(1, 3),
        "ThoiGianCapNhat": clock.stamp(),
    }


def _csdl_result(school: School, s: Student, vnedu: dict, semester: str, clock: _Clock, rng) -> dict:
    scores = {
        code: {f"hk{semester}": _vnedu_entered(vnedu, s.vnedu_id, code, semester) or s.scores[code][f"hk{semester}"]}
        for code in s.scores
    }
    computed = semester_result(s, scores, semester)
    first, last = semester_bounds(school.start_year, semester)
    inside = [a for a in s.absences if first <= a.day <= min(last, school.today)]
    subjects = [
        {"MaMon": code, **({"KetQuaDanhGia": v} if isinstance(v, str) else {"DiemTB": None if v is None else str(v)})}
        for code, v in computed["subjects"].items()
    ]
    return {
        "MaDinhDanh": s.ministry_id,
        "HocKy": semester,
        "Mon": subjects,
        "KetQuaHocTap": computed["learning"],
        "KetQuaRenLuyen": s.training[f"hk{semester}"],
        "SoBuoiNghiCoPhep": sum(a.kind == "P" for a in inside),
        "SoBuoiNghiKhongPhep": sum(a.kind == "K" for a in inside),
        "MaBanGhi": f"KQ-{s.ministry_id}-{semester}",
        "SuKien": "NEW",
        "PhienBan": rng.randint(1, 3),
        "ThoiGianCapNhat": clock.stamp(),
    }


def _vnedu_entered(vnedu: dict, vnedu_id: str, code: str, semester: str) -> dict | None:
    sheet = vnedu["diem"].get((vnedu_id, code, semester))
    if sheet is None:
        return None
    return {"tx": sheet["ddg_tx"], "gk": sheet["ddg_gk"], "ck": sheet["ddg_ck"]}


def _portal_copy(school: School) -> dict:
    by_grade: dict[int, int] = {}
    by_class: dict[str, int] = {}
    for s in school.students:
        by_grade[s.grade] = by_grade.get(s.grade, 0) + 1
        by_class[s.class_code] = by_class.get(s.class_code, 0) + 1
    return {"enrolment_by_grade": by_grade, "enrolment_by_class": by_class}


# --- injected differences ---------------------------------------------------------------------


class _Injector:
    def __init__(self, school: School, data: PlatformData, rng: random.Random):
        self.school, self.data, self.rng = school, data, rng
        self.vnedu_ids = {s.vnedu_id for s in school.students}

    def record(
        self,
        kind: str,
        platforms: list[str],
        student: Student,
        field_name: str,
        values: dict,
        expect: str = "discrepancy",
        detail: str = "",
    ) -> None:
        number = len(self.data.differences) + 1
        self.data.differences.append(
            Difference(f"D{number:05d}", kind, platforms, student.key, field_name, values, expect, detail)
        )

    def _sheet(self, s: Student, by_comment: bool):
        codes = [c for c, info in SUBJECTS.items() if info.by_comment == by_comment]
        code = self.rng.choice(codes)
        semester = self.rng.choice(self.school.semesters())
        sheet = self.data.vnedu["diem"][(s.vnedu_id, code, semester)]
        cells = [f"ddg_tx[{i}]" for i in range(len(sheet["ddg_tx"]))] + ["ddg_gk", "ddg_ck"]
        return code, semester, sheet, self.rng.choice(cells)

    @staticmethod
    def _get(sheet: dict, cell: str):
        return sheet["ddg_tx"][int(cell[7])] if cell.startswith("ddg_tx") else sheet[cell]

    @staticmethod
    def _set(sheet: dict, cell: str, value) -> None:
        if cell.startswith("ddg_tx"):
            sheet["ddg_tx"][int(cell[7])] = value
        else:
            sheet[cell] = value

    def score_typo(self, s: Student) -> None:
        code, semester, sheet, cell = self._sheet(s, by_comment=False)
        before = self._get(sheet, cell)
        value = parse_score(before)
        typo = next(v for v in (value - 1, value + 1, value - Decimal("0.5")) if Decimal(0) <= v <= 10 and v != value)
        after = format_score(typo).removesuffix(",0")
        self._set(sheet, cell, after)
        self.record(
            "score_typo",
            ["gradebook", "vnedu"],
            s,
            f"diem.{code}.hk{semester}.{cell}",
            {"gradebook": before, "vnedu": after},
        )

    def score_missing(self, s: Student) -> None:
        code, semester, sheet, cell = self._sheet(s, by_comment=False)
        before = self._get(sheet, cell)
        self._set(sheet, cell, None)
        self.record(
            "score_missing",
            ["gradebook", "vnedu"],
            s,
            f"diem.{code}.hk{semester}.{cell}",
            {"gradebook": before, "vnedu": None},
        )

    def comment_mark_as_score(self, s: Student) -> None:
        code, semester, sheet, cell = self._sheet(s, by_comment=True)
        before = self._get(sheet, cell)
        after = self.rng.choice(["8", "9", "7", "10"]) if before == "Đ" else "4"
        self._set(sheet, cell, after)
        self.record(
            "comment_mark_as_score",
            ["gradebook", "vnedu"],
            s,
            f"diem.{code}.hk{semester}.{cell}",
            {"gradebook": before, "vnedu": after},
        )

    def csdl_average_mismatch(self, s: Student) -> None:
        if s.ministry_id is None:
            return self.wrong_class(s)
        semester = self.rng.choice(self.school.semesters())
        result = self.data.csdl["ket_qua"][(s.ministry_id, semester)]
        subject = self.rng.choice([m for m in result["Mon"] if m.get("DiemTB")])
        before = Decimal(subject["DiemTB"])
        shift = Decimal(self.rng.choice(["0.3", "0.5", "1.0", "1.5"]))
        after = before - shift if before - shift >= 0 else before + shift
        subject["DiemTB"] = str(after)
        self.record(
            "csdl_average_mismatch",
            ["vnedu", "csdl"],
            s,
            f"ket_qua.hk{semester}.{subject['MaMon']}.DiemTB",
            {"computed": str(before), "csdl": str(after)},
        )

    def student_missing(self, s: Student) -> None:
        platform = self.rng.choice(["vnedu", "csdl"]) if s.ministry_id else "vnedu"
        if platform == "vnedu":
            self.data.vnedu["hoc_sinh"].pop(s.vnedu_id)
        else:
            self.data.csdl["hoc_sinh"].pop(s.ministry_id)
        self.record("student_missing", ["school", platform], s, "hoc_sinh", {"school": s.key, platform: None})

    def transfer_one_place(self, s: Student) -> None:
        if s.ministry_id and self.rng.random() < 0.5:
            self.data.csdl["hoc_sinh"][s.ministry_id]["TrangThai"] = "3"
            self.record("transfer_one_place", ["school", "csdl"], s, "trang_thai", {"school": "1", "csdl": "3"})
        else:
            self.data.vnedu["hoc_sinh"][s.vnedu_id]["trang_thai"] = STATUS_WORDS["3"]
            self.record(
                "transfer_one_place",
                ["school", "vnedu"],
                s,
                "trang_thai",
                {"school": STATUS_WORDS[s.status], "vnedu": STATUS_WORDS["3"]},
            )

    def name_variant(self, s: Student) -> None:
        variants = ["nfd", "dropped_middle", "typo"]
        if any(new in s.full_name for new in OLD_TONE) or any(old in s.full_name for old in NEW_TONE):
            variants.append("tone_placement")
        variant = self.rng.choice(variants)
        name = s.full_name
        if variant == "nfd":
            name = unicodedata.normalize("NFD", name)
        elif variant == "tone_placement":
            table = OLD_TONE if any(new in name for new in OLD_TONE) else NEW_TONE
            for a, b in table.items():
                name = name.replace(a, b)
        elif variant == "dropped_middle":
            name = " ".join(name.split(" ")[::2][:1] + name.split(" ")[-1:])
        else:
            words = name.split(" ")
            given = words[-1]
            i = self.rng.randrange(len(given) - 1) if len(given) > 2 else 0
            words[-1] = given[:i] + given[i + 1] + given[i] + given[i + 2 :] if len(given) > 1 else given + "h"
            name = " ".join(words)
        platform = self.rng.choice(["vnedu", "csdl"]) if s.ministry_id else "vnedu"
        if platform == "vnedu":
            self.data.vnedu["hoc_sinh"][s.vnedu_id]["ho_ten"] = name
        else:
            self.data.csdl["hoc_sinh"][s.ministry_id]["HoTen"] = name
        expect = "none" if variant in ("nfd", "tone_placement") else "discrepancy"
        self.record(
            "name_variant",
            ["school", platform],
            s,
            "ho_ten",
            {"school": s.full_name, platform: name},
            expect=expect,
            detail=variant,
        )

    def dob_swapped(self, s: Student) -> None:
        born = s.birth_date
        if born.day > 12 or born.day == born.month:
            return self.wrong_class(s)
        swapped = born.replace(day=born.month, month=born.day)
        platform = self.rng.choice(["vnedu", "csdl"]) if s.ministry_id else "vnedu"
        if platform == "vnedu":
            self.data.vnedu["hoc_sinh"][s.vnedu_id]["ngay_sinh"] = swapped.strftime("%d/%m/%Y")
        else:
            self.data.csdl["hoc_sinh"][s.ministry_id]["NgaySinh"] = swapped.isoformat()
        self.record(
            "dob_swapped",
            ["school", platform],
            s,
            "ngay_sinh",
            {"school": born.isoformat(), platform: swapped.isoformat()},
        )

    def duplicate_student(self, s: Student) -> None:
        while (new_id := f"18{self.rng.randrange(10**8):08d}") in self.vnedu_ids:
            pass
        self.vnedu_ids.add(new_id)
        copy = dict(self.data.vnedu["hoc_sinh"][s.vnedu_id], ma_hoc_sinh=new_id, ma_dinh_danh_bo=None, version=1)
        self.data.vnedu["hoc_sinh"][new_id] = copy
        self.record("duplicate_student", ["vnedu"], s, "hoc_sinh", {"vnedu": [s.vnedu_id, new_id]}, expect="identity")

    def wrong_class(self, s: Student) -> None:
        others = [c.code for c in self.school.classes if c.grade == s.grade and c.code != s.class_code]
        if not others:
            return None  # a one-class grade: nothing plausible to inject
        wrong = self.rng.choice(others)
        self.data.vnedu["hoc_sinh"][s.vnedu_id]["ma_lop"] = wrong
        self.record("wrong_class", ["school", "vnedu"], s, "ma_lop", {"school": s.class_code, "vnedu": wrong})

    def absences_count(self, s: Student) -> None:
        if s.ministry_id is None:
            return self.wrong_class(s)
        semester = self.rng.choice(self.school.semesters())
        result = self.data.csdl["ket_qua"][(s.ministry_id, semester)]
        before = result["SoBuoiNghiCoPhep"]
        result["SoBuoiNghiCoPhep"] = before + self.rng.randint(1, 3)
        self.record(
            "absences_count",
            ["vnedu", "csdl"],
            s,
            f"ket_qua.hk{semester}.SoBuoiNghiCoPhep",
            {"vnedu": before, "csdl": result["SoBuoiNghiCoPhep"]},
        )

    def training_mismatch(self, s: Student) -> None:
        """The CSDL holds another semester training level than the homeroom teacher gave in vnEdu."""
        if s.ministry_id is None:
            return self.wrong_class(s)
        semester = self.rng.choice(self.school.semesters())
        result = self.data.csdl["ket_qua"][(s.ministry_id, semester)]
        before = result["KetQuaRenLuyen"]
        result["KetQuaRenLuyen"] = self.rng.choice([level for level in ("T", "K", "Đ", "CĐ") if level != before])
        self.record(
            "training_mismatch",
            ["vnedu", "csdl"],
            s,
            f"ket_qua.hk{semester}.KetQuaRenLuyen",
            {"vnedu": before, "csdl": result["KetQuaRenLuyen"]},
        )

    def personal_id_lost_zeros(self, s: Student) -> None:
        if s.ministry_id is None or s.personal_id is None:
            return self.wrong_class(s)
        self.data.csdl.setdefault("excel_numeric_ids", []).append(s.ministry_id)
        self.record(
            "personal_id_lost_zeros",
            ["school", "csdl_excel"],
            s,
            "so_dinh_danh_ca_nhan",
            {"school": s.personal_id, "csdl_excel": int(s.personal_id)},
            expect="none",
            detail="restored to 12 digits and flagged by the Excel reader",
        )


# Differences in vnEdu's scores are injected before the CSDL copy is derived, because the
# CSDL's averages come from vnEdu's scores; every other kind is injected afterwards.
_SCORE_KINDS = ("score_typo", "score_missing", "comment_mark_as_score")


def build_platform_data(school: School, seed: int = 1, rates: Rates | None = None) -> PlatformData:
    """Every platform's copy of ``school`` with differences injected, deterministically."""
    rates = rates or Rates()
    rng = random.Random(f"views:{seed}:{school.school_year}")
    data = PlatformData()
    data.vnedu = _vnedu_copy(school, rng)
    data.portal = _portal_copy(school)
    injector = _Injector(school, data, rng)
    kinds = [k for k, rate in asdict(rates).items() if rate > 0]
    weights = [getattr(rates, k) for k in kinds]
    # Students the CSDL has not seen yet differ by that alone: nothing else is injected into them,
    # so that every injected difference can be seen by comparing the platforms.
    chosen = [
        (student, rng.choices(kinds, weights=weights)[0])
        for student in school.students
        if kinds and rng.random() < sum(weights) and student.ministry_id
    ]
    for student, kind in chosen:
        if kind in _SCORE_KINDS:
            getattr(injector, kind)(student)
    data.csdl = _csdl_copy(school, data.vnedu, rng)
    for student, kind in chosen:
        if kind not in _SCORE_KINDS:
            getattr(injector, kind)(student)
    return data


def as_stored(school: School, data: PlatformData) -> dict:
    """Every platform's copy (and the teachers' gradebooks for semester I) as lienthong stores its
    pulls and reconciliation reads them: source → entity → key → payload."""
    gradebook = {
        f"{s.vnedu_id}:{code}:1": {
            "ma_hoc_sinh": s.vnedu_id,
            "ma_mon": code,
            "hoc_ky": 1,
            "ddg_tx": sems["hk1"]["tx"],
            "ddg_gk": sems["hk1"]["gk"],
            "ddg_ck": sems["hk1"]["ck"],
        }
        for s in school.students
        for code, sems in s.scores.items()
    }
    joined = {
        entity: {":".join(str(part) for part in key): value for key, value in data.vnedu[entity].items()}
        for entity in ("diem", "diem_danh", "hanh_kiem")
    }
    return {
        "gradebook": {"diem": gradebook},
        "vnedu": {"hoc_sinh": data.vnedu["hoc_sinh"], **joined},
        "csdl": {
            "hoc_sinh": data.csdl["hoc_sinh"],
            "ket_qua": {f"{k[0]}:{k[1]}": v for k, v in data.csdl["ket_qua"].items()},
        },
    }
