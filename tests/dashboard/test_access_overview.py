"""What `store.access` adds for the principal's page: who may see it, discrepancies by class and
age, and the store's version that keeps the loaded records until something they depend on changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from lienthong.store import access
from lienthong.store.tables import DiscrepancyRow, SourceSnapshotRow
from tests.dashboard.conftest import BIO, NOW, OTHER, make_site


def test_the_overview_is_the_boards_and_department_heads_and_operations_it_and_the_principals(sqlite_engine):
    people = make_site(sqlite_engine).people
    assert {r for r, a in people.items() if access.scope_of(a).overview} == {"principal", "board", "department_head"}
    assert {r for r, a in people.items() if access.scope_of(a).operations} == {"principal", "it"}
    with pytest.raises(access.Forbidden, match="trang tổng quan"):
        access.require_overview(people["gvcn"])
    with pytest.raises(access.Forbidden, match="trang vận hành"):
        access.require_operations(people["board"])


def test_discrepancies_by_class_and_age_within_the_scope(sqlite_engine):
    site = make_site(sqlite_engine)
    with Session(sqlite_engine) as session:
        session.get(DiscrepancyRow, OTHER).first_seen = NOW - timedelta(days=45)
        session.get(DiscrepancyRow, BIO).first_seen = NOW - timedelta(days=10)
        session.commit()
        principal = access.counts_by_class_and_age(session, site.people["principal"], NOW)
        assert principal == {
            "6A1": {"moi": 2, "1-4-tuan": 1, "tren-30-ngay": 0},
            "6A2": {"moi": 0, "1-4-tuan": 0, "tren-30-ngay": 1},
        }
        gvcn = access.counts_by_class_and_age(session, site.people["gvcn"], NOW)
        assert list(gvcn) == ["6A1"]
        old = access.discrepancies(session, site.people["principal"], age="tren-30-ngay", now=NOW)
        assert [row.id for row in old] == [OTHER]
        assert access.age_of(session.get(DiscrepancyRow, BIO), NOW) == "1-4-tuan"


def test_the_store_version_moves_with_a_pull_and_an_account_not_with_reading(sqlite_engine):
    site = make_site(sqlite_engine)
    with Session(sqlite_engine) as session:
        before = access.store_version(session)
        access.discrepancies(session, site.people["principal"])
        assert access.store_version(session) == before
        session.add(
            SourceSnapshotRow(
                source="vnedu", entity="hoc_sinh", key="1", version=1, content_hash="h", payload={}, seen_at=NOW
            )
        )
        session.commit()
        pulled = access.store_version(session)
        assert pulled != before
    from lienthong.store import accounts

    with Session(sqlite_engine) as session:
        accounts.add_user(
            session,
            "gv.moi",
            "Giáo viên Mới",
            "teacher",
            "mat-khau-dai-1",
            NOW,
            {"class": ["6A1"]},
            by=site.people["it"],
        )
        session.commit()
        assert access.store_version(session) != pulled
