"""administration tables (declarations, disputes)

Revision ID: 0003
Revises: 0002
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
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("entry_ids", sa.JSON(), nullable=False),
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
        batch_op.create_index("ix_declaration_status", ["status", "household_id"], unique=False)

    op.create_table(
        "dispute",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("entry_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("household_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("raised_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("decision_note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("correction_entry_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
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


def downgrade() -> None:
    with op.batch_alter_table("dispute", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispute_server_seq"))
        batch_op.drop_index(batch_op.f("ix_dispute_household_id"))
        batch_op.drop_index(batch_op.f("ix_dispute_entry_id"))
    op.drop_table("dispute")
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.drop_index("ix_declaration_status")
        batch_op.drop_index(batch_op.f("ix_declaration_server_seq"))
        batch_op.drop_index(batch_op.f("ix_declaration_household_id"))
    op.drop_table("declaration")
