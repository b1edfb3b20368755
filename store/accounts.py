"""Accounts, roles and sessions: who acts is an account, never a typed name.

Passwords are Argon2id hashes (argon2-cffi); a login is compared folded (case and spaces do not
make two people); a session token is kept only as its SHA-256. What an account may touch is its
role and its scopes (`UserScopeRow`): a GVCN her classes, a subject teacher his classes and
subjects, a department head the department's subjects, a parent one child, a board member
the principal's delegation to approve, and a department (Sở GD&ĐT) officer the schools she
oversees (their codes, or `ALL_SCHOOLS`). The checks themselves live with the rules they guard
(`reconciliation.resolution`, `sync.run`); this module says who someone is.

Accounts are the installation's; a school's staff account (principal, GVCN, teacher, its IT…) has
a home school (`Actor.school`) and acts in that school only: the dashboard and the CLI scope its
work there (`store.tenancy.for_school`). A Sở officer and the installation's IT have none. Where an
account's events are audited is `audit_engine`: its school's chain when the store acts for a
school, else the installation's chain (`store.tenancy.installation`).
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterable

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from lienthong.store import tenancy
from lienthong.store.tables import SchoolRow, SessionTokenRow, UserRow, UserScopeRow

ROLES = {
    "it": "quản trị CNTT",
    "principal": "hiệu trưởng",
    "board": "thành viên Ban giám hiệu",
    "department_head": "tổ trưởng chuyên môn",
    "gvcn": "giáo viên chủ nhiệm",
    "teacher": "giáo viên bộ môn",
    "parent": "cha mẹ học sinh",
    "so_gddt": "cán bộ Sở GD&ĐT",
}
SCOPES = ("class", "subject", "student", "delegation", "school")
ALL_SCHOOLS = "*"  # a department account's school scope: every school of the installation
MIN_PASSWORD = 10
SESSION_HOURS = 8
_HASHER = PasswordHasher()


class AccountError(ValueError):
    """A refused sign-in or account change, said in Vietnamese for the person at the keyboard."""


@dataclass(frozen=True)
class Actor:
    """An account as the rules see it."""

    id: int
    login: str
    full_name: str
    role: str
    classes: frozenset[str] = field(default_factory=frozenset)
    subjects: frozenset[str] = field(default_factory=frozenset)
    students: frozenset[str] = field(default_factory=frozenset)
    delegated: bool = False  # a board member the principal let approve
    schools: frozenset[str] = field(default_factory=frozenset)  # a Sở officer's schools (or `ALL_SCHOOLS`)
    school: str | None = None  # the home school of a school's staff account; none: Sở, installation IT

    @property
    def ref(self) -> str:
        """How records and the audit log name the account: by id, with the login for people."""
        return f"user:{self.id}:{self.login}"

    def shown(self) -> str:
        return f"{self.full_name} ({ROLES.get(self.role, self.role)}, {self.login})"


def fold_login(login: str) -> str:
    """``GVCN1``, `` gvcn1 `` and ``ｇｖｃｎ１`` are one login."""
    return unicodedata.normalize("NFKC", login).strip().lower()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")


def _row(session: Session, login: str) -> UserRow | None:
    return session.exec(select(UserRow).where(UserRow.login == fold_login(login))).first()


def actor_of(session: Session, user: UserRow) -> Actor:
    scopes = session.exec(select(UserScopeRow).where(UserScopeRow.user_id == user.id)).all()
    by_kind: dict[str, set[str]] = {kind: set() for kind in SCOPES}
    for scope in scopes:
        by_kind[scope.kind].add(scope.value)
    return Actor(
        user.id,
        user.login,
        user.full_name,
        user.role,
        frozenset(by_kind["class"]),
        frozenset(by_kind["subject"]),
        frozenset(by_kind["student"]),
        bool(by_kind["delegation"]),
        frozenset(by_kind["school"]),
        user.ma_truong,
    )


def find(session: Session, login: str) -> Actor | None:
    """The active account of a login (folded), or ``None``: a person named, not an account."""
    user = _row(session, login)
    return actor_of(session, user) if user is not None and not user.disabled else None


def names_by_ref(session: Session, refs: Iterable[str]) -> dict[str, str]:
    """Each account reference (`Actor.ref`, ``user:3:gv.lan``) as a person reads it: «Lê Thị Lan
    (giáo viên chủ nhiệm)». A reference to no account (a system step, a removed account) is left out."""
    ids = {int(ref.split(":")[1]): ref for ref in refs if ref.startswith("user:") and ref.split(":")[1].isdigit()}
    if not ids:
        return {}
    users = session.exec(select(UserRow).where(UserRow.id.in_(list(ids)))).all()  # type: ignore[union-attr]
    return {ids[u.id]: f"{u.full_name} ({ROLES.get(u.role, u.role)})" for u in users if u.id in ids}


def count_users(session: Session) -> int:
    return len(session.exec(select(UserRow.id)).all())


def add_user(
    session: Session,
    login: str,
    full_name: str,
    role: str,
    password: str,
    now: datetime,
    scopes: dict[str, list[str]] | None = None,
    by: Actor | None = None,
    school: str | None = None,
) -> Actor:
    """A new account; only IT adds accounts, except the very first one (IT or the principal).
    ``school``: its home school (`home_school` decides it when not given)."""
    if role not in ROLES:
        raise AccountError(f"Vai trò {role!r} không có; các vai trò: {', '.join(ROLES)}.")
    if by is None and count_users(session) > 0:
        raise AccountError("Chỉ quản trị CNTT (đã đăng nhập) mới tạo tài khoản: dùng --as hoặc `lienthong login`.")
    if by is None and role not in ("it", "principal"):
        raise AccountError("Tài khoản đầu tiên phải là quản trị CNTT (it) hoặc hiệu trưởng (principal).")
    if by is not None and by.role != "it":
        raise AccountError("Chỉ quản trị CNTT mới tạo tài khoản.")
    # who may approve corrections is the principal's decision, not IT's (Suối Ngô art. 9): IT adds
    # the first principal only, and a delegation to approve is given by the principal herself
    if (scopes or {}).get("delegation"):
        raise AccountError("Uỷ quyền duyệt do Hiệu trưởng trao: `lienthong --as HIỆU_TRƯỞNG users delegate TÊN`.")
    _check_schools(role, (scopes or {}).get("school") or [])
    home = home_school(session, role, school, by)
    if role == "principal" and _has_role(session, "principal", home):
        raise AccountError("Đã có tài khoản Hiệu trưởng; thay Hiệu trưởng thì khoá tài khoản cũ trước.")
    folded = fold_login(login)
    if not folded or not folded.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise AccountError("Tên đăng nhập chỉ gồm chữ, số, dấu chấm, gạch dưới hoặc gạch ngang.")
    if _row(session, folded) is not None:
        raise AccountError(f"Đã có tài khoản {folded}.")
    _check_password(password)
    user = UserRow(
        login=folded,
        full_name=full_name.strip(),
        role=role,
        password_hash=_HASHER.hash(password),
        created_at=now,
        created_by=by.id if by else None,
        password_changed_at=now,
        ma_truong=home,
    )
    session.add(user)
    session.flush()
    for kind, values in (scopes or {}).items():
        if kind not in SCOPES:
            raise AccountError(f"Phạm vi {kind!r} không có; các phạm vi: {', '.join(SCOPES)}.")
        for value in values:
            session.add(
                UserScopeRow(
                    user_id=user.id, kind=kind, value=value.strip().upper() if kind != "student" else value.strip()
                )
            )
    session.flush()
    return actor_of(session, user)


def _check_schools(role: str, schools: list[str]) -> None:
    """A Sở officer oversees schools named by their codes (8 digits), or all of them (``*``); no
    other account is given schools: accounts of a school act on that school only."""
    if role != "so_gddt":
        if schools:
            raise AccountError("Chỉ tài khoản cán bộ Sở GD&ĐT (so_gddt) được giao trường (--school).")
        return
    codes = [code.strip() for code in schools]
    if not codes:
        raise AccountError(
            "Tài khoản cán bộ Sở GD&ĐT cần danh sách trường phụ trách: --school MÃ_TRƯỜNG (lặp lại), "
            "hoặc --school '*' cho mọi trường."
        )
    wrong = [code for code in codes if code != ALL_SCHOOLS and not (len(code) == 8 and code.isdigit())]
    if wrong:
        raise AccountError(f"Mã trường gồm 8 chữ số (hoặc * cho mọi trường): {', '.join(wrong)}.")


def _has_role(session: Session, role: str, school: str | None) -> bool:
    """Whether an active account of ``role`` is staff of ``school`` (a principal per school)."""
    query = select(UserRow.id).where(UserRow.role == role, UserRow.disabled.is_(False))
    query = query.where(UserRow.ma_truong.is_(None) if school is None else UserRow.ma_truong == school)
    return session.exec(query).first() is not None


def home_school(session: Session, role: str, given: str | None, by: Actor | None = None) -> str | None:
    """The home school of a new account of ``role``: ``given`` (a registered school), else the
    school of the IT account adding it, else the school the store acts for (the configured one, or
    its only one). A Sở officer has none (her schools are scopes); IT may have none (the
    installation's IT, on a store of several schools). A school's IT adds its own school's staff."""
    if role == "so_gddt":
        return None
    store = tenancy.store_school(session)
    home = given.strip() if given and given.strip() else (by.school if by and by.school else store)
    if given and home != store and session.get(SchoolRow, home) is None:
        raise AccountError(f"Không có trường {home} trong hệ thống: đăng ký trường trước (`lienthong schools add`).")
    if home is None and role != "it":
        raise AccountError("Cơ sở dữ liệu chứa nhiều trường: chỉ rõ trường của tài khoản bằng --school MÃ_TRƯỜNG.")
    if by is not None and by.school is not None and home != by.school:
        raise AccountError(f"Quản trị CNTT của trường {by.school} chỉ tạo tài khoản của trường mình.")
    return home


def school_of_login(session: Session, login: str) -> str | None:
    """The home school of the account ``login`` (folded); ``None`` for an account of no school."""
    user = _row(session, login)
    return user.ma_truong if user is not None else None


def audit_engine(engine: sa.Engine, login: str | None = None) -> sa.Engine:
    """``engine`` scoped to the audit chain of an account event about ``login`` (`chain_engine` of
    its home school); a login no account has (a failed sign-in) goes with the store's school. The
    home school is read on the accounts (installation-wide): no school scope is needed for it."""
    home = store = tenancy.store_school(engine)
    if login is not None:
        with Session(tenancy.unscoped(engine)) as session:
            user = _row(session, login)
        home = user.ma_truong if user is not None else store
    return chain_engine(engine, home)


def chain_engine(engine: sa.Engine, home: str | None) -> sa.Engine:
    """``engine`` scoped to the audit chain of an account of ``home`` school: that school's chain
    when the store acts for a school (configured, or its only one); the installation's chain for an
    account of no school, or on a store of several schools that acts for none."""
    store = tenancy.store_school(engine)
    if store is None or home is None:
        return tenancy.installation(engine)
    return engine if home == store else tenancy.for_school(engine, home)


def work_engine(engine: sa.Engine, actor: Actor) -> sa.Engine:
    """``engine`` scoped to where ``actor`` works: her home school (`store.tenancy.for_school`), so
    that an account of school A reads and writes A's rows only, whatever store it signed in to. An
    account of no school, or of the school ``engine`` already acts for, keeps ``engine`` (a store of
    one school works as it always did)."""
    if actor.school is None or actor.school == tenancy.store_school(engine):
        return engine
    return tenancy.for_school(engine, actor.school)


def _same_school(by: Actor, user: UserRow) -> None:
    """An account of school A changes no account of school B (the installation's IT: any)."""
    if by.school is not None and user.ma_truong != by.school:
        raise AccountError(f"Tài khoản {user.login} không thuộc trường {by.school}.")


def delegate(session: Session, login: str, by: Actor, granted: bool = True) -> None:
    """The principal lets a board member approve corrections in her place (or takes it back)."""
    if by.role != "principal":
        raise AccountError("Chỉ Hiệu trưởng trao hoặc thu hồi quyền duyệt.")
    user = _row(session, login)
    if user is None or user.role != "board" or user.ma_truong != by.school:
        raise AccountError(f"{fold_login(login)} không phải tài khoản thành viên Ban giám hiệu (board).")
    scope = session.get(UserScopeRow, (user.id, "delegation", "approve"))
    if granted and scope is None:
        session.add(UserScopeRow(user_id=user.id, kind="delegation", value="approve"))
    elif not granted and scope is not None:
        session.delete(scope)


def authenticate(session: Session, login: str, password: str) -> Actor:
    """The account, when the password is right and the account is active. The same message for an
    unknown login and a wrong password: a refusal does not tell which logins exist."""
    user = _row(session, login)
    try:
        if user is None:
            _HASHER.hash(password)  # as slow as a real check: timing says nothing either
            raise VerificationError()
        _HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise AccountError("Sai tên đăng nhập hoặc mật khẩu.") from None
    if user.disabled:
        raise AccountError(f"Tài khoản {user.login} đã bị khoá; liên hệ quản trị CNTT.")
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    return actor_of(session, user)


def set_password(session: Session, login: str, password: str, now: datetime, by: Actor) -> None:
    """One's own password, or anyone's by IT."""
    user = _row(session, login)
    if user is None:
        raise AccountError(f"Không có tài khoản {fold_login(login)}.")
    if by.id != user.id and by.role != "it":
        raise AccountError("Chỉ quản trị CNTT mới đổi mật khẩu của người khác.")
    if by.id != user.id:
        _same_school(by, user)
    _check_password(password)
    user.password_hash, user.password_changed_at = _HASHER.hash(password), now
    for token in session.exec(select(SessionTokenRow).where(SessionTokenRow.user_id == user.id)):
        token.revoked = True  # a new password ends every open session


def set_disabled(session: Session, login: str, disabled: bool, by: Actor) -> None:
    if by.role != "it":
        raise AccountError("Chỉ quản trị CNTT mới khoá hoặc mở tài khoản.")
    user = _row(session, login)
    if user is None:
        raise AccountError(f"Không có tài khoản {fold_login(login)}.")
    if user.id == by.id and disabled:
        raise AccountError("Không tự khoá tài khoản của mình.")
    _same_school(by, user)
    user.disabled = disabled


def list_users(session: Session) -> list[Actor]:
    return [actor_of(session, u) for u in session.exec(select(UserRow).order_by(UserRow.login))]


def is_disabled(session: Session, user_id: int) -> bool:
    user = session.get(UserRow, user_id)
    return user is None or user.disabled


# --- sessions ------------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, actor: Actor, now: datetime, hours: int = SESSION_HOURS) -> tuple[str, datetime]:
    """A new session token for ``actor`` (shown once; only its hash is kept) and when it expires."""
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=hours)
    session.add(SessionTokenRow(token_hash=_digest(token), user_id=actor.id, created_at=now, expires_at=expires))
    return token, expires


def actor_for_token(session: Session, token: str, now: datetime) -> Actor:
    row = session.get(SessionTokenRow, _digest(token))
    if row is None or row.revoked:
        raise AccountError("Phiên đăng nhập không còn hiệu lực: hãy đăng nhập lại (`lienthong login`).")
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=timezone.utc)
    if expires <= now:
        raise AccountError("Phiên đăng nhập đã hết hạn: hãy đăng nhập lại (`lienthong login`).")
    user = session.get(UserRow, row.user_id)
    if user is None or user.disabled:
        raise AccountError("Tài khoản của phiên này đã bị khoá; liên hệ quản trị CNTT.")
    return actor_of(session, user)


def close_session(session: Session, token: str) -> None:
    row = session.get(SessionTokenRow, _digest(token))
    if row is not None:
        row.revoked = True


# --- signing in from the dashboard: throttled and audited ------------------------------------

THROTTLE_FAILURES = 5  # failed sign-ins of one login …
THROTTLE_MINUTES = 15  # … within this many minutes make the next attempt wait
SIGN_IN_ACTIONS = ("login_failed", "login_succeeded")


class Throttled(AccountError):
    """Too many failed sign-ins for a login: wait (said in Vietnamese, with how long)."""


def _utc(at: datetime) -> datetime:
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def recent_failures(session: Session, login: str, now: datetime) -> list[datetime]:
    """When ``login`` failed to sign in within the throttle window, since its last success."""
    from lienthong.store.tables import AuditLogRow  # the sign-in history is the audit log's

    folded = fold_login(login)
    since = _utc(now) - timedelta(minutes=THROTTLE_MINUTES)
    entries = session.exec(
        select(AuditLogRow)
        .where(AuditLogRow.action.in_(SIGN_IN_ACTIONS), AuditLogRow.at >= since)
        .order_by(AuditLogRow.id)
    )
    failures: list[datetime] = []
    for entry in entries:
        if (entry.detail or {}).get("login") != folded:
            continue
        if entry.action == "login_succeeded":
            failures = []
        else:
            failures.append(_utc(entry.at))
    return failures


def sign_in(session: Session, login: str, password: str, now: datetime, via: str = "web") -> Actor:
    """`authenticate`, throttled: after `THROTTLE_FAILURES` failures of one login within
    `THROTTLE_MINUTES`, attempts are refused unchecked until the oldest of them ages out.
    Every outcome is an audit entry in the caller's transaction: commit it whatever happens
    (a refusal raises `AccountError`, or `Throttled`)."""
    from lienthong.store import audit

    folded = fold_login(login)
    failures = recent_failures(session, folded, now)
    if len(failures) >= THROTTLE_FAILURES:
        wait = failures[-THROTTLE_FAILURES] + timedelta(minutes=THROTTLE_MINUTES) - _utc(now)
        minutes = max(1, -(-int(wait.total_seconds()) // 60))
        audit.append(session, f"login:{folded}", "login_throttled", {"login": folded, "via": via}, now)
        raise Throttled(
            f"Đăng nhập sai quá {THROTTLE_FAILURES} lần trong {THROTTLE_MINUTES} phút: "
            f"hãy thử lại sau {minutes} phút, hoặc nhờ quản trị CNTT đặt lại mật khẩu."
        )
    try:
        actor = authenticate(session, folded, password)
    except AccountError:
        audit.append(session, f"login:{folded}", "login_failed", {"login": folded, "via": via}, now)
        raise
    audit.append(session, actor.ref, "login_succeeded", {"login": folded, "via": via}, now)
    return actor


def change_own_password(session: Session, actor: Actor, current: str, new: str, now: datetime) -> None:
    """One's own password, after the current one is checked; every open session ends (the
    caller opens a new one). Audited in the caller's transaction."""
    from lienthong.store import audit

    try:
        authenticate(session, actor.login, current)
    except AccountError:
        raise AccountError("Mật khẩu hiện tại không đúng.") from None
    if new == current:
        raise AccountError("Mật khẩu mới phải khác mật khẩu hiện tại.")
    set_password(session, actor.login, new, now, actor)
    audit.append(session, actor.ref, "password_set", {"account": actor.login, "via": "web"}, now)
