"""The school's findings brought up to date after records were stored: by the daemon after a sync,
by the dashboard after an upload, by ``lienthong import`` and ``lienthong sync --once``. Every path
that stores records ends here, so the register, the dashboard and the change journal follow what is
stored without anyone typing ``lienthong reconcile``.

Loads neither SQLAlchemy nor the reconciliation until it reconciles: ``lienthong import`` on a
SQLite store reconciles on its own driver connection (`store.plain`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from lienthong.config.settings import Settings

if TYPE_CHECKING:
    from lienthong.sync.file_reading import ImportReport


@dataclass(frozen=True)
class Reconciled:
    """A reconciliation run after records were stored (`reconcile_stored`): how it ended, and what
    it found."""

    outcome: str  # completed | no_data | failed
    total: int = 0  # discrepancies found
    new: int = 0
    closed: int = 0
    compared: bool = False  # two sources were compared (else "no difference" says nothing)
    error: str | None = None  # a failure's kind (the exception's class): never its message, which may hold data
    files_only: bool = False  # no platform configured (`Settings.files_only`): no sync will bring data

    def said(self, after: str = "import") -> str:
        """What a person reads after an import (``after="import"``: the dashboard's IT page,
        ``lienthong import``) or a sync (``"sync"``: ``lienthong sync --once``)."""
        done, stored, wait = _AFTER[after]
        if self.outcome == "failed":
            return f"{stored} nhưng chưa đối chiếu lại được; hãy chạy lệnh «lienthong reconcile» (lỗi {self.error})."
        if self.outcome == "no_data":
            if self.files_only and after == "import":
                wait = FILES_ONLY_WAIT
            return f"Chưa đối chiếu được: chưa có học sinh, điểm hay kết quả nào để so sánh. {wait}"
        found = f"Đã đối chiếu lại sau khi {done}: {self.total} khác biệt ({self.new} mới, {self.closed} đã hết)."
        return found if self.compared else f"{found} Chưa có hai nguồn dữ liệu để so sánh với nhau."


_AFTER = {  # what was done, said twice, and what to do when there is still nothing to compare
    "import": (
        "nhập",
        "Đã nhập tệp",
        "Hãy nhập sổ điểm, danh sách học sinh hoặc kết quả học tập (hoặc chờ lần đồng bộ tới).",
    ),
    "sync": ("đồng bộ", "Đã đồng bộ", "Kiểm tra các hệ thống đã đọc được gì (lienthong runs), hoặc nhập tệp Excel."),
}
FILES_ONLY_WAIT = "Hãy nhập sổ điểm, danh sách học sinh hoặc kết quả học tập."  # no sync will bring any


def reconcile_stored(settings: Settings, store: Any = None, full: bool = False) -> Reconciled:
    """The school's findings brought up to date from what is stored, as ``lienthong reconcile`` does
    (incremental from the state kept unless ``full``), on ``store`` (an engine, a session or a
    `store.plain.Plain`; by default the configured school's engine). A failure is returned, not
    raised: what was stored stays, and the next reconciliation takes it up."""
    from lienthong.reconciliation import service as reconciliation  # loaded once something is to compare

    if store is None:
        from lienthong.sync.service import school_engine

        store = school_engine(settings)
    try:
        result = reconciliation.reconcile_school(
            store,
            settings.current_school_year(),
            pushed=reconciliation.scores_pushed(settings),
            settings=settings,
            full=full,
        )
    except reconciliation.NoData:
        return Reconciled("no_data", files_only=settings.files_only())
    except Exception as exc:  # noqa: BLE001 - said by its kind; the caller logs or shows it
        return Reconciled("failed", error=type(exc).__name__)
    return Reconciled("completed", len(result.found), result.changes["new"], result.changes["closed"], result.compared)


def after_import(store: Any, settings: Settings, reports: Iterable[ImportReport]) -> Reconciled | None:
    """`reconcile_stored` after files that stored new or changed records; ``None`` when none did (a
    file imported before, a dry run, every file refused): there is nothing new to compare."""
    if not any(r.stored.get("new") or r.stored.get("changed") for r in reports if not r.error and not r.dry_run):
        return None
    return reconcile_stored(settings, store)
