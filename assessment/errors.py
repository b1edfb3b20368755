"""Errors of the assessment layer."""

from lienthong.mapping.errors import MappingError


class AssessmentError(MappingError):
    """Input the rules cannot be applied to (a year without rules, a bad grade…)."""
