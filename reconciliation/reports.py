"""Reports of a reconciliation: per class for the homeroom teacher, per school for IT and the
principal, as HTML, XLSX (one sheet per kind, filters on) and PDF (A4, fonts embedded).

Renderings only: each takes exactly the JSON records of ``lienthong reconcile --format json``
(`Discrepancy.as_json`) and, in the context, what its summary says besides (the checks that
could not run and the completeness figures), and adds nothing but layout and Vietnamese words.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

from lienthong.config.settings import AuthoritySettings
from lienthong.mapping import catalogs
from lienthong.mapping.normalize import safe_text
from lienthong.mapping.registry import titles
from lienthong.reconciliation.discrepancy import KIND_WORDS

if TYPE_CHECKING:
    from jinja2 import Environment
    from openpyxl import Workbook

SEVERITY_WORDS = {"high": "cao", "medium": "trung bình", "low": "thấp"}


# Jinja2, openpyxl and WeasyPrint load inside the renderer that needs them: `reconcile --format json`
# and the table on screen never pay for them (tests/cli/test_startup.py).
@cache
def _env() -> Environment:
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(
        loader=PackageLoader("lienthong.reconciliation", "templates"), autoescape=select_autoescape(["j2"])
    )


@dataclass(frozen=True)
class ReportContext:
    school: str
    school_year: str
    generated: datetime
    class_code: str | None = None  # a class's report for its GVCN, or the whole school
    teachers: dict[str, str] = field(default_factory=dict)  # class → GVCN
    titles: dict[str, str] = field(default_factory=titles)  # source → how people call it
    school_source: str = field(default_factory=lambda: AuthoritySettings().school)  # whose student code is shown
    identity_source: str = field(default_factory=lambda: AuthoritySettings().identity)  # who issues the Mã định danh
    skipped: list[dict] = field(default_factory=list)  # the summary's ``skipped``: checks that could not run, why
    incomplete: list[dict] = field(default_factory=list)  # the summary's ``incomplete``: blanks per class and subject
    compared: bool = True  # the summary's ``compared``: whether any two sources were compared
    matched: str = ""  # how the teachers' rows were linked to the school's students, said in words

    def source_word(self, source: str) -> str:
        """A source as people call it; a platform's own summary (``…_tonghop``) as «tổng hợp …»."""
        if source.endswith("_tonghop"):
            return f"tổng hợp {self.source_word(source.removesuffix('_tonghop'))}"
        return self.titles.get(source, source)


def _teacher(context: ReportContext, code: str) -> str:
    return context.teachers.get(code) or "chưa rõ"


def _verdict(total: int, context: ReportContext) -> str:
    """What an empty report means: agreement only where something was compared."""
    if total:
        return ""
    if not context.compared:
        return (
            "Chưa đối chiếu được nguồn nào với nhau: không thấy khác biệt, nhưng chưa thể nói dữ liệu "
            "đã khớp (xem phần «Chưa đối chiếu được»)."
        )
    if context.skipped:
        return (
            "Những phần đã đối chiếu đều khớp: không có khác biệt nào cần xử lý. Một số phần chưa đối "
            "chiếu được (xem bên dưới)."
        )
    return "Các nguồn dữ liệu đã khớp nhau: không có khác biệt nào cần xử lý."


def _incomplete_rows(context: ReportContext) -> list[dict]:
    rows = []
    for f in sorted(context.incomplete, key=lambda f: (f["class"], f["semester"], f["subject"])):
        rows.append(
            {
                "class": f["class"],
                "teacher": _teacher(context, f["class"]),
                "subject": catalogs.subject(f["subject"]).name,
                "semester": f["semester"],
                "blank": f"{f['blank']}/{f['required']}",
                "no_sheet": f["students"] - f["sheets"],
                "state": "học kỳ đã kết thúc: đã báo thiếu điểm" if f["over"] else "đang trong học kỳ",
            }
        )
    return rows


def _title(context: ReportContext) -> str:
    if context.class_code:
        return f"Báo cáo đối chiếu dữ liệu — lớp {context.class_code}"
    return "Báo cáo đối chiếu dữ liệu toàn trường"


def _values(record: dict, context: ReportContext) -> str:
    """Each source's value, with when that source was last read (``seen``, when given)."""
    seen = record.get("seen") or {}

    def when(source: str) -> str:
        at = seen.get(source) or seen.get(source.removesuffix("_tonghop"))
        return f" (đọc lúc {at[8:10]}/{at[5:7]} {at[11:16]})" if at else ""

    return "; ".join(
        f"{context.source_word(k)}: {'(trống)' if v is None else v}{when(k)}" for k, v in record["values"].items()
    )


def _student(record: dict, context: ReportContext) -> str:
    if not record["student"]["name"]:
        return "—"  # a school-level difference (a refused report)
    keys = ", ".join(f"{context.source_word(k)} {v}" for k, v in record["student"]["keys"].items())
    return f"{record['student']['name']} ({keys})"


def _sections(records: list[dict], context: ReportContext) -> list[dict]:
    by_class: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        by_class[r["class"] or ""].append(r)
    order = {"high": 0, "medium": 1, "low": 2}
    return [
        {
            "heading": (f"Lớp {code} — GVCN: {_teacher(context, code)}" if code else "Toàn trường (báo cáo với Sở)"),
            "rows": [
                {
                    "id": r["id"],
                    "kind": KIND_WORDS.get(r["kind"], r["kind"]),
                    "student": _student(r, context),
                    "message": r["message"],
                    "suggestion": r["suggestion"],
                    "severity": SEVERITY_WORDS.get(r["severity"], r["severity"]),
                    "severity_class": SEVERITY_WORDS.get(r["severity"], ""),
                }
                for r in sorted(items, key=lambda r: (order.get(r["severity"], 3), r["kind"], r["student"]["name"]))
            ],
        }
        for code, items in sorted(by_class.items())
    ]


def render_html(records: list[dict], context: ReportContext) -> str:
    counts = Counter(KIND_WORDS.get(r["kind"], r["kind"]) for r in records)
    template = _env().get_template("report.html.j2")
    return template.render(
        title=_title(context),
        school=context.school,
        school_year=context.school_year,
        generated=f"{context.generated:%d/%m/%Y %H:%M}",
        total=len(records),
        verdict=_verdict(len(records), context),
        agreed=context.compared and not context.skipped,
        teacher=_teacher(context, context.class_code) if context.class_code else None,
        by_kind=counts.most_common(),
        classes=_sections(records, context),
        skipped=[s["reason"] for s in context.skipped],
        matched=context.matched,
        incomplete=_incomplete_rows(context),
        school_source=context.source_word(context.school_source),
    )


class ExternalResourceRefused(ValueError):
    """The report's HTML asked for something outside itself (a file, a web address, data:)."""


def _refuse_url(url: str):
    # The template links to nothing (its font comes from the system through fontconfig), so any
    # URL can only come from data: reading a local file or calling a server is never wanted.
    raise ExternalResourceRefused(f"PDF report does not fetch external resources: refused {url[:200]!r}")


def _refusing_fetcher():
    """A WeasyPrint URL fetcher that fetches nothing; WeasyPrint logs the refusal and goes on."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint before 68 takes a plain function
        return _refuse_url

    class RefusingFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            _refuse_url(url)

    return RefusingFetcher()


def html_to_pdf(html: str) -> bytes:
    """A PDF of ``html`` with nothing fetched from outside it (no file:, http(s): or data: URL)."""
    from weasyprint import HTML  # imported here: pango is loaded only when a PDF is asked for

    return HTML(string=html, url_fetcher=_refusing_fetcher()).write_pdf()


def render_pdf(records: list[dict], context: ReportContext) -> bytes:
    return html_to_pdf(render_html(records, context))


def _xlsx_columns(context: ReportContext) -> list[str]:
    return [
        "Mã",
        "Lớp",
        "GVCN",
        "Học sinh",
        f"Mã {context.source_word(context.school_source)}",
        "Mã định danh",
        "Môn",
        "Học kỳ",
        "Trường dữ liệu",
        "Giá trị theo nguồn",
        "Nội dung",
        "Gợi ý xử lý",
        "Mức độ",
    ]


def _append(sheet, values: list) -> None:
    """One row, each text cell made safe: names and messages come from imported files, and a
    spreadsheet must show ``=HYPERLINK(…)`` as text, never run it."""
    sheet.append([safe_text(v) for v in values])


def _incomplete_sheet(book: Workbook, context: ReportContext) -> None:
    from openpyxl.styles import Font

    sheet = book.create_sheet("Mức độ đầy đủ")
    where = context.source_word(context.school_source)
    _append(
        sheet,
        ["Lớp", "GVCN", "Môn", "Học kỳ", f"Ô bắt buộc còn trống ({where})", "Học sinh chưa có trong sổ", "Tình trạng"],
    )
    for row in _incomplete_rows(context):
        _append(sheet, list(row.values()))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.auto_filter.ref = sheet.dimensions
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFG", (6, 24, 28, 7, 18, 14, 36)):
        sheet.column_dimensions[letter].width = width


def render_xlsx(records: list[dict], context: ReportContext) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    summary = book.active
    summary.title = "Tổng hợp"
    _append(summary, [_title(context)])
    _append(summary, [f"{context.school} · Năm học {context.school_year} · {context.generated:%d/%m/%Y %H:%M}"])
    _append(summary, [])
    _append(summary, ["Loại khác biệt", "Số lượng"])
    for kind, count in Counter(r["kind"] for r in records).most_common():
        _append(summary, [KIND_WORDS.get(kind, kind), count])
    if verdict := _verdict(len(records), context):
        _append(summary, [verdict])
    _append(summary, [])
    _append(summary, ["Lớp", "GVCN", "Số khác biệt"])
    for code, count in sorted(Counter(r["class"] or "—" for r in records).items()):
        _append(summary, [code, context.teachers.get(code, ""), count])
    if context.matched:
        _append(summary, [])
        _append(summary, [f"Sổ điểm của giáo viên: {context.matched}"])
    if context.skipped:
        _append(summary, [])
        _append(summary, ["Chưa đối chiếu được"])
        for skipped in context.skipped:
            _append(summary, [skipped["reason"]])
    summary["A1"].font = Font(bold=True, size=13)
    if context.incomplete:
        _incomplete_sheet(book, context)
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        by_kind[r["kind"]].append(r)
    for kind, items in sorted(by_kind.items()):
        sheet = book.create_sheet(KIND_WORDS.get(kind, kind)[:31])
        _append(sheet, _xlsx_columns(context))
        for r in sorted(items, key=lambda r: (r["class"] or "", r["student"]["name"])):
            keys = r["student"]["keys"]
            subject = catalogs.subject(r["subject"]).name if r["subject"] else ""
            _append(
                sheet,
                [
                    r["id"],
                    r["class"],
                    context.teachers.get(r["class"] or "", ""),
                    r["student"]["name"],
                    keys.get(context.school_source, ""),
                    keys.get(context.identity_source, ""),
                    subject,
                    r["semester"] or "",
                    r["field"],
                    _values(r, context),
                    r["message"],
                    r["suggestion"],
                    SEVERITY_WORDS.get(r["severity"], ""),
                ],
            )
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.auto_filter.ref = sheet.dimensions
        sheet.freeze_panes = "A2"
        for letter, width in zip("ABCDEFGHIJKLM", (18, 6, 22, 24, 12, 13, 16, 7, 14, 30, 60, 36, 10)):
            sheet.column_dimensions[letter].width = width
        for row in sheet.iter_rows(min_row=2, min_col=11, max_col=11):
            row[0].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
