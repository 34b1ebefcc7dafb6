"""Fixtures of the stress tests: the sync tests' throw-away PostgreSQL server and seeded
central templates, shared rather than copied (one of each per session)."""

from __future__ import annotations

from tests.sync.conftest import pg_server, pg_template, sqlite_template

__all__ = ["pg_server", "pg_template", "sqlite_template"]
