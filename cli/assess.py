"""``lienthong assess``: students' years as JSON on stdin, Circular 22 results on stdout.

IT staff pipe a whole class or school through it. Input is JSON Lines (one student per
line) or one pretty-printed object; output is one JSON line per student, in input order.
A bad line is answered with ``{"error": ...}`` and reported on stderr with its line
number and field, the other lines are still answered, and the exit code is 2.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Iterator, TextIO

from assessment.engine import SemesterScores, StudentYear, SubjectYear, YearAssessment, assess_student
from assessment.rules import rules_for
from mapping import catalogs
from mapping.errors import MappingError
from mapping.normalize import parse_level, parse_mark, parse_score

_SEMESTER_KEYS = {"tx", "gk", "ck"}
_TOP_KEYS = {"school_year", "grade", "subjects", "training", "absences"}


def _require_keys(obj: Any, allowed: set[str], field: str) -> dict:
    if not isinstance(obj, dict):
        raise MappingError("Cần một đối tượng JSON", value=obj, field=field or None)
    unknown = sorted(set(obj) - allowed)
    if unknown:
        where = f"{field}.{unknown[0]}" if field else unknown[0]
        raise MappingError(f"Trường không được hỗ trợ (chỉ nhận: {', '.join(sorted(allowed))})",
                           value=unknown[0], field=where)
    return obj


def _value(raw: Any, by_comment: bool, field: str) -> Decimal | str | None:
    if raw is None:
        return None
    if by_comment:
        return parse_mark(raw, field=field)
    return parse_score(raw, field=field)


def _semester(raw: Any, by_comment: bool, field: str) -> SemesterScores:
    obj = _require_keys(raw, _SEMESTER_KEYS, field)
    tx = obj.get("tx", [])
    if not isinstance(tx, list) or len(tx) > 4:
        raise MappingError("tx phải là danh sách tối đa 4 điểm", value=tx, field=f"{field}.tx")
    return SemesterScores(
        tx=tuple(_value(v, by_comment, f"{field}.tx[{i}]") for i, v in enumerate(tx)),
        gk=_value(obj.get("gk"), by_comment, f"{field}.gk"),
        ck=_value(obj.get("ck"), by_comment, f"{field}.ck"),
    )


def _subject(code: str, raw: Any) -> SubjectYear:
    field = f"subjects.{code}"
    try:
        info = catalogs.subject(code)
    except MappingError as exc:
        raise exc.at(field) from None
    obj = _require_keys(raw, {"hk1", "hk2"}, field)
    semesters = {k: _semester(v, info.by_comment, f"{field}.{k}") for k, v in obj.items()}
    return SubjectYear(code, semesters.get("hk1"), semesters.get("hk2"))


def parse_student(obj: Any) -> StudentYear:
    """Validate one input object into the engine's `StudentYear`.

    Raises:
        MappingError: naming the field (``subjects.TOAN.hk1.tx[2]``) and the value.
    """
    obj = _require_keys(obj, _TOP_KEYS, "")
    year = obj.get("school_year")
    if not isinstance(year, str) or len(year) != 9 or year[4] != "-" or not (
            year[:4].isdigit() and year[5:].isdigit() and int(year[5:]) == int(year[:4]) + 1):
        raise MappingError("Năm học phải có dạng 2024-2025", value=year, field="school_year")
    grade = obj.get("grade")
    if isinstance(grade, bool) or not isinstance(grade, int):
        raise MappingError("Khối lớp phải là số nguyên từ 6 đến 9", value=grade, field="grade")
    rules_for(year, grade)  # refuses grades and years without rules, before any work
    subjects = obj.get("subjects")
    if not isinstance(subjects, dict):
        raise MappingError("Thiếu danh sách môn học", value=subjects, field="subjects")
    training = _require_keys(obj.get("training") or {}, {"hk1", "hk2", "cn"}, "training")
    levels = {k: parse_level(v, field=f"training.{k}") if v is not None else None
              for k, v in training.items() if k != "cn"}  # the year is derived, never read
    return StudentYear(
        school_year=year,
        grade=grade,
        subjects=tuple(_subject(code, raw) for code, raw in subjects.items()),
        training_hk1=levels.get("hk1"),
        training_hk2=levels.get("hk2"),
        absences=_absences(obj.get("absences")),
    )


def _absences(raw: Any) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise MappingError("Số buổi nghỉ phải là số nguyên không âm", value=raw, field="absences")
    return raw


def _plain(value: Decimal | str | None) -> float | str | None:
    return float(value) if isinstance(value, Decimal) else value


def render(result: YearAssessment) -> dict[str, Any]:
    """The output object of one student (averages as JSON numbers with one decimal)."""
    return {
        "subjects": {code: {p: _plain(v) for p, v in values.items()}
                     for code, values in result.subjects.items()},
        "learning": result.learning,
        "training": result.training,
        "promotion": result.promotion,
        "title": result.title,
        "missing": [{"subject": m.subject, "semester": m.semester, "kind": m.kind}
                    for m in result.missing],
    }


def _documents(text: str) -> Iterator[tuple[int, Any | json.JSONDecodeError]]:
    """(line number, parsed object or the decode error) for each student in the input."""
    stripped = text.lstrip()
    if stripped.startswith("{") and stripped.split("\n", 1)[0].strip() == "{":
        start_line = text[: len(text) - len(stripped)].count("\n") + 1
        try:  # one pretty-printed object
            yield start_line, json.loads(stripped, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            yield start_line + exc.lineno - 1, exc
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            yield number, exc


def run(stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """Answer every student of ``stdin``; returns the exit code (0, or 2 on any bad line)."""
    status = 0
    out: list[str] = []
    for number, doc in _documents(stdin.read()):
        try:
            if isinstance(doc, json.JSONDecodeError):
                raise MappingError(f"JSON không hợp lệ (cột {doc.colno}: {doc.msg})", value=doc.doc[:40])
            answer = render(assess_student(parse_student(doc)))
        except MappingError as exc:
            status = 2
            stderr.write(f"dòng {number}: {exc}\n")
            answer = {"error": str(exc)}
        out.append(json.dumps(answer, ensure_ascii=False))
    if out:
        stdout.write("\n".join(out) + "\n")
    return status
