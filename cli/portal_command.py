"""``lienthong portal …``: the principal submits a report answering one of the Sở's requests — the
education-quality report (TK-CLGD) from the approved class results only, the monthly attendance
(TK-CHUYENCAN) once the month is over (`sync.portal_reports`). Acts as the
signed-in account (``--as`` or ``lienthong login``); a refusal says why in Vietnamese and sends nothing.

Heavy imports stay inside the commands (the ``lienthong`` entry point imports this module).
"""

from __future__ import annotations

import typer

from lienthong.cli.layout import command_group

portal_app = command_group(
    "Cổng báo cáo của Sở: nộp báo cáo chất lượng giáo dục (TK-CLGD) và chuyên cần (TK-CHUYENCAN)."
)


@portal_app.command("submit")
def submit_command(
    request: str = typer.Argument(..., metavar="MA_YEU_CAU", help="Mã yêu cầu báo cáo của Sở, ví dụ YC20260001."),
) -> None:
    """Hiệu trưởng nộp báo cáo cho một yêu cầu của Sở: TK-CLGD hoặc TK-CHUYENCAN.

    TK-CLGD (chất lượng giáo dục): số liệu lấy từ kết quả đã được Hiệu trưởng duyệt của mọi lớp trong
    kỳ của yêu cầu (học kỳ I, II hoặc cả năm); còn lớp nào chưa duyệt thì không nộp và nêu tên các lớp
    đó. TK-CHUYENCAN (chuyên cần tháng): sĩ số, số buổi nghỉ có phép, không phép của tháng và số học
    sinh nghỉ quá 45 buổi từ đầu năm học, lấy từ điểm danh của trường; chỉ nộp khi tháng đã kết thúc.
    TK-BIENDONG chưa lập được (các hệ thống không ghi ngày chuyển trường). Nộp lại cùng số liệu không
    tạo lần nộp thứ hai.

    Mã thoát: 0 — đã nộp (hoặc Sở đã nhận đúng số liệu này); 1 — Sở trả lại báo cáo; 2 — mã yêu cầu
    sai, mẫu chưa hỗ trợ hoặc chưa cấu hình cổng báo cáo; 3 — cổng báo cáo không trả lời (sẽ gửi lại,
    không trùng); 4 — không phải Hiệu trưởng, còn lớp chưa duyệt, tháng chưa kết thúc, chưa có điểm
    danh, báo cáo đã khoá, hoặc đang có lần đồng bộ khác.
    """
    raise typer.Exit(submit(request))


def _console():
    from rich.console import Console

    return Console(markup=False, highlight=False, soft_wrap=True)


def submit(request: str, console=None) -> int:
    import asyncio

    from sqlmodel import Session

    from lienthong.cli import exits
    from lienthong.cli.identity import now, signed_in_actor, work_engine
    from lienthong.config.settings import Settings, SettingsError
    from lienthong.connectors.errors import ConnectorError
    from lienthong.reconciliation.results import where_of
    from lienthong.sync import portal_reports, service
    from lienthong.sync.run import RunBusy

    console = console or _console()
    settings = Settings()
    engine = service.open_store(settings)
    where = where_of(settings)
    actor = signed_in_actor(engine, console)
    if actor is None:
        return exits.REFUSED
    engine = work_engine(engine, actor)
    try:
        with Session(engine) as session:  # the rules first: nothing is planned when they refuse
            portal_reports.build(session, actor, where, request, now())
        connectors = service.connectors_for(settings, [portal_reports.PLATFORM])
    except portal_reports.PortalReportRefused as exc:
        console.print(str(exc), style="red")
        return exits.REFUSED
    except portal_reports.PortalReportError as exc:
        console.print(str(exc), style="red")
        return exits.BAD_INPUT
    except (ConnectorError, SettingsError) as exc:
        console.print(getattr(exc, "message", str(exc)), style="red")
        return exits.BAD_INPUT

    async def deliver():
        return await service.sync(settings, [portal_reports.PLATFORM], engine=engine, connectors=connectors)

    try:
        done = asyncio.run(portal_reports.submit_report(engine, actor, where, request, deliver, now))
    except RunBusy as exc:
        console.print(f"{exc.message} Báo cáo đã được xếp chờ gửi ở lần đồng bộ cổng báo cáo sau.", style="red")
        return exits.REFUSED
    except (portal_reports.PortalReportRefused, portal_reports.PortalReportError) as exc:
        console.print(str(exc), style="red")  # the school's results moved since the check above
        return exits.REFUSED
    report = done.report
    basis = "kết quả đã duyệt" if report.form == portal_reports.QUALITY else "điểm danh của trường"
    console.print(
        f"Báo cáo {report.form} {report.request}: {len(report.classes)} lớp, {report.students} học sinh ({basis})."
    )
    console.print(done.message, style=None if done.sent else "red")
    return {"sent": exits.OK, "already": exits.OK, "refused": exits.DIFFERENCES}.get(done.state, exits.UNREACHABLE)
