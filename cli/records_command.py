"""``lienthong hocba …``, ``backup``, ``restore``, ``retention …``: records that last (issue 18).

Heavy imports stay inside the commands (the ``lienthong`` entry point imports this module).
Signing and correcting need an account (``--as`` or ``lienthong login``): who signs is an
account with a role, never a typed name.
"""

from __future__ import annotations

from pathlib import Path

import typer

from lienthong.cli.layout import command_group

hocba_app = command_group(
    "Học bạ số (XML): xuất từ dữ liệu, GVCN và Hiệu trưởng ký số, kiểm tra chữ ký, lập phiên bản sửa."
)
backup_app = command_group(
    "Sao lưu cơ sở dữ liệu vào một thư mục có bản kê SHA-256; `backup verify` kiểm tra một bản sao lưu.",
    invoke_without_command=True,
    no_args_is_help=False,  # `lienthong backup` alone makes a backup
)
print_app = command_group("Sổ in (PDF, khổ A4) và chữ ký số PAdES trên sổ in.")
retention_app = command_group("Thời hạn lưu hồ sơ: ít nhất 5 năm sau khi học sinh tốt nghiệp hoặc chuyển trường.")


def _console():
    from rich.console import Console

    return Console(markup=False, highlight=False, soft_wrap=True)


# --- hocba ------------------------------------------------------------------------------------


@hocba_app.command("export")
def export_command(
    class_code: str = typer.Option(..., "--class", help="Lớp, ví dụ 9A1."),
    out: Path = typer.Option(..., "--out", help="Thư mục ghi học bạ (mỗi học sinh một tệp MÃ_ĐỊNH_DANH-vN.xml)."),
) -> None:
    """Xuất học bạ năm học hiện tại của một lớp (XML, kiểm tra theo hocba.xsd), tính theo Thông tư 22.

    Học sinh đã có học bạ trong thư mục: thêm năm học mới thành phiên bản mới; năm học đã ký
    không bị ghi đè (sửa bằng `lienthong hocba correct`).

    Mã thoát: 0 — đã xuất cả lớp; 1 — có học sinh chưa xuất được (thiếu dữ liệu, nêu lý do); 2 — không xuất được ai.
    """
    from lienthong.cli.hocba_command import export

    raise typer.Exit(export(class_code, out))


@hocba_app.command("sign")
def sign_command(
    path: Path = typer.Argument(..., help="Tệp học bạ XML."),
    year: str = typer.Option(None, "--year", help="Năm học GVCN ký (mặc định: năm học của lớp mình chưa ký)."),
) -> None:
    """Ký số học bạ bằng tài khoản đang dùng: GVCN ký năm học của lớp mình, Hiệu trưởng ký toàn bộ (sau GVCN).

    Khoá ký là tệp PKCS#12 khai báo trong [records] signing_keys cho tài khoản; mật khẩu khoá đặt ở
    biến môi trường LIENTHONG_KEY_PASSWORD_<TÊN_ĐĂNG_NHẬP> hoặc LIENTHONG_KEY_PASSWORD.

    Mã thoát: 0 — đã ký; 2 — tệp hoặc khoá không dùng được; 4 — tài khoản không được ký phần này.
    """
    from lienthong.cli.hocba_command import sign

    raise typer.Exit(sign(path, year))


@hocba_app.command("verify")
def verify_command(paths: list[Path] = typer.Argument(..., help="Một hay nhiều tệp học bạ XML.")) -> None:
    """Kiểm tra chữ ký số: ai ký, lúc nào, chữ ký phủ phần nào, có gì bị thay đổi sau khi ký.

    Mã thoát: 0 — mọi chữ ký hợp lệ và tin cậy; 1 — có chữ ký hỏng, thiếu hoặc chứng thư không tin cậy;
    2 — tệp không phải học bạ hợp lệ (hoặc có nội dung nguy hiểm như XXE) nên không đọc.
    """
    from lienthong.cli.hocba_command import verify

    raise typer.Exit(verify(paths))


@hocba_app.command("correct")
def correct_command(
    path: Path = typer.Argument(..., help="Học bạ đã ký (phiên bản mới nhất)."),
    reason: str = typer.Option(..., "--reason", help="Lý do sửa, ví dụ «chấm phúc khảo môn Toán»."),
) -> None:
    """Hiệu trưởng duyệt sửa học bạ đã ký: lập phiên bản mới từ dữ liệu hiện tại, ghi từng thay đổi.

    Bản đã ký không bị sửa; phiên bản mới ghi số phiên bản, mã SHA-256 của bản cũ, mục thay đổi
    (giá trị cũ, mới, lý do, người duyệt) và cần GVCN rồi Hiệu trưởng ký lại.

    Mã thoát: 0 — đã lập phiên bản mới; 2 — không có gì thay đổi hoặc tệp không dùng được; 4 — không phải Hiệu trưởng.
    """
    from lienthong.cli.hocba_command import correct

    raise typer.Exit(correct(path, reason))


# --- backup and restore -------------------------------------------------------------------------


@backup_app.callback()
def backup_command(
    ctx: typer.Context,
    to: Path = typer.Option(None, "--to", help="Thư mục đặt bản sao lưu (mặc định: [records] archive_dir)."),
) -> None:
    """Sao lưu cơ sở dữ liệu vào một thư mục mới có bản kê (SHA-256, số dòng từng bảng).

    Mã thoát: 0 — đã sao lưu và kiểm tra lại; 2 — chưa có nơi đặt bản sao lưu hoặc không sao lưu được.
    """
    if ctx.invoked_subcommand is not None:
        return
    from lienthong.cli.backup_command import make

    raise typer.Exit(make(to))


@backup_app.command("verify")
def backup_verify_command(backup: Path = typer.Argument(..., help="Thư mục sao lưu (lienthong-…).")) -> None:
    """Kiểm tra một bản sao lưu mà không khôi phục: từng tệp theo SHA-256, từng bảng theo bản kê.

    Mã thoát: 0 — nguyên vẹn; 2 — hỏng (nêu tệp không khớp).
    """
    from lienthong.cli.backup_command import verify

    raise typer.Exit(verify(backup))


def restore_command(
    backup: Path = typer.Argument(..., help="Thư mục sao lưu (lienthong-…)."),
    to: str = typer.Option(
        ..., "--to", help="Cơ sở dữ liệu MỚI: đường dẫn tệp .db hoặc địa chỉ postgresql+psycopg://…"
    ),
    yes: bool = typer.Option(False, "--yes", help="Khôi phục theo kịch bản của bộ phận CNTT (không hỏi tài khoản)."),
) -> None:
    """Khôi phục một bản sao lưu vào cơ sở dữ liệu mới, chỉ chuyển sang khi đã kiểm tra khớp bản kê.

    Cần tài khoản Hiệu trưởng (--as), hoặc --yes cho kịch bản của bộ phận CNTT. Bản sao lưu hỏng
    bị từ chối, nêu tệp không khớp.

    Mã thoát: 0 — đã khôi phục; 2 — bản sao lưu hỏng hoặc đích đã có; 4 — tài khoản không được khôi phục.
    """
    from lienthong.cli.backup_command import restore

    raise typer.Exit(restore(backup, to, yes))


# --- retention ----------------------------------------------------------------------------------


@retention_app.command("report")
def retention_report_command(
    as_json: bool = typer.Option(False, "--json", help="Mỗi học sinh một đối tượng JSON trên một dòng."),
) -> None:
    """Học sinh đã rời trường hoặc tốt nghiệp, và ngày hồ sơ của từng em được phép xoá."""
    from lienthong.cli.backup_command import retention_report

    raise typer.Exit(retention_report(as_json))


@retention_app.command("purge")
def retention_purge_command(
    students: list[str] = typer.Argument(..., help="Mã học sinh (của hồ sơ trường) cần xoá."),
) -> None:
    """Xoá hồ sơ học sinh đã hết thời hạn lưu (quản trị CNTT hoặc Hiệu trưởng; ghi nhật ký kiểm toán).

    Mã thoát: 0 — đã xoá; 4 — bị từ chối vì chưa hết thời hạn lưu (không xoá gì) hoặc tài khoản không có quyền.
    """
    from lienthong.cli.backup_command import retention_purge

    raise typer.Exit(retention_purge(students))


# --- printed books ------------------------------------------------------------------------------


@print_app.command("hocba")
def print_hocba_command(
    class_code: str = typer.Option(..., "--class", help="Lớp, ví dụ 9A1."),
    out: Path = typer.Option(..., "--out", help="Tệp PDF sẽ ghi."),
    sign: bool = typer.Option(False, "--sign", help="Ký số PAdES bằng tài khoản đang dùng (--as)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Ghi đè tệp --out đã có."),
) -> None:
    """In học bạ năm học hiện tại của một lớp: PDF khổ A4, mỗi học sinh một trang.

    Mã thoát: 0 — đã in cả lớp; 1 — có học sinh chưa in được (nêu lý do); 2 — không in được.
    """
    from lienthong.cli.print_command import print_hocba

    raise typer.Exit(print_hocba(class_code, out, sign, overwrite))


@print_app.command("sign")
def print_sign_command(path: Path = typer.Argument(..., help="Tệp PDF đã in.")) -> None:
    """Ký số PAdES một sổ in bằng tài khoản đang dùng (GVCN, giáo viên bộ môn, Hiệu trưởng); giữ chữ ký trước.

    Mã thoát: 0 — đã ký; 2 — tệp hoặc khoá không dùng được; 4 — cần tài khoản.
    """
    from lienthong.cli.print_command import sign_printed

    raise typer.Exit(sign_printed(path))


@print_app.command("verify")
def print_verify_command(path: Path = typer.Argument(..., help="Tệp PDF đã ký.")) -> None:
    """Kiểm tra chữ ký số PAdES của một sổ in: ai ký, lúc nào, có gì bị sửa sau khi ký.

    Mã thoát: 0 — mọi chữ ký hợp lệ; 1 — chữ ký hỏng, không tin cậy hoặc chưa có chữ ký; 2 — tệp không đọc được.
    """
    from lienthong.cli.print_command import verify_printed

    raise typer.Exit(verify_printed(path))


@print_app.command("so-theo-doi")
def print_class_book_command(
    class_code: str = typer.Option(..., "--class", help="Lớp, ví dụ 9A1."),
    semester: str = typer.Option(..., "--semester", help="1, 2 hoặc CN (cả năm)."),
    out: Path = typer.Option(..., "--out", help="Tệp PDF sẽ ghi."),
    sign: bool = typer.Option(False, "--sign", help="Ký số PAdES bằng tài khoản đang dùng (--as)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Ghi đè tệp --out đã có."),
) -> None:
    """In sổ theo dõi và đánh giá học sinh của một lớp, một học kỳ hoặc cả năm (PDF, A4 ngang)."""
    from lienthong.cli.print_command import print_class_book

    if semester not in ("1", "2", "CN"):
        typer.echo("--semester phải là 1, 2 hoặc CN", err=True)
        raise typer.Exit(2)
    raise typer.Exit(print_class_book(class_code, semester, out, sign, overwrite))


@print_app.command("so-dang-bo")
def print_register_command(
    out: Path = typer.Option(..., "--out", help="Tệp PDF sẽ ghi."),
    classes: list[str] = typer.Option([], "--class", help="Chỉ các lớp này (lặp lại); mặc định cả trường."),
    sign: bool = typer.Option(False, "--sign", help="Ký số PAdES bằng tài khoản đang dùng (--as)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Ghi đè tệp --out đã có."),
) -> None:
    """In sổ đăng bộ của trường (hoặc các lớp chọn): PDF, A4 ngang."""
    from lienthong.cli.print_command import print_register

    raise typer.Exit(print_register(classes or None, out, sign, overwrite))
