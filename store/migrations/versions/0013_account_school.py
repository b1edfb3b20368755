"""account school: a school's staff account names its home school

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 10:00:00

``user_account.ma_truong`` (nullable): the school whose staff the account is. On a store of one
school every existing account but a Sở officer's gets that school (nothing changes for it); on a
new store with no school registered yet they get the unnamed school's code (``-``), which
`store.tenancy.claim` turns into the school's with the rest of its rows; on a store of several
schools they stay without one, for IT to give (`lienthong users add … --school`). The table keeps no
row-level security policy: accounts are the installation's, read under any scope.
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: Union[str, None] = "0012"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

UNNAMED = "-"  # store.tenancy.UNNAMED, as of this revision


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("ma_truong", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True))
        batch.create_index("ix_user_account_ma_truong", ["ma_truong"], unique=False)
    bind = op.get_bind()
    schools = list(bind.exec_driver_sql("SELECT ma_truong FROM school ORDER BY ma_truong LIMIT 2").scalars())
    if len(schools) > 1:
        return
    home = schools[0] if schools else UNNAMED
    account = sa.table("user_account", sa.column("ma_truong"), sa.column("role"))
    bind.execute(sa.update(account).where(account.c.role != "so_gddt").values(ma_truong=home))


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_index("ix_user_account_ma_truong")
        batch.drop_column("ma_truong")
