"""Which school's rows a connection sees: the one place tenancy scoping is decided.

Every stored row of school data carries its school's code (``ma_truong``). An engine is scoped
to one school by `for_school` (an execution option on an engine sharing the pool), and then:

- every ORM statement (``select``, ``session.get``, ``session.merge``'s load, the refresh of
  expired attributes, ORM ``update`` and ``delete``) on a mapped class that has a ``ma_truong``
  column gets ``ma_truong = <school>`` (`_scope_orm`: a WHERE for the statement's own entities,
  ``with_loader_criteria`` for joined and selected-from ones): generic, a new table with the
  column is covered without a line here. A subquery on a school table is not reached: write its
  filter (none in ``store/`` today; PostgreSQL's policies cover it anyway);
- the tables (`store.tables`) keep ``ma_truong`` in their primary key in the database, while the
  ORM knows a row by the key its school knows it by, with ``ma_truong`` as the version column:
  ``session.get(Row, key)`` works as before, and every UPDATE and DELETE the ORM writes also
  names the row's school, so a row of another school with the same key is never touched;
- every new object of such a class gets the school's code at flush (`_stamp_new`), and an object
  of another school cannot be added or moved there (`TenancyError`);
- the Core statements and driver SQL in ``store/`` (the bulk loads of snapshots, the leases)
  filter on `school_column` explicitly, and Core inserts get the code from the column default
  (`column_default`);
- on PostgreSQL every transaction begins with ``set_config('lienthong.school', <school>, true)``
  and, when the connecting role would bypass row-level security (a superuser, a role with
  BYPASSRLS), ``SET LOCAL ROLE lienthong_app``: the policies of migration 0010 then let a query
  that forgets its filter (raw SQL included) see that school's rows only, and nothing at all when
  no school is set.

`store.db.make_engine` gives the *store's own school* engine (`OWN_SCHOOL`): the single school of
a one-school store, resolved from the ``school`` table at each transaction (`UNNAMED` while a
new store has none registered), and a loud `TenancyError` as soon as the store
holds several schools: a province's store is only ever read through `for_school`. `unscoped`
gives the engine with no school at all: ORM work on school data then fails loudly; it is for the
named cross-school admin functions only (`claim`, migrations, whole-database backup digests); the
registry of schools (``school``) is the installation's, read and written by `store.schools`.

Accounts (``user_account``, ``user_scope``, ``session_token``) are installation-wide: they are read
under any scope (no policy, no filter). A school's staff account names its home school
(``user_account.ma_truong``, which the scoping leaves alone: `ACCOUNTS`); a department (Sở) account
or an installation IT account has none, and the schools a Sở account oversees are its scopes
(`store.access`).

The installation itself has an audit chain (`installation`): the account events that belong to no
school (`store.accounts.audit_engine`). It is a reserved scope, `INSTALLATION`, which no school
code can be, not a second table: `store.audit` chains, numbers, locks, checkpoints and verifies it
as it does a school's, and on PostgreSQL the same policy keeps it apart from every school's rows
(and the `store.audit.lock_down_sql` grants cover it). That scope reaches ``audit_log`` only
(`INSTALLATION_TABLES`): school data read or written under it is a `TenancyError`.
"""

from __future__ import annotations

from typing import Any, Union

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, with_loader_criteria
from sqlalchemy.orm.base import NO_VALUE

from lienthong.store.school_scope import (  # noqa: F401  (the scoping's names, used here and from here)
    _BYPASS,
    _NOW,
    ACCOUNTS,
    APP_ROLE,
    COLUMN,
    INSTALLATION,
    INSTALLATION_TABLES,
    OPTION,
    OWN_SCHOOL,
    REGISTRY,
    SETTING,
    UNNAMED,
    TenancyError,
    own_school_code,
)

Bind = Union[sa.Engine, sa.Connection, Session]


def for_school(engine: sa.Engine, ma_truong: str) -> sa.Engine:
    """``engine`` (sharing its pool) scoped to the school ``ma_truong``."""
    if not isinstance(ma_truong, str) or ma_truong in (OWN_SCHOOL, INSTALLATION):
        raise TenancyError(f"Mã trường không hợp lệ: {ma_truong!r}.")
    return engine.execution_options(**{OPTION: ma_truong})


def scope_connection(connection: sa.Connection, ma_truong: str) -> sa.Connection:
    """An open connection's next transactions scoped to the school ``ma_truong`` (checked as
    `for_school` checks it): one connection reading many schools one transaction each."""
    if not isinstance(ma_truong, str) or ma_truong in (OWN_SCHOOL, INSTALLATION):
        raise TenancyError(f"Mã trường không hợp lệ: {ma_truong!r}.")
    return connection.execution_options(**{OPTION: ma_truong})


def installation(engine: sa.Engine) -> sa.Engine:
    """``engine`` scoped to the installation's audit chain (`INSTALLATION`), and nothing else."""
    return engine.execution_options(**{OPTION: INSTALLATION})


def store_school(bind: Bind) -> str | None:
    """The school an engine (or session) acts for: the configured one, or the store's only one
    (`UNNAMED` on a new store); ``None`` when it names none and the store holds several schools,
    when it is unscoped, or scoped to the installation."""
    try:
        school = school_of(bind)
    except TenancyError:
        return None
    return None if school == INSTALLATION else school


def own_school(engine: sa.Engine) -> sa.Engine:
    """``engine`` scoped to the store's only school (see the module's notes)."""
    return engine.execution_options(**{OPTION: OWN_SCHOOL})


def unscoped(engine: sa.Engine) -> sa.Engine:
    """``engine`` with no school: for the cross-school admin functions named in the module notes."""
    return engine.execution_options(**{OPTION: None})


def school_of(bind: Bind) -> str | None:
    """The school an engine, connection or session is scoped to; ``None`` when unscoped. The
    store's-own-school engine answers with the school it resolves to now."""
    if isinstance(bind, Session):
        return _session_school(bind, required=False)
    option = bind.get_execution_options().get(OPTION)
    if option != OWN_SCHOOL:
        return option
    if isinstance(bind, sa.Connection):
        found = bind.info.get(_NOW) if bind.in_transaction() else own_school_code(bind.connection.dbapi_connection)
    else:
        with bind.connect() as connection:
            connection.exec_driver_sql("SELECT 1")  # begins: the school is resolved as every transaction does
            found = connection.info.get(_NOW)
    if isinstance(found, TenancyError):
        raise found
    return found


def require_school(session: Session) -> str:
    """The session's school, or `TenancyError` (an unscoped engine never sees school data)."""
    return _session_school(session, required=True)  # type: ignore[return-value]


def school_column(session: Session, table: sa.Table) -> Any:
    """``table.ma_truong = <the session's school>``: the filter of a Core statement in ``store/``."""
    return table.c[COLUMN] == require_school(session)


def claim(engine: sa.Engine, ma_truong: str, name: str = "") -> None:
    """Make sure the store knows the school ``ma_truong`` before it is opened for it (cross-school).

    A store with no school registered (a new one-school store) registers it, and the rows written
    while it had none (`UNNAMED`) become that school's. A store that knows the school: nothing to
    do. A store that knows other schools only is refused: a mistyped ``ma_truong`` must not open
    an empty school beside the real one (a province's schools are added one by one, by hand)."""
    with unscoped(engine).begin() as connection:
        known = list(connection.exec_driver_sql("SELECT ma_truong FROM school").scalars())
        if ma_truong in known:
            return
        if ma_truong in (OWN_SCHOOL, INSTALLATION, UNNAMED):
            raise TenancyError(f"Mã trường không hợp lệ: {ma_truong!r}.")
        if known:
            raise TenancyError(
                f"Cơ sở dữ liệu không có trường {ma_truong} (có: {', '.join(sorted(known)[:5])}"
                f"{', …' if len(known) > 5 else ''}): kiểm tra ma_truong trong cấu hình."
            )
        _register(connection, ma_truong, name)
        tables = [t for t in sa.inspect(connection).get_table_names() if t != "school"]
        columns = {t: [c["name"] for c in sa.inspect(connection).get_columns(t)] for t in tables}
        # parents first: their references follow them (ON UPDATE CASCADE); the rest after
        for name_ in sorted((t for t in tables if COLUMN in columns[t]), key=lambda t: t not in _PARENTS):
            table = sa.table(name_, sa.column(COLUMN))
            connection.execute(sa.update(table).where(table.c[COLUMN] == UNNAMED).values({COLUMN: ma_truong}))


_PARENTS = ("teacher", "student", "discrepancy")


def _register(connection: sa.Connection, ma_truong: str, name: str) -> None:
    school = sa.table("school", *(sa.column(c) for c in ("ma_truong", "name", "province_code", "commune_code")))
    values = {"ma_truong": ma_truong, "name": name or ma_truong, "province_code": ma_truong[:2]}
    connection.execute(sa.insert(school).values(**values, commune_code=""))


def policy_sql(table: str) -> list[str]:
    """The PostgreSQL statements that put a school table under row-level security, as migration
    0010 does for the tables it knows: for a later migration adding a school table."""
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY school_rows ON {table} USING (ma_truong = current_setting('{SETTING}', true)) "
        f"WITH CHECK (ma_truong = current_setting('{SETTING}', true))",
    ]


def column_default(context: Any) -> str:
    """The ``ma_truong`` of a row inserted without one: the inserting connection's school."""
    return _connection_school(context.root_connection, required=True)  # type: ignore[return-value]


# --- how the school reaches each statement ------------------------------------------------------


def _session_school(session: Session, required: bool) -> str | None:
    bind = session.get_bind()
    option = bind.get_execution_options().get(OPTION)
    if option == OWN_SCHOOL:
        return _connection_school(session.connection(), required)
    if option is None and required:
        raise TenancyError(_UNSCOPED)
    return option


def _connection_school(connection: sa.Connection, required: bool) -> str | None:
    option = connection.get_execution_options().get(OPTION)
    if option == OWN_SCHOOL:
        if not connection.in_transaction():
            connection.begin()  # resolves the school (`_on_begin`); the caller's transaction goes on
        option = connection.info.get(_NOW)
        if isinstance(option, TenancyError):
            raise option
    if option is None and required:
        raise TenancyError(_UNSCOPED)
    return option


_UNSCOPED = (
    "Truy vấn dữ liệu của trường mà không chỉ rõ trường nào (kết nối chưa gắn mã trường): "
    "dùng tenancy.for_school(engine, ma_truong)."
)


@event.listens_for(sa.Engine, "begin")
def _on_begin(connection: sa.Connection) -> None:
    """At each transaction's start: note its school, and on PostgreSQL hand it to the policies."""
    option = connection.get_execution_options().get(OPTION)
    dbapi_connection = connection.connection.dbapi_connection
    school = own_school_code(dbapi_connection) if option == OWN_SCHOOL else option
    connection.info[_NOW] = school
    if connection.dialect.name != "postgresql" or option is None:
        return
    cursor = dbapi_connection.cursor()
    try:
        bypass = connection.info.get(_BYPASS)
        if bypass is None:
            cursor.execute(
                "SELECT r.rolsuper OR r.rolbypassrls, "
                "EXISTS (SELECT FROM pg_policies WHERE policyname = 'school_rows') "
                "FROM pg_roles r WHERE r.rolname = current_user"
            )
            row = cursor.fetchone()
            superuser, policies = bool(row and row[0]), bool(row and row[1])
            bypass = superuser and policies
            if policies or not superuser:  # a superuser on a store not yet migrated asks again next time
                connection.info[_BYPASS] = bypass
        value = school if isinstance(school, str) else ""  # no row has "": nothing is seen
        if bypass:  # a superuser would see every school: act as the application's role instead
            cursor.execute(f"SELECT set_config(%s, %s, true), set_config('role', '{APP_ROLE}', true)", (SETTING, value))
        else:
            cursor.execute("SELECT set_config(%s, %s, true)", (SETTING, value))
    finally:
        cursor.close()


@event.listens_for(Session, "do_orm_execute")
def _scope_orm(state: Any) -> None:
    """Every ORM statement on school data sees the session's school only."""
    if not (state.is_select or state.is_update or state.is_delete):
        return
    top, named = _owned_mappers(state)
    if not (top or named):
        return
    school = _session_school(state.session, required=True)
    if school == INSTALLATION:
        _installation_only(top + named)
    statement = state.statement
    # The statement's own entities by a WHERE (cheaper than loader criteria, and it also covers the
    # refresh of expired attributes, which loader criteria skip); joined or selected-from entities
    # by loader criteria, which go into the join's ON clause.
    for mapper in top:
        statement = statement.where(_is_of(mapper, school))
    if named:
        statement = statement.options(
            *(
                with_loader_criteria(mapper.class_, lambda cls: cls.ma_truong == school, include_aliases=True)
                for mapper in named
            )
        )
    state.statement = statement


def _is_of(mapper: Any, school: str) -> Any:
    """``<mapper's table>.ma_truong = school``, built once per table and school (statements share it)."""
    found = _CRITERIA.get((mapper, school))
    if found is None:
        if len(_CRITERIA) > 10_000:  # a province's hundreds of schools × tables stay well under
            _CRITERIA.clear()
        found = _CRITERIA[(mapper, school)] = mapper.columns[COLUMN] == school
    return found


_CRITERIA: dict[tuple[Any, str], Any] = {}


def _owned_mappers(state: Any) -> tuple[list[Any], list[Any]]:
    """The school tables' mappers a statement reads or writes: its own entities, and the entities
    it names otherwise (``select(func.count()).select_from(Row)``, a join's target). A plain Core
    table is not an entity: the Core statements in ``store/`` carry `school_column` themselves."""
    statement = state.statement
    raw = getattr(statement, "_raw_columns", None)
    if raw is not None and len(raw) == 1 and not statement._from_obj and not statement._setup_joins:
        # one entity or one of its columns, alone (`session.get`, most selects): no need to ask
        # the ORM for every entity of the statement
        mapper = raw[0]._annotations.get("parentmapper")
        if mapper is not None:
            return ([mapper] if _school_data(mapper) else []), []
    top = [mapper for mapper in state.all_mappers if _school_data(mapper)]
    named = []
    for element in (
        *getattr(statement, "_from_obj", ()),
        *(join[0] for join in getattr(statement, "_setup_joins", ())),
    ):
        mapper = getattr(element, "_annotations", {}).get("parentmapper")
        if mapper is not None and _school_data(mapper) and mapper not in top and mapper not in named:
            named.append(mapper)
    return top, named


def _school_data(mapper: Any) -> bool:
    """Whether a mapped class's rows belong to one school (it has ``ma_truong``; not the registry,
    not the accounts)."""
    return COLUMN in mapper.columns and mapper.local_table.name != REGISTRY and mapper.local_table.name not in ACCOUNTS


def _installation_only(mappers: Any) -> None:
    """The installation scope reads and writes its audit chain only, never a school's data."""
    names = sorted({mapper.local_table.name for mapper in mappers} - INSTALLATION_TABLES)
    if names:
        raise TenancyError(
            f"Không đọc hay ghi dữ liệu của trường ({', '.join(names)}) trong phạm vi cả hệ thống: phải chỉ rõ trường."
        )


@event.listens_for(Session, "before_flush")
def _stamp_new(session: Session, _context: Any, _instances: Any) -> None:
    """New rows get the session's school; a row of another school is never written here."""
    school: str | None = None
    for obj in session.new:
        table = getattr(type(obj), "__table__", None)
        if COLUMN not in getattr(table, "c", ()) or table.name == REGISTRY or table.name in ACCOUNTS:
            continue
        if school is None:
            school = require_school(session)
        if school == INSTALLATION and table.name not in INSTALLATION_TABLES:
            _installation_only([sa.inspect(type(obj))])
        given = getattr(obj, COLUMN, None)
        if given is None:
            setattr(obj, COLUMN, school)
        elif given != school:
            raise TenancyError(f"Không ghi được dữ liệu của trường {given} khi đang làm việc với trường {school}.")
    # the persistent objects changed since the last flush (the identity map's modified states:
    # `session.dirty` would look at every loaded object at every flush); a session sees one
    # school's rows, so a row's school may only stay what it was
    modified = getattr(session.identity_map, "_modified", None)
    states = modified if modified is not None else [sa.inspect(obj) for obj in session.dirty]
    for state in states:
        if state.mapper.local_table.name in ACCOUNTS:
            continue  # an account's home school is the accounts' business (`store.accounts`)
        before = state.committed_state.get(COLUMN, _NOTHING)
        if before is not _NOTHING and before is not NO_VALUE and before != state.dict.get(COLUMN):
            raise TenancyError("Không chuyển được dữ liệu sang trường khác.")


_NOTHING = object()


def merge(session: Session, obj: Any) -> Any:
    """``session.merge`` of a row built without its school (`store.records`): it gets the session's
    school first, so that the merge finds this school's row, never another's."""
    if getattr(obj, COLUMN, None) is None:
        setattr(obj, COLUMN, require_school(session))
    return session.merge(obj)


def get(session: Session, cls: Any, key: Any) -> Any:
    """``session.get`` by the key a school knows a row by (its primary key without ``ma_truong``)."""
    names = [column.name for column in sa.inspect(cls).primary_key]
    if COLUMN in names:
        values = list(key) if isinstance(key, tuple) else [key]
        values.insert(names.index(COLUMN), require_school(session))
        key = tuple(values)
    return session.get(cls, key)
