"""Migration 0013 gives existing accounts their school: on a store of one school every account but a
Sở officer's gets it; a new store's accounts get the unnamed school's code, which registering the
school turns into its own; on a store of several schools they stay without one. On SQLite and on
PostgreSQL; downgrading drops the column again."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from lienthong.store import tenancy
from lienthong.store.db import make_engine, migrate

AT = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)
ROLES = {"it.an": "it", "ht.minh": "principal", "gv.lan": "gvcn", "so.hai": "so_gddt"}


def _old_store(url: str, schools: list[str]) -> sa.Engine:
    """A store at revision 0012 with ``schools`` registered and one account per role."""
    migrate(url, "0012")
    engine = make_engine(url)
    with tenancy.unscoped(engine).begin() as connection:
        for code in schools:
            connection.exec_driver_sql(
                "INSERT INTO school (ma_truong, name, province_code, commune_code, platforms, active, added_at) "
                "VALUES (%s, %s, '79', '', '{}', %s, %s)"
                if connection.dialect.name == "postgresql"
                else "INSERT INTO school (ma_truong, name, province_code, commune_code, platforms, active, added_at) "
                "VALUES (?, ?, '79', '', '{}', ?, ?)",
                (code, f"THCS {code}", True, AT),
            )
        account = sa.table(
            "user_account",
            *(
                sa.column(c)
                for c in (
                    "login",
                    "full_name",
                    "role",
                    "password_hash",
                    "disabled",
                    "created_at",
                    "password_changed_at",
                )
            ),
        )
        for login, role in ROLES.items():
            connection.execute(
                sa.insert(account).values(
                    login=login,
                    full_name=login,
                    role=role,
                    password_hash="x",
                    disabled=False,
                    created_at=AT,
                    password_changed_at=AT,
                )
            )
    return engine


def _homes(engine: sa.Engine) -> dict[str, str | None]:
    with tenancy.unscoped(engine).connect() as connection:
        return dict(connection.exec_driver_sql("SELECT login, ma_truong FROM user_account").all())


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_one_schools_accounts_get_that_school_and_a_so_officer_none(database_url):
    engine = _old_store(database_url, ["79000701"])
    migrate(database_url)
    assert _homes(engine) == {"it.an": "79000701", "ht.minh": "79000701", "gv.lan": "79000701", "so.hai": None}
    from alembic import command

    from lienthong.store.db import alembic_config

    command.downgrade(alembic_config(database_url), "0012")
    with tenancy.unscoped(engine).connect() as connection:
        assert "ma_truong" not in {c["name"] for c in sa.inspect(connection).get_columns("user_account")}
    engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_a_new_stores_accounts_follow_the_school_when_it_is_registered(database_url):
    engine = _old_store(database_url, [])
    migrate(database_url)
    assert _homes(engine)["ht.minh"] == tenancy.UNNAMED
    tenancy.claim(engine, "79000709", "THCS Bình An")
    assert _homes(engine) == {"it.an": "79000709", "ht.minh": "79000709", "gv.lan": "79000709", "so.hai": None}
    engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_on_a_store_of_several_schools_accounts_stay_without_one(database_url):
    engine = _old_store(database_url, ["79000701", "79000702"])
    migrate(database_url)
    assert set(_homes(engine).values()) == {None}
    engine.dispose()
