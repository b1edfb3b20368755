"""Circular 22/2021/TT-BGDĐT as pure functions over exact decimals.

Used by reconciliation (recompute what the CSDL should hold), completeness dashboards and
reports. Rules are looked up per school year (`rules_for`) so that an amendment can be
added without changing how past years computed.
"""

from lienthong.assessment.engine import (
    StudentYear,
    SubjectYear,
    YearAssessment,
    assess_student,
    comment_result,
    learning_level,
    promotion,
    semester_average,
    title,
    year_average,
    year_training,
)
from lienthong.assessment.errors import AssessmentError
from lienthong.assessment.rules import RuleSet, rules_for

__all__ = [
    "AssessmentError",
    "RuleSet",
    "StudentYear",
    "SubjectYear",
    "YearAssessment",
    "assess_student",
    "comment_result",
    "learning_level",
    "promotion",
    "rules_for",
    "semester_average",
    "title",
    "year_average",
    "year_training",
]
