"""The principal's page as XLSX (openpyxl) and PDF (WeasyPrint, DejaVu; A4), in the style of the
reconciliation reports (`reconciliation.reports`: bold frozen header rows with filters, text cells
made safe, nothing fetched from outside the PDF's HTML). Renderings of `overview.Overview` only.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from fastapi.templating import Jinja2Templates

from lienthong.dashboard import views
from lienthong.dashboard.overview import Overview, heat_level
from lienthong.mapping.normalize import safe_text
from lienthong.reconciliation.reports import html_to_pdf
from lienthong.store.access import AGE_WORDS


def _append(sheet, values: list) -> None:
    sheet.append([safe_text(v) if isinstance(v, str) else v for v in values])


def _sheet(book, title: str, header: list[str], rows: list[list], widths: tuple[int, ...]) -> None:
    from openpyxl.styles import Font

    sheet = book.create_sheet(title[:31])
    _append(sheet, header)
    for row in rows:
        _append(sheet, row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.auto_filter.ref = sheet.dimensions
    sheet.freeze_panes = "A2"
    for i, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + i)].width = width


def title_of(ov: Overview) -> str:
    if ov.department is not None:
        return f"Tổng quan tổ chuyên môn ({', '.join(views.subject_name(s) for s in ov.department) or 'chưa giao môn'})"
    return "Tổng quan nhà trường"


def overview_xlsx(ov: Overview, school: str, generated: datetime) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    summary = book.active
    summary.title = "Tổng hợp"
    _append(summary, [title_of(ov)])
    _append(summary, [f"{school} · Năm học {ov.figures.school_year if ov.figures else ''} · {views.when(generated)}"])
    if ov.figures:
        f = ov.figures
        _append(summary, ["Học kỳ", ", ".join(f.semesters)])
        _append(summary, ["Đầu điểm đã nhập / bắt buộc", f"{f.entered}/{f.required}"])
        for note in f.notes:
            _append(summary, [note])
    summary["A1"].font = Font(bold=True, size=13)
    if ov.figures:
        subjects = [
            [
                s.class_code,
                s.subject_name,
                s.semester,
                s.teacher or "",
                s.students,
                s.entered,
                s.required,
                s.share,
                s.complete,
                "trễ hạn" if s.late else "",
            ]
            for s in ov.figures.subjects
        ]
        header = [
            "Lớp",
            "Môn",
            "Học kỳ",
            "Giáo viên",
            "Sĩ số",
            "Đã nhập",
            "Bắt buộc",
            "%",
            "HS đủ điểm",
            "Nhịp cập nhật",
        ]
        _sheet(book, "Lớp × môn", header, subjects, (6, 26, 7, 24, 7, 9, 9, 6, 10, 14))
        teachers = [[t.teacher, ", ".join(t.assignments), t.entered, t.required, t.late] for t in ov.figures.teachers]
        header = ["Giáo viên", "Lớp, môn", "Đã nhập", "Bắt buộc", "Mốc trễ hạn"]
        _sheet(book, "Giáo viên", header, teachers, (24, 40, 9, 9, 12))
        late = [
            [i.who or "chưa rõ", i.class_code, views.subject_name(i.subject), i.semester, i.due.isoformat(), i.message]
            for i in ov.figures.late
        ]
        _sheet(book, "Trễ hạn", ["Người", "Lớp", "Môn", "Học kỳ", "Hạn", "Nội dung"], late, (22, 6, 20, 7, 11, 70))
    ages = [[code or "(trường)", *per.values(), sum(per.values())] for code, per in ov.by_age.items()]
    _sheet(book, "Khác biệt", ["Lớp", *AGE_WORDS.values(), "Tổng"], ages, (8, 12, 12, 12, 8))
    health = [
        [h.title, views.when(h.last_read), views.when(h.last_success), lag_words(h.lag), h.waiting, h.dead]
        for h in ov.health
    ]
    header = ["Hệ thống", "Đọc gần nhất", "Đồng bộ thành công", "Độ trễ", "Chờ gửi", "Bị từ chối"]
    _sheet(book, "Đồng bộ", header, health, (16, 20, 20, 12, 9, 10))
    if ov.portal:
        requests = [
            [
                r.code,
                r.name,
                r.form,
                r.due.isoformat() if r.due else "",
                PORTAL_WORDS.get(r.status, r.status),
                on_time_words(r.on_time, r.overdue),
            ]
            for r in ov.portal.requests
        ]
        _sheet(
            book,
            "Báo cáo Sở",
            ["Mã", "Tên", "Biểu mẫu", "Hạn nộp", "Trạng thái", "Đúng hạn"],
            requests,
            (14, 40, 14, 11, 14, 12),
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def overview_pdf(templates: Jinja2Templates, ov: Overview, school: str, generated: datetime) -> bytes:
    template = templates.env.get_template("principal_pdf.j2")
    html = template.render(ov=ov, title=title_of(ov), school=school, generated=views.when(generated), **helpers())
    return html_to_pdf(html)


PORTAL_WORDS = {"chua_nop": "chưa nộp", "da_nop": "đã nộp", "bi_tra_lai": "bị trả lại", "da_duyet": "Sở đã duyệt"}


def on_time_words(on_time: bool | None, overdue: bool) -> str:
    if overdue:
        return "quá hạn, chưa nộp"
    return {True: "đúng hạn", False: "nộp muộn", None: "—"}[on_time]


def lag_words(lag) -> str:
    if lag is None:
        return "chưa đọc"
    minutes = int(lag.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} phút"
    if minutes < 48 * 60:
        return f"{minutes // 60} giờ"
    return f"{minutes // (24 * 60)} ngày"


def helpers() -> dict[str, Any]:
    return {
        "AGE_WORDS": AGE_WORDS,
        "PORTAL_WORDS": PORTAL_WORDS,
        "on_time_words": on_time_words,
        "lag_words": lag_words,
        "heat_level": heat_level,
    }
