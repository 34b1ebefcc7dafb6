"""Closing a month or a year: top-5 bonuses, the annual reset, and the earnings behind them.

Run at the street office over the central database so rankings see every kiosk's entries.
Every entry written here has an id derived from the period and household, so closing a
period twice writes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from kiosk.core.clock import as_utc
from kiosk.core.errors import BadInput, Refused
from kiosk.core.ids import derived_id
from kiosk.core.ledger import append_entry, local_origin
from kiosk.core.models import Household, LedgerEntry, Village
from kiosk.core.reference import ruleset_for
from rules.engine import (
    EARNING_KINDS,
    above_average,
    start_of_month,
    start_of_next_month,
    start_of_year,
    top_five,
)
from rules.model import Cadence


@dataclass(frozen=True)
class Bonus:
    village: str
    household_code: str
    earned: int
    points: int
    entry_id: str
    written: bool  # False when an earlier close had already written it


@dataclass(frozen=True)
class CloseResult:
    period: str
    bonuses: list[Bonus]
    expired_households: int = 0
    expired_points: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "period": self.period,
            "bonuses": [bonus.__dict__ for bonus in self.bonuses],
            "bonuses_written": sum(1 for bonus in self.bonuses if bonus.written),
            "expired_households": self.expired_households,
            "expired_points": self.expired_points,
        }


def parse_month(text: str) -> tuple[int, int]:
    try:
        year_text, month_text = text.strip().split("-")
        year, month = int(year_text), int(month_text)
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise ValueError
    except ValueError:
        raise BadInput("date.invalid", value=text, expected="YYYY-MM") from None
    return year, month


def parse_year(text: str) -> int:
    try:
        year = int(text)
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        raise BadInput("date.invalid", value=text, expected="YYYY") from None
    return year


def earnings(
    session: Session,
    village_id: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    year: int | None = None,
) -> dict[str, int]:
    """Points earned per participating household of a village (zero for those with none),
    by entry time in [start, end) or by points year."""
    households = session.exec(select(Household).where(Household.village_id == village_id)).all()
    result = {h.id: 0 for h in households if h.takes_part}
    statement = (
        select(LedgerEntry.household_id, func.sum(LedgerEntry.points))
        .join(Household, col(Household.id) == col(LedgerEntry.household_id))
        .where(Household.village_id == village_id)
        .where(col(LedgerEntry.kind).in_(sorted(EARNING_KINDS)))
        .group_by(col(LedgerEntry.household_id))
    )
    if start is not None:
        statement = statement.where(LedgerEntry.created_at >= as_utc(start))
    if end is not None:
        statement = statement.where(LedgerEntry.created_at < as_utc(end))
    if year is not None:
        statement = statement.where(LedgerEntry.points_year == year)
    for household_id, total in session.exec(statement):
        if household_id in result:
            result[household_id] = int(total or 0)
    return result


def _write_bonuses(
    session: Session,
    *,
    kind: str,
    period: str,
    village: Village,
    winners: list[tuple[str, int]],
    cadence: Cadence,
    credited_at: datetime,
) -> list[Bonus]:
    ruleset = ruleset_for(session, village.id, credited_at - timedelta(microseconds=1))
    rule = ruleset.bonus_rule(cadence)
    origin = local_origin(session)
    codes = dict(
        session.exec(
            select(Household.id, Household.code).where(Household.village_id == village.id)
        ).all()
    )
    bonuses = []
    for household_id, earned_points in winners:
        entry_id = derived_id(kind, village.id, period, household_id)
        written = session.get(LedgerEntry, entry_id) is None
        if written:
            append_entry(
                session,
                entry_id=entry_id,
                household_id=household_id,
                points=rule.points,
                kind="bonus",
                at=credited_at,
                origin=origin,
                rule_id=rule.id,
                rule_version=ruleset.key,
                note=f"{period} {village.name} 前五",
            )
        bonuses.append(
            Bonus(village.name, codes[household_id], earned_points, rule.points, entry_id, written)
        )
    return bonuses


def close_month(session: Session, year: int, month: int, now: datetime) -> CloseResult:
    """Credit the month's top-5 households of every village with the monthly bonus."""
    start, end = start_of_month(year, month), start_of_next_month(year, month)
    period = f"{year:04d}-{month:02d}"
    if now < end:
        raise Refused("period.not_over", period=period)
    bonuses: list[Bonus] = []
    for village in session.exec(select(Village).order_by(col(Village.id))):
        winners = top_five(earnings(session, village.id, start=start, end=end))
        bonuses += _write_bonuses(
            session,
            kind="bonus-month",
            period=period,
            village=village,
            winners=winners,
            cadence=Cadence.BONUS_MONTHLY,
            credited_at=end,
        )
    session.flush()
    return CloseResult(period=period, bonuses=bonuses)


def close_year(session: Session, year: int, now: datetime) -> CloseResult:
    """The yearly top-5 bonus (credited to the new year), then the annual reset: an expiry
    entry brings every household's balance of `year` to zero (次年清零)."""
    end = start_of_year(year + 1)
    period = f"{year:04d}"
    if now < end:
        raise Refused("period.not_over", period=period)
    bonuses: list[Bonus] = []
    for village in session.exec(select(Village).order_by(col(Village.id))):
        winners = top_five(earnings(session, village.id, year=year))
        bonuses += _write_bonuses(
            session,
            kind="bonus-year",
            period=period,
            village=village,
            winners=winners,
            cadence=Cadence.BONUS_YEARLY,
            credited_at=end,
        )
    expired_households, expired_points = _expire(session, year, end)
    session.flush()
    return CloseResult(period, bonuses, expired_households, expired_points)


def _expire(session: Session, year: int, end: datetime) -> tuple[int, int]:
    # Entries that arrive after a close (an offline kiosk's 31 December redemption) leave a
    # remainder; the next close expires it with the next derived id.
    remaining = session.exec(
        select(LedgerEntry.household_id, func.sum(LedgerEntry.points), func.count())
        .where(LedgerEntry.points_year == year)
        .group_by(col(LedgerEntry.household_id))
    ).all()
    expiry_counts = dict(
        session.exec(
            select(LedgerEntry.household_id, func.count())
            .where(LedgerEntry.points_year == year, LedgerEntry.kind == "expiry")
            .group_by(col(LedgerEntry.household_id))
        ).all()
    )
    origin = local_origin(session)
    last_instant = end - timedelta(microseconds=1)
    households = 0
    points = 0
    for household_id, total, _count in remaining:
        total = int(total or 0)
        if total == 0:
            continue
        sequence = int(expiry_counts.get(household_id, 0))
        append_entry(
            session,
            entry_id=derived_id("expiry", household_id, year, sequence),
            household_id=household_id,
            points=-total,
            kind="expiry",
            at=last_instant,
            origin=origin,
            points_year_override=year,
            note=f"{year}年度积分清零",
        )
        households += 1
        points += total
    return households, points


@dataclass(frozen=True)
class Honours:
    village: str
    period: str
    average: float
    top: list[tuple[str, int]]  # (household code, earned)
    above_average: list[tuple[str, int]]

    def as_json(self) -> dict[str, object]:
        return {
            "village": self.village,
            "period": self.period,
            "average": round(self.average, 2),
            "top": [{"code": c, "earned": e} for c, e in self.top],
            "above_average": [{"code": c, "earned": e} for c, e in self.above_average],
        }


def honours(session: Session, village: Village, *, year: int, month: int | None = None) -> Honours:
    """The period's top five and the households above the village average (推荐最美家庭...)."""
    if month is None:
        period, earned = f"{year:04d}", earnings(session, village.id, year=year)
    else:
        period = f"{year:04d}-{month:02d}"
        earned = earnings(
            session,
            village.id,
            start=start_of_month(year, month),
            end=start_of_next_month(year, month),
        )
    codes = dict(
        session.exec(
            select(Household.id, Household.code).where(Household.village_id == village.id)
        ).all()
    )
    average, above = above_average(earned)
    return Honours(
        village=village.name,
        period=period,
        average=average,
        top=[(codes[h], p) for h, p in top_five(earned)],
        above_average=[(codes[h], p) for h, p in above],
    )
