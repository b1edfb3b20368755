"""What a học bạ holds, and how one school year of it is computed from canonical data.

The content is the paper transcript's (../shared/contracts/hocba-xml.md): the student, then one
block per school year at this school with each subject's semester and year values, the year's
results and the confirmation. Every value is computed by the assessment engine (Circular 22)
from the canonical score sheets, training levels and absences: nothing is typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Iterable

from lienthong.assessment.engine import SemesterScores, StudentYear, SubjectYear, assess_student
from lienthong.mapping import catalogs
from lienthong.mapping.canonical import Level, Mark, ScoreSheet, Student


class IncompleteYear(ValueError):
    """A year that cannot be written yet: a required assessment or input is missing."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__(
            f"Chưa đủ dữ liệu để lập học bạ: thiếu {', '.join(missing[:6])}{'…' if len(missing) > 6 else ''}."
        )


@dataclass(frozen=True)
class Pupil:
    """The student block (``HocSinh``)."""

    ministry_id: str
    full_name: str
    gender: str  # "Nam" / "Nữ"
    birth_date: date
    ethnicity: str  # the catalog's name ("Kinh")
    school_code: str
    school_name: str
    personal_id: str | None = None
    birthplace: str | None = None


@dataclass(frozen=True)
class SubjectLine:
    """One subject's row (``Mon``): values as the XML writes them (``8.5``, ``Đ``)."""

    code: str
    name: str
    hk1: str
    hk2: str
    cn: str
    teacher: str = ""
    comment: str | None = None
    retest: str | None = None  # the result after a summer re-test (``KiemTraLai``)


@dataclass(frozen=True)
class YearResults:
    """The year's results (``KetQua``)."""

    learning_hk1: str
    learning_hk2: str
    learning_cn: str
    training_hk1: str
    training_hk2: str
    training_cn: str
    absences: int
    promotion: str
    title: str | None = None
    gvcn_comment: str = ""


@dataclass(frozen=True)
class Correction:
    """A change made to a signed year, with the principal's approval (``DieuChinh``)."""

    field: str  # "TOAN/CN", "KetQua/HocTapCN"
    old: str
    new: str
    reason: str
    approved_by: str  # the approving account's name and login
    day: date


@dataclass(frozen=True)
class TranscriptYear:
    """One school year (``NamHoc``)."""

    school_year: str
    class_code: str
    grade: int
    subjects: tuple[SubjectLine, ...]
    results: YearResults
    gvcn: str  # the names the confirmation prints (``XacNhan``)
    principal: str
    day: date
    corrections: tuple[Correction, ...] = ()

    @property
    def element_id(self) -> str:
        return f"nh-{self.school_year}"

    def values(self) -> dict[str, str]:
        """Every value of the year by a stable name, for comparing two versions."""
        out: dict[str, str] = {"Lop": self.class_code}
        for line in self.subjects:
            for period in ("hk1", "hk2", "cn"):
                out[f"{line.code}/{period.upper()}"] = getattr(line, period)
            if line.retest:
                out[f"{line.code}/KiemTraLai"] = line.retest
        r = self.results
        out.update(
            {
                "KetQua/HocTapHK1": r.learning_hk1,
                "KetQua/HocTapHK2": r.learning_hk2,
                "KetQua/HocTapCN": r.learning_cn,
                "KetQua/RenLuyenHK1": r.training_hk1,
                "KetQua/RenLuyenHK2": r.training_hk2,
                "KetQua/RenLuyenCN": r.training_cn,
                "KetQua/SoBuoiNghi": str(r.absences),
                "KetQua/LenLop": r.promotion,
                "KetQua/DanhHieu": r.title or "",
            }
        )
        return out


@dataclass(frozen=True)
class Transcript:
    pupil: Pupil
    years: tuple[TranscriptYear, ...]
    version: int = 1
    replaces: str | None = None  # SHA-256 of the version this one replaces
    extra: dict = field(default_factory=dict)


def pupil_of(student: Student, school_code: str, school_name: str, birthplace: str | None = None) -> Pupil:
    """The student block from a canonical student (the identity source's, which holds the Mã định danh)."""
    if not student.ministry_id:
        raise IncompleteYear(["mã định danh của học sinh"])
    return Pupil(
        ministry_id=student.ministry_id,
        full_name=student.full_name,
        gender=catalogs.gender(student.gender.value, field=None).name,
        birth_date=student.birth_date,
        ethnicity=catalogs.ethnicity(student.ethnicity_code, field=None).name,
        school_code=school_code,
        school_name=school_name,
        personal_id=student.personal_id,
        birthplace=birthplace,
    )


def _engine_value(value: Decimal | Mark | None) -> Decimal | str | None:
    return value.value if isinstance(value, Mark) else value


def semester_scores(sheet: ScoreSheet | None) -> SemesterScores | None:
    if sheet is None:
        return None
    return SemesterScores(
        tx=tuple(_engine_value(v) for v in sheet.tx if v is not None),
        gk=_engine_value(sheet.gk),
        ck=_engine_value(sheet.ck),
    )


def _shown(value: Decimal | str | None) -> str | None:
    if value is None:
        return None
    return f"{value.quantize(Decimal('0.1'))}" if isinstance(value, Decimal) else value


_KIND_WORDS = {"tx": "điểm thường xuyên", "gk": "điểm giữa kỳ", "ck": "điểm cuối kỳ"}


def _missing_words(missing) -> list[str]:
    words = []
    for m in missing:
        semester = {"hk1": "học kỳ I", "hk2": "học kỳ II", "cn": "cả năm"}.get(m.semester, m.semester)
        if m.kind == "training":
            words.append(f"rèn luyện {semester}")
        elif m.kind == "absences":
            words.append("số buổi nghỉ")
        else:
            words.append(f"{_KIND_WORDS.get(m.kind, m.kind)} môn {m.subject} {semester}")
    return words


def build_year(
    school_year: str,
    class_code: str,
    sheets: Iterable[ScoreSheet],
    training: dict[str, Level | str],
    absences: int,
    gvcn: str,
    principal: str,
    day: date,
    gvcn_comment: str = "",
    teachers: dict[str, str] | None = None,
) -> TranscriptYear:
    """One school year of a transcript from the student's canonical records of that year.

    Args:
        sheets: the score sheets (both semesters, every subject) of the year.
        training: the homeroom teacher's training level by semester (``"1"``, ``"2"``).
        absences: sessions missed in the year (excused and unexcused).
        teachers: subject code → the subject teacher's name, where known.

    Raises:
        IncompleteYear: a required assessment, a training level or the absences are missing.
    """
    grade = int(class_code[0])
    by_subject: dict[str, dict[str, ScoreSheet]] = {}
    comments: dict[str, str] = {}
    for sheet in sheets:
        if sheet.school_year != school_year:
            continue
        by_subject.setdefault(sheet.subject_code, {})[sheet.semester.value] = sheet
        if sheet.comment:
            comments[sheet.subject_code] = sheet.comment
    subjects = tuple(
        SubjectYear(code, semester_scores(sem.get("1")), semester_scores(sem.get("2")))
        for code, sem in by_subject.items()
    )
    levels = {k: getattr(v, "value", v) for k, v in training.items()}
    year = assess_student(
        StudentYear(school_year, grade, subjects, levels.get("1"), levels.get("2"), absences if absences >= 0 else None)
    )
    if year.missing:
        raise IncompleteYear(_missing_words(year.missing))
    lines = []
    for code in catalogs.subjects():  # the catalog's order, as the paper book prints it
        values = year.subjects.get(code)
        if values is None:
            continue
        lines.append(
            SubjectLine(
                code=code,
                name=catalogs.subject(code).name,
                hk1=_shown(values["hk1"]) or "",
                hk2=_shown(values["hk2"]) or "",
                cn=_shown(values["cn"]) or "",
                teacher=(teachers or {}).get(code, ""),
                comment=comments.get(code),
            )
        )
    results = YearResults(
        learning_hk1=year.learning["hk1"] or "",
        learning_hk2=year.learning["hk2"] or "",
        learning_cn=year.learning["cn"] or "",
        training_hk1=year.training["hk1"] or "",
        training_hk2=year.training["hk2"] or "",
        training_cn=year.training["cn"] or "",
        absences=absences,
        promotion=year.promotion or "",
        title=year.title,
        gvcn_comment=gvcn_comment,
    )
    return TranscriptYear(school_year, class_code, grade, tuple(lines), results, gvcn, principal, day)
