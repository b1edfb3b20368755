"""``lienthong completeness``: how much of what Circular 22 requires each class × subject has
entered, per teacher, the training results and absences per class, and who is late by the Suối
Ngô regulation — the figures of `reconciliation.completeness_service`, as a table or as JSON.

rich is loaded only for the table (the JSON path, the one scripts read, never loads it).
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from lienthong.cli import exits

if TYPE_CHECKING:
    from rich.console import Console

    from lienthong.reconciliation.completeness_figures import Completeness

FORMATS = ("table", "json")
STATUS_SHOWN = {"ok": "đúng hạn", "late": "TRỄ", "unverified": "chưa xác minh", "pending": "chưa đến hạn"}
ROLE_SHOWN = {"gvbm": "GVBM", "gvcn": "GVCN"}


def run_completeness(
    class_code: str | None, semester: str | None, output_format: str, console: Console | None = None
) -> int:
    """Print the figures; 0 when nobody is late, 1 when someone is (as `reconcile` exits 1 on
    differences), 2 for bad input (an unknown class or semester: said in Vietnamese)."""
    from lienthong.config.settings import Settings
    from lienthong.reconciliation.completeness_service import completeness_report
    from lienthong.sync.service import open_store

    if output_format not in FORMATS:
        print("--format phải là table hoặc json", file=sys.stderr)
        return exits.BAD_INPUT
    settings = Settings()
    report = completeness_report(
        open_store(settings), settings.current_school_year(), class_code, semester, settings=settings
    )
    if output_format == "json":
        sys.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, sort_keys=True) + "\n")
    else:
        print_table(report, console or _console())
    return exits.DIFFERENCES if report.late else exits.OK


def _console() -> Console:
    from rich.console import Console

    return Console(markup=False, highlight=False, soft_wrap=True)


def _day(value: Any) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


def _share(entered: int, required: int) -> str:
    from lienthong.reconciliation.completeness_figures import percent_entered  # loaded by the report already

    return f"{entered}/{required} ({percent_entered(entered, required)}%)" if required else "—"


def print_table(report: Completeness, console: Console) -> None:
    """The figures as tables with Vietnamese headings: subjects, classes, teachers, who is late."""
    from rich.table import Table

    where = f"lớp {report.class_code}" if report.class_code else "toàn trường"
    semesters = ", ".join(f"HK{s}" for s in report.semesters)
    if not report.measured:
        console.print(
            f"Chưa đo được mức độ đầy đủ trên {report.source}, {where}, năm học {report.school_year}: "
            "chưa có lớp hay sổ điểm nào để đo."
        )
        for note in report.notes:
            console.print(f"Lưu ý: {note}")
        return
    console.print(
        f"Mức độ đầy đủ trên {report.source}, {where}, năm học {report.school_year}, {semesters} "
        f"(tính đến {_day(report.today)}): đã nhập {_share(report.entered, report.required)} đầu điểm bắt buộc."
    )
    subjects = Table("Lớp", "HK", "Môn", "Giáo viên", "Đã nhập", "TX", "GK", "CK", "Đủ", "Đ/CĐ", "Cập nhật", "Nhịp")
    for s in report.subjects:
        subjects.add_row(
            s.class_code,
            s.semester,
            s.subject_name,
            s.teacher or "chưa rõ",
            _share(s.entered, s.required),
            f"{s.tx_entered}/{s.students * s.required_tx}",
            f"{s.gk_entered}/{s.students}",
            f"{s.ck_entered}/{s.students}",
            f"{s.complete}/{s.students}",
            f"{s.passed}/{s.failed}" if s.by_comment else "",
            _day(s.last_update),
            ", ".join(f"{'giữa' if c.kind == 'mid' else 'cuối'}: {STATUS_SHOWN[c.status]}" for c in s.checkpoints)
            or "—",
        )
    console.print(subjects)
    classes = Table("Lớp", "HK", "GVCN", "Sĩ số", "Rèn luyện", "Buổi nghỉ", "HS nghỉ", "Tháng nhập trễ", "Chuyển/thôi")
    for c in report.classes:
        late_months = ", ".join(f"{m.month[5:]}/{m.month[:4]} ({m.late})" for m in c.months if m.late)
        classes.add_row(
            c.class_code,
            c.semester,
            c.gvcn or "chưa rõ",
            str(c.students),
            f"{c.training_entered}/{c.students}",
            str(c.absence_sessions) if c.attendance else "chưa có dữ liệu",
            str(c.absent_students) if c.attendance else "—",
            late_months or "—",
            str(c.moved),
        )
    console.print(classes)
    if report.teachers:
        teachers = Table("Giáo viên bộ môn", "Lớp × môn", "Đã nhập", "Mốc trễ", "Thiếu sau học kỳ", "Chậm tiến độ")
        for t in report.teachers:
            teachers.add_row(
                t.teacher,
                str(len(t.assignments)),
                _share(t.entered, t.required),
                str(t.late),
                str(t.incomplete_over),
                "có" if t.behind else "không",
            )
        console.print(teachers)
    if report.late:
        late = Table("Người phụ trách", "Vai trò", "Hạn", "Việc")
        for item in report.late:
            late.add_row(item.who or "chưa rõ", ROLE_SHOWN.get(item.role, item.role), _day(item.due), item.message)
        console.print(late)
        console.print(f"{len(report.late)} việc trễ hạn theo Quy chế Suối Ngô.")
    else:
        console.print("Không ai trễ hạn theo những gì đo được.")
    for note in report.notes:
        console.print(f"Lưu ý: {note}")
