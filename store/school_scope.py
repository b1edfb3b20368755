"""Which school a connection acts for, in what needs no SQLAlchemy: the names and codes of the
scoping (`store.tenancy` holds the rules and explains them) and how a store's only school is read
from its registry on the driver's own cursor, shared by the engine's transactions
(`tenancy._on_begin`) and the plain connections of `store.plain`."""

from __future__ import annotations

from typing import Any

OPTION = "lienthong_school"  # the execution option naming an engine's school
OWN_SCHOOL = "*"  # `OPTION`'s value for "the store's only school" (no real code is "*")
SETTING = "lienthong.school"  # the PostgreSQL setting the row-level security policies read
APP_ROLE = "lienthong_app"  # the role without BYPASSRLS that migration 0010 creates
COLUMN = "ma_truong"
REGISTRY = "school"  # the installation's list of schools: keyed by ``ma_truong``, owned by no school
# Tables whose ``ma_truong`` says whom a row concerns, not whose it is: never scoped (accounts).
ACCOUNTS = frozenset({"user_account"})
# The installation's own scope: its audit chain. Not a school code (those are 8 digits), and within
# the column's 8 characters.
INSTALLATION = "@install"
INSTALLATION_TABLES = frozenset({"audit_log"})  # the only school tables the installation scope reaches
# The code of a new store's school until one is registered. Not "": PostgreSQL reads a setting that
# a transaction set locally as "" once it ends, and an unscoped connection must match no row.
UNNAMED = "-"
_NOW = "lienthong.tenancy.school"  # key in Connection.info: the school of the open transaction
_BYPASS = "lienthong.tenancy.bypass"  # key in Connection.info: the login role bypasses RLS


class TenancyError(RuntimeError):
    """School data asked for without a school, or across schools (said in Vietnamese)."""


def own_school_code(dbapi_connection: Any) -> str | TenancyError:
    """The store's only school, read from the registry on the driver's own cursor (this runs while
    a transaction begins, before SQLAlchemy may execute anything on the connection)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT ma_truong FROM school ORDER BY ma_truong LIMIT 2")
        found = [row[0] for row in cursor.fetchall()]
    except Exception:  # noqa: BLE001 - a store not migrated yet has no registry: the unnamed school
        found = []
        if getattr(dbapi_connection, "rollback", None) and is_postgresql(dbapi_connection):
            dbapi_connection.rollback()
    finally:
        cursor.close()
    if len(found) > 1:
        return TenancyError(
            "Cơ sở dữ liệu này chứa dữ liệu của nhiều trường: phải chỉ rõ trường (ma_truong trong cấu hình)."
        )
    return found[0] if found else UNNAMED


def is_postgresql(dbapi_connection: Any) -> bool:
    return type(dbapi_connection).__module__.startswith("psycopg")
