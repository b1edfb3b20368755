"""Platform students as `matching.Person`s: a canonical student as matching compares it (`person`,
which `compare` and `owner_links` use), and stored records through each platform's canonical mapping
(`people`). A record that does not map (mojibake, an impossible date…) is set aside with the reason,
for a person to see."""

from __future__ import annotations

from typing import Any

from lienthong.mapping.canonical import Student
from lienthong.mapping.registry import canonical
from lienthong.reconciliation.matching import Person


def person(source: str, key: str, student: Student) -> Person:
    """What matching compares of a canonical student."""
    gender = getattr(student.gender, "value", student.gender)
    return Person(
        source,
        key,
        student.full_name,
        student.birth_date,
        student.class_code,
        gender,
        student.ministry_id,
        student.personal_id,
    )


def people(source: str, records: dict[str, dict[str, Any]]) -> tuple[list[Person], dict[str, str]]:
    """``(people, unreadable)`` where ``unreadable`` maps a key to the Vietnamese reason."""
    mapped = canonical({source: {"hoc_sinh": records}})[source]
    return [person(source, key, student) for key, student in mapped.students.items()], mapped.unreadable
