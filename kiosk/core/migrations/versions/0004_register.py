"""register: households that opt out or leave, and the central's register change log

Revision ID: 0004
Revises: 0003

A household that leaves keeps its row (its ledger points at it) with `left_at` set; a
resident who declines to take part gets `opted_out`. Every change of the register is a row
of `registerchange` with who made it and when.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("opted_out", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("left_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("left_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
    op.create_table(
        "registerchange",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("operator_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("registerchange", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registerchange_subject"), ["subject"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_registerchange_changed_at"), ["changed_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("registerchange", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registerchange_changed_at"))
        batch_op.drop_index(batch_op.f("ix_registerchange_subject"))
    op.drop_table("registerchange")
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.drop_column("left_reason")
        batch_op.drop_column("left_at")
        batch_op.drop_column("opted_out")
