"""The Suối Ngô cadence as dates, and what the store's history shows of it.

**The cadence** (Quy chế Suối Ngô, Điều 7 and 9), read as checkpoints, each with a date due:
- scores of each class × subject: one update in the first half of the semester (due
  `GRACE_DAYS` after its middle) and one at its end (in the last `END_DAYS` days, due
  `GRACE_DAYS` after the semester's last day) — twice a semester, the second at the end;
- training results (hạnh kiểm / rèn luyện): every student's, due `GRACE_DAYS` after the
  semester ends (Điều 7: cuối mỗi học kỳ);
- absences: each month's, by `GRACE_DAYS` after the month ends (Điều 7: hàng tháng).

**What the history allows** (store/tables.py `SourceSnapshotRow`): one row per record, holding
the platform's version, the last time lienthong read it (``seen_at``) and the payload, whose
``updated_at`` is the platform's *last* change of the record. Earlier changes are overwritten, so
an update is seen only while it is the record's latest, plus the score pushes lienthong itself
sent (the outbox). Hence a checkpoint is: ``ok`` (an update seen in its window), ``late`` (due
passed and nothing changed since the window opened: certain), ``unverified`` (due passed, the
latest changes are after the window: an update in the window may have been overwritten), or
``pending`` (not due yet). Records imported from files carry no ``updated_at``: their cadence is
not measurable (said in `Completeness.notes`). Transfers carry no date of the move: only their
count and the records' last change are shown.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Mapping

from lienthong.mapping.calendar import VN_TZ, semester_bounds

GRACE_DAYS = 7  # a checkpoint's update may come this many days after the period it covers
END_DAYS = 21  # "at the end of the semester": its last three weeks
OK, LATE, UNVERIFIED, PENDING = "ok", "late", "unverified", "pending"
STATUS_WORDS = {OK: "đúng hạn", LATE: "trễ hạn", UNVERIFIED: "chưa xác minh được", PENDING: "chưa đến hạn"}
MID, END = "mid", "end"
CHECKPOINT_WORDS = {MID: "cập nhật điểm giữa học kỳ", END: "cập nhật điểm cuối học kỳ"}


def vn_date(at: datetime) -> date:
    """The day in Vietnam of a time (a time without offset is taken as Vietnam's)."""
    return (at if at.tzinfo else at.replace(tzinfo=VN_TZ)).astimezone(VN_TZ).date()


def parse_time(value: Any) -> datetime | None:
    """A platform's ``updated_at`` (ISO 8601) as a time, ``None`` when absent or unreadable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=VN_TZ)
    if not isinstance(value, str) or not value:
        return None
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=VN_TZ)


# --- the cadence as dates ------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """One update the regulation asks for, and whether the history shows it."""

    kind: str  # MID or END
    opens: date  # the window in which the update counts
    due: date
    status: str  # OK, LATE, UNVERIFIED, PENDING
    seen: date | None = None  # the update that satisfies it, or the latest one seen

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "opens": self.opens.isoformat(),
            "due": self.due.isoformat(),
            "status": self.status,
            "seen": self.seen.isoformat() if self.seen else None,
        }


def score_checkpoints(start_year: int, semester: str) -> list[tuple[str, date, date]]:
    """(kind, window opens, due) of the score updates of a semester: the first half, the end."""
    first, last = semester_bounds(start_year, semester)
    middle = first + (last - first) / 2
    grace = timedelta(days=GRACE_DAYS)
    return [(MID, first, middle + grace), (END, last - timedelta(days=END_DAYS), last + grace)]


def judge(kind: str, opens: date, due: date, updates: Iterable[date], today: date) -> Checkpoint:
    """A checkpoint against the days on which updates were seen (`module docstring`)."""
    days = sorted(set(updates))
    inside = [d for d in days if opens <= d <= due]
    if inside:
        return Checkpoint(kind, opens, due, OK, inside[0])
    latest = days[-1] if days else None
    if today <= due:
        return Checkpoint(kind, opens, due, PENDING, latest)
    if latest is None or latest < opens:
        return Checkpoint(kind, opens, due, LATE, latest)
    return Checkpoint(kind, opens, due, UNVERIFIED, latest)


def month_due(day: date) -> date:
    """When the absences of ``day``'s month are due: `GRACE_DAYS` after the month ends."""
    last = date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    return last + timedelta(days=GRACE_DAYS)


# --- what the history holds ------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    """When the school's record changed, as far as the store can tell (`module docstring`), as days
    in Vietnam (the checkpoints are days).

    Attributes:
        sheets: score sheet key → the day of the platform's last change of it.
        pushes: (score sheet key, the day lienthong's push of it was applied), every one kept.
        absences: attendance record key → (student key, the day of the absence, the day of the
            platform's last change of the record).
        students: student key → the day of the platform's last change of the student's record.
        measurable: whether the record carries change times at all (pulled, not imported).
    """

    sheets: Mapping[str, date] = field(default_factory=dict)
    pushes: tuple[tuple[str, date], ...] = ()
    absences: Mapping[str, tuple[str, date, date | None]] = field(default_factory=dict)
    students: Mapping[str, date] = field(default_factory=dict)
    measurable: bool = True


class _Days(dict):
    """``updated_at`` text → its day in Vietnam, each text read once (a school has a few thousand)."""

    def __missing__(self, text: Any) -> date | None:
        found = parse_time(text)
        day = self[text] = vn_date(found) if found else None
        return day


def history_from_payloads(
    sheets: Mapping[str, dict],
    attendance: Mapping[str, dict] | None = None,
    students: Mapping[str, dict] | None = None,
    pushes: Iterable[tuple[str, datetime]] = (),
) -> History:
    """`History` from a platform's stored payloads (their ``updated_at``) and the pushes sent."""
    days = _Days()
    changed = {key: d for key, payload in sheets.items() if (d := days[payload.get("updated_at")])}
    absences: dict[str, tuple[str, date, date | None]] = {}
    for key, payload in (attendance or {}).items():
        day = _day(payload.get("ngay"))
        student = payload.get("ma_hoc_sinh") or key.split(":")[0]
        if day is not None and payload.get("loai") in ("P", "K"):
            absences[key] = (student, day, days[payload.get("updated_at")])
    moved = {key: d for key, payload in (students or {}).items() if (d := days[payload.get("updated_at")])}
    sent = tuple((key, vn_date(when)) for key, when in pushes)
    measurable = bool(changed or sent or any(d for _, _, d in absences.values()))
    return History(changed, sent, absences, moved, measurable)


def _day(value: Any) -> date | None:
    """A vnEdu day (``dd/mm/yyyy``) as a date, ``None`` when it is not one."""
    if isinstance(value, date):
        return value
    try:
        day, month, year = str(value).split("/")
        return date(int(year), int(month), int(day))
    except ValueError:
        return None
