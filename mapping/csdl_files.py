"""The ministry's Excel exports as stored records (`connectors.csdl.excel.FILE_KINDS`).

Apart from `mapping.csdl` (CSDL ↔ canonical) so that reading a file — in an import's worker
processes, `sync.file_readers` — loads neither the canonical models nor pydantic;
`mapping.csdl` offers these names too.
"""

from __future__ import annotations

from typing import Any

from lienthong.mapping.file_records import FileRecords
from lienthong.mapping.normalize import class_order


def _file_records(read: Any, entity: str) -> FileRecords:
    out = FileRecords(school_year=read.info.get("school_year"))
    classes = set()
    for record in read.records:
        if not record["MaDinhDanh"]:
            continue  # not stored (keyed by that ID): the reader notes it at its cell (`NO_MINISTRY_ID`)
        if entity == "hoc_sinh":
            out.stored.append(("hoc_sinh", record["MaDinhDanh"], record))
            classes.add(record["MaLop"])
        else:
            out.stored.append(("ket_qua", f"{record['MaDinhDanh']}:{record['HocKy']}", record))
            out.semesters = sorted({*out.semesters, record["HocKy"]})
            out.cells += len(record["Mon"])
    out.classes = sorted((classes | (read.info.get("classes") or set())) - {""}, key=class_order)
    return out


def student_list_records(read: Any) -> FileRecords:
    return _file_records(read, "hoc_sinh")


def results_records(read: Any) -> FileRecords:
    return _file_records(read, "ket_qua")
