"""phone declarations: stored photos, neighbours' declarations awaiting confirmation, admins

Revision ID: 0012
Revises: 0011

Central only (`evidencephoto`, `helprequest`, `adminsession`): a mutual-help declaration filed
from a phone waits here for the helped household's confirmation and becomes an ordinary
`declaration` (which travels) only once confirmed, so kiosks never see an unconfirmed one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidencephoto",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("dhash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("household_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("stored_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("evidencephoto", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidencephoto_household_id"), ["household_id"], unique=False
        )
    op.create_table(
        "helprequest",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("household_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("helper_household_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rule_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("filed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("declaration_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.ForeignKeyConstraint(["helper_household_id"], ["household.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("helprequest", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_helprequest_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_helprequest_helper_household_id"), ["helper_household_id"], unique=False
        )
    op.create_table(
        "adminsession",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("operator_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["operator_id"], ["operator.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("adminsession", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_adminsession_operator_id"), ["operator_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_adminsession_token_hash"), ["token_hash"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("adminsession", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adminsession_token_hash"))
        batch_op.drop_index(batch_op.f("ix_adminsession_operator_id"))
    op.drop_table("adminsession")
    with op.batch_alter_table("helprequest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_helprequest_helper_household_id"))
        batch_op.drop_index(batch_op.f("ix_helprequest_household_id"))
    op.drop_table("helprequest")
    with op.batch_alter_table("evidencephoto", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidencephoto_household_id"))
    op.drop_table("evidencephoto")
