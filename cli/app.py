"""The commands of ``lienthong`` (typer), started by `cli.main`. Heavy imports stay inside the
commands: building this app loads typer and nothing of the commands' own (tests/cli/test_startup.py).

Help is click's plain layout (`cli.layout`: rich costs more to load than the rest of the help), and
``lienthong --help`` is printed from `cli.help_text` without loading typer at all (`cli.main`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from lienthong.cli.classes_command import classes_app
from lienthong.cli.layout import Commands, command_group
from lienthong.cli.portal_command import portal_app
from lienthong.cli.records_command import backup_app, hocba_app, print_app, restore_command, retention_app
from lienthong.cli.results_command import results_app
from lienthong.cli.serve_command import serve
from lienthong.cli.worker_command import schools_app

app = typer.Typer(
    help="lienthong — liên thông dữ liệu học sinh giữa nhà trường, vnEdu, CSDL ngành và cổng báo cáo của Sở.",
    no_args_is_help=True,
    add_completion=False,
    cls=Commands,
    rich_markup_mode=None,
    # errors leave through cli.errors (one Vietnamese line, no traceback, never local variables)
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
)
db_app = command_group("Cơ sở dữ liệu của lienthong (SQLite mặc định, PostgreSQL khi cấu hình).", no_args_is_help=False)
app.add_typer(db_app, name="db")
audit_app = command_group("Nhật ký kiểm toán (chỉ ghi thêm, nối chuỗi băm).", no_args_is_help=False)
app.add_typer(audit_app, name="audit")
resolve_app = command_group("Xử lý khác biệt: GVCN đề xuất, Hiệu trưởng duyệt hoặc từ chối.", no_args_is_help=False)
app.add_typer(resolve_app, name="resolve")
users_app = command_group(
    "Tài khoản người dùng (quản trị CNTT): thêm, đổi mật khẩu, khoá, liệt kê.", no_args_is_help=False
)
app.add_typer(users_app, name="users")
app.add_typer(classes_app, name="classes")
app.add_typer(hocba_app, name="hocba")
app.add_typer(backup_app, name="backup")
app.add_typer(retention_app, name="retention")
app.add_typer(print_app, name="print")
app.add_typer(results_app, name="results")
app.add_typer(portal_app, name="portal")
app.add_typer(schools_app, name="schools")


@app.callback()
def where_data_lives(
    config: Path = typer.Option(
        None, "--config", envvar="LIENTHONG_CONFIG", help="Tệp cấu hình TOML (mặc định: biến LIENTHONG_CONFIG)."
    ),
    db: str = typer.Option(
        None, "--db", envvar="LIENTHONG_DATABASE_URL", help="Địa chỉ CSDL (mặc định sqlite:///./lienthong.db)."
    ),
    as_login: str = typer.Option(
        None, "--as", help="Thực hiện bằng tài khoản này (hỏi mật khẩu; không có bàn phím: đọc một dòng từ stdin)."
    ),
) -> None:
    """lienthong — liên thông dữ liệu học sinh giữa nhà trường, vnEdu, CSDL ngành và cổng báo cáo của Sở."""
    import os

    # One way for every command: the options become the environment the settings read.
    if config:
        os.environ["LIENTHONG_CONFIG"] = str(config)
    if db:
        os.environ["LIENTHONG_DATABASE_URL"] = db
    if as_login:
        os.environ["LIENTHONG_AS"] = as_login


@app.command()
def init(
    ma_truong: str = typer.Option(..., "--ma-truong", help="Mã trường (8 chữ số)."),
    path: Path = typer.Option(Path("lienthong.toml"), "--file", help="Tệp cấu hình sẽ tạo."),
) -> None:
    """Tạo tệp cấu hình có chú thích cho một trường và cơ sở dữ liệu của nó."""
    import os

    from lienthong.cli.init import init_school

    raise typer.Exit(init_school(path, ma_truong, os.environ.get("LIENTHONG_DATABASE_URL")))


def _actor() -> str:
    """Who acts, for the audit log of an import or an export: the account (``--as`` or the open
    session), else the operating-system user, marked as such (never a name typed in a variable)."""
    from lienthong.cli.identity import actor_ref

    return actor_ref()


@app.command()
def assess() -> None:
    """Tính kết quả theo Thông tư 22 cho từng học sinh (JSON Lines từ stdin ra stdout)."""
    from lienthong.cli.assess import run

    sys.stdin.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    raise typer.Exit(run(sys.stdin, sys.stdout, sys.stderr))


@app.command()
def demo(
    seed: int = typer.Option(1, help="Hạt giống sinh trường mô phỏng."),
    students: int = typer.Option(2000, help="Số học sinh của trường mô phỏng."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Giữ các hệ thống mô phỏng chạy sau khi đồng bộ."),
) -> None:
    """Trường mô phỏng + ba hệ thống mô phỏng + một lần đồng bộ đầy đủ, rồi in tóm tắt."""
    from lienthong.cli.demo import run_demo

    raise typer.Exit(run_demo(seed=seed, students=students, wait=wait))


@app.command()
def simulate(
    seed: int = typer.Option(1, help="Hạt giống sinh trường mô phỏng."),
    students: int = typer.Option(2000, help="Số học sinh của trường mô phỏng."),
    faults: str = typer.Option("none", help="Hồ sơ lỗi: none, flaky hoặc hostile."),
    host: str = typer.Option("127.0.0.1", help="Địa chỉ lắng nghe (chỉ nên là loopback)."),
    port: list[str] = typer.Option(
        [],
        "--port",
        help="Cổng của một hệ thống, dạng TÊN=CỔNG (0: tự chọn cổng trống), "
        "lặp lại cho từng hệ thống; mặc định vnedu=8101, csdl=8102, "
        "portal=8103.",
    ),
    manifest: Path = typer.Option(None, help="Ghi bản kê các khác biệt đã cài vào tệp JSON này."),
    files: Path = typer.Option(
        None,
        "--files",
        help="Chỉ ghi bộ tệp Excel của trường (vnEdu, CSDL, sổ điểm giáo "
        "viên) vào thư mục này rồi dừng, không chạy dịch vụ.",
    ),
    today: str = typer.Option(
        None,
        "--today",
        help="Ngày của trường mô phỏng (YYYY-MM-DD), ví dụ cuối năm học để có kết quả cả năm; mặc định hôm nay.",
    ),
) -> None:
    """Chạy ba hệ thống mô phỏng (vnEdu, CSDL ngành, cổng báo cáo) cho đến khi Ctrl-C hoặc SIGTERM."""
    from lienthong.cli.simulate import run_simulators, write_files

    if files:
        raise typer.Exit(write_files(seed, students, files, today, manifest))
    raise typer.Exit(
        run_simulators(seed=seed, students=students, faults=faults, host=host, ports=port, manifest=manifest)
    )


@app.command()
def check() -> None:
    """Kiểm tra kết nối và thông tin đăng nhập tới từng hệ thống đã cấu hình."""
    from lienthong.cli.connections import check as run_check

    raise typer.Exit(run_check())


# The old names of ``read-file`` and ``import-gradebook``, kept so that scripts keep working.
OLD_KINDS = {"so-diem": "gradebook", "csdl-hoc-sinh": "csdl-hocsinh", "csdl-ket-qua": "csdl-ketqua"}


@app.command("read-file", hidden=True)
def read_file(
    path: Path = typer.Argument(..., help="Tệp Excel (.xlsx hoặc .xls)."),
    kind: str = typer.Option(None, "--kind", help="Loại tệp, như với `import`."),
    school_year: str = typer.Option(None, "--school-year", "--nam-hoc", help="Năm học mong đợi."),
    semester: str = typer.Option(None, "--semester", "--hoc-ky", help="Học kỳ mong đợi: 1, 2 hoặc CN."),
    subject: str = typer.Option(None, "--subject", "--mon", help="Mã môn (sổ điểm), ví dụ TOAN."),
    class_code: str = typer.Option(None, "--class", "--lop", help="Lớp mong đợi, ví dụ 6A1."),
    column_map: str = typer.Option(None, "--map", help="Cột của sổ điểm không tự nhận ra."),
) -> None:
    """Như `lienthong import --dry-run`: đọc thử một tệp, không lưu gì."""
    import_files([path], OLD_KINDS.get(kind, kind), school_year, semester, class_code, subject, column_map, False, True)


@app.command()
def sync(
    once: bool = typer.Option(True, "--once", help="Chạy một lần rồi dừng (lịch tự động: `lienthong run`)."),
    platform: list[str] = typer.Option(None, "--platform", help="Chỉ đồng bộ hệ thống này (lặp lại được)."),
    full: bool = typer.Option(False, "--full", help="Đọc toàn bộ thay vì chỉ phần thay đổi."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Chỉ cho xem kế hoạch gửi; không ghi gì ở đâu cả."),
    as_json: bool = typer.Option(False, "--json", help="Mỗi sự kiện một đối tượng JSON trên một dòng."),
) -> None:
    """Đồng bộ một lần: đọc các hệ thống, lập kế hoạch theo quyền sở hữu dữ liệu, gửi đi."""
    from lienthong.cli.sync_commands import sync_once

    raise typer.Exit(sync_once(platform or None, full, dry_run, as_json))


@app.command()
def run(
    serve_dashboard: bool = typer.Option(False, "--serve", help="Chạy cả bảng điều khiển trong cùng tiến trình."),
    host: str = typer.Option("127.0.0.1", "--host", help="Địa chỉ của bảng điều khiển (với --serve)."),
    port: int = typer.Option(8100, "--port", help="Cổng của bảng điều khiển (với --serve)."),
) -> None:
    """Chạy thường trực: đồng bộ và sao lưu theo lịch trong cấu hình, /metrics cho Prometheus; dừng bằng SIGTERM."""
    from lienthong.cli.sync_commands import run_service

    raise typer.Exit(run_service(host, port) if serve_dashboard else run_service())


@app.command()
def worker(
    concurrency: int = typer.Option(
        None, "--concurrency", help="Số việc chạy cùng lúc (mặc định [engine] concurrency)."
    ),
    check: bool = typer.Option(
        False, "--check", help="Chỉ kiểm tra cơ sở dữ liệu và hàng đợi việc có sẵn sàng không (mã thoát 0 hoặc 3)."
    ),
) -> None:
    """Chế độ phân tán: một tiến trình làm các việc trong hàng đợi (đồng bộ, đối chiếu, nộp báo cáo, sao lưu)."""
    from lienthong.cli.worker_command import worker as run

    raise typer.Exit(run(concurrency, check))


@app.command()
def scheduler(
    check: bool = typer.Option(
        False, "--check", help="Chỉ kiểm tra cơ sở dữ liệu và hàng đợi việc có sẵn sàng không (mã thoát 0 hoặc 3)."
    ),
) -> None:
    """Chế độ phân tán: đưa các việc theo lịch trong cấu hình vào hàng đợi, trả lại việc của tiến trình đã chết."""
    from lienthong.cli.worker_command import scheduler as run

    raise typer.Exit(run(check))


@app.command()
def enqueue(
    what: str = typer.Argument(..., help="sync, reconcile, submit (nộp báo cáo lên cổng) hoặc backup."),
    school: str = typer.Option(None, "--school", help="Mã trường (8 chữ số)."),
    platform: str = typer.Option(None, "--platform", help="Hệ thống cần đồng bộ (với sync), ví dụ vnedu."),
    full: bool = typer.Option(False, "--full", help="Đồng bộ đầy đủ thay vì chỉ phần thay đổi (với sync)."),
) -> None:
    """Chế độ phân tán: thêm một việc vào hàng đợi bằng tay."""
    from lienthong.cli.worker_command import enqueue as run

    raise typer.Exit(run(what, school, platform, full))


@schools_app.command("add")
def schools_add(
    ma_truong: str = typer.Argument(..., help="Mã trường (8 chữ số)."),
    name: str = typer.Option(..., "--name", help="Tên trường."),
    tinh: str = typer.Option(..., "--tinh", help="Mã tỉnh (2 chữ số)."),
    xa: str = typer.Option(..., "--xa", help="Mã xã (5 chữ số)."),
    vnedu_url: str = typer.Option(None, "--vnedu-url", help="Địa chỉ API vnEdu."),
    vnedu_client: str = typer.Option(None, "--vnedu-client", help="client_id đối tác vnEdu."),
    csdl_endpoint: str = typer.Option(None, "--csdl-endpoint", help="Địa chỉ dịch vụ CSDL ngành."),
    csdl_user: str = typer.Option(None, "--csdl-user", help="Tài khoản CSDL ngành của trường."),
    portal_url: str = typer.Option(None, "--portal-url", help="Địa chỉ cổng báo cáo của Sở."),
    options: list[str] = typer.Option(
        [], "--set", help="Thiết lập khác: HỆ_THỐNG.KHOÁ=GIÁ_TRỊ, ví dụ vnedu.rate_limit=5."
    ),
) -> None:
    """Đăng ký (hoặc cập nhật) một trường; mật khẩu và khoá không lưu ở đây: biến LIENTHONG_<MÃ_TRƯỜNG>_…"""
    from lienthong.cli.worker_command import add_school

    raise typer.Exit(
        add_school(ma_truong, name, tinh, xa, vnedu_url, vnedu_client, csdl_endpoint, csdl_user, portal_url, options)
    )


@schools_app.command("list")
def schools_list(
    output_format: str = typer.Option("table", "--format", help="table hoặc json (mỗi trường một dòng)."),
    sort: str = typer.Option(
        "ma_truong",
        "--sort",
        help="ma_truong, name, completeness, discrepancies, sync, waiting, dead hoặc on_time (kém nhất trước).",
    ),
    reverse: bool = typer.Option(False, "--reverse", help="Đảo thứ tự sắp xếp (tốt nhất trước)."),
) -> None:
    """Các trường song song: mức đủ điểm, khác biệt đang mở, đồng bộ, việc chờ, nộp báo cáo đúng hạn.

    Với tài khoản (--as hoặc `lienthong login`): cán bộ Sở GD&ĐT xem các trường mình phụ trách."""
    from lienthong.cli.worker_command import list_schools

    raise typer.Exit(list_schools(output_format, sort, reverse))


@app.command()
def match() -> None:
    """Ghép học sinh vnEdu với học sinh CSDL (mã định danh, số định danh, họ tên + ngày sinh)."""
    from lienthong.cli.match_command import run_match

    raise typer.Exit(run_match())


@app.command()
def reconcile(
    output_format: str = typer.Option(
        "table", "--format", help="table (trên màn hình), json (JSON Lines), html, xlsx hoặc pdf (báo cáo)."
    ),
    class_code: str = typer.Option(None, "--class", help="Chỉ một lớp, ví dụ 6A1 (báo cáo cho GVCN)."),
    out: Path = typer.Option(None, "--out", help="Ghi kết quả vào tệp này (bắt buộc với xlsx, pdf)."),
    summary: Path = typer.Option(None, "--summary", help="Ghi bản tóm tắt (JSON) vào tệp này thay vì stderr."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Ghi đè tệp --out/--summary đã có."),
    full: bool = typer.Option(
        False, "--full", help="Tính lại mọi học sinh (mặc định chỉ tính lại học sinh có dữ liệu thay đổi)."
    ),
) -> None:
    """Đối chiếu mọi nguồn (sổ điểm, vnEdu, CSDL): mỗi khác biệt một dòng, bằng tiếng Việt.

    Báo cả những phần chưa đối chiếu được và lý do (chỉ có một nguồn, chưa có dữ liệu điểm danh…).

    Mã thoát: 0 — các phần đã đối chiếu đều khớp; 1 — có khác biệt cần xem;
    2 — không đối chiếu được hai nguồn nào với nhau (chưa có dữ liệu, hoặc chỉ có một nguồn), hoặc tham số sai.
    """
    from lienthong.cli.reconcile_command import run_reconcile

    if output_format not in ("table", "json", "html", "xlsx", "pdf"):
        typer.echo("--format phải là table, json, html, xlsx hoặc pdf", err=True)
        raise typer.Exit(2)
    if output_format in ("xlsx", "pdf") and out is None:
        typer.echo(f"--format {output_format} cần --out TỆP", err=True)
        raise typer.Exit(2)
    raise typer.Exit(run_reconcile(output_format, class_code, out, summary, overwrite=overwrite, full=full))


@app.command()
def completeness(
    class_code: str = typer.Option(None, "--class", help="Chỉ một lớp, ví dụ 9A1."),
    semester: str = typer.Option(None, "--semester", help="Học kỳ 1 hoặc 2; mặc định các học kỳ đã bắt đầu."),
    output_format: str = typer.Option("table", "--format", help="table (trên màn hình) hoặc json."),
) -> None:
    """Mức độ đầy đủ: đầu điểm đã nhập so với Thông tư 22, rèn luyện, điểm danh, ai trễ hạn (Quy chế Suối Ngô).

    Mã thoát: 0 — không ai trễ hạn; 1 — có việc trễ hạn; 2 — lớp, học kỳ hoặc tham số sai, chưa có dữ liệu.
    """
    from lienthong.cli.completeness_command import run_completeness

    raise typer.Exit(run_completeness(class_code, semester, output_format))


@app.command()
def runs(
    limit: int = typer.Option(20, help="Số lần chạy gần nhất."),
    as_json: bool = typer.Option(False, "--json", help="Mỗi lần chạy một đối tượng JSON trên một dòng."),
    installation: bool = typer.Option(
        False,
        "--installation",
        help="Việc của cả hệ thống, không của riêng trường nào (sao lưu toàn bộ cơ sở dữ liệu ở chế độ phân tán).",
    ),
) -> None:
    """Lịch sử các lần đồng bộ và kết quả."""
    from lienthong.cli.sync_commands import list_installation_runs, list_runs

    raise typer.Exit(list_installation_runs(limit, as_json) if installation else list_runs(limit, as_json))


@app.command("approve-run")
def approve_run(run_id: int = typer.Argument(..., help="Số của lần chạy đang tạm giữ.")) -> None:
    """Quản trị viên duyệt một lần chạy bị tạm giữ (ghi vào nhật ký kiểm toán)."""
    from lienthong.cli.sync_commands import approve

    raise typer.Exit(approve(run_id))


@app.command("import")
def import_files(
    paths: list[Path] = typer.Argument(..., metavar="TỆP", help="Một hay nhiều tệp Excel (.xlsx hoặc .xls)."),
    kind: str = typer.Option(
        None,
        "--kind",
        help="vnedu-sodiem, vnedu-tonghop, vnedu-nenep, csdl-hocsinh, csdl-ketqua, gradebook; mặc định tự nhận ra.",
    ),
    school_year: str = typer.Option(None, "--school-year", help="Năm học của tệp; mặc định năm học trong cấu hình."),
    semester: str = typer.Option(None, "--semester", help="1, 2 hoặc CN: tệp khác học kỳ này bị từ chối."),
    class_code: str = typer.Option(None, "--class", help="Lớp: tệp có lớp khác bị từ chối."),
    subject: str = typer.Option(
        None, "--subject", help="Mã môn của sổ điểm cá nhân khi tiêu đề không ghi, ví dụ TOAN."
    ),
    column_map: str = typer.Option(
        None,
        "--map",
        help='Cột của sổ điểm không tự nhận ra: "Miệng 1=TX1,Thi HK=CK"; bài chia phần: "GK=GKTN+GKTH,CK=CKTN+CKTH" '
        '(trang chia khác thì thêm sau dấu |: "GK=GKTN+GKTH|GKTN"); cột không phải điểm: "BT01=KHONG".',
    ),
    as_json: bool = typer.Option(False, "--json", help="Mỗi tệp một đối tượng JSON trên một dòng."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Chỉ đọc thử và báo những gì đọc được; không lưu gì."),
    no_reconcile: bool = typer.Option(
        False, "--no-reconcile", help="Không đối chiếu lại sau khi nhập (khi còn nhập tiếp nhiều lô tệp)."
    ),
) -> None:
    """Nhập tệp Excel xuất từ vnEdu, CSDL ngành, hoặc sổ điểm của giáo viên (tự nhận loại tệp).

    Báo từng trang (đã đọc, hoặc không đọc và vì sao), từng cột không dùng, từng dòng bị từ chối
    (trang, ô, giá trị, lý do). Khi có dữ liệu mới hoặc thay đổi, đối chiếu lại ngay và báo số khác
    biệt. Mã thoát: 0 đọc hết, 1 có dòng bị từ chối hoặc điểm chưa nhập vì chờ --map (bài kiểm tra chia
    phần), 2 có tệp bị từ chối cả tệp."""
    from lienthong.cli.import_command import run_import
    from lienthong.config.school_year import is_school_year
    from lienthong.connectors.file_kinds import KINDS
    from lienthong.sync.file_import import Wanted

    if kind and kind not in KINDS:
        typer.echo(f"--kind phải là một trong: {', '.join(KINDS)}", err=True)
        raise typer.Exit(2)
    if semester and semester not in ("1", "2", "CN"):
        typer.echo("--semester phải là 1, 2 hoặc CN", err=True)
        raise typer.Exit(2)
    if school_year and not is_school_year(school_year):
        typer.echo(
            f"--school-year phải là một năm học dạng 2025-2026 (hai năm liền nhau), không phải «{school_year}».",
            err=True,
        )
        raise typer.Exit(2)
    wanted = Wanted(school_year, semester, class_code.upper() if class_code else None, subject)
    raise typer.Exit(
        run_import(paths, kind, wanted, column_map, as_json, _actor(), dry_run=dry_run, reconcile=not no_reconcile)
    )


@app.command("export")
def export(
    what: str = typer.Argument(..., help="csdl-ketqua (kết quả học tập) hoặc csdl-hocsinh (danh sách học sinh)."),
    out: Path = typer.Option(..., "--out", help="Tệp .xlsx sẽ ghi."),
    semester: str = typer.Option(None, "--semester", help="1, 2 hoặc CN (bắt buộc với csdl-ketqua)."),
    class_code: str = typer.Option(None, "--class", help="Chỉ một lớp, ví dụ 6A1."),
    force: bool = typer.Option(
        False, "--force", help="Xuất dù còn khác biệt về điểm/danh tính (ghi nhật ký kiểm toán)."
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Ghi đè tệp --out đã có."),
) -> None:
    """Ghi tệp để nhập vào CSDL ngành theo mẫu hiện hành, từ dữ liệu đã đối chiếu."""
    from lienthong.cli.export_command import run_export

    if what not in ("csdl-ketqua", "csdl-hocsinh"):
        typer.echo("Chỉ xuất được csdl-ketqua hoặc csdl-hocsinh", err=True)
        raise typer.Exit(2)
    if what == "csdl-ketqua" and semester not in ("1", "2", "CN"):
        typer.echo("csdl-ketqua cần --semester 1, 2 hoặc CN", err=True)
        raise typer.Exit(2)
    raise typer.Exit(
        run_export(
            what, semester, class_code.upper() if class_code else None, out, force, _actor(), overwrite=overwrite
        )
    )


@app.command("import-gradebook", hidden=True)
def import_gradebook(
    path: Path = typer.Argument(..., help="Sổ điểm (.xlsx hoặc .xls)."),
    subject: str = typer.Option(..., "--subject", "--mon", help="Mã môn, ví dụ TOAN."),
    semester: str = typer.Option("1", "--semester", "--hoc-ky", help="Học kỳ 1 hoặc 2."),
    column_map: str = typer.Option(None, "--map", help="Vị trí cột khi không tự nhận ra."),
) -> None:
    """Nhập sổ điểm của giáo viên (như `lienthong import --kind gradebook`)."""
    from lienthong.cli.import_command import run_import
    from lienthong.sync.file_import import OWNER_KIND, Wanted

    raise typer.Exit(run_import([path], OWNER_KIND, Wanted(None, semester, None, subject), column_map, False, _actor()))


@resolve_app.command("propose")
def resolve_propose(
    discrepancy_id: str = typer.Argument(..., help="Mã khác biệt (cột id của `lienthong reconcile --format json`)."),
    value: str = typer.Option(..., "--value", help="Giá trị đúng, ví dụ 7,5 hoặc Đ."),
    reason: str = typer.Option(..., "--reason", help="Lý do, ví dụ «đối chiếu bài kiểm tra gốc»."),
) -> None:
    """GVCN đề xuất giá trị đúng; sửa điểm/kết quả cần Hiệu trưởng duyệt trước khi gửi đi."""
    from lienthong.cli.resolve_command import propose

    raise typer.Exit(propose(discrepancy_id, value, reason))


@resolve_app.command("approve")
def resolve_approve(
    discrepancy_id: str = typer.Argument(..., help="Mã khác biệt."),
    reason: str = typer.Option("", "--reason", help="Ghi chú khi duyệt."),
    board: str = typer.Option(
        "",
        "--board",
        help="Thành viên Ban quản trị chứng kiến việc sửa (tên đăng nhập hoặc họ tên; Quy chế Suối Ngô, Điều 9).",
    ),
    gvcn: str = typer.Option("", "--gvcn", help="GVCN của lớp chứng kiến việc sửa (tên đăng nhập hoặc họ tên)."),
) -> None:
    """Hiệu trưởng duyệt đề xuất (người đề xuất không tự duyệt); điểm sửa được gửi ở lần đồng bộ tới (trường chỉ
    nhập tệp: sửa ở nguồn còn ghi sai rồi nhập lại tệp).

    Sửa kết quả của lớp đã từng được duyệt cần ghi người chứng kiến: --board và --gvcn.
    """
    from lienthong.cli.resolve_command import approve

    raise typer.Exit(approve(discrepancy_id, reason, board, gvcn))


@resolve_app.command("reject")
def resolve_reject(
    discrepancy_id: str = typer.Argument(..., help="Mã khác biệt."),
    reason: str = typer.Option(..., "--reason", help="Lý do từ chối."),
) -> None:
    """Hiệu trưởng từ chối đề xuất; khác biệt trở lại cho GVCN."""
    from lienthong.cli.resolve_command import reject

    raise typer.Exit(reject(discrepancy_id, reason))


@resolve_app.command("show")
def resolve_show(discrepancy_id: str = typer.Argument(..., help="Mã khác biệt.")) -> None:
    """Khác biệt, người phụ trách và các bước xử lý."""
    from lienthong.cli.resolve_command import show

    raise typer.Exit(show(discrepancy_id))


@audit_app.command("verify")
def audit_verify() -> None:
    """Kiểm tra nhật ký kiểm toán (của trường hoặc mọi trường, và của cả hệ thống): phát hiện mục bị sửa, xoá."""
    from lienthong.cli.sync_commands import verify_audit

    raise typer.Exit(verify_audit())


@db_app.command("upgrade")
def db_upgrade(url: str = typer.Option(None, help="Địa chỉ CSDL; mặc định lấy từ cấu hình.")) -> None:
    """Tạo hoặc nâng cấp lược đồ CSDL lên phiên bản mới nhất (Alembic)."""
    from lienthong.config.settings import Settings
    from lienthong.store.db import migrate

    target = url or Settings().database_url
    migrate(target)
    typer.echo(f"Đã nâng cấp CSDL: {Settings.redact_url(target)}")


@users_app.command("add")
def users_add(
    login: str = typer.Argument(..., help="Tên đăng nhập (không phân biệt hoa thường)."),
    name: str = typer.Option(..., "--name", help="Họ và tên."),
    role: str = typer.Option(
        ..., "--role", help="it, principal, board, department_head, gvcn, teacher, parent, so_gddt."
    ),
    classes: list[str] = typer.Option([], "--class", help="Lớp phụ trách (GVCN, giáo viên bộ môn); lặp lại."),
    subjects: list[str] = typer.Option([], "--subject", help="Môn (giáo viên bộ môn, tổ trưởng); lặp lại."),
    students: list[str] = typer.Option([], "--student", help="Mã học sinh (cha mẹ học sinh)."),
    schools: list[str] = typer.Option(
        [],
        "--school",
        help="Trường của tài khoản (mã 8 chữ số; bắt buộc khi CSDL có nhiều trường); cán bộ Sở GD&ĐT: "
        "các trường phụ trách, lặp lại, hoặc '*' cho mọi trường.",
    ),
) -> None:
    """Thêm tài khoản (tài khoản đầu tiên: it hoặc principal, không cần đăng nhập)."""
    from lienthong.cli.users_command import add

    scopes = {"class": classes, "subject": subjects, "student": students, "school": schools}
    raise typer.Exit(add(login, name, role, scopes))


@users_app.command("delegate")
def users_delegate(
    login: str = typer.Argument(..., help="Thành viên Ban giám hiệu (board)."),
    revoke: bool = typer.Option(False, "--revoke", help="Thu hồi quyền duyệt."),
) -> None:
    """Hiệu trưởng uỷ quyền (hoặc thu hồi) cho một thành viên Ban giám hiệu duyệt sửa điểm, kết quả."""
    from lienthong.cli.users_command import delegate

    raise typer.Exit(delegate(login, not revoke))


@users_app.command("passwd")
def users_passwd(login: str = typer.Argument(None, help="Tài khoản (mặc định: của mình).")) -> None:
    """Đổi mật khẩu (của mình, hoặc của người khác nếu là quản trị CNTT)."""
    from lienthong.cli.users_command import passwd

    raise typer.Exit(passwd(login))


@users_app.command("disable")
def users_disable(login: str = typer.Argument(...)) -> None:
    """Khoá một tài khoản (quản trị CNTT)."""
    from lienthong.cli.users_command import disable

    raise typer.Exit(disable(login, True))


@users_app.command("enable")
def users_enable(login: str = typer.Argument(...)) -> None:
    """Mở lại một tài khoản đã khoá (quản trị CNTT)."""
    from lienthong.cli.users_command import disable

    raise typer.Exit(disable(login, False))


@users_app.command("list")
def users_list() -> None:
    """Danh sách tài khoản, vai trò và phạm vi."""
    from lienthong.cli.users_command import show_all

    raise typer.Exit(show_all())


@users_app.command("roles")
def users_roles() -> None:
    """Các vai trò."""
    from lienthong.cli.users_command import roles

    raise typer.Exit(roles())


@app.command()
def login(name: str = typer.Argument(..., help="Tên đăng nhập.")) -> None:
    """Đăng nhập: mở một phiên 8 giờ cho các lệnh sau (lưu trong tệp chỉ mình đọc được)."""
    from lienthong.cli.users_command import login as sign_in

    raise typer.Exit(sign_in(name))


@app.command()
def logout() -> None:
    """Đăng xuất: phiên hiện tại hết hiệu lực."""
    from lienthong.cli.users_command import logout as sign_out

    raise typer.Exit(sign_out())


# Registered last so that `lienthong --help` lists them after the daily commands.
app.command("restore")(restore_command)
app.command()(serve)
