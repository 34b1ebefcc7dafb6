"""What the console's register pages show, read through the domain within the reader's scope
(a village administrator's own village, a street administrator's every village), and the
audit record a register change leaves from the change log rows its transaction wrote."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from kiosk.core.central_models import RegisterChange, RuleSetProposal
from kiosk.core.clock import as_utc, local_date
from kiosk.core.models import CatalogItem, ExchangePoint, Household, Operator, Village
from kiosk.core.reference import catalog_prices_on
from kiosk.core.register import changes_of, price_history
from sync.audit import record_change


@dataclass(frozen=True)
class Scope:
    """The villages a reader may see: its own, or every village (a street administrator)."""

    village_id: str | None

    def allows(self, village_id: str | None) -> bool:
        return self.village_id is None or village_id == self.village_id


def villages(session: Session, scope: Scope) -> list[Village]:
    statement = select(Village).order_by(col(Village.id))
    if scope.village_id is not None:
        statement = statement.where(col(Village.id) == scope.village_id)
    return list(session.exec(statement))


def village_names(session: Session) -> dict[str, str]:
    return {v.id: v.name for v in session.exec(select(Village))}


@dataclass(frozen=True)
class HouseholdPage:
    household: Household
    village: str
    history: list[RegisterChange]


def household_page(session: Session, household: Household) -> HouseholdPage:
    names = village_names(session)
    return HouseholdPage(
        household,
        names.get(household.village_id, household.village_id),
        changes_of(session, household.id)[-10:],
    )


def operators(session: Session, scope: Scope) -> list[Operator]:
    statement = select(Operator).order_by(col(Operator.village_id), col(Operator.id))
    if scope.village_id is not None:
        statement = statement.where(col(Operator.village_id) == scope.village_id)
    return list(session.exec(statement))


def exchange_points(session: Session, scope: Scope) -> list[ExchangePoint]:
    statement = select(ExchangePoint).order_by(col(ExchangePoint.village_id), col(ExchangePoint.id))
    if scope.village_id is not None:
        statement = statement.where(col(ExchangePoint.village_id) == scope.village_id)
    return list(session.exec(statement))


@dataclass(frozen=True)
class CatalogRow:
    item: CatalogItem
    today: int  # the price in force today
    later: list[tuple[date, int]] = field(default_factory=list)  # prices from a later day


def catalogue(session: Session, now: datetime) -> list[CatalogRow]:
    today = local_date(now)
    prices = catalog_prices_on(session, today)
    rows = []
    for item in session.exec(select(CatalogItem).order_by(col(CatalogItem.no))):
        later = [
            (p.effective_from, p.points)
            for p in price_history(session, item.no)
            if p.effective_from > today
        ]
        rows.append(CatalogRow(item, prices.get(item.no, item.points), later))
    return rows


def proposals(session: Session, scope: Scope) -> list[RuleSetProposal]:
    statement = select(RuleSetProposal).order_by(
        col(RuleSetProposal.approved_at).is_not(None), col(RuleSetProposal.proposed_at).desc()
    )
    found = list(session.exec(statement))
    return [p for p in found if p.scope_village_id is None or scope.allows(p.scope_village_id)]


def audit_register_change(
    session: Session,
    *,
    operator: Operator,
    action: str,
    village_id: str | None,
    now: datetime,
    address: str,
    summary: dict[str, Any] | None = None,
    earlier: frozenset[str] = frozenset(),
) -> None:
    """Record the console event of the register change this transaction made: its subject
    with the change log's before and after (a one-time PIN is never in them), or, for a
    roster, `summary` and the subjects. Nothing is recorded when nothing was written.

    The change's log rows are those of this operator at this instant, less `earlier` (what
    `logged_at` found before the change), so a clock that stands still in a test or two
    changes within one tick never take each other's rows."""
    rows = [
        row
        for row in session.exec(
            select(RegisterChange)
            .where(
                col(RegisterChange.operator_id) == operator.id,
                col(RegisterChange.changed_at) == as_utc(now),
            )
            .order_by(col(RegisterChange.id))
        )
        if row.id not in earlier
    ]
    if not rows:
        return
    if len(rows) == 1 and summary is None:
        (row,) = rows
        subject, before, after = row.subject, dict(row.before), dict(row.after)
    else:
        subject = f"{action}:{len(rows)}"
        before = {r.subject: r.before for r in rows if r.before}
        after = {**(summary or {}), "subjects": [r.subject for r in rows]}
    record_change(
        session,
        operator=operator,
        action=action,
        subject=subject,
        village_id=village_id,
        before=before or None,
        after=after,
        now=now,
        address=address,
    )


def logged_at(session: Session, operator_id: str, now: datetime) -> frozenset[str]:
    """The change log rows an operator already has at this instant (see above)."""
    return frozenset(
        session.exec(
            select(RegisterChange.id).where(
                col(RegisterChange.operator_id) == operator_id,
                col(RegisterChange.changed_at) == as_utc(now),
            )
        )
    )
