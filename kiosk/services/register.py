"""The register's service path: roster imports, household and operator changes at the central,
and a kiosk's sign-in with its one-time PIN and lockout; each one transaction, the one path
the CLI, the app and the central's pages call."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from kiosk.core import pins, register
from kiosk.core.db import read_session, write_session
from kiosk.core.models import CatalogItem, ExchangePoint, Household, Operator, Residency
from kiosk.core.reference import catalog_prices_on
from kiosk.core.register import (
    ImportReport,
    add_household,
    edit_household,
    import_roster,
    leave_household,
    set_participation,
)
from kiosk.core.roster import parse_roster, parse_roster_data
from kiosk.core.ruleset_changes import ProposalChanges, proposal_changes

# Called inside a register change's transaction, after the change and before the commit: the
# console records its audit event there, so the change and its record stand or fall together.
Audit = Callable[[Session], None]


@contextmanager
def writing(engine: Engine, audit: Audit | None) -> Iterator[Session]:
    """`write_session`, with `audit` run on the session just before the commit."""
    with write_session(engine) as session:
        yield session
        if audit is not None:
            audit(session)


def import_roster_file(
    engine: Engine,
    path: Path,
    *,
    operator_id: str,
    now: datetime,
    dry_run: bool = False,
    audit: Audit | None = None,
) -> ImportReport:
    """Read, check and (unless dry or refused) apply the roster at `path`, all or nothing."""
    parsed = parse_roster(path)
    with writing(engine, audit) as session:
        return import_roster(
            session, parsed, operator_id=operator_id, now=now, dry_run=dry_run, source=path.name
        )


def import_roster_data(
    engine: Engine,
    data: bytes,
    name: str,
    *,
    operator_id: str,
    now: datetime,
    dry_run: bool = False,
    expected: str | None = None,
    audit: Audit | None = None,
) -> ImportReport:
    """The same for a roster uploaded as bytes (the console): `dry_run` is the preview that
    writes nothing; `expected` (the preview's fingerprint) makes the confirmed import write
    only what the preview showed (`report.stale` otherwise, nothing written)."""
    parsed = parse_roster_data(data, name)
    # A preview only reads: it must not hold the writer's lock (kiosks' pushes wait on it)
    # for the seconds a large roster takes to check.
    opened = read_session(engine) if dry_run else writing(engine, audit)
    with opened as session:
        return import_roster(
            session,
            parsed,
            operator_id=operator_id,
            now=now,
            dry_run=dry_run,
            source=Path(name).name[:60],
            expected=expected,
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
    audit: Audit | None = None,
) -> dict[str, Any]:
    with writing(engine, audit) as session:
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
    audit: Audit | None = None,
) -> dict[str, Any]:
    with writing(engine, audit) as session:
        household, changed = edit_household(
            session, code, head=head, group=group, members=members, operator_id=operator_id, now=now
        )
        return {**household_json(household), "changed": sorted(changed)}


def participation(
    engine: Engine,
    code: str,
    change: str,
    *,
    operator_id: str,
    now: datetime,
    audit: Audit | None = None,
) -> dict[str, Any]:
    with writing(engine, audit) as session:
        household, changed = set_participation(
            session, code, change, operator_id=operator_id, now=now
        )
        return {**household_json(household), "changed": sorted(changed)}


def leave(
    engine: Engine,
    code: str,
    *,
    reason: str,
    operator_id: str,
    now: datetime,
    audit: Audit | None = None,
) -> dict[str, Any]:
    with writing(engine, audit) as session:
        return household_json(
            leave_household(session, code, reason=reason, operator_id=operator_id, now=now)
        )


def operator_json(operator: Operator, pin: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": operator.id,
        "name": operator.name,
        "role": operator.role,
        "village_id": operator.village_id,
        "exchange_point_id": operator.exchange_point_id,
        "active": operator.active,
    }
    if pin is not None:
        payload["pin"] = pin
    return payload


def add_operator(
    engine: Engine,
    *,
    new_id: str,
    name: str,
    role: str,
    village: str | None,
    exchange_point: str | None,
    operator_id: str,
    now: datetime,
    audit: Audit | None = None,
) -> dict[str, Any]:
    """The new operator, with its one-time PIN under "pin": the only time it is shown."""
    with writing(engine, audit) as session:
        operator, pin = register.add_operator(
            session,
            new_id_=new_id,
            name=name,
            role=role,
            village=village,
            exchange_point=exchange_point,
            operator_id=operator_id,
            now=now,
        )
        return operator_json(operator, pin)


def reissue_pin(
    engine: Engine, target_id: str, *, operator_id: str, now: datetime, audit: Audit | None = None
) -> dict[str, Any]:
    with writing(engine, audit) as session:
        pin = register.reissue_pin(session, target_id, operator_id=operator_id, now=now)
        operator = session.get(Operator, target_id)
        assert operator is not None
        return operator_json(operator, pin)


def disable_operator(
    engine: Engine, target_id: str, *, operator_id: str, now: datetime, audit: Audit | None = None
) -> dict[str, Any]:
    with writing(engine, audit) as session:
        return operator_json(
            register.disable_operator(session, target_id, operator_id=operator_id, now=now)
        )


def sign_in(engine: Engine, operator_id: str, pin: str, now: datetime) -> tuple[Operator, bool]:
    """Check a PIN at a kiosk, the attempt recorded even when it is wrong; returns the
    operator and whether it must choose its own PIN before anything else."""
    from kiosk.core.errors import DomainError

    failure: DomainError | None = None
    with write_session(engine) as session:
        try:
            operator = pins.sign_in(session, operator_id, pin, now)
            must_change = pins.must_change_pin(session, operator)
        except DomainError as error:
            failure = error  # commit the recorded attempt, then refuse
    if failure is not None:
        raise failure
    return operator, must_change


def change_pin(
    engine: Engine, operator_id: str, old_pin: str, new_pin: str, now: datetime
) -> Operator:
    """Replace the one-time (or current) PIN on this kiosk; a wrong old PIN counts as a
    failed sign-in and stays recorded."""
    from kiosk.core.errors import DomainError

    failure: DomainError | None = None
    with write_session(engine) as session:
        try:
            return pins.change_pin(session, operator_id, old_pin, new_pin, now)
        except DomainError as error:
            failure = error
    raise failure


def point_json(point: ExchangePoint) -> dict[str, Any]:
    return {"id": point.id, "village_id": point.village_id, "name": point.name}


def add_exchange_point(
    engine: Engine,
    *,
    village: str,
    name: str,
    point_id: str | None,
    operator_id: str,
    now: datetime,
    audit: Audit | None = None,
) -> dict[str, Any]:
    with writing(engine, audit) as session:
        return point_json(
            register.add_exchange_point(
                session,
                village=village,
                name=name,
                point_id=point_id,
                operator_id=operator_id,
                now=now,
            )
        )


def list_exchange_points(engine: Engine, village: str | None) -> list[dict[str, Any]]:
    with read_session(engine) as session:
        return [point_json(p) for p in register.exchange_points(session, village)]


def item_json(item: CatalogItem) -> dict[str, Any]:
    return {
        "item_no": item.no,
        "name": item.name,
        "points": item.points,
        "due_class": item.due_class,
        "active": item.active,
    }


def add_catalog_item(
    engine: Engine,
    *,
    name: str,
    points: int,
    due_class: str,
    operator_id: str,
    now: datetime,
    audit: Audit | None = None,
) -> dict[str, Any]:
    with writing(engine, audit) as session:
        return item_json(
            register.add_catalog_item(
                session,
                name=name,
                points=points,
                due_class=due_class,
                operator_id=operator_id,
                now=now,
            )
        )


def retire_catalog_item(
    engine: Engine, no: int, *, operator_id: str, now: datetime, audit: Audit | None = None
) -> dict[str, Any]:
    with writing(engine, audit) as session:
        return item_json(
            register.retire_catalog_item(session, no, operator_id=operator_id, now=now)
        )


def set_catalog_price(
    engine: Engine,
    no: int,
    points: int,
    *,
    effective_from: date,
    operator_id: str,
    now: datetime,
    audit: Audit | None = None,
) -> dict[str, Any]:
    """An item's new price from a day on: the item, the price it replaces on that day, and
    the new one (`kiosk catalog price`)."""
    with writing(engine, audit) as session:
        price = register.set_catalog_price(
            session, no, points, effective_from=effective_from, operator_id=operator_id, now=now
        )
        item = session.get(CatalogItem, no)
        assert item is not None
        before = catalog_prices_on(session, effective_from - timedelta(days=1))[no]
        return {
            "item_no": no,
            "name": item.name,
            "points": price.points,
            "from": price.effective_from.isoformat(),
            "before": before,
        }


def propose_ruleset(
    engine: Engine,
    path: Path,
    *,
    village: str | None,
    effective_from: date,
    operator_id: str,
    now: datetime,
) -> register.ProposalReport:
    """Check and store a rule set file for approval; with any problem nothing is stored."""
    from kiosk.core.errors import BadInput

    try:
        body = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        raise BadInput("roster.unreadable_file", name=path.name) from None
    return propose_ruleset_text(
        engine,
        body,
        village=village,
        effective_from=effective_from,
        operator_id=operator_id,
        now=now,
    )


def propose_ruleset_text(
    engine: Engine,
    body: str,
    *,
    village: str | None,
    effective_from: date,
    operator_id: str,
    now: datetime,
    audit: Audit | None = None,
) -> register.ProposalReport:
    """The same for a rule set's text as uploaded (the console)."""
    with writing(engine, audit) as session:
        return register.propose_ruleset(
            session,
            body,
            village=village,
            effective_from=effective_from,
            operator_id=operator_id,
            now=now,
        )


def ruleset_changes(engine: Engine, proposal_id: str) -> ProposalChanges:
    """What approving a proposal changes for whom from which day (read before approving)."""
    with read_session(engine) as session:
        return proposal_changes(session, proposal_id)


def approve_ruleset(
    engine: Engine, proposal_id: str, *, operator_id: str, now: datetime, audit: Audit | None = None
) -> dict[str, Any]:
    with writing(engine, audit) as session:
        record = register.approve_ruleset(session, proposal_id, operator_id=operator_id, now=now)
        return {
            "id": proposal_id,
            "ruleset": record.id,
            "village_id": record.scope_village_id,
            "effective_from": record.effective_from.isoformat(),
        }


def rulesets_overview(engine: Engine, *, village: str | None, at: date) -> dict[str, Any]:
    with read_session(engine) as session:
        return register.rulesets_overview(session, village=village, at=at)
