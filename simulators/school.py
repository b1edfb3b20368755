"""A seeded, deterministic synthetic THCS: the one truth every simulator derives its copy from.

Grades 6–9, classes of 40–45, realistic Vietnamese names, every identifier the platforms
use, a school year of Circular 22 assessments (the teacher's gradebook is the truth),
absences, training results and lock windows. The school lives in the current school year
by the clock (a year starts in September) with the current semester open for entry; tests
pin the clock. The same seed and date always give the same school.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from lienthong.assessment.rules import rules_for
from lienthong.simulators.catalog import SUBJECTS, subject
from lienthong.simulators.formats import school_year_of, semester_bounds, semester_of

VN_TZ = timezone(timedelta(hours=7))
DEMO_SCHOOL = {
    "ma_truong": "79000701",
    "name": "Trường THCS Bình An (mô phỏng)",
    "province_code": "79",
    "commune_code": "26734",
}

# Family names with their approximate share of the population (Nguyễn ≈ 38 %).
FAMILY_NAMES = {
    "Nguyễn": 38.4,
    "Trần": 11.0,
    "Lê": 9.5,
    "Phạm": 7.1,
    "Hoàng": 5.1,
    "Huỳnh": 3.0,
    "Phan": 4.5,
    "Vũ": 3.9,
    "Võ": 2.5,
    "Đặng": 2.1,
    "Bùi": 2.0,
    "Đỗ": 1.4,
    "Hồ": 1.3,
    "Ngô": 1.3,
    "Dương": 1.0,
    "Lý": 0.5,
    "Trương": 0.9,
    "Đinh": 0.8,
    "Lâm": 0.6,
    "Mai": 0.5,
}
MIDDLE = {
    "Nam": ["Văn", "Minh", "Gia", "Đức", "Quốc", "Hoàng", "Bảo", "Anh", "Thành", "Hữu"],
    "Nữ": ["Thị", "Ngọc", "Thu", "Thanh", "Bảo", "Minh", "Khánh", "Phương", "Gia", "Mai"],
}
GIVEN = {
    "Nam": [
        "An",
        "Bình",
        "Cường",
        "Dũng",
        "Đạt",
        "Hải",
        "Hiếu",
        "Hoàng",
        "Huy",
        "Khoa",
        "Khánh",
        "Kiên",
        "Long",
        "Minh",
        "Nam",
        "Nghĩa",
        "Phát",
        "Phong",
        "Phúc",
        "Quân",
        "Sơn",
        "Tài",
        "Thắng",
        "Thịnh",
        "Toàn",
        "Trung",
        "Tuấn",
        "Việt",
        "Vinh",
        "Khoẻ",
    ],
    "Nữ": [
        "Anh",
        "Châu",
        "Chi",
        "Diệp",
        "Giang",
        "Hà",
        "Hân",
        "Hằng",
        "Hoà",
        "Hương",
        "Lan",
        "Linh",
        "Mai",
        "My",
        "Ngân",
        "Ngọc",
        "Nhi",
        "Oanh",
        "Phương",
        "Quỳnh",
        "Thảo",
        "Thuý",
        "Thư",
        "Trang",
        "Trâm",
        "Uyên",
        "Vân",
        "Vy",
        "Xuân",
        "Yến",
    ],
}
ETHNICITIES = {"01": 93.0, "04": 2.0, "05": 2.0, "17": 1.0, "02": 0.5, "03": 0.5, "06": 0.5, "07": 0.5}
ABSENCE_REASONS = ["Ốm", "Việc gia đình", "Đi khám bệnh", "", "Không lý do"]


@dataclass
class Teacher:
    id: str
    full_name: str


@dataclass
class SchoolClass:
    code: str
    grade: int
    homeroom_teacher_id: str


@dataclass
class Absence:
    day: date
    session: str  # "S" morning, "C" afternoon
    kind: str  # "P" excused, "K" unexcused
    reason: str


@dataclass
class Student:
    """One student and their whole school year, as the school itself knows it."""

    key: str  # the school system's own key
    vnedu_id: str  # vnEdu's ma_hoc_sinh (10 digits)
    ministry_id: str | None  # Mã định danh Bộ GD&ĐT (10 digits); None: not issued yet
    personal_id: str | None  # Số định danh cá nhân (12 digits)
    full_name: str
    gender: str  # "Nam" | "Nữ"
    birth_date: date
    ethnicity_code: str
    class_code: str
    grade: int
    school_year: str
    status: str = "1"
    scores: dict[str, dict[str, dict]] = field(default_factory=dict)  # code → hk → {tx, gk, ck}
    training: dict[str, str] = field(default_factory=dict)  # hk1/hk2 → T/K/Đ/CĐ
    absences: list[Absence] = field(default_factory=list)

    def assess_input(self) -> dict:
        """The student as one ``lienthong assess`` input object (scores as typed, ``8,5``)."""
        return {
            "school_year": self.school_year,
            "grade": self.grade,
            "subjects": self.scores,
            "training": self.training,
            "absences": len(self.absences),
        }


@dataclass
class LockWindow:
    semester: str  # "1", "2"
    kind: str  # "diem", "diem_danh", "hanh_kiem"
    opens_at: datetime
    closes_at: datetime

    def locked(self, at: datetime) -> bool:
        return not self.opens_at <= at < self.closes_at


@dataclass
class School:
    ma_truong: str
    name: str
    province_code: str
    commune_code: str
    school_year: str
    current_semester: str
    today: date
    teachers: list[Teacher]
    classes: list[SchoolClass]
    students: list[Student]
    lock_windows: list[LockWindow]

    @property
    def start_year(self) -> int:
        return int(self.school_year[:4])

    def semesters(self) -> list[str]:
        """Semesters that have begun: what the platforms hold data for."""
        return ["1"] if self.current_semester == "1" else ["1", "2"]

    def year_ended(self) -> bool:
        """Semester II is over: year results (cả năm) exist."""
        return self.today > semester_bounds(self.start_year, "2")[1]


current_school_year = school_year_of  # the simulated school follows the real calendar
current_semester = semester_of


# --- generation -----------------------------------------------------------------------------


def _score(rng: random.Random, ability: float) -> str:
    value = min(10.0, max(0.0, rng.gauss(ability, 1.2)))
    text = f"{round(value * 2) / 2:.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def _marks(rng: random.Random, ability: float, count: int) -> list[str]:
    return ["CĐ" if rng.random() < max(0.01, (5.0 - ability) / 20) else "Đ" for _ in range(count)]


def _subject_year(rng: random.Random, code: str, grade: int, year: str, ability: float) -> dict:
    required = rules_for(year, grade).required_tx(code, grade)
    by_comment = subject(code).by_comment
    semesters = {}
    for semester in ("hk1", "hk2"):
        if by_comment:
            tx, gk, ck = _marks(rng, ability, required), *_marks(rng, ability, 2)
        else:
            tx = [_score(rng, ability) for _ in range(required)]
            gk, ck = _score(rng, ability), _score(rng, ability)
        semesters[semester] = {"tx": tx, "gk": gk, "ck": ck}
    return semesters


def _name(rng: random.Random, gender: str) -> str:
    family = rng.choices(list(FAMILY_NAMES), weights=list(FAMILY_NAMES.values()))[0]
    return f"{family} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"


def _absences(rng: random.Random, start_year: int) -> list[Absence]:
    count = min(60, int(rng.expovariate(1 / 4)))
    first, last = semester_bounds(start_year, "1")[0], semester_bounds(start_year, "2")[1]
    seen: set[tuple[date, str]] = set()
    absences = []
    while len(absences) < count:
        day = first + timedelta(days=rng.randrange((last - first).days))
        if day.weekday() == 6 or (day, session := rng.choice("SC")) in seen:
            continue
        seen.add((day, session))
        reason = rng.choice(ABSENCE_REASONS)
        absences.append(Absence(day, session, "K" if reason == "Không lý do" else "P", reason))
    return sorted(absences, key=lambda a: (a.day, a.session))


def _personal_id(rng: random.Random, gender: str, born: date) -> str:
    # 3-digit province of birth, century/gender digit (2 male, 3 female for 2000s), year, serial
    century = "2" if gender == "Nam" else "3"
    return f"079{century}{born.year % 100:02d}{rng.randrange(10**6):06d}"


def _student(rng: random.Random, index: int, cls: SchoolClass, year: str, ids: dict[str, set]) -> Student:
    start = int(year[:4])
    gender = rng.choice(["Nam", "Nữ"])
    ability = rng.uniform(4.0, 9.6)
    born = date(start - (cls.grade + 5), 1, 1) + timedelta(days=rng.randrange(365))

    def unique(kind: str, make) -> str:
        while (value := make()) in ids[kind]:
            pass
        ids[kind].add(value)
        return value

    student = Student(
        key=f"HS{index:05d}",
        vnedu_id=unique("vnedu", lambda: f"18{rng.randrange(10**8):08d}"),
        ministry_id=None if rng.random() < 0.01 else unique("ministry", lambda: f"79{rng.randrange(10**8):08d}"),
        personal_id=None if rng.random() < 0.02 else unique("personal", lambda: _personal_id(rng, gender, born)),
        full_name=_name(rng, gender),
        gender=gender,
        birth_date=born,
        ethnicity_code=rng.choices(list(ETHNICITIES), weights=list(ETHNICITIES.values()))[0],
        class_code=cls.code,
        grade=cls.grade,
        school_year=year,
        status="2" if rng.random() < 0.02 else "1",
    )
    student.scores = {code: _subject_year(rng, code, cls.grade, year, ability) for code in SUBJECTS}
    student.training = {s: rng.choices(["T", "K", "Đ", "CĐ"], weights=[60, 28, 10, 2])[0] for s in ("hk1", "hk2")}
    student.absences = _absences(rng, start)
    return student


def _lock_windows(start_year: int, semester_now: str, today: date) -> list[LockWindow]:
    windows = []
    for semester in ("1", "2"):
        first, last = semester_bounds(start_year, semester)
        if semester == semester_now:  # the current semester stays open, so a demo can write
            last = max(last, today + timedelta(days=30))
        opens = datetime.combine(first, time(0), VN_TZ)
        closes = datetime.combine(last + timedelta(days=1), time(0), VN_TZ)
        windows += [LockWindow(semester, kind, opens, closes) for kind in ("diem", "diem_danh", "hanh_kiem")]
    return windows


def generate_school(
    seed: int = 1, students: int = 2000, today: date | None = None, classes_per_grade: int | None = None
) -> School:
    """A whole school of about ``students`` students, deterministic for a seed and a date."""
    today = today or date.today()
    year = current_school_year(today)
    rng = random.Random(f"school:{seed}:{year}")
    per_grade = classes_per_grade or max(1, round(students / 4 / 42.5))
    teachers = [Teacher(f"GV{i:04d}", _name(rng, rng.choice(["Nam", "Nữ"]))) for i in range(1, per_grade * 4 * 2 + 1)]
    classes = [
        SchoolClass(f"{grade}A{n}", grade, teachers[(grade - 6) * per_grade + n - 1].id)
        for grade in (6, 7, 8, 9)
        for n in range(1, per_grade + 1)
    ]
    sizes = [students // len(classes) + (1 if i < students % len(classes) else 0) for i in range(len(classes))]
    ids: dict[str, set] = {"vnedu": set(), "ministry": set(), "personal": set()}
    roster = [
        _student(rng, len(ids["vnedu"]) + 1, cls, year, ids) for cls, size in zip(classes, sizes) for _ in range(size)
    ]
    semester = current_semester(today)
    return School(
        **DEMO_SCHOOL,
        school_year=year,
        current_semester=semester,
        today=today,
        teachers=teachers,
        classes=classes,
        students=roster,
        lock_windows=_lock_windows(int(year[:4]), semester, today),
    )


def generate_class(seed: int, grade: int, class_code: str, size: int, school_year: str) -> list[Student]:
    """One class of ``size`` students with a full year of assessments (the demo's sample)."""
    rng = random.Random(f"class:{seed}:{school_year}:{class_code}")
    ids: dict[str, set] = {"vnedu": set(), "ministry": set(), "personal": set()}
    cls = SchoolClass(class_code, grade, "GV0001")
    return [_student(rng, i + 1, cls, school_year, ids) for i in range(size)]


def generate_students(seed: int, count: int, school_year: str) -> list[Student]:
    """``count`` students spread over grades 6–9 in classes of 40–45 (for benchmarks)."""
    students: list[Student] = []
    rng = random.Random(seed)
    number = 0
    while len(students) < count:
        grade = 6 + number % 4
        size = min(rng.randint(40, 45), count - len(students))
        students += generate_class(seed, grade, f"{grade}A{number // 4 + 1}", size, school_year)
        number += 1
    return students
