"""What the principal's page shows, gathered from the services (no rule is made here): the
completeness figures (`completeness_report`, scoped through `store.access`), open discrepancies by
class and age, sync health per platform and the portal's requests (`sync.operations`).

Loading a school's records takes about a second and measuring them half of one, so both are kept
(`RecordsCache`) until the store's version moves (`access.store_version`: a pull, an import, a push
applied, an account's classes or subjects changed); a request asks only that cheap question.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from lienthong.config.settings import Settings
from lienthong.mapping.calendar import VN_TZ
from lienthong.mapping.normalize import class_order
from lienthong.reconciliation import service as reconciliation_service
from lienthong.reconciliation.completeness_figures import Completeness, SubjectFigures
from lienthong.reconciliation.completeness_service import completeness_report
from lienthong.store import access
from lienthong.store.accounts import Actor
from lienthong.sync import operations


class RecordsCache:
    """The loaded records and the school's completeness figures, kept while the store is unchanged."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: tuple | None = None
        self._sources: reconciliation_service.Sources | None = None
        self._reports: dict[tuple, Completeness] = {}

    def sources(self, engine: sa.Engine, settings: Settings, version: tuple) -> reconciliation_service.Sources:
        with self._lock:
            if self._version != version or self._sources is None:
                self._sources = reconciliation_service.load_sources(engine, settings)
                self._version, self._reports = version, {}
            return self._sources

    def report(
        self,
        engine: sa.Engine,
        settings: Settings,
        version: tuple,
        now: datetime,
        class_code: str | None,
        semester: str | None,
    ) -> Completeness:
        sources = self.sources(engine, settings, version)
        key = (now.astimezone(VN_TZ).date(), class_code, semester)
        with self._lock:
            found = self._reports.get(key)
        if found is None:
            found = completeness_report(
                engine, settings.current_school_year(), class_code, semester, settings, now, sources=sources
            )
            with self._lock:
                if self._version == version:
                    self._reports[key] = found
        return found


@dataclass(frozen=True)
class Overview:
    """The principal's page (or a department head's) for one account."""

    figures: Completeness | None  # None: nothing stored yet
    no_data: str  # why there are no figures (Vietnamese), when so
    classes: list[str]
    subjects: list[tuple[str, str]]  # (code, name) in the order of the heat table
    heat: dict[tuple[str, str], SubjectFigures]  # (class, subject) → the semester asked (the last begun)
    by_age: dict[str, dict[str, int]]
    health: list[operations.PlatformHealth]
    portal: operations.PortalStatus | None
    department: tuple[str, ...] | None  # a department head's subjects


def _heat(figures: Completeness) -> tuple[list[str], list[tuple[str, str]], dict]:
    """One cell per class × subject: the latest semester asked for."""
    semester = figures.semesters[-1] if figures.semesters else "1"
    cells = {(s.class_code, s.subject): s for s in figures.subjects if s.semester == semester}
    classes = sorted({c for c, _ in cells}, key=class_order)
    names: dict[str, str] = {}
    for s in figures.subjects:
        names.setdefault(s.subject, s.subject_name)
    return classes, list(names.items()), cells


def scoped_report(
    cache: RecordsCache,
    session: Session,
    engine: sa.Engine,
    settings: Settings,
    actor: Actor,
    now: datetime,
    class_code: str | None = None,
    semester: str | None = None,
    version: tuple | None = None,
) -> Completeness:
    """The figures this account may see (`access` decides; a class outside it is `Forbidden`)."""
    scope = access.require_student_data(actor)
    if class_code is not None and not scope.sees_class(class_code):
        raise access.Forbidden(f"{actor.shown()} không xem được lớp {class_code}: ngoài phạm vi được giao.")
    version = version if version is not None else access.store_version(session)
    report = cache.report(engine, settings, version, now, class_code, semester)
    return report.scoped(classes=scope.classes, subjects=scope.subjects)


def overview(
    cache: RecordsCache,
    session: Session,
    engine: sa.Engine,
    settings: Settings,
    actor: Actor,
    now: datetime,
    semester: str | None = None,
) -> Overview:
    scope = access.require_overview(actor)
    version = access.store_version(session)
    try:
        figures: Completeness | None = scoped_report(
            cache, session, engine, settings, actor, now, None, semester, version
        )
        no_data = ""
    except reconciliation_service.NoData as exc:
        figures, no_data = None, str(exc)
    classes, subjects, heat = _heat(figures) if figures else ([], [], {})
    sources = cache.sources(engine, settings, version) if figures else None
    portal = operations.portal_requests(engine, sources.get("portal"), now) if sources else None
    return Overview(
        figures,
        no_data,
        classes,
        subjects,
        heat,
        access.counts_by_class_and_age(session, actor, now),
        operations.platform_health(engine, settings, now),
        portal,
        tuple(sorted(scope.subjects)) if scope.subjects is not None else None,
    )


def heat_level(share: int) -> str:
    """A cell's colour class: the share of required assessments entered."""
    if share >= 100:
        return "h4"
    if share >= 80:
        return "h3"
    if share >= 50:
        return "h2"
    if share > 0:
        return "h1"
    return "h0"


def export_scope(actor: Actor, semester: str | None) -> dict[str, Any]:
    """What an export covered, for its audit entry (no personal data: codes only)."""
    scope = access.scope_of(actor)
    return {
        "semester": semester,
        "classes": sorted(scope.classes) if scope.classes is not None else "all",
        "subjects": sorted(scope.subjects) if scope.subjects is not None else "all",
    }
