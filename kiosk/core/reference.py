"""Looking up reference data: villages, exchange points, operators, rule sets and the catalogue."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import func
from sqlmodel import Session, col, select

from kiosk.core.clock import local_date
from kiosk.core.errors import NotFound, Refused
from kiosk.core.ledger import meta_get
from kiosk.core.models import (
    CatalogItem,
    CatalogPrice,
    ExchangePoint,
    Operator,
    Role,
    RuleSetRecord,
    StockMovement,
    Village,
)
from rules.loader import parse_ruleset, ruleset_in_force
from rules.model import Rule, RuleSet


def village_by_name(session: Session, name_or_id: str) -> Village:
    village = session.exec(
        select(Village).where((Village.name == name_or_id) | (Village.id == name_or_id))
    ).first()
    if village is None:
        raise NotFound("village.unknown", village=name_or_id)
    return village


def exchange_points_of(session: Session, village_id: str) -> list[ExchangePoint]:
    return list(
        session.exec(
            select(ExchangePoint)
            .where(ExchangePoint.village_id == village_id)
            .order_by(col(ExchangePoint.id))
        )
    )


def operator_by_id(session: Session, operator_id: str) -> Operator:
    operator = session.get(Operator, operator_id)
    if operator is None or not operator.active:
        raise NotFound("operator.unknown", operator=operator_id)
    return operator


def require_role(operator: Operator, *roles: Role) -> None:
    if operator.role not in roles:
        raise Refused(
            "operator.role", operator=operator.name, needed="/".join(str(r) for r in roles)
        )


def require_village(operator: Operator, village_id: str) -> None:
    """Village administrators and shopkeepers act only for their own village."""
    if operator.role != Role.STREET_ADMIN and operator.village_id != village_id:
        raise Refused("operator.village", operator=operator.name)


@lru_cache(maxsize=64)
def _parsed(body: str) -> RuleSet:
    return parse_ruleset(body)


def rulesets(session: Session) -> list[RuleSet]:
    records = session.exec(select(RuleSetRecord)).all()
    return [_parsed(record.body) for record in records]


def ruleset_for(session: Session, village_id: str, at: datetime) -> RuleSet:
    return ruleset_in_force(rulesets(session), village_id, local_date(at))


def rule_for(session: Session, village_id: str, rule_id: str, at: datetime) -> tuple[Rule, RuleSet]:
    ruleset = ruleset_for(session, village_id, at)
    rule = ruleset.get(rule_id.strip().upper())
    if rule is None:
        raise NotFound("rule.unknown", rule=rule_id)
    return rule, ruleset


def catalog_items(session: Session, *, active_only: bool = True) -> list[CatalogItem]:
    statement = select(CatalogItem).order_by(col(CatalogItem.no))
    if active_only:
        statement = statement.where(CatalogItem.active == True)  # noqa: E712
    return list(session.exec(statement))


def catalog_prices_on(session: Session, day: date) -> dict[int, int]:
    """Every item's price in force on `day` (Asia/Shanghai): its newest `CatalogPrice` from
    that day or earlier, else the item's own first price."""
    prices = {no: points for no, points in session.exec(select(CatalogItem.no, CatalogItem.points))}
    for price in session.exec(
        select(CatalogPrice)
        .where(col(CatalogPrice.effective_from) <= day)
        .order_by(col(CatalogPrice.effective_from))
    ):
        prices[price.item_no] = price.points  # later days overwrite earlier ones
    return prices


def catalog_item(session: Session, no: int) -> CatalogItem:
    item = session.get(CatalogItem, no)
    if item is None or not item.active:
        raise NotFound("item.unknown", no=no)
    return item


def stock_levels(
    session: Session, exchange_point_id: str, item_nos: Iterable[int] | None = None
) -> dict[int, int]:
    """Stock on hand per item at an exchange point: the sum of its movements."""
    statement = (
        select(StockMovement.item_no, func.sum(StockMovement.delta))
        .where(StockMovement.exchange_point_id == exchange_point_id)
        .group_by(col(StockMovement.item_no))
    )
    if item_nos is not None:
        statement = statement.where(col(StockMovement.item_no).in_(list(item_nos)))
    return {int(no): int(total or 0) for no, total in session.exec(statement)}


def counter_exchange_point_id(
    session: Session, operator: Operator, named: str | None
) -> str | None:
    """Which exchange point an action at this counter happens at: the one named (a command's
    --exchange-point, or the kiosk's own setting), else the one the central assigned this
    kiosk, else the operator's own. Goods leave the shop where the terminal stands, so the
    kiosk's point comes before the operator's; at the central nothing is assigned."""
    return named or meta_get(session, "exchange_point_id") or operator.exchange_point_id
