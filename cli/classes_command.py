"""``lienthong classes …``: the classes the data knows and their homeroom teachers (GVCN).

A school that only has files has no class list naming its GVCN: IT or the principal names
them (``set-gvcn``, audited); reports then name the teacher instead of "GVCN: chưa rõ".
Heavy imports stay inside the commands (the ``lienthong`` entry point imports this module).
"""

from __future__ import annotations

import typer

from lienthong.cli.layout import command_group

classes_app = command_group("Lớp học và giáo viên chủ nhiệm (GVCN) của từng lớp.")


def _console():
    from rich.console import Console

    return Console(markup=False, highlight=False, soft_wrap=True)


@classes_app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Mỗi lớp một đối tượng JSON trên một dòng."),
) -> None:
    """Các lớp có trong dữ liệu, sĩ số, GVCN và GVCN lấy từ đâu (danh sách lớp hay đặt bằng lệnh)."""
    raise typer.Exit(show_classes(as_json))


@classes_app.command("set-gvcn")
def set_gvcn_command(
    class_code: str = typer.Argument(..., help="Lớp, ví dụ 6A1."),
    full_name: str = typer.Argument(..., help='Họ và tên giáo viên chủ nhiệm, ví dụ "Nguyễn Thị Lan".'),
) -> None:
    """Đặt GVCN của một lớp cho năm học hiện tại (quản trị CNTT hoặc Hiệu trưởng; ghi nhật ký kiểm toán).

    Dùng khi danh sách lớp không có cột GVCN (trường chỉ có tệp Excel).
    Tên đặt ở đây được dùng thay cho tên trong danh sách lớp.

    Mã thoát: 0 — đã đặt; 2 — lớp hoặc tên không hợp lệ; 4 — tài khoản không có quyền.
    """
    raise typer.Exit(set_gvcn(class_code, full_name))


def show_classes(as_json: bool, console=None) -> int:
    import json

    from rich.table import Table

    from lienthong.cli import exits
    from lienthong.config.settings import Settings
    from lienthong.reconciliation import service
    from lienthong.sync.service import open_store

    console = console or _console()
    settings = Settings()
    classes = service.list_classes(open_store(settings), settings.current_school_year(), settings)
    if as_json:
        for info in classes:
            room = info.homeroom
            line = {
                "class": info.code,
                "students": info.students,
                "gvcn": room.name if room else None,
                "origin": room.origin if room else None,
                "by": room.by if room else None,
                "at": service.vn_time(room.at) if room and room.at else None,
                "listed": room.listed if room else None,
            }
            print(json.dumps(line, ensure_ascii=False))
        return exits.OK
    if not classes:
        console.print(
            "Chưa có lớp nào: hãy nhập tệp (`lienthong import`) hoặc đồng bộ (`lienthong sync --once`) trước."
        )
        return exits.OK
    table = Table("Lớp", "Sĩ số", "GVCN", "Nguồn", title=f"Năm học {settings.current_school_year()}")
    for info in classes:
        room = info.homeroom
        table.add_row(
            info.code, str(info.students), room.name if room else "chưa rõ", room.origin_words() if room else ""
        )
    console.print(table)
    unknown = [info.code for info in classes if info.homeroom is None]
    if unknown:
        console.print(
            f"{len(unknown)} lớp chưa rõ GVCN ({', '.join(unknown)}): đặt bằng "
            '`lienthong --as TÀI_KHOẢN classes set-gvcn LỚP "HỌ TÊN"`.'
        )
    return exits.OK


def set_gvcn(class_code: str, full_name: str, console=None) -> int:
    from lienthong.cli import exits
    from lienthong.cli.identity import now, signed_in_actor, work_engine
    from lienthong.config.settings import Settings
    from lienthong.reconciliation import service
    from lienthong.sync.service import open_store

    console = console or _console()
    settings = Settings()
    engine = open_store(settings)
    actor = signed_in_actor(engine, console)
    if actor is None:
        return exits.REFUSED
    engine = work_engine(engine, actor)
    year = settings.current_school_year()
    try:
        code, name, before = service.name_homeroom_teacher(engine, year, class_code, full_name, actor, now(), settings)
    except service.NotPermitted as exc:
        console.print(str(exc), style="red")
        return exits.REFUSED
    except service.UnknownChoice as exc:
        console.print(str(exc), style="red")
        return exits.BAD_INPUT
    was = f"trước đó: {before.name}" if before else "trước đó: chưa rõ"
    console.print(f"Đã đặt GVCN lớp {code} năm học {year}: {name} ({was}).")
    if before and before.origin == service.CLASS_LIST and before.name.split(" (")[0] != name:
        console.print(f"Danh sách lớp ghi «{before.name}»; từ nay báo cáo dùng tên vừa đặt.")
    return exits.OK
