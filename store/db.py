"""Engine, sessions and migrations. SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

import os
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

from lienthong.store.location import (  # noqa: F401  (where they were)
    StoreDamaged,
    StoreMissing,
    check_store,
    head_revision,
    sqlite_file,
)

if TYPE_CHECKING:
    from alembic.config import Config


def make_engine(url: str) -> sa.Engine:
    """An engine for ``url``, scoped to the store's own school (`store.tenancy.own_school`: the one
    school of a one-school store); a SQLite file gets WAL mode and enforced foreign keys. Scope it
    to a named school with `store.tenancy.for_school`."""
    from lienthong.store.tenancy import own_school

    try:
        return own_school(_engine(url))
    except (ImportError, sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
        raise BadDatabaseUrl(
            "Địa chỉ cơ sở dữ liệu không dùng được: dùng sqlite:///đường/dẫn.db hoặc postgresql+psycopg://… "
            f"(--db hoặc LIENTHONG_DATABASE_URL); lỗi: {type(exc).__name__}."
        ) from None


def _engine(url: str) -> sa.Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not parsed.query.get("uri"):  # a "file:" URI may be read-only: never created here
                _create_private(path)
        # hide_parameters: an error message never carries a statement's values (names, IDs)
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True, **_JSON_CODEC)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, **_JSON_CODEC)


def _json_text(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


# JSON columns (snapshot payloads: hundreds of thousands per school) through orjson, ~5x json's speed
_JSON_CODEC = {"json_serializer": _json_text, "json_deserializer": orjson.loads}


def _create_private(path: Path) -> None:
    """Create a missing SQLite file empty and 0600 before SQLite does (it would use the umask,
    often 0644): the file holds every student's data, so other accounts must not read it."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
    except FileExistsError:
        pass  # an existing database keeps the mode its owner gave it


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (the dashboard) never block a sync
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


@contextmanager
def session_scope(engine: sa.Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str) -> Config:
    from alembic.config import Config  # Alembic is loaded to migrate, never to open a current store

    config = Config()
    config.set_main_option("script_location", str(resources.files("lienthong.store") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def own_schema_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Whether Alembic compares a schema object: lienthong's own tables (and what is on them), never
    another library's (Procrastinate's ``procrastinate_*`` in distributed mode): not ours to drop or alter."""
    from sqlmodel import SQLModel

    import lienthong.store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

    own = set(SQLModel.metadata.tables) | {"alembic_version"}
    if type_ == "table":
        return name in own
    table = parent_names.get("table_name")
    return table is None or table in own


SCHOOL_ATTRIBUTE = "lienthong.ma_truong"  # the configured school, for migration 0010's existing rows


def migrate(url: str, revision: str = "head", ma_truong: str | None = None) -> None:
    """Bring the database at ``url`` to ``revision`` (creating it if it is new); ``ma_truong`` is
    the configured school, whose code a one-school store's existing rows get (migration 0010)."""
    from alembic import command

    make_engine(url).dispose()  # creates the SQLite folder when needed
    config = alembic_config(url)
    config.attributes[SCHOOL_ATTRIBUTE] = ma_truong or None
    command.upgrade(config, revision)


def schema_revisions(engine: sa.Engine) -> list[str]:
    """The revisions the database says it is at (``alembic_version``); none for a database that
    was never migrated. Two cheap statements, no Alembic."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return []
        return list(connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


def upgrade_if_behind(engine: sa.Engine, url: str, ma_truong: str | None = None) -> bool:
    """Migrate the database at ``url`` (``engine``'s) unless it is already at the code's head
    revision; returns whether Alembic ran. A database at a revision this code does not know
    (written by a newer lienthong) is refused by Alembic, as every open did before."""
    head = head_revision()
    if head is not None and schema_revisions(engine) == [head]:
        return False
    migrate(url, ma_truong=ma_truong)
    engine.dispose()  # connections opened before the migration reopen on the new schema
    return True


class BadDatabaseUrl(ValueError):
    """A database address lienthong cannot use (not a URL, or a database it does not support)."""
