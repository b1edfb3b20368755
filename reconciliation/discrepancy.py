"""Discrepancy records: one difference a person must look at, said in Vietnamese.

Data first: reconciliation yields these records; reports and JSON are renderings of them.
The identity (`id`) depends only on what differs where — kind, student keys, subject,
semester, field — so the same difference keeps its ID across runs.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from lienthong.mapping.normalize import SEMESTER_SAID

SEVERITY = {
    "identity_doubt": "high",
    "duplicate_student": "high",
    "missing_student": "high",
    "score_mismatch": "high",
    "average_mismatch": "high",
    "missing_score": "medium",
    "bio_mismatch": "medium",
    "class_mismatch": "medium",
    "status_mismatch": "medium",
    "absence_mismatch": "low",
    "result_mismatch": "high",
    "report_refused": "high",
}

KIND_WORDS = {  # what a teacher calls each kind
    "approved_result_changed": "kết quả đã duyệt bị thay đổi ở nguồn",
    "score_mismatch": "điểm khác sổ điểm",
    "missing_score": "thiếu điểm",
    "average_mismatch": "điểm trung bình khác",
    "missing_student": "thiếu học sinh",
    "identity_doubt": "nghi vấn danh tính",
    "duplicate_student": "trùng học sinh",
    "bio_mismatch": "lý lịch khác nhau",
    "class_mismatch": "lớp khác nhau",
    "status_mismatch": "trạng thái khác nhau",
    "absence_mismatch": "số buổi nghỉ khác nhau",
    "result_mismatch": "kết quả đánh giá khác nhau",
    "report_refused": "báo cáo bị Sở trả lại",
}

# What a record's ``field`` means, for a person: a report's column, the dashboard's item heading
# (never ``DiemTB``, ``ho_ten`` or ``csdl.cn.GDCD``: `field_said`).
FIELD_WORDS = {
    "hoc_sinh": "Hồ sơ học sinh",
    "ho_ten": "Họ và tên",
    "ngay_sinh": "Ngày sinh",
    "gioi_tinh": "Giới tính",
    "dan_toc": "Dân tộc",
    "trang_thai": "Trạng thái",
    "so_buoi_nghi": "Số buổi nghỉ",
    "gvcn": "Giáo viên chủ nhiệm",
    "lop": "Lớp",
    "ma_dinh_danh": "Mã định danh",
    "DiemTB": "Điểm trung bình môn",
    "gk": "ĐĐGgk",
    "ck": "ĐĐGck",
    "nhan_xet": "Nhận xét",
    "ma_lop": "Lớp",
    "KetQuaHocTap": "Kết quả học tập",
    "KetQuaRenLuyen": "Kết quả rèn luyện",
    "DanhHieu": "Danh hiệu",
    **{f"tx{i}": f"ĐĐGtx{i + 1}" for i in range(8)},
}
_PERIOD_WORDS = {**SEMESTER_SAID, "cn": SEMESTER_SAID["CN"]}
# How a source's empty cell is written among a discrepancy's values and wherever they are shown: a
# value no one proposes as a correction (`resolution`).
EMPTY = "(trống)"


def field_said(field: str) -> str:
    """A record's field as a person reads it: «Họ và tên», «ĐĐGtx2» (as the messages write it), and
    a value compared per source and period (``csdl.cn.GDCD``, ``gradebook.hoc_sinh``) as
    «Giáo dục công dân, cả năm (CSDL)»; a field no word is known for stays as it is."""
    if field in FIELD_WORDS:
        return FIELD_WORDS[field]
    parts = field.split(".")
    if len(parts) not in (2, 3):
        return field
    from lienthong.mapping.catalogs import subject
    from lienthong.mapping.registry import titles

    source, name, period = parts[0], parts[-1], parts[1] if len(parts) == 3 else ""
    what = FIELD_WORDS.get(name)
    if what is None:
        try:
            what = subject(name).name
        except (KeyError, ValueError):
            what = name
    said = ", ".join([what, *([_PERIOD_WORDS[period]] if period in _PERIOD_WORDS else [])])
    title = titles().get(source.split("_")[0])
    if title is None and what == name:  # neither the source nor the name is known: the field as it is
        return field
    return f"{said} ({title})" if title else said


# The register's statuses (`store.tables.DiscrepancyRow.status`) as the school says them: one
# wording for the command, the dashboard and the signed reports (a report once called an item the
# GVCN had handled «đã bỏ qua» while the page said it waited for the sources to agree).
STATUS_WORDS = {
    "open": "chưa xử lý",
    "proposed": "chờ Hiệu trưởng duyệt",
    "approved": "đã duyệt, chờ các nguồn khớp",
    "resolved": "GVCN đã xử lý, chờ các nguồn khớp",
    "closed": "đã khớp (tự đóng)",
}


@dataclass(frozen=True)
class Discrepancy:
    kind: str
    student_name: str
    keys: dict[str, str]  # every platform key known for the student
    field: str
    values: dict[str, Any]  # one entry per source
    message: str  # the sentence a homeroom teacher reads
    class_code: str | None = None
    subject: str | None = None
    semester: str | None = None
    suggestion: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # vnEdu sends some names in NFD: what a person reads (and what a PDF extracts) is NFC
        object.__setattr__(self, "student_name", unicodedata.normalize("NFC", self.student_name))
        object.__setattr__(self, "message", unicodedata.normalize("NFC", self.message))

    @property
    def id(self) -> str:
        basis = json.dumps(
            [self.kind, sorted(self.keys.items()), self.subject, self.semester, self.field], ensure_ascii=False
        )
        return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]

    @property
    def severity(self) -> str:
        return SEVERITY.get(self.kind, "medium")

    def as_json(self) -> dict[str, Any]:
        """The JSON record of ``lienthong reconcile --format json`` (and as the register keeps it); an
        identity doubt's candidates with it (name, class, birth date: whom the GVCN chooses from)."""
        found = {
            "id": self.id,
            "kind": self.kind,
            "severity": self.severity,
            "class": self.class_code,
            "student": {"name": self.student_name, "keys": self.keys},
            "subject": self.subject,
            "semester": self.semester,
            "field": self.field,
            "values": dict(self.values),  # a copy of its own (not `asdict`'s deep one: read, then written out)
            "suggestion": self.suggestion,
            "message": self.message,
        }
        if "candidates" in self.detail:
            found["candidates"] = self.detail["candidates"]
        return found


def name_shown(record: dict[str, Any], school_source: str) -> str:
    """The student's name as the school's own record writes it (``school_source``: the platform
    that keeps the school's records, `config.settings.AuthoritySettings.school`). Where her name is
    the difference, the record names her as the identity platform spells it; every page, table and
    report a person reads names her as her school does, and quotes the other spellings."""
    name = (record.get("student") or {}).get("name") or ""
    if record.get("field") == "ho_ten" and isinstance((record.get("values") or {}).get(school_source), str):
        return unicodedata.normalize("NFC", record["values"][school_source])
    return name


def message_shown(record: dict[str, Any], school_source: str) -> str:
    """The record's message as a person reads it: naming the student as `name_shown` does. The
    record's own message is left as it was made (the JSON output and the API keep it word for word)."""
    message, name = record.get("message") or "", (record.get("student") or {}).get("name") or ""
    ours = name_shown(record, school_source)
    if name and ours != name:
        message = message.replace(f"em {name} (", f"em {ours} (", 1)
    return message


def candidates_of(record: dict) -> list[dict]:
    """An identity doubt's candidates as its record keeps them (``key``, ``name``, ``class``,
    ``birth_date``): a teacher's row, one of which the homeroom teacher names. A doubt between two
    platforms' records has none (it is settled by correcting the record that is wrong), and a record
    kept before they were is refreshed by the next reconciliation."""
    return [c for c in record.get("candidates") or [] if c.get("key")]
