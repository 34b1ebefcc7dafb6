"""the office console: its sessions' kind and inactivity, and the audit record of its changes

Revision ID: 0014
Revises: 0013

Central only. An `adminsession` is a phone's (the review pages) or the console's; a console
session also ends after inactivity, measured from `last_seen_at`. `consoleevent` records every
change made through the console with who, when, what, before and after.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "adminsession",
        sa.Column(
            "kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="phone"
        ),
    )
    op.add_column(
        "adminsession",
        sa.Column("last_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.create_table(
        "consoleevent",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("operator_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("village_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["operator_id"], ["operator.id"]),
        sa.ForeignKeyConstraint(["village_id"], ["village.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consoleevent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consoleevent_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_consoleevent_operator_id"), ["operator_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_consoleevent_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_consoleevent_village_id"), ["village_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("consoleevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consoleevent_village_id"))
        batch_op.drop_index(batch_op.f("ix_consoleevent_action"))
        batch_op.drop_index(batch_op.f("ix_consoleevent_operator_id"))
        batch_op.drop_index(batch_op.f("ix_consoleevent_at"))
    op.drop_table("consoleevent")
    with op.batch_alter_table("adminsession") as batch:
        batch.drop_column("last_seen_at")
        batch.drop_column("kind")
