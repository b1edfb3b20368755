"""``lienthong print hocba|sign|verify``: printed books as A4 PDF, signed with PAdES."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console
from sqlmodel import Session

from lienthong.cli import exits
from lienthong.cli.identity import actor_ref, current_actor, signed_in_actor, work_engine
from lienthong.config.settings import Settings
from lienthong.mapping.calendar import VN_TZ
from lienthong.records import signing
from lienthong.store import audit
from lienthong.store.accounts import AccountError
from lienthong.store.files import OutputRefused, check_output, database_files, write_output
from lienthong.sync.service import open_store


def _screen(console: Console | None) -> Console:
    return console or Console(markup=False, highlight=False, soft_wrap=True)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def print_hocba(class_code: str, out: Path, sign: bool, overwrite: bool, console: Console | None = None) -> int:
    from lienthong.records.gather import RecordsSetupMissing, class_transcripts
    from lienthong.records.pdf_signing import sign_pdf
    from lienthong.records.printing import render_pdf, transcripts_html

    console = _screen(console)
    settings = Settings()
    protect = database_files(settings.database_url)
    try:
        check_output(out, overwrite=overwrite, protect=protect)
    except OutputRefused as exc:
        console.print(str(exc), style="red")
        return exits.BAD_INPUT
    engine = open_store(settings)
    actor = None
    if sign:
        actor = signed_in_actor(engine, console)
        if actor is None:
            return exits.REFUSED
        engine = work_engine(engine, actor)
    try:
        made = class_transcripts(engine, settings, class_code, _now().astimezone(VN_TZ).date())
    except RecordsSetupMissing as exc:
        console.print(str(exc), style="red")
        return exits.BAD_INPUT
    for reason in made.left_out:
        console.print(f"Chưa in: {reason}", style="yellow")
    if not made.transcripts:
        console.print(f"Không có học bạ nào của lớp {made.class_code} để in.", style="red")
        return exits.BAD_INPUT
    records = settings.records
    data = render_pdf(transcripts_html(made.transcripts, records.department_name, records.place))
    if actor is not None:
        try:
            data = sign_pdf(data, actor, records.signing_keys)
        except signing.KeyProblem as exc:
            console.print(str(exc), style="red")
            return exits.BAD_INPUT
    write_output(out, data, overwrite=overwrite, protect=protect)
    with Session(engine) as session:
        detail = {"class": made.class_code, "pages": len(made.transcripts), "signed": actor is not None}
        audit.append(session, actor.ref if actor else actor_ref(), "hocba_printed", detail, _now())
        session.commit()
    signed = f", đã ký số bởi {actor.shown()}" if actor else ""
    console.print(f"Đã in {len(made.transcripts)} trang học bạ lớp {made.class_code} vào {out}{signed}.")
    return exits.DIFFERENCES if made.left_out else exits.OK


def _finish(engine, settings, actor, out: Path, data: bytes, overwrite: bool, detail: dict, console: Console) -> int:
    """Sign (when an account was given), write and audit a printed book."""
    from lienthong.records.pdf_signing import sign_pdf

    protect = database_files(settings.database_url)
    if actor is not None:
        try:
            data = sign_pdf(data, actor, settings.records.signing_keys)
        except signing.KeyProblem as exc:
            console.print(str(exc), style="red")
            return exits.BAD_INPUT
    write_output(out, data, overwrite=overwrite, protect=protect)
    with Session(engine) as session:
        audit.append(
            session, actor.ref if actor else actor_ref(), "book_printed", {**detail, "signed": bool(actor)}, _now()
        )
        session.commit()
    signed = f", đã ký số bởi {actor.shown()}" if actor else ""
    console.print(f"Đã in vào {out}{signed}.")
    return exits.OK


def _start(out: Path, sign: bool, overwrite: bool, console: Console):
    """(settings, engine, actor) once the output path and the account (for --sign) are fine; None when refused."""
    settings = Settings()
    try:
        check_output(out, overwrite=overwrite, protect=database_files(settings.database_url))
    except OutputRefused as exc:
        console.print(str(exc), style="red")
        return None, exits.BAD_INPUT
    engine = open_store(settings)
    actor = None
    if sign:
        with Session(engine) as session:
            try:
                actor = current_actor(session)
            except AccountError as exc:
                console.print(str(exc), style="red")
                return None, exits.REFUSED
        engine = work_engine(engine, actor)
    return (settings, engine, actor), exits.OK


def print_class_book(
    class_code: str, period: str, out: Path, sign: bool, overwrite: bool, console: Console | None = None
) -> int:
    from lienthong.records.books import class_book
    from lienthong.records.gather import class_data
    from lienthong.records.printing import class_book_html, render_pdf

    console = _screen(console)
    started, code = _start(out, sign, overwrite, console)
    if started is None:
        return code
    settings, engine, actor = started
    data = class_data(engine, settings, class_code)
    if not data.members:
        console.print(f"Lớp {data.class_code} không có học sinh nào trong dữ liệu.", style="red")
        return exits.BAD_INPUT
    book = class_book(data, period)
    r = settings.records
    today = _now().astimezone(VN_TZ).date()
    pdf = render_pdf(class_book_html(book, r.school_name, r.department_name, data.principal, r.place, today))
    detail = {"book": "so_theo_doi", "class": data.class_code, "period": period, "students": len(book.rows)}
    return _finish(engine, settings, actor, out, pdf, overwrite, detail, console)


def print_register(
    classes: list[str] | None, out: Path, sign: bool, overwrite: bool, console: Console | None = None
) -> int:
    from lienthong.records.books import register
    from lienthong.records.gather import classes_data
    from lienthong.records.printing import register_html, render_pdf

    console = _screen(console)
    started, code = _start(out, sign, overwrite, console)
    if started is None:
        return code
    settings, engine, actor = started
    found = classes_data(engine, settings, classes)
    rows = register(found)
    if not rows:
        console.print("Chưa có học sinh nào trong dữ liệu để in sổ đăng bộ.", style="red")
        return exits.BAD_INPUT
    r = settings.records
    today = _now().astimezone(VN_TZ).date()
    principal = found[0].principal if found else ""
    year = settings.current_school_year()
    pdf = render_pdf(register_html(rows, year, r.school_name, r.department_name, principal, r.place, today))
    detail = {"book": "so_dang_bo", "classes": [d.class_code for d in found], "students": len(rows)}
    return _finish(engine, settings, actor, out, pdf, overwrite, detail, console)


def sign_printed(path: Path, console: Console | None = None) -> int:
    from lienthong.records.pdf_signing import sign_pdf

    console = _screen(console)
    settings = Settings()
    engine = open_store(settings)
    actor = signed_in_actor(engine, console)
    if actor is None:
        return exits.REFUSED
    engine = work_engine(engine, actor)
    try:
        before = path.read_bytes()
        data = sign_pdf(before, actor, settings.records.signing_keys)
    except OSError as exc:
        console.print(f"Không đọc được {path} ({type(exc).__name__}).", style="red")
        return exits.BAD_INPUT
    except signing.KeyProblem as exc:
        console.print(str(exc), style="red")
        return exits.BAD_INPUT
    write_output(path, data, overwrite=True)
    with Session(engine) as session:
        audit.append(session, actor.ref, "printed_book_signed", {"file": path.name}, _now())
        session.commit()
    console.print(f"Đã ký số {path}: {actor.shown()} (chữ ký trước đó được giữ nguyên).")
    return exits.OK


def verify_printed(path: Path, console: Console | None = None) -> int:
    from lienthong.records.pdf_signing import verify_pdf

    console = _screen(console)
    settings = Settings()
    try:
        anchors = signing.load_anchors(settings.records.trusted_ca)
        found = verify_pdf(path.read_bytes(), anchors)
    except signing.KeyProblem as exc:
        console.print(str(exc), style="red")
        return exits.BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - a file pyHanko cannot read is said in one line
        console.print(f"Không đọc được chữ ký của {path} ({type(exc).__name__}).", style="red")
        return exits.BAD_INPUT
    if not found:
        console.print(f"{path}: chưa có chữ ký số.", style="yellow")
        return exits.DIFFERENCES
    worst = exits.OK
    for check in found:
        ok = check.intact and not check.problems
        trust = {True: "tin cậy", False: "KHÔNG tin cậy", None: "chưa kiểm nguồn gốc"}[check.trusted]
        console.print(
            f"{'HỢP LỆ' if ok else 'KHÔNG HỢP LỆ'}: {check.signer} ký lúc {check.signed_at} ({trust}); "
            f"{'phủ toàn bộ tệp' if check.covers_whole else 'sau đó chỉ thêm chữ ký'}",
            style=None if ok else "red",
        )
        for problem in check.problems:
            console.print(f"  → {problem}", style="red")
        if not ok or check.trusted is False:
            worst = exits.DIFFERENCES
    return worst
