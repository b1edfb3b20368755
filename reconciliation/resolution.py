"""Resolving a discrepancy: the homeroom teacher proposes, the principal approves or rejects.

Suối Ngô regulation, art. 9: a correction of an entered score or result reaches no platform
without the principal's approval. That rule lives here, in the core: a score correction
waiting in the outbox (``awaiting_approval``) is released only by `approve`, and only after
a proposal by someone else (the one who proposes does not approve). Every step is a
`ResolutionRow` (never edited) and an entry of the hash-chained audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlmodel import Session

from lienthong.mapping import catalogs
from lienthong.mapping.calendar import shown_time
from lienthong.mapping.canonical import LockWindow
from lienthong.mapping.errors import MappingError
from lienthong.mapping.normalize import (
    SEMESTER_SAID,
    format_score,
    parse_level,
    parse_mark,
    parse_promotion,
    parse_score,
    parse_title,
)
from lienthong.reconciliation import results
from lienthong.reconciliation.authority import ScoreAuthority
from lienthong.reconciliation.discrepancy import EMPTY, candidates_of
from lienthong.store import accounts, audit, queries, tenancy
from lienthong.store.accounts import Actor
from lienthong.store.tables import DiscrepancyRow, ResolutionRow

CORRECTIONS = ("score_mismatch", "missing_score", "average_mismatch", "result_mismatch")  # need the principal
SCORE_KINDS = ("score_mismatch", "missing_score")

# What becomes of an approved correction where the school works from files alone (no platform
# configured: `Settings.files_only`): nothing is pushed, the register keeps the approved value, the
# school corrects the source that is wrong and imports its file again, and the CSDL's file comes
# from `lienthong export csdl-ketqua` (refused while a score difference is open).
FILES_ONLY_APPROVED = (
    "Trường chỉ làm việc bằng tệp (chưa kết nối hệ thống nào) nên không có gì được gửi đi: giá trị đã duyệt "
    "được ghi lại; hãy sửa giá trị ở nguồn còn ghi sai rồi nhập lại tệp của nguồn đó (lệnh lienthong import, "
    "hoặc tải tệp lên ở trang Vận hành), khác biệt tự đóng khi các nguồn khớp nhau. Tệp nộp CSDL ngành được "
    "lập bằng lệnh lienthong export csdl-ketqua khi không còn khác biệt về điểm."
)


class ResolutionError(ValueError):
    """A step refused for its input (a value out of range, no reason given), said in Vietnamese."""


class NotAllowed(ResolutionError):
    """A step a rule forbids: this account may not take it, or not now (Suối Ngô art. 9)."""


def _discrepancy(session: Session, discrepancy_id: str) -> DiscrepancyRow:
    row = tenancy.get(session, DiscrepancyRow, discrepancy_id)
    if row is None:
        raise ResolutionError(f"Không có khác biệt mã {discrepancy_id} (xem `lienthong reconcile`).")
    return row


def history(session: Session, discrepancy_id: str) -> list[ResolutionRow]:
    return queries.resolutions(session, discrepancy_id)


# A proposed result is read through the one vocabulary of result words (`mapping.normalize`),
# by the field it corrects (the last part of the record's field, e.g. ``csdl.cn.DanhHieu``).
RESULT_PARSERS = {
    "KetQuaHocTap": parse_level,
    "KetQuaRenLuyen": parse_level,
    "DanhHieu": parse_title,
    "LenLop": parse_promotion,
}


def _normalised(row: DiscrepancyRow, value: str) -> str:
    """A proposed value as the platforms write it; an empty value, a score out of range, a word
    outside the vocabulary or a mark of the wrong kind is refused with the reason."""
    field = row.record["field"]
    if row.kind == "identity_doubt":
        return _candidate(row, value)
    if not value.strip() or value.strip() == EMPTY:  # an empty cell is no correction: the value that belongs there is
        raise ResolutionError(
            "Không đề xuất giá trị trống: hãy chọn hoặc gõ giá trị đúng (ô còn thiếu thì gõ điểm cần nhập)."
        )
    try:
        if row.kind in SCORE_KINDS or (row.kind == "average_mismatch" and row.record.get("subject")):
            if catalogs.subject(row.record["subject"]).by_comment:
                return parse_mark(value, field=field)
            return format_score(parse_score(value, field=field))
        parser = RESULT_PARSERS.get(field.rsplit(".", 1)[-1])
        return parser(value, field=field) if parser else value.strip()
    except MappingError as exc:
        raise ResolutionError(exc.reason) from None


def acceptable(row: DiscrepancyRow, value: object) -> bool:
    """Whether ``value`` (a source's, as the discrepancy shows it) would be accepted as a proposal:
    the pages offer a source's value as a choice only then, so that no choice offered is refused."""
    if not isinstance(value, str | int | float) or isinstance(value, bool) or row.kind == "identity_doubt":
        return False
    try:
        _normalised(row, str(value))
    except ResolutionError:
        return False
    return True


def _candidate(row: DiscrepancyRow, value: str) -> str:
    """An identity doubt is settled by naming which of the candidates the row is: the school's key
    of one of them (the next reconciliation links the row to that child and compares its scores)."""
    if "candidates" not in (row.record or {}):  # a doubt between two platforms' records, not a teacher's row
        raise ResolutionError(
            "Nghi vấn này là giữa hồ sơ của em trên hai hệ thống, không chọn em ở đây được: hãy sửa mã định danh "
            "hoặc họ tên, ngày sinh của em trên hệ thống ghi sai; lần đối chiếu sau tự đóng khi hai nơi khớp nhau."
        )
    keys = {c["key"]: c for c in candidates_of(row.record or {})}
    if value.strip() in keys:
        return value.strip()
    if not keys:
        raise ResolutionError(
            "Không có em nào để chọn cho dòng này: hãy sửa họ tên, lớp hoặc ghi Mã học sinh trong sổ điểm rồi "
            "nhập lại (hoặc khai báo em trên hệ thống của trường nếu em mới chuyển đến)."
        )
    listed = "; ".join(f"{c.get('name')} ({c.get('class') or 'chưa rõ lớp'})" for c in keys.values())
    raise ResolutionError(f"Hãy chọn một trong các em được nêu: {listed}.")


def _may_propose(actor: Actor, row: DiscrepancyRow) -> None:
    """A GVCN for her own classes; the principal, or a board member she delegated, for any."""
    if actor.role == "principal" or (actor.role == "board" and actor.delegated):
        return
    if actor.role == "gvcn" and row.class_code and row.class_code in actor.classes:
        return
    whose = f"lớp {row.class_code}" if row.class_code else "khác biệt cấp trường"
    raise NotAllowed(
        f"{actor.shown()} không đề xuất được cho {whose}: chỉ giáo viên chủ nhiệm của lớp hoặc Ban giám hiệu."
    )


def _may_approve(actor: Actor) -> None:
    """Suối Ngô art. 9: the principal approves corrections (or a board member she delegated)."""
    if actor.role == "principal" or (actor.role == "board" and actor.delegated):
        return
    raise NotAllowed(
        f"{actor.shown()} không có quyền duyệt: chỉ Hiệu trưởng, hoặc thành viên Ban giám hiệu "
        "được Hiệu trưởng uỷ quyền."
    )


def _same_account(ref: str, actor: Actor) -> bool:
    """Whether a stored actor reference (``user:ID:login``) is this account: by id, never by name."""
    return ref.split(":")[:2] == ["user", str(actor.id)]


def propose(
    session: Session, discrepancy_id: str, value: str, reason: str, actor: Actor, now: datetime
) -> ResolutionRow:
    """The homeroom teacher says what is right and why; a correction then waits for the principal."""
    row = _discrepancy(session, discrepancy_id)
    _may_propose(actor, row)
    if row.kind == results.CHANGED_KIND:
        raise NotAllowed(
            "Kết quả này đã được Hiệu trưởng duyệt và khoá: không sửa bằng đề xuất; Hiệu trưởng mở lại kết quả "
            "(ghi lý do), rồi GVCN xác nhận giá trị mới."
        )
    if row.status == "closed":
        raise NotAllowed("Khác biệt này đã tự đóng vì các nguồn đã khớp; không cần xử lý.")
    if not reason.strip():
        raise ResolutionError("Cần ghi lý do (ví dụ: «đối chiếu bài kiểm tra gốc»).")
    chosen = _normalised(row, value)
    if row.kind == "identity_doubt":
        _not_chosen_for_another_row(session, row, chosen)
    step = ResolutionRow(
        discrepancy_id=row.id,
        step="proposed",
        actor=actor.ref,
        role=actor.role,
        value={"value": chosen},
        reason=reason.strip(),
        at=now,
    )
    session.add(step)
    row.status = "proposed" if row.kind in CORRECTIONS else "resolved"
    audit.append(
        session,
        actor.ref,
        "discrepancy_proposed",
        {"discrepancy": row.id, "kind": row.kind, "value": step.value["value"]},
        now,
    )
    return step


def _not_chosen_for_another_row(session: Session, row: DiscrepancyRow, chosen: str) -> None:
    """One child is one row of a teacher's book: a child already chosen for another row of the same
    book (its last choice) is refused, naming that row; two rows claiming her would only make both
    doubts again at the next reconciliation, the teacher's answers lost."""
    mine = ((row.record or {}).get("student") or {}).get("keys") or {}
    if len(mine) != 1:  # a teacher's row is known by its book's key alone
        return
    ((owner, key),) = mine.items()
    last: dict[str, tuple[DiscrepancyRow, str]] = {}  # the book's row key → its doubt and its last choice
    for doubt, step in queries.identity_proposals(session):
        keys = (doubt.record or {}).get("student", {}).get("keys", {})
        if doubt.id != row.id and owner in keys and keys[owner] != key:
            last[keys[owner]] = (doubt, str((step.value or {}).get("value") or ""))
    taken = [doubt for doubt, value in last.values() if value == chosen]
    if taken:
        other = taken[0].record or {}
        name = (other.get("student") or {}).get("name") or "một dòng khác"
        raise ResolutionError(
            f"Em này đã được chọn cho dòng «{name}» ({taken[0].class_code or 'chưa rõ lớp'}) của cùng sổ điểm "
            f"(khác biệt {taken[0].id}): mỗi em chỉ ứng với một dòng. Nếu chọn nhầm ở dòng kia, hãy chọn lại ở "
            "dòng đó trước."
        )


def _last_proposal(session: Session, row: DiscrepancyRow) -> ResolutionRow:
    steps = history(session, row.id)
    if not steps or steps[-1].step != "proposed":
        raise NotAllowed("Chưa có đề xuất nào đang chờ duyệt cho khác biệt này.")
    return steps[-1]


def approve(
    session: Session,
    discrepancy_id: str,
    actor: Actor,
    now: datetime,
    reason: str = "",
    authority: ScoreAuthority | None = None,
    present: Present | None = None,
    where: results.Where | None = None,
) -> int:
    """The principal approves the last proposal; returns how many outbox changes it released.

    For a score whose proposed value is the gradebook's, the correction waiting in the outbox
    is released (it goes out at the next run). A different value means the gradebook itself
    is wrong: the waiting correction is cancelled and the teacher corrects the gradebook.

    ``present``: who witnessed the correction (Suối Ngô art. 9), recorded with the approval;
    required when the correction touches class results approved before (``where``: the school
    whose results are looked up). A correction of results approved now is refused: the principal
    reopens them first.
    """
    _may_approve(actor)
    row = _discrepancy(session, discrepancy_id)
    proposal = _last_proposal(session, row)
    if _same_account(proposal.actor, actor):
        raise NotAllowed("Người đề xuất không tự duyệt đề xuất của mình; Hiệu trưởng (hoặc người được uỷ quyền) duyệt.")
    witnesses = witnessed(session, row, actor, present, needs_witnesses(session, row, where))
    session.add(
        ResolutionRow(
            discrepancy_id=row.id,
            step="approved",
            actor=actor.ref,
            role=actor.role,
            value={**proposal.value, **({"present": witnesses} if witnesses else {})},
            reason=reason,
            at=now,
        )
    )
    row.status = "approved"
    authority = authority or ScoreAuthority.from_settings(None)
    released = _release(session, row, proposal.value["value"], now, authority) if row.kind in SCORE_KINDS else 0
    audit.append(
        session,
        actor.ref,
        "discrepancy_approved",
        {
            "discrepancy": row.id,
            "kind": row.kind,
            "value": proposal.value["value"],
            "released": released,
            **({"present": witnesses} if witnesses else {}),
        },
        now,
    )
    return released


# --- the people present at a correction (Suối Ngô art. 9) ---------------------------------------


@dataclass(frozen=True)
class Present:
    """Who witnessed a correction besides the principal who approves it: a member of the Ban quản
    trị and the class's GVCN, each an account's login or a name as written in the minutes."""

    board: str = ""
    gvcn: str = ""


def needs_witnesses(session: Session, row: DiscrepancyRow, where: results.Where | None) -> bool:
    """Whether approving this correction must record the people present: a score or result
    correction of a class whose results of that semester (or year) were approved before. Raises
    `NotAllowed` while those results are approved: the principal reopens them first."""
    if where is None or row.kind not in CORRECTIONS:
        return False
    try:
        return results.correction_guard(session, where, row.class_code, (row.record or {}).get("semester"))
    except results.ResultsRefused as exc:
        raise NotAllowed(str(exc)) from None


def witness_rule(session: Session, row: DiscrepancyRow, where: results.Where | None) -> str:
    """For the approval queue: ``required`` (results approved before: the people present must be
    recorded), ``locked`` (results approved now: reopen first) or ``optional``."""
    try:
        return "required" if needs_witnesses(session, row, where) else "optional"
    except NotAllowed:
        return "locked"


def _person(session: Session, text: str, what: str, fits: Callable[[Actor], bool], refusal: str) -> dict[str, str]:
    account = accounts.find(session, text)
    if account is None:
        if len(text) > 100:
            raise ResolutionError(f"Tên {what} quá dài (tối đa 100 ký tự).")
        return {"name": text}
    if not fits(account):
        raise ResolutionError(f"Tài khoản {account.login} ({account.full_name}) {refusal}")
    return {"account": account.ref, "name": account.full_name}


def witnessed(
    session: Session, row: DiscrepancyRow, actor: Actor, present: Present | None, required: bool
) -> dict[str, dict[str, str]] | None:
    """The people present as recorded (the principal, a Ban quản trị member, the GVCN), or ``None``
    when none were given and none are required; a missing one when required is refused."""
    board = (present.board if present else "").strip()
    gvcn = (present.gvcn if present else "").strip()
    if not board and not gvcn and not required:
        return None
    missing = [what for what, value in (("thành viên Ban quản trị", board), ("GVCN của lớp", gvcn)) if not value]
    if missing:
        raise ResolutionError(
            f"Sửa kết quả của lớp {row.class_code or ''} cần ghi người chứng kiến (Quy chế Suối Ngô, Điều 9): "
            f"thiếu {' và '.join(missing)}."
        )
    return {
        "principal": {"account": actor.ref, "name": actor.full_name},
        "board": _person(
            session,
            board,
            "thành viên Ban quản trị",
            lambda a: a.role in ("board", "it") and a.id != actor.id,
            "không phải thành viên Ban quản trị (Ban giám hiệu hoặc quản trị hệ thống).",
        ),
        "gvcn": _person(
            session,
            gvcn,
            "GVCN",
            lambda a: a.role == "gvcn" and (row.class_code or "") in a.classes,
            f"không phải giáo viên chủ nhiệm lớp {row.class_code}.",
        ),
    }


def reject(session: Session, discrepancy_id: str, actor: Actor, reason: str, now: datetime) -> None:
    _may_approve(actor)
    row = _discrepancy(session, discrepancy_id)
    _last_proposal(session, row)
    if not reason.strip():
        raise ResolutionError("Cần ghi lý do từ chối để giáo viên chủ nhiệm biết cần làm gì.")
    session.add(
        ResolutionRow(
            discrepancy_id=row.id,
            step="rejected",
            actor=actor.ref,
            role=actor.role,
            value={},
            reason=reason.strip(),
            at=now,
        )
    )
    row.status = "open"
    audit.append(session, actor.ref, "discrepancy_rejected", {"discrepancy": row.id, "kind": row.kind}, now)


def _release(session: Session, row: DiscrepancyRow, value: str, now: datetime, authority: ScoreAuthority) -> int:
    """Release (or cancel) the corrections waiting for this score on every target platform."""
    record = row.record
    waiting = [
        item
        for target in authority.targets
        for item in queries.awaiting_approval(
            session,
            target,
            authority.entity,
            f"{record['student']['keys'].get(target)}:{record['subject']}:{record['semester']}",
        )
    ]
    decision = _sheet_decision(session, row, value, authority)
    if decision is None:
        return 0  # other cells of this sheet still wait for the principal: the sheet waits with them
    for item in waiting:
        item.status = decision
        item.message = "" if decision == "pending" else "Hiệu trưởng duyệt giá trị khác sổ điểm: sửa sổ điểm"
        item.updated_at = now
    return sum(item.status == "pending" for item in waiting)


def _sheet_decision(session: Session, row: DiscrepancyRow, value: str, authority: ScoreAuthority) -> str | None:
    """The outbox holds one correction per sheet, the register one discrepancy per cell: the sheet
    goes out (``pending``) only when every corrected cell of it is approved at the gradebook's
    value, is cancelled when one is approved at another value, and waits (``None``) otherwise."""
    mine = row.record
    same_sheet = [
        other
        for other in queries.discrepancies(session, [row.class_code] if row.class_code else None).values()
        if other.kind in SCORE_KINDS
        and other.status != "closed"
        and other.record["student"]["keys"] == mine["student"]["keys"]
        and (other.record["subject"], other.record["semester"]) == (mine["subject"], mine["semester"])
    ]
    verdicts = []
    for other in same_sheet:
        approved = value if other.id == row.id else _approved_value(session, other)
        if approved is None:
            return None
        verdicts.append(approved == other.record["values"].get(authority.owner))
    return "pending" if all(verdicts) else "cancelled"


def _approved_value(session: Session, row: DiscrepancyRow) -> str | None:
    steps = history(session, row.id)
    if row.status != "approved" or not steps or steps[-1].step != "approved":
        return None
    return steps[-1].value.get("value")


# --- for the dashboard: lock windows, one decision over a selection ----------------------------


class WindowClosed(NotAllowed):
    """A correction for a semester whose entry window is closed (Suối Ngô art. 3: the principal
    sets when the system opens and closes); said with the window."""


def closed_window(row: DiscrepancyRow, windows: list[LockWindow], now: datetime) -> LockWindow | None:
    """The window that keeps this correction out, if any: a score or result correction of a
    semester whose score window is closed — the school's by its dates, a platform's when it says
    locked. Differences that correct no entered value (a student's record) pass."""
    semester = (row.record or {}).get("semester")
    if row.kind not in CORRECTIONS or not semester:
        return None
    for window in windows:
        if window.kind.value != "diem" or window.semester.value != str(semester):
            continue
        closed = not window.is_open(now) if window.platform == "school" else window.locked
        if closed:
            return window
    return None


def refuse_closed_window(row: DiscrepancyRow, windows: list[LockWindow], now: datetime) -> None:
    window = closed_window(row, windows, now)
    if window is None:
        return
    whose = "của nhà trường" if window.platform == "school" else f"trên {window.platform}"
    raise WindowClosed(
        f"Sổ điểm {SEMESTER_SAID.get(window.semester.value, window.semester.value)} đã khoá ({whose}, "
        f"mở từ {shown_time(window.opens_at)} đến {shown_time(window.closes_at)}): không sửa được lúc này; "
        "Hiệu trưởng mở khoá trước khi sửa (Quy chế Suối Ngô, Điều 3)."
    )


def propose_in_window(
    session: Session,
    discrepancy_id: str,
    value: str,
    reason: str,
    actor: Actor,
    now: datetime,
    windows: list[LockWindow],
) -> ResolutionRow:
    """`propose`, refused for a correction whose semester's window is closed."""
    refuse_closed_window(_discrepancy(session, discrepancy_id), windows, now)
    return propose(session, discrepancy_id, value, reason, actor, now)


@dataclass(frozen=True)
class Decision:
    """What became of one discrepancy of a selection the principal decided on."""

    discrepancy_id: str
    done: bool
    released: int = 0  # outbox changes released by an approval
    refusal: str = ""  # why not, in Vietnamese
    refused: str = ""  # `refusal_kind`: input, rule or window


def refusal_kind(exc: ResolutionError) -> str:
    """``window`` (a closed window), ``rule`` (this account may not, or not now) or ``input``."""
    if isinstance(exc, WindowClosed):
        return "window"
    return "rule" if isinstance(exc, NotAllowed) else "input"


def decide(
    session: Session,
    discrepancy_ids: list[str],
    approved: bool,
    actor: Actor,
    now: datetime,
    note: str = "",
    authority: ScoreAuthority | None = None,
    windows: list[LockWindow] | None = None,
    present: Present | None = None,
    where: results.Where | None = None,
) -> list[Decision]:
    """Approve (or reject, with ``note`` as the reason) each of a selection, one by one: a refused
    one is said and writes nothing; the others stand (in the caller's transaction)."""
    out = []
    for discrepancy_id in dict.fromkeys(discrepancy_ids):
        try:
            if approved:
                refuse_closed_window(_discrepancy(session, discrepancy_id), windows or [], now)
                released = approve(session, discrepancy_id, actor, now, note.strip(), authority, present, where)
                out.append(Decision(discrepancy_id, True, released))
            else:
                reject(session, discrepancy_id, actor, note, now)
                out.append(Decision(discrepancy_id, True))
        except ResolutionError as exc:
            out.append(Decision(discrepancy_id, False, refusal=str(exc), refused=refusal_kind(exc)))
    return out
