"""Platform students as `matching.Person`s, through each platform's canonical mapping. A record
that does not map (mojibake, an impossible date…) is set aside with the reason, for a person to see."""

from __future__ import annotations

from typing import Any

from lienthong.mapping.registry import canonical
from lienthong.reconciliation.compare import person
from lienthong.reconciliation.matching import Person


def people(source: str, records: dict[str, dict[str, Any]]) -> tuple[list[Person], dict[str, str]]:
    """``(people, unreadable)`` where ``unreadable`` maps a key to the Vietnamese reason."""
    mapped = canonical({source: {"hoc_sinh": records}})[source]
    return [person(source, key, student) for key, student in mapped.students.items()], mapped.unreadable
