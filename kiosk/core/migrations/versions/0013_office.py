"""the office: alert acknowledgements, and the time indexes its overview reads by

Revision ID: 0013
Revises: 0012

A `syncalert` stays on record for ever; an acknowledged one (who, when, what was done) is no
longer open, and the office's overview counts open ones. Alerts never travel to kiosks.
`ledgerentry.created_at` and `orderline.due_at` are indexed so a quarter's entries and lines
are a range, not a scan of every year's (kiosk.core.overview).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
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
    op.create_index("ix_ledgerentry_created_at", "ledgerentry", ["created_at"])
    op.create_index("ix_orderline_due_at", "orderline", ["due_at"])


def downgrade() -> None:
    op.drop_index("ix_orderline_due_at", table_name="orderline")
    op.drop_index("ix_ledgerentry_created_at", table_name="ledgerentry")
    with op.batch_alter_table("syncalert") as batch:
        batch.drop_column("acknowledgement")
        batch.drop_column("acknowledged_at")
        batch.drop_column("acknowledged_by")
