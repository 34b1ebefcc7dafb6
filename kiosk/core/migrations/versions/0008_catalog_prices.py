"""catalog prices: a catalogue item's new price from a day on

Revision ID: 0008
Revises: 0007

Set at the central (`kiosk catalog price`), pulled by every kiosk like the catalogue; rows
are never changed, so no trigger resets their server_seq.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalogprice",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("item_no", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("set_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("set_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["item_no"], ["catalogitem.no"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("catalogprice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalogprice_item_no"), ["item_no"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_catalogprice_server_seq"), ["server_seq"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("catalogprice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalogprice_server_seq"))
        batch_op.drop_index(batch_op.f("ix_catalogprice_item_no"))
    op.drop_table("catalogprice")
