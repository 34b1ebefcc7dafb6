"""sync tables (central store: kiosks, credentials, alerts)

Revision ID: 0002
Revises: 0001

Also adds triggers on the reference tables: any update that does not itself set
`server_seq` clears it, so the central's stamping pass gives the row a new server_seq and
the change (a reissued card, a renamed item) flows down to the kiosks on their next pull,
whoever wrote it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFERENCE_TABLES = ("village", "exchangepoint", "household", "operator", "catalogitem", "rulesetrecord")
KEYS = {"catalogitem": "no"}


def upgrade() -> None:
    op.create_table(
        "synckiosk",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("village_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("exchange_point_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("secret_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("bundle_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("acked_seq", sa.Integer(), nullable=False),
        sa.Column("reported_seq", sa.Integer(), nullable=False),
        sa.Column("last_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_sync_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("clock_skew_s", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["exchange_point_id"], ["exchangepoint.id"]),
        sa.ForeignKeyConstraint(["village_id"], ["village.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("synckiosk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_synckiosk_village_id"), ["village_id"], unique=False)

    op.create_table(
        "syncalert",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("household_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("points_year", sa.Integer(), nullable=True),
        sa.Column("balance", sa.Integer(), nullable=True),
        sa.Column("kiosk_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "subject", name="uq_syncalert_subject"),
    )
    with op.batch_alter_table("syncalert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_syncalert_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_syncalert_kind"), ["kind"], unique=False)

    op.create_table(
        "serverseq",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.execute("INSERT INTO serverseq (name, value) VALUES ('server_seq', 0)")

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION sync_mark_changed() RETURNS trigger AS $$
            BEGIN
                IF NEW.server_seq IS NOT DISTINCT FROM OLD.server_seq THEN
                    NEW.server_seq := NULL;
                END IF;
                RETURN NEW;
            END
            $$ LANGUAGE plpgsql
            """
        )
        for table in REFERENCE_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_sync_changed BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION sync_mark_changed()"
            )
    else:
        for table in REFERENCE_TABLES:
            key = KEYS.get(table, "id")
            op.execute(
                f"CREATE TRIGGER {table}_sync_changed AFTER UPDATE ON {table} FOR EACH ROW "
                "WHEN NEW.server_seq IS OLD.server_seq AND NEW.server_seq IS NOT NULL "
                f"BEGIN UPDATE {table} SET server_seq = NULL WHERE {key} = NEW.{key}; END"
            )


def downgrade() -> None:
    for table in REFERENCE_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_sync_changed" + (
            f" ON {table}" if op.get_bind().dialect.name == "postgresql" else ""
        ))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS sync_mark_changed()")
    op.drop_table("serverseq")
    with op.batch_alter_table("syncalert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_syncalert_kind"))
        batch_op.drop_index(batch_op.f("ix_syncalert_household_id"))
    op.drop_table("syncalert")
    with op.batch_alter_table("synckiosk", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_synckiosk_village_id"))
    op.drop_table("synckiosk")
