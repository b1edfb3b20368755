"""Who is at the keyboard: an account, by ``--as LOGIN`` and its password (asked on the terminal,
or one line on standard input for scripts), or by the session `lienthong login` opened.

Commands that change data call `current_actor`; read-only commands need no account.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # loaded by the functions that use them: an import by the operating-system user needs neither
    from sqlmodel import Session

    from lienthong.store.accounts import Actor

SESSION_FILE_ENV = "LIENTHONG_SESSION_FILE"
AS_ENV = "LIENTHONG_AS"


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def session_file() -> Path:
    configured = os.environ.get(SESSION_FILE_ENV)
    if configured:
        return Path(configured)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "lienthong" / "session.json"


def read_password(prompt: str = "Mật khẩu: ") -> str:
    """From the terminal without echo; from standard input (one line) when there is no terminal."""
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt)
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.rstrip("\r\n")


def sign_in(session: Session, login: str) -> Actor:
    from lienthong.store import accounts

    return accounts.authenticate(session, login, read_password())


def current_actor(session: Session) -> Actor:
    """The account acting now: ``--as`` (password checked), else the open session, else refused."""
    from lienthong.store import accounts
    from lienthong.store.accounts import AccountError

    login = os.environ.get(AS_ENV)
    if login:
        return sign_in(session, login)
    path = session_file()
    if not path.is_file():
        raise AccountError(
            "Lệnh này cần một tài khoản: dùng `lienthong --as TÊN_ĐĂNG_NHẬP …` hoặc đăng nhập trước "
            "bằng `lienthong login TÊN_ĐĂNG_NHẬP`."
        )
    try:
        token = json.loads(path.read_text(encoding="utf-8"))["token"]
    except (OSError, ValueError, KeyError):
        raise AccountError(f"Tệp phiên {path} hỏng: hãy đăng nhập lại (`lienthong login`).") from None
    return accounts.actor_for_token(session, token, now())


def signed_in_actor(engine: Any, console: Any) -> Actor | None:
    """The account acting now (`current_actor`), or ``None`` once the reason it is refused has been
    printed: the command then exits with `exits.REFUSED`."""
    from sqlmodel import Session

    from lienthong.store.accounts import AccountError

    with Session(engine) as session:
        try:
            return current_actor(session)
        except AccountError as exc:
            console.print(str(exc), style="red")
            return None


def work_engine(engine: Any, actor: Actor) -> Any:
    """``engine`` scoped to the acting account's school (`store.accounts.work_engine`): what a command
    does after ``--as`` or `lienthong login` touches that school's rows only."""
    from lienthong.store import accounts

    return accounts.work_engine(engine, actor)


def enter(session: Session, actor: Actor) -> None:
    """Move ``session`` (which has read only accounts so far) to the acting account's school."""
    from lienthong.store import accounts

    engine = accounts.work_engine(session.get_bind(), actor)
    if engine is not session.get_bind():
        session.close()
        session.bind = engine


def save_session(token: str, login: str, expires: datetime) -> Path:
    """The session token in a file only this user can read (0600), replaced atomically."""
    path = session_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"token": token, "login": login, "expires": expires.isoformat()}, handle)
    os.replace(temporary, path)
    return path


def forget_session() -> str | None:
    """The open session's token (removed from disk), or ``None``."""
    path = session_file()
    if not path.is_file():
        return None
    try:
        token = json.loads(path.read_text(encoding="utf-8")).get("token")
    except (OSError, ValueError):
        token = None
    path.unlink(missing_ok=True)
    return token


def actor_ref() -> str:
    """The account's reference when one is given (``--as`` or an open session), else ``os:USER``."""
    if not os.environ.get(AS_ENV) and not session_file().is_file():
        return f"os:{getpass.getuser()}"
    from sqlmodel import Session

    from lienthong.config.settings import Settings
    from lienthong.store.accounts import AccountError
    from lienthong.sync.service import open_store

    with Session(open_store(Settings())) as session:
        try:
            return current_actor(session).ref
        except AccountError:
            if os.environ.get(AS_ENV):
                raise  # a named account whose password is wrong is refused, never replaced
            return f"os:{getpass.getuser()}"  # an old session: these commands need no account
