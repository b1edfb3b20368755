"""One error boundary for every command: a known fault is one Vietnamese line saying what to do,
with its documented exit code (`cli.exits`); anything else gets a reference, and its traceback
goes to a log file only the owner can read — frames only: no exception text, no SQL
parameters, no record contents, so no personal data reaches a terminal or a log.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from lienthong.cli import exits

Rule = tuple[tuple[type[BaseException], ...], int, Callable[[BaseException], str]]


def _text(exc: BaseException) -> str:
    return getattr(exc, "message", None) or str(exc)


def _database(exc: BaseException) -> tuple[int, str] | None:
    """The database's errors (SQLAlchemy's, the driver's), named by what went wrong, never by the
    statement or its parameters."""
    text = str(getattr(exc, "orig", exc)).lower()
    if "locked" in text or "busy" in text:
        return exits.REFUSED, "Cơ sở dữ liệu đang bận (một lệnh khác đang ghi): chờ một lát rồi chạy lại."
    if "readonly" in text or "read-only" in text or "permission denied" in text:
        return exits.BAD_INPUT, "Không ghi được vào cơ sở dữ liệu (chỉ đọc): kiểm tra quyền của tệp và thư mục."
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return exits.BAD_INPUT, (
            "Tệp cơ sở dữ liệu bị hỏng: dừng lại, sao lưu tệp hiện có và khôi phục từ bản sao lưu gần nhất."
        )
    if "unable to open" in text:
        return exits.BAD_INPUT, "Không mở được tệp cơ sở dữ liệu: kiểm tra đường dẫn --db (thư mục có tồn tại không)."
    if "connection" in text or "could not connect" in text or "timeout" in text:
        return exits.UNREACHABLE, "Không kết nối được máy chủ cơ sở dữ liệu: kiểm tra địa chỉ --db và máy chủ."
    if "integrity" in type(exc).__name__.lower() or "unique" in text:
        return exits.REFUSED, "Cơ sở dữ liệu từ chối thay đổi (trùng hoặc vi phạm ràng buộc); không có gì được ghi."
    return None  # nothing lienthong can explain: a reference and the error log (`handle`)


def _classify(exc: BaseException) -> tuple[int, str] | None:
    """(exit code, message) for a known fault, ``None`` for an unexpected one."""
    import tomllib

    import sqlalchemy.exc as sa_exc
    from pydantic import ValidationError

    from lienthong.config.settings import SettingsError
    from lienthong.connectors.errors import AuthError, ConnectorError, TransientError
    from lienthong.mapping.errors import MappingError
    from lienthong.store.accounts import AccountError

    if isinstance(exc, sa_exc.ArgumentError | sa_exc.NoSuchModuleError):
        return exits.BAD_INPUT, (
            "Địa chỉ cơ sở dữ liệu không hợp lệ: dùng sqlite:///đường/dẫn.db hoặc "
            "postgresql+psycopg://… (--db hoặc LIENTHONG_DATABASE_URL)."
        )
    if isinstance(exc, sa_exc.SQLAlchemyError) or _driver_error(exc):
        return _database(exc)
    if isinstance(exc, TransientError):
        return exits.UNREACHABLE, _text(exc)
    if isinstance(exc, MappingError):  # the reason and where, never the value (it may be a name)
        return exits.BAD_INPUT, f"{exc.field}: {exc.reason}" if exc.field else exc.reason
    if isinstance(exc, AuthError | ConnectorError | SettingsError):
        return exits.BAD_INPUT, _text(exc)
    if isinstance(exc, AccountError):
        return exits.REFUSED, _text(exc)
    if isinstance(exc, ValidationError):
        return exits.BAD_INPUT, _settings_problem(exc)
    if isinstance(exc, tomllib.TOMLDecodeError):
        return exits.BAD_INPUT, f"Tệp cấu hình TOML sai cú pháp ({exc}): sửa tệp rồi chạy lại."
    if isinstance(exc, UnicodeDecodeError):
        return exits.BAD_INPUT, "Dữ liệu vào không phải UTF-8: lưu lại tệp với bảng mã Unicode (UTF-8) rồi chạy lại."
    if isinstance(exc, FileNotFoundError | IsADirectoryError | NotADirectoryError | PermissionError):
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        fault = next(words for kind, words in _PATH_FAULTS.items() if isinstance(exc, kind))
        return exits.BAD_INPUT, f"Không đọc hoặc ghi được tệp{where}: {fault}."
    return _named(exc)


# What a path's fault means, in the user's words (the system's text is English).
_PATH_FAULTS = {
    FileNotFoundError: "không có tệp hoặc thư mục này",
    IsADirectoryError: "đây là một thư mục, không phải tệp",
    NotADirectoryError: "một phần của đường dẫn là tệp, không phải thư mục",
    PermissionError: "không có quyền (kiểm tra quyền của tệp và thư mục)",
}


def _driver_error(exc: BaseException) -> bool:
    """An error of the database driver itself (sqlite3, psycopg), raised by a statement on a plain
    connection (`store.plain`), which SQLAlchemy did not wrap."""
    return type(exc).__module__.split(".")[0] in ("sqlite3", "psycopg")


def _named(exc: BaseException) -> tuple[int, str] | None:
    """Errors of other modules known by name, so that this module needs none of them loaded."""
    name = type(exc).__name__
    if name in ("RunBusy", "NotAllowed", "SchoolBusy"):
        return exits.REFUSED, _text(exc)
    if name in ("OutputRefused", "StoreMissing", "StoreDamaged", "NoData", "UnknownChoice", "BadDatabaseUrl"):
        return exits.BAD_INPUT, _text(exc)
    return None


def _settings_problem(exc) -> str:
    """The first problem, an unknown key (a typo) first, with the nearest known key suggested."""
    from lienthong.config.settings import nearest_key

    errors = exc.errors()
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    where = ".".join(str(p) for p in first["loc"])
    if first["type"] == "extra_forbidden":
        nearest = nearest_key(tuple(first["loc"]))
        hint = f"; có phải ý là «{nearest}»?" if nearest else ""
        return f"Cấu hình có thiết lập không biết «{where}»{hint} Sửa tệp cấu hình rồi chạy lại."
    cause = (first.get("ctx") or {}).get("error")
    if type(cause).__name__ == "SettingsError" and not where:  # a check of the whole: its sentence names the key
        said = f": {cause}"
    else:
        said = f" ở «{where}»: {first['msg']}"
    return f"Cấu hình sai{said}. Sửa tệp cấu hình hoặc biến môi trường LIENTHONG_* tương ứng."


def error_log() -> Path:
    base = os.environ.get("LIENTHONG_LOG_DIR") or os.path.join(
        os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state"), "lienthong"
    )
    return Path(base) / "errors.log"


def _log(reference: str, exc: BaseException) -> Path | None:
    """The traceback's frames (file, line, function) and the exception's type, without its text."""
    import traceback  # loaded only for an unexpected error: with uuid, 10 ms of every command's start

    frames = "".join(f"  {f.filename}:{f.lineno} in {f.name}\n" for f in traceback.extract_tb(exc.__traceback__))
    entry = (
        f"{datetime.now(timezone.utc).isoformat()} {reference} {type(exc).__module__}.{type(exc).__name__}\n{frames}"
    )
    path = error_log()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            handle.write(entry)
        return path
    except OSError:
        return None


def handle(exc: BaseException) -> int:
    """Say what went wrong on stderr (one line) and return the exit code."""
    known = _classify(exc)
    if known is not None:
        code, message = known
        print(message, file=sys.stderr)
        return code
    import uuid

    reference = uuid.uuid4().hex[:8]
    logged = _log(reference, exc)
    where = f" (chi tiết trong {logged})" if logged else ""
    print(f"Lỗi ngoài dự kiến, mã tham chiếu {reference}{where}: báo cho bộ phận CNTT kèm mã này.", file=sys.stderr)
    return exits.UNEXPECTED


def _usage(exc: BaseException) -> int | None:
    """The command line's own mistakes (typer's click: an unknown option, a missing argument, a
    value of the wrong kind), said in one line; ``None`` for anything else."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    if "NoArgsIsHelpError" in names:
        exc.show()  # `lienthong` alone: the help
        return exits.OK
    if "UsageError" in names or "BadParameter" in names:
        from lienthong.cli.usage_words import command_path, said

        ctx = getattr(exc, "ctx", None)
        path = ctx.command_path if ctx is not None else command_path(sys.argv[1:])
        hint = f" Xem `{path} --help`." if path else ""
        print(f"{said(exc)}.{hint}", file=sys.stderr)
        return exits.BAD_INPUT
    if "Abort" in names:
        print("Đã dừng theo yêu cầu.", file=sys.stderr)
        return 130
    return None


def _stdout_closed() -> bool:
    """Whether standard output's reader has gone (a pipe whose reader closed it reports an error
    when polled): a broken pipe elsewhere (a child process's, `records.backup`'s ``pg_dump``) is
    an unexpected error, not a reader that wanted no more."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.__stdout__.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (AttributeError, ValueError, OSError):  # no poll, no stdout: nothing to tell it by
        return False


def output_closed() -> int:
    """Stop quietly once standard output's reader has gone (``lienthong reconcile | head``), as rich
    and click do for the commands they print: what was stored stays stored (each command commits
    before it prints), and stdout is pointed at the null device so that the interpreter's last flush
    does not fail again on its way out."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.__stdout__.fileno())
    except (AttributeError, ValueError, OSError):
        pass
    return exits.OUTPUT_CLOSED


def guarded(run: Callable[..., object]) -> None:
    """Run the command line; every error leaves through `handle`, usage mistakes included."""
    try:
        code = run(standalone_mode=False)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        print("Đã dừng theo yêu cầu.", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError as exc:
        sys.exit(output_closed() if _stdout_closed() else handle(exc))
    except BaseException as exc:  # the boundary: nothing passes it as a raw traceback
        usage = _usage(exc)
        sys.exit(usage if usage is not None else handle(exc))
    try:
        sys.stdout.flush()  # what is still buffered (``--json``): its reader may have gone meanwhile
    except BrokenPipeError:
        sys.exit(output_closed())
    sys.exit(code if isinstance(code, int) else exits.OK)
