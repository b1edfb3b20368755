"""The run's handle on the store: one session, committed step by step (never in a dry run)."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

import sqlalchemy as sa
from sqlmodel import Session

from lienthong.store import tenancy
from lienthong.store.tables import SyncCursorRow


class RunStore:
    """Commits each step so that a crash loses at most the step in progress; a dry run only
    flushes, and everything is rolled back when it ends, so it writes nothing anywhere."""

    def __init__(self, engine: sa.Engine, dry_run: bool = False):
        self.session = Session(engine, expire_on_commit=False)
        self.dry_run = dry_run

    @contextmanager
    def step(self) -> Iterator[Session]:
        try:
            yield self.session
            if self.dry_run:
                self.session.flush()
            else:
                self.session.commit()
        except BaseException:
            if not self.dry_run:
                self.session.rollback()
            raise

    def close(self) -> None:
        self.session.rollback()
        self.session.close()


def scope_key(scope: dict) -> str:
    return json.dumps(scope, sort_keys=True, ensure_ascii=False)


def load_cursor(session: Session, platform: str, entity: str, scope: dict) -> dict | None:
    row = tenancy.get(session, SyncCursorRow, (platform, entity, scope_key(scope)))
    return row.cursor if row else None


def save_cursor(session: Session, platform: str, entity: str, scope: dict, cursor: dict | None, at: datetime) -> None:
    if cursor is None:
        return
    key = (platform, entity, scope_key(scope))
    row = tenancy.get(session, SyncCursorRow, key)
    if row is None:
        session.add(SyncCursorRow(platform=platform, entity=entity, scope=key[2], cursor=cursor, updated_at=at))
    else:
        row.cursor, row.updated_at = cursor, at
