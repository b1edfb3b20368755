"""``lienthong results …``: the GVCN confirms her class's results of a period, the principal approves
or reopens them (`reconciliation.results`). Every step acts as the signed-in account (``--as`` or
``lienthong login``); a refusal says why in Vietnamese and changes nothing.

Heavy imports stay inside the commands (the ``lienthong`` entry point imports this module).
"""

from __future__ import annotations

import typer

from lienthong.cli.layout import command_group

results_app = command_group(
    "Kết quả học kỳ, cả năm của lớp: GVCN xác nhận, Hiệu trưởng duyệt hoặc mở lại (Quy chế Suối Ngô Điều 7)."
)
FORMATS = ("table", "json")


def _console():
    from rich.console import Console

    return Console(markup=False, highlight=False, soft_wrap=True)


@results_app.command("status")
def status_command(
    class_code: str = typer.Option(None, "--class", help="Chỉ một lớp, ví dụ 9A1."),
    period: str = typer.Option(None, "--period", help="HK1, HK2 hoặc CN (cả năm); mặc định cả ba."),
    output_format: str = typer.Option("table", "--format", help="table (trên màn hình) hoặc json."),
) -> None:
    """Trạng thái kết quả của từng lớp: chưa xác nhận, GVCN đã xác nhận, Hiệu trưởng đã duyệt.

    Mã thoát: 0 — xong; 2 — lớp, kỳ hoặc tham số sai; 4 — tài khoản không xem được lớp này.
    """
    raise typer.Exit(show_status(class_code, period, output_format))


@results_app.command("confirm")
def confirm_command(
    class_code: str = typer.Option(..., "--class", help="Lớp, ví dụ 9A1."),
    period: str = typer.Option(..., "--period", help="HK1, HK2 hoặc CN (cả năm)."),
) -> None:
    """GVCN xác nhận kết quả của lớp mình: chuyên cần, chuyển trường, rèn luyện, lên lớp, danh hiệu, kiểm tra lại.

    Mã thoát: 0 — đã xác nhận; 2 — lớp hoặc kỳ sai; 4 — không phải GVCN của lớp, hoặc kết quả đã duyệt.
    """
    raise typer.Exit(step("confirm", class_code, period))


@results_app.command("approve")
def approve_command(
    class_code: str = typer.Option(..., "--class", help="Lớp, ví dụ 9A1."),
    period: str = typer.Option(..., "--period", help="HK1, HK2 hoặc CN (cả năm)."),
) -> None:
    """Hiệu trưởng duyệt đúng kết quả GVCN đã xác nhận; kết quả cả năm chỉ được gửi đi sau khi duyệt.

    Mã thoát: 0 — đã duyệt; 2 — lớp hoặc kỳ sai; 4 — không phải Hiệu trưởng, chưa xác nhận, hoặc dữ liệu đã đổi.
    """
    raise typer.Exit(step("approve", class_code, period))


@results_app.command("reopen")
def reopen_command(
    class_code: str = typer.Option(..., "--class", help="Lớp, ví dụ 9A1."),
    period: str = typer.Option(..., "--period", help="HK1, HK2 hoặc CN (cả năm)."),
    reason: str = typer.Option(..., "--reason", help="Lý do mở lại (ghi vào nhật ký kiểm toán)."),
) -> None:
    """Hiệu trưởng mở lại kết quả đã xác nhận hoặc đã duyệt (bắt buộc ghi lý do); GVCN xác nhận lại.

    Mã thoát: 0 — đã mở lại; 2 — thiếu lý do, lớp hoặc kỳ sai; 4 — không phải Hiệu trưởng.
    """
    raise typer.Exit(step("reopen", class_code, period, reason))


def _open():
    from lienthong.config.settings import Settings
    from lienthong.reconciliation.results import where_of
    from lienthong.sync.service import open_store

    settings = Settings()
    return open_store(settings), where_of(settings)


def _when(at) -> str:
    from lienthong.mapping.calendar import shown_time

    return shown_time(at) if at else "—"


def _said(found) -> str:
    """One class's state in a sentence."""
    from lienthong.reconciliation.results import PERIOD_WORDS

    words = f"Kết quả {PERIOD_WORDS[found.period]} lớp {found.class_code}: {found.note}"
    if found.state == "da_duyet":
        words += f" Duyệt lúc {_when(found.approved_at)}."
    elif found.state == "da_xac_nhan":
        words += f" GVCN xác nhận lúc {_when(found.confirmed_at)}."
    return words


def step(which: str, class_code: str, period: str, reason: str = "", console=None) -> int:
    from sqlmodel import Session

    from lienthong.cli import exits
    from lienthong.cli.identity import now, signed_in_actor, work_engine
    from lienthong.reconciliation import results
    from lienthong.store.access import Forbidden

    console = console or _console()
    engine, where = _open()
    actor = signed_in_actor(engine, console)
    if actor is None:
        return exits.REFUSED
    engine = work_engine(engine, actor)
    with Session(engine) as session:
        try:
            if which == "confirm":
                found = results.confirm(session, actor, where, class_code, period, now())
            elif which == "approve":
                found = results.approve(session, actor, where, class_code, period, now())
            else:
                found = results.reopen(session, actor, where, class_code, period, reason, now())
        except (Forbidden, results.ResultsRefused) as exc:
            console.print(str(exc), style="red")
            return exits.REFUSED
        except results.ResultsError as exc:
            console.print(str(exc), style="red")
            return exits.BAD_INPUT
        session.commit()
    done = {"confirm": "Đã xác nhận", "approve": "Đã duyệt", "reopen": "Đã mở lại"}[which]
    console.print(f"{done}. {_said(found)}")
    if which == "confirm":
        console.print(f"Mã kiểm tra (dấu vân tay) của nội dung đã xác nhận: {found.confirmed}")
    return exits.OK


def show_status(class_code: str | None, period: str | None, output_format: str, console=None) -> int:
    import json
    import sys

    from sqlmodel import Session

    from lienthong.cli import exits
    from lienthong.cli.identity import signed_in_actor, work_engine
    from lienthong.reconciliation import results
    from lienthong.store.access import Forbidden

    if output_format not in FORMATS:
        print("--format phải là table hoặc json", file=sys.stderr)
        return exits.BAD_INPUT
    console = console or _console()
    engine, where = _open()
    actor = signed_in_actor(engine, console)
    if actor is None:
        return exits.REFUSED
    engine = work_engine(engine, actor)
    with Session(engine) as session:
        try:
            found = results.statuses(session, actor, where, class_code, period)
        except Forbidden as exc:
            console.print(str(exc), style="red")
            return exits.REFUSED
        except results.ResultsError as exc:
            console.print(str(exc), style="red")
            return exits.BAD_INPUT
    if output_format == "json":
        sys.stdout.write(json.dumps([f.as_json() for f in found], ensure_ascii=False, sort_keys=True) + "\n")
        return exits.OK
    print_table(found, where, console)
    return exits.OK


def print_table(found: list, where, console) -> None:
    from rich.table import Table

    from lienthong.reconciliation.results import PERIOD_WORDS

    table = Table("Lớp", "Kỳ", "Sĩ số", "Trạng thái", "GVCN xác nhận", "Hiệu trưởng duyệt", "Ghi chú")
    for f in found:
        table.add_row(
            f.class_code,
            PERIOD_WORDS[f.period],
            str(f.students),
            f.state_shown,
            _when(f.confirmed_at) if f.state != "chua_xac_nhan" else "—",
            _when(f.approved_at) if f.state == "da_duyet" else "—",
            f.note if not f.unchanged else (f"mở lại: {f.reopen_reason}" if f.reopen_reason else ""),
        )
    console.print(f"Kết quả của các lớp, năm học {where.school_year}:")
    console.print(table)
    for f in found:
        if f.period != "CN" or f.class_code is None:
            continue
        retest = f.content.get("retest") or []
        summer = f.content.get("summer_training") or []
        if retest or summer:
            listed = "; ".join(f"{r['name']} ({', '.join(r['subjects']) or '—'})" for r in retest)
            console.print(
                f"Lớp {f.class_code}: kiểm tra lại {len(retest)} em{': ' + listed if listed else ''}; "
                f"rèn luyện hè {len(summer)} em."
            )
