"""One school's view of the store (placeholder until the tenancy branch lands; the lead replaces it)."""

from __future__ import annotations

import sqlalchemy as sa


def for_school(engine: sa.Engine, ma_truong: str) -> sa.Engine:
    """An engine whose sessions and connections see and write only ``ma_truong``'s rows."""
    return engine.execution_options(lienthong_school=ma_truong)


def school_of(engine: sa.Engine) -> str | None:
    """The school an engine from `for_school` is scoped to, or ``None``."""
    return engine.get_execution_options().get("lienthong_school")
