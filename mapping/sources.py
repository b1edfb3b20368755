"""One source's stored records as canonical data: what reconciliation reads.

Each platform's mapping module (`mapping.vnedu`, `mapping.csdl`, `mapping.portal`,
`mapping.gradebook`) declares the entities it reads (`ENTITIES`) and turns their stored
payloads into a `SourceRecords` (`to_canonical`). Reconciliation sees only these, never a
platform's field names. Records are built with ``model_construct`` from values the mapping has
already normalised: the pulls were checked by the connectors and the imports by the readers,
and validating hundreds of thousands of cells again on every reconciliation would cost seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Protocol

from lienthong.mapping.canonical import Absence, ReportRequest, SemesterResult, Student, YearResult
from lienthong.mapping.file_records import FileRecords, score_sheets_read  # noqa: F401 (offered here too)

Payloads = dict[str, dict[str, Any]]  # key → stored payload


@dataclass
class SourceRecords:
    """Everything one source holds, canonical. Keys are the source's own record keys."""

    name: str
    title: str = ""  # how people call the source ("vnEdu", "CSDL")
    full_title: str = ""  # in a sentence ("CSDL ngành")
    students: dict[str, Student] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)  # student key → why it could not be read
    raw_names: dict[str, tuple[str, str]] = field(default_factory=dict)  # key → (name, class) as written
    sheets: Any = field(default_factory=dict)  # score sheet key "student:subject:semester" → cells source
    results: dict[str, SemesterResult] = field(default_factory=dict)  # "student:period" (1, 2, CN)
    training: dict[str, str] = field(default_factory=dict)  # "student:semester" → level given
    absences: list[Absence] = field(default_factory=list)
    summaries: dict[str, YearResult] = field(default_factory=dict)  # the platform's own year summary
    # The platform's own summary of each period, "student:period" (1, 2, CN); the CN ones are `summaries`.
    period_summaries: dict[str, SemesterResult] = field(default_factory=dict)
    requests: list[ReportRequest] = field(default_factory=list)
    teachers: dict[str, str] = field(default_factory=dict)  # class → its homeroom teacher
    has_attendance: bool = False
    # set by reconciliation on the score owner: how its students were linked to the school's
    # (`reconciliation.compare.OwnerLinks`: counts by way, doubts, rows waiting for a roster)
    linked: Any = None
    # set by reconciliation on the score owner as it loads it (`reconciliation.service.load_sources`):
    # its students a homeroom teacher linked by hand (an identity doubt settled), key → the school's key
    confirmed: dict[str, str] = field(default_factory=dict)

    def year_result(self, student: str) -> YearResult | None:
        found = self.results.get(f"{student}:CN")
        return found if isinstance(found, YearResult) else None


class SourceMapping(Protocol):
    """What a platform's mapping module offers reconciliation."""

    SOURCE: str
    TITLE: str
    FULL_TITLE: str
    ENTITIES: tuple[str, ...]

    def to_canonical(self, stored: dict[str, Payloads]) -> SourceRecords: ...


def empty(mapping: SourceMapping | ModuleType) -> SourceRecords:
    return SourceRecords(mapping.SOURCE, mapping.TITLE, mapping.FULL_TITLE)


def trimmed(values: Any) -> list:
    """The values without the blanks at the end (a sheet's last assessments not yet given)."""
    values = values if isinstance(values, list) else list(values)
    end = len(values)
    while end and values[end - 1] is None:
        end -= 1
    return values[:end]
