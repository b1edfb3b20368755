"""A lower-secondary school as the Excel files it really keeps, with known differences (issue 15).

Written from the facts in issue 15, ``../shared/domain.md`` and the contracts (``vnedu.md``,
``csdl.md``), not from ``simulators/``: an independent picture of what an Excel-only school
uploads, so that the importer and the reconciliation are tested against files they were not
written alongside.

`make_school` draws a school (seeded: the same seed gives the same school, byte for byte):
classes ``6A1 … 9A<n>``, students with Vietnamese names (diacritics), birth dates, the ministry's
10-digit ID, the 12-digit personal ID and vnEdu's own 10-digit code; every TX/GK/CK of the
twelve subjects in both semesters as the teachers gave them (the number of ĐĐGtx per Circular
22: by periods, 2 for comment subjects); training levels; absences day by day. The results the
platforms hold are computed here with Circular 22 as ``domain.md`` states it (an oracle written
apart from ``assessment/``).

`inject` then makes the platforms differ from the teachers' truth in known places and records
each one (`Injected`, with the discrepancy the reconciliation must report), and adds decoys that
must raise nothing (NFD names, old-style tone marks, ``Ð`` typed for ``Đ``, ``·`` in a name,
IDs stored as numbers, ``Miễn``/``-`` cells, notes with ``× ½ ° ²``, an exempt student).

`write_files` writes what such a school has:

- teachers' gradebooks in three layouts: by name only (``TT | Họ tên học sinh | TX1 … | Giữa kì
  | Cuối kì``, Toán), by the ministry's ID (``Mã định danh`` or ``MSHS``, extra columns ``Tên lớp``,
  ``Email``, ``Điểm cộng/trừ``, split parts ``GKTN | GKTH | CKTN | CKTH`` with two decimals,
  Khoa học tự nhiên), by vnEdu's code under a two-row header (``ĐĐGtx`` over ``TX1 … TX4``,
  Tiếng Anh); one sheet per class, one file per semester;
- vnEdu's ``Sổ điểm môn học`` (one file per subject and semester, one sheet per class, two-row
  header, hidden ``ID``; some ``.xls``), with blanks in required assessments;
- vnEdu's real summaries ``BẢNG TỔNG HỢP KẾT QUẢ GIÁO DỤC …`` per grade and period (one sheet per
  class, ``Buổi nghỉ`` over ``P | K | Tổng``, sub-row ``(HS 1)``/``(N.xét)``, abbreviated
  subjects, component columns, ``Miễn``/``-``), semester I and the year as ``.xls``, semester II
  as ``.xlsx``;
- vnEdu's absence export ``THỐNG KÊ CHI TIẾT NỀ NẾP CỦA HỌC SINH`` (``.xls``);
- the CSDL's student lists as two provinces' templates (no ``Mã lớp``; ``Lớp học``/``Khối học`` or
  ``Trường`` + ``Lớp``; the ID headers' variants; ``Số CCCD``; notes and line breaks in headers;
  dates as Excel serials; NFD names; catalog and instruction sheets);
- the CSDL's learning results, one sheet per grade and semester (and the year).

Each file is described by a `FileOut`: its sheets (read or skipped), the columns the generator
added that the tool has no use for (they must be reported as unused) and the arguments it needs
(``--map`` for the split parts).
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

SCHOOL_YEAR = "2025-2026"
START = 2025
SCHOOL = "TRƯỜNG THCS NGUYỄN TRÃI"
DEPARTMENT = "SỞ GIÁO DỤC VÀ ĐÀO TẠO HÀ NỘI"
SEMESTER_DAYS = {"1": (date(2025, 9, 8), date(2026, 1, 9)), "2": (date(2026, 1, 19), date(2026, 5, 22))}
MAP_SPLIT = "GK=GKTN+GKTH,CK=CKTN+CKTH"

D = Decimal
ZERO, ONE_PLACE = D(0), D("0.1")


@dataclass(frozen=True)
class Subject:
    code: str  # the catalog's code, as the reconciliation names subjects
    name: str  # the full name (CSDL results, vnEdu score books)
    short: str  # vnEdu's summary header
    by_comment: bool
    periods: tuple[int, int, int, int]  # periods per year in grades 6, 7, 8, 9

    def tx(self, grade: int) -> int:
        """ĐĐGtx per semester (Circular 22): comment subjects 2; by periods ≤35 → 2, ≤70 → 3, more → 4."""
        if self.by_comment:
            return 2
        periods = self.periods[grade - 6]
        return 2 if periods <= 35 else 3 if periods <= 70 else 4


SUBJECTS = (
    Subject("VAN", "Ngữ văn", "Ngữ văn", False, (140, 140, 140, 140)),
    Subject("TOAN", "Toán", "Toán", False, (140, 140, 140, 140)),
    Subject("NN1", "Ngoại ngữ 1", "Ng.Ngữ", False, (105, 105, 105, 105)),
    Subject("GDCD", "Giáo dục công dân", "GDCD", False, (35, 35, 35, 35)),
    Subject("LSDL", "Lịch sử và Địa lí", "LS&ĐL", False, (105, 105, 105, 105)),
    Subject("KHTN", "Khoa học tự nhiên", "KHTN", False, (140, 140, 140, 140)),
    Subject("CN", "Công nghệ", "C.Nghệ", False, (35, 35, 52, 52)),
    Subject("TIN", "Tin học", "Tin", False, (35, 35, 35, 35)),
    Subject("GDTC", "Giáo dục thể chất", "GDTC", True, (70, 70, 70, 70)),
    Subject("NT", "Nghệ thuật", "Nghệ thuật", True, (70, 70, 70, 70)),
    Subject("HDTN", "Hoạt động trải nghiệm, hướng nghiệp", "HĐTN&HN", True, (105, 105, 105, 105)),
    Subject("GDDP", "Nội dung giáo dục của địa phương", "NDGDCĐP", True, (35, 35, 35, 35)),
)
BY_CODE = {s.code: s for s in SUBJECTS}
LEVELS = ("CĐ", "Đ", "K", "T")  # by rank
LEVEL_WORDS = {"T": "Tốt", "K": "Khá", "Đ": "Đạt", "CĐ": "Chưa đạt"}
TITLE_WORDS = {"XS": "Học sinh Xuất sắc", "G": "Học sinh Giỏi"}
PROMOTION_WORDS = {"LL": "Lên lớp", "KTL": "Kiểm tra lại", "RLH": "Rèn luyện hè", "OL": "Ở lại lớp"}
EXEMPT = "Miễn"

FAMILY = (
    "Nguyễn Nguyễn Nguyễn Trần Trần Lê Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Trịnh Mai Tạ"
).split()
MIDDLE = {
    "Nam": "Văn Hữu Đức Minh Quang Gia Bảo Anh Thành Trọng Tuấn Đình Công Duy Hoàng".split(),
    "Nữ": "Thị Thị Ngọc Thu Thanh Minh Khánh Bảo Hoài Phương Mai Kim Thùy Diệu Hải".split(),
}
GIVEN = {
    "Nam": (
        "An Bình Cường Dũng Duy Đạt Giang Hải Hiếu Hòa Hoàng Hùng Huy Khang Khoa Khôi Kiên Lâm Long Lộc Minh Nam "
        "Nghĩa Nhân Phong Phúc Quân Quang Sơn Tài Thắng Thịnh Toàn Trung Tú Tuấn Việt Vinh Vũ Đức Khải Hưng"
    ).split(),
    "Nữ": (
        "An Anh Ánh Châu Chi Dung Giang Hà Hạnh Hằng Hiền Hoa Hòa Hương Lan Linh Loan Mai My Ngân Ngọc Nhi Nhung "
        "Oanh Phương Quỳnh Tâm Thảo Thủy Thúy Trang Trâm Uyên Vân Vy Yến Diệp Huệ"
    ).split(),
}
OLD_STYLE = {"Hòa": "Hoà", "Thủy": "Thuỷ", "Thúy": "Thuý", "Thùy": "Thuỳ"}  # same names, old tone placement
ETHNICITIES = (("01", "Kinh"),) * 18 + (("02", "Tày"), ("06", "Mường"), ("03", "Thái"), ("09", "Dao"), ("04", "Hoa"))
TEACHERS = (
    "Nguyễn Thị Lan Phạm Thu Hằng Trần Văn Bình Lê Thị Hồng Đỗ Minh Tuấn Hoàng Thị Mai Vũ Thanh Hà Bùi Quang Huy "
    "Đặng Thị Ngọc Ngô Văn Sơn Phan Thị Thu Dương Minh Châu Lý Thị Hoa Tạ Quang Vinh Mai Thị Yến Hồ Văn Long"
).split()


def rhu(value: Decimal) -> Decimal:
    """Circular 22's rounding: one decimal, half up, on the exact decimal."""
    return value.quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def eth(text: str) -> str:
    """The name as some keyboards type it: ``Ð`` (U+00D0, Latin Eth) for ``Đ``."""
    return text.replace("Đ", "\u00d0")


def old_style(name: str) -> str:
    return " ".join(OLD_STYLE.get(word, word) for word in name.split())


def fold(text: str) -> str:
    """Folded for sorting and keys in the test: no diacritics, đ → d, lower case."""
    text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d").replace("\u00d0", "D"))
    return " ".join("".join(ch for ch in text if not unicodedata.combining(ch)).lower().split())


def sort_key(name: str) -> tuple:
    """Vietnamese list order: by the given name (last word), then the rest."""
    words = unicodedata.normalize("NFC", name).split()
    return fold(words[-1]), fold(" ".join(words[:-1])), name


def serial(day: date) -> int:
    """An Excel serial date (1 = 1900-01-01, with Excel's leap-year bug)."""
    return (day - date(1899, 12, 30)).days


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def score_text(value: Decimal) -> str:
    """As a teacher types it: ``8,5``, ``7``."""
    return f"{value.normalize():f}".replace(".", ",")


def number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


# --- the school ------------------------------------------------------------------------------


@dataclass
class Marks:
    """One subject and semester of one student: ``tx`` (ĐĐGtx), ``gk``, ``ck``; a value is a
    Decimal, ``"Đ"``/``"CĐ"``, or ``None`` when not given. ``parts``: the split mid- and end-of-term
    tests (``{"gk": (TN, TH), "ck": (TN, TH)}``) where the teacher keeps them."""

    tx: list[Any]
    gk: Any
    ck: Any
    parts: dict[str, tuple[Decimal, Decimal]] | None = None

    def copy(self) -> "Marks":
        return Marks(list(self.tx), self.gk, self.ck, dict(self.parts) if self.parts else None)

    def get(self, cell: str) -> Any:
        return self.tx[int(cell[2:])] if cell.startswith("tx") else getattr(self, cell)

    def set(self, cell: str, value: Any) -> None:
        if cell.startswith("tx"):
            self.tx[int(cell[2:])] = value
        else:
            setattr(self, cell, value)


@dataclass
class Absence:
    day: date
    kind: str  # "P" or "K"
    sessions: tuple[str, ...]  # ("S",), ("C",) or ("S", "C")
    form: str  # "Hình thức" as vnEdu's export writes it
    reason: str


@dataclass
class Student:
    key: str
    name: str  # as the school (vnEdu) and the teachers write it, NFC
    gender: str
    birth: date
    ethnicity: tuple[str, str]
    class_code: str
    vnedu_id: str
    ministry_id: str | None
    personal_id: str | None
    ability: float
    training: dict[str, str] = field(default_factory=dict)  # "1", "2" → level code
    absences: list[Absence] = field(default_factory=list)
    exempt: frozenset[str] = frozenset()
    in_vnedu: bool = True
    in_csdl: bool = True
    csdl_name: str | None = None  # how the CSDL writes the name (a decoy or an injected difference)
    csdl_birth: date | None = None
    csdl_class: str | None = None
    csdl_status: str = "Đang học"
    csdl_personal: str | None = None  # what the CSDL's CCCD cell holds when not the ID ("Chưa có")

    @property
    def grade(self) -> int:
        return int(self.class_code[0])

    def counts(self, semester: str) -> tuple[int, int]:
        """Sessions missed, excused and unexcused, in a semester (``CN``: the year)."""
        excused = unexcused = 0
        for absence in self.absences:
            if semester in ("CN", _semester_of(absence.day)):
                if absence.kind == "P":
                    excused += len(absence.sessions)
                else:
                    unexcused += len(absence.sessions)
        return excused, unexcused


def _semester_of(day: date) -> str:
    return "1" if day <= date(2026, 1, 15) else "2"


@dataclass(frozen=True)
class Injected:
    """One difference the generator made, and what the reconciliation must report for it.

    ``signature``: (kind, student key, subject, semester, field) as the test compares found
    discrepancies (`signature_of` in the test)."""

    kind: str
    student: str | None
    subject: str | None
    semester: str | None
    field: str | None
    what: str  # in words, for a failing assertion
    pending: str = ""  # the product behaviour it needs, when the list does not ask for it

    @property
    def signature(self) -> tuple:
        return (self.kind, self.student, self.subject, self.semester, self.field)


@dataclass
class Period:
    """A period's results as vnEdu computed them (and the CSDL received them)."""

    subjects: dict[str, Any]  # code → Decimal average, "Đ"/"CĐ", None (not computable), EXEMPT
    learning: str | None
    training: str | None
    excused: int
    unexcused: int
    title: str | None = None
    promotion: str | None = None


@dataclass
class School:
    seed: int
    classes: list[str]
    students: list[Student]
    homeroom: dict[str, str]
    teacher_marks: dict[tuple[str, str, str], Marks]  # (student, subject, semester) → the teacher's
    vnedu_marks: dict[tuple[str, str, str], Marks]  # as vnEdu holds them
    gradebooks: dict[str, list[str]]  # subject → classes whose teacher's book is in the files
    injected: list[Injected] = field(default_factory=list)
    decoys: list[str] = field(default_factory=list)
    results: dict[str, dict[str, Period]] = field(default_factory=dict)  # vnEdu's, by student and period
    csdl_results: dict[str, dict[str, Period]] = field(default_factory=dict)
    summary_results: dict[str, dict[str, Period]] = field(default_factory=dict)
    namesakes: list[str] = field(default_factory=list)  # two students of one class with one name
    # Names a teacher wrote her own way (no middle name; no tone marks), semester II of the Toán book:
    # (student, class, name written). Linked to the right student, or a doubt; never to another child.
    written_as: list[tuple[str, str, str]] = field(default_factory=list)

    def student(self, key: str) -> Student:
        return self._by_key[key]

    def __post_init__(self) -> None:
        self._by_key = {s.key: s for s in self.students}

    def in_class(self, code: str, vnedu: bool = True) -> list[Student]:
        found = [s for s in self.students if s.class_code == code and (s.in_vnedu if vnedu else s.in_csdl)]
        return sorted(found, key=lambda s: sort_key(s.name))

    def covered(self, subject: str, class_code: str) -> bool:
        return class_code in self.gradebooks.get(subject, [])

    @property
    def expected(self) -> set[tuple]:
        """Every difference injected: what the reconciliation may report."""
        return {i.signature for i in self.injected}

    @property
    def required(self) -> set[tuple]:
        """The differences issue 15's list asks for: what the reconciliation must report."""
        return {i.signature for i in self.injected if not i.pending}


def _digits(rng: random.Random, prefix: str, width: int, taken: set[str]) -> str:
    while True:
        value = prefix + "".join(rng.choice("0123456789") for _ in range(width - len(prefix)))
        if value not in taken:
            taken.add(value)
            return value


def _score(rng: random.Random, mean: float) -> Decimal:
    """A score as teachers give them: mostly whole or half points, sometimes one decimal."""
    raw = min(10.0, max(0.0, rng.gauss(mean, 1.0)))
    value = round(raw * 2) / 2 if rng.random() < 0.8 else round(raw, 1)
    return D(str(value)).quantize(ONE_PLACE)


def _parts(rng: random.Random, mean: float) -> tuple[Decimal, Decimal]:
    """A split test: multiple choice (TN, 0–4, quarter points) and the rest (TH, 0–6, quarter points)."""
    target = min(10.0, max(0.0, rng.gauss(mean, 1.0)))
    tn = min(4.0, max(0.0, round(target * 0.4 * 4) / 4))
    th = min(6.0, max(0.0, round((target - tn) * 4) / 4))
    return D(str(tn)).quantize(D("0.01")), D(str(th)).quantize(D("0.01"))


def _mark(rng: random.Random, ability: float) -> str:
    return "CĐ" if rng.random() < (0.12 if ability < 5 else 0.01) else "Đ"


def make_school(seed: int = 15, per_grade: int = 2, per_class: int = 30) -> School:
    """A school of ``4 × per_grade`` classes of ``per_class`` students, all its marks, levels and
    absences, with nothing injected yet (see `inject`)."""
    rng = random.Random(seed)
    classes = [f"{grade}A{i}" for grade in range(6, 10) for i in range(1, per_grade + 1)]
    homeroom = {c: " ".join(TEACHERS[(3 * i + k) % len(TEACHERS)] for k in range(3)) for i, c in enumerate(classes)}
    ministry, personal, vnedu = set(), set(), set()
    students: list[Student] = []
    for code in classes:
        grade = int(code[0])
        names: set[str] = set()
        for _ in range(per_class):
            gender = rng.choice(("Nam", "Nữ"))
            while True:
                name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"
                if name not in names:
                    names.add(name)
                    break
            born_year = START - grade - 5  # grade 6 in 2025-2026: born in 2014
            birth = date(born_year, 1, 1) + timedelta(days=rng.randrange(365))
            century = "2" if gender == "Nam" else "3"  # CCCD: gender and century digit, then the year
            students.append(
                Student(
                    key=f"HS{len(students) + 1:04d}",
                    name=name,
                    gender=gender,
                    birth=birth,
                    ethnicity=rng.choice(ETHNICITIES),
                    class_code=code,
                    vnedu_id=_digits(rng, "18", 10, vnedu),
                    ministry_id=_digits(rng, "01", 10, ministry),  # Hà Nội: the province code 01 leads
                    personal_id=_digits(rng, f"001{century}{born_year % 100:02d}", 12, personal),
                    ability=min(9.6, max(3.6, rng.gauss(7.2, 1.2))),
                )
            )
    school = School(seed, classes, students, homeroom, {}, {}, _gradebook_classes(classes))
    for s in students:
        for semester in ("1", "2"):
            s.training[semester] = rng.choices(LEVELS, weights=(1, 8, 30, 61))[0]
            for subject in SUBJECTS:
                mean = s.ability + rng.gauss(0, 0.6)
                if subject.by_comment:
                    marks = Marks([_mark(rng, s.ability) for _ in range(subject.tx(s.grade))], "Đ", "Đ")
                    marks.gk, marks.ck = _mark(rng, s.ability), _mark(rng, s.ability)
                else:
                    marks = Marks([_score(rng, mean) for _ in range(subject.tx(s.grade))], None, None)
                    if subject.code == "KHTN":  # the teachers keep its tests in two parts
                        marks.parts = {"gk": _parts(rng, mean), "ck": _parts(rng, mean)}
                        marks.gk, marks.ck = (rhu(sum(marks.parts[t], ZERO)) for t in ("gk", "ck"))
                    else:
                        marks.gk, marks.ck = _score(rng, mean), _score(rng, mean)
                school.teacher_marks[(s.key, subject.code, semester)] = marks
        s.absences = _absences(rng, s)
    school.vnedu_marks = {k: m.copy() for k, m in school.teacher_marks.items()}
    return school


def _gradebook_classes(classes: list[str]) -> dict[str, list[str]]:
    """Which classes' teachers' books are in the files: Toán (by name) in grades 6–7, Khoa học tự
    nhiên (by ministry ID, split tests) in grades 8–9, Tiếng Anh (by vnEdu code) in every other class."""
    return {
        "TOAN": [c for c in classes if c[0] in "67"],
        "KHTN": [c for c in classes if c[0] in "89"],
        "NN1": [c for c in classes if (int(c[0]) + int(c[2:])) % 2 == 1],
    }


ABSENCE_FORMS = {
    ("P", ("S", "C")): "Nghỉ học có phép cả ngày (P)",
    ("P", ("S",)): "Nghỉ học có phép sáng (CP)",
    ("P", ("C",)): "Nghỉ học có phép buổi chiều (CP)",
    ("K", ("S", "C")): "Nghỉ học không phép cả ngày (K)",
    ("K", ("S",)): "Nghỉ học không phép buổi sáng (KP)",
}
REASONS = ("Ốm", "Sốt", "Việc gia đình", "Đi khám bệnh", "", "")


def _absences(rng: random.Random, student: Student) -> list[Absence]:
    """A few days missed per semester (the school teaches mornings and afternoons: a whole day is two sessions)."""
    out: list[Absence] = []
    taken: set[date] = set()
    for first, last in SEMESTER_DAYS.values():
        for _ in range(rng.choices((0, 1, 2, 3, 4), weights=(40, 25, 18, 10, 7))[0]):
            while True:
                day = first + timedelta(days=rng.randrange((last - first).days + 1))
                if day.weekday() < 5 and day not in taken:
                    taken.add(day)
                    break
            kind = "P" if rng.random() < 0.75 else "K"
            sessions = rng.choice((("S", "C"), ("S",), ("C",))) if kind == "P" else rng.choice((("S", "C"), ("S",)))
            out.append(Absence(day, kind, sessions, ABSENCE_FORMS[(kind, sessions)], rng.choice(REASONS)))
    return sorted(out, key=lambda a: a.day)


# --- Circular 22, as domain.md states it (the oracle) ---------------------------------------------


def semester_value(subject: Subject, marks: Marks, grade: int) -> Any:
    """Đ/CĐ (a comment subject: Đạt only when every required assessment exists and all are Đ), the
    average half-up to 0.1, or ``None`` for a score subject missing a required assessment."""
    tx = [v for v in marks.tx if v is not None]
    complete = len(tx) >= subject.tx(grade) and marks.gk is not None and marks.ck is not None
    if subject.by_comment:
        return "Đ" if complete and all(v == "Đ" for v in (*tx, marks.gk, marks.ck)) else "CĐ"
    if not complete:
        return None
    return rhu((sum(tx, ZERO) + 2 * marks.gk + 3 * marks.ck) / (len(tx) + 5))


def _meets(level: str, scores: list[Decimal], marks: list[str]) -> bool:
    if level == "T":
        return "CĐ" not in marks and all(s >= D("6.5") for s in scores) and sum(s >= 8 for s in scores) >= 6
    if level == "K":
        return "CĐ" not in marks and all(s >= 5 for s in scores) and sum(s >= D("6.5") for s in scores) >= 6
    if level == "Đ":
        return marks.count("CĐ") <= 1 and sum(s >= 5 for s in scores) >= 6 and all(s >= D("3.5") for s in scores)
    return True


def learning_level(scores: list[Decimal], marks: list[str]) -> str:
    """Điều 9 k.2, and k.3: two or more levels below Tốt or Khá because of one single subject
    (without it, Tốt or Khá holds) → one level up."""
    level = next(lv for lv in ("T", "K", "Đ", "CĐ") if _meets(lv, scores, marks))
    rank = LEVELS.index(level)
    for target in ("T", "K"):
        if rank > LEVELS.index(target) - 2:
            continue
        without = [(scores[:i] + scores[i + 1 :], marks) for i in range(len(scores))]
        without += [(scores, marks[:i] + marks[i + 1 :]) for i in range(len(marks))]
        if any(_meets(target, s, m) for s, m in without):
            return LEVELS[rank + 1]
    return level


def year_training(first: str, second: str) -> str:
    """Điều 8, the table in domain.md (semester II, semester I)."""
    at_least = {lv: LEVELS[LEVELS.index(lv) :] for lv in LEVELS}
    if second == "T":
        return "T" if first in at_least["K"] else "K"
    if second == "K":
        return "K" if first in at_least["Đ"] else "Đ"
    if second == "Đ":
        return "K" if first == "T" else "Đ"
    return "CĐ"


def assess(school: School, student: Student, marks: dict[tuple[str, str, str], Marks]) -> dict[str, Period]:
    """A student's periods (``1``, ``2``, ``CN``) computed from ``marks`` as vnEdu computes them."""
    out: dict[str, Period] = {}
    values: dict[str, dict[str, Any]] = {}
    for semester in ("1", "2"):
        values[semester] = {
            s.code: EXEMPT
            if s.code in student.exempt
            else semester_value(s, marks[(student.key, s.code, semester)], student.grade)
            for s in SUBJECTS
        }
    year: dict[str, Any] = {}
    for s in SUBJECTS:
        first, second = values["1"][s.code], values["2"][s.code]
        if EXEMPT in (first, second):
            year[s.code] = EXEMPT
        elif s.by_comment:
            year[s.code] = second  # the year's result of a comment subject is semester II's
        elif first is None or second is None:
            year[s.code] = None
        else:
            year[s.code] = rhu((first + 2 * second) / 3)
    values["CN"] = year
    training = dict(student.training)
    training["CN"] = year_training(student.training["1"], student.training["2"])
    for period, found in values.items():
        kept = {c: v for c, v in found.items() if v != EXEMPT}
        level = None
        if all(v is not None for v in kept.values()):
            level = learning_level(
                [v for v in kept.values() if isinstance(v, Decimal)], [v for v in kept.values() if isinstance(v, str)]
            )
        excused, unexcused = student.counts(period)
        out[period] = Period(dict(found), level, training[period], excused, unexcused)
    year_period = out["CN"]
    if year_period.learning is not None:
        scores = [v for v in year.values() if isinstance(v, Decimal)]
        if year_period.learning == "T" and year_period.training == "T":
            year_period.title = "XS" if sum(v >= 9 for v in scores) >= 6 else "G"
        total = year_period.excused + year_period.unexcused
        year_period.promotion = (
            "OL"
            if total > 45
            else "RLH"
            if year_period.training == "CĐ"
            else "KTL"
            if year_period.learning == "CĐ"
            else "LL"
        )
    return out


def _copy_periods(periods: dict[str, Period]) -> dict[str, Period]:
    return {
        p: Period(dict(v.subjects), v.learning, v.training, v.excused, v.unexcused, v.title, v.promotion)
        for p, v in periods.items()
    }


# --- differences and decoys ------------------------------------------------------------------------


def _typo(rng: random.Random, value: Decimal) -> Decimal:
    """A slip typing a score into vnEdu: digits swapped (7,5 → 5,7) or a neighbouring key."""
    text = f"{value:f}"
    if "." in text and text[-1] != "0" and text[0] != text[-1]:
        swapped = D(f"{text[-1]}.{text[0]}")
        if swapped <= 10:
            return swapped
    while True:
        other = value + D(rng.choice((-3, -2, -1, 1, 2, 3)))
        if ZERO <= other <= 10:
            return other


class _Picker:
    """Students for the injections, each used once, never a special one."""

    def __init__(self, school: School, rng: random.Random):
        self.school, self.rng, self.used = school, rng, set(school.namesakes)
        self.used |= {s.key for s in school.students if s.exempt or not s.in_vnedu or not s.in_csdl}

    def __call__(self, where=lambda s: True) -> Student:
        pool = [s for s in self.school.students if s.key not in self.used and s.in_vnedu and s.in_csdl and where(s)]
        chosen = self.rng.choice(pool)
        self.used.add(chosen.key)
        return chosen


def inject(school: School, seed: int | None = None) -> School:
    """Make the platforms differ from the teachers' truth in known places, add the decoys, then
    compute what vnEdu and the CSDL hold (`assess`), and record every difference made."""
    rng = random.Random(seed if seed is not None else school.seed + 1)
    _special_students(school, rng)
    pick = _Picker(school, rng)
    add = school.injected.append
    covered = school.covered

    def set_vnedu(student: Student, subject: str, semester: str, cell: str, value: Any) -> Any:
        marks = school.vnedu_marks[(student.key, subject, semester)]
        before = marks.get(cell)
        marks.set(cell, value)
        return before

    # Scores typed wrong into vnEdu (the teacher's book is right): score_mismatch.
    for subject, semester, cell in (
        ("TOAN", "1", "tx2"),
        ("TOAN", "2", "ck"),
        ("KHTN", "2", "tx0"),
        ("NN1", "1", "tx3"),
        ("NN1", "2", "gk"),
    ):
        s = pick(lambda s, subject=subject: covered(subject, s.class_code))
        teacher = school.teacher_marks[(s.key, subject, semester)].get(cell)
        typed = _typo(rng, teacher)
        set_vnedu(s, subject, semester, cell, typed)
        add(
            Injected(
                "score_mismatch", s.key, subject, semester, cell, f"{subject} HK{semester} {cell}: {teacher}→{typed}"
            )
        )
    # A split test summed and truncated instead of rounded (2,75 + 3,50 = 6,25: 6,3 in the book, 6,2 in vnEdu).
    s = pick(lambda s: covered("KHTN", s.class_code))
    marks = school.teacher_marks[(s.key, "KHTN", "1")]
    marks.parts["gk"] = (D("2.75"), D("3.50"))
    marks.gk = D("6.3")
    school.vnedu_marks[(s.key, "KHTN", "1")].parts = dict(marks.parts)
    set_vnedu(s, "KHTN", "1", "gk", D("6.2"))
    add(Injected("score_mismatch", s.key, "KHTN", "1", "gk", "KHTN HK1 gk: 2,75+3,50=6,25 → 6,3; vnEdu 6,2"))
    # A score the teacher gave, left blank in vnEdu: missing_score (the gradebook has it).
    for subject, semester, cell in (("TOAN", "1", "tx3"), ("KHTN", "2", "ck")):
        s = pick(lambda s, subject=subject: covered(subject, s.class_code))
        set_vnedu(s, subject, semester, cell, None)
        add(Injected("missing_score", s.key, subject, semester, cell, f"{subject} HK{semester} {cell} blank in vnEdu"))
    # Required assessments blank in vnEdu, no teacher's book of them in the files: missing_score.
    for subject, semester, cell, where in (
        ("VAN", "1", "tx1", lambda s: True),
        ("GDTC", "2", "tx0", lambda s: True),
        ("GDCD", "2", "gk", lambda s: True),
        ("TOAN", "1", "gk", lambda s: not covered("TOAN", s.class_code)),
    ):
        s = pick(where)
        set_vnedu(s, subject, semester, cell, None)
        add(Injected("missing_score", s.key, subject, semester, cell, f"{subject} HK{semester} {cell} blank in vnEdu"))
    # Blank in vnEdu and in the teacher's book too (the student missed the test): still missing_score.
    s = pick(lambda s: covered("TOAN", s.class_code))
    set_vnedu(s, "TOAN", "2", "tx1", None)
    school.teacher_marks[(s.key, "TOAN", "2")].set("tx1", None)
    add(Injected("missing_score", s.key, "TOAN", "2", "tx1", "TOAN HK2 tx1 blank in vnEdu and the gradebook"))

    # Bio, class, students on one side only (CSDL against vnEdu).
    s = pick(lambda s: "Ngọc" in s.name or s.name.split()[-1] in ("Anh", "Minh", "Huy", "Linh", "An"))
    s.csdl_name = _misspelt(s.name)
    add(Injected("bio_mismatch", s.key, None, None, "ho_ten", f"CSDL writes «{s.csdl_name}» for «{s.name}»"))
    s = pick(lambda s: s.birth.day <= 12 and s.birth.day != s.birth.month)
    s.csdl_birth = date(s.birth.year, s.birth.day, s.birth.month)
    add(Injected("bio_mismatch", s.key, None, None, "ngay_sinh", f"CSDL {dmy(s.csdl_birth)}, vnEdu {dmy(s.birth)}"))
    s = pick()
    s.csdl_class = next(c for c in school.classes if c[0] == s.class_code[0] and c != s.class_code)
    add(Injected("class_mismatch", s.key, None, None, "ma_lop", f"CSDL {s.csdl_class}, vnEdu {s.class_code}"))
    for s in school.students:
        if not s.in_csdl:
            add(Injected("missing_student", s.key, None, None, None, "in vnEdu only: no ministry ID yet"))
        if not s.in_vnedu:
            add(Injected("missing_student", s.key, None, None, None, "in the CSDL only: left, vnEdu updated"))

    # Results: vnEdu computes them from what it holds; the CSDL received them; then the slips.
    for s in school.students:
        if s.in_vnedu:
            school.results[s.key] = assess(school, s, school.vnedu_marks)
    for key, periods in school.results.items():
        school.csdl_results[key] = _copy_periods(periods)
        school.summary_results[key] = _copy_periods(periods)
    complete = lambda s: all(p.learning is not None for p in school.results[s.key].values())  # noqa: E731

    s = pick(complete)
    period = school.csdl_results[s.key]["1"]
    code = rng.choice([c for c, v in period.subjects.items() if isinstance(v, Decimal) and v < 10])
    period.subjects[code] += ONE_PLACE
    add(Injected("average_mismatch", s.key, code, "1", None, f"CSDL HK1 {code} {period.subjects[code]}"))
    s = pick(complete)
    period = school.csdl_results[s.key]["CN"]
    code = rng.choice([c for c, v in period.subjects.items() if isinstance(v, Decimal) and v > 0])
    period.subjects[code] -= ONE_PLACE
    add(Injected("average_mismatch", s.key, code, "CN", None, f"CSDL CN {code} {period.subjects[code]}"))
    s = pick(complete)
    period = school.csdl_results[s.key]["2"]
    period.learning = _other_level(period.learning)
    add(Injected("result_mismatch", s.key, None, "2", "csdl:KetQuaHocTap", f"CSDL HK2 learning {period.learning}"))
    s = pick(complete)
    period = school.csdl_results[s.key]["CN"]
    period.learning = _other_level(period.learning)
    add(Injected("result_mismatch", s.key, None, "CN", "csdl:KetQuaHocTap", f"CSDL CN learning {period.learning}"))
    s = pick(complete)
    period = school.csdl_results[s.key]["CN"]
    period.training = _other_level(period.training)
    add(Injected("result_mismatch", s.key, None, "CN", "csdl:KetQuaRenLuyen", f"CSDL CN training {period.training}"))
    s = pick(lambda s: complete(s) and school.results[s.key]["CN"].title == "G")
    school.summary_results[s.key]["CN"].title = "XS"
    add(Injected("result_mismatch", s.key, None, "CN", "vnedu_tonghop:DanhHieu", "vnEdu CN summary: XS for G"))

    # A semester's training level in the CSDL other than the GVCN's in vnEdu's semester summary.
    s = pick(complete)
    period = school.csdl_results[s.key]["1"]
    period.training = _other_level(period.training)
    add(
        Injected(
            "result_mismatch",
            s.key,
            None,
            "1",
            "csdl:KetQuaRenLuyen",
            f"CSDL HK1 training {period.training}, vnEdu's HK1 summary {school.results[s.key]['1'].training}",
            pending="the training levels of vnEdu's semester summaries (KQ rèn luyện per semester) compared "
            "with the CSDL's semester results",
        )
    )

    # Absences: the CSDL's counts against vnEdu's attendance (the export) and its year summary.
    s = pick()
    school.csdl_results[s.key]["1"].excused += 1
    add(Injected("absence_mismatch", s.key, None, "1", None, "CSDL HK1 one excused session more"))
    s = pick(lambda s: s.counts("2")[1] > 0)
    school.csdl_results[s.key]["2"].unexcused -= 1
    add(Injected("absence_mismatch", s.key, None, "2", None, "CSDL HK2 one unexcused session fewer"))
    s = pick()
    school.csdl_results[s.key]["CN"].excused += 2
    add(Injected("absence_mismatch", s.key, None, "CN", None, "CSDL CN two excused sessions more than vnEdu's"))

    # The Toán teacher's own spelling in semester II: no middle name; no tone marks (Telex off).
    s = pick(lambda s: covered("TOAN", s.class_code) and len(s.name.split()) >= 3)
    words = s.name.split()
    school.written_as.append((s.key, s.class_code, f"{words[0]} {words[-1]}"))
    s = pick(lambda s: covered("TOAN", s.class_code) and fold(s.name) != s.name.lower())
    plain = "".join(ch for ch in unicodedata.normalize("NFD", s.name.replace("Đ", "D").replace("đ", "d")))
    school.written_as.append((s.key, s.class_code, "".join(ch for ch in plain if not unicodedata.combining(ch))))
    _decoys(school, rng)
    return school


def _misspelt(name: str) -> str:
    """The name the CSDL holds after a slip: one tone mark different (Anh → Ánh) — another name."""
    words = name.split()
    swaps = {"Anh": "Ánh", "Minh": "Mính", "Huy": "Hủy", "Linh": "Lính", "An": "Ân", "Ngọc": "Ngộc"}
    for i in range(len(words) - 1, -1, -1):
        if words[i] in swaps:
            words[i] = swaps[words[i]]
            return " ".join(words)
    raise AssertionError(name)


def _other_level(level: str | None) -> str:
    rank = LEVELS.index(level)
    return LEVELS[rank - 1] if rank > 0 else LEVELS[rank + 1]


def _special_students(school: School, rng: random.Random) -> None:
    """Namesakes in a class whose Toán book keys rows by name; a student exempt from physical
    education; a new student vnEdu has but the CSDL has not issued an ID to; one the CSDL still
    lists though vnEdu took her off; a name with ``·`` (a Jrai name)."""
    first = school.classes[0]  # 6A1: Toán by name, Tiếng Anh by vnEdu code
    girls = [s for s in school.students if s.class_code == first and s.gender == "Nữ"]
    pair = [s for s in girls if s.name != "Nguyễn Minh Anh"][:2]
    for s in pair:
        s.name = "Nguyễn Minh Anh"
    school.namesakes = [s.key for s in pair]
    school.injected.append(
        Injected(
            "identity_doubt", None, None, None, f"{first}:{fold(pair[0].name)}", "two rows of one name in the Toán book"
        )
    )
    school.decoys.append(
        f"namesakes {pair[0].key}, {pair[1].key} in {first}: doubts in the Toán book, linked elsewhere"
    )
    exempt = rng.choice([s for s in school.students if s.key not in school.namesakes])
    exempt.exempt = frozenset({"GDTC"})
    school.decoys.append(f"{exempt.key} exempt from GDTC: «Miễn» in vnEdu's books and summaries")
    ksor = [s for s in school.students if s.class_code == school.classes[-1] and s.key != exempt.key][0]
    ksor.name, ksor.gender, ksor.ethnicity = "Siu H·Bia", "Nữ", ("10", "Gia-rai")
    school.decoys.append(f"{ksor.key} named «Siu H·Bia»: a middle dot, not TCVN3")
    khtn = school.gradebooks["KHTN"]
    new = [s for s in school.students if s.class_code == khtn[-1] and s.key not in (exempt.key, ksor.key)][-1]
    new.in_csdl, new.ministry_id = False, None
    gone_class = school.classes[2]
    gone = [s for s in school.students if s.class_code == gone_class and s.key != exempt.key][-1]
    gone.in_vnedu = False
    school.injected.append(
        Injected(
            "identity_doubt",
            None,
            None,
            None,
            f"{gone_class}:{fold(gone.name)}",
            "a row of the Toán HK1 book for a student vnEdu no longer has",
        )
    )


def _decoys(school: School, rng: random.Random) -> None:
    """Differences of writing only, which must raise nothing."""
    for s in school.students:
        given = s.name.split()[-1]
        if given in OLD_STYLE and s.csdl_name is None:
            s.csdl_name = old_style(s.name)
    school.decoys.append("the CSDL writes Hoà/Thuý/Thuỷ/Thuỳ (old tone placement) where vnEdu writes Hòa/Thúy/Thủy")
    plain = [
        s for s in school.students if s.in_csdl and s.in_vnedu and s.key not in {i.student for i in school.injected}
    ]
    no_id = plain[3:5]
    for s in no_id:
        s.csdl_personal = "Chưa có"
    school.decoys.append(f"CCCD «Chưa có» in the CSDL for {', '.join(s.key for s in no_id)}: linked by name and birth")
    moved = plain[6]
    moved.csdl_status = "Chuyển đến"
    school.decoys.append(f"{moved.key} «Chuyển đến» in the CSDL (exports show no status)")


# --- workbooks ---------------------------------------------------------------------------------------


@dataclass
class SheetOut:
    """One sheet as rows of values (``None`` empty; `date` a date cell; a value of `Serial` an Excel serial
    number), merged ranges (0-based, inclusive), hidden columns, and whether the tool must read it."""

    name: str
    rows: list[list[Any]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden: tuple[int, ...] = ()
    read: bool = True
    unused: list[str] = field(default_factory=list)  # headers of this sheet only that carry nothing to use


@dataclass
class FileOut:
    path: Path
    sheets: list[SheetOut]
    kind: str  # the kind the tool must recognise
    unused: list[str] = field(default_factory=list)  # headers the generator added that carry nothing to use
    args: list[str] = field(default_factory=list)  # what `lienthong import` needs for it (``--map``)

    @property
    def name(self) -> str:
        return self.path.name


def write_xlsx(path: Path, sheets: list[SheetOut]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    wrap = Alignment(wrap_text=True, vertical="center")
    for spec in sheets:
        sheet = book.create_sheet(spec.name)
        for r, row in enumerate(spec.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = sheet.cell(row=r, column=c, value=value)
                if isinstance(value, date):
                    cell.number_format = "dd/mm/yyyy"
                elif isinstance(value, str) and "\n" in value:
                    cell.alignment = wrap
        for r1, c1, r2, c2 in spec.merges:
            sheet.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
        for c in spec.hidden:
            sheet.column_dimensions[get_column_letter(c + 1)].hidden = True
    book.save(path)


def write_xls(path: Path, sheets: list[SheetOut]) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    day = xlwt.easyxf(num_format_str="dd/mm/yyyy")
    wrap = xlwt.easyxf("align: wrap on, vert centre")
    for spec in sheets:
        sheet = book.add_sheet(spec.name, cell_overwrite_ok=True)
        for r, row in enumerate(spec.rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, date):
                    sheet.write(r, c, value, day)
                elif isinstance(value, str) and "\n" in value:
                    sheet.write(r, c, value, wrap)
                else:
                    sheet.write(r, c, value)
        for r1, c1, r2, c2 in spec.merges:
            sheet.merge(r1, r2, c1, c2)
        for c in spec.hidden:
            sheet.col(c).hidden = True
    book.save(str(path))


def _save(folder: Path, name: str, sheets: list[SheetOut], kind: str, **extra) -> FileOut:
    path = folder / name
    (write_xls if name.endswith(".xls") else write_xlsx)(path, sheets)
    return FileOut(path, sheets, kind, **extra)


def _value(value: Any, as_text: bool = False) -> Any:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return score_text(value) if as_text else number(value)
    return value


# --- vnEdu ----------------------------------------------------------------------------------------------

SEMESTER_ROMAN = {"1": "I", "2": "II"}


def _score_book(school: School, subject: Subject, semester: str) -> list[SheetOut]:
    """vnEdu's Sổ điểm môn học: title rows, a two-row header with the hidden ``ID``, one sheet per class."""
    sheets = []
    for code in school.classes:
        grade = int(code[0])
        count = subject.tx(grade)
        rows: list[list[Any]] = [
            [SCHOOL],
            [f"SỔ ĐIỂM MÔN {subject.name.upper()}"],
            [f"LỚP {code}"],
            [f"HỌC KỲ {SEMESTER_ROMAN[semester]}"],
            [f"NĂM HỌC {SCHOOL_YEAR}"],
        ]
        top = ["STT", "ID", "Mã học sinh", "Họ và tên", "Ngày sinh", "ĐĐGtx", *[None] * (count - 1), "ĐĐGgk", "ĐĐGck"]
        top += [] if subject.by_comment else ["ĐTBmhk"]
        top += ["Nhận xét"]
        below = [None] * 5 + [f"TX{i + 1}" for i in range(count)] + [None] * (len(top) - 5 - count)
        h = len(rows)
        rows += [top, below]
        merges = [(h, c, h + 1, c) for c in range(len(top)) if not 5 <= c < 5 + count]
        merges.append((h, 5, h, 4 + count))
        for n, s in enumerate(school.in_class(code), start=1):
            marks = school.vnedu_marks[(s.key, subject.code, semester)]
            name = nfd(s.name) if grade == 7 else s.name  # vnEdu sends some names in NFD
            average = semester_value(subject, marks, grade) if not subject.by_comment else None
            if subject.code in s.exempt:
                values = [EXEMPT] * (count + 2)
            else:
                values = [_value(v) for v in (*marks.tx, marks.gk, marks.ck)]
            row = [n, 3_000_000 + int(s.key[2:]) * 17 + n, s.vnedu_id, name, dmy(s.birth), *values]
            row += [] if subject.by_comment else [_value(average)]
            row += [""]
            rows.append(row)
        sheets.append(SheetOut(code, rows, merges, hidden=(1,)))
    return sheets


SUMMARY_PERIOD = {"1": "HỌC KỲ 1", "2": "HỌC KỲ 2", "CN": "CẢ NĂM"}
SUMMARY_UNDER = {"1": "(Học kỳ 1)", "2": "(Học kỳ 2)", "CN": "(Cả năm)"}


def _summary(school: School, grade: int, period: str, components: bool) -> list[SheetOut]:
    """vnEdu's BẢNG TỔNG HỢP KẾT QUẢ GIÁO DỤC of one period, one sheet per class of the grade."""
    sheets = []
    for code in [c for c in school.classes if int(c[0]) == grade]:
        rows: list[list[Any]] = [
            [DEPARTMENT, None, None, None, None, None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
            [SCHOOL, None, None, None, None, None, None, None, "Độc lập - Tự do - Hạnh phúc"],
            [],
            [f"BẢNG TỔNG HỢP KẾT QUẢ GIÁO DỤC {SUMMARY_PERIOD[period]}, NĂM HỌC {SCHOOL_YEAR}"],
            [f"Lớp: {code} - GVCN: {school.homeroom[code]}"],
        ]
        top: list[Any] = ["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Số định danh cá nhân"]
        under: list[Any] = [None] * 5
        columns: list[tuple[str, str | None]] = []  # (what, subject code or component)
        for subject in SUBJECTS:
            short = subject.short if not (period == "2" and subject.code == "NN1") else "Ng.ngữ"
            top.append(short)
            under.append("(N.xét)" if subject.by_comment else "(HS 1)")
            columns.append(("subject", subject.code))
            parts = {"LSDL": ("Sử", "Địa"), "KHTN": ("Lí", "Hóa", "Sinh")}.get(subject.code, ())
            if components:
                for part in parts:
                    top.append(part)
                    under.append("(HS 1)")
                    columns.append(("component", part))
        top += ["KQ học tập", "KQ rèn luyện", "Buổi nghỉ", None, None]
        under += [SUMMARY_UNDER[period], SUMMARY_UNDER[period], "P", "K", "Tổng"]
        if period == "CN":
            top += ["Danh hiệu", "Lên lớp"]
            under += [None, None]
        h = len(rows)
        rows += [top, under]
        nghi = top.index("Buổi nghỉ")
        merges = [(h, c, h + 1, c) for c in range(len(top)) if top[c] and under[c] is None]
        merges.append((h, nghi, h, nghi + 2))
        rng = random.Random(f"{school.seed}-{code}-{period}")
        for n, s in enumerate(school.in_class(code), start=1):
            result = school.summary_results[s.key][period]
            name = nfd(s.name) if period == "CN" and n % 3 == 0 else s.name
            personal = s.personal_id if n % 4 else int(s.personal_id)  # a number cell: the zeros go
            code_cell: Any = int(s.vnedu_id) if period == "1" else s.vnedu_id  # the .xls of HK1: codes as numbers
            row: list[Any] = [n, code_cell, name, dmy(s.birth), personal]
            for what, which in columns:
                if what == "component":  # what vnEdu shows of the integrated subject's parts
                    row.append(number(rhu(D(str(rng.uniform(5, 9.5))))))
                    continue
                value = result.subjects[which]
                row.append("-" if value is None else _value(value))
            excused, unexcused = result.excused, result.unexcused
            row += [
                LEVEL_WORDS[result.learning] if result.learning else "-",
                LEVEL_WORDS[result.training] if result.training else "-",
                excused,
                unexcused,
                excused + unexcused,
            ]
            if period == "CN":
                row += [
                    TITLE_WORDS[result.title] if result.title else "-",
                    PROMOTION_WORDS[result.promotion] if result.promotion else "-",
                ]
            rows.append(row)
        rows += [[], [None, None, "Người lập biểu", None, None, None, None, None, "Hiệu trưởng"]]
        sheets.append(SheetOut(code, rows, merges))
    return sheets


def _discipline(school: School) -> list[SheetOut]:
    """vnEdu's THỐNG KÊ CHI TIẾT NỀ NẾP CỦA HỌC SINH for the year: absences and other forms."""
    rows: list[list[Any]] = [
        [SCHOOL],
        ["THỐNG KÊ CHI TIẾT NỀ NẾP CỦA HỌC SINH"],
        [f"Từ ngày {dmy(SEMESTER_DAYS['1'][0])} đến ngày {dmy(SEMESTER_DAYS['2'][1])}"],
        [],
        ["STT", "Mã học sinh", "Họ và tên", "Lớp", "Hình thức", "Ghi chú", "Ngày", "Người ghi nhận"],
    ]
    entries = []
    for s in school.students:
        if not s.in_vnedu:
            continue
        for a in s.absences:
            entries.append((a.day, s, a.form, a.reason))
    rng = random.Random(school.seed * 7)
    for s in rng.sample([s for s in school.students if s.in_vnedu], 6):  # forms that are not attendance
        day = SEMESTER_DAYS["1"][0] + timedelta(days=rng.randrange(100))
        entries.append((day, s, rng.choice(("Đi học muộn", "Không mặc đồng phục", "Không học bài cũ")), ""))
    entries.sort(key=lambda e: (e[0], e[1].class_code, e[1].key))
    for n, (day, s, form, reason) in enumerate(entries, start=1):
        when = dmy(day) if n % 4 else f"{dmy(day)} 07:{n % 60:02d}"  # some rows carry the time recorded
        rows.append([n, int(s.vnedu_id), s.name, s.class_code, form, reason, when, school.homeroom[s.class_code]])
    tally = Counter(s.class_code for _, s, form, _ in entries if form.startswith("Nghỉ"))
    summary = [[SCHOOL], ["TỔNG HỢP NỀ NẾP THEO LỚP"], [], ["Lớp", "Số lượt nghỉ học", "Số lượt vi phạm khác"]]
    summary += [[c, tally[c], 0] for c in school.classes]
    return [SheetOut("Chi tiết", rows), SheetOut("Tổng hợp", summary, read=False)]


# --- teachers' gradebooks ----------------------------------------------------------------------------------

NOTES = (
    "Ghi chú: ĐTB = (ΣTX + 2×GK + 3×CK) ÷ (số TX + 5) · làm tròn đến 0,1 (½ lên)",
    "Phòng thực hành 25°C, diện tích 60 m² · giáo viên bộ môn ký xác nhận",
)


def _title(subject: str, code: str, semester: str, extra: str = "") -> list[list[Any]]:
    return [
        [f"SỔ ĐIỂM CÁ NHÂN — MÔN {subject.upper()}{extra}"],
        [f"Lớp {code} — Học kỳ {SEMESTER_ROMAN[semester]} — Năm học {SCHOOL_YEAR}"],
    ]


def _by_name_book(school: School, semester: str) -> list[SheetOut]:
    """Toán, keyed by name only: ``TT | Họ tên học sinh | TX1 … TX4 | Giữa kì | Cuối kì | ĐTB | Ghi chú``;
    sheets named «Lớp 6A1», Excel's empty «Sheet2» left at the end. The semester I book still has the
    student who left during the year (vnEdu took her off)."""
    subject = BY_CODE["TOAN"]
    sheets = []
    for code in school.gradebooks["TOAN"]:
        rows = _title("Toán", code, semester)
        rows += [["Giáo viên: " + school.homeroom[code]], []]
        count = subject.tx(int(code[0]))
        rows.append(["TT", "Họ tên học sinh", *[f"TX{i + 1}" for i in range(count)], "Giữa kì", "Cuối kì", "ĐTB"])
        rows[-1].append("Ghi chú")
        listed = school.in_class(code)
        if semester == "1":
            listed = sorted(
                listed + [s for s in school.students if s.class_code == code and not s.in_vnedu],
                key=lambda s: sort_key(s.name),
            )
        for n, s in enumerate(listed, start=1):
            marks = school.teacher_marks[(s.key, "TOAN", semester)]
            name = old_style(s.name) if s.name.split()[-1] in OLD_STYLE else s.name
            if semester == "2":
                name = next((w for k, _, w in school.written_as if k == s.key), name)
            if name.startswith("Đ") or " Đ" in name:
                name = eth(name) if n % 2 else name
            if n % 5 == 0:
                name = nfd(name)
            values = [_value(v, as_text=bool((n + i) % 3 == 0)) for i, v in enumerate((*marks.tx, marks.gk, marks.ck))]
            average = semester_value(subject, marks, int(code[0]))
            rows.append([n, name, *values, _value(average), "vắng KT" if None in marks.tx else None])
        rows += [[], [NOTES[0]], [NOTES[1]]]
        sheets.append(SheetOut(f"Lớp {code}", rows))
    return [*sheets, SheetOut("Sheet2", [], read=False)]


def _by_id_book(school: School, semester: str) -> list[SheetOut]:
    """Khoa học tự nhiên, keyed by the ministry's ID (``Mã định danh`` or ``MSHS``), with ``Tên lớp``,
    ``Email``, ``Điểm cộng/trừ`` and the tests in parts ``GKTN | GKTH | CKTN | CKTH``."""
    subject = BY_CODE["KHTN"]
    sheets = []
    for index, code in enumerate(school.gradebooks["KHTN"]):
        rows = [
            [f"BẢNG ĐIỂM MÔN KHOA HỌC TỰ NHIÊN — HỌC KỲ {SEMESTER_ROMAN[semester]} — NĂM HỌC {SCHOOL_YEAR}"],
            [f"Lớp: {code}"],
            [],
        ]
        key = "Mã định danh" if index % 2 == 0 else "MSHS"
        count = subject.tx(int(code[0]))
        header = ["STT", key, "Họ và tên", "Tên lớp", "Email", *[f"TX{i + 1}" for i in range(count)]]
        header += ["GKTN", "GKTH", "CKTN", "CKTH", "Điểm cộng/trừ"]
        rows.append(header)
        for n, s in enumerate(school.in_class(code), start=1):
            marks = school.teacher_marks[(s.key, "KHTN", semester)]
            ident: Any = s.ministry_id
            if ident and key == "MSHS" and n % 2:
                ident = int(ident)  # typed as a number: the leading zero is gone
            parts = []
            for test in ("gk", "ck"):
                for i, part in enumerate(marks.parts[test]):
                    value = None if marks.get(test) is None else part
                    parts.append(None if value is None else (score_text(value) if (n + i) % 2 else float(value)))
            email = f"{fold(s.name).replace(' ', '.')}.{s.key[2:]}@hocsinh.edu.vn"
            bonus = "+0,5" if n % 7 == 0 else None
            rows.append([n, ident, s.name, code, email, *[_value(v) for v in marks.tx], *parts, bonus])
        sheets.append(SheetOut(code, rows))
    return sheets


def _by_code_book(school: School, semester: str) -> list[SheetOut]:
    """Tiếng Anh, keyed by vnEdu's code, a two-row header (``ĐĐGtx`` over ``TX1 … TX4``), no hidden ID."""
    subject = BY_CODE["NN1"]
    sheets = []
    for code in school.gradebooks["NN1"]:
        count = subject.tx(int(code[0]))
        rows: list[list[Any]] = [
            [f"SỔ ĐIỂM MÔN TIẾNG ANH - LỚP {code}"],
            [f"HỌC KỲ {SEMESTER_ROMAN[semester]} - NĂM HỌC {SCHOOL_YEAR}"],
            [],
        ]
        top = ["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "ĐĐGtx", *[None] * (count - 1), "ĐĐGgk", "ĐĐGck"]
        top += ["ĐTBmhk", "Ghi chú"]
        below = [None] * 4 + [f"TX{i + 1}" for i in range(count)] + [None] * 4
        h = len(rows)
        rows += [top, below]
        merges = [(h, c, h + 1, c) for c in range(len(top)) if not 4 <= c < 4 + count]
        merges.append((h, 4, h, 3 + count))
        for n, s in enumerate(school.in_class(code), start=1):
            marks = school.teacher_marks[(s.key, "NN1", semester)]
            values = [_value(v, as_text=n % 4 == 0) for v in (*marks.tx, marks.gk, marks.ck)]
            if n % 4 == 1 and isinstance(marks.ck, Decimal):
                values[-1] = f"{marks.ck:.2f}"  # «7.50»: typed with two decimals, still one score
            average = semester_value(subject, marks, int(code[0]))
            rows.append([n, s.vnedu_id, s.name, dmy(s.birth), *values, _value(average), None])
        sheets.append(SheetOut(code, rows, merges))
    stats = [["THỐNG KÊ CHẤT LƯỢNG MÔN TIẾNG ANH"], [], ["Lớp", "Sĩ số", "Giỏi", "Khá", "Trung bình", "Yếu"]]
    stats += [[c, len(school.in_class(c)), None, None, None, None] for c in school.gradebooks["NN1"]]
    return [*sheets, SheetOut("Thống kê", stats, read=False)]


# --- the CSDL ---------------------------------------------------------------------------------------------


def _catalog_sheets() -> list[SheetOut]:
    ethnic = [["Mã", "Tên dân tộc"], *[[c, n] for c, n in sorted(set(ETHNICITIES))], ["10", "Gia-rai"]]
    status = [["Mã", "Trạng thái"], ["1", "Đang học"], ["2", "Chuyển đến"], ["3", "Chuyển đi"], ["4", "Thôi học"]]
    return [SheetOut("DM_DanToc", ethnic, read=False), SheetOut("DM_TrangThai", status, read=False)]


def _csdl_name(s: Student, nfd_too: bool) -> str:
    name = s.csdl_name or s.name
    return nfd(name) if nfd_too else name


def _list_lower_grades(school: School) -> list[SheetOut]:
    """A province's list: ``Lớp học``/``Khối học`` (no ``Mã lớp``), the ID as «Mã định danh Bộ Giáo dục
    và Đào tạo», ``Số CCCD``, «Ngày sinh (dd/mm/yyyy)», line breaks, dates as Excel serial numbers."""
    rows: list[list[Any]] = [
        [DEPARTMENT],
        [f"DANH SÁCH HỌC SINH NĂM HỌC {SCHOOL_YEAR}"],
        [SCHOOL],
        [],
        [
            "STT",
            "Lớp học",
            "Khối học",
            "Mã định danh\nBộ Giáo dục và Đào tạo",
            "Họ tên",
            "Ngày sinh\n(dd/mm/yyyy)",
            "Giới tính",
            "Dân tộc",
            "Trạng thái",
            "Số CCCD",
            "Địa chỉ thường trú",
            "Số điện thoại liên hệ",
            "Họ tên cha",
            "Họ tên mẹ",
        ],
    ]
    n = 0
    for code in [c for c in school.classes if c[0] in "67"]:
        for s in _csdl_students(school, code):
            n += 1
            born = s.csdl_birth or s.birth
            ident: Any = s.ministry_id if n % 6 else int(s.ministry_id)
            personal: Any = s.csdl_personal or (s.personal_id if n % 5 else int(s.personal_id))
            rows.append(
                [
                    n,
                    s.csdl_class or s.class_code,
                    f"Khối {code[0]}",
                    ident,
                    eth(_csdl_name(s, False)) if n == 3 else _csdl_name(s, n % 4 == 0),
                    serial(born),
                    s.gender,
                    s.ethnicity[1],
                    s.csdl_status,
                    personal,
                    f"Số {n} ngõ {n % 40 + 1}, Hà Nội",
                    f"09{n:08d}",
                    None,
                    None,
                ]
            )
    guide = [["HƯỚNG DẪN"], ["Cột Mã định danh Bộ GD&ĐT do hệ thống cấp; không sửa."], ["Ngày sinh ghi dd/mm/yyyy."]]
    return [SheetOut("Danh sách", rows), SheetOut("Hướng dẫn", guide, read=False), *_catalog_sheets()]


def _csdl_students(school: School, code: str) -> list[Student]:
    """The CSDL's students of a class as the CSDL places them (its own class where it differs)."""
    found = [s for s in school.students if s.in_csdl and (s.csdl_class or s.class_code) == code]
    return sorted(found, key=lambda s: sort_key(s.name))


def _list_upper_grades(school: School) -> list[SheetOut]:
    """Another province's list, one sheet per grade: ``Trường`` + ``Lớp``, «Mã định danh Bộ GD&ĐT»,
    «Số CMND/CCCD», birth dates as date cells, names in NFD (exported on a Mac)."""
    sheets = []
    for grade in "89":
        header = "STT|Trường|Lớp|Mã định danh Bộ GD&ĐT|Họ và tên|Ngày sinh|Giới tính|Mã dân tộc|Dân tộc|Trạng thái HS"
        header += "|Số CMND/CCCD|Nơi sinh|Tôn giáo"
        rows: list[list[Any]] = [
            [nfd(f"DANH SÁCH HỌC SINH KHỐI {grade} - NĂM HỌC {SCHOOL_YEAR}")],
            [],
            [nfd(h) for h in header.split("|")],  # exported on a Mac: the headers in NFD too
        ]
        n = 0
        for code in [c for c in school.classes if c[0] == grade]:
            for s in _csdl_students(school, code):
                n += 1
                rows.append(
                    [
                        n,
                        "THCS Nguyễn Trãi",
                        s.csdl_class or s.class_code,
                        s.ministry_id,
                        _csdl_name(s, n % 2 == 0),
                        s.csdl_birth or s.birth,
                        s.gender,
                        s.ethnicity[0],
                        s.ethnicity[1],
                        s.csdl_status,
                        s.csdl_personal or s.personal_id,
                        "Hà Nội",
                        "Không",
                    ]
                )
        sheets.append(SheetOut(f"Khoi{grade}", rows))
    return [*sheets, _catalog_sheets()[0]]


RESULT_SUBJECT = {s.code: s.name for s in SUBJECTS} | {"NN1": "Tiếng Anh"}


def _results_book(school: School) -> list[SheetOut]:
    """The CSDL's learning results: one sheet per grade and period (``Khoi6_HK1`` …), titles naming both."""
    sheets = [
        SheetOut(
            "HuongDan",
            [["Kết quả học tập và rèn luyện xuất từ CSDL ngành"], ["Mỗi trang một khối, một kỳ"]],
            read=False,
        )
    ]
    words = {"1": "HỌC KỲ I", "2": "HỌC KỲ II", "CN": "CẢ NĂM"}
    for grade in "6789":
        for period in ("1", "2", "CN"):
            header = ["STT", "Mã lớp", "Mã định danh Bộ GD&ĐT", "Họ tên", "Ngày sinh"]
            header += [RESULT_SUBJECT[s.code] for s in SUBJECTS]
            header += ["KQ học tập", "KQ rèn luyện", "Nghỉ có phép", "Nghỉ không phép"]
            header += ["Danh hiệu", "Lên lớp", "Ghi chú"] if period == "CN" else []
            rows: list[list[Any]] = [
                [f"KẾT QUẢ HỌC TẬP VÀ RÈN LUYỆN {words[period]} - KHỐI {grade}"],
                [f"Năm học {SCHOOL_YEAR}"],
                [],
                header,
            ]
            n = 0
            for code in [c for c in school.classes if c[0] == grade]:
                for s in _csdl_students(school, code):
                    if s.key not in school.csdl_results:
                        continue  # the CSDL has no results of a student vnEdu does not teach
                    n += 1
                    result = school.csdl_results[s.key][period]
                    row: list[Any] = [n, s.csdl_class or s.class_code, s.ministry_id, _csdl_name(s, False)]
                    row.append(dmy(s.csdl_birth or s.birth))
                    for subject in SUBJECTS:
                        value = result.subjects[subject.code]
                        row.append(
                            None
                            if value in (None, EXEMPT)
                            else score_text(value)
                            if isinstance(value, Decimal)
                            else value
                        )
                    row += [
                        LEVEL_WORDS.get(result.learning or "", None),
                        LEVEL_WORDS.get(result.training or "", None),
                        result.excused,
                        result.unexcused,
                    ]
                    if period == "CN":
                        row += [
                            TITLE_WORDS.get(result.title or "", None),
                            PROMOTION_WORDS.get(result.promotion or "", None),
                            None,
                        ]
                    rows.append(row)
            name = f"Khoi{grade}_{'CN' if period == 'CN' else 'HK' + period}"
            sheets.append(SheetOut(name, rows, unused=["Ghi chú"] if period == "CN" else []))
    return sheets


# --- all the files ---------------------------------------------------------------------------------------


def write_files(school: School, folder: Path) -> list[FileOut]:
    """Every file the school uploads, in ``folder``; the teachers' Khoa học tự nhiên books need ``--map``."""
    folder.mkdir(parents=True, exist_ok=True)
    files: list[FileOut] = []
    for subject in SUBJECTS:
        for semester in ("1", "2"):
            ext = "xls" if subject.code in ("GDCD", "GDDP") else "xlsx"
            name = f"vnedu_so_diem_{subject.code.lower()}_hk{semester}.{ext}"
            files.append(_save(folder, name, _score_book(school, subject, semester), "vnedu-sodiem"))
    for grade in (6, 7, 8, 9):
        for period, ext in (("1", "xls"), ("2", "xlsx"), ("CN", "xls")):
            sheets = _summary(school, grade, period, components=period != "1")
            files.append(
                _save(
                    folder,
                    f"so_diem_tong_ket_khoi_{grade}_{period.lower()}.{ext}",
                    sheets,
                    "vnedu-tonghop",
                    unused=["Sử", "Địa", "Lí", "Hóa", "Sinh"] if period != "1" else [],
                )
            )
    files.append(_save(folder, "thong_ke_ne_nep.xls", _discipline(school), "vnedu-nenep", unused=["Người ghi nhận"]))
    for semester in ("1", "2"):
        files.append(_save(folder, f"giao_vien_toan_hk{semester}.xlsx", _by_name_book(school, semester), "gradebook"))
        files.append(
            _save(
                folder,
                f"khtn_khoi_8_9_hk{semester}.xlsx",
                _by_id_book(school, semester),
                "gradebook",
                unused=["Email", "Điểm cộng/trừ"],
                args=["--map", MAP_SPLIT],
            )
        )
        files.append(_save(folder, f"tieng_anh_hk{semester}.xlsx", _by_code_book(school, semester), "gradebook"))
    files.append(
        _save(
            folder,
            "csdl_danh_sach_khoi_6_7.xlsx",
            _list_lower_grades(school),
            "csdl-hocsinh",
            unused=["Địa chỉ thường trú", "Số điện thoại liên hệ", "Họ tên cha", "Họ tên mẹ"],
        )
    )
    files.append(
        _save(
            folder,
            "csdl_ds_hs_khoi_8_9.xlsx",
            _list_upper_grades(school),
            "csdl-hocsinh",
            unused=["Nơi sinh", "Tôn giáo"],
        )
    )
    files.append(_save(folder, "csdl_ket_qua_hoc_tap.xlsx", _results_book(school), "csdl-ketqua"))
    return files


def build(folder: Path, seed: int = 15, per_grade: int = 2, per_class: int = 30) -> tuple[School, list[FileOut]]:
    """A school with its differences injected, and its files written in ``folder``."""
    school = inject(make_school(seed, per_grade, per_class))
    return school, write_files(school, folder)
