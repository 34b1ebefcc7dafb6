"""sync triggers again on household and operator (SQLite)

Revision ID: 0007
Revises: 0006

On SQLite, 0004 and 0005 added columns through a batch operation, which rebuilds the table
and drops its triggers; without `household_sync_changed` and `operator_sync_changed` a
change written outside the register's services (a reissued card) kept its server_seq and
never reached the kiosks. Recreated here as 0002 made them; PostgreSQL kept its triggers.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("household", "operator")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER IF NOT EXISTS {table}_sync_changed AFTER UPDATE ON {table} "
            "FOR EACH ROW WHEN NEW.server_seq IS OLD.server_seq AND NEW.server_seq IS NOT NULL "
            f"BEGIN UPDATE {table} SET server_seq = NULL WHERE id = NEW.id; END"
        )


def downgrade() -> None:
    pass  # the triggers belong to 0002; 0004 and 0005 only lost them by accident
