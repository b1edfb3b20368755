"""``lienthong users …``, ``--as`` and ``audit verify`` on a store of two schools with no ``ma_truong``
configured (how a Sở runs its installation): the first IT account belongs to no school, school staff
need ``--school``, account events go to the installation's audit chain, ``audit verify`` checks it
with every school's chain and finds it tampered with; a GVCN signed in with ``--as`` works in her own
school and cannot touch the other's."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from lienthong.store import schools as registry
from lienthong.store import tenancy
from lienthong.store.db import make_engine, migrate
from lienthong.store.tables import AuditLogRow, DiscrepancyRow, SchoolRow
from tests.cli.test_assess_cli import configured_cli
from tests.dashboard.conftest import score

A, B = "79000701", "79000702"
IT_PASSWORD, HT_PASSWORD, GV_PASSWORD = "mat-khau-quan-tri", "mat-khau-hieu-truong", "mat-khau-giao-vien"


def _province(url: str) -> sa.Engine:
    migrate(url)
    engine = make_engine(url)
    with Session(tenancy.unscoped(engine)) as session:
        for code in (A, B):
            registry.save_school(
                session, SchoolRow(ma_truong=code, name=f"THCS {code}", province_code="79", commune_code="")
            )
        session.commit()
    for code, id_, name in ((A, "a0", "Lê Văn Ánh"), (B, "b0", "Đặng Thu Trang")):
        with Session(tenancy.for_school(engine, code)) as session:
            session.add(score(id_, "6A1", "1800000001", name, "tx0", "8,5", "7,25"))
            session.commit()
    return engine


def test_accounts_and_audit_on_a_province_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'so.db'}"
    engine = _province(url)
    config = tmp_path / "lienthong.toml"
    config.write_text(f'database_url = "{url}"\nschool_year = "2026-2027"\n', encoding="utf-8")  # no ma_truong
    run = configured_cli(tmp_path, config)

    made = run("users", "add", "it.tinh", "--name", "Lê Văn An", "--role", "it", stdin=IT_PASSWORD + "\n")
    assert made.returncode == 0, made.stderr + made.stdout
    as_it = ("--as", "it.tinh", "users", "add")
    gvcn = ("--name", "Nguyễn Thị Lan", "--role", "gvcn", "--class", "6A1")
    refused = run(*as_it, "gv.a", *gvcn, stdin=f"{IT_PASSWORD}\n{GV_PASSWORD}\n")
    assert refused.returncode == 4 and "--school" in refused.stdout, refused.stdout + refused.stderr
    unknown = run(*as_it, "gv.a", *gvcn, "--school", "79000799", stdin=f"{IT_PASSWORD}\n{GV_PASSWORD}\n")
    assert unknown.returncode == 4 and "Không có trường 79000799" in unknown.stdout
    for login, code in (("gv.a", A), ("gv.b", B)):
        done = run(*as_it, login, *gvcn, "--school", code, stdin=f"{IT_PASSWORD}\n{GV_PASSWORD}\n")
        assert done.returncode == 0 and f"(trường {code})" in done.stdout, done.stdout + done.stderr
    principal = ("ht.a", "--name", "Trần Văn Minh", "--role", "principal", "--school", A)
    assert run(*as_it, *principal, stdin=f"{IT_PASSWORD}\n{HT_PASSWORD}\n").returncode == 0
    assert run("--as", "it.tinh", "users", "disable", "ht.a", stdin=f"{IT_PASSWORD}\n").returncode == 0

    with Session(tenancy.installation(engine)) as session:
        actions = [row.action for row in session.exec(select(AuditLogRow).order_by(AuditLogRow.id))]
    assert actions == ["account_added"] * 4 + ["account_disabled"]
    verified = run("audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Nhật ký của cả hệ thống (tài khoản): 5 mục, nguyên vẹn." in verified.stdout
    assert f"Nhật ký của trường {A}: 0 mục, nguyên vẹn." in verified.stdout
    assert f"Nhật ký của trường {B}: 0 mục, nguyên vẹn." in verified.stdout

    # --as works in the account's school: B's GVCN proposes on B's discrepancy; A's cannot reach it
    propose = ("resolve", "propose", "b0", "--value", "8,5", "--reason", "đối chiếu bài kiểm tra gốc")
    other = run("--as", "gv.a", *propose, stdin=f"{GV_PASSWORD}\n")
    assert other.returncode in (2, 4) and "Đặng Thu Trang" not in other.stdout + other.stderr, other.stdout
    mine = run("--as", "gv.b", *propose, stdin=f"{GV_PASSWORD}\n")
    assert mine.returncode == 0, mine.stdout + mine.stderr
    with Session(tenancy.for_school(engine, B)) as session:
        assert tenancy.get(session, DiscrepancyRow, "b0").status == "proposed"
    with Session(tenancy.for_school(engine, A)) as session:
        assert tenancy.get(session, DiscrepancyRow, "a0").status == "open"

    # tampering with the installation's chain: an edited entry, then its last entry deleted
    with tenancy.unscoped(engine).begin() as connection:
        connection.exec_driver_sql(
            "UPDATE audit_log SET actor = 'user:9:ai.do' WHERE ma_truong = ? AND id = 2", (tenancy.INSTALLATION,)
        )
    edited = run("audit", "verify")
    assert edited.returncode == 1
    assert "Nhật ký của cả hệ thống (tài khoản): Mục #2: nội dung đã bị sửa sau khi ghi" in edited.stdout
    with tenancy.unscoped(engine).begin() as connection:
        connection.exec_driver_sql(
            "UPDATE audit_log SET actor = ? WHERE ma_truong = ? AND id = 2",
            (_original_actor(engine), tenancy.INSTALLATION),
        )
        connection.exec_driver_sql("DELETE FROM audit_log WHERE ma_truong = ? AND id = 5", (tenancy.INSTALLATION,))
    cut = run("audit", "verify")
    assert cut.returncode == 1 and "Mục #5: đã bị xoá khỏi cuối nhật ký" in cut.stdout, cut.stdout
    engine.dispose()


def _original_actor(engine: sa.Engine) -> str:
    """Who added the accounts: the installation's IT (entry #1 names the same actor)."""
    with tenancy.unscoped(engine).connect() as connection:
        return connection.exec_driver_sql(
            "SELECT actor FROM audit_log WHERE ma_truong = ? AND id = 3", (tenancy.INSTALLATION,)
        ).scalar_one()
