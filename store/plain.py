"""The store through its database driver alone (sqlite3, psycopg): a `Plain` connection, scoped to
one school, on which the reconciliation reads and writes (`store.reconcile_queries`).

Why: ``lienthong reconcile`` is what a person and the daemon wait for, and loading SQLAlchemy and
the SQLModel tables costs a SQLite school more than reading all of its data (issue 16). So the
reconciliation's statements are plain SQL on the driver's connection, one implementation however
the connection was obtained:

- `open_sqlite`: a command's own connection to a SQLite store that needs nothing else first (it
  is at the code's schema, passes SQLite's check, knows its school): SQLAlchemy is never loaded;
- `opened` of an engine or a session: the driver connection under SQLAlchemy's transaction, so
  that `store.tenancy` has scoped it as every transaction (on PostgreSQL the row-level security
  setting and role are in place before the first statement here).

Either way each statement here names the school in its WHERE (as the Core statements of
``store/`` do): the policies are the backstop, not the filter.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import partial
from typing import Any, Callable, Iterator, Sequence

from lienthong.store.location import check_store, head_revision, plain_sqlite_file
from lienthong.store.school_scope import OWN_SCHOOL, TenancyError, own_school_code

# How SQLAlchemy's DateTime keeps a moment on SQLite (UTC, `tables.UtcDateTime`): the same text, so
# that rows written here and by the ORM read and sort alike.
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"


class Plain:
    """A driver connection acting for one school: statements written with ``?`` marks (turned
    into ``%s`` for PostgreSQL), stored times and JSON converted as the ORM's columns do."""

    def __init__(
        self,
        connection: Any,
        dialect: str,
        school: str,
        commit: Callable[[], None],
        after_write: Callable[[], None] | None = None,
    ):
        self.connection = connection
        self.dialect = dialect
        self.school = school
        self._commit = commit
        self._after_write = after_write

    @property
    def postgresql(self) -> bool:
        return self.dialect == "postgresql"

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self.postgresql else statement

    def rows(self, statement: str, params: Sequence[Any] = ()) -> list[tuple]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(self._sql(statement), tuple(params))
            return cursor.fetchall()  # tuples: both drivers' default rows
        finally:
            cursor.close()

    def run(self, statement: str, params: Sequence[Any] = ()) -> None:
        self.many(statement, [params])

    def many(self, statement: str, params: Sequence[Sequence[Any]]) -> None:
        if not params:
            return
        cursor = self.connection.cursor()
        try:
            cursor.executemany(self._sql(statement), [tuple(p) for p in params])
        finally:
            cursor.close()
        if self._after_write is not None:
            self._after_write()

    def commit(self) -> None:
        self._commit()

    # --- values as the ORM's columns keep them -------------------------------------------

    def time_param(self, value: datetime | None) -> Any:
        """A moment to write: UTC text on SQLite (as `tables.UtcDateTime` through SQLAlchemy),
        the aware moment on PostgreSQL."""
        if value is None or self.postgresql:
            return value
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.strftime(_SQLITE_TIME)

    def stored_time(self, value: Any) -> datetime | None:
        """A stored moment as the ORM reads it (naive UTC on SQLite, aware on PostgreSQL)."""
        if value is None or isinstance(value, datetime):
            return value
        return datetime.fromisoformat(value)

    def json_mark(self) -> str:
        """The mark of a JSON value written as text (PostgreSQL's column is ``json``; SQLite's
        keeps the text, and a cast there would turn a number-like text into a number)."""
        return "CAST(? AS JSON)" if self.postgresql else "?"

    @staticmethod
    def marks(n: int) -> str:
        return ",".join("?" * n)


@contextmanager
def opened(store: Any) -> Iterator[Plain]:
    """A `Plain` for ``store``: itself when it is one (its opener commits and closes it), the driver
    connection of a new transaction of an engine (committed when the block ends without error,
    else rolled back), or of a session's (whose caller commits; its ORM objects are expired after
    each write here)."""
    if isinstance(store, Plain):
        yield store
    elif hasattr(store, "get_bind"):  # a session
        yield _of_session(store)
    else:
        with _of_engine(store) as plain:
            yield plain


def _of_session(session: Any) -> Plain:
    from lienthong.store import tenancy

    session.flush()  # the session's pending ORM work goes first
    school = tenancy.require_school(session)
    connection = session.connection()
    return Plain(
        connection.connection.dbapi_connection,
        connection.dialect.name,
        school,
        commit=session.commit,
        after_write=session.expire_all,  # its ORM objects must not hide these writes
    )


@contextmanager
def _of_engine(engine: Any) -> Iterator[Plain]:
    from lienthong.store import tenancy

    with engine.connect() as connection:
        connection.begin()  # scoped as every transaction (`tenancy._on_begin`)
        school = tenancy.school_of(connection)
        if school is None:
            raise TenancyError(tenancy._UNSCOPED)

        def commit() -> None:
            connection.commit()
            connection.begin()  # the next statements scoped again

        yield Plain(connection.connection.dbapi_connection, connection.dialect.name, school, commit)
        connection.commit()


class NotPlain(Exception):
    """The store needs more than a plain connection first (a migration, a school to register, a
    server database): it is opened through `sync.service.open_store` instead."""


def open_sqlite(database_url: str, ma_truong: str | None, checked: Callable[[], None] | None = None) -> Plain:
    """A plain connection to the SQLite store at ``database_url`` for ``ma_truong`` (or the store's
    only school), when the store is ready as it is: the file exists and passes SQLite's
    ``quick_check`` (`store.db.check_store`: the same refusals), it is at the code's head revision,
    and it knows the school. Else `NotPlain`. Close it with `close`. ``checked``: the wait for a
    check already begun (`store.location.check_store_ahead`), instead of checking here."""
    path = plain_sqlite_file(database_url)
    if path is None:
        raise NotPlain("not a plain SQLite URL")
    (checked or partial(check_store, database_url))()
    connection = sqlite3.connect(str(path), check_same_thread=False)
    try:
        _pragmas(connection)
        if _revisions(connection) != [head_revision()] or head_revision() is None:
            raise NotPlain("the schema is not at the code's head")
        school = _school(connection, ma_truong)
    except BaseException:
        connection.close()
        raise
    return Plain(connection, "sqlite", school, commit=connection.commit)


def close(plain: Plain) -> None:
    plain.connection.close()


def checkpoint_meanwhile(plain: Plain) -> Callable[[], None]:
    """Copy a SQLite store's log into the database file in a thread, on a connection of its own,
    while the command goes on with ``plain``; returns the wait for it (call it before `close`).

    Why: after an import the log holds every page the files wrote (up to 64 MB,
    `store.imports.IMPORT_CHECKPOINT_PAGES`), copied when the command's last connection closes:
    a quarter of a second at its very end, one processor idle. Begun as the import's
    reconciliation begins, the copy runs on the other processor (the driver lets go of Python's
    lock while SQLite works); a passive checkpoint waits for no reader nor writer, and the
    reconciliation's own few pages are left for `close`. Nothing for a server database."""
    if plain.postgresql:
        return lambda: None
    import threading

    path = plain.connection.execute("PRAGMA database_list").fetchone()[2]

    def checkpoint() -> None:
        try:
            copier = sqlite3.connect(path, timeout=0)
        except sqlite3.Error:
            return
        try:
            copier.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:  # left to `close`, as without it
            pass
        finally:
            copier.close()

    thread = threading.Thread(target=checkpoint, name="checkpoint", daemon=True)
    thread.start()
    return thread.join


def _pragmas(connection: sqlite3.Connection) -> None:
    """As `store.db` sets every SQLite connection of an engine; and its commits not flushed to the
    disk one by one (``synchronous=NORMAL``, safe in WAL mode: a power cut may lose the last
    commits, never the file): what a reconciliation writes is derived from the stored records, and
    the next one writes it again, while waiting for the disk was a tenth of an incremental run."""
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("PRAGMA busy_timeout=5000")
    connection.execute("PRAGMA synchronous=NORMAL")


def _revisions(connection: sqlite3.Connection) -> list[str]:
    try:
        return [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
    except sqlite3.OperationalError:  # never migrated
        return []


def _school(connection: sqlite3.Connection, ma_truong: str | None) -> str:
    """The configured school when the store knows it (else the store must claim it first:
    `NotPlain`), or the store's only school (`school_scope.own_school_code`)."""
    if ma_truong:
        known = connection.execute("SELECT 1 FROM school WHERE ma_truong = ?", (ma_truong,)).fetchone()
        if known is None or ma_truong == OWN_SCHOOL:
            raise NotPlain("the school is not registered yet")
        return ma_truong
    found = own_school_code(connection)
    if isinstance(found, TenancyError):
        raise found
    return found
