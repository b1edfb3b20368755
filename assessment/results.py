"""What a homeroom teacher confirms for her class (Suối Ngô regulation, art. 7; Bình An 5.4): the
class's results of a period, student by student, and the lists Circular 22 derives from them —
students to re-test (with the subjects: score subjects whose year average is below the passing
mark, comment subjects at CĐ), students to train in the summer, students who stay back, students
transferred or gone, and, once results were approved before, who passed after the re-test or the
summer training. Pure functions over plain values; the fingerprint is the SHA-256 of the
canonical JSON of exactly that content, so that what the principal approves is what was confirmed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from lienthong.assessment.rules import CIRCULAR_22, RuleSet

PERIODS = ("HK1", "HK2", "CN")
STUDYING = "1"  # enrolment status "Đang học"; any other is a transfer or a departure
RETEST, SUMMER, STAY, PASSED = "KTL", "RLH", "OL", "LL"


@dataclass(frozen=True)
class StudentResult:
    """One student's result of the period, values as the school's record writes them."""

    key: str
    name: str
    ministry_id: str | None = None
    status: str | None = STUDYING
    learning: str | None = None
    training: str | None = None
    absences_excused: int = 0
    absences_unexcused: int = 0
    promotion: str | None = None  # CN only
    title: str | None = None  # CN only
    subjects: dict[str, str] = field(default_factory=dict)  # code → "7.5", "Đ", "CĐ"

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "ministry_id": self.ministry_id,
            "status": self.status,
            "learning": self.learning,
            "training": self.training,
            "absences_excused": self.absences_excused,
            "absences_unexcused": self.absences_unexcused,
            "promotion": self.promotion,
            "title": self.title,
            "subjects": dict(sorted(self.subjects.items())),
        }


def retest_subjects(subjects: dict[str, str], rules: RuleSet = CIRCULAR_22) -> list[str]:
    """The subjects a student re-tests in (Circular 22, art. 12): a score subject whose year average
    is below the passing mark, a comment subject assessed Chưa đạt."""
    out = []
    for code, value in sorted(subjects.items()):
        text = str(value).strip()
        if text == "CĐ":
            out.append(code)
            continue
        try:
            score = Decimal(text.replace(",", "."))
        except InvalidOperation:
            continue  # Đ, exempt, nothing entered
        if score.is_finite() and score < rules.passing:
            out.append(code)
    return out


def class_content(
    class_code: str,
    school_year: str,
    period: str,
    students: list[StudentResult],
    earlier: dict[str, str | None] | None = None,
    rules: RuleSet = CIRCULAR_22,
) -> dict[str, Any]:
    """Everything a GVCN confirms for a class and period, as canonical JSON-able data.

    ``earlier``: each student's promotion at the last approval of these year results; a student
    then to re-test or to train in the summer who now goes up passed after the re-test."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}, got {period!r}")
    ordered = sorted(students, key=lambda s: s.key)
    brief = lambda s: {"key": s.key, "name": s.name}  # noqa: E731
    content: dict[str, Any] = {
        "class": class_code,
        "school_year": school_year,
        "period": period,
        "students": [s.as_json() for s in ordered],
        "transfers": [{**brief(s), "status": s.status} for s in ordered if (s.status or STUDYING) != STUDYING],
        "absences": {
            "excused": sum(s.absences_excused for s in ordered),
            "unexcused": sum(s.absences_unexcused for s in ordered),
        },
    }
    if period == "CN":
        earlier = earlier or {}
        content["retest"] = [
            {**brief(s), "subjects": retest_subjects(s.subjects, rules)} for s in ordered if s.promotion == RETEST
        ]
        content["summer_training"] = [brief(s) for s in ordered if s.promotion == SUMMER]
        content["stay_back"] = [brief(s) for s in ordered if s.promotion == STAY]
        content["titles"] = [{**brief(s), "title": s.title} for s in ordered if s.title]
        content["passed_after_retest"] = [
            {**brief(s), "before": earlier[s.key]}
            for s in ordered
            if s.promotion == PASSED and earlier.get(s.key) in (RETEST, SUMMER)
        ]
    return content


def fingerprint(content: dict[str, Any]) -> str:
    """SHA-256 of the content's canonical JSON (keys sorted, no spaces, text as written)."""
    body = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def changed_students(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The keys of the students whose confirmed values differ between two contents (added,
    removed or changed), sorted."""
    old = {s["key"]: s for s in before.get("students", [])}
    new = {s["key"]: s for s in after.get("students", [])}
    return sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))
