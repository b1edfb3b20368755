"""``lienthong assess``: students' years as JSON on stdin, Circular 22 results on stdout.

IT staff pipe a whole class or school through it. Input is JSON Lines (one student per
line) or one pretty-printed object; output is one JSON line per student, in input order.
A bad line is answered with ``{"error": ...}`` and reported on stderr with its line
number and field, the other lines are still answered, and the exit code is 2.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from typing import Any, Iterator, TextIO

import orjson

from lienthong.assessment.engine import SemesterScores, StudentYear, SubjectYear, YearAssessment, assess_student
from lienthong.assessment.rules import rules_for
from lienthong.mapping import catalogs
from lienthong.mapping.errors import MappingError
from lienthong.mapping.normalize import parse_level, parse_mark, parse_score

_SEMESTER_KEYS = {"tx", "gk", "ck"}
_PARALLEL_FROM = 2000  # below this, starting workers costs more than it saves
_CHUNK = 500
_TOP_KEYS = {"school_year", "grade", "subjects", "training", "absences"}


def _require_keys(obj: Any, allowed: set[str], field: str) -> dict:
    if not isinstance(obj, dict):
        raise MappingError("Cần một đối tượng JSON", value=obj, field=field or None)
    unknown = sorted(set(obj) - allowed)
    if unknown:
        where = f"{field}.{unknown[0]}" if field else unknown[0]
        raise MappingError(
            f"Trường không được hỗ trợ (chỉ nhận: {', '.join(sorted(allowed))})", value=unknown[0], field=where
        )
    return obj


def _semester(raw: Any, by_comment: bool, code: str, semester: str) -> SemesterScores:
    """One subject-semester. The hot loop of a whole school: field paths are only built
    when something is wrong."""
    if type(raw) is not dict or not raw.keys() <= _SEMESTER_KEYS:
        _require_keys(raw, _SEMESTER_KEYS, f"subjects.{code}.{semester}")
    tx = raw.get("tx", [])
    if type(tx) is not list or len(tx) > 4:
        raise MappingError("tx phải là danh sách tối đa 4 điểm", value=tx, field=f"subjects.{code}.{semester}.tx")
    parse = parse_mark if by_comment else parse_score
    cells = [*tx, raw.get("gk"), raw.get("ck")]
    try:
        values = [None if value is None else parse(value) for value in cells]
    except MappingError:
        names = [*(f"tx[{i}]" for i in range(len(tx))), "gk", "ck"]
        for name, value in zip(names, cells):
            try:
                if value is not None:
                    parse(value)
            except MappingError as exc:
                raise exc.at(f"subjects.{code}.{semester}.{name}") from None
        raise
    return SemesterScores(tx=tuple(values[:-2]), gk=values[-2], ck=values[-1])


def _subject(code: str, raw: Any) -> SubjectYear:
    try:
        info = catalogs.subject(code)
    except MappingError as exc:
        raise exc.at(f"subjects.{code}") from None
    if type(raw) is not dict or not raw.keys() <= {"hk1", "hk2"}:
        _require_keys(raw, {"hk1", "hk2"}, f"subjects.{code}")
    hk1, hk2 = raw.get("hk1"), raw.get("hk2")
    return SubjectYear(
        code,
        None if hk1 is None else _semester(hk1, info.by_comment, code, "hk1"),
        None if hk2 is None else _semester(hk2, info.by_comment, code, "hk2"),
    )


def parse_student(obj: Any) -> StudentYear:
    """Validate one input object into the engine's `StudentYear`.

    Raises:
        MappingError: naming the field (``subjects.TOAN.hk1.tx[2]``) and the value.
    """
    obj = _require_keys(obj, _TOP_KEYS, "")
    year = obj.get("school_year")
    if (
        not isinstance(year, str)
        or len(year) != 9
        or year[4] != "-"
        or not (year[:4].isdigit() and year[5:].isdigit() and int(year[5:]) == int(year[:4]) + 1)
    ):
        raise MappingError("Năm học phải có dạng 2024-2025", value=year, field="school_year")
    grade = obj.get("grade")
    if isinstance(grade, bool) or not isinstance(grade, int):
        raise MappingError("Khối lớp phải là số nguyên từ 6 đến 9", value=grade, field="grade")
    rules_for(year, grade)  # refuses grades and years without rules, before any work
    subjects = obj.get("subjects")
    if not isinstance(subjects, dict):
        raise MappingError("Thiếu danh sách môn học", value=subjects, field="subjects")
    training = _require_keys(obj.get("training") or {}, {"hk1", "hk2", "cn"}, "training")
    levels = {
        k: parse_level(v, field=f"training.{k}") if v is not None else None for k, v in training.items() if k != "cn"
    }  # the year is derived, never read
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
        "subjects": {code: {p: _plain(v) for p, v in values.items()} for code, values in result.subjects.items()},
        "learning": result.learning,
        "training": result.training,
        "promotion": result.promotion,
        "title": result.title,
        "missing": [{"subject": m.subject, "semester": m.semester, "kind": m.kind} for m in result.missing],
    }


def _documents(text: str) -> Iterator[tuple[int, str]]:
    """(line number, JSON text) of each student: JSON Lines, or one pretty-printed object."""
    stripped = text.lstrip()
    if stripped.startswith("{") and stripped.split("\n", 1)[0].strip() == "{":
        yield text[: len(text) - len(stripped)].count("\n") + 1, stripped
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, line


def answer(number: int, document: str) -> tuple[bytes, str | None]:
    """One student's output line, and the stderr message when the input was bad."""
    try:
        try:
            obj = orjson.loads(document)
        except orjson.JSONDecodeError as exc:
            raise MappingError(f"JSON không hợp lệ ({exc.args[0]})", value=document[:40]) from None
        result = render(assess_student(parse_student(obj)))
        return orjson.dumps(result), None
    except MappingError as exc:
        return orjson.dumps({"error": str(exc)}), f"dòng {number}: {exc}"


def _answer_chunk(chunk: list[tuple[int, str]]) -> list[tuple[bytes, str | None]]:
    return [answer(number, document) for number, document in chunk]


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def run(stdin: TextIO, stdout: TextIO, stderr: TextIO, jobs: int | None = None) -> int:
    """Answer every student of ``stdin``; returns the exit code (0, or 2 on any bad line).

    A whole school (thousands of lines) is split over the machine's cores; the answers
    keep the input's order.
    """
    documents = list(_documents(stdin.read()))
    jobs = jobs or os.cpu_count() or 1
    if jobs > 1 and len(documents) >= _PARALLEL_FROM:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(jobs, mp_context=context) as pool:
            parts = pool.map(_answer_chunk, _chunks(documents, _CHUNK))
            answers = [a for part in parts for a in part]
    else:
        answers = _answer_chunk(documents)
    status = 0
    for _, message in answers:
        if message is not None:
            status = 2
            stderr.write(message + "\n")
    if answers:
        stdout.write(b"\n".join(line for line, _ in answers).decode("utf-8") + "\n")
    return status
