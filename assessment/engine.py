"""Circular 22 computations: averages, comment results, levels, promotion and titles.

Everything is a pure function over exact `Decimal` values and the level codes ``T``,
``K``, ``Đ``, ``CĐ`` (the values of `mapping.canonical.Level`). Rounding is half-up to one
decimal on the exact quotient; binary floats would round e.g. 7.65 down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import cache
from typing import Iterable, Sequence, Union

from lienthong.assessment import subjects as catalogs
from lienthong.assessment.rules import RuleSet, rules_for

Value = Union[Decimal, str]  # an exact score, or "Đ"/"CĐ"
DAT, CHUA_DAT = "Đ", "CĐ"
LEVELS = ("CĐ", "Đ", "K", "T")  # index = rank
_RANK = {code: rank for rank, code in enumerate(LEVELS)}
_CTX = Context(prec=28, rounding=ROUND_HALF_UP)
_ONE_PLACE = Decimal("0.1")
SEMESTERS = ("hk1", "hk2")


def round_half_up(value: Decimal) -> Decimal:
    """Circular 22's rounding: one decimal, half up, on the exact decimal (never a binary float)."""
    return value.quantize(_ONE_PLACE, rounding=ROUND_HALF_UP, context=_CTX)


_round = round_half_up


# --- subject averages and results ---------------------------------------------------------


def semester_average(tx: Sequence[Decimal], gk: Decimal, ck: Decimal, rules: RuleSet) -> Decimal:
    """ĐTBmhk = (ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (number of ĐĐGtx + 5), half-up to 0.1."""
    tenths = _TENTHS.get
    found = [tenths(v) for v in tx]
    mid, end = tenths(gk), tenths(ck)
    if None not in found and mid is not None and end is not None:  # nearly always: see `_TENTHS`
        total = sum(found) + rules.weight_gk * mid + rules.weight_ck * end
        count = len(found) + rules.weight_gk + rules.weight_ck
        return _AVERAGES[(2 * total + count) // (2 * count)]
    total = sum(tx, Decimal(0)) + rules.weight_gk * gk + rules.weight_ck * ck
    count = len(tx) + rules.weight_gk + rules.weight_ck
    return _round(_CTX.divide(total, Decimal(count)))


# Every score 0–10 in whole tenths (Decimal("8.5"), equally "8.50" → 85): an average of such
# scores is worked in integers, ``(2·total + count) // (2·count)`` being total/count rounded half
# up, and read back from `_AVERAGES` (each made by `round_half_up` itself). Identical to the
# Decimal route: that route's quotient (28 digits, half up) is rounded a second time only where
# its first rounding could cross a half-tenth, which needs 20-odd nines in a row after the tenths
# digit: impossible for a fraction total/count with a count below 10^20 (a run of m nines in a
# fraction's expansion needs a denominator above 10^m; a terminating expansion has none). Both
# routes' results depend on the inputs' values only, and quantize to exponent -1.
_TENTHS = {Decimal(tenths).scaleb(-1): tenths for tenths in range(101)}
_AVERAGES = tuple(round_half_up(Decimal(tenths).scaleb(-1)) for tenths in range(101))


def year_average(hk1: Decimal, hk2: Decimal, rules: RuleSet) -> Decimal:
    """ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3, half-up to 0.1."""
    first, second = _TENTHS.get(hk1), _TENTHS.get(hk2)
    if first is not None and second is not None:  # in whole tenths, as `semester_average`
        total, count = first + rules.weight_hk2 * second, 1 + rules.weight_hk2
        return _AVERAGES[(2 * total + count) // (2 * count)]
    return _round(_CTX.divide(hk1 + rules.weight_hk2 * hk2, Decimal(1 + rules.weight_hk2)))


def comment_result(marks: Iterable[str]) -> str:
    """A comment subject's semester result from its complete set of marks.

    Đạt when every assessment is Đ, Chưa đạt otherwise (callers check completeness first).
    """
    return DAT if all(mark == DAT for mark in marks) else CHUA_DAT


# --- learning and training levels -----------------------------------------------------------


def _meets(level: str, scores: Sequence[Decimal], marks: Sequence[str], rules: RuleSet) -> bool:
    """Whether scores and comment results satisfy one row of Điều 9 k.2."""
    lowest = min(scores) if scores else None
    if level == "T":
        return (
            CHUA_DAT not in marks
            and (lowest is None or lowest >= rules.fair)
            and sum(1 for s in scores if s >= rules.good) >= rules.min_count
        )
    if level == "K":
        return (
            CHUA_DAT not in marks
            and (lowest is None or lowest >= rules.passing)
            and sum(1 for s in scores if s >= rules.fair) >= rules.min_count
        )
    if level == DAT:
        return (
            marks.count(CHUA_DAT) <= 1
            and (lowest is None or lowest >= rules.floor)
            and sum(1 for s in scores if s >= rules.passing) >= rules.min_count
        )
    return True


def _table_level(scores: Sequence[Decimal], marks: Sequence[str], rules: RuleSet) -> str:
    return next(lvl for lvl in ("T", "K", DAT, CHUA_DAT) if _meets(lvl, scores, marks, rules))


def _meets_without_one(level: str, scores: Sequence[Decimal], marks: Sequence[str], rules: RuleSet) -> bool:
    """Whether leaving out one single subject (score or comment) makes ``level`` hold.

    Only two subjects need trying: a lowest score and a Chưa đạt (else any) comment. `_meets`
    asks of the scores that the lowest be high enough and that enough reach a bound: leaving out
    a lowest score raises the lowest the most and lowers no count more than leaving out another
    would; of the comments it asks only how many are Chưa đạt, which leaving out a Chưa đạt
    lowers and leaving out another leaves as it is."""
    if scores:
        i = scores.index(min(scores))
        if _meets(level, [*scores[:i], *scores[i + 1 :]], marks, rules):
            return True
    if marks:
        i = marks.index(CHUA_DAT) if CHUA_DAT in marks else 0
        if _meets(level, scores, [*marks[:i], *marks[i + 1 :]], rules):
            return True
    return False


def learning_level(scores: Sequence[Decimal], marks: Sequence[str], rules: RuleSet) -> str:
    """Learning result of a semester or year (Điều 9 k.2), with the k.3 adjustment.

    Args:
        scores: the averages of the subjects assessed by score.
        marks: the results (Đ/CĐ) of the subjects assessed by comment.

    When the table level is two or more levels below Tốt or Khá because of one single
    subject (leaving that subject out, Tốt or Khá holds), it is raised one level.
    """
    level = _table_level(scores, marks, rules)
    rank = _RANK[level]
    for target in ("T", "K"):
        if rank <= _RANK[target] - 2 and _meets_without_one(target, scores, marks, rules):
            return LEVELS[rank + 1]
    return level


# Điều 8: the year's training result from semester II (rows) and semester I (columns).
_YEAR_TRAINING = {
    "T": {"T": "T", "K": "T", DAT: "K", CHUA_DAT: "K"},
    "K": {"T": "K", "K": "K", DAT: "K", CHUA_DAT: DAT},
    DAT: {"T": "K", "K": DAT, DAT: DAT, CHUA_DAT: DAT},
    CHUA_DAT: {"T": CHUA_DAT, "K": CHUA_DAT, DAT: CHUA_DAT, CHUA_DAT: CHUA_DAT},
}


def year_training(hk1: str, hk2: str) -> str:
    """The year's training result, derived from the two semesters (Điều 8), never entered."""
    return _YEAR_TRAINING[hk2][hk1]


def promotion(learning: str, training: str, absences: int, rules: RuleSet) -> str:
    """Year-end outcome (Điều 12–13): ``OL``, ``RLH``, ``KTL`` or ``LL``."""
    if absences > rules.max_absences:
        return "OL"
    if training == CHUA_DAT:
        return "RLH"
    if learning == CHUA_DAT:
        return "KTL"
    return "LL"


def title(learning: str, training: str, year_scores: Sequence[Decimal], rules: RuleSet) -> str | None:
    """``XS`` (Học sinh Xuất sắc), ``G`` (Học sinh Giỏi) or ``None``."""
    if learning != "T" or training != "T":
        return None
    if sum(s >= rules.excellent for s in year_scores) >= rules.min_count:
        return "XS"
    return "G"


# --- a whole student year -----------------------------------------------------------------


@dataclass(frozen=True)
class SemesterScores:
    """What was entered for one subject in one semester; ``None`` means not entered."""

    tx: tuple[Value | None, ...] = ()
    gk: Value | None = None
    ck: Value | None = None


_NOTHING = SemesterScores()


@dataclass(frozen=True)
class SubjectYear:
    code: str
    hk1: SemesterScores | None = None
    hk2: SemesterScores | None = None


@dataclass(frozen=True)
class StudentYear:
    """The input of `assess_student`: one student's school year."""

    school_year: str
    grade: int
    subjects: tuple[SubjectYear, ...]
    training_hk1: str | None = None
    training_hk2: str | None = None
    absences: int | None = None


@dataclass(frozen=True)
class Missing:
    """A required assessment (or input) that is not there: why a result is ``None``."""

    subject: str | None
    semester: str
    kind: str  # "tx", "gk", "ck", "training", "absences"


@dataclass(frozen=True)
class YearAssessment:
    subjects: dict[str, dict[str, Value | None]]
    learning: dict[str, str | None]
    training: dict[str, str | None]
    promotion: str | None
    title: str | None
    missing: tuple[Missing, ...] = field(default=())


def _semester_value(
    code: str, semester: str, entered: SemesterScores | None, required_tx: int, missing: list[Missing]
) -> Value | tuple | None:
    """Đ/CĐ for a complete comment subject, the inputs of the average for a complete score
    subject, ``None`` (and the gaps recorded) when a required assessment is missing."""
    entered = entered or _NOTHING
    tx = [v for v in entered.tx if v is not None]
    by_comment = catalogs.subject(code).by_comment
    if len(tx) < required_tx or entered.gk is None or entered.ck is None:
        for kind, ok in (
            ("tx", len(tx) >= required_tx),
            ("gk", entered.gk is not None),
            ("ck", entered.ck is not None),
        ):
            if not ok:
                missing.append(Missing(code, semester, kind))
        # Đạt only when every required assessment exists and all are Đ (domain rules): a comment
        # subject with a gap is Chưa đạt, the gap still reported; a score subject has no average
        return CHUA_DAT if by_comment else None
    if by_comment:
        return comment_result([*tx, entered.gk, entered.ck])  # type: ignore[list-item]
    return tx, entered.gk, entered.ck


def _subject_values(
    subject: SubjectYear, grade: int, rules: RuleSet, missing: list[Missing]
) -> dict[str, Value | None]:
    required = rules.required_tx(subject.code, grade)
    values: dict[str, Value | None] = {}
    for semester in SEMESTERS:
        value = _semester_value(subject.code, semester, getattr(subject, semester), required, missing)
        if isinstance(value, tuple):
            value = semester_average(*value, rules)
        values[semester] = value
    hk1, hk2 = values["hk1"], values["hk2"]
    if isinstance(hk2, str):
        values["cn"] = hk2  # comment subjects: the year is semester II's result, whatever semester I's
    elif hk1 is None or hk2 is None:
        values["cn"] = None
    else:
        values["cn"] = year_average(hk1, hk2, rules)  # type: ignore[arg-type]
    return values


def level_of(values: Iterable[Value | None], rules: RuleSet) -> str | None:
    """The learning level of a set of subject values (Điều 9 k.2–3); none while one is missing."""
    collected = list(values)
    if any(v is None for v in collected):
        return None
    scores = [v for v in collected if isinstance(v, Decimal)]
    marks = [v for v in collected if isinstance(v, str)]
    return learning_level(scores, marks, rules)


def assess_student(year: StudentYear) -> YearAssessment:
    """Apply the rules in force for the student's year and grade to a whole school year.

    A subject with a missing required assessment has ``None`` for that semester and the
    year; learning levels that depend on it are ``None``, and so is the promotion when the
    year level is. `YearAssessment.missing` says what is missing.
    """
    rules = rules_for(year.school_year, year.grade)
    missing: list[Missing] = []
    given = {s.code: s for s in year.subjects}
    for code in catalogs.subjects():  # a subject not given at all is missing entirely
        if code not in given:
            given[code] = SubjectYear(code)
    subjects = {code: _subject_values(s, year.grade, rules, missing) for code, s in given.items()}
    learning = {p: level_of((v[p] for v in subjects.values()), rules) for p in ("hk1", "hk2", "cn")}
    training = _training(year, missing)
    if year.absences is None:
        missing.append(Missing(None, "cn", "absences"))
    outcome = award = None
    if learning["cn"] is not None and training["cn"] is not None and year.absences is not None:
        outcome = promotion(learning["cn"], training["cn"], year.absences, rules)
    if learning["cn"] is not None and training["cn"] is not None:
        year_scores = [v["cn"] for v in subjects.values() if isinstance(v["cn"], Decimal)]
        award = title(learning["cn"], training["cn"], year_scores, rules)
    shown = {code: subjects[code] for code in (s.code for s in year.subjects)}
    return YearAssessment(shown, learning, training, outcome, award, tuple(missing))


def assess_semester(
    school_year: str, grade: int, subjects: Iterable[SubjectYear], semester: str
) -> tuple[dict[str, Value | None], str | None]:
    """One semester only (``"hk1"`` or ``"hk2"``): each subject's value and the learning level,
    the same rules as `assess_student` without the year's work (reconciliation asks this of
    every student of a school at once: `assess_semester_cells`)."""
    cells = {}
    for s in subjects:
        entered = getattr(s, semester) or _NOTHING
        cells[s.code] = ([v for v in entered.tx if v is not None], entered.gk, entered.ck)
    return assess_semester_cells(school_year, grade, cells)


def assess_semester_cells(
    school_year: str, grade: int, cells: dict[str, tuple[Sequence[Value], Value | None, Value | None]]
) -> tuple[dict[str, Value | None], str | None]:
    """`assess_semester` of what was entered, by subject code: ``(the ĐĐGtx entered, ĐĐGgk,
    ĐĐGck)``, blanks left out of the ĐĐGtx and ``None`` for a blank ĐĐGgk or ĐĐGck; a subject
    not given has nothing entered. The subject rules come from `_semester_plan`, read once."""
    rules = rules_for(school_year, grade)
    values: dict[str, Value | None] = {}
    for code, by_comment, required in _semester_plan(rules, grade):
        tx, gk, ck = cells.get(code) or _NO_CELLS
        if len(tx) < required or gk is None or ck is None:
            values[code] = CHUA_DAT if by_comment else None  # as `_semester_value`: a gap
        elif by_comment:
            values[code] = comment_result([*tx, gk, ck])  # type: ignore[list-item]
        else:
            values[code] = semester_average(tx, gk, ck, rules)  # type: ignore[arg-type]
    return values, level_of(values.values(), rules)


_NO_CELLS: tuple = ((), None, None)


@cache
def _semester_plan(rules: RuleSet, grade: int) -> tuple[tuple[str, bool, int], ...]:
    """Every catalog subject in order: (code, assessed by comment, ĐĐGtx required per semester)."""
    return tuple((code, info.by_comment, rules.required_tx(code, grade)) for code, info in catalogs.subjects().items())


def _training(year: StudentYear, missing: list[Missing]) -> dict[str, str | None]:
    hk1, hk2 = year.training_hk1, year.training_hk2
    for semester, value in (("hk1", hk1), ("hk2", hk2)):
        if value is None:
            missing.append(Missing(None, semester, "training"))
    return {"hk1": hk1, "hk2": hk2, "cn": year_training(hk1, hk2) if hk1 and hk2 else None}
