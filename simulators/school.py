"""A seeded, deterministic synthetic THCS: realistic Vietnamese names and a school year of
Circular 22 assessments.

This is the one truth the simulators derive each platform's copy from; ``make demo`` and
the benchmarks use it too. The same seed always gives the same school.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from assessment.rules import rules_for
from mapping import catalogs

# Family names with their approximate share of the population (Nguyễn ≈ 38 %).
FAMILY_NAMES = {
    "Nguyễn": 38.4, "Trần": 11.0, "Lê": 9.5, "Phạm": 7.1, "Hoàng": 5.1, "Huỳnh": 3.0,
    "Phan": 4.5, "Vũ": 3.9, "Võ": 2.5, "Đặng": 2.1, "Bùi": 2.0, "Đỗ": 1.4, "Hồ": 1.3,
    "Ngô": 1.3, "Dương": 1.0, "Lý": 0.5, "Trương": 0.9, "Đinh": 0.8, "Lâm": 0.6, "Mai": 0.5,
}
MIDDLE = {"Nam": ["Văn", "Minh", "Gia", "Đức", "Quốc", "Hoàng", "Bảo", "Anh", "Thành", "Hữu"],
          "Nữ": ["Thị", "Ngọc", "Thu", "Thanh", "Bảo", "Minh", "Khánh", "Phương", "Gia", "Mai"]}
GIVEN = {"Nam": ["An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hoàng", "Huy", "Khoa",
                 "Khánh", "Kiên", "Long", "Minh", "Nam", "Nghĩa", "Phát", "Phong", "Phúc", "Quân",
                 "Sơn", "Tài", "Thắng", "Thịnh", "Toàn", "Trung", "Tuấn", "Việt", "Vinh", "Khoẻ"],
         "Nữ": ["Anh", "Châu", "Chi", "Diệp", "Giang", "Hà", "Hân", "Hằng", "Hoà", "Hương",
                "Lan", "Linh", "Mai", "My", "Ngân", "Ngọc", "Nhi", "Oanh", "Phương", "Quỳnh",
                "Thảo", "Thuý", "Thư", "Trang", "Trâm", "Uyên", "Vân", "Vy", "Xuân", "Yến"]}


@dataclass
class SampleStudent:
    """One generated student and their whole school year, in the engine's terms."""

    code: str
    full_name: str
    gender: str
    birth_date: date
    class_code: str
    grade: int
    school_year: str
    scores: dict[str, dict[str, dict]] = field(default_factory=dict)
    training: dict[str, str] = field(default_factory=dict)
    absences: int = 0

    def assess_input(self) -> dict:
        """The student as one ``lienthong assess`` input object (scores as text with commas)."""
        return {"school_year": self.school_year, "grade": self.grade, "subjects": self.scores,
                "training": self.training, "absences": self.absences}


def current_school_year(today: date) -> str:
    """A school year starts in September: 23/11/2026 is in 2026-2027."""
    start = today.year if today.month >= 9 else today.year - 1
    return f"{start}-{start + 1}"


def _score(rng: random.Random, ability: float) -> str:
    value = min(10.0, max(0.0, rng.gauss(ability, 1.2)))
    return f"{round(value * 2) / 2:.1f}".replace(".", ",").replace(",0", "")


def _marks(rng: random.Random, ability: float, count: int) -> list[str]:
    return ["CĐ" if rng.random() < max(0.01, (5.0 - ability) / 20) else "Đ" for _ in range(count)]


def _subject_year(rng: random.Random, code: str, grade: int, year: str, ability: float) -> dict:
    rules = rules_for(year, grade)
    required = rules.required_tx(code, grade)
    by_comment = catalogs.subject(code).by_comment
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


def generate_class(seed: int, grade: int, class_code: str, size: int, school_year: str) -> list[SampleStudent]:
    """A class of ``size`` students with a full year of assessments, deterministic by seed."""
    rng = random.Random(f"{seed}:{school_year}:{class_code}")
    start = int(school_year[:4])
    students = []
    for index in range(size):
        gender = rng.choice(["Nam", "Nữ"])
        ability = rng.uniform(4.0, 9.6)
        birth_year = start - (grade + 5)
        born = date(birth_year, 1, 1) + timedelta(days=rng.randrange(365))
        student = SampleStudent(
            code=f"{seed % 100:02d}{grade}{index:07d}", full_name=_name(rng, gender), gender=gender,
            birth_date=born, class_code=class_code, grade=grade, school_year=school_year,
        )
        student.scores = {code: _subject_year(rng, code, grade, school_year, ability)
                          for code in catalogs.subjects()}
        student.training = {s: rng.choices(["T", "K", "Đ", "CĐ"], weights=[60, 28, 10, 2])[0]
                            for s in ("hk1", "hk2")}
        student.absences = min(60, int(rng.expovariate(1 / 4)))
        students.append(student)
    return students


def generate_students(seed: int, count: int, school_year: str) -> list[SampleStudent]:
    """``count`` students spread over grades 6–9 and classes of 40–45."""
    students: list[SampleStudent] = []
    rng = random.Random(seed)
    number = 0
    while len(students) < count:
        grade = 6 + number % 4
        size = min(rng.randint(40, 45), count - len(students))
        students += generate_class(seed, grade, f"{grade}A{number // 4 + 1}", size, school_year)
        number += 1
    return students


def decimal_score(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))
