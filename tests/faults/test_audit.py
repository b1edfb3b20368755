"""The audit log altered behind lienthong's back: `lienthong audit verify` says so (exit 1), in
Vietnamese, without repeating what the entries hold, and changes nothing."""

from __future__ import annotations

import sqlite3

from lienthong.cli import exits
from tests.faults.conftest import CHECKPOINTS, database_fingerprint


def alter(case, statement: str) -> str:
    with sqlite3.connect(case.database) as connection:
        assert connection.execute(statement).rowcount == 1
    return database_fingerprint(case.database)


def test_an_entry_edited_in_place_is_found(case):
    before = alter(case, 'UPDATE audit_log SET detail = \'{"role": "principal"}\' WHERE id = 1')
    done = case.run("audit", "verify")
    case.assert_error(done, exits.DIFFERENCES, says=("#1",), before=before)


def test_the_last_entry_deleted_is_found_by_the_anchor(case):
    assert (case.database.with_name(CHECKPOINTS)).exists(), "the template wrote no audit checkpoint"
    untouched = case.run("audit", "verify")
    case.assert_done(untouched, exits.OK)
    before = alter(case, "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
    done = case.run("audit", "verify")
    case.assert_error(done, exits.DIFFERENCES, before=before)
