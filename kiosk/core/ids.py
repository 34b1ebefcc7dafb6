"""Identifiers: random ids made where a record is created, deterministic ids for period closes."""

from __future__ import annotations

import uuid

# Fixed namespace so that closing the same period twice derives the same entry ids.
_CLOSE_NAMESPACE = uuid.UUID("6f1c2f0e-5b7a-4c1e-9a43-2f6d7f0c1a55")


def new_id() -> str:
    return str(uuid.uuid4())


def derived_id(*parts: object) -> str:
    """The same parts always give the same id, on every machine."""
    return str(uuid.uuid5(_CLOSE_NAMESPACE, ":".join(str(part) for part in parts)))
