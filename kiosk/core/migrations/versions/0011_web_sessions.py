"""web sessions: phone sign-in slips, bound phones, and the web's action log

Revision ID: 0011
Revises: 0010

Central only (`phoneslip`, `phonesession`, `webaction`): nothing here travels to kiosks.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "phoneslip",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("household_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("issued_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("issued_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("phone_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("phoneslip", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phoneslip_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_phoneslip_token_hash"), ["token_hash"], unique=True)
    op.create_table(
        "phonesession",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("household_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("revoked_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("phonesession", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_phonesession_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_phonesession_token_hash"), ["token_hash"], unique=True)
    op.create_table(
        "webaction",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("webaction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webaction_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_webaction_subject"), ["subject"], unique=False)
        batch_op.create_index(batch_op.f("ix_webaction_address"), ["address"], unique=False)
        batch_op.create_index(batch_op.f("ix_webaction_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("webaction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webaction_at"))
        batch_op.drop_index(batch_op.f("ix_webaction_address"))
        batch_op.drop_index(batch_op.f("ix_webaction_subject"))
        batch_op.drop_index(batch_op.f("ix_webaction_actor"))
    op.drop_table("webaction")
    with op.batch_alter_table("phonesession", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phonesession_token_hash"))
        batch_op.drop_index(batch_op.f("ix_phonesession_household_id"))
    op.drop_table("phonesession")
    with op.batch_alter_table("phoneslip", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phoneslip_token_hash"))
        batch_op.drop_index(batch_op.f("ix_phoneslip_household_id"))
    op.drop_table("phoneslip")
