"""Where the store is and which schema its code expects, known without SQLAlchemy or Alembic: what
a command that only reads and reconciles needs before it decides how to open the store (`store.plain`)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Callable

_PLAIN_SQLITE = "sqlite:///"


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL (``sqlite:///file:/path?uri=true`` too), ``None`` for a
    server or in-memory database. The plain ``sqlite:///path`` is read here; any other form
    (a query, an escaped character, another driver) as SQLAlchemy reads URLs."""
    plain = plain_sqlite_file(url)
    if plain is not None:
        return plain
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database.removeprefix("file:") if parsed.query.get("uri") else parsed.database)


def plain_sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///path`` URL (no query, no escapes), else ``None``."""
    rest = url[len(_PLAIN_SQLITE) :] if url.startswith(_PLAIN_SQLITE) else None
    if rest and not any(c in rest for c in "?%#") and rest != ":memory:":
        return Path(rest)
    return None


_ASSIGNED = re.compile(r"^(revision|down_revision)\b[^=\n]*=(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


@cache
def head_revision() -> str | None:
    """The newest migration's revision id, read from the text of the migration scripts (their
    ``revision`` and ``down_revision`` lines) without loading Alembic; ``None`` when the scripts
    do not name exactly one head (a merge in progress): then every open goes through Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (resources.files("lienthong.store") / "migrations" / "versions").iterdir():
        if not script.name.endswith(".py"):
            continue
        for name, value in _ASSIGNED.findall(script.read_text(encoding="utf-8")):
            (revisions if name == "revision" else parents).update(_QUOTED.findall(value))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


class StoreMissing(ValueError):
    """No database where one was named: a mistyped path must not quietly become a new, empty one."""


class StoreDamaged(ValueError):
    """A database file that fails SQLite's own check: refused, with the backup hint."""


def check_store(url: str, create: bool = False) -> None:
    """Before a SQLite file is opened for writing: it exists (unless ``create``) and passes
    ``PRAGMA quick_check``. Server databases are checked by their server."""
    import sqlite3

    path = sqlite_file(url)
    if path is None:
        return
    if not path.exists():
        if create:
            return
        raise StoreMissing(
            f"Không có cơ sở dữ liệu tại {path}: kiểm tra --db (hoặc LIENTHONG_DATABASE_URL); tạo mới "
            "bằng `lienthong init` hoặc `lienthong db upgrade`."
        )
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            verdict = connection.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.DatabaseError:
        verdict = "not a database"
    if verdict != "ok":
        raise StoreDamaged(
            f"Tệp cơ sở dữ liệu {path} bị hỏng (kiểm tra của SQLite: {verdict[:80]}): không dùng tiếp; "
            "giữ lại tệp này và khôi phục từ bản sao lưu gần nhất."
        )


def check_store_ahead(url: str) -> Callable[[], None]:
    """`check_store` begun in a thread; the returned function waits for it and raises what it
    found. SQLite checks without holding the interpreter's lock, so a command that starts it
    before loading its own code (`cli.reconcile_command`) has the check done by the time it opens
    the store, where a processor is free. Nothing is opened for writing before the wait."""
    import threading

    found: list[BaseException] = []

    def check() -> None:
        try:
            check_store(url)
        except BaseException as exc:  # handed to the waiting command as it is
            found.append(exc)

    thread = threading.Thread(target=check, name="quick-check", daemon=True)
    thread.start()

    def wait() -> None:
        thread.join()
        if found:
            raise found[0]

    return wait
