"""operator pins: one-time PINs issued by the office, replaced at the first sign-in on a kiosk;
sign-in attempts recorded for the lockout

Revision ID: 0005
Revises: 0004

`operatorpin` and `signinattempt` are local to each database and never travel.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("operator", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pin_one_time", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("pin_issued_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    op.create_table(
        "operatorpin",
        sa.Column("operator_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("pin_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("replaces_issued_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("operator_id"),
    )
    op.create_table(
        "signinattempt",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("operator_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("signinattempt", schema=None) as batch_op:
        batch_op.create_index("ix_signinattempt_operator_at", ["operator_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("signinattempt", schema=None) as batch_op:
        batch_op.drop_index("ix_signinattempt_operator_at")
    op.drop_table("signinattempt")
    op.drop_table("operatorpin")
    with op.batch_alter_table("operator", schema=None) as batch_op:
        batch_op.drop_column("pin_issued_at")
        batch_op.drop_column("pin_one_time")
