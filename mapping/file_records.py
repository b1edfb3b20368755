"""What a platform's mapping makes of one read file: the records to store (`FileRecords`) and the
score sheets of a read score book (`score_sheets_read`), shared by the platforms' file mappings.

Apart from `mapping.sources` (the canonical side, for reconciliation) so that reading a file — in
an import's worker processes, `sync.file_readers` — loads neither the canonical models nor
pydantic: a third of a second at every worker's start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from lienthong.mapping.normalize import class_order


@dataclass
class FileRecords:
    """What a platform's mapping makes of one read file: the records to store, and what the file
    says about itself for the import report."""

    stored: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # (entity, key, payload)
    refused: list[tuple] = field(default_factory=list)  # (row, Vietnamese reason, column[, sheet])
    notes: list[tuple] = field(default_factory=list)  # (row, Vietnamese note, column[, sheet])
    semesters: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    school_year: str | None = None
    cells: int = 0


def wire_value(value: Any) -> str | None:
    """A read value as the platforms write it (``8.5``, ``Đ``), ``None`` for a blank."""
    return None if value is None else (value if isinstance(value, str) else f"{value}".removesuffix(".0"))


def _wired(values: list, texts: dict[int, Any]) -> list:
    """`wire_value` of each value, made once per value object: a reader hands the same parsed score
    (one object for every cell reading 8,5) to thousands of cells. ``texts`` (id → text) lives while
    the records holding the values do, so an id is never another object's."""
    try:
        return [texts[id(value)] for value in values]  # after a file's first rows, every value is known
    except KeyError:
        for value in values:
            if id(value) not in texts:
                texts[id(value)] = wire_value(value)
        return [texts[id(value)] for value in values]


def score_sheets_read(
    read: Any,
    out: FileRecords,
    source_title: str,
    extra: dict[str, str] | None = None,
    student_key: Callable[[dict[str, Any]], str] | None = None,
) -> list:
    """The score sheets of a read score book, keyed "student:subject:semester"; returns the
    records kept.

    ``student_key``: the key of a row's student. Without it (a platform's own score book) the
    student is the row's student code, and a row without one is refused, saying so; with it (a
    teacher's gradebook, whose rows are linked to the school's students at reconciliation) every
    row is kept under the key it gives."""
    kept = []
    texts: dict[int, Any] = {id(None): None}  # id of a read value → its wire text (`_wired`)
    extra = extra or {}
    stored, cells = out.stored, 0
    text_of = texts.__getitem__
    semesters: dict[Any, int] = {}  # a record's "hoc_ky" → its number: one per sheet, read once
    for record in read.records:
        if student_key is None and not record["ma_hoc_sinh"]:
            in_class = f" ({record['lop']})" if record.get("lop") else ""
            out.refused.append(
                (
                    record["dong"],
                    f"Em {record['ho_ten']}{in_class} không có Mã học sinh "
                    f"{source_title} nên chưa đối chiếu được: hãy thêm cột Mã học sinh",
                    "Mã học sinh",
                    record.get("trang") or "",
                )
            )
            continue
        student = student_key(record) if student_key else record["ma_hoc_sinh"]
        try:  # `_wired`, inlined: a school's books have ~50,000 rows
            tx = list(map(text_of, map(id, record["tx"])))
            mid, end = text_of(id(record["gk"])), text_of(id(record["ck"]))
        except KeyError:
            wired = _wired([*record["tx"], record["gk"], record["ck"]], texts)
            tx, mid, end = wired[:-2], wired[-2], wired[-1]
        # texts: comparing Decimals with None costs an ABC check
        cells += len(tx) + 2 - tx.count(None) - (mid is None) - (end is None)
        while tx and tx[-1] is None:  # `trimmed`
            tx.pop()
        subject, semester = record["ma_mon"], record["hoc_ky"]
        semester = semesters.get(semester) or semesters.setdefault(semester, int(semester))
        payload = {
            "ma_hoc_sinh": record["ma_hoc_sinh"],
            "ma_mon": subject,
            "hoc_ky": semester,
            "ddg_tx": tx,
            "ddg_gk": mid,
            "ddg_ck": end,
            "nhan_xet": record.get("nhan_xet") or "",
        }
        if extra:
            payload.update((name, record[field_]) for name, field_ in extra.items())
        stored.append(("diem", f"{student}:{subject}:{semester}", payload))
        kept.append(record)
    out.cells += cells
    sheets = read.info.get("sheets", [])
    out.semesters = sorted({s["semester"] for s in sheets})
    # a sheet of several classes (a «Lớp» column, no class in its title) says its classes itself
    out.classes = sorted({c for s in sheets for c in s.get("classes") or [s.get("class_code")] if c}, key=class_order)
    out.school_year = next((s["school_year"] for s in sheets if s.get("school_year")), None)
    return kept
