"""Platform students as `matching.Person`s, through the canonical mapping. A record that does not
map (mojibake, an impossible date…) is set aside with the reason, for a person to see."""

from __future__ import annotations

from typing import Any, Callable

from pydantic import ValidationError

from lienthong.mapping.canonical import Student
from lienthong.mapping.csdl import student_from_csdl
from lienthong.mapping.errors import MappingError, describe
from lienthong.mapping.normalize import clean_name, parse_date
from lienthong.mapping.vnedu import student_from_vnedu
from lienthong.reconciliation.matching import Person

MAPPERS: dict[str, Callable[[dict[str, Any]], Student]] = {"vnedu": student_from_vnedu, "csdl": student_from_csdl}


def people(source: str, records: dict[str, dict[str, Any]]) -> tuple[list[Person], dict[str, str]]:
    """``(people, unreadable)`` where ``unreadable`` maps a key to the Vietnamese reason."""
    found, unreadable = [], {}
    for key, payload in records.items():
        if payload.get("tu_tep"):  # from an export: name, birth date and class only
            try:
                found.append(_from_export(source, key, payload))
            except MappingError as exc:
                unreadable[key] = describe(exc)
            continue
        try:
            student = MAPPERS[source](payload)
        except (ValidationError, MappingError, KeyError) as exc:
            unreadable[key] = describe(exc) if not isinstance(exc, KeyError) else f"thiếu trường {exc.args[0]}"
            continue
        found.append(Person(source, key, student.full_name, student.birth_date, student.class_code,
                            student.gender.value, student.ministry_id, student.personal_id))
    return found, unreadable


def _from_export(source: str, key: str, payload: dict[str, Any]) -> Person:
    born = payload.get("ngay_sinh")
    return Person(source, key, clean_name(payload["ho_ten"], field="ho_ten"),
                  parse_date(born, field="ngay_sinh") if born else None, payload.get("ma_lop"), None)
