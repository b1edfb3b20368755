"""Reports of a reconciliation: per class for the homeroom teacher, per school for IT and the
principal, as HTML, XLSX (one sheet per kind, filters on, A4 print setup) and PDF (A4, fonts
embedded): documents a school files, with the letterhead (the Sở and the school; the national
motto), the date line, a status per difference and the signatures (người lập, GVCN, hiệu trưởng).
Times are Vietnam's, counts are written 1.234, semesters «Học kỳ I», «Học kỳ II», «Cả năm».

Renderings only: each takes exactly the JSON records of ``lienthong reconcile --format json``
(`Discrepancy.as_json`) and, in the context, what its summary says besides (the checks that
could not run and the completeness figures), and adds nothing but layout and Vietnamese words.
"""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from lienthong.config.records import RecordsSettings
from lienthong.config.settings import AuthoritySettings, Settings
from lienthong.mapping import catalogs
from lienthong.mapping.normalize import SEMESTER_TITLES, class_order, given_name_sort_key, safe_text
from lienthong.mapping.registry import titles
from lienthong.reconciliation.discrepancy import EMPTY, KIND_WORDS, STATUS_WORDS, field_said, message_shown, name_shown

if TYPE_CHECKING:
    from jinja2 import Environment
    from openpyxl import Workbook

SEVERITY_WORDS = {"high": "cao", "medium": "trung bình", "low": "thấp"}
# The one way the reports write a semester.
SEMESTER_WORDS = {**SEMESTER_TITLES, "cn": "Cả năm", "0": "Cả năm"}
ABSENCE_WORDS = {"P": "có phép", "K": "không phép"}
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@cache
def _records_settings() -> RecordsSettings:
    """The school's name, its Sở and its place from the configuration (``[records]``); the
    defaults when no configuration can be read (a report is still written)."""
    try:
        return Settings().records
    except Exception:  # noqa: BLE001 - a report never fails for want of a letterhead
        return RecordsSettings()


def local_time(at: datetime | str) -> str:
    """``dd/mm/yyyy HH:MM`` in Vietnam's time (Asia/Ho_Chi_Minh), whatever zone ``at`` is in."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at.replace("Z", "+00:00"))
    if at.tzinfo is not None:
        at = at.astimezone(VN_TZ)
    return f"{at:%d/%m/%Y %H:%M}"


def number(value: int) -> str:
    """A count written the Vietnamese way: ``1.234``."""
    return f"{value:,}".replace(",", ".")


def semester_words(semester: str | int | None) -> str:
    """``1`` → «Học kỳ I», ``2`` → «Học kỳ II», ``CN`` → «Cả năm»."""
    if semester is None or semester == "":
        return ""
    return SEMESTER_WORDS.get(str(semester), str(semester))


# Jinja2, openpyxl and WeasyPrint load inside the renderer that needs them: `reconcile --format json`
# and the table on screen never pay for them (tests/cli/test_startup.py).
@cache
def _env() -> Environment:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("lienthong.reconciliation", "templates"), autoescape=select_autoescape(["j2"])
    )
    env.filters["thousands"] = number
    return env


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
    statuses: dict[str, str] = field(default_factory=dict)  # discrepancy id → the register's status
    department: str = ""  # the Sở; by default from the configuration (``[records] department_name``)
    place: str = ""  # the place on the date line; by default ``[records] place``
    school_name: str = ""  # the school's full name; by default ``[records] school_name``

    def source_word(self, source: str) -> str:
        """A source as people call it; a platform's own summary (``…_tonghop``) as «tổng hợp …»."""
        if source.endswith("_tonghop"):
            return f"tổng hợp {self.source_word(source.removesuffix('_tonghop'))}"
        return self.titles.get(source, source)


def _school(context: ReportContext) -> str:
    """The school's name: the given one, unless it is only «Trường» and a code and the
    configuration names the school."""
    named = context.school_name or _records_settings().school_name
    if named and re.fullmatch(r"(Trường)?\s*\d*", context.school.strip()):
        return named
    return context.school


def _department(context: ReportContext) -> str:
    return context.department or _records_settings().department_name or "Sở Giáo dục và Đào tạo"


def _date_line(context: ReportContext) -> str:
    """``Bình An, ngày 23 tháng 11 năm 2026`` (the place left to be written by hand when unknown)."""
    day = context.generated.astimezone(VN_TZ) if context.generated.tzinfo else context.generated
    place = context.place or _records_settings().place or "……"
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def _status(record: dict, context: ReportContext) -> str:
    status = record.get("status") or context.statuses.get(record["id"]) or "open"
    return STATUS_WORDS.get(status, status)


def _field(record: dict) -> str:
    return field_said(record["field"])


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
                "semester_words": semester_words(f["semester"]),
                "blank": f"{number(f['blank'])}/{number(f['required'])}",
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
        return f" (đọc lúc {local_time(at)})" if at else ""

    return "; ".join(f"{context.source_word(k)}: {_value(v)}{when(k)}" for k, v in record["values"].items())


def _value(value) -> str:
    """One source's value in words: a blank, a count, the days absent, a list of codes."""
    if value is None:
        return EMPTY
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, int):
        return number(value)
    if isinstance(value, dict):
        return ", ".join(f"{ABSENCE_WORDS.get(k, k)} {_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    return str(value)


def _name(record: dict, context: ReportContext) -> str:
    return name_shown(record, context.school_source)


def _message(record: dict, context: ReportContext) -> str:
    # The message's own words (``HK1``…) are the record's: written where it is made (compare.py).
    return message_shown(record, context.school_source)


def _student(record: dict, context: ReportContext) -> str:
    if not record["student"]["name"]:
        return "—"  # a school-level difference (a refused report)
    keys = ", ".join(f"{context.source_word(k)} {v}" for k, v in record["student"]["keys"].items())
    return f"{_name(record, context)} ({keys})"


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
                    "message": _message(r, context),
                    "suggestion": r["suggestion"],
                    "status": _status(r, context),
                    "severity": SEVERITY_WORDS.get(r["severity"], r["severity"]),
                    "severity_class": SEVERITY_WORDS.get(r["severity"], ""),
                }
                for r in sorted(items, key=lambda r: (order.get(r["severity"], 3), r["kind"], _listed(r, context)))
            ],
        }
        for code, items in sorted(by_class.items(), key=lambda item: class_order(item[0]))
    ]


def _listed(record: dict, context: ReportContext) -> tuple:
    """A student's place in a class list: by given name, then the rest of the name (Vietnamese order),
    as the report names her (`_name`: her school's spelling where her name is what differs)."""
    return given_name_sort_key(_name(record, context) or "")


def render_html(records: list[dict], context: ReportContext) -> str:
    counts = Counter(KIND_WORDS.get(r["kind"], r["kind"]) for r in records)
    template = _env().get_template("report.html.j2")
    return template.render(
        title=_title(context),
        school=_school(context),
        department=_department(context),
        date_line=_date_line(context),
        school_year=context.school_year,
        generated=local_time(context.generated),
        total=number(len(records)),
        verdict=_verdict(len(records), context),
        agreed=context.compared and not context.skipped,
        teacher=_teacher(context, context.class_code) if context.class_code else None,
        by_kind=[(kind, number(count)) for kind, count in counts.most_common()],
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
        "Mã khác biệt",
        "Lớp",
        "GVCN",
        "Học sinh",
        f"Mã {context.source_word(context.school_source)}",
        "Mã định danh",
        "Môn",
        "Học kỳ",
        "Thông tin khác nhau",
        "Giá trị theo nguồn",
        "Nội dung",
        "Gợi ý xử lý",
        "Mức độ",
        "Trạng thái",
    ]


def _append(sheet, values: list) -> None:
    """One row, each text cell made safe: names and messages come from imported files, and a
    spreadsheet must show ``=HYPERLINK(…)`` as text, never run it."""
    sheet.append([safe_text(v) for v in values])


def _print_setup(sheet, header_rows: int, landscape: bool) -> None:
    """A4, fit to the page's width (as many pages down as needed), the heading rows repeated on
    every page, the page number in the footer."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    if header_rows:
        sheet.print_title_rows = f"1:{header_rows}"
    sheet.oddFooter.center.text = "Trang &P/&N"


def _heading_row(sheet, row: int = 1) -> None:
    from openpyxl.styles import Alignment, Font

    for cell in sheet[row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _incomplete_sheet(book: Workbook, context: ReportContext) -> None:
    sheet = book.create_sheet("Mức độ đầy đủ")
    where = context.source_word(context.school_source)
    _append(
        sheet,
        ["Lớp", "GVCN", "Môn", "Học kỳ", f"Ô bắt buộc còn trống ({where})", "Học sinh chưa có trong sổ", "Tình trạng"],
    )
    for row in _incomplete_rows(context):
        # The semester stays its code here (tests/reconciliation/test_skipped_checks.py pins it).
        _append(sheet, [row[k] for k in ("class", "teacher", "subject", "semester", "blank", "no_sheet", "state")])
        sheet.cell(sheet.max_row, 6).number_format = "#,##0"
    _heading_row(sheet)
    sheet.auto_filter.ref = sheet.dimensions
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFG", (6, 24, 28, 11, 18, 14, 36)):
        sheet.column_dimensions[letter].width = width
    _print_setup(sheet, 1, landscape=True)


def _summary_sheet(book: Workbook, records: list[dict], context: ReportContext) -> None:
    from openpyxl.styles import Font

    summary = book.active
    summary.title = "Tổng hợp"
    _append(summary, [_title(context)])
    _append(summary, [f"{_department(context)} · {_school(context)}"])
    teacher = f" · GVCN: {_teacher(context, context.class_code)}" if context.class_code else ""
    _append(summary, [f"Năm học {context.school_year}{teacher} · Lập lúc {local_time(context.generated)}"])
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
    _append(summary, [])
    _append(summary, ["Trạng thái", "Số khác biệt"])
    for status, count in Counter(_status(r, context) for r in records).most_common():
        _append(summary, [status, count])
    if context.matched:
        _append(summary, [])
        _append(summary, [f"Sổ điểm của giáo viên: {context.matched}"])
    if context.skipped:
        _append(summary, [])
        _append(summary, ["Chưa đối chiếu được"])
        for skipped in context.skipped:
            _append(summary, [skipped["reason"]])
    summary["A1"].font = Font(bold=True, size=13)
    for row in summary.iter_rows():
        for cell in row:
            if isinstance(cell.value, int):
                cell.number_format = "#,##0"  # shown 1.234 where the sheet is opened in Vietnamese
    summary.column_dimensions["A"].width = 34
    summary.column_dimensions["B"].width = 24
    _print_setup(summary, 0, landscape=False)


def _row(r: dict, context: ReportContext) -> list:
    keys = r["student"]["keys"]
    return [
        r["id"],
        r["class"],
        context.teachers.get(r["class"] or "", ""),
        _name(r, context) if r["student"]["name"] else "",
        keys.get(context.school_source, ""),
        keys.get(context.identity_source, ""),
        catalogs.subject(r["subject"]).name if r["subject"] else "",
        semester_words(r["semester"]),
        _field(r),
        _values(r, context),
        _message(r, context),
        r["suggestion"],
        SEVERITY_WORDS.get(r["severity"], ""),
        _status(r, context),
    ]


def render_xlsx(records: list[dict], context: ReportContext) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    book = Workbook()
    _summary_sheet(book, records, context)
    if context.incomplete:
        _incomplete_sheet(book, context)
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        by_kind[r["kind"]].append(r)
    for kind, items in sorted(by_kind.items()):
        sheet = book.create_sheet(KIND_WORDS.get(kind, kind)[:31])
        _append(sheet, _xlsx_columns(context))
        for r in sorted(items, key=lambda r: (class_order(r["class"] or ""), _listed(r, context))):
            _append(sheet, _row(r, context))
        _heading_row(sheet)
        sheet.auto_filter.ref = sheet.dimensions
        sheet.freeze_panes = "A2"
        for letter, width in zip("ABCDEFGHIJKLMN", (18, 6, 22, 24, 12, 13, 16, 10, 16, 30, 60, 36, 10, 12)):
            sheet.column_dimensions[letter].width = width
        for row in sheet.iter_rows(min_row=2, min_col=10, max_col=12):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        _print_setup(sheet, 1, landscape=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
