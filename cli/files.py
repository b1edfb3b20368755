"""``lienthong read-file``: read an Excel file and show what was read, before anything is compared."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from lienthong.connectors.csdl.excel import read_results, read_student_list
from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.excel import ExcelRead
from lienthong.connectors.gradebook.excel import Expect, parse_map, read_score_book

KINDS = ("csdl-hoc-sinh", "csdl-ket-qua", "so-diem")


def read_file(
    path: Path,
    kind: str,
    school_year: str | None,
    semester: str | None,
    subject: str | None,
    class_code: str | None,
    column_map: str | None,
    console: Console | None = None,
) -> int:
    console = console or Console(markup=False, highlight=False, soft_wrap=True)
    try:
        data = path.read_bytes()
        if kind == "csdl-hoc-sinh":
            result = read_student_list(data, school_year, class_code)
        elif kind == "csdl-ket-qua":
            result = read_results(data, school_year, semester)
        else:
            result = read_score_book(
                data,
                Expect(subject=subject, semester=semester, school_year=school_year),
                parse_map(column_map) if column_map else None,
            )
    except OSError as exc:
        console.print(f"Không mở được tệp {path}: {exc.strerror}", style="red")
        return 2
    except FileFormatError as exc:
        console.print(f"{exc.message}", style="red")
        return 2
    _show(result, console)
    return 1 if result.rejected_rows else 0


def _show(result: ExcelRead, console: Console) -> None:
    console.print(
        f"Đọc được {len(result.records)} dòng; {len(result.rejected_rows)} dòng bị từ chối; "
        f"{len(result.problems) - len(result.rejected_rows)} dòng cần lưu ý."
    )
    for key, value in result.info.items():
        console.print(f"  {key}: {value}")
    if result.problems:
        table = Table("Trang", "Ô", "Cột", "Vấn đề", "Giá trị", "Loại")
        for problem in result.problems[:200]:
            table.add_row(
                problem.sheet,
                problem.cell or str(problem.row),
                problem.column,
                problem.message,
                problem.value,
                "từ chối" if problem.fatal else "lưu ý",
            )
        console.print(table)
