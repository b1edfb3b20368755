"""``lienthong resolve``: the homeroom teacher proposes, the principal approves or rejects."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from lienthong.cli import exits
from lienthong.cli.identity import current_actor, enter
from lienthong.config.settings import Settings
from lienthong.mapping.calendar import shown_time
from lienthong.mapping.registry import titles
from lienthong.reconciliation import resolution
from lienthong.reconciliation.authority import ScoreAuthority
from lienthong.reconciliation.discrepancy import STATUS_WORDS, candidates_of
from lienthong.reconciliation.results import where_of
from lienthong.store import tenancy
from lienthong.store.accounts import AccountError, Actor
from lienthong.store.tables import DiscrepancyRow
from lienthong.sync.service import open_store, school_windows

STEP_WORDS = {"proposed": "GVCN đề xuất", "approved": "Hiệu trưởng duyệt", "rejected": "Hiệu trưởng từ chối"}


def _session() -> Session:
    return Session(open_store(Settings()))


def run_step(step: Callable[[Session, Actor, datetime], str], console: Console | None = None) -> int:
    """Run one workflow step as the signed-in account, in a transaction; a refused step writes
    nothing and says why (exit 4 for a rule, 2 for bad input)."""
    console = console or Console(markup=False, highlight=False, soft_wrap=True)
    with _session() as session:
        try:
            actor = current_actor(session)
            enter(session, actor)  # the step works in the account's school
            said = step(session, actor, datetime.now(timezone.utc))
        except (AccountError, resolution.NotAllowed) as exc:
            console.print(str(exc), style="red", markup=False)
            return exits.REFUSED
        except resolution.ResolutionError as exc:
            console.print(str(exc), style="red", markup=False)
            return exits.BAD_INPUT
        session.commit()
    console.print(said, markup=False)
    return exits.OK


def propose(discrepancy_id: str, value: str, reason: str) -> int:
    windows = school_windows(Settings())  # a correction into a closed window is refused, as on the dashboard

    def step(session: Session, actor: Actor, now: datetime) -> str:
        made = resolution.propose_in_window(session, discrepancy_id, value, reason, actor, now, windows)
        row = tenancy.get(session, DiscrepancyRow, discrepancy_id)
        return f"Đã ghi đề xuất «{made.value['value']}» cho khác biệt {discrepancy_id}: {STATUS_WORDS[row.status]}."

    return run_step(step)


def _decided(decision: resolution.Decision) -> resolution.Decision:
    """The one decision of `resolution.decide`, raised again when refused (so that the step writes
    nothing and exits 4 for a rule or a closed window, 2 for the input)."""
    if decision.done:
        return decision
    if decision.refused in ("rule", "window"):
        raise resolution.NotAllowed(decision.refusal)
    raise resolution.ResolutionError(decision.refusal)


def approve(discrepancy_id: str, reason: str, board: str = "", gvcn: str = "") -> int:
    settings = Settings()
    authority = ScoreAuthority.from_settings(settings.authority.scores)
    targets = ", ".join(titles().get(t, t) for t in authority.targets)
    windows = school_windows(settings)
    present = resolution.Present(board, gvcn)
    where = where_of(settings)

    def step(session: Session, actor: Actor, now: datetime) -> str:
        decided = resolution.decide(
            session, [discrepancy_id], True, actor, now, reason, authority, windows, present, where
        )
        released = _decided(decided[0]).released
        if settings.files_only() and not released:  # nothing goes out: say what the school does instead
            return f"Đã duyệt khác biệt {discrepancy_id}. {resolution.FILES_ONLY_APPROVED}"
        return f"Đã duyệt khác biệt {discrepancy_id}" + (
            f"; {released} thay đổi sẽ được gửi lên {targets} ở lần đồng bộ tới." if released else "."
        )

    return run_step(step)


def reject(discrepancy_id: str, reason: str) -> int:
    def step(session: Session, actor: Actor, now: datetime) -> str:
        _decided(resolution.decide(session, [discrepancy_id], False, actor, now, reason)[0])
        return f"Đã từ chối đề xuất cho khác biệt {discrepancy_id}; giáo viên chủ nhiệm sẽ đề xuất lại."

    return run_step(step)


def _present(present: dict | None) -> str:
    """The people present at an approved correction, as the minutes name them."""
    if not present:
        return ""
    names = {"principal": "Hiệu trưởng", "board": "Ban quản trị", "gvcn": "GVCN"}
    return " (chứng kiến: " + "; ".join(f"{names[k]} {v['name']}" for k, v in present.items() if k in names) + ")"


def _candidates(row: DiscrepancyRow, console: Console) -> None:
    """Whom a teacher's row may be, each with the code to give ``--value`` (an identity doubt)."""
    found = candidates_of(row.record or {})
    if not found:
        return
    console.print(f'Chọn đúng em: lienthong resolve propose {row.id} --value MÃ --reason "…"')
    for c in found:
        born = f"sinh {c['birth_date']}" if c.get("birth_date") else "chưa rõ ngày sinh"
        console.print(f"  {c['key']}: {c['name']} ({c.get('class') or 'chưa rõ lớp'}, {born})")


def show(discrepancy_id: str, console: Console | None = None) -> int:
    console = console or Console(markup=False, highlight=False, soft_wrap=True)
    with _session() as session:
        row = tenancy.get(session, DiscrepancyRow, discrepancy_id)
        if row is None:
            console.print(f"Không có khác biệt mã {discrepancy_id}.", style="red")
            return 2
        console.print(
            f"{row.record['message']}\nTrạng thái: {STATUS_WORDS.get(row.status, row.status)}; "
            f"GVCN: {row.assignee or 'chưa rõ'}; gợi ý: {row.record['suggestion']}"
        )
        if row.kind == "identity_doubt" and row.status != "closed":
            _candidates(row, console)
        table = Table("Lúc", "Bước", "Người", "Giá trị", "Lý do")
        for step in resolution.history(session, discrepancy_id):
            table.add_row(
                shown_time(step.at),
                STEP_WORDS[step.step],
                step.actor,
                str(step.value.get("value", "")) + _present(step.value.get("present")),
                step.reason,
            )
        console.print(table)
    return 0
