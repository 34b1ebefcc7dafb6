"""The register's service path at the central: roster imports and household changes, each in
one transaction, called by the CLI (and later the central's pages) alike."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from kiosk.core.db import write_session
from kiosk.core.models import Household, Residency
from kiosk.core.register import (
    ImportReport,
    add_household,
    edit_household,
    import_roster,
    leave_household,
    set_participation,
)
from kiosk.core.roster import parse_roster


def import_roster_file(
    engine: Engine, path: Path, *, operator_id: str, now: datetime, dry_run: bool = False
) -> ImportReport:
    """Read, check and (unless dry or refused) apply the roster at `path`, all or nothing."""
    parsed = parse_roster(path)
    with write_session(engine) as session:
        return import_roster(
            session, parsed, operator_id=operator_id, now=now, dry_run=dry_run, source=path.name
        )


def household_json(household: Household) -> dict[str, Any]:
    return {
        "code": household.code,
        "village_id": household.village_id,
        "group": household.group_name,
        "head": household.head_name,
        "members": list(household.members),
        "residency": household.residency,
        "long_term_absent": household.long_term_absent,
        "opted_in": household.opted_in,
        "opted_out": household.opted_out,
        "takes_part": household.takes_part,
        "left": household.left_at is not None,
        "left_reason": household.left_reason,
        "card_version": household.card_version,
    }


def add(
    engine: Engine,
    *,
    village: str,
    group: str,
    head: str,
    members: Sequence[str],
    residency: Residency,
    absent: bool,
    operator_id: str,
    now: datetime,
) -> dict[str, Any]:
    with write_session(engine) as session:
        household = add_household(
            session,
            village=village,
            group=group,
            head=head,
            members=members,
            residency=residency,
            absent=absent,
            operator_id=operator_id,
            now=now,
        )
        return household_json(household)


def edit(
    engine: Engine,
    code: str,
    *,
    head: str | None,
    group: str | None,
    members: Sequence[str] | None,
    operator_id: str,
    now: datetime,
) -> dict[str, Any]:
    with write_session(engine) as session:
        household, changed = edit_household(
            session, code, head=head, group=group, members=members, operator_id=operator_id, now=now
        )
        return {**household_json(household), "changed": sorted(changed)}


def participation(
    engine: Engine, code: str, change: str, *, operator_id: str, now: datetime
) -> dict[str, Any]:
    with write_session(engine) as session:
        household, changed = set_participation(
            session, code, change, operator_id=operator_id, now=now
        )
        return {**household_json(household), "changed": sorted(changed)}


def leave(
    engine: Engine, code: str, *, reason: str, operator_id: str, now: datetime
) -> dict[str, Any]:
    with write_session(engine) as session:
        return household_json(
            leave_household(session, code, reason=reason, operator_id=operator_id, now=now)
        )
