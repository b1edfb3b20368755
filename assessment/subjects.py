"""The subject catalog (Circular 22 data: how each subject is assessed and its periods per
grade), loaded once from ``subjects.csv``. `lienthong.mapping.catalogs` adds the name lookups."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from lienthong.assessment.errors import AssessmentError

Assessment = Literal["score", "comment"]


@dataclass(frozen=True)
class SubjectInfo:
    """One subject of the catalog."""

    code: str
    name: str
    short_name: str  # the heading a school's tables use ("LS&ĐL", "HĐTN&HN"), where the full name does not fit
    assessment: Assessment
    periods_by_grade: dict[int, int]
    aliases: tuple[str, ...]

    @property
    def by_comment(self) -> bool:
        return self.assessment == "comment"


@cache
def subjects() -> dict[str, SubjectInfo]:
    """The subject catalog keyed by code, in the catalog's order."""
    with resources.files(__package__).joinpath("subjects.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {
        row["code"]: SubjectInfo(
            code=row["code"],
            name=row["name"],
            short_name=row["short_name"],
            assessment=row["assessment"],  # type: ignore[arg-type]
            periods_by_grade={g: int(row[f"periods_{g}"]) for g in (6, 7, 8, 9)},
            aliases=tuple(a for a in (row.get("aliases") or "").split("|") if a),
        )
        for row in rows
    }


def subject(code: str) -> SubjectInfo:
    """The subject with ``code``; an unknown code is an error listing the known ones."""
    try:
        return subjects()[code]
    except KeyError:
        known = ", ".join(subjects())
        raise AssessmentError(f"Mã môn không có trong danh mục ({known})", value=code) from None
