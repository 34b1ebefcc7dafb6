"""four eyes: who filed a declaration and who recorded a dispute

Revision ID: 0010
Revises: 0009

`declaration.filed_by` and `dispute.recorded_by` name the administrator who took the request
down, who may then not decide it (kiosk.core.declarations, kiosk.core.disputes). Rows of
before stay NULL: nobody is barred from deciding them. Added in place (no batch): both
tables are referred to by their decisions.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "declaration",
        sa.Column("filed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    )
    op.add_column(
        "dispute",
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("dispute", "recorded_by")
    op.drop_column("declaration", "filed_by")
