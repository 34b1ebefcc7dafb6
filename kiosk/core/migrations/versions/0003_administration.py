"""administration tables (declarations, disputes and their decisions)

Revision ID: 0003
Revises: 0002

Insert-only like every record: a decision is a row of its own, one at most per declaration
or dispute (unique key), never an update of the filed row.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "declaration",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("household_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("helper_household_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("rule_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("origin_seq", sa.Integer(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["helper_household_id"], ["household.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("origin", "origin_seq", name="uq_declaration_origin_seq"),
    )
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_declaration_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_declaration_server_seq"), ["server_seq"], unique=False)

    op.create_table(
        "declarationdecision",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("declaration_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("entry_ids", sa.JSON(), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("origin_seq", sa.Integer(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('approved', 'rejected')", name="ck_declarationdecision_outcome"
        ),
        sa.ForeignKeyConstraint(["declaration_id"], ["declaration.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("declaration_id"),
        sa.UniqueConstraint("origin", "origin_seq", name="uq_declarationdecision_origin_seq"),
    )
    with op.batch_alter_table("declarationdecision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_declarationdecision_server_seq"), ["server_seq"], unique=False
        )

    op.create_table(
        "dispute",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("entry_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("household_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("raised_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("origin_seq", sa.Integer(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["entry_id"], ["ledgerentry.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("origin", "origin_seq", name="uq_dispute_origin_seq"),
    )
    with op.batch_alter_table("dispute", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispute_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispute_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispute_server_seq"), ["server_seq"], unique=False)

    op.create_table(
        "disputeresolution",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("dispute_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("correction_entry_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("origin_seq", sa.Integer(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(outcome = 'upheld' AND correction_entry_id IS NULL)"
            " OR (outcome = 'corrected' AND correction_entry_id IS NOT NULL)",
            name="ck_disputeresolution_outcome",
        ),
        sa.ForeignKeyConstraint(["correction_entry_id"], ["ledgerentry.id"]),
        sa.ForeignKeyConstraint(["dispute_id"], ["dispute.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dispute_id"),
        sa.UniqueConstraint("origin", "origin_seq", name="uq_disputeresolution_origin_seq"),
    )
    with op.batch_alter_table("disputeresolution", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disputeresolution_server_seq"), ["server_seq"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("disputeresolution", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disputeresolution_server_seq"))
    op.drop_table("disputeresolution")
    with op.batch_alter_table("dispute", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispute_server_seq"))
        batch_op.drop_index(batch_op.f("ix_dispute_household_id"))
        batch_op.drop_index(batch_op.f("ix_dispute_entry_id"))
    op.drop_table("dispute")
    with op.batch_alter_table("declarationdecision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declarationdecision_server_seq"))
    op.drop_table("declarationdecision")
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declaration_server_seq"))
        batch_op.drop_index(batch_op.f("ix_declaration_household_id"))
    op.drop_table("declaration")
