"""Alembic environment: migrations run on the engine the application opened."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import kiosk.core.central_models
import kiosk.core.rollup_models  # noqa: F401  (the overview's trigger-kept figures)
from kiosk.core import models  # noqa: F401  (registers the tables)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        # Only the `alembic` command line (writing a new revision) gets here; the application
        # always hands over the engine it opened, with its SQLite settings, from kiosk.core.db.
        # A plain engine keeps migrations from importing db, which imports them.
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
