"""How the pages and the API say what the services return: Vietnamese words, Vietnam's time.

Presentation only: no rule and no query lives here.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from fastapi.templating import Jinja2Templates

from lienthong.mapping import catalogs
from lienthong.mapping.calendar import shown_time
from lienthong.mapping.normalize import LEVEL_WORDS, SEMESTER_SAID, SEMESTER_TITLES, TITLE_WORDS
from lienthong.mapping.registry import titles
from lienthong.reconciliation import resolution
from lienthong.reconciliation.discrepancy import (
    EMPTY,
    KIND_WORDS,
    STATUS_WORDS,
    candidates_of,
    field_said,
    message_shown,
    name_shown,
)
from lienthong.store.accounts import ROLES, Actor
from lienthong.store.tables import DiscrepancyRow, ResolutionRow

STEP_WORDS = {"proposed": "GVCN đề xuất", "approved": "Hiệu trưởng duyệt", "rejected": "Hiệu trưởng từ chối"}


def when(at: datetime | None) -> str:
    return shown_time(at) if at else "—"


def _iso(at: datetime | None) -> str | None:
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).isoformat() if at else None


def subject_name(code: str | None) -> str:
    if not code:
        return ""
    try:
        return catalogs.subject(code).name
    except (KeyError, ValueError):
        return code


def subject_heading(code: str | None) -> str:
    """The short heading a school's tables give a subject ("LS&ĐL"), where a code means nothing to a principal."""
    if not code:
        return ""
    try:
        return catalogs.subject(code).short_name
    except (KeyError, ValueError):
        return code


def field_words(row: DiscrepancyRow) -> str:
    """The item's field as the reports say it («ĐĐGtx2», «Họ và tên», «Kết quả học tập, cả năm (CSDL)»)."""
    return field_said((row.record or {}).get("field", ""))


def shown_value(value: Any) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, float | int) and not isinstance(value, bool):
        return str(value).replace(".", ",")
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "; ".join(f"{k}: {shown_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(shown_value(v) for v in value)
    return str(value)


def value_words(value: Any, field: str = "") -> str:
    """A source's value or a proposal as a teacher reads it: a level as its word («Khá», not «K»:
    Đ/CĐ are Đạt/Chưa đạt wherever they stand) and, for a title's field, the title's name."""
    if isinstance(value, str):
        if value in LEVEL_WORDS:
            return LEVEL_WORDS[value]
        if value in TITLE_WORDS and "danhhieu" in field.lower().replace("_", ""):
            return TITLE_WORDS[value]
    return shown_value(value)


def sources(row: DiscrepancyRow, read: dict[str, datetime]) -> list[dict[str, Any]]:
    """Each source's value with its name and when it was last read."""
    names = titles()
    return [
        {
            "source": source,
            "title": names.get(source, source),
            "value": value,
            "shown": value_words(value, str((row.record or {}).get("field") or "")),
            # offered exactly when a proposal of it would be accepted (never empty, nor an identity doubt's key)
            "choosable": resolution.acceptable(row, value),
            "read_at": when(read.get(source)),
            "read_at_iso": _iso(read.get(source)),
        }
        for source, value in ((row.record or {}).get("values") or {}).items()
    ]


def candidates(row: DiscrepancyRow, classes: frozenset[str] | None = None) -> list[dict[str, Any]]:
    """The school's students a teacher's row may be (an identity doubt), as the homeroom teacher
    chooses among them: «Nguyễn Văn An (6A1, sinh 02/03/2013)», the value proposed being its key.
    ``classes``: the reader's classes (``None``: every one); a namesake of another class is shown by
    her class alone, which tells her apart — her birth date is her own class's business."""
    if row.kind != "identity_doubt":
        return []
    shown = []
    for c in candidates_of(row.record or {}):
        cls, born = c.get("class"), c.get("birth_date")
        if classes is not None and cls not in classes:
            said = f"{c.get('name')} ({cls or 'chưa rõ lớp'})"
        else:
            said = f"{c.get('name')} ({cls or 'chưa rõ lớp'}, {'sinh ' + born if born else 'chưa rõ ngày sinh'})"
        shown.append({"key": c["key"], "shown": said})
    return shown


def step_json(step: ResolutionRow, names: dict[str, str] | None = None) -> dict[str, Any]:
    """One step of a difference's handling; ``names``: accounts by reference (`accounts.names_by_ref`),
    so that a person reads «Lê Thị Lan (giáo viên chủ nhiệm)», not ``user:3:gv.lan``."""
    return {
        "step": step.step,
        "step_words": STEP_WORDS.get(step.step, step.step),
        "actor": step.actor,
        "actor_shown": (names or {}).get(step.actor, step.actor),
        "role": step.role,
        "value": (step.value or {}).get("value"),
        "value_shown": value_words((step.value or {}).get("value")),
        "reason": step.reason,
        "at": step.at.isoformat() if step.at else None,
        "at_shown": when(step.at),
        "present": (step.value or {}).get("present"),
        "present_shown": present_words((step.value or {}).get("present")),
    }


PRESENT_WORDS = {"principal": "Hiệu trưởng", "board": "Ban quản trị", "gvcn": "GVCN"}


def present_words(present: dict | None) -> str:
    """The people present at a correction (Suối Ngô art. 9) as the minutes name them."""
    if not present:
        return ""
    return "; ".join(f"{PRESENT_WORDS[k]} {v.get('name', '')}" for k, v in present.items() if k in PRESENT_WORDS)


def discrepancy_json(
    row: DiscrepancyRow,
    read: dict[str, datetime],
    school_source: str | None = None,
    classes: frozenset[str] | None = None,
) -> dict[str, Any]:
    """One discrepancy as the API gives it (its record's name and message as made), and as the pages
    lay it out (``school_source``: the student named as her school's record writes it, as the
    reports name her: `discrepancy.name_shown`). ``classes``: the reader's (`candidates`)."""
    record = row.record or {}
    return {
        "id": row.id,
        "kind": row.kind,
        "kind_words": KIND_WORDS.get(row.kind, row.kind),
        "status": row.status,
        "status_words": STATUS_WORDS.get(row.status, row.status),
        "class": row.class_code,
        "assignee": row.assignee,
        "student": name_shown(record, school_source) if school_source else (record.get("student") or {}).get("name"),
        "subject": record.get("subject"),
        "subject_name": subject_name(record.get("subject")),
        "semester": record.get("semester"),
        "field": record.get("field"),
        "field_words": field_words(row),
        "message": message_shown(record, school_source) if school_source else record.get("message", ""),
        "suggestion": record.get("suggestion", ""),
        "sources": sources(row, read),
        "candidates": candidates(row, classes),
        "first_seen": when(row.first_seen),
        "last_seen": when(row.last_seen),
    }


def actor_json(actor: Actor) -> dict[str, Any]:
    return {
        "login": actor.login,
        "full_name": actor.full_name,
        "role": actor.role,
        "role_words": ROLES.get(actor.role, actor.role),
        "classes": sorted(actor.classes),
        "subjects": sorted(actor.subjects),
    }


def install(templates: Jinja2Templates) -> None:
    """The helpers the templates use."""
    templates.env.globals.update(ROLES=ROLES, STATUS_WORDS=STATUS_WORDS, when=when)
    templates.env.filters["subject_name"] = subject_name
    templates.env.filters["subject_heading"] = subject_heading
    # a semester as every page, report and command writes it: «Học kỳ I», «học kỳ II» (`mapping.normalize`)
    templates.env.filters["semester_title"] = lambda code: SEMESTER_TITLES.get(str(code), str(code))
    templates.env.filters["semester_said"] = lambda code: SEMESTER_SAID.get(str(code), str(code))
    templates.env.autoescape = True
