"""``make demo``: the synthetic school, the three simulators, one full sync, the summary.

Everything runs on this machine: the simulators on loopback, the store in ``var/demo.db``
(started afresh), the teachers' gradebooks written to ``var/demo/so-diem`` and imported as
the owner of scores. The simulators keep running (with their addresses printed) until
Ctrl-C, so that IT can look around with ``lienthong runs`` or a browser. The dashboard runs
beside them (``lienthong serve`` in a thread), with three demo accounts — IT, the principal and the
homeroom teacher of the class with the most score differences — whose passwords are printed.
"""

from __future__ import annotations

import os
import secrets
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from lienthong.assessment.engine import assess_student
from lienthong.cli.assess import parse_student
from lienthong.cli.serve_command import start_in_background, stop_background
from lienthong.cli.simulate import wait_until_stopped
from lienthong.cli.sync_commands import print_summary
from lienthong.config.settings import Settings
from lienthong.connectors.gradebook.excel import Expect
from lienthong.mapping import catalogs
from lienthong.mapping.normalize import LEVEL_WORDS, PROMOTION_WORDS, format_score, given_name_sort_key
from lienthong.simulators.demo_config import DEFAULT_PORTS, DEMO_SECRETS, platform_settings
from lienthong.simulators.gradebooks import score_book
from lienthong.simulators.server import Simulators
from lienthong.store import accounts, audit
from lienthong.store.db import make_engine, migrate
from lienthong.sync import service as sync_service
from lienthong.sync.file_import import import_score_book

DASHBOARD_PORT = 8100
LEVEL_SHOWN = {**LEVEL_WORDS, None: "—"}
PROMOTION_SHOWN = {**PROMOTION_WORDS, None: "—"}


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _start(sims: Simulators) -> None:
    try:
        sims.start("127.0.0.1", DEFAULT_PORTS)
    except OSError:  # a port is taken (another demo?): any free ports will do
        sims.stop()
        sims.start("127.0.0.1", {})


def _settings(sims: Simulators, url: str, var: Path) -> Settings:
    """The installation's settings for the simulated school: the simulators' addresses, and the
    simulators' published demo credentials in a secrets file readable only by this user."""
    school = sims.school
    secrets = var / "demo" / "secrets.toml"
    secrets.parent.mkdir(parents=True, exist_ok=True)
    secrets.touch(mode=0o600)
    secrets.chmod(0o600)  # an older file keeps its mode otherwise
    secrets.write_text("".join(f'{key} = "{value}"\n' for key, value in DEMO_SECRETS.items()), encoding="utf-8")
    urls = {name: server.url for name, server in sims.servers.items()}
    return Settings(
        ma_truong=school.ma_truong,
        school_year=school.school_year,
        database_url=url,
        secrets_file=secrets,
        **platform_settings(urls, school.province_code, school.commune_code),
    )


def _import_books(sims: Simulators, engine, books: Path) -> int:
    """Each subject's gradebook of the current semester, written to ``books`` and imported (rows)."""
    books.mkdir(parents=True, exist_ok=True)
    semester = sims.school.current_semester
    imported = 0
    for code in catalogs.subjects():
        data = score_book(sims.school, code, semester)
        (books / f"{code}-hk{semester}.xlsx").write_bytes(data)
        report = import_score_book(
            engine,
            data,
            Expect(subject=code, semester=semester),
            None,
            "giao-vien",
            now,
            name=f"{code}-hk{semester}.xlsx",
        )
        imported += report.rows
    return imported


def run_demo(seed: int, students: int, wait: bool, var: Path = Path("var"), console: Console | None = None) -> int:
    console = console or Console(markup=False, highlight=False, soft_wrap=True)
    sims = Simulators.create(seed=seed, students=students)
    _start(sims)
    console.print(
        f"Trường mô phỏng {sims.school.ma_truong}: {len(sims.school.students)} học sinh, "
        f"{len(sims.school.classes)} lớp, năm học {sims.school.school_year}, học kỳ {sims.school.current_semester}."
    )
    database = var / "demo.db"
    for leftover in var.glob("demo.db*"):
        leftover.unlink()
    url = f"sqlite:///{database}"
    migrate(url)
    engine = make_engine(url)
    books = var / "demo" / "so-diem"
    console.print(f"Đã nhập {_import_books(sims, engine, books)} dòng sổ điểm của giáo viên ({books}).")

    settings = _settings(sims, url, var)
    report = sync_service.sync_blocking(settings, full=True, engine=engine)
    print_summary(report, False, console)
    differences: dict[str, int] = {}
    for diff in sims.data.differences:
        differences[diff.kind] = differences.get(diff.kind, 0) + 1
    console.print(
        "Khác biệt đã cài sẵn giữa các hệ thống: " + ", ".join(f"{k} {v}" for k, v in sorted(differences.items()))
    )
    result = _reconcile(settings, sims, var / "demo" / "doi-chieu.pdf", console)
    _class_table(sims, console)
    for name, address in sims.urls().items():
        console.print(f"{name} {address}")
    console.print(f"Cơ sở dữ liệu: {database}. Xem lịch sử: LIENTHONG_DATABASE_URL={url} lienthong runs")
    people = _demo_accounts(engine, result.teachers, result.found)
    # the dashboard reads the configuration as `lienthong serve` does: this store and school year
    os.environ["LIENTHONG_DATABASE_URL"], os.environ["LIENTHONG_SCHOOL_YEAR"] = url, sims.school.school_year
    server, thread, address = start_in_background("127.0.0.1", DASHBOARD_PORT)
    try:
        console.print(f"Bảng điều khiển: {address}")
        for login, password, what in people:
            console.print(f"  {what}: tên đăng nhập {login}, mật khẩu {password}")
        if wait:
            console.print("Các hệ thống mô phỏng và bảng điều khiển đang chạy; nhấn Ctrl-C để dừng.")
            wait_until_stopped()
    finally:
        stop_background(server, thread)
    sims.stop()
    return 0 if report.status == "completed" and not report.errors else 1


def _demo_accounts(engine, teachers: dict[str, str], found: list) -> list[tuple[str, str, str]]:
    """IT, the principal and the GVCN of the class with the most score differences, each with a
    fresh password (the demo's store is new every run); returns (login, password, who) to print."""
    by_class = Counter(d.class_code for d in found if d.kind in ("score_mismatch", "missing_score") and d.class_code)
    class_code = by_class.most_common(1)[0][0] if by_class else (sorted(teachers)[0] if teachers else "6A1")
    teacher = teachers.get(class_code, "").split(" (")[0] or f"Giáo viên chủ nhiệm lớp {class_code}"
    people = [
        ("it.demo", "Quản trị CNTT (mô phỏng)", "it", {}, "Quản trị CNTT"),
        ("hieutruong.demo", "Hiệu trưởng (mô phỏng)", "principal", {}, "Hiệu trưởng"),
        (f"gvcn.{class_code.lower()}", teacher, "gvcn", {"class": [class_code]}, f"GVCN lớp {class_code} ({teacher})"),
    ]
    made = []
    with Session(engine) as session:
        by = None
        for login, name, role, scopes, what in people:
            password = secrets.token_urlsafe(9)
            actor = accounts.add_user(session, login, name, role, password, now(), scopes, by)
            audit.append(session, (by or actor).ref, "account_added", {"account": actor.ref, "role": role}, now())
            by = by or actor
            made.append((actor.login, password, what))
        session.commit()
    return made


def _reconcile(settings: Settings, sims: Simulators, pdf: Path, console: Console):
    """Reconcile what the sync read, keep the differences for the GVCNs, and write the school's report."""
    from lienthong.reconciliation import service
    from lienthong.reconciliation.discrepancy import KIND_WORDS
    from lienthong.reconciliation.reports import ReportContext, render_pdf

    result = service.reconcile_school(
        make_engine(settings.database_url),
        sims.school.school_year,
        None,
        sims.school.today,
        pushed=service.scores_pushed(settings),
        settings=settings,
    )
    found = result.found
    pdf.write_bytes(
        render_pdf(
            [d.as_json() for d in found],
            ReportContext(
                sims.school.name,
                sims.school.school_year,
                result.at,
                None,
                result.teachers,
                skipped=[s.as_json() for s in result.skipped],
                incomplete=result.incomplete(),
                compared=result.compared,
                matched=result.matched,
            ),
        )
    )
    counts = Counter(KIND_WORDS.get(d.kind, d.kind) for d in found)
    console.print(
        f"Đối chiếu: {len(found)} khác biệt giao cho giáo viên chủ nhiệm ("
        + ", ".join(f"{k} {v}" for k, v in counts.most_common())
        + f"); báo cáo PDF: {pdf}"
    )
    return result


def _class_table(sims: Simulators, console: Console, class_code: str = "8A1", rows: int = 10) -> None:
    students = sorted(
        (s for s in sims.school.students if s.class_code == class_code), key=lambda s: given_name_sort_key(s.full_name)
    )
    if not students:
        return
    table = Table(title=f"Lớp {class_code} — kết quả cả năm theo Thông tư 22 (sổ điểm mô phỏng)")
    for header in ("STT", "Họ và tên", "TB Toán", "TB Ngữ văn", "Học tập", "Rèn luyện", "Nghỉ", "Lên lớp"):
        table.add_column(header)
    for number, student in enumerate(students[:rows], start=1):
        result = assess_student(parse_student(student.assess_input()))
        table.add_row(
            str(number),
            student.full_name,
            format_score(result.subjects["TOAN"]["cn"]),
            format_score(result.subjects["VAN"]["cn"]),
            LEVEL_SHOWN[result.learning["cn"]],
            LEVEL_SHOWN[result.training["cn"]],
            str(len(student.absences)),
            PROMOTION_SHOWN[result.promotion],
        )
    console.print(table)
