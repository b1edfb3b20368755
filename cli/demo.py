"""``make demo`` for now: assess a generated sample class and print its results table."""

from __future__ import annotations

from datetime import date

from rich.console import Console
from rich.table import Table

from assessment.engine import assess_student
from cli.assess import parse_student
from mapping.normalize import format_score, given_name_sort_key
from simulators.school import current_school_year, generate_class

LEVEL_WORDS = {"T": "Tốt", "K": "Khá", "Đ": "Đạt", "CĐ": "Chưa đạt", None: "—"}
PROMOTION_WORDS = {"LL": "Lên lớp", "KTL": "Kiểm tra lại", "RLH": "Rèn luyện hè",
                   "OL": "Ở lại lớp", None: "—"}
TITLE_WORDS = {"XS": "HS Xuất sắc", "G": "HS Giỏi", None: ""}


def show_sample_class(seed: int, size: int, grade: int, today: date | None = None) -> None:
    """Print the Circular 22 results of a generated class, in Vietnamese list order."""
    year = current_school_year(today or date.today())
    class_code = f"{grade}A1"
    students = sorted(generate_class(seed, grade, class_code, size, year),
                      key=lambda s: given_name_sort_key(s.full_name))
    table = Table(title=f"Lớp {class_code} — năm học {year} — kết quả theo Thông tư 22 (dữ liệu mẫu)")
    for header in ("STT", "Họ và tên", "TB Toán", "TB Ngữ văn", "Học tập", "Rèn luyện",
                   "Nghỉ", "Lên lớp", "Danh hiệu"):
        table.add_column(header)
    counts: dict[str, int] = {}
    for number, student in enumerate(students, start=1):
        result = assess_student(parse_student(student.assess_input()))
        learning = result.learning["cn"]
        counts[learning] = counts.get(learning, 0) + 1
        table.add_row(str(number), student.full_name, format_score(result.subjects["TOAN"]["cn"]),
                      format_score(result.subjects["VAN"]["cn"]), LEVEL_WORDS[learning],
                      LEVEL_WORDS[result.training["cn"]], str(student.absences),
                      PROMOTION_WORDS[result.promotion], TITLE_WORDS[result.title])
    console = Console()
    console.print(table)
    summary = ", ".join(f"{LEVEL_WORDS[k]}: {counts.get(k, 0)}" for k in ("T", "K", "Đ", "CĐ"))
    console.print(f"Học tập cả năm — {summary} (sĩ số {len(students)})")
