"""receipt numbers without gaps: each origin's orders numbered by a counter of their own

Revision ID: 0009
Revises: 0008

Orders were numbered by the origin's `origin_seq`, which awards and hand-overs take from
too, so receipt numbers skipped. `redemptionorder.receipt_seq` is the order's number in its
origin's own receipt counter (`kiosk.core.redemption.next_receipt_seq`). Orders already
recorded keep the numbers printed on their receipts: their `receipt_seq` stays NULL (numbered
by `origin_seq`), and the counter continues after the highest of them.

A column and an index added in place, no batch: rebuilding `redemptionorder` on SQLite
would drop a table its lines refer to, which the foreign keys refuse once it holds orders.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("redemptionorder", sa.Column("receipt_seq", sa.Integer(), nullable=True))
    op.create_index(
        "uq_order_receipt_seq", "redemptionorder", ["origin", "receipt_seq"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_order_receipt_seq", table_name="redemptionorder")
    op.drop_column("redemptionorder", "receipt_seq")  # SQLite 3.35+ drops a column in place
