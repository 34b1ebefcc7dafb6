"""alert acknowledgements: who looked at a central alert, when, and what was done

Revision ID: 0012
Revises: 0011

A `syncalert` stays on record for ever; an acknowledged one is no longer open (the office's
overview counts open ones). Central only: alerts never travel to kiosks.
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
    op.add_column(
        "syncalert",
        sa.Column("acknowledged_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    )
    op.add_column(
        "syncalert",
        sa.Column("acknowledged_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.add_column(
        "syncalert",
        sa.Column("acknowledgement", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("syncalert") as batch:
        batch.drop_column("acknowledgement")
        batch.drop_column("acknowledged_at")
        batch.drop_column("acknowledged_by")
