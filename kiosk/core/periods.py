"""Closing a month or a year: top-5 bonuses, the annual reset, and the earnings behind them.

Run at the street office over the central database so rankings see every kiosk's entries.
Every entry written here has an id derived from the period and household, so closing a
period twice writes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from kiosk.core.clock import as_utc
from kiosk.core.errors import BadInput, Refused
from kiosk.core.ids import derived_id
from kiosk.core.ledger import append_entry, local_origin, pushes_to_central
from kiosk.core.models import EntryKind, Household, LedgerEntry, Village
from kiosk.core.reference import ruleset_for
from rules.engine import (
    EARNING_KINDS,
    above_average,
    booking_instant,
    objections_close,
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
class BonusChange:
    """A bonus paid or taken back when a period was settled again after a correction."""

    period: str
    village: str
    household_code: str
    points: int  # the bonus paid (positive) or taken back (negative)
    entry_id: str


@dataclass(frozen=True)
class CloseResult:
    period: str
    bonuses: list[Bonus]
    expired_households: int = 0
    expired_points: int = 0
    changes: list[BonusChange] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "period": self.period,
            "bonuses": [bonus.__dict__ for bonus in self.bonuses],
            "bonuses_written": sum(1 for bonus in self.bonuses if bonus.written),
            "expired_households": self.expired_households,
            "expired_points": self.expired_points,
            "changes": [change.__dict__ for change in self.changes],
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
    by entry time in [start, end) or by points year.

    A correction counts where the entry it reverses counts (its time and points year), and
    only if that entry is an earning: taking a bonus back is not negative earnings, and a
    deed found wrong later leaves the period it was done in, not the period of the decision.
    """
    households = session.exec(select(Household).where(Household.village_id == village_id)).all()
    result = {h.id: 0 for h in households if h.takes_part}
    corrected = aliased(LedgerEntry)
    is_correction = col(LedgerEntry.kind) == EntryKind.CORRECTION
    when = case((is_correction, col(corrected.created_at)), else_=col(LedgerEntry.created_at))
    in_year = case((is_correction, col(corrected.points_year)), else_=col(LedgerEntry.points_year))
    kinds = sorted(EARNING_KINDS)
    statement = (
        select(LedgerEntry.household_id, func.sum(LedgerEntry.points))
        .join(Household, col(Household.id) == col(LedgerEntry.household_id))
        .outerjoin(corrected, col(corrected.id) == col(LedgerEntry.reverses_id))
        .where(Household.village_id == village_id)
        .where(
            or_(
                col(LedgerEntry.kind).in_(kinds),
                and_(is_correction, col(corrected.kind).in_(kinds)),
            )
        )
        .group_by(col(LedgerEntry.household_id))
    )
    if start is not None:
        statement = statement.where(when >= as_utc(start))
    if end is not None:
        statement = statement.where(when < as_utc(end))
    if year is not None:
        statement = statement.where(in_year == year)
    for household_id, total in session.exec(statement):
        if household_id in result:
            result[household_id] = int(total or 0)
    return result


def _codes(session: Session, village_id: str) -> dict[str, str]:
    return dict(
        session.exec(
            select(Household.id, Household.code).where(Household.village_id == village_id)
        ).all()
    )


def ranked_by_code(earned: dict[str, int], codes: dict[str, str]) -> list[tuple[str, int]]:
    """The top five of `earned` (keyed by household id) with ties listed by household code,
    as (household id, earned) pairs."""
    ids = {code: household_id for household_id, code in codes.items()}
    by_code = {codes[household_id]: points for household_id, points in earned.items()}
    return [(ids[code], points) for code, points in top_five(by_code)]


def _bonuses_of_period(
    session: Session, village_id: str, rule_id: str, credited_at: datetime
) -> list[LedgerEntry]:
    # Every bonus of a period is dated the period's end, re-settled ones too, so the rule and
    # that instant find them without a column of their own.
    return list(
        session.exec(
            select(LedgerEntry)
            .join(Household, col(Household.id) == col(LedgerEntry.household_id))
            .where(
                Household.village_id == village_id,
                LedgerEntry.kind == EntryKind.BONUS,
                LedgerEntry.rule_id == rule_id,
                LedgerEntry.created_at == as_utc(credited_at),
            )
            .order_by(col(LedgerEntry.origin_seq))
        )
    )


def _write_bonuses(
    session: Session,
    *,
    kind: str,
    period: str,
    village: Village,
    winners: list[tuple[str, int]],
    cadence: Cadence,
    credited_at: datetime,
    now: datetime,
    again: bool = False,
) -> tuple[list[Bonus], list[BonusChange]]:
    """Settle a period's bonuses against its ranking as the ledger now stands.

    The first close pays the winners. A later close of the same period (after a correction
    changed the ranking) pays a household that now ranks and takes the bonus back, by a
    correction entry of its own, from one that no longer does; a bonus the committee took
    back on dispute is not paid again. Ids derive from the period, the household and how
    many bonuses it was paid for the period, so every close of it writes the same rows.
    """
    ruleset = ruleset_for(session, village.id, credited_at - timedelta(microseconds=1))
    rule = ruleset.bonus_rule(cadence)
    origin = local_origin(session)
    codes = _codes(session, village.id)
    paid = _bonuses_of_period(session, village.id, rule.id, credited_at)
    if again and not paid:
        # Only a month that was closed is settled again; closing a year or a later month
        # never pays a month nobody closed.
        return [], []
    corrections = {
        entry.reverses_id: entry
        for entry in session.exec(
            select(LedgerEntry).where(
                col(LedgerEntry.reverses_id).in_([entry.id for entry in paid]),
                LedgerEntry.kind == EntryKind.CORRECTION,
            )
        )
    }
    live = {entry.household_id: entry for entry in paid if entry.id not in corrections}
    # Corrections the committee wrote carry its operator; the close's own carry none.
    taken_back_on_dispute = {
        entry.household_id
        for entry in paid
        if entry.id in corrections and corrections[entry.id].operator_id is not None
    }
    times_paid: dict[str, int] = {}
    for entry in paid:
        times_paid[entry.household_id] = times_paid.get(entry.household_id, 0) + 1
    winner_ids = {household_id for household_id, _ in winners}
    bonuses: list[Bonus] = []
    changes: list[BonusChange] = []
    for household_id, earned_points in winners:
        if household_id in live:
            entry_id, written = live[household_id].id, False
        elif household_id in taken_back_on_dispute:
            continue
        else:
            count = times_paid.get(household_id, 0)
            entry_id = derived_id(
                kind, village.id, period, household_id, *([count] if count else [])
            )
            written = session.get(LedgerEntry, entry_id) is None
            if written:
                append_entry(
                    session,
                    entry_id=entry_id,
                    household_id=household_id,
                    points=rule.points,
                    kind=EntryKind.BONUS,
                    at=credited_at,
                    origin=origin,
                    rule_id=rule.id,
                    rule_version=ruleset.key,
                    note=f"{period} {village.name} 前五" + ("（重新核定后补发）" if paid else ""),
                )
                if paid:
                    changes.append(
                        BonusChange(
                            period, village.name, codes[household_id], rule.points, entry_id
                        )
                    )
        bonuses.append(
            Bonus(village.name, codes[household_id], earned_points, rule.points, entry_id, written)
        )
    for household_id, entry in live.items():
        if household_id in winner_ids:
            continue
        correction_id = derived_id("correction", entry.id)
        if session.get(LedgerEntry, correction_id) is not None:
            continue
        append_entry(
            session,
            entry_id=correction_id,
            household_id=household_id,
            points=-entry.points,
            kind=EntryKind.CORRECTION,
            at=booking_instant(entry.points_year, now),
            origin=origin,
            points_year_override=entry.points_year,
            rule_id=entry.rule_id,
            rule_version=entry.rule_version,
            reverses_id=entry.id,
            note=f"{period} {village.name} 前五重新核定：更正后不再位列前五，收回奖励",
        )
        changes.append(
            BonusChange(period, village.name, codes[household_id], -entry.points, correction_id)
        )
    return bonuses, changes


def _settle_month(
    session: Session,
    village: Village,
    year: int,
    month: int,
    now: datetime,
    *,
    again: bool = False,
) -> tuple[list[Bonus], list[BonusChange]]:
    start, end = start_of_month(year, month), start_of_next_month(year, month)
    if again and not _any_bonus_at(session, village.id, end):
        return [], []  # never closed: nothing to settle again (and no ranking to read)
    earned = earnings(session, village.id, start=start, end=end)
    return _write_bonuses(
        session,
        kind="bonus-month",
        period=f"{year:04d}-{month:02d}",
        village=village,
        winners=ranked_by_code(earned, _codes(session, village.id)),
        cadence=Cadence.BONUS_MONTHLY,
        credited_at=end,
        now=now,
        again=again,
    )


def _any_bonus_at(session: Session, village_id: str, credited_at: datetime) -> bool:
    found = session.exec(
        select(LedgerEntry.id)
        .join(Household, col(Household.id) == col(LedgerEntry.household_id))
        .where(
            Household.village_id == village_id,
            LedgerEntry.kind == EntryKind.BONUS,
            LedgerEntry.created_at == as_utc(credited_at),
        )
        .limit(1)
    ).first()
    return found is not None


def _settle_year(
    session: Session, village: Village, year: int, now: datetime
) -> tuple[list[Bonus], list[BonusChange]]:
    earned = earnings(session, village.id, year=year)
    return _write_bonuses(
        session,
        kind="bonus-year",
        period=f"{year:04d}",
        village=village,
        winners=ranked_by_code(earned, _codes(session, village.id)),
        cadence=Cadence.BONUS_YEARLY,
        credited_at=start_of_year(year + 1),
        now=now,
    )


def _villages(session: Session) -> list[Village]:
    return list(session.exec(select(Village).order_by(col(Village.id))))


def close_month(session: Session, year: int, month: int, now: datetime) -> CloseResult:
    """Credit the month's top-5 households of every village with the monthly bonus.

    It also re-settles the earlier months of the points year (a correction may have changed
    their rankings) and, while the objections to the previous year's last notice were open
    during this month, the whole previous year: its months, its yearly bonus and its reset.
    """
    end = start_of_next_month(year, month)
    period = f"{year:04d}-{month:02d}"
    _require_central(session)
    if now < end:
        raise Refused("period.not_over", period=period)
    bonuses: list[Bonus] = []
    changes: list[BonusChange] = []
    if start_of_month(year, month) < objections_close(year - 1) and _year_closed(session, year - 1):
        changes += close_year(session, year - 1, now).changes
    for village in _villages(session):
        for earlier in range(1, month):
            changes += _settle_month(session, village, year, earlier, now, again=True)[1]
        paid, changed = _settle_month(session, village, year, month, now)
        bonuses += paid
        changes += changed
    session.flush()
    return CloseResult(period=period, bonuses=bonuses, changes=changes)


def close_year(session: Session, year: int, now: datetime) -> CloseResult:
    """The yearly top-5 bonus (credited to the new year), then the annual reset: an expiry
    entry brings every household's balance of `year` to zero (次年清零).

    Closing a year again re-settles its months and its yearly bonus against the ledger as it
    stands (corrections booked into the year after its close) and expires what they left.
    """
    end = start_of_year(year + 1)
    period = f"{year:04d}"
    _require_central(session)
    if now < end:
        raise Refused("period.not_over", period=period)
    bonuses: list[Bonus] = []
    changes: list[BonusChange] = []
    for village in _villages(session):
        for month in range(1, 13):
            changes += _settle_month(session, village, year, month, now, again=True)[1]
        paid, changed = _settle_year(session, village, year, now)
        bonuses += paid
        changes += changed
    expired_households, expired_points = _expire(session, year, end)
    session.flush()
    return CloseResult(period, bonuses, expired_households, expired_points, changes)


def _require_central(session: Session) -> None:
    """Closes are the street office's, once for all villages at the central; their bonuses
    and resets reach the kiosks on the next pull. A kiosk that closed by itself would write
    rows the central refuses, and its sync would stop at them."""
    if pushes_to_central(session):
        raise Refused("period.central_only")


def _year_closed(session: Session, year: int) -> bool:
    """Whether `year` was closed before: its reset or its yearly bonus is in the ledger."""
    end = start_of_year(year + 1)
    yearly_rules = set()
    for village in _villages(session):
        try:
            ruleset = ruleset_for(session, village.id, end - timedelta(microseconds=1))
        except LookupError:
            continue
        yearly_rules.add(ruleset.bonus_rule(Cadence.BONUS_YEARLY).id)
    found = session.exec(
        select(LedgerEntry.id)
        .where(
            or_(
                and_(
                    col(LedgerEntry.kind) == EntryKind.EXPIRY,
                    col(LedgerEntry.points_year) == year,
                ),
                and_(
                    col(LedgerEntry.kind) == EntryKind.BONUS,
                    col(LedgerEntry.rule_id).in_(sorted(yearly_rules)),
                    col(LedgerEntry.created_at) == as_utc(end),
                ),
            )
        )
        .limit(1)
    ).first()
    return found is not None


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
    codes = _codes(session, village.id)
    average, above = above_average({codes[h]: p for h, p in earned.items()})
    return Honours(
        village=village.name,
        period=period,
        average=average,
        top=[(codes[h], p) for h, p in ranked_by_code(earned, codes)],
        above_average=above,
    )
