"""``lienthong users …``, ``login``, ``logout``: accounts as IT manages them."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from lienthong.cli import exits
from lienthong.cli.identity import current_actor, forget_session, now, read_password, save_session, sign_in
from lienthong.config.settings import Settings
from lienthong.store import accounts, audit, tenancy
from lienthong.store.accounts import ROLES, AccountError
from lienthong.sync.service import open_store


def _session() -> Session:
    return Session(open_store(Settings()))


def _audited(login: str | None = None) -> Session:
    """A session on the audit chain of an event about the account ``login`` (`accounts.audit_engine`:
    its school's, or the installation's); accounts themselves are read and written under any scope."""
    return Session(accounts.audit_engine(open_store(Settings()), login))


def _refused(console: Console, exc: Exception) -> int:
    console.print(str(exc), style="red", markup=False)
    return exits.REFUSED


def add(login: str, full_name: str, role: str, scopes: dict[str, list[str]], console: Console | None = None) -> int:
    """A new account; the first one needs no sign-in (IT or the principal), later ones need IT's.
    ``scopes["school"]``: a Sở officer's schools; for any other role, its home school (one)."""
    console = console or Console(markup=False, highlight=False, soft_wrap=True)
    scopes = dict(scopes)
    school = None
    if role != "so_gddt":
        given = [code.strip() for code in scopes.pop("school", []) or [] if code.strip()]
        if len(given) > 1:
            return _refused(console, AccountError("Tài khoản của trường thuộc một trường: chỉ một --school."))
        school = given[0] if given else None
    engine = open_store(Settings())
    with Session(engine) as session:
        try:
            by = current_actor(session) if accounts.count_users(session) else None
            home = accounts.home_school(session, role, school, by)
        except AccountError as exc:
            return _refused(console, exc)
    # the event goes to the new account's chain: its school's, or the installation's
    with Session(accounts.chain_engine(engine, home)) as session:
        try:
            password = read_password("Mật khẩu cho tài khoản mới: ")
            made = accounts.add_user(session, login, full_name, role, password, now(), scopes, by, school=home)
        except AccountError as exc:
            return _refused(console, exc)
        audit.append(
            session,
            by.ref if by else f"user:{made.id}:{made.login}",
            "account_added",
            {"account": made.ref, "role": made.role},
            now(),
        )
        session.commit()
    console.print(f"Đã tạo tài khoản {made.shown()}{f' (trường {home})' if school else ''}.", markup=False)
    return exits.OK


def _account_change(change, action: str, login: str | None, said: str, console: Console | None) -> int:
    """One change to an account, made by the signed-in account and audited; refused: nothing written."""
    console = console or Console(markup=False, highlight=False, soft_wrap=True)
    with _session() as session:
        try:
            by = current_actor(session)
        except AccountError as exc:
            return _refused(console, exc)
    target = accounts.fold_login(login or by.login)
    with _audited(target) as session:
        try:
            change(session, target, by)
        except AccountError as exc:
            return _refused(console, exc)
        audit.append(session, by.ref, action, {"account": target}, now())
        session.commit()
    console.print(said.format(login=target))
    return exits.OK


def passwd(login: str | None, console: Console | None = None) -> int:
    def change(session: Session, target: str, by) -> None:
        accounts.set_password(session, target, read_password("Mật khẩu mới: "), now(), by)

    return _account_change(
        change,
        "password_set",
        login,
        "Đã đổi mật khẩu của {login}; các phiên đăng nhập cũ của tài khoản đã hết hiệu lực.",
        console,
    )


def disable(login: str, disabled: bool, console: Console | None = None) -> int:
    def change(session: Session, target: str, by) -> None:
        accounts.set_disabled(session, target, disabled, by)

    return _account_change(
        change,
        "account_disabled" if disabled else "account_enabled",
        login,
        f"Đã {'khoá' if disabled else 'mở lại'} tài khoản {{login}}.",
        console,
    )


def delegate(login: str, granted: bool, console: Console | None = None) -> int:
    """The principal gives (or takes back) a board member's right to approve corrections."""

    def change(session: Session, target: str, by) -> None:
        accounts.delegate(session, target, by, granted)

    return _account_change(
        change,
        "delegation_granted" if granted else "delegation_revoked",
        login,
        f"Đã {'trao' if granted else 'thu hồi'} quyền duyệt cho {{login}}.",
        console,
    )


def show_all(console: Console | None = None) -> int:
    console = console or Console(markup=False, highlight=False, soft_wrap=True)
    with _session() as session:
        users = accounts.list_users(session)
        disabled = {u.id for u in users if accounts.is_disabled(session, u.id)}
        store = tenancy.store_school(session)
    table = Table("Tên đăng nhập", "Họ tên", "Vai trò", "Phạm vi", "Trạng thái")
    for user in users:
        schools = ["mọi trường"] if accounts.ALL_SCHOOLS in user.schools else sorted(user.schools)
        # the home school, where it is news: on a store of several schools, or another school's
        home = [f"trường {user.school}"] if user.school and user.school != store else []
        scope = ", ".join([*home, *sorted(user.classes), *sorted(user.subjects), *sorted(user.students), *schools])
        table.add_row(
            user.login,
            user.full_name,
            ROLES.get(user.role, user.role),
            scope,
            "đã khoá" if user.id in disabled else "đang dùng",
        )
    console.print(table)
    return exits.OK


def roles(console: Console | None = None) -> int:
    console = console or Console(markup=False, highlight=False, soft_wrap=True)
    for code, word in ROLES.items():
        console.print(f"{code:<16} {word}", markup=False)
    return exits.OK


def login(name: str, console: Console | None = None) -> int:
    console = console or Console(markup=False, highlight=False, soft_wrap=True)
    with _session() as session:
        try:
            actor = sign_in(session, name)
        except AccountError as exc:
            return _refused(console, exc)
        token, expires = accounts.open_session(session, actor, now())
        session.commit()
    path = save_session(token, actor.login, expires)
    shown = expires.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Ho_Chi_Minh"))
    console.print(
        f"Đã đăng nhập {actor.shown()} đến {shown:%H:%M %d/%m/%Y} (+07:00); phiên lưu ở {path}.", markup=False
    )
    return exits.OK


def logout(console: Console | None = None) -> int:
    console = console or Console(markup=False, highlight=False, soft_wrap=True)
    token = forget_session()
    if token:
        with _session() as session:
            accounts.close_session(session, token)
            session.commit()
    console.print("Đã đăng xuất." if token else "Chưa đăng nhập.")
    return exits.OK
